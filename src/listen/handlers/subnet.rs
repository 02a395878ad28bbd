//! subnet.create.end / subnet.update.end / subnet.delete.end (listen.md §5.4).

use super::network::subnets_of;
use super::port::delete_port;
use super::{
    add_to_list, drop_with, find_typed, payload_object, payload_str, ports_and_vedges,
    refresh_graph, refresh_vedges, remove_from_list, rescan, retry_with, HandlerCtx, HandlerResult,
    Outcome, StoreDown,
};
use crate::doc::{str_field, truthy};
use crate::listen::envelope::Notification;
use crate::listen::refresh::RescanTarget;
use crate::listen::store_ops;
use bson::{doc, Bson};

/// The DHCP vService and its vNICs on the publishing host come from a rescan of that host; the
/// DHCP port and the vEdge's new tap as in `ports_and_vedges`.
async fn dhcp_targets(ctx: &HandlerCtx<'_>, host: &str) -> Result<Vec<RescanTarget>, StoreDown> {
    let mut targets = vec![
        RescanTarget::new("ScanHost", host).child_type("vservice"),
        RescanTarget::new("ScanHost", host).child_type("vnic"),
    ];
    targets.extend(ports_and_vedges(ctx, &[host.to_string()]).await?);
    Ok(targets)
}

async fn rescan_dhcp(ctx: &HandlerCtx<'_>, n: &Notification) -> Result<Option<Outcome>, StoreDown> {
    let Some(host) = n.publisher_host() else {
        log::error!("subnet event without publisher_id: DHCP service not scanned");
        return Ok(Some(Outcome::Drop("no publisher_id".into())));
    };
    if let Some(failed) = rescan(ctx, &dhcp_targets(ctx, &host).await?).await? {
        return Ok(Some(failed));
    }
    refresh_graph(ctx, true);
    Ok(None)
}

pub async fn add(ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    let Some(subnet) = payload_object(n, "subnet") else {
        return drop_with("Subnet payload doesn't have id, aborting subnet add".into());
    };
    let (Some(id), Some(net_id)) = (str_field(&subnet, "id"), str_field(&subnet, "network_id"))
    else {
        return drop_with("Subnet payload doesn't have id, aborting subnet add".into());
    };
    let Some(mut net) = ctx.store.get_by_id(ctx.env, net_id).await? else {
        return retry_with("network document does not exist, aborting subnet add".into());
    };
    if let Some(cidr) = str_field(&subnet, "cidr") {
        add_to_list(&mut net, "cidrs", cidr);
    }
    add_to_list(&mut net, "subnet_ids", id);
    let mut subnets = subnets_of(&net);
    subnets.insert(str_field(&subnet, "name").unwrap_or(id), subnet.clone());
    net.insert("subnets", subnets);
    ctx.store.upsert_object(&mut net).await?;
    if subnet.get_bool("enable_dhcp") == Ok(true) {
        if let Some(failed) = rescan_dhcp(ctx, n).await? {
            return Ok(failed);
        }
    }
    Ok(Outcome::done(id, net_id))
}

pub async fn update(ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    let Some(subnet) = payload_object(n, "subnet") else {
        return drop_with("subnet update: payload has no subnet".into());
    };
    let (Some(id), Some(net_id)) = (str_field(&subnet, "id"), str_field(&subnet, "network_id"))
    else {
        return drop_with("subnet update: payload subnet has no id or network_id".into());
    };
    let Some(mut net) = ctx.store.get_by_id(ctx.env, net_id).await? else {
        return retry_with("network document does not exist, aborting subnet update".into());
    };
    let mut subnets = subnets_of(&net);
    let key = subnets
        .iter()
        .find(|(_, s)| s.as_document().and_then(|d| str_field(d, "id")) == Some(id))
        .map(|(k, _)| k.clone());
    let Some(key) = key else {
        return drop_with("subnet not in network, aborting subnet update".into());
    };
    let stored_dhcp = subnets
        .get_document(&key)
        .ok()
        .and_then(|s| s.get("enable_dhcp"))
        .cloned();
    let wanted_dhcp = subnet.get("enable_dhcp").cloned();
    subnets.remove(&key);
    subnets.insert(str_field(&subnet, "name").unwrap_or(id), subnet.clone());
    net.insert("subnets", subnets);
    ctx.store.upsert_object(&mut net).await?;
    if wanted_dhcp == Some(Bson::Boolean(true)) && !truthy(stored_dhcp.as_ref()) {
        if let Some(failed) = rescan_dhcp(ctx, n).await? {
            return Ok(failed);
        }
    } else if wanted_dhcp == Some(Bson::Boolean(false)) && truthy(stored_dhcp.as_ref()) {
        remove_dhcp(ctx, net_id, false).await?;
    }
    Ok(Outcome::done(id, net_id))
}

