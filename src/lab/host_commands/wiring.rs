//! The network devices of one host, derived from the model: what `ip`, `ls /sys/class/net`,
//! `brctl`, `bridge`, `ethtool` and `ovs-*` print is rendered from this one list, so every
//! command agrees with the others and with the API/DB views (MACs, port ids, tap names).

use crate::lab::model::{host_nics, Host, HostNics, MechanismDriver, Model, Network, Port};

/// What kind of device a link is; decides its flags, qdisc, state and `ip -d` details.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Loopback,
    /// A PCI NIC (`slot` is its PCI function path under /sys/devices).
    Physical {
        slot: String,
    },
    Bond {
        slaves: Vec<String>,
    },
    /// `<parent>.<id>` VLAN sub-interface.
    Vlan {
        id: u32,
    },
    Vxlan {
        vni: u32,
        dev: String,
        local: String,
    },
    LinuxBridge,
    /// A libvirt tap of an instance.
    Tap,
    /// One end of a veth pair (qvb/qvo, or the host/namespace ends of an LXB port).
    Veth,
    /// OVS internal port (bridges, namespace taps, qr-/qg- of the OVS L3 agent).
    OvsInternal {
        up: bool,
    },
    /// The kernel datapath's tunnel device (`vxlan_sys_4789`, `gre_sys`).
    OvsTunnel,
}

#[derive(Debug, Clone)]
pub struct Link {
    pub index: u32,
    pub name: String,
    /// What follows `@` after the name (`if12` for a veth, `eth1` for a VLAN).
    pub link_to: Option<String>,
    pub mtu: u32,
    pub master: Option<String>,
    pub mac: String,
    /// The burned-in MAC (differs from `mac` for bond slaves, which take the bond's).
    pub permanent_mac: String,
    /// `(address, prefix length)`.
    pub ipv4: Option<(String, u8)>,
    /// The peer lives in another network namespace: its id as seen from here
    /// (`link-netnsid N`).
    pub peer_netns: Option<u32>,
    pub kind: Kind,
}

impl Link {
    pub fn new(name: impl Into<String>, kind: Kind, mac: String, mtu: u32) -> Link {
        Link {
            index: 0,
            name: name.into(),
            link_to: None,
            mtu,
            master: None,
            permanent_mac: mac.clone(),
            mac,
            ipv4: None,
            peer_netns: None,
            kind,
        }
    }

    pub fn with_master(mut self, master: &str) -> Link {
        self.master = Some(master.to_string());
        self
    }

    pub fn is_up(&self) -> bool {
        !matches!(self.kind, Kind::OvsInternal { up: false })
    }

    /// True for devices `ls -l /sys/class/net` resolves outside `/virtual/`.
    pub fn is_physical(&self) -> bool {
        matches!(self.kind, Kind::Physical { .. })
    }
}

#[derive(Debug, Clone)]
pub struct Namespace {
    pub name: String,
    /// The id the root namespace gave it when a veth pair first joined the two
    /// (`ip netns list` prints `(id: N)`); None without such a peer.
    pub nsid: Option<u32>,
    pub links: Vec<Link>,
}

/// Every device of a host: the root namespace and the Neutron namespaces.
#[derive(Debug, Clone)]
pub struct Wiring {
    pub links: Vec<Link>,
    pub namespaces: Vec<Namespace>,
    pub nics: HostNics,
}

impl Wiring {
    pub fn link(&self, name: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.name == name)
    }

    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespaces.iter().find(|n| n.name == name)
    }
}

/// A stable MAC for a device that has no Neutron port: locally administered, derived from the
/// host and device names.
pub fn derived_mac(host: &str, device: &str) -> String {
    let mut hash: u64 = 0xcbf29ce484222325;
    for b in host.bytes().chain([0]).chain(device.bytes()) {
        hash = (hash ^ b as u64).wrapping_mul(0x100000001b3);
    }
    let b = hash.to_be_bytes();
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        (b[0] & 0xfc) | 0x02,
        b[1],
        b[2],
        b[3],
        b[4],
        b[5]
    )
}

/// A physical NIC's burned-in MAC (QEMU's OUI, as on virtualised lab hosts).
fn nic_mac(host_index: usize, nic: usize) -> String {
    format!(
        "52:54:00:{:02x}:{:02x}:{:02x}",
        host_index / 256,
        host_index % 256,
        nic + 1
    )
}

