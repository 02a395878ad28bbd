//! Golden tests of the host-level fetchers' parse functions: fixture command outputs, SQL rows
//! and inventory documents in, the original's outputs (tests/fixtures/expected/golden) out.

use bson::{doc, Bson};
use calipso::access::cli::parse::split_output_lines;
use calipso::doc::{doc_to_json, json_to_bson, Object};
use calipso::fetchers::cli::{
    bond_host_pnics as bond, host_pnics, host_pnics_vpp, host_vservices, instance_vnics, oteps_lxb,
    vconnectors_lxb, vconnectors_ovs, vconnectors_vpp, vservice_vnics,
};
use calipso::fetchers::db::{oteps, vedges_ovs, vedges_vpp};
use pretty_assertions::assert_eq;
use serde_json::Value;

fn fixture_text(path: &str) -> String {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn lines(path: &str) -> Vec<String> {
    split_output_lines(&fixture_text(path))
}

/// `{"$oid": x}` and `{"$date": x}` become plain `x`, at any depth.
fn normalise(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(inner) = map.get("$oid").or_else(|| map.get("$date")) {
                    return inner.clone();
                }
            }
            Value::Object(map.into_iter().map(|(k, v)| (k, normalise(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(normalise).collect()),
        other => other,
    }
}

fn json(path: &str) -> Value {
    normalise(serde_json::from_str(&fixture_text(path)).unwrap())
}

fn doc_fixture(path: &str) -> Object {
    match json_to_bson(&json(path)) {
        Bson::Document(d) => d,
        other => panic!("{path}: not an object: {other:?}"),
    }
}

fn rows(path: &str) -> Vec<Object> {
    match json_to_bson(&json(path)) {
        Bson::Array(items) => items
            .into_iter()
            .map(|b| b.as_document().unwrap().clone())
            .collect(),
        other => panic!("{path}: not an array: {other:?}"),
    }
}

/// The golden `result`, or its `returned` part when the file also lists inventory updates.
fn golden(path: &str) -> Value {
    let g = json(&format!("expected/golden/{path}"));
    let result = g["result"].clone();
    if result.get("returned").is_some() {
        result["returned"].clone()
    } else {
        result
    }
}

fn as_json(objects: &[Object]) -> Value {
    normalise(Value::Array(objects.iter().map(doc_to_json).collect()))
}

fn golden_commands(path: &str) -> Vec<String> {
    json(&format!("expected/golden/{path}"))["ssh_commands_sent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn host_vservices_node_6() {
    let host = "node-6.cisco.com";
    let agent_types = rows("config/network_agent_types.json");
    let name_rows = rows("db/neutron_name_lookup.json");
    let namespaces = host_vservices::vservice_namespaces(&lines("cli/ip_netns_list.txt"));
    assert_eq!(namespaces.len(), 9);
    let result: Vec<Object> = namespaces
        .iter()
        .map(|ns| {
            let (prefix, _) = host_vservices::split_namespace(ns);
            let service_type = &prefix[1..];
            let agent = agent_types
                .iter()
                .find(|t| t.get_str("type") == Ok(service_type));
            host_vservices::vservice(host, ns, &name_rows, agent)
        })
        .collect();
    assert_eq!(as_json(&result), golden("cli/host_vservices_node-6.json"));
}

#[test]
fn vservice_without_rows_or_agent_type_falls_back() {
    // Quirk Q11 fixed: a router without a row is named after its id
    let v = host_vservices::vservice("h", "qrouter-r1", &[], None);
    assert_eq!(v.get_str("name").unwrap(), "qrouter-r1");
    assert_eq!(v.get_str("parent_id").unwrap(), "h-vservices-miscellenaous");
    assert_eq!(v.get_str("parent_text").unwrap(), "Misc. services");
    let router_row = doc! {"id": "r1", "name": "gw", "status": "ACTIVE", "admin_state_up": 1};
    let v = host_vservices::vservice("h", "qrouter-r1", &[router_row], None);
    assert_eq!(v.get_str("name").unwrap(), "qrouter-gw");
    assert_eq!(v.get_str("id").unwrap(), "h-qrouter-r1");
    assert_eq!(v.get_str("status").unwrap(), "ACTIVE");
}

#[test]
fn vservice_vnics_qdhcp_8673c48a() {
    let ns = "qdhcp-8673c48a-f137-4497-b25d-08b7b218fd17";
    let mut vnics = vservice_vnics::parse_vnics(
        "node-6.cisco.com",
        ns,
        &lines("cli/ip_netns_exec_qdhcp-8673c48a_ip_address_show.txt"),
    )
    .unwrap();
    assert_eq!(vnics.len(), 1);
    // the inventory network whose cidrs hold the vNIC's cidr
    assert_eq!(vnics[0].get_str("cidr").unwrap(), "10.56.20.0/24");
    vnics[0].insert("network", "8673c48a-f137-4497-b25d-08b7b218fd17");
    assert_eq!(
        as_json(&vnics),
        golden("cli/vservice_vnics_qdhcp-8673c48a.json")
    );
    let namespaces = vservice_vnics::namespaces(&lines("cli/ip_netns_list.txt"));
    assert_eq!(namespaces.len(), 9);
}

#[test]
fn vservice_vnic_without_ipv4_keeps_its_lines() {
    let out = vservice_vnics::parse_vnics(
        "h",
        "qrouter-x",
        &[
            "3: qr-1@if9: <UP> mtu 1500".to_string(),
            "    link/ether fa:16:3e:00:00:01 brd ff".to_string(),
        ],
    )
    .unwrap();
    assert_eq!(out[0].get_str("id").unwrap(), "h-qr-1@if9");
    assert_eq!(out[0].get_array("lines").unwrap().len(), 2);
    assert!(!out[0].contains_key("cidr"));
}

fn instance_vnics(naming: instance_vnics::VnicNaming, golden_file: &str) {
    let instance = doc_fixture("inventory/instance_bf0cb914.json");
    let host = "node-5.cisco.com";
    let ids = instance_vnics::domain_ids(&lines("cli/virsh_list.txt"));
    let expected_cmds: Vec<String> = ids
        .iter()
        .map(|id| format!("ssh -q -o StrictHostKeyChecking=no {host} sudo virsh dumpxml {id}"))
        .collect();
    assert_eq!(expected_cmds, golden_commands(golden_file)[1..]);
    let mut found = Vec::new();
    for id in &ids {
        let xml = if id == "38" {
            fixture_text("cli/virsh_dumpxml_38.txt")
        } else {
            fixture_text("cli/virsh_dumpxml_wrong_instance.txt")
        };
        if let Some(vnics) =
            instance_vnics::vnics_from_dumpxml(&xml, &instance, host, naming).unwrap()
        {
            found.extend(vnics);
        }
    }
    assert_eq!(as_json(&found), golden(golden_file));
}

#[test]
fn instance_vnics_ovs_lxb() {
    instance_vnics(
        instance_vnics::VnicNaming::TargetDevice,
        "cli/instance_vnics_ovs_lxb.json",
    );
}

#[test]
fn instance_vnics_vpp() {
    instance_vnics(
        instance_vnics::VnicNaming::Vpp,
        "cli/instance_vnics_vpp.json",
    );
}

#[test]
fn broken_dumpxml_is_an_error_and_empty_is_skipped() {
    let instance = doc! {"uuid": "u"};
    let naming = instance_vnics::VnicNaming::TargetDevice;
    assert!(
        instance_vnics::vnics_from_dumpxml("<domain><uuid>u</domain>", &instance, "h", naming)
            .is_err()
    );
    assert!(
        instance_vnics::vnics_from_dumpxml("", &instance, "h", naming)
            .unwrap()
            .is_none()
    );
}

#[test]
fn host_pnics_ens32() {
    let host = "node-6.cisco.com";
    let names = host_pnics::nic_names(&lines("illustrative/cli/ls_sys_class_net_ens32.txt"));
    assert_eq!(names, vec!["ens32"]);
    assert_eq!(
        host_pnics::nic_names(&lines("cli/ls_sys_class_net.txt")),
        vec!["eno16777728", "eno33554952"]
    );
    let mut pnic =
        host_pnics::parse_ip_address(host, &names[0], &lines("cli/ip_address_show_ens32.txt"));
    host_pnics::add_ethtool(&mut pnic, &lines("cli/ethtool_eno16777728.txt"));
    assert_eq!(as_json(&[pnic]), golden("cli/host_pnics_ens32.json"));
    assert_eq!(host_pnics::ethtool_name("eth0@if4"), "if4");
}

#[test]
fn host_pnic_state_from_ifconfig_style_output() {
    // Quirk Q12 reproduced: only ifconfig-style flags are read as UP
    let lines: Vec<String> = [
        "eno1: flags=4163<UP,BROADCAST>  mtu 1500",
        "  UP BROADCAST RUNNING MULTICAST",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let pnic = host_pnics::parse_ip_address("h", "eno1", &lines);
    assert_eq!(pnic.get_str("state").unwrap(), "UP");
    assert_eq!(pnic.get_str("id").unwrap(), "eno1-unknown_mac");
}

#[test]
fn bond_pnics_bond0() {
    let host = "node-6.cisco.com";
    let names = bond::bond_names(&lines("illustrative/cli/ls_-1_proc_net_bonding.txt"));
    assert_eq!(names, vec!["bond0"]);
    let mut bond0 = bond::parse_bond(
        host,
        "bond0",
        &lines("illustrative/cli/cat_proc_net_bonding_bond0.txt"),
        &lines("illustrative/cli/ip_link_show_bond0.txt"),
    );
    let g = json("expected/golden/cli/bond_pnics_bond0.json");
    let stored: Vec<Object> = g["result"]["inventory_updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let mut d = json_to_bson(u).as_document().unwrap().clone();
            d.remove("EtherChannel");
            d.remove("EtherChannel Master");
            d
        })
        .collect();
    let mut updates = Vec::new();
    for member in bond::member_names(&bond0) {
        let pnic = stored
            .iter()
            .find(|p| p.get_str("name") == Ok(member.as_str()))
            .unwrap();
        updates.push(bond::link_member(&mut bond0, &member, pnic));
    }
    assert_eq!(as_json(&[bond0]), golden("cli/bond_pnics_bond0.json"));
    assert_eq!(as_json(&updates), g["result"]["inventory_updates"]);
}

#[test]
fn bond_pnics_none() {
    assert!(bond::bond_names(&lines(
        "illustrative/cli/ls_-1_proc_net_bonding_no_bonds.txt"
    ))
    .is_empty());
    assert_eq!(golden("cli/bond_pnics_none.json"), Value::Array(vec![]));
}

#[test]
fn vedges_vpp_ubuntu0() {
    let v = vedges_vpp::vedge(
        "ubuntu0",
        vedges_vpp::binary(&lines("cli/vppctl_show_ver.txt")),
        vedges_vpp::ports(&lines("cli/vppctl_show_int.txt")),
    );
    assert_eq!(as_json(&[v]), golden("db/vedges_vpp_ubuntu0.json"));
}

#[test]
fn host_pnics_vpp_ubuntu0() {
    let vedge = json_to_bson(&golden("db/vedges_vpp_ubuntu0.json")[0])
        .as_document()
        .unwrap()
        .clone();
    let hardware = lines("cli/vppctl_show_hardware-int_TenGigabitEthernetc_0_0.txt");
    let pnics: Vec<Object> = host_pnics_vpp::physical_ports(&vedge)
        .into_iter()
        .map(|port| host_pnics_vpp::pnic_from_port("ubuntu0", port, &hardware))
        .collect();
    assert_eq!(as_json(&pnics), golden("cli/host_pnics_vpp_ubuntu0.json"));
}

#[test]
fn vconnectors_ovs_node_6() {
    let v = vconnectors_ovs::parse_brctl("node-6.cisco.com", &lines("cli/brctl_show.txt"), &[])
        .unwrap();
    assert_eq!(as_json(&v), golden("cli/vconnectors_ovs_node-6.json"));
}

fn lxb_vconnector() -> Object {
    let port = doc! {
        "id": "1f72bd15-8ab2-43cb-94d7-e823dd845255",
        "type": "port",
        "binding:host_id": "compute-1",
        "mac_address": "fa:16:3e:e8:7f:04",
    };
    let mut v = vconnectors_ovs::parse_brctl(
        "compute-1",
        &lines("illustrative/cli/brctl_show_lxb.txt"),
        &[port],
    )
    .unwrap();
    let agent_rows = rows("illustrative/db/neutron_agents_linux_bridge_configurations.json");
    vconnectors_lxb::add_configurations(&mut v, &agent_rows, "compute-1").unwrap();
    assert_eq!(v.len(), 1);
    v.remove(0)
}

#[test]
fn vconnectors_lxb_compute_1() {
    assert_eq!(
        as_json(&[lxb_vconnector()]),
        golden("cli/vconnectors_lxb_compute-1.json")
    );
    let mut none = vec![doc! {"host": "h"}];
    assert!(vconnectors_lxb::add_configurations(&mut none, &[], "h").is_err());
}

fn lxb_oteps(link_file: &str) -> Vec<Object> {
    let vconnector = lxb_vconnector();
    let (ip, tunnel_type) = oteps_lxb::tunnel_config(&vconnector).unwrap();
    let udp = rows("illustrative/db/neutron_ml2_vxlan_endpoints_udp_port.json");
    oteps_lxb::tunnel_interfaces(&vconnector, &tunnel_type)
        .into_iter()
        .map(|interface| {
            oteps_lxb::build_otep(
                interface,
                &vconnector,
                &ip,
                &tunnel_type,
                &lines(link_file),
                &lines("illustrative/cli/bridge_fdb_show.txt"),
                &udp,
            )
        })
        .collect()
}

#[test]
fn oteps_lxb_vxlan_down() {
    let oteps = lxb_oteps("illustrative/cli/ip_-d_link_show_lxb_vxlan_down.txt");
    assert_eq!(as_json(&oteps), golden("cli/oteps_lxb_vxlan_down.json"));
}

#[test]
fn oteps_lxb_vxlan_up_implements_the_intent() {
    // Quirk Q7: the original crashed here; the port reads the state as UP
    let oteps = lxb_oteps("illustrative/cli/ip_-d_link_show_lxb_vxlan_up.txt");
    let mut expected = golden("cli/oteps_lxb_vxlan_down.json");
    expected[0]["state"] = Value::from("UP");
    expected[0]["data"] = Value::from(
        expected[0]["data"]
            .as_str()
            .unwrap()
            .replace("<BROADCAST,MULTICAST>", "<BROADCAST,MULTICAST,UP,LOWER_UP>"),
    );
    assert_eq!(as_json(&oteps), expected);
}

#[test]
fn oteps_lxb_without_tunnelling_is_empty() {
    let vlan_only = doc! {"configurations": {"interface_mappings": {"physnet1": "eth1"}}};
    assert!(oteps_lxb::tunnel_config(&vlan_only).is_none());
    assert!(oteps_lxb::checked_tunnel_type("vxlan; DROP").is_err());
}

#[test]
fn vconnectors_vpp_ubuntu0() {
    let bridges = vconnectors_vpp::l2_bridges(&lines("cli/vppctl_show_mode.txt"));
    assert_eq!(bridges.len(), 10);
    let mut v = vconnectors_vpp::bridge_domains("ubuntu0", &bridges);
    let header_only = vec!["              Name                Idx   Link  Hardware".to_string()];
    for (interface, bd) in &bridges {
        let output = if interface == "TenGigabitEthernetc/0/0" {
            lines("cli/vppctl_show_hardware-int_TenGigabitEthernetc_0_0.txt")
        } else {
            header_only.clone()
        };
        if let Some(found) = vconnectors_vpp::parse_hardware_interface(&output) {
            vconnectors_vpp::add_interface(&mut v, bd, interface, found);
        }
    }
    assert_eq!(as_json(&v), golden("cli/vconnectors_vpp_ubuntu0.json"));
    assert!(vconnectors_vpp::parse_hardware_interface(&[]).is_none());
}

fn ovs_vedge(vsctl: &str, dpctl: &str) -> Vec<Object> {
    rows("db/neutron_agents_ovs_by_host.json")
        .into_iter()
        .map(|row| {
            vedges_ovs::vedge("node-6.cisco.com", row, &lines(dpctl), &lines(vsctl)).unwrap()
        })
        .collect()
}

#[test]
fn vedges_ovs_node_6() {
    let v = ovs_vedge("cli/ovs-vsctl_show.txt", "cli/ovs-dpctl_show.txt");
    assert_eq!(as_json(&v), golden("db/vedges_ovs_node-6.json"));
}

#[test]
fn vedges_ovs_node_6_with_br_tun() {
    let v = ovs_vedge(
        "illustrative/cli/ovs-vsctl_show_with_br-tun.txt",
        "illustrative/cli/ovs-dpctl_show_with_vxlan.txt",
    );
    assert_eq!(as_json(&v), golden("db/vedges_ovs_node-6_with_br-tun.json"));
}

#[test]
fn vedge_ovs_tunnel_port_shapes() {
    let row = |conf: &str| doc! {"agent_type": "Open vSwitch agent", "configurations": conf};
    let none: Vec<String> = Vec::new();
    // Quirk Q13: tunnelling without a br-tun section gives a list
    let v = vedges_ovs::vedge("h", row("{\"tunneling_ip\": \"1.2.3.4\"}"), &none, &none).unwrap();
    assert_eq!(v.get("tunnel_ports"), Some(&Bson::Array(vec![])));
    let v = vedges_ovs::vedge("h", row("{}"), &none, &none).unwrap();
    assert_eq!(v.get("tunnel_ports"), Some(&Bson::Document(doc! {})));
    let v = vedges_ovs::vedge(
        "h",
        row("{\"tunneling_ip\": \"\", \"bridge_mappings\": {\"physnet1\": \"br-eth0\"}}"),
        &none,
        &none,
    )
    .unwrap();
    assert_eq!(vedges_ovs::mapped_bridges(&v), vec!["br-eth0"]);
}

#[test]
fn ovs_list_ifaces_naming() {
    assert_eq!(
        vedges_ovs::bridge_interfaces("br-ex", &lines("cli/ovs-vsctl_list-ifaces.txt"), false),
        vec!["eth0", "p", "t"]
    );
    assert_eq!(
        vedges_ovs::bridge_interfaces(
            "eth0",
            &lines("cli/ovs-vsctl_list-ifaces_mirantis.txt"),
            true
        ),
        vec!["eth0"]
    );
}

#[test]
fn oteps_node_5() {
    let vedge = doc_fixture("inventory/vedge_ovs_node-5_for_oteps.json");
    let tunnel_type = oteps::tunnel_type(&vedge).unwrap();
    let mut result = oteps::oteps(
        &vedge,
        &tunnel_type,
        rows("db/neutron_ml2_vxlan_endpoints.json"),
    );
    let vconnector = oteps::vconnector_of(
        "node-5.cisco.com",
        "192.168.2.1",
        &lines("cli/ip_address_show_node-5.txt"),
    )
    .unwrap();
    for otep in &mut result {
        otep.insert("vconnector", &vconnector);
    }
    assert_eq!(as_json(&result), golden("db/oteps_node-5.json"));
    // Quirk Q14: no udp_port column gives the string "67"
    let gre = oteps::oteps(
        &vedge,
        "gre",
        vec![doc! {"host": "h", "ip_address": "1.1.1.1"}],
    );
    assert_eq!(gre[0].get_str("udp_port").unwrap(), "67");
}
