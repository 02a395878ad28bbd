//! router.* and router.interface.* (listen.md §5.6). Routers are found as the scan stores them:
//! vServices with `local_service_id: qrouter-<uuid>`, one per network node hosting it.

use super::port::delete_port;
use super::{
    add_to_list, drop_with, find_typed, payload_object, payload_str, ports_and_vedges,
    refresh_graph, refresh_vedges, remove_from_list, rescan, retry_with, HandlerCtx, HandlerResult,
    Outcome, StoreDown,
};
use crate::doc::{str_field, Object};
use crate::listen::envelope::Notification;
use crate::listen::refresh::RescanTarget;
use crate::listen::store_ops;
use bson::{doc, Bson};

async fn routers(ctx: &HandlerCtx<'_>, uuid: &str) -> Result<Vec<Object>, StoreDown> {
    find_typed(
        ctx,
        "vservice",
        doc! {"local_service_id": format!("qrouter-{uuid}")},
    )
    .await
}

/// The router namespaces and their vNICs on these hosts come from rescanning them.
fn vservice_targets<'a>(hosts: impl IntoIterator<Item = &'a str>) -> Vec<RescanTarget> {
    let mut out = Vec::new();
    for host in hosts {
        out.push(RescanTarget::new("ScanHost", host).child_type("vservice"));
        out.push(RescanTarget::new("ScanHost", host).child_type("vnic"));
    }
    out
}

fn gateway_network(router: &Object) -> Option<String> {
    router
        .get_document("external_gateway_info")
        .ok()
        .and_then(|g| str_field(g, "network_id"))
        .map(String::from)
}

fn hosts_of(routers: &[Object]) -> Vec<String> {
    let mut hosts: Vec<String> = Vec::new();
    for r in routers {
        if let Some(h) = str_field(r, "host") {
            if !hosts.iter().any(|x| x == h) {
                hosts.push(h.to_string());
            }
        }
    }
    hosts
}

pub async fn add(ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    let Some(router) = payload_object(n, "router") else {
        return drop_with("router add: payload has no router".into());
    };
    let Some(uuid) = str_field(&router, "id").map(String::from) else {
        return drop_with("router add: payload router has no id".into());
    };
    let Some(host) = n.publisher_host() else {
        return drop_with("router add: notification has no publisher_id".into());
    };
    let mut targets = vservice_targets([host.as_str()]);
    targets.extend(ports_and_vedges(ctx, std::slice::from_ref(&host)).await?);
    if let Some(failed) = rescan(ctx, &targets).await? {
        return Ok(failed);
    }
    for mut stored in routers(ctx, &uuid).await? {
        stored.insert(
            "network",
            gateway_network(&router).map_or(Vec::new(), |g| vec![Bson::String(g)]),
        );
        ctx.store.upsert_object(&mut stored).await?;
    }
    refresh_graph(ctx, false);
    log::info!("Finished router added.");
    let related = format!("qrouter-{uuid}");
    Ok(Outcome::done(&related, &related))
}

pub async fn update(ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    let router = payload_object(n, "router").unwrap_or_default();
    let Some(uuid) = payload_str(n, &["id"]).or_else(|| str_field(&router, "id").map(String::from))
    else {
        return drop_with("router update: payload has no router id".into());
    };
    let stored = routers(ctx, &uuid).await?;
    if stored.is_empty() {
        return retry_with("Router document not found, aborting router updating".into());
    }
    let gateway = gateway_network(&router);
    for mut r in stored.clone() {
        if let Some(v) = router.get("admin_state_up") {
            r.insert("admin_state_up", v.clone());
        }
        match &gateway {
            None => remove_gateway(ctx, &mut r).await?,
            Some(net) => {
                add_to_list(&mut r, "network", net);
                r.insert(
                    "routes",
                    router.get("routes").cloned().unwrap_or(Bson::Array(vec![])),
                );
            }
        }
        ctx.store.upsert_object(&mut r).await?;
    }
    if gateway.is_some() {
        // gw_port_id and the gateway vNIC are re-read from the hosts.
        let hosts = hosts_of(&stored);
        let mut targets = vservice_targets(hosts.iter().map(String::as_str));
        targets.extend(ports_and_vedges(ctx, &hosts).await?);
        if let Some(failed) = rescan(ctx, &targets).await? {
            return Ok(failed);
        }
    }
    refresh_graph(ctx, false);
    log::info!("Finished router update.");
    Ok(Outcome::done(&format!("qrouter-{uuid}"), &uuid))
}

