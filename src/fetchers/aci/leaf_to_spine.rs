//! AciFetchLeafToSpinePnics (fetchers.md §3.17): for a hostlink switch pNIC, the leaf's LLDP
//! neighbours that are spines (`fabricNode` role spine, `lldpAdjEp` of the leaf): a downlink
//! pNIC on each spine and the leaf's uplink pNIC, connected to each other.

use super::{answer_attributes, attributes, save_switch_if_new, switch_document};
use crate::access::aci::{decode_dn, encode_dn};
use crate::doc::{str_field, Object};
use crate::fetchers::{FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::doc;
use serde_json::Value;

pub struct AciFetchLeafToSpinePnics;

/// The leaf id in a hostlink switch pNIC id: decoded, between `switch-` and `-leaf`.
pub fn leaf_of(switch_pnic_id: &str) -> Option<String> {
    let decoded = decode_dn(switch_pnic_id);
    let start = decoded.find("switch-")? + "switch-".len();
    let end = decoded[start..].find("-leaf")? + start;
    Some(decoded[start..end].to_string())
}

/// The text inside the first `[...]`.
pub fn bracketed(text: &str) -> Option<&str> {
    let start = text.find('[')? + 1;
    let end = text[start..].find(']')? + start;
    Some(&text[start..end])
}

/// One spine's switch document (no address) and the downlink / uplink pNIC pair, for every
/// spine some adjacency of the leaf names.
pub fn spine_links(
    leaf: &str,
    spines: &[Value],
    adjacencies: &[Value],
) -> Vec<(Object, [Object; 2])> {
    let leaf_switch = format!("switch-{}-leaf", encode_dn(leaf));
    let mut out = Vec::new();
    for spine in spines {
        let name = spine["name"].as_str().unwrap_or_default();
        let Some(adj) = adjacencies
            .iter()
            .find(|a| a["sysName"].as_str() == Some(name))
        else {
            continue;
        };
        let (Some(uplink), Some(downlink)) = (
            adj["dn"].as_str().and_then(bracketed),
            adj["portDesc"].as_str().and_then(bracketed),
        ) else {
            continue;
        };
        let spine_id = format!(
            "switch-{}-{}",
            encode_dn(spine["dn"].as_str().unwrap_or_default()),
            spine["role"].as_str().unwrap_or_default()
        );
        let down_id = format!("{spine_id}-{}", encode_dn(downlink));
        let up_id = format!("{leaf_switch}-{}", encode_dn(uplink));
        let pnic = |id: &str, name: &str, role: &str, peer: &str, switch: &str| {
            doc! {
                "id": id,
                "object_name": name,
                "type": "switch_pnic",
                "role": role,
                "connected_to": peer,
                "switch": switch,
                "parent_id": switch,
                "parent_type": "switch",
                "aci_document": {},
            }
        };
        out.push((
            switch_document(&spine_id, spine, false),
            [
                pnic(&down_id, downlink, "downlink", &up_id, &spine_id),
                pnic(&up_id, uplink, "uplink", &down_id, &leaf_switch),
            ],
        ));
    }
    out
}

#[async_trait]
impl Fetcher for AciFetchLeafToSpinePnics {
    async fn get(&self, pnic_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        if !ctx.env.aci_enabled() {
            return Ok(vec![]);
        }
        let Some(leaf) = leaf_of(pnic_id) else {
            return Ok(vec![]);
        };
        let aci = ctx.aci().await?;
        let spines = aci
            .class_query(
                "fabricNode",
                &[("query-target-filter", "eq(fabricNode.role, \"spine\")")],
            )
            .await?;
        let lldp = aci
            .mo_query(
                &format!("{leaf}/sys"),
                &[
                    ("query-target", "subtree"),
                    ("target-subtree-class", "lldpAdjEp"),
                ],
            )
            .await?;
        let adjacencies = answer_attributes(&lldp, "lldpAdjEp");
        let name_path = match ctx.store.get_by_id(&ctx.env.name, pnic_id).await? {
            Some(doc) => str_field(&doc, "name_path").unwrap_or_default().to_string(),
            None => String::new(),
        };
        let mut results = Vec::new();
        for (spine, pnics) in spine_links(&leaf, &attributes(&spines), &adjacencies) {
            save_switch_if_new(ctx, spine, &name_path).await?;
            results.extend(pnics);
        }
        Ok(results)
    }
}
