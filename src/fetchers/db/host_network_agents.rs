//! DbFetchHostNetworkAgents (fetchers.md §3.16): the Neutron agents of one host.

use super::parse_json_text;
use crate::doc::{id_string, Object};
use crate::fetchers::{host_of_folder, FetchError, Fetcher, ScanContext};
use async_trait::async_trait;

const HOST_AGENTS_SQL: &str = "SELECT * FROM {neutron}.agents WHERE host = %s";

pub struct DbFetchHostNetworkAgents;

#[async_trait]
impl Fetcher for DbFetchHostNetworkAgents {
    /// `parent_id` is `<host>-network_agents`.
    async fn get(&self, parent_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let host = host_of_folder(parent_id);
        let rows = ctx.db().await?.query(HOST_AGENTS_SQL, Some(host)).await?;
        network_agents_from_rows(rows)
    }
}

/// Every column kept, `configurations` parsed, `name` = `binary`, `id` = `<binary>-<id>`.
pub fn network_agents_from_rows(rows: Vec<Object>) -> Result<Vec<Object>, FetchError> {
    rows.into_iter()
        .map(|mut agent| {
            let binary = agent.get("binary").and_then(id_string).unwrap_or_default();
            let uuid = agent.get("id").and_then(id_string).unwrap_or_default();
            let configurations = parse_json_text(
                agent.get("configurations"),
                &format!("agents.configurations of agent {uuid}"),
            )?;
            if agent.contains_key("configurations") {
                agent.insert("configurations", configurations);
            }
            agent.insert("id", format!("{binary}-{uuid}"));
            agent.insert("name", binary);
            Ok(agent)
        })
        .collect()
}
