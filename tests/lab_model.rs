//! The lab's topology model: deterministic, and consistent between its Nova and Neutron views.

#[path = "common/lab.rs"]
mod lab;

use calipso::lab::model::{self, LabSizes, MechanismDriver, Model, TypeDriver};
use lab::{default_sizes, lab_command};
use std::collections::HashSet;

fn sizes(hosts: usize, instances: usize, m: MechanismDriver, t: TypeDriver) -> LabSizes {
    LabSizes {
        seed: 7,
        hosts,
        instances,
        mechanism_driver: m,
        type_driver: t,
    }
}

fn variants() -> Vec<LabSizes> {
    vec![
        default_sizes(),
        sizes(1, 3, MechanismDriver::Ovs, TypeDriver::Vlan),
        sizes(5, 12, MechanismDriver::Lxb, TypeDriver::Vxlan),
        sizes(4, 7, MechanismDriver::Lxb, TypeDriver::Vlan),
        sizes(2, 2, MechanismDriver::Vpp, TypeDriver::Vlan),
        sizes(3, 0, MechanismDriver::Ovs, TypeDriver::Gre),
    ]
}

#[test]
fn same_seed_and_sizes_give_the_same_model() {
    for s in variants() {
        let a = serde_json::to_string(&model::build(s.clone()).unwrap()).unwrap();
        let b = serde_json::to_string(&model::build(s.clone()).unwrap()).unwrap();
        assert_eq!(a, b, "{s:?}");
    }
    let mut other = default_sizes();
    other.seed = 2;
    let a = serde_json::to_string(&model::build(default_sizes()).unwrap()).unwrap();
    let b = serde_json::to_string(&model::build(other).unwrap()).unwrap();
    assert_ne!(a, b, "another seed gives other ids");
}

#[test]
fn model_subcommand_prints_the_same_json_every_time() {
    let args = ["model", "--hosts", "4", "--instances", "6", "--seed", "3"];
    let first = lab_command(&args);
    let second = lab_command(&args);
    assert!(first.status.success(), "{first:?}");
    assert_eq!(first.stdout, second.stdout);
    let json: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(json["hosts"].as_array().unwrap().len(), 4);
    assert_eq!(json["instances"].as_array().unwrap().len(), 6);
}

