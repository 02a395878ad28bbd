//! Router and router interface changes (router.create.end / .update.end / .delete.end,
//! router.interface.create / .delete).

use super::apply::{free_ip, nonempty, project, Change};
use super::neutron::{change, router_index, subnet_index};
use super::Refused;
use crate::lab::http::neutron as api;
use crate::lab::model::ids::IdGen;
use crate::lab::model::{new_port, Model, Router, Subnet};
use serde_json::{json, Value};

pub fn router_create(
    model: &mut Model,
    ids: &mut IdGen,
    name: &str,
    owner: &Option<String>,
) -> Result<Change, Refused> {
    nonempty("router", name)?;
    let project_id = project(model, owner)?.id.clone();
    let public = model
        .networks
        .iter()
        .find(|n| n.external)
        .ok_or_else(|| Refused("the lab has no external network".into()))?
        .clone();
    let subnet = public
        .subnet_ids
        .first()
        .and_then(|s| model.subnet(s))
        .ok_or_else(|| Refused("the external network has no subnet".into()))?
        .clone();
    let ip = free_ip(model, &subnet)?;
    let node = model.gateway().name.clone();
    let router_id = ids.uuid();
    let gateway = new_port(
        model,
        ids,
        (&public.id, &subnet.id, ip),
        "",
        (router_id.clone(), "network:router_gateway"),
        &node,
    );
    let router = Router {
        id: router_id,
        name: name.into(),
        project_id: project_id.clone(),
        gw_port_id: gateway.id.clone(),
        external_network_id: public.id.clone(),
        host: node,
    };
    model.ports.push(gateway);
    model.routers.push(router.clone());
    let payload = json!({"router": api::router_json(model, &router)});
    Ok(change(model, "router.create.end", &project_id, payload))
}

pub fn router_rename(model: &mut Model, id: &str, name: &str) -> Result<Change, Refused> {
    nonempty("router", name)?;
    let k = router_index(model, id)?;
    model.routers[k].name = name.into();
    let router = model.routers[k].clone();
    let payload = json!({"router": api::router_json(model, &router)});
    Ok(change(
        model,
        "router.update.end",
        &router.project_id,
        payload,
    ))
}

pub fn router_delete(model: &mut Model, id: &str) -> Result<Change, Refused> {
    let k = router_index(model, id)?;
    if model
        .ports
        .iter()
        .any(|p| p.device_id == id && p.device_owner == "network:router_interface")
    {
        return Err(Refused(format!(
            "Router {id} still has ports: remove its interfaces first"
        )));
    }
    let router = model.routers.remove(k);
    model.ports.retain(|p| p.device_id != id);
    let payload = json!({"router_id": id});
    Ok(change(
        model,
        "router.delete.end",
        &router.project_id,
        payload,
    ))
}

fn interface_payload(router: &Router, port_id: &str, subnet: &Subnet) -> Value {
    json!({"router_interface": {"id": router.id, "tenant_id": subnet.project_id,
        "port_id": port_id, "subnet_id": subnet.id, "subnet_ids": [subnet.id]}})
}

pub fn interface_add(
    model: &mut Model,
    ids: &mut IdGen,
    router_id: &str,
    subnet_id: &str,
) -> Result<Change, Refused> {
    let router = model.routers[router_index(model, router_id)?].clone();
    let subnet = model.subnets[subnet_index(model, subnet_id)?].clone();
    let taken = model.ports.iter().any(|p| {
        p.fixed_ips
            .iter()
            .any(|f| f.subnet_id == subnet.id && f.ip_address == subnet.gateway_ip)
    });
    if taken {
        return Err(Refused(format!(
            "IP address {} already allocated in subnet {}",
            subnet.gateway_ip, subnet.id
        )));
    }
    let port = new_port(
        model,
        ids,
        (&subnet.network_id, &subnet.id, subnet.gateway_ip.clone()),
        &subnet.project_id,
        (router.id.clone(), "network:router_interface"),
        &router.host,
    );
    let payload = interface_payload(&router, &port.id, &subnet);
    model.ports.push(port);
    Ok(change(
        model,
        "router.interface.create",
        &subnet.project_id,
        payload,
    ))
}

pub fn interface_remove(
    model: &mut Model,
    router_id: &str,
    subnet_id: &str,
) -> Result<Change, Refused> {
    let router = model.routers[router_index(model, router_id)?].clone();
    let subnet = model.subnets[subnet_index(model, subnet_id)?].clone();
    let k = model
        .ports
        .iter()
        .position(|p| {
            p.device_id == router.id
                && p.device_owner == "network:router_interface"
                && p.fixed_ips.iter().any(|f| f.subnet_id == subnet.id)
        })
        .ok_or_else(|| {
            Refused(format!(
                "Router {router_id} has no interface on subnet {subnet_id}"
            ))
        })?;
    let port = model.ports.remove(k);
    let payload = interface_payload(&router, &port.id, &subnet);
    Ok(change(
        model,
        "router.interface.delete",
        &subnet.project_id,
        payload,
    ))
}
