//! Fetchers backed by the api access layer. Each fetcher is a thin I/O shell around a pure
//! function that turns API answers (and inventory lookups) into objects.

mod availability_zones;
mod host_instances;
mod networks;
mod ports;
mod project_hosts;
mod project_index;
mod projects;
mod regions;

pub use availability_zones::{availability_zones_from_answer, ApiFetchAvailabilityZones};
pub use host_instances::{instances_from_servers, ApiFetchHostInstances};
pub use networks::{networks_from_answers, ApiFetchNetworks};
pub use ports::{ports_from_answer, ApiFetchPorts};
pub use project_hosts::{
    add_network_agents, hosts_from_zones, hypervisor_matches, os_details, ApiFetchProjectHosts,
    HypervisorMatch, OS_DETAILS_COMMAND,
};
pub use project_index::ProjectIndex;
pub use projects::{projects_from_answers, ApiFetchProjects};
pub use regions::{region_objects, ApiFetchRegions};

use super::Fetcher;
use crate::doc::{json_object_to_doc, Object};
use serde_json::Value;

/// The fetcher of this family named `name` in `scanners.json`.
pub fn create(name: &str) -> Option<Box<dyn Fetcher>> {
    Some(match name {
        "ApiFetchRegions" => Box::new(ApiFetchRegions),
        "ApiFetchProjects" => Box::new(ApiFetchProjects),
        "ApiFetchAvailabilityZones" => Box::new(ApiFetchAvailabilityZones),
        "ApiFetchProjectHosts" => Box::new(ApiFetchProjectHosts),
        "ApiFetchNetworks" => Box::new(ApiFetchNetworks),
        "ApiFetchPorts" => Box::new(ApiFetchPorts),
        "ApiFetchHostInstances" => Box::new(ApiFetchHostInstances),
        _ => return None,
    })
}

/// The objects of the array member `key` of an answer; `None` when the member is missing or
/// not an array (non-object items are skipped).
pub fn objects_in(body: &Value, key: &str) -> Option<Vec<Object>> {
    let items = body.get(key)?.as_array()?;
    Some(
        items
            .iter()
            .filter_map(Value::as_object)
            .map(json_object_to_doc)
            .collect(),
    )
}

/// The original's "no data" test: the answer carries a `status` member other than 200.
pub fn has_error_status(body: &Value) -> bool {
    body.get("status").is_some_and(|status| {
        let code = match status {
            Value::String(text) => text.trim().parse().ok(),
            other => other.as_i64(),
        };
        code != Some(200)
    })
}
