//! The rows of every lab table, rendered from the model with the same ids the APIs show.

use super::pyjson;
use crate::lab::model::{vif_details, Model};
use mysql::Value as V;

/// Rows for one table: `INSERT INTO <schema>.<table> (<columns>) VALUES ...`.
pub struct TableRows {
    pub schema: &'static str,
    pub table: &'static str,
    pub columns: &'static [&'static str],
    pub rows: Vec<Vec<V>>,
}

fn s(text: impl Into<String>) -> V {
    V::from(text.into())
}

fn n(number: impl Into<i64>) -> V {
    V::from(number.into())
}

fn opt(text: Option<&String>) -> V {
    text.map(|t| s(t.as_str())).unwrap_or(V::NULL)
}

fn table(
    schema: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<V>>,
) -> TableRows {
    TableRows {
        schema,
        table,
        columns,
        rows,
    }
}

/// `heartbeat` is the time to put in agents' heartbeat columns (`YYYY-MM-DD HH:MM:SS`).
pub fn all_rows(model: &Model, heartbeat: &str) -> Vec<TableRows> {
    let mut tables = nova(model);
    tables.push(keystone(model));
    tables.extend(neutron(model, heartbeat));
    tables
}

fn nova(model: &Model) -> Vec<TableRows> {
    let t = model.created_at.as_str();
    let instances = model
        .instances
        .iter()
        .map(|i| {
            let hostname = i.display_name.replace('_', "-");
            vec![
                s(t),
                s(t),
                n(i.db_id),
                s(model.admin_user_id.as_str()),
                s(i.project_id.as_str()),
                s(""),
                n(0),
                n(1),
                s("active"),
                V::NULL,
                n(512),
                n(1),
                n(1),
                n(0),
                s(hostname),
                s(i.host.as_str()),
                s(i.host.as_str()),
                s(t),
                s(i.display_name.as_str()),
                s(i.availability_zone.as_str()),
                s(i.uuid.as_str()),
                s(i.display_name.as_str()),
                s("/dev/vda"),
                n(0),
            ]
        })
        .collect();
    let caches = model
        .instances
        .iter()
        .map(|i| {
            vec![
                s(t),
                s(t),
                s(pyjson::dumps(&i.network_info)),
                s(i.uuid.as_str()),
                n(0),
            ]
        })
        .collect();
    let compute_nodes =
        model
            .compute_hosts()
            .map(|h| {
                let running = model.instances_on(&h.name).count() as i64;
                vec![
                s(t), s(t), n(h.hypervisor_id.unwrap_or(0)), n(8), n(16384), n(200),
                n(running), n(512 + running * 512), n(running), s("QEMU"), n(2011001),
                s("{\"vendor\": \"Intel\", \"model\": \"Haswell-noTSX\", \"arch\": \"x86_64\"}"),
                n(running), s(h.name.as_str()), n(0), s(h.management_ip.as_str()),
                s(h.name.as_str()),
            ]
            })
            .collect();
    let mut services = Vec::new();
    for zone in &model.availability_zones {
        for entry in &zone.hosts {
            for binary in &entry.services {
                let topic = binary.trim_start_matches("nova-");
                services.push(vec![
                    s(t),
                    s(t),
                    s(entry.host.as_str()),
                    s(binary.as_str()),
                    s(topic),
                    n(0),
                    n(0),
                ]);
            }
        }
    }
    let aggregates = model
        .aggregates
        .iter()
        .map(|a| vec![s(t), n(a.id), s(a.name.as_str()), n(0), s(a.uuid.as_str())])
        .collect();
    let aggregate_hosts = model
        .aggregates
        .iter()
        .flat_map(|a| {
            a.hosts
                .iter()
                .map(move |h| vec![s(t), s(h.as_str()), n(a.id), n(0)])
        })
        .collect();
    let aggregate_metadata = model
        .aggregates
        .iter()
        .map(|a| {
            vec![
                s(t),
                n(a.id),
                s("availability_zone"),
                s(a.availability_zone.as_str()),
                n(0),
            ]
        })
        .collect();
    vec![
        table(
            "nova",
            "instances",
            &[
                "created_at",
                "updated_at",
                "id",
                "user_id",
                "project_id",
                "image_ref",
                "launch_index",
                "power_state",
                "vm_state",
                "task_state",
                "memory_mb",
                "vcpus",
                "root_gb",
                "ephemeral_gb",
                "hostname",
                "host",
                "node",
                "launched_at",
                "display_name",
                "availability_zone",
                "uuid",
                "display_description",
                "root_device_name",
                "deleted",
            ],
            instances,
        ),
        table(
            "nova",
            "instance_info_caches",
            &[
                "created_at",
                "updated_at",
                "network_info",
                "instance_uuid",
                "deleted",
            ],
            caches,
        ),
        table(
            "nova",
            "compute_nodes",
            &[
                "created_at",
                "updated_at",
                "id",
                "vcpus",
                "memory_mb",
                "local_gb",
                "vcpus_used",
                "memory_mb_used",
                "local_gb_used",
                "hypervisor_type",
                "hypervisor_version",
                "cpu_info",
                "running_vms",
                "hypervisor_hostname",
                "deleted",
                "host_ip",
                "host",
            ],
            compute_nodes,
        ),
        table(
            "nova",
            "services",
            &[
                "created_at",
                "updated_at",
                "host",
                "binary",
                "topic",
                "report_count",
                "deleted",
            ],
            services,
        ),
        table(
            "nova",
            "aggregates",
            &["created_at", "id", "name", "deleted", "uuid"],
            aggregates,
        ),
        table(
            "nova",
            "aggregate_hosts",
            &["created_at", "host", "aggregate_id", "deleted"],
            aggregate_hosts,
        ),
        table(
            "nova",
            "aggregate_metadata",
            &["created_at", "aggregate_id", "key", "value", "deleted"],
            aggregate_metadata,
        ),
    ]
}

fn keystone(model: &Model) -> TableRows {
    let mut rows = vec![vec![
        s("default"),
        s("Default"),
        s("{}"),
        s("The default domain"),
        n(1),
        s("<<keystone.domain.root>>"),
        V::NULL,
        n(1),
    ]];
    rows.extend(model.projects.iter().map(|p| {
        vec![
            s(p.id.as_str()),
            s(p.name.as_str()),
            s("{}"),
            s(p.description.as_str()),
            n(p.enabled as i64),
            s(p.domain_id.as_str()),
            s(p.domain_id.as_str()),
            n(0),
        ]
    }));
    table(
        "keystone",
        "project",
        &[
            "id",
            "name",
            "extra",
            "description",
            "enabled",
            "domain_id",
            "parent_id",
            "is_domain",
        ],
        rows,
    )
}

fn neutron(model: &Model, heartbeat: &str) -> Vec<TableRows> {
    let t = model.created_at.as_str();
    let mut standard = Vec::new();
    let mut next_attr = |kind: &str| {
        standard.push(vec![s(kind), s(t), s(t), s(""), n(1)]);
        standard.len() as i64
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
                n(next_attr("networks")),
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
                n(next_attr("segments")),
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
                n(next_attr("subnets")),
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
                n(next_attr("ports")),
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
                n(next_attr("routers")),
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
                "resource_type",
                "created_at",
                "updated_at",
                "description",
                "revision_number",
            ],
            standard,
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
