//! Network, subnet, port and router changes, with the payloads neutron-server sends (Mitaka:
//! the object as the API shows it for create/update, only its id for delete).

use super::apply::{free_ip, nonempty, project, refresh_network_info, subnet_plan, Change};
use super::notify::Service;
use super::Refused;
use crate::lab::http::neutron as api;
use crate::lab::model::ids::IdGen;
use crate::lab::model::{new_port, FixedIp, MechanismDriver, Model, Network, Router, Subnet};
use serde_json::{json, Value};

fn change(model: &Model, event_type: &'static str, project_id: &str, payload: Value) -> Change {
    Change {
        service: Service::Neutron,
        // neutron-server runs on the controller.
        host: model.gateway().name.clone(),
        event_type,
        project_id: project_id.into(),
        payload,
    }
}

fn network_index(model: &Model, id: &str) -> Result<usize, Refused> {
    model
        .networks
        .iter()
        .position(|n| n.id == id)
        .ok_or_else(|| Refused(format!("no network '{id}'")))
}

fn subnet_index(model: &Model, id: &str) -> Result<usize, Refused> {
    model
        .subnets
        .iter()
        .position(|s| s.id == id)
        .ok_or_else(|| Refused(format!("no subnet '{id}'")))
}

fn port_index(model: &Model, id: &str) -> Result<usize, Refused> {
    model
        .ports
        .iter()
        .position(|p| p.id == id)
        .ok_or_else(|| Refused(format!("no port '{id}'")))
}

fn router_index(model: &Model, id: &str) -> Result<usize, Refused> {
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

pub fn subnet_create(
    model: &mut Model,
    ids: &mut IdGen,
    network_id: &str,
    name: &str,
    cidr: &str,
    dhcp: bool,
) -> Result<Change, Refused> {
    nonempty("subnet", name)?;
    let k = network_index(model, network_id)?;
    let (cidr, gateway, start, end) = subnet_plan(cidr)?;
    if model.subnets.iter().any(|s| s.cidr == cidr) {
        return Err(Refused(format!("Invalid input for operation: Requested subnet with cidr: {cidr} overlaps with another subnet")));
    }
    let network = model.networks[k].clone();
    let subnet = Subnet {
        id: ids.uuid(),
        name: name.into(),
        network_id: network_id.into(),
        project_id: network.project_id.clone(),
        cidr,
        gateway_ip: gateway,
        allocation_start: start,
        allocation_end: end,
        enable_dhcp: dhcp,
        dns_nameservers: vec![],
    };
    model.networks[k].subnet_ids.push(subnet.id.clone());
    model.subnets.push(subnet.clone());
    if dhcp {
        let ip = free_ip(model, &subnet)?;
        let fixed = FixedIp {
            subnet_id: subnet.id.clone(),
            ip_address: ip.clone(),
        };
        let existing = model
            .ports
            .iter_mut()
            .find(|p| p.network_id == network_id && p.device_owner == "network:dhcp");
        match existing {
            Some(port) => port.fixed_ips.push(fixed),
            None => {
                let node = model.gateway().name.clone();
                let device_id = format!("dhcp{}-{network_id}", ids.uuid());
                let port = new_port(
                    model,
                    ids,
                    (network_id, &subnet.id, ip),
                    &network.project_id,
                    (device_id, "network:dhcp"),
                    &node,
                );
                model.ports.push(port);
            }
        }
    }
    refresh_network_info(model, network_id);
    let payload = json!({"subnet": api::subnet(model, &subnet)});
    Ok(change(
        model,
        "subnet.create.end",
        &subnet.project_id,
        payload,
    ))
}

pub fn subnet_rename(model: &mut Model, id: &str, name: &str) -> Result<Change, Refused> {
    nonempty("subnet", name)?;
    let k = subnet_index(model, id)?;
    model.subnets[k].name = name.into();
    let subnet = model.subnets[k].clone();
    let payload = json!({"subnet": api::subnet(model, &subnet)});
    Ok(change(
        model,
        "subnet.update.end",
        &subnet.project_id,
        payload,
    ))
}

pub fn subnet_delete(model: &mut Model, id: &str) -> Result<Change, Refused> {
    let k = subnet_index(model, id)?;
    let uses = |p: &crate::lab::model::Port| p.fixed_ips.iter().any(|f| f.subnet_id == id);
    if model
        .ports
        .iter()
        .any(|p| uses(p) && p.device_owner != "network:dhcp")
    {
        return Err(Refused(format!(
            "Unable to complete operation on subnet {id}: One or more ports have an IP allocation from this subnet."
        )));
    }
    let subnet = model.subnets.remove(k);
    for port in model.ports.iter_mut() {
        port.fixed_ips.retain(|f| f.subnet_id != id);
    }
    // The DHCP agent releases its port once the network has no DHCP subnet left.
    model
        .ports
        .retain(|p| !(p.device_owner == "network:dhcp" && p.fixed_ips.is_empty()));
    if let Some(n) = model
        .networks
        .iter_mut()
        .find(|n| n.id == subnet.network_id)
    {
        n.subnet_ids.retain(|s| s != id);
    }
    refresh_network_info(model, &subnet.network_id);
    let payload = json!({"subnet_id": id});
    Ok(change(
        model,
        "subnet.delete.end",
        &subnet.project_id,
        payload,
    ))
}

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
