//! DbFetchAZNetworkHosts (fetchers.md §3.6, targeted scans only): hosts running a Metadata
//! agent, as network nodes.

use super::parse_json_text;
use crate::doc::{str_field, Object};
use crate::fetchers::{FetchError, Fetcher, ScanContext};
use async_trait::async_trait;

const METADATA_HOSTS_SQL: &str = "SELECT DISTINCT host, host AS id, configurations \
     FROM {neutron}.agents WHERE agent_type = 'Metadata agent'";

pub struct DbFetchAZNetworkHosts;

#[async_trait]
impl Fetcher for DbFetchAZNetworkHosts {
    async fn get(&self, _parent_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let rows = ctx.db().await?.query(METADATA_HOSTS_SQL, None).await?;
        az_network_hosts(rows)
    }
}

/// Each row gets `ip_address` = `nova_metadata_ip` of its configurations (which stay a string)
/// and `host_type: "Network Node"`.
pub fn az_network_hosts(rows: Vec<Object>) -> Result<Vec<Object>, FetchError> {
    rows.into_iter()
        .map(|mut row| {
            let host = str_field(&row, "host").unwrap_or("").to_string();
            let config = parse_json_text(
                row.get("configurations"),
                &format!("agents.configurations of host {host}"),
            )?;
            match config.as_document().and_then(|c| c.get("nova_metadata_ip")) {
                Some(ip) => {
                    row.insert("ip_address", ip.clone());
                }
                None => log::warn!("metadata agent of host {host} has no nova_metadata_ip"),
            }
            row.insert("host_type", "Network Node");
            Ok(row)
        })
        .collect()
}
