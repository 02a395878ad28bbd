//! Rows of the `neutron` schema.

use super::{n, opt, s, table, TableRows, V};
use crate::lab::model::{vif_details, Model};
use crate::lab::sql::pyjson;

pub fn rows(model: &Model, heartbeat: &str) -> Vec<TableRows> {
    let t = model.created_at.as_str();
    let pinned = &model.standard_attr_ids;
    let mut standard: Vec<(i64, Vec<V>)> = Vec::new();
    let mut next_attr = |kind: &str, key: &str| {
        let fallback = standard.len() as i64 + 1;
        let id = pinned
            .get(&attr_key(kind, key))
            .copied()
            .unwrap_or(fallback);
        standard.push((id, vec![n(id), s(kind), s(t), s(t), s(""), n(1)]));
        id
    };
    let networks: Vec<Vec<V>> = model
        .networks
        .iter()
        .map(|net| {
            vec![
                s(net.project_id.as_str()),
                s(net.id.as_str()),
                s(net.name.as_str()),
                s("ACTIVE"),
                n(1),
                n(next_attr("networks", &net.id)),
                n(net.mtu),
            ]
        })
        .collect();
    let external = model
        .networks
        .iter()
        .filter(|net| net.external)
        .map(|net| vec![s(net.id.as_str()), n(0)])
        .collect();
    let segments = model
        .networks
        .iter()
        .enumerate()
        .map(|(k, net)| {
            vec![
                s(segment_id(&net.id, k)),
                s(net.id.as_str()),
                s(net.network_type.as_str()),
                opt(net.physical_network.as_ref()),
                net.segmentation_id.map(n).unwrap_or(V::NULL),
                n(next_attr("segments", &net.id)),
            ]
        })
        .collect();
    let subnets = model
        .subnets
        .iter()
        .map(|sub| {
            vec![
                s(sub.project_id.as_str()),
                s(sub.id.as_str()),
                s(sub.name.as_str()),
                s(sub.network_id.as_str()),
                n(4),
                s(sub.cidr.as_str()),
                s(sub.gateway_ip.as_str()),
                n(sub.enable_dhcp as i64),
                n(next_attr("subnets", &sub.id)),
            ]
        })
        .collect();
    let pools = model
        .subnets
        .iter()
        .enumerate()
        .map(|(k, sub)| {
            vec![
                s(segment_id(&sub.id, k + 100)),
                s(sub.id.as_str()),
                s(sub.allocation_start.as_str()),
                s(sub.allocation_end.as_str()),
            ]
        })
        .collect();
    let ports = model
        .ports
        .iter()
        .map(|p| {
            vec![
                s(p.project_id.as_str()),
                s(p.id.as_str()),
                s(p.name.as_str()),
                s(p.network_id.as_str()),
                s(p.mac_address.as_str()),
                n(1),
                s(p.status.as_str()),
                s(p.device_id.as_str()),
                s(p.device_owner.as_str()),
                n(next_attr("ports", &p.id)),
                s("immediate"),
            ]
        })
        .collect();
    let allocations = model
        .ports
        .iter()
        .flat_map(|p| {
            p.fixed_ips.iter().map(move |f| {
                vec![
                    s(p.id.as_str()),
                    s(f.ip_address.as_str()),
                    s(f.subnet_id.as_str()),
                    s(p.network_id.as_str()),
                ]
            })
        })
        .collect();
    let driver = model.sizes.mechanism_driver;
    let bindings = model
        .ports
        .iter()
        .map(|p| {
            vec![
                s(p.id.as_str()),
                s(p.host.as_str()),
                s(p.vif_type.as_str()),
                s("normal"),
                s(""),
                s(pyjson::dumps(&vif_details(driver, &p.id))),
            ]
        })
        .collect();
    let routers = model
        .routers
        .iter()
        .map(|r| {
            vec![
                s(r.project_id.as_str()),
                s(r.id.as_str()),
                s(r.name.as_str()),
                s("ACTIVE"),
                n(1),
                s(r.gw_port_id.as_str()),
                n(1),
                n(next_attr("routers", &r.id)),
            ]
        })
        .collect();
    let router_ports = model
        .ports
        .iter()
        .filter(|p| p.device_owner.starts_with("network:router_"))
        .map(|p| {
            vec![
                s(p.device_id.as_str()),
                s(p.id.as_str()),
                s(p.device_owner.as_str()),
            ]
        })
        .collect();
    let agents = model
        .agents
        .iter()
        .map(|a| {
            vec![
                s(a.id.as_str()),
                s(a.agent_type.as_str()),
                s(a.binary.as_str()),
                s(a.topic.as_str()),
                s(a.host.as_str()),
                n(1),
                s(t),
                s(t),
                s(heartbeat),
                s(pyjson::dumps(&a.configurations)),
                n(0),
                opt(a.availability_zone.as_ref()),
            ]
        })
        .collect();
    let vxlan = model
        .tunnel_endpoints
        .iter()
        .filter_map(|e| {
            e.udp_port
                .map(|port| vec![s(e.ip_address.as_str()), n(port), s(e.host.as_str())])
        })
        .collect();
    let gre = match model.sizes.type_driver {
        crate::lab::model::TypeDriver::Gre => model
            .tunnel_endpoints
            .iter()
            .map(|e| vec![s(e.ip_address.as_str()), s(e.host.as_str())])
            .collect(),
        _ => vec![],
    };
    vec![
        table(
            "neutron",
            "standardattributes",
            &[
                "id",
                "resource_type",
                "created_at",
                "updated_at",
                "description",
                "revision_number",
            ],
            {
                standard.sort_by_key(|(id, _)| *id);
                standard.into_iter().map(|(_, row)| row).collect()
            },
        ),
        table(
            "neutron",
            "networks",
            &[
                "project_id",
                "id",
                "name",
                "status",
                "admin_state_up",
                "standard_attr_id",
                "mtu",
            ],
            networks,
        ),
        table(
            "neutron",
            "externalnetworks",
            &["network_id", "is_default"],
            external,
        ),
        table(
            "neutron",
            "networksegments",
            &[
                "id",
                "network_id",
                "network_type",
                "physical_network",
                "segmentation_id",
                "standard_attr_id",
            ],
            segments,
        ),
        table(
            "neutron",
            "subnets",
            &[
                "project_id",
                "id",
                "name",
                "network_id",
                "ip_version",
                "cidr",
                "gateway_ip",
                "enable_dhcp",
                "standard_attr_id",
            ],
            subnets,
        ),
        table(
            "neutron",
            "ipallocationpools",
            &["id", "subnet_id", "first_ip", "last_ip"],
            pools,
        ),
        table(
            "neutron",
            "ports",
            &[
                "project_id",
                "id",
                "name",
                "network_id",
                "mac_address",
                "admin_state_up",
                "status",
                "device_id",
                "device_owner",
                "standard_attr_id",
                "ip_allocation",
            ],
            ports,
        ),
        table(
            "neutron",
            "ipallocations",
            &["port_id", "ip_address", "subnet_id", "network_id"],
            allocations,
        ),
        table(
            "neutron",
            "ml2_port_bindings",
            &[
                "port_id",
                "host",
                "vif_type",
                "vnic_type",
                "profile",
                "vif_details",
            ],
            bindings,
        ),
        table(
            "neutron",
            "routers",
            &[
                "project_id",
                "id",
                "name",
                "status",
                "admin_state_up",
                "gw_port_id",
                "enable_snat",
                "standard_attr_id",
            ],
            routers,
        ),
        table(
            "neutron",
            "routerports",
            &["router_id", "port_id", "port_type"],
            router_ports,
        ),
        table(
            "neutron",
            "agents",
            &[
                "id",
                "agent_type",
                "binary",
                "topic",
                "host",
                "admin_state_up",
                "created_at",
                "started_at",
                "heartbeat_timestamp",
                "configurations",
                "load",
                "availability_zone",
            ],
            agents,
        ),
        table(
            "neutron",
            "ml2_vxlan_endpoints",
            &["ip_address", "udp_port", "host"],
            vxlan,
        ),
        table("neutron", "ml2_gre_endpoints", &["ip_address", "host"], gre),
    ]
}

