//! AciFetchSwitchPnic (fetchers.md §3.17): the leaf switch port a host pNIC's MAC was learned
//! on (`epmMacEp`), the leaf itself (`topSystem`, saved under the region) and the client
//! endpoints of that MAC (`fvCEp`).

use super::{answer_attributes, as_object, attributes, save_switch_if_new, switch_document};
use crate::access::aci::encode_dn;
use crate::doc::{json_to_bson, str_field, Object};
use crate::fetchers::{FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::{doc, Bson};
use serde_json::Value;

pub struct AciFetchSwitchPnic;

/// The `epmMacEp` filter for one MAC on Ethernet ports.
pub fn mac_filter(mac: &str) -> String {
    format!("and(eq(epmMacEp.addr,\"{mac}\"),wcard(epmMacEp.ifId, \"eth\"))")
}

static LEAF_DN: once_cell::sync::Lazy<regex::Regex> =
    once_cell::sync::Lazy::new(|| regex::Regex::new("^topology/(.+)/sys").expect("static regex"));

/// The leaf id (`pod-1/node-103`) in an `epmMacEp` dn (`topology/(.+)/sys`, greedy).
pub fn leaf_id(dn: &str) -> Result<String, FetchError> {
    LEAF_DN
        .captures(dn)
        .map(|c| c[1].to_string())
        .ok_or_else(|| {
            FetchError::Data(format!(
                "AciFetchSwitchPnic: failed to fetch the leaf switch id from pnic dn: {dn}"
            ))
        })
}

/// `switch-<encoded leaf id>-<role>`.
pub fn switch_id(leaf_id: &str, role: &str) -> String {
    format!("switch-{}-{role}", encode_dn(leaf_id))
}

/// Each client endpoint's attributes with the attributes of its `fvRsCEpToPathEp` children.
pub fn client_endpoints(endpoints: &[Value]) -> Vec<Object> {
    endpoints
        .iter()
        .map(|ep| {
            let mut result = as_object(&ep["attributes"]);
            let paths: Vec<Bson> = ep["children"]
                .as_array()
                .map(|children| {
                    children
                        .iter()
                        .filter_map(|c| c.get("fvRsCEpToPathEp"))
                        .map(|p| json_to_bson(&p["attributes"]))
                        .collect()
                })
                .unwrap_or_default();
            result.insert("fvRsCEpToPathEp", paths);
            result
        })
        .collect()
}

/// The hostlink switch pNIC.
pub fn switch_pnic(switch: &str, leaf_pnic: &Value, mac: &str, fv_cep: Vec<Object>) -> Object {
    let if_id = leaf_pnic["ifId"].as_str().unwrap_or_default();
    doc! {
        "id": format!("{switch}-{}-{mac}", encode_dn(if_id)),
        "object_name": if_id,
        "type": "switch_pnic",
        "role": "hostlink",
        "parent_id": switch,
        "parent_type": "switch",
        "mac_address": mac,
        "switch": switch,
        "aci_document": json_to_bson(leaf_pnic),
        "fvCEp": fv_cep,
    }
}

#[async_trait]
impl Fetcher for AciFetchSwitchPnic {
    async fn get(&self, pnic_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        if !ctx.env.aci_enabled() {
            return Ok(vec![]);
        }
        let Some(pnic) = ctx.store.get_by_id(&ctx.env.name, pnic_id).await? else {
            return Ok(vec![]);
        };
        let Some(mac) = str_field(&pnic, "mac_address").filter(|m| !m.is_empty()) else {
            return Ok(vec![]);
        };
        let aci = ctx.aci().await?;
        let filter = mac_filter(mac);
        let found = aci
            .class_query("epmMacEp", &[("query-target-filter", &filter)])
            .await?;
        let Some(leaf_pnic) = attributes(&found).into_iter().next() else {
            return Ok(vec![]);
        };
        let leaf = leaf_id(leaf_pnic["dn"].as_str().unwrap_or_default())?;
        let system = aci.mo_query(&format!("{leaf}/sys"), &[]).await?;
        let Some(leaf_data) = answer_attributes(&system, "topSystem").into_iter().next() else {
            log::warn!(
                "No switch found for switch pnic dn: {}",
                leaf_pnic["dn"].as_str().unwrap_or_default()
            );
            return Ok(vec![]);
        };
        let role = leaf_data["role"].as_str().unwrap_or_default();
        let switch = switch_id(&leaf, role);
        let name_path = str_field(&pnic, "name_path").unwrap_or_default();
        save_switch_if_new(ctx, switch_document(&switch, &leaf_data, true), name_path).await?;
        let mac_eq = format!("eq(fvCEp.mac,\"{mac}\")");
        let endpoints = aci
            .class_query(
                "fvCEp",
                &[
                    ("rsp-subtree", "children"),
                    ("query-target-filter", &mac_eq),
                ],
            )
            .await?;
        Ok(vec![switch_pnic(
            &switch,
            &leaf_pnic,
            mac,
            client_endpoints(&endpoints),
        )])
    }
}
