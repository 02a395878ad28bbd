//! Link finders as pure functions over small inventories built from the spec's rules and the
//! fixture inventory documents (links-and-cliques.md §2). No database.

use bson::{doc, Bson, Document};
use calipso::config::Environment;
use calipso::doc::json_to_bson;
use calipso::links::finders::{derived_type, find_implicit_links, Finder};
use calipso::links::{LinkError, Workspace};

fn fixture(path: &str) -> Document {
    let text = std::fs::read_to_string(format!("tests/fixtures/{path}")).unwrap();
    json_to_bson(&serde_json::from_str(&text).unwrap())
        .as_document()
        .unwrap()
        .clone()
}

fn golden_first(path: &str) -> Document {
    let d = fixture(&format!("expected/golden/{path}"));
    let result = d.get("result").unwrap();
    let first = match result {
        Bson::Array(a) => a[0].clone(),
        Bson::Document(r) => r.get_array("returned").unwrap()[0].clone(),
        _ => panic!("unexpected golden layout"),
    };
    first.as_document().unwrap().clone()
}

fn env_with(extra: Document) -> Environment {
    let mut d = doc! {"name": "E", "configuration": []};
    d.extend(extra);
    Environment::from_document(d).unwrap()
}

fn ovs() -> Environment {
    env_with(doc! {"mechanism_drivers": ["OVS"], "type_drivers": "vxlan"})
}

fn typed(t: &str, mut d: Document) -> Document {
    d.insert("type", t);
    d
}

/// Runs one finder; returns the links (without ObjectIds) in natural order.
fn run(
    env: &Environment,
    inventory: Vec<Document>,
    finder: Finder,
) -> (Vec<Document>, Workspace<'_>) {
    let mut ws = Workspace::new(env, inventory, Vec::new());
    finder.run(&mut ws).unwrap();
    let links = ws.links.all().iter().cloned().map(strip).collect();
    (links, ws)
}

fn strip(mut d: Document) -> Document {
    d.remove("source");
    d.remove("target");
    d
}

fn brief(links: &[Document]) -> Vec<(String, String, String, Bson)> {
    links
        .iter()
        .map(|l| {
            (
                l.get_str("link_type").unwrap().to_string(),
                l.get_str("source_id").unwrap().to_string(),
                l.get_str("target_id").unwrap().to_string(),
                l.get("link_name").cloned().unwrap(),
            )
        })
        .collect()
}

fn instance_inventory() -> Vec<Document> {
    let mut vnic = golden_first("cli/instance_vnics_ovs_lxb.json");
    vnic.insert("type", "vnic");
    vec![
        fixture("inventory/host_node-5_compute.json"),
        fixture("inventory/instance_bf0cb914.json"),
        vnic,
    ]
}

#[test]
fn instance_vnic_link_from_fixture_documents() {
    let env = ovs();
    let (links, ws) = run(&env, instance_inventory(), Finder::InstanceVnics);
    let net = "2e3b85f4-756c-49d9-b34c-f3db13212dbc";
    assert_eq!(
        links,
        vec![
            doc! {"environment": "E", "source_id": "bf0cb914-b316-486c-a4ce-f22deb453c52",
            "target_id": "node-5.cisco.com-tap1f72bd15-8a", "link_type": "instance-vnic", "link_name": "123456",
            "state": "up", "link_weight": 0, "source_label": "", "target_label": "", "implicit": false,
            "attributes": {"network": net}, "host": "node-5.cisco.com"}
        ]
    );
    let source = ws.links.all()[0].get("source").unwrap();
    assert_eq!(
        source,
        &Bson::ObjectId("5806817e4a0a8a3fbe3bee8b".parse().unwrap())
    );
    let vnic = ws
        .inventory
        .by_id("node-5.cisco.com-tap1f72bd15-8a")
        .unwrap();
    assert_eq!(vnic.get_str("network").unwrap(), net);
    assert_eq!(ws.inventory.updated_count(), 1);
}