/// The gateway was cleared: its port goes, the router leaves that network, its links go.
async fn remove_gateway(ctx: &HandlerCtx<'_>, r: &mut Object) -> Result<(), StoreDown> {
    let Some(gw_port) = str_field(r, "gw_port_id").map(String::from) else {
        return Ok(());
    };
    let port_net = find_typed(ctx, "port", doc! {"id": &gw_port})
        .await?
        .first()
        .and_then(|p| str_field(p, "network_id").map(String::from));
    delete_port(ctx, &gw_port).await?;
    if let Some(net) = port_net {
        remove_from_list(r, "network", &net);
    }
    r.insert("gw_port_id", Bson::Null);
    if let Some(id) = str_field(r, "id") {
        store_ops::delete_links_from(ctx.store, ctx.env, id).await?;
    }
    Ok(())
}

pub async fn delete(ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    if n.str("publisher_id").is_none() {
        log::error!("Publisher_id is not in event values. Aborting router delete");
        return Ok(Outcome::Drop("no publisher_id".into()));
    }
    let uuid = payload_str(n, &["router_id"])
        .or_else(|| payload_str(n, &["id"]))
        .or_else(|| payload_str(n, &["router", "id"]));
    let Some(uuid) = uuid else {
        log::error!("Router id is not in payload. Aborting router delete");
        return Ok(Outcome::Drop("no router id".into()));
    };
    let stored = routers(ctx, &uuid).await?;
    if stored.is_empty() {
        return drop_with("vservice document is not found, aborting vservice delete".into());
    }
    for r in &stored {
        store_ops::delete_subtree(ctx.store, ctx.env, r).await?;
    }
    // Port extension: its gateway port goes with it (Neutron deletes it without a port event),
    // and the qg- device leaves the hosts' vEdges.
    for p in find_typed(ctx, "port", doc! {"device_id": &uuid}).await? {
        if let Some(port_id) = str_field(&p, "id") {
            delete_port(ctx, port_id).await?;
        }
    }
    refresh_vedges(ctx, &hosts_of(&stored)).await?;
    let related = format!("qrouter-{uuid}");
    Ok(Outcome::done(&related, &related))
}

pub async fn interface_add(ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    let (Some(uuid), Some(subnet_id)) = (
        payload_str(n, &["router_interface", "id"]),
        payload_str(n, &["router_interface", "subnet_id"]),
    ) else {
        return drop_with("interface add: payload has no router_interface id or subnet_id".into());
    };
    let nets = find_typed(ctx, "network", doc! {"subnet_ids": &subnet_id}).await?;
    let Some(net_id) = nets
        .first()
        .and_then(|d| str_field(d, "id"))
        .map(String::from)
    else {
        return retry_with("network document not found, aborting interface adding".into());
    };
    let stored = routers(ctx, &uuid).await?;
    if stored.is_empty() {
        return retry_with("router document not found, aborting interface adding".into());
    }
    for mut r in stored.clone() {
        add_to_list(&mut r, "network", &net_id);
        ctx.store.upsert_object(&mut r).await?;
    }
    let hosts = hosts_of(&stored);
    let mut targets: Vec<RescanTarget> = hosts
        .iter()
        .map(|h| RescanTarget::new("ScanHost", h).child_type("vnic"))
        .collect();
    // Port extension: the interface port (no port event of its own) and the qr- device.
    targets.extend(ports_and_vedges(ctx, &hosts).await?);
    if let Some(failed) = rescan(ctx, &targets).await? {
        return Ok(failed);
    }
    refresh_graph(ctx, true);
    log::info!("Finished router-interface added.");
    Ok(Outcome::done(&uuid, &net_id))
}

pub async fn interface_delete(ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    let (Some(uuid), Some(port_id)) = (
        payload_str(n, &["router_interface", "id"]),
        payload_str(n, &["router_interface", "port_id"]),
    ) else {
        return drop_with("interface delete: payload has no router_interface id or port_id".into());
    };
    let ports = find_typed(ctx, "port", doc! {"id": &port_id}).await?;
    let Some(port) = ports.first() else {
        return drop_with("Interface deleting handler: port document not found.".into());
    };
    let net_id = str_field(port, "network_id")
        .unwrap_or_default()
        .to_string();
    let stored = routers(ctx, &uuid).await?;
    for mut r in stored.clone() {
        if remove_from_list(&mut r, "network", &net_id) {
            ctx.store.upsert_object(&mut r).await?;
        }
    }
    delete_port(ctx, &port_id).await?;
    refresh_vedges(ctx, &hosts_of(&stored)).await?;
    Ok(Outcome::done(&uuid, &net_id))
}
