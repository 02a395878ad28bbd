//! Fetchers backed by the db access layer.

pub mod oteps;
pub mod vedges_ovs;
pub mod vedges_vpp;

use super::Fetcher;

/// The fetcher of this family named `name` in `scanners.json`.
pub fn create(name: &str) -> Option<Box<dyn Fetcher>> {
    match name {
        "DbFetchVedgesOvs" => Some(Box::new(vedges_ovs::DbFetchVedgesOvs)),
        "DbFetchVedgesVpp" => Some(Box::new(vedges_vpp::DbFetchVedgesVpp)),
        "DbFetchOteps" => Some(Box::new(oteps::DbFetchOteps)),
        _ => None,
    }
}