#[test]
fn instance_vnic_rules_network_info_host_type_and_missing_instance() {
    let env = ovs();
    // No matching network_info entry: link with a null name and no attributes.
    let mut inv = instance_inventory();
    inv[1].get_array_mut("network_info").unwrap()[0]
        .as_document_mut()
        .unwrap()
        .insert("devname", "other");
    let (links, ws) = run(&env, inv, Finder::InstanceVnics);
    assert_eq!(links[0].get("link_name"), Some(&Bson::Null));
    assert_eq!(links[0].get_document("attributes").unwrap(), &doc! {});
    assert_eq!(ws.inventory.updated_count(), 0);
    // No network_info: skipped.
    let mut inv = instance_inventory();
    inv[1].remove("network_info");
    assert!(run(&env, inv, Finder::InstanceVnics).0.is_empty());
    // Host neither Compute nor Network: skipped.
    let mut inv = instance_inventory();
    inv[0].insert("host_type", vec!["Controller"]);
    assert!(run(&env, inv, Finder::InstanceVnics).0.is_empty());
    // Missing instance: the phase fails naming the vNIC.
    let mut inv = instance_inventory();
    inv.remove(1);
    let mut ws = Workspace::new(&env, inv, Vec::new());
    let err = Finder::InstanceVnics.run(&mut ws).unwrap_err();
    assert!(matches!(err, LinkError::Data { .. }));
    assert!(
        err.to_string().contains("node-5.cisco.com-tap1f72bd15-8a"),
        "{err}"
    );
}

#[test]
fn otep_links_from_fixture_otep() {
    let env = ovs();
    let mut otep = golden_first("db/oteps_node-5.json");
    otep.insert("type", "otep");
    otep.insert("parent_id", "vedge-5");
    let inv = vec![
        typed(
            "vedge",
            doc! {"id": "vedge-5", "name": "node-5.cisco.com-OVS", "host": "node-5.cisco.com"},
        ),
        otep,
        typed(
            "vconnector",
            doc! {"id": "vc-mesh", "name": "node-5.cisco.com-br-mesh", "host": "node-5.cisco.com"},
        ),
        typed(
            "host_pnic",
            doc! {"id": "eth1-mac", "name": "eth1", "host": "node-5.cisco.com", "IP Address": "192.168.2.1"},
        ),
    ];
    let (links, _) = run(&env, inv, Finder::Oteps);
    assert_eq!(
        brief(&links),
        vec![
            (
                "vedge-otep".into(),
                "vedge-5".into(),
                "node-5.cisco.com-otep".into(),
                "node-5.cisco.com-OVS-otep".into()
            ),
            (
                "otep-vconnector".into(),
                "node-5.cisco.com-otep".into(),
                "vc-mesh".into(),
                "node-5.cisco.com-otep-node-5.cisco.com-br-mesh".into()
            ),
            (
                "otep-host_pnic".into(),
                "node-5.cisco.com-otep".into(),
                "eth1-mac".into(),
                "node-5.cisco.compniceth1".into()
            ),
        ]
    );
    assert!(links
        .iter()
        .all(|l| l.get_str("host").unwrap() == "node-5.cisco.com"));
}

#[test]
fn vconnector_links_ovs_by_id_and_pnic_name_cut_at_dot() {
    let env = ovs();
    let inv = vec![
        typed(
            "vnic",
            doc! {"id": "h-tap1", "host": "h", "mac_address": "m1", "network": "net-1"},
        ),
        typed(
            "vconnector",
            doc! {"id": "vc1", "host": "h", "interfaces_names": ["tap1", "eth0.100"]},
        ),
        typed("host_pnic", doc! {"id": "p0", "host": "h", "name": "eth0"}),
    ];
    let (links, ws) = run(&env, inv, Finder::Vconnectors);
    assert_eq!(
        brief(&links),
        vec![
            (
                "vnic-vconnector".into(),
                "h-tap1".into(),
                "vc1".into(),
                "m1".into()
            ),
            (
                "vconnector-host_pnic".into(),
                "vc1".into(),
                "p0".into(),
                "eth0".into()
            ),
        ]
    );
    assert_eq!(
        links[0].get_document("attributes").unwrap(),
        &doc! {"network": "net-1"}
    );
    assert_eq!(
        ws.inventory
            .by_id("vc1")
            .unwrap()
            .get_str("network")
            .unwrap(),
        "net-1"
    );
}

