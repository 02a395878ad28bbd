//! Neutron agents of each host with the `configurations` their real binaries report.

use super::{Host, MechanismDriver, Model, TypeDriver};
use serde_json::{json, Value};

/// `(agent_type, binary, topic, availability_zone, configurations)`
pub type AgentSpec = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Value,
);

/// The agents running on `host`, in a stable order.
pub fn agents_of(model: &Model, host: &Host, external_bridge_mappings: bool) -> Vec<AgentSpec> {
    let mut agents = Vec::new();
    if let Some(l2) = l2_agent(model, host, external_bridge_mappings) {
        agents.push(l2);
    }
    if host.network {
        agents.push(dhcp_agent(model));
        agents.push(l3_agent(model));
        agents.push(metadata_agent(model));
    }
    agents
}

fn devices_on(model: &Model, host: &Host) -> usize {
    model.ports.iter().filter(|p| p.host == host.name).count()
}

fn l2_agent(model: &Model, host: &Host, external: bool) -> Option<AgentSpec> {
    let sizes = &model.sizes;
    let tunnel = sizes.type_driver.is_tunnel();
    let tunnel_types: Vec<&str> = if tunnel {
        vec![sizes.type_driver.name()]
    } else {
        vec![]
    };
    let devices = devices_on(model, host);
    match sizes.mechanism_driver {
        MechanismDriver::Ovs => {
            let mut mappings = serde_json::Map::new();
            if external {
                mappings.insert("public".into(), json!("br-ex"));
            }
            if sizes.type_driver == TypeDriver::Vlan {
                mappings.insert("physnet1".into(), json!("br-eth1"));
            }
            Some((
                "Open vSwitch agent",
                "neutron-openvswitch-agent",
                "N/A",
                None,
                json!({
                    "arp_responder_enabled": false,
                    "bridge_mappings": mappings,
                    "datapath_type": "system",
                    "devices": devices,
                    "enable_distributed_routing": false,
                    "extensions": [],
                    "in_distributed_mode": false,
                    "integration_bridge": "br-int",
                    "l2_population": false,
                    "log_agent_heartbeats": false,
                    "ovs_capabilities": {"datapath_types": ["netdev", "system"], "iface_types": ["geneve", "gre", "internal", "patch", "system", "tap", "vxlan"]},
                    "ovs_hybrid_plug": true,
                    "tunnel_types": tunnel_types,
                    "tunneling_ip": if tunnel { host.tunnel_ip.clone() } else { String::new() },
                    "vhostuser_socket_dir": "/var/run/openvswitch"
                }),
            ))
        }
        MechanismDriver::Lxb => {
            let nics = super::host_nics(model, host);
            let mut config = json!({
                "bridge_mappings": {},
                "devices": devices,
                "extensions": [],
                "interface_mappings": {"physnet1": nics.data, "public": nics.external},
                "l2_population": tunnel,
            });
            // Neutron omits the tunnel keys when VXLAN is off.
            if tunnel {
                config["tunnel_types"] = json!(tunnel_types);
                config["tunneling_ip"] = json!(host.tunnel_ip);
            }
            Some((
                "Linux bridge agent",
                "neutron-linuxbridge-agent",
                "N/A",
                None,
                config,
            ))
        }
        // networking-vpp keeps its state in etcd: no L2 agent row in Neutron.
        MechanismDriver::Vpp => None,
    }
}

fn interface_driver(model: &Model) -> &'static str {
    match model.sizes.mechanism_driver {
        MechanismDriver::Lxb => "linuxbridge",
        _ => "openvswitch",
    }
}

fn dhcp_agent(model: &Model) -> AgentSpec {
    let networks = model.networks.iter().filter(|n| !n.external).count();
    let dhcp_ports = model
        .ports
        .iter()
        .filter(|p| p.device_owner == "network:dhcp")
        .count();
    (
        "DHCP agent",
        "neutron-dhcp-agent",
        "dhcp_agent",
        Some("nova"),
        json!({
            "dhcp_driver": "neutron.agent.linux.dhcp.Dnsmasq",
            "dhcp_lease_duration": 86400,
            "log_agent_heartbeats": false,
            "networks": networks,
            "ports": dhcp_ports,
            "subnets": networks
        }),
    )
}

fn l3_agent(model: &Model) -> AgentSpec {
    let routers = model.routers.len();
    (
        "L3 agent",
        "neutron-l3-agent",
        "l3_agent",
        Some("nova"),
        json!({
            "agent_mode": "legacy",
            "ex_gw_ports": routers,
            "external_network_bridge": "",
            "floating_ips": 0,
            "gateway_external_network_id": "",
            "handle_internal_only_routers": true,
            "interface_driver": interface_driver(model),
            "interfaces": routers,
            "log_agent_heartbeats": false,
            "routers": routers
        }),
    )
}

fn metadata_agent(model: &Model) -> AgentSpec {
    (
        "Metadata agent",
        "neutron-metadata-agent",
        "N/A",
        None,
        json!({
            "log_agent_heartbeats": false,
            "metadata_proxy_socket": "/opt/stack/data/neutron/metadata_proxy",
            "nova_metadata_ip": model.gateway().management_ip,
            "nova_metadata_port": 8775
        }),
    )
}
