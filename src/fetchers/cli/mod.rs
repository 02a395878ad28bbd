//! Fetchers backed by the cli access layer: host-level objects discovered over SSH
//! (fetchers.md §3.10–3.15). Each file holds a small I/O part and pure parse functions.

pub mod bond_host_pnics;
pub mod common;
pub mod host_pnics;
pub mod host_pnics_vpp;
pub mod host_vservices;
pub mod instance_vnics;
pub mod oteps_lxb;
pub mod vconnectors_lxb;
pub mod vconnectors_ovs;
pub mod vconnectors_vpp;
pub mod vservice_vnics;
pub mod xml;

use super::Fetcher;
use instance_vnics::{CliFetchInstanceVnics, VnicNaming};

/// The fetcher of this family named `name` in `scanners.json`.
pub fn create(name: &str) -> Option<Box<dyn Fetcher>> {
    Some(match name {
        "CliFetchHostVservices" => Box::new(host_vservices::CliFetchHostVservices),
        "CliFetchVserviceVnics" => Box::new(vservice_vnics::CliFetchVserviceVnics),
        "CliFetchInstanceVnics" => Box::new(CliFetchInstanceVnics(VnicNaming::TargetDevice)),
        "CliFetchInstanceVnicsVpp" => Box::new(CliFetchInstanceVnics(VnicNaming::Vpp)),
        "CliFetchHostPnics" => Box::new(host_pnics::CliFetchHostPnics),
        "CliFetchBondHostPnics" => Box::new(bond_host_pnics::CliFetchBondHostPnics),
        "CliFetchHostPnicsVpp" => Box::new(host_pnics_vpp::CliFetchHostPnicsVpp),
        "CliFetchVconnectorsOvs" => Box::new(vconnectors_ovs::CliFetchVconnectorsOvs),
        "CliFetchVconnectorsLxb" => Box::new(vconnectors_lxb::CliFetchVconnectorsLxb),
        "CliFetchVconnectorsVpp" => Box::new(vconnectors_vpp::CliFetchVconnectorsVpp),
        "CliFetchOtepsLxb" => Box::new(oteps_lxb::CliFetchOtepsLxb),
        _ => return None,
    })
}
