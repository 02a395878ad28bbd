//! The fabric as APIC managed objects: `{<class>: {attributes, children?}}` with the dn and
//! attribute names of the real classes (fabricNode, topSystem, epmMacEp, fvCEp with its
//! fvRsCEpToPathEp children, lldpAdjEp).

use super::fabric::{Fabric, HostPort, Node, POD};
use crate::lab::host_commands::wiring::derived_mac;
use serde_json::{json, Value};

pub const CLASSES: &[&str] = &["fabricNode", "topSystem", "epmMacEp", "fvCEp", "lldpAdjEp"];

/// One managed object: class, attributes, children (objects too).
#[derive(Debug, Clone)]
pub struct Mo {
    pub class: &'static str,
    pub attributes: Value,
    pub children: Vec<Mo>,
}

impl Mo {
    fn new(class: &'static str, attributes: Value) -> Mo {
        Mo {
            class,
            attributes,
            children: Vec::new(),
        }
    }

    pub fn dn(&self) -> &str {
        self.attributes["dn"].as_str().unwrap_or_default()
    }

    /// `{class: {attributes[, children]}}`.
    pub fn to_json(&self, with_children: bool) -> Value {
        let mut body = json!({"attributes": self.attributes});
        if with_children && !self.children.is_empty() {
            let children: Vec<Value> = self.children.iter().map(|c| c.to_json(true)).collect();
            body["children"] = Value::Array(children);
        }
        json!({self.class: body})
    }
}

fn node_mac(node: &Node) -> String {
    derived_mac("aci-fabric", &node.name)
}

fn fabric_node(n: &Node) -> Mo {
    Mo::new(
        "fabricNode",
        json!({
            "adSt": "on",
            "address": n.address,
            "dn": n.dn(),
            "fabricSt": "active",
            "id": n.id.to_string(),
            "model": if n.role == "spine" { "N9K-C9336PQ" } else { "N9K-C93180YC-EX" },
            "name": n.name,
            "role": n.role,
            "serial": n.serial,
            "vendor": "Cisco Systems, Inc",
            "version": "n9000-13.2(2l)",
        }),
    )
}

fn top_system(n: &Node) -> Mo {
    Mo::new(
        "topSystem",
        json!({
            "address": n.address,
            "dn": format!("{}/sys", n.dn()),
            "fabricMAC": node_mac(n).to_uppercase(),
            "id": n.id.to_string(),
            "name": n.name,
            "podId": POD.to_string(),
            "role": n.role,
            "serial": n.serial,
            "state": "in-service",
            "version": "n9000-13.2(2l)",
        }),
    )
}

/// One endpoint per MAC and place it is learned on (bond members share one).
fn endpoints(fabric: &Fabric) -> Vec<&HostPort> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for p in &fabric.host_ports {
        let key = (p.leaf, p.learned_on.clone(), p.mac.clone());
        if !seen.contains(&key) {
            seen.push(key);
            out.push(p);
        }
    }
    out
}

fn epm_mac_ep(p: &HostPort) -> Mo {
    let mac = p.mac.to_uppercase();
    Mo::new(
        "epmMacEp",
        json!({
            "addr": mac,
            "childAction": "",
            "createTs": "2018-03-01T09:00:00.000+00:00",
            "dn": format!(
                "topology/pod-{POD}/node-{}/sys/ctx-[vxlan-2883584]/bd-[vxlan-{}]/vlan-[vlan-{}]/db-ep/mac-{mac}",
                p.leaf,
                15925200 + p.vlan,
                p.vlan
            ),
            "flags": "local,mac",
            "ifId": p.learned_on,
            "modTs": "never",
            "name": "",
            "pcTag": "49155",
            "status": "",
        }),
    )
}

fn fv_cep(p: &HostPort) -> Mo {
    let mac = p.mac.to_uppercase();
    let path = format!(
        "topology/pod-{POD}/paths-{}/pathep-[{}]",
        p.leaf, p.learned_on
    );
    let mut ep = Mo::new(
        "fvCEp",
        json!({
            "dn": format!("uni/tn-calipso-lab/ap-openstack/epg-hosts-vlan-{}/cep-{mac}", p.vlan),
            "encap": format!("vlan-{}", p.vlan),
            "id": "0",
            "ip": p.ip.clone().unwrap_or_else(|| "0.0.0.0".into()),
            "mac": mac,
            "name": mac,
            "uid": "0",
        }),
    );
    ep.children.push(Mo::new(
        "fvRsCEpToPathEp",
        json!({"rn": format!("rscEpToPathEp-[{path}]"), "tDn": path, "tType": "mo"}),
    ));
    ep
}

fn adjacency(node: u32, port: &str, attributes: Value) -> Mo {
    let mut a = attributes;
    a["dn"] = json!(format!(
        "topology/pod-{POD}/node-{node}/sys/lldp/inst/if-[{port}]/adj-1"
    ));
    a["id"] = json!("1");
    Mo::new("lldpAdjEp", a)
}

fn lldp_adjacencies(fabric: &Fabric) -> Vec<Mo> {
    let mut out = Vec::new();
    for u in &fabric.uplinks {
        let (Some(leaf), Some(spine)) = (fabric.node(u.leaf), fabric.node(u.spine)) else {
            continue;
        };
        let far = |n: &Node, port: &str| {
            json!({
                "capability": "bridge,router",
                "chassisIdT": "mac",
                "chassisIdV": node_mac(n),
                "mgmtPortMac": node_mac(n).to_uppercase(),
                "portDesc": format!("topology/pod-{POD}/paths-{}/pathep-[{port}]", n.id),
                "portIdV": port.replacen("eth", "Eth", 1),
                "sysDesc": n.dn(),
                "sysName": n.name,
            })
        };
        out.push(adjacency(leaf.id, &u.leaf_port, far(spine, &u.spine_port)));
        out.push(adjacency(spine.id, &u.spine_port, far(leaf, &u.leaf_port)));
    }
    for p in &fabric.host_ports {
        let short = p.host.split('.').next().unwrap_or(&p.host);
        out.push(adjacency(
            p.leaf,
            &p.port,
            json!({
                "capability": "bridge,router,station",
                "chassisIdT": "mac",
                "chassisIdV": p.mac,
                "mgmtIp": p.ip.clone().unwrap_or_default(),
                "portDesc": p.nic,
                "portIdV": p.mac,
                "sysDesc": "Ubuntu 16.04.4 LTS Linux 4.4.0-116-generic #140-Ubuntu SMP x86_64",
                "sysName": short,
            }),
        ));
    }
    out
}

/// Every object of `class` (None: not a class this APIC knows).
pub fn of_class(fabric: &Fabric, class: &str) -> Option<Vec<Mo>> {
    let nodes = || fabric.leaves.iter().chain(&fabric.spines);
    Some(match class {
        "fabricNode" => nodes().map(fabric_node).collect(),
        "topSystem" => nodes().map(top_system).collect(),
        "epmMacEp" => endpoints(fabric).into_iter().map(epm_mac_ep).collect(),
        "fvCEp" => endpoints(fabric).into_iter().map(fv_cep).collect(),
        "lldpAdjEp" => lldp_adjacencies(fabric),
        _ => return None,
    })
}

/// The object whose dn is `dn`, if any.
pub fn by_dn(fabric: &Fabric, dn: &str) -> Option<Mo> {
    CLASSES
        .iter()
        .filter_map(|c| of_class(fabric, c))
        .flatten()
        .find(|mo| mo.dn() == dn)
}
