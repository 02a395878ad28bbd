//! CliFetchVconnectorsLxb (fetchers.md §3.13): Linux bridges plus the host's Linux bridge
//! agent configuration (which CliFetchOtepsLxb reads).

use super::common::parse_json_column;
use super::vconnectors_ovs::fetch_bridges;
use crate::doc::{str_field, Object};
use crate::fetchers::{FetchError, Fetcher, ScanContext};
use async_trait::async_trait;

pub struct CliFetchVconnectorsLxb;

pub const AGENT_CONFIGURATIONS: &str = "SELECT configurations FROM {neutron}.agents \
     WHERE agent_type=\"Linux bridge agent\" AND host = %s";

/// Adds `configurations` (the first agent row's JSON) to every vConnector.
pub fn add_configurations(
    vconnectors: &mut [Object],
    agent_rows: &[Object],
    host: &str,
) -> Result<(), FetchError> {
    if vconnectors.is_empty() {
        return Ok(());
    }
    let row = agent_rows
        .first()
        .ok_or_else(|| FetchError::Data(format!("no Linux bridge agent found for host {host}")))?;
    let configurations = parse_json_column(
        row.get("configurations").unwrap_or(&bson::Bson::Null),
        &format!("Linux bridge agent configurations of {host}"),
    )?;
    for vconnector in vconnectors.iter_mut() {
        vconnector.insert("configurations", configurations.clone());
    }
    Ok(())
}

#[async_trait]
impl Fetcher for CliFetchVconnectorsLxb {
    async fn get(&self, folder_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let mut vconnectors = fetch_bridges(ctx, folder_id).await?;
        let Some(host) = vconnectors
            .first()
            .and_then(|v| str_field(v, "host"))
            .map(String::from)
        else {
            return Ok(vconnectors);
        };
        let rows = ctx
            .db()
            .await?
            .query(AGENT_CONFIGURATIONS, Some(&host))
            .await?;
        add_configurations(&mut vconnectors, &rows, &host)?;
        Ok(vconnectors)
    }
}