#[test]
fn bad_sizes_are_refused_with_one_clear_line() {
    for (args, expected) in [
        (vec!["model", "--hosts", "0"], "--hosts must be between 1"),
        (
            vec!["model", "--mechanism-driver", "lxb", "--type-driver", "gre"],
            "no GRE support",
        ),
        (
            vec!["model", "--instances", "100000"],
            "--instances must be at most",
        ),
    ] {
        let out = lab_command(&args);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
}

fn check_consistency(m: &Model) {
    let label = format!("{:?}", m.sizes);
    let zone_hosts: HashSet<&str> = m
        .availability_zones
        .iter()
        .flat_map(|z| z.hosts.iter().map(|h| h.host.as_str()))
        .collect();
    for host in &m.hosts {
        assert!(
            zone_hosts.contains(host.name.as_str()),
            "{label}: {} in no AZ",
            host.name
        );
    }
    let port_ids: HashSet<&str> = m.ports.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(port_ids.len(), m.ports.len(), "{label}: port ids unique");
    let macs: HashSet<&str> = m.ports.iter().map(|p| p.mac_address.as_str()).collect();
    assert_eq!(macs.len(), m.ports.len(), "{label}: MACs unique");
    for instance in &m.instances {
        let host = m.host(&instance.host).expect("instance host exists");
        assert!(host.compute, "{label}: instance on a non-compute host");
        let vifs = instance.network_info.as_array().unwrap();
        assert_eq!(vifs.len(), instance.port_ids.len());
        for (vif, port_id) in vifs.iter().zip(&instance.port_ids) {
            let port = m.port(port_id).expect("instance port exists in Neutron");
            assert_eq!(port.device_id, instance.uuid);
            assert_eq!(port.device_owner, "compute:nova");
            assert_eq!(port.host, instance.host);
            assert_eq!(vif["id"], port.id.as_str());
            assert_eq!(vif["address"], port.mac_address.as_str(), "{label}: MAC");
            assert_eq!(vif["devname"], format!("tap{}", &port.id[..11]).as_str());
            assert_eq!(vif["type"], port.vif_type.as_str());
            assert_eq!(vif["network"]["id"], port.network_id.as_str());
            let network = m.network(&port.network_id).unwrap();
            assert_eq!(vif["network"]["label"], network.name.as_str());
            let ip = &vif["network"]["subnets"][0]["ips"][0]["address"];
            assert_eq!(ip, port.fixed_ips[0].ip_address.as_str());
        }
        assert!(instance.libvirt_name.starts_with("instance-0000"));
    }
    for port in &m.ports {
        let net = m.network(&port.network_id).expect("port network exists");
        for ip in &port.fixed_ips {
            assert!(
                net.subnet_ids.contains(&ip.subnet_id),
                "{label}: port subnet"
            );
        }
        assert!(m.host(&port.host).is_some(), "{label}: binding host exists");
    }
    for net in m.networks.iter().filter(|n| !n.external) {
        let dhcp = m
            .ports
            .iter()
            .filter(|p| p.network_id == net.id && p.device_owner == "network:dhcp")
            .count();
        assert_eq!(dhcp, 1, "{label}: one DHCP port per tenant network");
        assert_eq!(net.network_type, m.sizes.type_driver.name());
    }
    for router in &m.routers {
        let gw = m.port(&router.gw_port_id).expect("gateway port");
        assert_eq!(gw.device_owner, "network:router_gateway");
        assert_eq!(gw.device_id, router.id);
    }
    for agent in &m.agents {
        assert!(m.host(&agent.host).is_some());
    }
    let network_nodes: Vec<&str> = m
        .hosts
        .iter()
        .filter(|h| h.network)
        .map(|h| h.name.as_str())
        .collect();
    for kind in ["DHCP agent", "L3 agent", "Metadata agent"] {
        let on: Vec<&str> = m
            .agents
            .iter()
            .filter(|a| a.agent_type == kind)
            .map(|a| a.host.as_str())
            .collect();
        assert_eq!(on, network_nodes, "{label}: {kind}");
    }
}

#[test]
fn every_view_of_the_model_agrees() {
    for s in variants() {
        check_consistency(&model::build(s).unwrap());
    }
}

#[test]
fn topology_follows_the_sizes_and_drivers() {
    let m = model::build(default_sizes()).unwrap();
    assert_eq!(m.region, "RegionOne");
    let names: Vec<&str> = m.projects.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["admin", "services", "demo", "alt_demo"]);
    let controllers: Vec<bool> = m.hosts.iter().map(|h| h.controller).collect();
    assert_eq!(controllers, [true, false, false]);
    let computes: Vec<bool> = m.hosts.iter().map(|h| h.compute).collect();
    assert_eq!(computes, [false, true, true]);
    // Round robin over the compute hosts.
    let hosts: Vec<&str> = m.instances.iter().map(|i| i.host.as_str()).collect();
    assert_eq!(
        hosts,
        [
            &m.hosts[1].name,
            &m.hosts[2].name,
            &m.hosts[1].name,
            &m.hosts[2].name
        ]
    );
    let zones: Vec<&str> = m
        .availability_zones
        .iter()
        .map(|z| z.name.as_str())
        .collect();
    assert_eq!(zones, ["internal", "nova"]);
    assert_eq!(
        m.aggregates[0].hosts,
        [m.hosts[1].name.clone(), m.hosts[2].name.clone()]
    );
    let ovs = m
        .agents
        .iter()
        .filter(|a| a.agent_type == "Open vSwitch agent")
        .count();
    assert_eq!(ovs, 3);
    assert_eq!(m.tunnel_endpoints.len(), 3);
    assert!(m.tunnel_endpoints.iter().all(|e| e.udp_port == Some(4789)));
    let vxlan_agent = m
        .agents
        .iter()
        .find(|a| a.agent_type == "Open vSwitch agent")
        .unwrap();
    assert_eq!(vxlan_agent.configurations["tunnel_types"][0], "vxlan");

    let aio = model::build(sizes(1, 2, MechanismDriver::Ovs, TypeDriver::Vxlan)).unwrap();
    let h = &aio.hosts[0];
    assert!(h.controller && h.network && h.compute, "all-in-one");
    assert!(aio.instances.iter().all(|i| i.host == h.name));

    let lxb = model::build(sizes(3, 2, MechanismDriver::Lxb, TypeDriver::Vlan)).unwrap();
    let agent = lxb
        .agents
        .iter()
        .find(|a| a.agent_type == "Linux bridge agent")
        .unwrap();
    assert!(
        agent.configurations.get("tunneling_ip").is_none(),
        "VLAN LXB has no tunnel keys"
    );
    assert!(lxb.tunnel_endpoints.is_empty());
    assert!(lxb
        .networks
        .iter()
        .filter(|n| !n.external)
        .all(|n| n.segmentation_id.unwrap() < 4095));
    assert!(lxb.ports.iter().all(|p| p.vif_type == "bridge"));

    let vpp = model::build(sizes(2, 2, MechanismDriver::Vpp, TypeDriver::Vlan)).unwrap();
    assert!(vpp.ports.iter().all(|p| p.vif_type == "vhostuser"));

    let gre = model::build(sizes(2, 1, MechanismDriver::Ovs, TypeDriver::Gre)).unwrap();
    assert!(gre.tunnel_endpoints.iter().all(|e| e.udp_port.is_none()));
}
