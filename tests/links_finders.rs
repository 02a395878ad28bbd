//! Link finders as pure functions over small inventories built from the spec's rules and the
//! fixture inventory documents (links-and-cliques.md §2). No database.

#[path = "common/links.rs"]
mod links;

use bson::{doc, Bson};
use links::*;
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
    let source = ws.links.documents()[0].get("source").cloned().unwrap();
    assert_eq!(
        source,
        Bson::ObjectId("5806817e4a0a8a3fbe3bee8b".parse().unwrap())
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
    let mut ws = Workspace::new(&env, serialized(&inv), Vec::new());
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
    let mut ws = Workspace::new(&env, serialized(&inv), Vec::new());
    assert!(Finder::Vconnectors.run(&mut ws).is_err());
    let mut ws = Workspace::new(
        &env,
        serialized(&[typed("vconnector", doc! {"id": "v"})]),
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
    let mut ws = Workspace::new(&no_drivers, serialized(&inv), Vec::new());
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
