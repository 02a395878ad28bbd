//! Links per link type after a full scan of each lab shape, against what the lab's topology model
//! implies under the finder rules of links-and-cliques.md §2 (counted from the model, never from
//! our own output); and instance cliques that reach their networks with clique types that follow
//! the links each driver has (tests/fixtures/clique_types/lab_instances_to_networks.json, selected
//! by mechanism and type drivers).
//!
//! Counts are of the finders' own links: one scan runs a `link_finders.json` without
//! `FindImplicitLinks` (the environment's `app_path`). A second, ordinary full scan must hold every
//! one of those links under the same type; the implicit closure may only add links or re-flag one
//! whose endpoints it reproduces (§2.7 hazard: the upsert key ignores `implicit`).
//!
//! What the shipped default (`ANY`) instance type reaches on these labs (tests/cliques_lab.rs):
//! OVS stops at the OTEP (`otep-vconnector` finds nothing), LXB at the vConnector (no vEdges, so
//! no `vconnector-vedge`), VPP at the vEdge (no OTEPs with VLAN). Only the environment-named seed
//! types (`Apex-Euphrates`, `Mercury`) go on to `host_pnic-network`.

#[path = "common/lab.rs"]
mod lab;
#[path = "common/mongo.rs"]
mod mongo;
#[path = "common/scan.rs"]
mod scan;

use bson::Document;
use calipso::lab::model::{host_nics, LabSizes, MechanismDriver, Model, TypeDriver};
use lab::Lab;
use mongo::TestDb;
use scan::{calipso, prepare, scan};
use std::collections::{BTreeMap, BTreeSet};

const CLIQUE_TYPES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/clique_types/lab_instances_to_networks.json"
);

type Counts = BTreeMap<&'static str, usize>;

/// Hosts whose pNICs and agents are scanned (role Network or Compute).
fn scanned_hosts(m: &Model) -> impl Iterator<Item = &calipso::lab::model::Host> {
    m.hosts.iter().filter(|h| h.network || h.compute)
}

/// Networks with a port bound to `host`, as (network id, external).
fn networks_on(m: &Model, host: &str) -> BTreeSet<(String, bool)> {
    m.ports
        .iter()
        .filter(|p| p.host == host)
        .filter_map(|p| m.network(&p.network_id))
        .map(|n| (n.id.clone(), n.external))
        .collect()
}

fn is_instance_port(m: &Model, id: &str) -> bool {
    m.port(id)
        .is_some_and(|p| p.device_owner.starts_with("compute:"))
}

