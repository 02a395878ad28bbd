//! Fetchers backed by the db access layer. Each fetcher is a thin I/O shell around a pure
//! function that turns result rows (and inventory lookups) into objects.

mod aggregate_hosts;
mod aggregates;
mod availability_zones;
mod az_network_hosts;
mod host_network_agents;
mod instances;
pub mod oteps;
pub mod vedges_ovs;
pub mod vedges_vpp;

pub use aggregate_hosts::{aggregate_host_refs, DbFetchAggregateHosts};
pub use aggregates::DbFetchAggregates;
pub use availability_zones::DbFetchAvailabilityZones;
pub use az_network_hosts::{az_network_hosts, DbFetchAZNetworkHosts};
pub use host_network_agents::{network_agents_from_rows, DbFetchHostNetworkAgents};
pub use instances::merge_instance_rows;

use super::{FetchError, Fetcher};
use crate::doc::json_to_bson;
use bson::Bson;

/// The fetcher of this family named `name` in `scanners.json`.
pub fn create(name: &str) -> Option<Box<dyn Fetcher>> {
    Some(match name {
        "DbFetchAggregates" => Box::new(DbFetchAggregates),
        "DbFetchAggregateHosts" => Box::new(DbFetchAggregateHosts),
        "DbFetchHostNetworkAgents" => Box::new(DbFetchHostNetworkAgents),
        "DbFetchAvailabilityZones" => Box::new(DbFetchAvailabilityZones),
        "DbFetchAZNetworkHosts" => Box::new(DbFetchAZNetworkHosts),
        "DbFetchVedgesOvs" => Box::new(vedges_ovs::DbFetchVedgesOvs),
        "DbFetchVedgesVpp" => Box::new(vedges_vpp::DbFetchVedgesVpp),
        "DbFetchOteps" => Box::new(oteps::DbFetchOteps),
        _ => return None,
    })
}

/// A JSON document kept in a TEXT column (`configurations`, `network_info`), parsed. NULL
/// stays Null; a value that is already structured is kept. `what` names the column and row
/// for the error.
pub fn parse_json_text(value: Option<&Bson>, what: &str) -> Result<Bson, FetchError> {
    match value {
        None | Some(Bson::Null) => Ok(Bson::Null),
        Some(Bson::String(text)) => serde_json::from_str(text)
            .map(|json| json_to_bson(&json))
            .map_err(|e| FetchError::Data(format!("{what}: not valid JSON: {e}"))),
        Some(other) => Ok(other.clone()),
    }
}