#[test]
fn vconnector_links_non_ovs_by_mac_and_empty_mac_matches_nothing() {
    let env = env_with(doc! {"mechanism_drivers": ["LXB"]});
    let mut vc = golden_first("cli/vconnectors_ovs_node-6.json");
    vc.insert("type", "vconnector");
    vc.get_document_mut("interfaces")
        .unwrap()
        .insert("tapX", doc! {"name": "tapX", "mac_address": "mX"});
    vc.get_array_mut("interfaces_names")
        .unwrap()
        .push(Bson::from("tapX"));
    let inv = vec![
        // Would be matched by the original's query with an empty MAC filter.
        typed("vnic", doc! {"id": "first-vnic", "mac_address": "other"}),
        typed(
            "vnic",
            doc! {"id": "node-6.cisco.com-tapX", "host": "node-6.cisco.com", "mac_address": "mX"},
        ),
        vc,
    ];
    let (links, _) = run(&env, inv, Finder::Vconnectors);
    assert_eq!(
        brief(&links),
        vec![(
            "vnic-vconnector".into(),
            "node-6.cisco.com-tapX".into(),
            "node-6.cisco.com-br-ex-8000.005056acc9a2".into(),
            "mX".into()
        )]
    );
    // An interface name missing from `interfaces` fails the phase.
    let inv = vec![typed(
        "vconnector",
        doc! {"id": "v", "interfaces_names": ["a"], "interfaces": {}},
    )];
    let mut ws = Workspace::new(&env, inv, Vec::new());
    assert!(Finder::Vconnectors.run(&mut ws).is_err());
    let mut ws = Workspace::new(
        &env,
        vec![typed("vconnector", doc! {"id": "v"})],
        Vec::new(),
    );
    assert!(Finder::Vconnectors
        .run(&mut ws)
        .unwrap_err()
        .to_string()
        .contains("interfaces_names"));
}

#[test]
fn vedge_links_from_fixture_vedge() {
    let env = ovs();
    let mut vedge = fixture("inventory/vedge_ovs_node-6.json");
    vedge.insert("type", "vedge");
    vedge.insert(
        "ports",
        doc! {
            "tap31c19fbe-5d": {"id": "19", "name": "tap31c19fbe-5d", "tag": "117"},
            "qvo1234": {"id": "21", "name": "qvo1234", "tag": "7"},
            "eth3": {"id": "22", "name": "eth3"},
            "qr-x": {"id": "7", "name": "qr-x"},
        },
    );
    let h = "node-6.cisco.com";
    let inv = vec![
        vedge,
        typed(
            "vnic",
            doc! {"id": format!("{h}-tap31c19fbe-5d"), "name": "tap31c19fbe-5d", "mac_address": "fa:1"},
        ),
        typed(
            "vconnector",
            doc! {"id": "qbr1234", "host": h, "network": "net-9", "interfaces_names": ["qvb1234"],
            "interfaces": {"qvb1234": {"name": "qvb1234", "mac_address": "ma:c"}}},
        ),
        typed(
            "host_pnic",
            doc! {"id": "eth3-m", "host": h, "name": "eth3", "Link detected": "no"},
        ),
    ];
    let (links, _) = run(&env, inv, Finder::Vedges);
    let vid = "1764430c-c09e-4717-86fa-c04350b1fcbb";
    assert_eq!(
        brief(&links),
        vec![
            (
                "vnic-vedge".into(),
                format!("{h}-tap31c19fbe-5d"),
                vid.into(),
                format!("tap31c19fbe-5d-{h}-OVS-117").into()
            ),
            (
                "vconnector-vedge".into(),
                "qbr1234".into(),
                vid.into(),
                "port-21-7".into()
            ),
            (
                "vedge-host_pnic".into(),
                vid.into(),
                "eth3-m".into(),
                "Port-22".into()
            ),
        ]
    );
    assert_eq!(
        links[0].get_document("attributes").unwrap(),
        &doc! {"source_label": "fa:1", "target_label": "19"}
    );
    assert_eq!(links[0].get_str("source_label").unwrap(), "fa:1");
    assert_eq!(links[0].get_str("target_label").unwrap(), "19");
    assert_eq!(
        links[1].get_document("attributes").unwrap(),
        &doc! {"mac_address": "ma:c", "source_label": "qvb1234", "target_label": "qvo1234", "network": "net-9"}
    );
    assert_eq!(links[2].get_str("state").unwrap(), "down");
}

