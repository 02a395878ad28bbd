//! The physical NICs of each host: which one carries the management, data and external
//! networks, and which hosts bond their data NICs. Shared by the agents' configurations
//! (interface mappings) and the host command outputs, so both name the same devices.

use super::{Host, MechanismDriver, Model};

#[derive(Debug, Clone, PartialEq)]
pub struct HostNics {
    /// Every physical NIC, in PCI order (`eth0`, `eth1`, ...).
    pub physical: Vec<String>,
    /// Carries the management address.
    pub management: String,
    /// Carries the data (tunnel / VLAN) network: a physical NIC or `bond0`.
    pub data: String,
    /// Flat external network (`public`).
    pub external: String,
    /// `(bond name, slaves)` on hosts that bond their data NICs.
    pub bond: Option<(String, Vec<String>)>,
}

/// The host at `index` bonds two NICs for its data network when the lab has more than one host
/// (the second host, a compute node); VPP hosts hand their data NIC to DPDK instead.
fn has_bond(model: &Model, index: usize) -> bool {
    index == 1 && model.sizes.mechanism_driver != MechanismDriver::Vpp
}

pub fn host_nics(model: &Model, host: &Host) -> HostNics {
    let index = model
        .hosts
        .iter()
        .position(|h| h.name == host.name)
        .unwrap_or(0);
    let eth = |n: usize| format!("eth{n}");
    if has_bond(model, index) {
        HostNics {
            physical: (0..4).map(eth).collect(),
            management: eth(0),
            data: "bond0".into(),
            external: eth(3),
            bond: Some(("bond0".into(), vec![eth(1), eth(2)])),
        }
    } else {
        HostNics {
            physical: (0..3).map(eth).collect(),
            management: eth(0),
            data: eth(1),
            external: eth(2),
            bond: None,
        }
    }
}