/// DHCP turned off or last subnet gone: the DHCP vServices of the network (each host) go, and
/// with them the DHCP port(s).
async fn remove_dhcp(
    ctx: &HandlerCtx<'_>,
    net_id: &str,
    by_vnic_mac: bool,
) -> Result<(), StoreDown> {
    let services = find_typed(
        ctx,
        "vservice",
        doc! {"local_service_id": format!("qdhcp-{net_id}")},
    )
    .await?;
    let mut hosts: Vec<String> = Vec::new();
    for service in &services {
        if let Some(host) = str_field(service, "host") {
            hosts.push(host.to_string());
        }
        log::info!(
            "delete DHCP document: {}",
            str_field(service, "id").unwrap_or_default()
        );
        if by_vnic_mac {
            for vnic in store_ops::descendants(ctx.store, ctx.env, service).await? {
                if let Some(mac) = str_field(&vnic, "mac_address")
                    .filter(|_| str_field(&vnic, "type") == Some("vnic"))
                {
                    store_ops::delete_objects(
                        ctx.store,
                        ctx.env,
                        doc! {"type": "port", "mac_address": mac},
                    )
                    .await?;
                }
            }
        }
        store_ops::delete_subtree(ctx.store, ctx.env, service).await?;
    }
    let ports = find_typed(
        ctx,
        "port",
        doc! {"network_id": net_id, "device_owner": "network:dhcp"},
    )
    .await?;
    for p in ports {
        if let Some(port_id) = str_field(&p, "id") {
            delete_port(ctx, port_id).await?;
        }
    }
    // The DHCP tap leaves the hosts' vEdges: their port lists as a scan would show them.
    if !hosts.is_empty() {
        refresh_vedges(ctx, &hosts).await?;
    }
    Ok(())
}

pub async fn delete(ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    let Some(subnet_id) = payload_str(n, &["subnet_id"]) else {
        return drop_with("subnet delete: payload has no subnet_id".into());
    };
    let found = find_typed(ctx, "network", doc! {"subnet_ids": &subnet_id}).await?;
    let Some(mut net) = found.into_iter().next() else {
        return drop_with("network document not found, aborting subnet deleting".into());
    };
    let net_id = str_field(&net, "id").unwrap_or_default().to_string();
    remove_from_list(&mut net, "subnet_ids", &subnet_id);
    let mut subnets = subnets_of(&net);
    let entry = subnets
        .iter()
        .find(|(_, s)| s.as_document().and_then(|d| str_field(d, "id")) == Some(subnet_id.as_str()))
        .map(|(k, s)| (k.clone(), s.as_document().cloned().unwrap_or_default()));
    if let Some((key, s)) = entry {
        if let Some(cidr) = str_field(&s, "cidr") {
            remove_from_list(&mut net, "cidrs", cidr);
        }
        subnets.remove(&key);
        net.insert("subnets", subnets);
    }
    ctx.store.upsert_object(&mut net).await?;
    if net.get_array("subnet_ids").map_or(true, Vec::is_empty) {
        remove_dhcp(ctx, &net_id, true).await?;
    }
    Ok(Outcome::done(&subnet_id, &net_id))
}