#[test]
fn vedge_vpp_uses_port_name_and_missing_drivers_fail() {
    let env = env_with(doc! {"mechanism_drivers": ["VPP"]});
    let inv = vec![
        typed(
            "vedge",
            doc! {"id": "ve", "host": "u0", "name": "VPP", "ports": {"p": {"id": "1", "name": "VirtualEthernet0/0/1"}}},
        ),
        typed(
            "vconnector",
            doc! {"id": "bd", "host": "u0", "interfaces_names": ["VirtualEthernet0/0/1"], "interfaces": {}},
        ),
    ];
    let (links, _) = run(&env, inv.clone(), Finder::Vedges);
    assert_eq!(links[0].get_str("link_type").unwrap(), "vconnector-vedge");
    assert_eq!(
        links[0]
            .get_document("attributes")
            .unwrap()
            .get_str("mac_address")
            .unwrap(),
        "Unknown"
    );
    let no_drivers = env_with(doc! {});
    let mut ws = Workspace::new(&no_drivers, inv, Vec::new());
    let err = Finder::Vedges.run(&mut ws).unwrap_err().to_string();
    assert!(
        err.contains("Environment missing mechanism_drivers definition: E"),
        "{err}"
    );
}

#[test]
fn vservice_vnic_links() {
    let env = ovs();
    let vnic = |network: Option<&str>| {
        let mut v = typed(
            "vnic",
            doc! {"id": "node-6.cisco.com-eth0", "vnic_type": "vservice_vnic", "host": "node-6.cisco.com",
            "object_name": "eth0", "parent_id": "qdhcp-8673c48a-f137-4497-b25d-08b7b218fd17-vnics"},
        );
        if let Some(n) = network {
            v.insert("network", n);
        }
        v
    };
    let base = || {
        vec![
            fixture("inventory/host_node-6_controller_network.json"),
            fixture("inventory/vservice_qdhcp-8673c48a.json"),
            typed("network", fixture("inventory/network_8673c48a.json")),
        ]
    };
    let mut inv = base();
    inv.push(vnic(Some("8673c48a-f137-4497-b25d-08b7b218fd17")));
    let (links, _) = run(&env, inv, Finder::VserviceVnics);
    assert_eq!(
        brief(&links),
        vec![(
            "vservice-vnic".into(),
            "qdhcp-8673c48a-f137-4497-b25d-08b7b218fd17".into(),
            "node-6.cisco.com-eth0".into(),
            "25".into()
        )]
    );
    let mut inv = base();
    inv.push(vnic(None));
    let (links, _) = run(&env, inv, Finder::VserviceVnics);
    assert_eq!(links[0].get_str("link_name").unwrap(), "dhcp-25-eth0");
    assert_eq!(links[0].get_document("attributes").unwrap(), &doc! {});
}