/// The host-side MAC libvirt gives an instance's tap: the port's MAC with `fe` first.
pub fn tap_mac(port: &Port) -> String {
    format!("fe{}", &port.mac_address[2..])
}

/// The 11 characters of a port id used in device names.
pub fn short(port_id: &str) -> &str {
    &port_id[..11.min(port_id.len())]
}

pub fn ports_on<'a>(model: &'a Model, host: &'a Host) -> impl Iterator<Item = &'a Port> + 'a {
    model.ports.iter().filter(move |p| p.host == host.name)
}

pub fn instance_ports<'a>(model: &'a Model, host: &'a Host) -> impl Iterator<Item = &'a Port> + 'a {
    ports_on(model, host).filter(|p| p.device_owner.starts_with("compute:"))
}

/// Networks with a port on `host`, in model order (OVS local VLAN tags follow this order).
pub fn networks_on<'a>(model: &'a Model, host: &Host) -> Vec<&'a Network> {
    model
        .networks
        .iter()
        .filter(|n| {
            model
                .ports
                .iter()
                .any(|p| p.host == host.name && p.network_id == n.id)
        })
        .collect()
}

/// br-int's local VLAN of a network on this host.
pub fn local_vlan(model: &Model, host: &Host, network_id: &str) -> u32 {
    networks_on(model, host)
        .iter()
        .position(|n| n.id == network_id)
        .map_or(0, |i| i as u32 + 1)
}

fn host_index(model: &Model, host: &Host) -> usize {
    model
        .hosts
        .iter()
        .position(|h| h.name == host.name)
        .unwrap_or(0)
}

/// The name a Neutron port's device has inside its namespace.
pub fn namespace_device(driver: MechanismDriver, port: &Port) -> String {
    let id = short(&port.id);
    match port.device_owner.as_str() {
        "network:router_interface" => format!("qr-{id}"),
        "network:router_gateway" => format!("qg-{id}"),
        _ if driver == MechanismDriver::Lxb => format!("ns-{id}"),
        _ => format!("tap{id}"),
    }
}

/// The namespace a network-node port lives in.
pub fn namespace_of(port: &Port) -> Option<String> {
    match port.device_owner.as_str() {
        "network:dhcp" => Some(format!("qdhcp-{}", port.network_id)),
        "network:router_interface" | "network:router_gateway" => {
            Some(format!("qrouter-{}", port.device_id))
        }
        _ => None,
    }
}

pub fn wiring(model: &Model, host: &Host) -> Wiring {
    let nics = host_nics(model, host);
    let driver = model.sizes.mechanism_driver;
    let mut links = vec![Link::new(
        "lo",
        Kind::Loopback,
        "00:00:00:00:00:00".into(),
        65536,
    )];
    links.extend(physical_links(model, host, &nics));
    let namespaces = namespaces(model, host);
    match driver {
        MechanismDriver::Ovs => super::ovs::add_links(model, host, &nics, &mut links),
        MechanismDriver::Lxb => super::lxb::add_links(model, host, &nics, &mut links),
        MechanismDriver::Vpp => {}
    }
    for (i, link) in links.iter_mut().enumerate() {
        link.index = i as u32 + 1;
    }
    let mut wiring = Wiring {
        links,
        namespaces,
        nics,
    };
    pair_veths(&mut wiring);
    wiring
}

/// NICs, the bond, and the management / data addresses.
fn physical_links(model: &Model, host: &Host, nics: &HostNics) -> Vec<Link> {
    let index = host_index(model, host);
    let driver = model.sizes.mechanism_driver;
    let tunnel = model.sizes.type_driver.is_tunnel();
    let mut links = Vec::new();
    for (n, name) in nics.physical.iter().enumerate() {
        if driver == MechanismDriver::Vpp && *name != nics.management {
            continue; // VPP's DPDK owns the other NICs.
        }
        let slot = format!("pci0000:00/0000:00:{:02x}.0", n + 3);
        links.push(Link::new(
            name.clone(),
            Kind::Physical { slot },
            nic_mac(index, n),
            1500,
        ));
    }
    if let Some((bond, slaves)) = &nics.bond {
        let mac = links
            .iter()
            .find(|l| l.name == slaves[0])
            .map(|l| l.mac.clone())
            .unwrap_or_default();
        for link in links.iter_mut().filter(|l| slaves.contains(&l.name)) {
            link.master = Some(bond.clone());
            link.mac = mac.clone();
        }
        let kind = Kind::Bond {
            slaves: slaves.clone(),
        };
        links.push(Link::new(bond.clone(), kind, mac, 1500));
    }
    let set_ip = |links: &mut Vec<Link>, name: &str, ip: &str| {
        if let Some(l) = links.iter_mut().find(|l| l.name == name) {
            l.ipv4 = Some((ip.to_string(), 24));
        }
    };
    set_ip(&mut links, &nics.management, &host.management_ip);
    // An OVS VLAN data NIC is a port of br-eth1 and carries no address.
    if tunnel || driver != MechanismDriver::Ovs {
        set_ip(&mut links, &nics.data, &host.tunnel_ip);
    }
    links
}