/// The explicit links each finder makes on this model (types not listed: 0).
fn expected_counts(m: &Model) -> Counts {
    let instance_ports = m
        .ports
        .iter()
        .filter(|p| is_instance_port(m, &p.id))
        .count();
    // DHCP, router interface and gateway ports: a vService's vNIC each, on the network node.
    let service_ports = m.ports.len() - instance_ports;
    // One bridge (LXB brq, VPP bridge domain) per network with ports on a host.
    let bridges: usize = scanned_hosts(m)
        .map(|h| networks_on(m, &h.name).len())
        .sum();
    let mut c = Counts::new();
    c.insert("instance-vnic", instance_ports);
    c.insert("vservice-vnic", service_ports);
    match m.sizes.mechanism_driver {
        MechanismDriver::Ovs => {
            // Hybrid firewall: tap in qbr (vnic-vconnector by name), qvb–qvo veth (vconnector-vedge);
            // namespace ports are br-int internal ports named as their vNICs (vnic-vedge).
            c.insert("vnic-vconnector", instance_ports);
            c.insert("vconnector-vedge", instance_ports);
            c.insert("vnic-vedge", service_ports);
            // The external NIC is a port of br-ex where the external network has ports.
            let external_hosts = scanned_hosts(m)
                .filter(|h| networks_on(m, &h.name).iter().any(|(_, ext)| *ext))
                .count();
            c.insert("vedge-host_pnic", external_hosts);
            // One OTEP per tunnelling OVS agent (ml2_<type>_endpoints row). Its `vconnector` is the
            // NIC holding the tunnel address, not a bridge, so no otep-vconnector. The pNIC with
            // that address: a bond carries it on hosts that bond, and bond pNICs have no
            // `IP Address` (CliFetchBondHostPnics), so those OTEPs get no otep-host_pnic.
            let oteps = &m.tunnel_endpoints;
            c.insert("vedge-otep", oteps.len());
            let plain = oteps.iter().filter(|t| {
                m.host(&t.host)
                    .is_some_and(|h| host_nics(m, h).bond.is_none())
            });
            c.insert("otep-host_pnic", plain.count());
            // Not VLAN: every pNIC (NICs and bonds) to every network with a port on its host.
            let pnic_network = scanned_hosts(m)
                .map(|h| {
                    let nics = host_nics(m, h);
                    (nics.physical.len() + usize::from(nics.bond.is_some()))
                        * networks_on(m, &h.name).len()
                })
                .sum();
            if m.sizes.type_driver.is_tunnel() {
                c.insert("host_pnic-network", pnic_network);
            }
        }
        MechanismDriver::Lxb => {
            // Every port is a tap in its network's brq, matched by MAC; each brq's uplink (a VLAN
            // sub-interface of the data NIC, or the external NIC) is a pNIC once cut at the `.`.
            // With VLAN, host_pnic-network needs a vedge-host_pnic link: LXB has no vEdges.
            c.insert("vnic-vconnector", m.ports.len());
            c.insert("vconnector-host_pnic", bridges);
        }
        MechanismDriver::Vpp => {
            // vhost-user interfaces carry the instance port's MAC; a namespace tap's VPP end does
            // not. One link per (bridge domain, vEdge) pair: the upsert key has no port.
            c.insert("vnic-vconnector", instance_ports);
            c.insert("vconnector-vedge", bridges);
            // Each bridge domain's uplink: the data NIC (its sub-interface cut at `.`) or the
            // external NIC.
            c.insert("vconnector-host_pnic", bridges);
            // VPP's pNICs: the data and external NICs, and one VLAN sub-interface per tenant
            // network on the host; each is a vEdge port, and with VLAN each links to every network
            // with a port on the host.
            let (mut vedge_pnic, mut pnic_network) = (0, 0);
            for h in scanned_hosts(m) {
                let nets = networks_on(m, &h.name);
                let pnics = 2 + nets.iter().filter(|(_, ext)| !ext).count();
                vedge_pnic += pnics;
                pnic_network += pnics * nets.len();
            }
            c.insert("vedge-host_pnic", vedge_pnic);
            c.insert("host_pnic-network", pnic_network);
        }
    }
    c.retain(|_, n| *n > 0);
    c
}

fn link_counts(links: &[Document]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for l in links {
        *counts
            .entry(l.get_str("link_type").unwrap_or("?").to_string())
            .or_default() += 1;
    }
    counts
}