fn pnic_inventory() -> Vec<Document> {
    vec![
        typed(
            "host_pnic",
            doc! {"id": "p1", "host": "h", "name": "eth0", "mac_address": "aa", "Link detected": "yes", "port_id": "7"},
        ),
        typed(
            "host_pnic",
            doc! {"id": "p2", "host": "h", "name": "eth0.301", "Link detected": "no"},
        ),
        typed(
            "port",
            doc! {"id": "port-a", "binding:host_id": "h", "network_id": "n1"},
        ),
        typed(
            "port",
            doc! {"id": "port-b", "binding:host_id": "h", "network_id": "n2"},
        ),
        typed(
            "port",
            doc! {"id": "port-c", "binding:host_id": "h", "network_id": "n1"},
        ),
        typed("network", doc! {"id": "n1", "provider:segmentation_id": 52}),
        typed(
            "network",
            doc! {"id": "n2", "provider:segmentation_id": Bson::Null},
        ),
        typed("switch", doc! {"id": "sw1", "object_name": "leaf1"}),
        typed(
            "switch_pnic",
            doc! {"id": "sw1-eth1__33", "parent_id": "sw1", "object_name": "eth1/33", "mac_address": "aa",
            "role": "uplink", "connected_to": "spine-eth2__1", "switch": "sw1"},
        ),
        typed(
            "switch_pnic",
            doc! {"id": "spine-eth2__1", "parent_id": "none", "object_name": "eth2/1", "role": "hostlink"},
        ),
    ]
}

#[test]
fn pnic_network_and_switch_links() {
    let env = ovs();
    let (links, _) = run(&env, pnic_inventory(), Finder::Pnics);
    assert_eq!(
        brief(&links),
        vec![
            (
                "host_pnic-network".into(),
                "p1".into(),
                "n1".into(),
                "Segment-52".into()
            ),
            (
                "host_pnic-network".into(),
                "p1".into(),
                "n2".into(),
                "Segment-None".into()
            ),
            (
                "host_pnic-switch_pnic".into(),
                "p1".into(),
                "sw1-eth1__33".into(),
                "h-sw1".into()
            ),
            (
                "host_pnic-network".into(),
                "p2".into(),
                "n1".into(),
                "Segment-52".into()
            ),
            (
                "host_pnic-network".into(),
                "p2".into(),
                "n2".into(),
                "Segment-None".into()
            ),
            (
                "switch-switch_pnic".into(),
                "sw1".into(),
                "sw1-eth1__33".into(),
                "leaf1=eth1/33".into()
            ),
            (
                "switch_pnic-switch_pnic".into(),
                "sw1-eth1__33".into(),
                "spine-eth2__1".into(),
                "eth1/33".into()
            ),
        ]
    );
    assert_eq!(
        links[0].get_document("attributes").unwrap(),
        &doc! {"network": "n1", "source_label": "port-7"}
    );
    assert_eq!(links[0].get_str("source_label").unwrap(), "port-7");
    assert_eq!(links[3].get_str("state").unwrap(), "down");
    assert_eq!(links[5].get_str("switch").unwrap(), "sw1");
    assert!(!links[5].contains_key("host"));
}

#[test]
fn pnic_vlan_needs_a_vedge_link_and_a_missing_network_stops() {
    let env = env_with(doc! {"mechanism_drivers": ["OVS"], "type_drivers": "vlan"});
    let mut inv = pnic_inventory();
    inv.retain(|d| d.get_str("type").unwrap() != "switch_pnic");
    inv.insert(
        0,
        typed(
            "vedge",
            doc! {"id": "ve", "host": "h", "ports": {"p": {"id": "1", "name": "eth0"}}},
        ),
    );
    let mut ws = Workspace::new(&env, inv, Vec::new());
    Finder::Vedges.run(&mut ws).unwrap();
    Finder::Pnics.run(&mut ws).unwrap();
    let targets: Vec<_> = brief(ws.links.all())
        .into_iter()
        .filter(|l| l.0 == "host_pnic-network")
        .map(|l| l.1)
        .collect();
    assert_eq!(targets, ["p1", "p1"], "only the pNIC used by the vEdge");
    // Quirk: the first missing network ends that pNIC's network links.
    let mut inv = pnic_inventory();
    inv.retain(|d| d.get_str("id").unwrap() != "n1");
    let (links, _) = run(&ovs(), inv, Finder::Pnics);
    assert!(brief(&links).iter().all(|l| l.0 != "host_pnic-network"));
}