/// A stable UUID-shaped id derived from another id (segments, allocation pools).
fn segment_id(base: &str, salt: usize) -> String {
    let tail = format!("{:012x}", (salt as u64 + 1) * 0x9e37_79b9);
    format!("{}{}", &base[..24], &tail[tail.len() - 12..])
}

fn attr_key(kind: &str, id: &str) -> String {
    format!("{kind}:{id}")
}

/// Gives every Neutron object without a `standardattributes` id the next one, in the order the
/// rows are written, so an object keeps its id when others are created or deleted later.
pub fn pin_standard_attr_ids(model: &mut Model) {
    let keys: Vec<String> = model
        .networks
        .iter()
        .map(|x| attr_key("networks", &x.id))
        .chain(model.networks.iter().map(|x| attr_key("segments", &x.id)))
        .chain(model.subnets.iter().map(|x| attr_key("subnets", &x.id)))
        .chain(model.ports.iter().map(|x| attr_key("ports", &x.id)))
        .chain(model.routers.iter().map(|x| attr_key("routers", &x.id)))
        .collect();
    let ids = &mut model.standard_attr_ids;
    let mut next = ids.values().copied().max().unwrap_or(0) + 1;
    for key in keys {
        ids.entry(key).or_insert_with(|| {
            next += 1;
            next - 1
        });
    }
}
