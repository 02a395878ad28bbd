//! Port changes (port.create.end / port.update.end / port.delete.end).

use super::apply::{free_ip, refresh_network_info, Change};
use super::neutron::{change, network_index, port_index};
use super::Refused;
use crate::lab::http::neutron as api;
use crate::lab::model::ids::IdGen;
use crate::lab::model::{new_port, FixedIp, Model};
use serde_json::json;

pub fn port_create(
    model: &mut Model,
    ids: &mut IdGen,
    network_id: &str,
    name: &str,
) -> Result<Change, Refused> {
    let network = model.networks[network_index(model, network_id)?].clone();
    let subnet = network
        .subnet_ids
        .first()
        .and_then(|s| model.subnet(s))
        .cloned();
    let ip = subnet.as_ref().map(|s| free_ip(model, s)).transpose()?;
    let mut port = new_port(
        model,
        ids,
        (network_id, "", String::new()),
        &network.project_id,
        (String::new(), ""),
        "",
    );
    port.fixed_ips = match (subnet, ip) {
        (Some(s), Some(ip)) => vec![FixedIp {
            subnet_id: s.id,
            ip_address: ip,
        }],
        _ => vec![],
    };
    port.name = name.into();
    port.vif_type = "unbound".into();
    port.status = "DOWN".into();
    model.ports.push(port.clone());
    let payload = json!({"port": api::port(model, &port)});
    Ok(change(model, "port.create.end", &port.project_id, payload))
}

pub fn port_rename(model: &mut Model, id: &str, name: &str) -> Result<Change, Refused> {
    let k = port_index(model, id)?;
    model.ports[k].name = name.into();
    let port = model.ports[k].clone();
    let payload = json!({"port": api::port(model, &port)});
    Ok(change(model, "port.update.end", &port.project_id, payload))
}

pub fn port_delete(model: &mut Model, id: &str) -> Result<Change, Refused> {
    let k = port_index(model, id)?;
    let owner = model.ports[k].device_owner.clone();
    if !(owner.is_empty() || owner.starts_with("compute:")) {
        return Err(Refused(format!(
            "Port {id} cannot be deleted directly via the port API: has device owner {owner}."
        )));
    }
    let port = model.ports.remove(k);
    for instance in model.instances.iter_mut() {
        instance.port_ids.retain(|p| p != id);
    }
    refresh_network_info(model, &port.network_id);
    let payload = json!({"port_id": id});
    Ok(change(model, "port.delete.end", &port.project_id, payload))
}
