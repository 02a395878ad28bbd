//! Fetcher names as `scanners.json` spells them → constructors.

use super::Fetcher;

/// Every fetcher class name the shipped `scanners.json` may reference. Names listed here but not
/// yet implemented make the scanner fail when the entry runs, with a clear message.
pub const KNOWN: &[&str] = &[
    "ApiFetchRegions",
    "ApiFetchProjects",
    "ApiFetchAvailabilityZones",
    "ApiFetchProjectHosts",
    "ApiFetchNetworks",
    "ApiFetchPorts",
    "ApiFetchHostInstances",
    "DbFetchAggregates",
    "DbFetchAggregateHosts",
    "DbFetchAvailabilityZones",
    "DbFetchAZNetworkHosts",
    "DbFetchHostNetworkAgents",
    "DbFetchVedgesOvs",
    "DbFetchVedgesVpp",
    "DbFetchOteps",
    "CliFetchHostVservices",
    "CliFetchVserviceVnics",
    "CliFetchInstanceVnics",
    "CliFetchInstanceVnicsVpp",
    "CliFetchHostPnics",
    "CliFetchBondHostPnics",
    "CliFetchHostPnicsVpp",
    "CliFetchVconnectorsOvs",
    "CliFetchVconnectorsLxb",
    "CliFetchVconnectorsVpp",
    "CliFetchOtepsLxb",
    "AciFetchSwitchPnic",
    "AciFetchLeafToSpinePnics",
    "KubeFetchNamespaces",
];

pub fn is_known(name: &str) -> bool {
    KNOWN.contains(&name)
}

/// A new fetcher for `name`, or `None` when it is not implemented.
pub fn create(name: &str) -> Option<Box<dyn Fetcher>> {
    super::api::create(name)
        .or_else(|| super::db::create(name))
        .or_else(|| super::cli::create(name))
        .or_else(|| super::aci::create(name))
        .or_else(|| super::kube::create(name))
}