fn chain_link(t: &str, s: &str, d: &str, network: &str) -> Document {
    doc! {"environment": "E", "source": s, "source_id": s, "target": d, "target_id": d, "link_type": t,
    "link_name": "x", "state": "up", "link_weight": 0, "source_label": "", "target_label": "",
    "implicit": false, "attributes": {"network": network}, "host": "host1"}
}

#[test]
fn implicit_links_spec_vector() {
    let originals = vec![
        chain_link("instance-vnic", "A", "B", "netID1"),
        chain_link("vnic-vconnector", "B", "C", "netID1"),
        chain_link("vconnector-vedge", "C", "D", "netID1"),
        chain_link("vedge-otep", "D", "E", "netID1"),
    ];
    let attrs = vec!["network".to_string()];
    let found: Vec<Document> = find_implicit_links("E", &originals, &attrs)
        .iter()
        .map(|l| l.to_document("E"))
        .collect();
    let summary: Vec<(String, String, String)> = found
        .iter()
        .map(|d| {
            (
                d.get_str("link_type").unwrap().into(),
                d.get_str("source_id").unwrap().into(),
                d.get_str("target_id").unwrap().into(),
            )
        })
        .collect();
    let expected = [
        ("instance-vconnector", "A", "C"),
        ("vnic-vedge", "B", "D"),
        ("vconnector-otep", "C", "E"),
        ("instance-vedge", "A", "D"),
        ("vnic-otep", "B", "E"),
        ("instance-otep", "A", "E"),
    ];
    assert_eq!(
        summary,
        expected.map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    for d in &found {
        assert_eq!(d.get_str("link_name").unwrap(), "");
        assert_eq!(d.get_str("state").unwrap(), "up");
        assert_eq!(d.get_str("host").unwrap(), "host1");
        assert_eq!(
            d.get_document("attributes").unwrap(),
            &doc! {"network": "netID1"}
        );
        assert!(d.get_bool("implicit").unwrap());
        assert_eq!(d.get_str("source_label").unwrap(), "");
    }
}

#[test]
fn implicit_links_non_matches_host_merge_and_cycles() {
    let attrs = vec!["network".to_string()];
    let same_type = [
        chain_link("instance-vnic", "i1", "v1", "n"),
        chain_link("instance-vnic", "v1", "v2", "n"),
    ];
    assert!(find_implicit_links("E", &same_type, &attrs).is_empty());
    let other_network = [
        chain_link("instance-vnic", "A", "B", "v1"),
        chain_link("vnic-vconnector", "B", "C", "v2"),
    ];
    assert!(find_implicit_links("E", &other_network, &attrs).is_empty());
    let mut second = chain_link("vnic-vconnector", "B", "C", "n");
    second.insert("host", "v2");
    let mut first = chain_link("instance-vnic", "A", "B", "n");
    first.insert("host", "v1");
    let d = find_implicit_links("E", &[first, second], &attrs)[0].to_document("E");
    assert!(!d.contains_key("host"));
    // A directed cycle longer than 2 terminates.
    let cycle = [
        chain_link("a-b", "A", "B", "n"),
        chain_link("b-c", "B", "C", "n"),
        chain_link("c-d", "C", "D", "n"),
        chain_link("d-b", "D", "B", "n"),
    ];
    let found = find_implicit_links("E", &cycle, &attrs);
    assert!(!found.is_empty() && found.len() < 100);
    assert_eq!(
        derived_type("host_pnic-network", "network-x-y"),
        "host_pnic-x"
    );
}

/// 50 hosts × 40 instances, each with a vNIC, a bridge and a vEdge port, plus pNICs, ports and
/// networks: all finders and the clique build stay in memory and take well under a second
/// in release builds (a few seconds at most in debug).
#[test]
fn a_large_inventory_is_linked_in_memory() {
    let env = ovs();
    let mut inv = Vec::new();
    let mut id = 0u32;
    let mut oid = || {
        id += 1;
        bson::oid::ObjectId::from_bytes([
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            (id >> 24) as u8,
            (id >> 16) as u8,
            (id >> 8) as u8,
            id as u8,
        ])
    };
    for n in 0..20 {
        inv.push(typed(
            "network",
            doc! {"_id": oid(), "id": format!("net-{n}"), "provider:segmentation_id": n},
        ));
    }
    for h in 0..50 {
        let host = format!("host-{h}");
        inv.push(typed(
            "host",
            doc! {"_id": oid(), "id": &host, "name": &host, "host_type": ["Compute"]},
        ));
        inv.push(typed("host_pnic", doc! {"_id": oid(), "id": format!("{host}-eth0"), "host": &host, "name": "eth0",
            "IP Address": format!("10.0.0.{h}"), "Link detected": "yes", "mac_address": format!("mac-{h}")}));
        inv.push(typed("otep", doc! {"_id": oid(), "id": format!("{host}-otep"), "host": &host, "parent_id": format!("{host}-vedge"),
            "ip_address": format!("10.0.0.{h}"), "name": "otep"}));
        let mut ports = Document::new();
        for i in 0..40 {
            let net = format!("net-{}", i % 20);
            let inst = format!("{host}-vm{i}");
            inv.push(typed("instance", doc! {"_id": oid(), "id": &inst, "host": &host, "network": [&net],
                "network_info": [{"devname": format!("tap{i}"), "network": {"id": &net, "label": &net}}]}));
            inv.push(typed(
                "vnic",
                doc! {"_id": oid(), "id": format!("{host}-tap{i}"), "vnic_type": "instance_vnic",
                "instance_id": &inst, "host": &host, "mac_address": format!("m-{h}-{i}")},
            ));
            inv.push(typed(
                "vconnector",
                doc! {"_id": oid(), "id": format!("{host}-qbr{i}"), "host": &host,
                "interfaces_names": [format!("tap{i}"), format!("qvb{i}")],
                "interfaces": {format!("qvb{i}"): {"name": format!("qvb{i}"), "mac_address": "x"}}},
            ));
            inv.push(typed("port", doc! {"_id": oid(), "id": format!("{host}-port{i}"), "binding:host_id": &host, "network_id": &net}));
            ports.insert(
                format!("qvo{i}"),
                doc! {"id": i.to_string(), "name": format!("qvo{i}"), "tag": "1"},
            );
        }
        inv.push(typed("vedge", doc! {"_id": oid(), "id": format!("{host}-vedge"), "host": &host, "name": "OVS", "ports": ports}));
    }
    let started = std::time::Instant::now();
    let mut ws = Workspace::new(&env, inv.clone(), Vec::new());
    ws.constraint_attributes = vec!["network".into()];
    ws.run(&Finder::ALL).unwrap();
    let links_time = started.elapsed();
    let per_type = ws.links.created_per_type().clone();
    assert_eq!(per_type["instance-vnic"], 2000);
    assert_eq!(per_type["vconnector-vedge"], 2000);
    assert_eq!(per_type["host_pnic-network"], 50 * 20);
    let mut links: Vec<Document> = ws.links.all().to_vec();
    for l in links.iter_mut() {
        l.insert("_id", bson::oid::ObjectId::new());
    }
    let types: Vec<Document> = serde_json::from_str::<serde_json::Value>(
        &std::fs::read_to_string("data/seed/clique_types.json").unwrap(),
    )
    .unwrap()
    .as_array()
    .unwrap()
    .iter()
    .map(|v| json_to_bson(v).as_document().unwrap().clone())
    .collect();
    let selections = calipso::cliques::select(&types, &env);
    let constraints = vec![doc! {"focal_point_type": "instance", "constraints": ["network"]}];
    let (cliques, _) =
        calipso::cliques::build_all(&env, &selections, &types, &constraints, &inv, &links);
    assert!(cliques.len() >= 2000);
    eprintln!(
        "links: {} in {links_time:?}; cliques: {} in {:?} total",
        links.len(),
        cliques.len(),
        started.elapsed()
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}
