//! The ACI fabric under the lab's hosts, derived from the model: one pod, two spines, a leaf per
//! pair of hosts, every leaf wired to every spine. Each physical NIC of a host is cabled to a
//! port of its leaf; the leaf learns the NIC's MAC on that port, or on a port channel for
//! bonded NICs (which share the bond's MAC). LLDP runs on every cable, hosts included.

use crate::lab::host_commands::wiring::wiring;
use crate::lab::model::Model;

pub const POD: u32 = 1;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: u32,
    pub name: String,
    pub role: &'static str,
    pub serial: String,
    /// Fabric TEP address.
    pub address: String,
}

impl Node {
    pub fn dn(&self) -> String {
        format!("topology/pod-{POD}/node-{}", self.id)
    }
}

/// One host NIC on a leaf port.
#[derive(Debug, Clone, PartialEq)]
pub struct HostPort {
    pub leaf: u32,
    /// `eth1/N`.
    pub port: String,
    /// Where the leaf learns the MAC: the port, or `poN` for a bond member.
    pub learned_on: String,
    pub host: String,
    pub nic: String,
    /// Lower case, as the host prints it.
    pub mac: String,
    pub ip: Option<String>,
    /// Encapsulation VLAN of the endpoint group the port belongs to.
    pub vlan: u32,
}

/// A leaf uplink to a spine.
#[derive(Debug, Clone, PartialEq)]
pub struct Uplink {
    pub leaf: u32,
    pub leaf_port: String,
    pub spine: u32,
    pub spine_port: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fabric {
    pub leaves: Vec<Node>,
    pub spines: Vec<Node>,
    pub host_ports: Vec<HostPort>,
    pub uplinks: Vec<Uplink>,
}

impl Fabric {
    pub fn node(&self, id: u32) -> Option<&Node> {
        self.leaves.iter().chain(&self.spines).find(|n| n.id == id)
    }
}

const SPINES: u32 = 2;
/// Host ports per host on a leaf (room for four NICs).
const PORTS_PER_HOST: usize = 8;
/// The first leaf port used as an uplink (`eth1/49`, `eth1/50`).
const FIRST_UPLINK: u32 = 49;

fn node(id: u32, role: &'static str, index: usize) -> Node {
    let name = match role {
        "spine" => format!("Spine-{id}"),
        _ => format!("Leaf-{id}"),
    };
    Node {
        id,
        name,
        role,
        serial: format!("SAL{:04}L{:03}", 1824 + index, id),
        address: format!(
            "10.0.16.{}",
            64 + id % 100 + if role == "spine" { 32 } else { 0 }
        ),
    }
}

pub fn build(model: &Model) -> Fabric {
    let leaf_count = model.hosts.len().div_ceil(2).max(1);
    let leaves: Vec<Node> = (0..leaf_count)
        .map(|i| node(101 + i as u32, "leaf", i))
        .collect();
    let spines: Vec<Node> = (0..SPINES as usize)
        .map(|i| node(201 + i as u32, "spine", i))
        .collect();
    let mut host_ports = Vec::new();
    for (h, host) in model.hosts.iter().enumerate() {
        let leaf = leaves[h / 2].id;
        let links = wiring(model, host).links;
        for (n, link) in links.iter().filter(|l| l.is_physical()).enumerate() {
            let port = format!("eth1/{}", (h % 2) * PORTS_PER_HOST + n + 1);
            let learned_on = match &link.master {
                Some(_) => format!("po{}", h % 2 + 1),
                None => port.clone(),
            };
            host_ports.push(HostPort {
                leaf,
                learned_on,
                port,
                host: host.name.clone(),
                nic: link.name.clone(),
                mac: link.mac.clone(),
                ip: link.ipv4.as_ref().map(|(ip, _)| ip.clone()),
                vlan: 100 + n as u32,
            });
        }
    }
    let mut uplinks = Vec::new();
    for (l, leaf) in leaves.iter().enumerate() {
        for (s, spine) in spines.iter().enumerate() {
            uplinks.push(Uplink {
                leaf: leaf.id,
                leaf_port: format!("eth1/{}", FIRST_UPLINK + s as u32),
                spine: spine.id,
                spine_port: format!("eth1/{}", l + 1),
            });
        }
    }
    Fabric {
        leaves,
        spines,
        host_ports,
        uplinks,
    }
}
