//! CliFetchHostVservices (fetchers.md §3.10): DHCP and router namespaces of a network host.

use super::common::{find_host, has_host_type, run_lines};
use crate::doc::{str_field, Object};
use crate::fetchers::{FetchError, Fetcher, ScanContext};
use crate::store::Logical;
use async_trait::async_trait;
use bson::doc;

pub struct CliFetchHostVservices;

/// The namespace ids of `ip netns list` that are vServices: the text before the first space,
/// kept when it starts with `qdhcp-` or `qrouter-`.
pub fn vservice_namespaces(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|line| line.split(' ').next())
        .filter(|ns| ns.starts_with("qdhcp-") || ns.starts_with("qrouter-"))
        .map(String::from)
        .collect()
}

/// (prefix, clean id) of a namespace: `qdhcp-<uuid>` → (`qdhcp`, `<uuid>`).
pub fn split_namespace(ns: &str) -> (&str, &str) {
    ns.split_once('-').unwrap_or((ns, ""))
}

/// One vService object. `db_rows` are the rows of the name query (DHCP) or the router query;
/// `agent_type` the `network_agent_types` entry whose `type` is the service type.
pub fn vservice(host: &str, ns: &str, db_rows: &[Object], agent_type: Option<&Object>) -> Object {
    let (prefix, clean_id) = split_namespace(ns);
    let service_type = prefix.strip_prefix('q').unwrap_or(prefix);
    let mut obj = Object::new();
    obj.insert("local_service_id", ns);
    obj.insert("service_type", service_type);
    let base_name = if service_type == "router" {
        // every column of the router row is kept; Quirk Q11: no row -> the router id
        match db_rows.first() {
            Some(row) => {
                obj.extend(row.clone());
                str_field(row, "name").unwrap_or(clean_id).to_string()
            }
            None => clean_id.to_string(),
        }
    } else {
        db_rows
            .first()
            .and_then(|row| str_field(row, "name"))
            .unwrap_or(clean_id)
            .to_string()
    };
    obj.insert("name", format!("{prefix}-{base_name}"));
    obj.insert("host", host);
    obj.insert("id", format!("{host}-{ns}"));
    let folder = format!("{host}-vservices");
    let (type_plural, folder_text) = match agent_type {
        Some(t) => (
            format!("{}s", str_field(t, "type").unwrap_or(service_type)),
            str_field(t, "folder_text").unwrap_or("").to_string(),
        ),
        None => ("miscellenaous".to_string(), "Misc. services".to_string()),
    };
    obj.insert("master_parent_id", &folder);
    obj.insert("master_parent_type", "vservices_folder");
    obj.insert("parent_id", format!("{folder}-{type_plural}"));
    obj.insert("parent_type", format!("vservice_{type_plural}_folder"));
    obj.insert("parent_text", folder_text);
    obj
}

/// The DB query that names the vService of this namespace prefix.
pub fn name_query(prefix: &str) -> &'static str {
    if prefix == "qrouter" {
        "SELECT * FROM {neutron}.routers WHERE id = %s"
    } else {
        "SELECT name FROM {neutron}.networks WHERE id = %s"
    }
}

#[async_trait]
impl Fetcher for CliFetchHostVservices {
    async fn get(&self, host_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        // a missing host aborts the scan in the original too
        let host = find_host(ctx, host_id).await?.ok_or_else(|| {
            FetchError::Data(format!(
                "CliFetchHostVservices: host {host_id} is not in the inventory"
            ))
        })?;
        if !has_host_type(&host, &["Network"]) {
            return Ok(Vec::new());
        }
        let lines = run_lines(ctx, "ip netns list", host_id).await?;
        let mut out = Vec::new();
        for ns in vservice_namespaces(&lines) {
            let (prefix, clean_id) = split_namespace(&ns);
            let rows = ctx
                .db()
                .await?
                .query(name_query(prefix), Some(clean_id))
                .await?;
            let service_type = prefix.trim_start_matches('q');
            let agent_type = ctx
                .store
                .collection(Logical::NetworkAgentTypes)
                .find_one(doc! {"type": service_type})
                .await
                .map_err(|e| FetchError::Data(format!("network_agent_types: {e}")))?;
            out.push(vservice(host_id, &ns, &rows, agent_type.as_ref()));
        }
        Ok(out)
    }
}