/// qdhcp-/qrouter- namespaces with their ports (network nodes).
fn namespaces(model: &Model, host: &Host) -> Vec<Namespace> {
    let driver = model.sizes.mechanism_driver;
    let mut list: Vec<Namespace> = Vec::new();
    for port in ports_on(model, host) {
        let Some(ns) = namespace_of(port) else {
            continue;
        };
        let mtu = model.network(&port.network_id).map_or(1500, |n| n.mtu);
        let kind = match driver {
            MechanismDriver::Lxb => Kind::Veth,
            _ => Kind::OvsInternal { up: true },
        };
        let mut link = Link::new(
            namespace_device(driver, port),
            kind,
            port.mac_address.clone(),
            mtu,
        );
        link.ipv4 = port.fixed_ips.first().map(|f| {
            let cidr = model
                .subnets
                .iter()
                .find(|s| s.id == f.subnet_id)
                .map_or("", |s| s.cidr.as_str());
            (f.ip_address.clone(), crate::lab::model::prefix_len(cidr))
        });
        match list.iter_mut().find(|n| n.name == ns) {
            Some(existing) => existing.links.push(link),
            None => list.push(Namespace {
                name: ns,
                nsid: None,
                links: vec![
                    Link::new("lo", Kind::Loopback, "00:00:00:00:00:00".into(), 65536),
                    link,
                ],
            }),
        }
    }
    for ns in &mut list {
        for (i, link) in ns.links.iter_mut().enumerate() {
            link.index = i as u32 + 1;
        }
    }
    list
}

/// Fills in the `@ifN` peers of veth pairs: qvb/qvo in the root namespace, and the LXB
/// namespace ends (`ns-…`, `tap…`) whose peers sit in the other namespace.
fn pair_veths(wiring: &mut Wiring) {
    let root: Vec<(String, u32)> = wiring
        .links
        .iter()
        .map(|l| (l.name.clone(), l.index))
        .collect();
    let index_of = |name: &str| root.iter().find(|(n, _)| n == name).map(|(_, i)| *i);
    let mut ns_peers = Vec::new();
    let mut next_nsid = 0;
    for ns in &mut wiring.namespaces {
        for link in ns.links.iter_mut().filter(|l| l.kind == Kind::Veth) {
            let root_name = format!("tap{}", &link.name[3..]);
            if let Some(i) = index_of(&root_name) {
                let nsid = *ns.nsid.get_or_insert_with(|| {
                    next_nsid += 1;
                    next_nsid - 1
                });
                link.link_to = Some(format!("if{i}"));
                // Seen from the namespace, the root namespace is its first (and only) peer.
                link.peer_netns = Some(0);
                ns_peers.push((root_name, link.index, nsid));
            }
        }
    }
    let snapshot = root.clone();
    for link in wiring.links.iter_mut().filter(|l| l.kind == Kind::Veth) {
        if let Some((_, i, nsid)) = ns_peers.iter().find(|(n, _, _)| *n == link.name) {
            link.link_to = Some(format!("if{i}"));
            link.peer_netns = Some(*nsid);
        } else if let Some(peer) = veth_peer_name(&link.name) {
            if let Some((_, i)) = snapshot.iter().find(|(n, _)| *n == peer) {
                link.link_to = Some(format!("if{i}"));
            }
        }
    }
}

fn veth_peer_name(name: &str) -> Option<String> {
    if let Some(rest) = name.strip_prefix("qvb") {
        Some(format!("qvo{rest}"))
    } else {
        name.strip_prefix("qvo").map(|rest| format!("qvb{rest}"))
    }
}