/// A full scan with every finder but the implicit one (an `app_path` with its own
/// `link_finders.json`).
fn explicit_links(lab: &Lab, tag: &str) -> Vec<Document> {
    let db = TestDb::new(tag);
    prepare(&db, lab, "inventory");
    let app = db.dir().join("app");
    std::fs::create_dir_all(app.join("config")).unwrap();
    let finders = include_str!("../data/config/link_finders.json")
        .replace(",\n    \"FindImplicitLinks\"", "");
    assert!(!finders.contains("Implicit"));
    std::fs::write(app.join("config/link_finders.json"), finders).unwrap();
    let mut env = lab.env.clone();
    env["app_path"] = app.to_string_lossy().into();
    let env_file = db.dir().join("environment.json");
    std::fs::write(&env_file, env.to_string()).unwrap();
    let args = [
        "env",
        "import",
        "--replace",
        "-m",
        db.conf(),
        "-y",
        "inventory",
    ];
    let out = calipso(&[&args[..], &[env_file.to_str().unwrap()]].concat());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = scan(&db, "inventory", &["-l", "WARNING"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    db.docs("links")
}

fn check(tag: &str, mechanism_driver: MechanismDriver, type_driver: TypeDriver) {
    let sizes = LabSizes {
        // Three computes and two tenant networks: the bonding compute (the second host) gets
        // instances of both networks.
        seed: 11,
        hosts: 4,
        instances: 5,
        mechanism_driver,
        type_driver,
    };
    let lab = Lab::start_with(sizes, &[]);
    let m = &lab.model;

    let explicit = explicit_links(&lab, &format!("{tag}_x"));
    let expected: BTreeMap<String, usize> = expected_counts(m)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    assert_eq!(link_counts(&explicit), expected, "links per type");

    let db = TestDb::new(tag);
    prepare(&db, &lab, "inventory");
    let args = ["clique-types", "import", "-m", db.conf(), "-y", "inventory"];
    let out = calipso(&[&args[..], &[CLIQUE_TYPES]].concat());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = scan(&db, "inventory", &["-l", "WARNING"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let full = db.docs("links");
    let by_pair: BTreeMap<(&str, &str), &str> = full
        .iter()
        .map(|l| {
            let s = l.get_str("source_id").unwrap();
            (
                (s, l.get_str("target_id").unwrap()),
                l.get_str("link_type").unwrap(),
            )
        })
        .collect();
    for l in &explicit {
        let pair = (
            l.get_str("source_id").unwrap(),
            l.get_str("target_id").unwrap(),
        );
        assert_eq!(
            by_pair.get(&pair).copied(),
            l.get_str("link_type").ok(),
            "the full scan keeps {pair:?}"
        );
    }
    check_cliques(m, &db, &full);
}

/// Each instance's clique reaches exactly the networks of its ports through host_pnic-network,
/// except where the spec's rules leave no such link (see the comments).
fn check_cliques(m: &Model, db: &TestDb, links: &[Document]) {
    let inventory = db.docs("inventory");
    let cliques = db.docs("cliques");
    for instance in &m.instances {
        let clique_links = scan::instance_clique_links(&inventory, &cliques, &instance.uuid);
        let types: BTreeSet<&str> = clique_links
            .iter()
            .filter_map(|l| l.get_str("link_type").ok())
            .collect();
        let reached: BTreeSet<&str> = clique_links
            .iter()
            .filter(|l| l.get_str("link_type") == Ok("host_pnic-network"))
            .filter_map(|l| l.get_str("target_id").ok())
            .collect();
        let own: BTreeSet<&str> = instance
            .port_ids
            .iter()
            .filter_map(|p| m.port(p))
            .map(|p| p.network_id.as_str())
            .collect();
        let host = m.host(&instance.host).unwrap();
        let nics = host_nics(m, host);
        let name = &instance.display_name;
        match m.sizes.mechanism_driver {
            MechanismDriver::Ovs if nics.bond.is_some() => {
                // The OTEP's address is on a bond, which has no `IP Address`: the walk ends at the
                // OTEP (no otep-host_pnic), as the original's would.
                assert!(types.contains("vedge-otep"), "{name}: {types:?}");
                assert!(reached.is_empty(), "{name}: {reached:?}");
            }
            MechanismDriver::Lxb => {
                // VLAN without vEdges: no host_pnic-network link exists (§2.6), so the chain ends
                // at the pNIC carrying the network's VLAN: the data NIC (or bond).
                let pnics: BTreeSet<&str> = clique_links
                    .iter()
                    .filter(|l| l.get_str("link_type") == Ok("vconnector-host_pnic"))
                    .filter_map(|l| l.get_str("target_id").ok())
                    .collect();
                let data = format!("{}-", nics.data);
                assert!(
                    !pnics.is_empty() && pnics.iter().all(|p| p.starts_with(&data)),
                    "{name}: {pnics:?}"
                );
                let networks: BTreeSet<&str> = clique_links
                    .iter()
                    .filter_map(|l| l.get_document("attributes").ok())
                    .filter_map(|a| a.get_str("network").ok())
                    .collect();
                assert_eq!(networks, own, "{name}: networks on its links");
                assert!(!links
                    .iter()
                    .any(|l| l.get_str("link_type") == Ok("host_pnic-network")));
            }
            _ => assert_eq!(reached, own, "{name}: networks reached ({types:?})"),
        }
    }
}

#[test]
fn ovs_vxlan_with_a_bond_links_match_the_model() {
    check("lc_ovs", MechanismDriver::Ovs, TypeDriver::Vxlan);
}

#[test]
fn linux_bridge_vlan_links_match_the_model() {
    check("lc_lxb", MechanismDriver::Lxb, TypeDriver::Vlan);
}

#[test]
fn vpp_vlan_links_match_the_model() {
    check("lc_vpp", MechanismDriver::Vpp, TypeDriver::Vlan);
}
