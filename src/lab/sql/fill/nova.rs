//! Rows of the `nova` and `keystone` schemas.

use super::{n, s, table, TableRows, V};
use crate::lab::model::Model;
use crate::lab::sql::pyjson;

pub fn rows(model: &Model) -> Vec<TableRows> {
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

/// keystone.project: the default domain's row, then the projects.
pub fn keystone(model: &Model) -> TableRows {
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
