//! Instance changes and the payloads of Nova's legacy (unversioned) notifications.

use super::apply::{free_ip, nonempty, refresh_network_info, Change};
use super::notify::Service;
use super::Refused;
use crate::lab::http::neutron as api;
use crate::lab::model::ids::IdGen;
use crate::lab::model::{network_info, new_port, Instance, Model};
use serde_json::{json, Value};

pub fn create(
    model: &mut Model,
    ids: &mut IdGen,
    name: &str,
    host: Option<&str>,
    network: Option<&str>,
) -> Result<Vec<Change>, Refused> {
    nonempty("instance", name)?;
    let host = match host {
        Some(h) => model
            .host(h)
            .filter(|h| h.compute)
            .ok_or_else(|| Refused(format!("no compute host '{h}'")))?,
        None => model
            .compute_hosts()
            .next()
            .ok_or_else(|| Refused("the lab has no compute host".into()))?,
    }
    .name
    .clone();
    let net = match network {
        Some(id) => model
            .network(id)
            .ok_or_else(|| Refused(format!("no network '{id}'")))?,
        None => model
            .networks
            .iter()
            .find(|n| !n.external && !n.subnet_ids.is_empty())
            .ok_or_else(|| Refused("the lab has no tenant network with a subnet".into()))?,
    }
    .clone();
    let subnet = net
        .subnet_ids
        .first()
        .and_then(|id| model.subnet(id))
        .ok_or_else(|| Refused(format!("network {} has no subnet", net.id)))?
        .clone();
    let ip = free_ip(model, &subnet)?;
    let uuid = ids.uuid();
    let port = new_port(
        model,
        ids,
        (&net.id, &subnet.id, ip),
        &net.project_id,
        (uuid.clone(), "compute:nova"),
        &host,
    );
    let db_id = model.instances.iter().map(|i| i.db_id).max().unwrap_or(0) + 1;
    let info = network_info(model, &[&port]);
    let instance = Instance {
        uuid,
        display_name: name.into(),
        libvirt_name: format!("instance-{db_id:08x}"),
        db_id,
        host,
        project_id: net.project_id.clone(),
        availability_zone: "nova".into(),
        port_ids: vec![port.id.clone()],
        network_info: info,
    };
    model.ports.push(port.clone());
    model.instances.push(instance.clone());
    // nova-compute creates the port through Neutron's API (port.create.end), then reports.
    let port_created = port_change(
        model,
        "port.create.end",
        json!({"port": api::port(model, &port)}),
        &port.project_id,
    );
    let mut payload = instance_payload(model, &instance, "active");
    payload["fixed_ips"] = fixed_ips(model, &instance);
    payload["message"] = json!("Success");
    Ok(vec![
        port_created,
        change(&instance, "compute.instance.create.end", payload),
    ])
}

fn port_change(model: &Model, event_type: &'static str, payload: Value, project: &str) -> Change {
    Change {
        service: Service::Neutron,
        host: model.gateway().name.clone(),
        event_type,
        project_id: project.into(),
        payload,
    }
}

pub fn rename(model: &mut Model, id: &str, name: &str) -> Result<Change, Refused> {
    nonempty("instance", name)?;
    let instance = model
        .instances
        .iter_mut()
        .find(|i| i.uuid == id)
        .ok_or_else(|| Refused(format!("no instance '{id}'")))?;
    instance.display_name = name.into();
    let instance = instance.clone();
    let mut payload = instance_payload(model, &instance, "active");
    // An update that changed no state: Nova reports the unchanged states as old and new.
    payload["old_state"] = json!("active");
    payload["old_task_state"] = Value::Null;
    payload["new_task_state"] = Value::Null;
    payload["audit_period_beginning"] = json!(audit_period_start());
    payload["audit_period_ending"] = json!(now());
    payload["bandwidth"] = json!({});
    payload["old_display_name"] = Value::Null;
    Ok(change(&instance, "compute.instance.update", payload))
}

