//! Subnet changes (subnet.create.end / .update.end / .delete.end) and the DHCP port that
//! follows them.

use super::apply::{free_ip, nonempty, refresh_network_info, subnet_plan, Change};
use super::neutron::{change, network_index, subnet_index};
use super::Refused;
use crate::lab::http::neutron as api;
use crate::lab::model::ids::IdGen;
use crate::lab::model::{new_port, FixedIp, Model, Subnet};
use serde_json::json;

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
        serve_dhcp(model, ids, &subnet)?;
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

/// Renames a subnet and/or turns its DHCP on or off (`subnet.update.end`).
pub fn subnet_update(
    model: &mut Model,
    ids: &mut IdGen,
    id: &str,
    name: Option<&str>,
    dhcp: Option<bool>,
) -> Result<Change, Refused> {
    let k = subnet_index(model, id)?;
    if let Some(name) = name {
        nonempty("subnet", name)?;
        model.subnets[k].name = name.into();
    }
    let was = model.subnets[k].enable_dhcp;
    if let Some(on) = dhcp {
        model.subnets[k].enable_dhcp = on;
        let subnet = model.subnets[k].clone();
        match (was, on) {
            (false, true) => serve_dhcp(model, ids, &subnet)?,
            (true, false) => stop_dhcp(model, id),
            _ => {}
        }
        refresh_network_info(model, &subnet.network_id);
    }
    let subnet = model.subnets[k].clone();
    let payload = json!({"subnet": api::subnet(model, &subnet)});
    Ok(change(
        model,
        "subnet.update.end",
        &subnet.project_id,
        payload,
    ))
}

/// The DHCP agent serves `subnet`: its port on the network (created on the network node for
/// the network's first DHCP subnet) gets an address of the subnet.
fn serve_dhcp(model: &mut Model, ids: &mut IdGen, subnet: &Subnet) -> Result<(), Refused> {
    let ip = free_ip(model, subnet)?;
    let network_id = subnet.network_id.clone();
    let existing = model
        .ports
        .iter_mut()
        .find(|p| p.network_id == network_id && p.device_owner == "network:dhcp");
    match existing {
        Some(port) => port.fixed_ips.push(FixedIp {
            subnet_id: subnet.id.clone(),
            ip_address: ip,
        }),
        None => {
            let node = model.gateway().name.clone();
            let device_id = format!("dhcp{}-{network_id}", ids.uuid());
            let port = new_port(
                model,
                ids,
                (&network_id, &subnet.id, ip),
                &subnet.project_id,
                (device_id, "network:dhcp"),
                &node,
            );
            model.ports.push(port);
        }
    }
    Ok(())
}

/// The DHCP port leaves `subnet_id`; the agent releases the port once no DHCP subnet is left.
fn stop_dhcp(model: &mut Model, subnet_id: &str) {
    for port in model
        .ports
        .iter_mut()
        .filter(|p| p.device_owner == "network:dhcp")
    {
        port.fixed_ips.retain(|f| f.subnet_id != subnet_id);
    }
    model
        .ports
        .retain(|p| !(p.device_owner == "network:dhcp" && p.fixed_ips.is_empty()));
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
    stop_dhcp(model, id);
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
