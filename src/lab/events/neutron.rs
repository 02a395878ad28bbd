//! Network changes, with the payloads neutron-server sends (Mitaka: the object as
//! the API shows it for create/update, only its id for delete); helpers of the other changes.

use super::apply::{nonempty, project, refresh_network_info, Change};
use super::notify::Service;
use super::Refused;
use crate::lab::http::neutron as api;
use crate::lab::model::ids::IdGen;
use crate::lab::model::{MechanismDriver, Model, Network};
use serde_json::{json, Value};

pub(super) fn change(
    model: &Model,
    event_type: &'static str,
    project_id: &str,
    payload: Value,
) -> Change {
    Change {
        service: Service::Neutron,
        // neutron-server runs on the controller.
        host: model.gateway().name.clone(),
        event_type,
        project_id: project_id.into(),
        payload,
    }
}

pub(super) fn network_index(model: &Model, id: &str) -> Result<usize, Refused> {
    model
        .networks
        .iter()
        .position(|n| n.id == id)
        .ok_or_else(|| Refused(format!("no network '{id}'")))
}

pub(super) fn subnet_index(model: &Model, id: &str) -> Result<usize, Refused> {
    model
        .subnets
        .iter()
        .position(|s| s.id == id)
        .ok_or_else(|| Refused(format!("no subnet '{id}'")))
}

pub(super) fn port_index(model: &Model, id: &str) -> Result<usize, Refused> {
    model
        .ports
        .iter()
        .position(|p| p.id == id)
        .ok_or_else(|| Refused(format!("no port '{id}'")))
}

pub(super) fn router_index(model: &Model, id: &str) -> Result<usize, Refused> {
    model
        .routers
        .iter()
        .position(|r| r.id == id)
        .ok_or_else(|| Refused(format!("no router '{id}'")))
}

pub fn network_create(
    model: &mut Model,
    ids: &mut IdGen,
    name: &str,
    owner: &Option<String>,
) -> Result<Change, Refused> {
    nonempty("network", name)?;
    let project_id = project(model, owner)?.id.clone();
    let template = model
        .networks
        .iter()
        .find(|n| !n.external)
        .ok_or_else(|| Refused("the lab has no tenant network to copy the segment type of".into()))?
        .clone();
    let segment = model
        .networks
        .iter()
        .filter(|n| n.network_type == template.network_type)
        .filter_map(|n| n.segmentation_id)
        .max()
        .map(|s| s + 1);
    let id = ids.uuid();
    let bridge = match model.sizes.mechanism_driver {
        MechanismDriver::Ovs => Some("br-int".to_string()),
        MechanismDriver::Lxb => Some(format!("brq{}", &id[..11])),
        MechanismDriver::Vpp => None,
    };
    let network = Network {
        id,
        name: name.into(),
        project_id: project_id.clone(),
        shared: false,
        external: false,
        segmentation_id: segment,
        subnet_ids: vec![],
        bridge,
        ..template
    };
    model.networks.push(network.clone());
    let payload = json!({"network": api::network(model, &network)});
    Ok(change(model, "network.create.end", &project_id, payload))
}

pub fn network_rename(model: &mut Model, id: &str, name: &str) -> Result<Change, Refused> {
    nonempty("network", name)?;
    let k = network_index(model, id)?;
    model.networks[k].name = name.into();
    refresh_network_info(model, id);
    let network = model.networks[k].clone();
    let payload = json!({"network": api::network(model, &network)});
    Ok(change(
        model,
        "network.update.end",
        &network.project_id,
        payload,
    ))
}

pub fn network_delete(model: &mut Model, id: &str) -> Result<Change, Refused> {
    let k = network_index(model, id)?;
    if model
        .ports
        .iter()
        .any(|p| p.network_id == id && p.device_owner != "network:dhcp")
    {
        return Err(Refused(format!(
            "Unable to complete operation on network {id}. There are one or more ports still in use on the network."
        )));
    }
    let network = model.networks.remove(k);
    model.ports.retain(|p| p.network_id != id);
    model.subnets.retain(|s| s.network_id != id);
    let payload = json!({"network_id": id});
    Ok(change(
        model,
        "network.delete.end",
        &network.project_id,
        payload,
    ))
}