pub fn delete(model: &mut Model, id: &str) -> Result<Vec<Change>, Refused> {
    let k = model
        .instances
        .iter()
        .position(|i| i.uuid == id)
        .ok_or_else(|| Refused(format!("no instance '{id}'")))?;
    let instance = model.instances.remove(k);
    let networks: Vec<String> = model
        .ports
        .iter()
        .filter(|p| instance.port_ids.contains(&p.id))
        .map(|p| p.network_id.clone())
        .collect();
    model.ports.retain(|p| !instance.port_ids.contains(&p.id));
    for net in networks {
        refresh_network_info(model, &net);
    }
    // nova-compute deletes the instance's ports through Neutron's API while tearing it down.
    let mut changes: Vec<Change> = instance
        .port_ids
        .iter()
        .map(|p| {
            port_change(
                model,
                "port.delete.end",
                json!({"port_id": p}),
                &instance.project_id,
            )
        })
        .collect();
    let mut payload = instance_payload(model, &instance, "deleted");
    payload["terminated_at"] = json!(now());
    payload["deleted_at"] = json!(now());
    changes.push(change(&instance, "compute.instance.delete.end", payload));
    Ok(changes)
}

fn change(instance: &Instance, event_type: &'static str, payload: Value) -> Change {
    Change {
        service: Service::Nova,
        host: instance.host.clone(),
        event_type,
        project_id: instance.project_id.clone(),
        payload,
    }
}

fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6f")
        .to_string()
}

fn audit_period_start() -> String {
    chrono::Utc::now()
        .format("%Y-%m-01T00:00:00.000000")
        .to_string()
}

/// `fixed_ips` of `compute.instance.create.end`: one entry per address, with the VIF's MAC.
fn fixed_ips(model: &Model, instance: &Instance) -> Value {
    let entries: Vec<Value> = instance
        .port_ids
        .iter()
        .filter_map(|id| model.port(id))
        .flat_map(|p| {
            let label = model
                .network(&p.network_id)
                .map(|n| n.name.clone())
                .unwrap_or_default();
            p.fixed_ips.iter().map(move |f| {
                json!({"address": f.ip_address, "floating_ips": [], "label": label, "meta": {},
                    "type": "fixed", "version": 4, "vif_mac": p.mac_address})
            })
        })
        .collect();
    Value::Array(entries)
}

/// `nova.notifications.info_from_instance` (Mitaka) for an m1.tiny cirros instance.
fn instance_payload(model: &Model, i: &Instance, state: &str) -> Value {
    let created = format!("{}+00:00", model.created_at);
    let hostname: String = i
        .display_name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    json!({
        "tenant_id": i.project_id,
        "user_id": model.admin_user_id,
        "instance_id": i.uuid,
        "display_name": i.display_name,
        "reservation_id": format!("r-{}", &i.uuid[..8]),
        "hostname": hostname,
        "instance_type": "m1.tiny",
        "instance_type_id": 2,
        "instance_flavor_id": "1",
        "memory_mb": 512,
        "disk_gb": 1,
        "root_gb": 1,
        "ephemeral_gb": 0,
        "vcpus": 1,
        "host": i.host,
        "node": i.host,
        "availability_zone": i.availability_zone,
        "cell_name": "",
        "architecture": null,
        "os_type": null,
        "kernel_id": "",
        "ramdisk_id": "",
        "image_ref_url": "",
        "image_meta": {"base_image_ref": "", "container_format": "bare", "disk_format": "qcow2", "min_disk": "1", "min_ram": "0"},
        "access_ip_v4": null,
        "access_ip_v6": null,
        "metadata": {},
        "state": state,
        "state_description": "",
        "progress": "",
        "created_at": created,
        "launched_at": format!("{}.000000", model.created_at.replace(' ', "T")),
        "terminated_at": "",
        "deleted_at": ""
    })
}
