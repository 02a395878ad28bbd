//! port.create.end / port.update.end / port.delete.end (listen.md §5.5).

use super::{
    drop_with, ensure_folder, find_typed, hosts_wired_to, payload_object, payload_str,
    refresh_graph, remove_from_list, rescan, rescan_wiring, retry_with, wiring_targets, HandlerCtx,
    HandlerResult, Outcome, StoreDown,
};
use crate::doc::{str_field, Object};
use crate::listen::envelope::Notification;
use crate::listen::refresh::RescanTarget;
use crate::listen::store_ops;
use bson::{doc, Bson};

fn is_compute(port: &Object) -> bool {
    str_field(port, "device_owner").is_some_and(|o| o.contains("compute"))
}

pub async fn add(ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    let Some(mut port) = payload_object(n, "port") else {
        return drop_with("port add: payload has no port".into());
    };
    let (Some(id), Some(net_id)) = (
        str_field(&port, "id").map(String::from),
        str_field(&port, "network_id").map(String::from),
    ) else {
        return drop_with("port add: payload port has no id or network_id".into());
    };
    let folder_id = format!("{net_id}-ports");
    let Some((folder_id_path, folder_name_path)) =
        ensure_folder(ctx, &folder_id, "ports_folder", "Ports", &net_id, "network").await?
    else {
        return retry_with(format!(
            "network document {net_id} not found, aborting port adding"
        ));
    };
    let name = str_field(&port, "mac_address").unwrap_or(&id).to_string();
    port.extend(doc! {
        "environment": ctx.env,
        "type": "port",
        "parent_id": &folder_id,
        "parent_type": "ports_folder",
        "parent_text": "Ports",
        "name": &name,
        "object_name": &name,
        "id_path": format!("{folder_id_path}/{id}"),
        "name_path": format!("{folder_name_path}/{name}"),
        "show_in_tree": true,
    });
    if let Some(project) = n.str("_context_project_name") {
        port.insert("project", project);
    }
    log::info!("add port document for port: {id}");
    ctx.store.upsert_object(&mut port).await?;
    if is_compute(&port) {
        let host = str_field(&port, "binding:host_id")
            .unwrap_or_default()
            .to_string();
        let instance_id = str_field(&port, "device_id")
            .unwrap_or_default()
            .to_string();
        let folder = format!("{host}-instances");
        if ctx.store.get_by_id(ctx.env, &folder).await?.is_none() {
            return retry_with("instance document not found, aborting port adding".into());
        }
        // The instance's network_info and its vNICs are re-read by rescanning it.
        // Its bridge and vEdge port too (port extension, as instance add does): whichever of
        // port.create.end and compute.instance.create.end comes first, both leave the host's
        // vConnectors and vEdges as a scan shows them.
        let mut targets = vec![RescanTarget::new("ScanInstancesRoot", &folder)
            .child_type("instance")
            .child_id(&instance_id)];
        targets.extend(wiring_targets(&hosts_wired_to(ctx, &host, &net_id).await?));
        if let Some(failed) = rescan(ctx, &targets).await? {
            return Ok(failed);
        }
        refresh_graph(ctx, true);
    }
    Ok(Outcome::done(&id, &net_id))
}

pub async fn update(ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    let Some(id) = payload_str(n, &["port", "id"]) else {
        return drop_with("port update: payload has no port id".into());
    };
    let payload_port = payload_object(n, "port").unwrap_or_default();
    // The status follows admin_state_up (the payload's own status is not used).
    let admin_up = payload_port.get_bool("admin_state_up").unwrap_or(true);
    let mut fields =
        doc! {"admin_state_up": admin_up, "status": if admin_up { "ACTIVE" } else { "DOWN" }};
    if let Some(v) = payload_port.get("binding:vnic_type") {
        fields.insert("binding:vnic_type", v.clone());
    }
    let found = find_typed(ctx, "port", doc! {"id": &id}).await?;
    let Some(port) = found.into_iter().next() else {
        return retry_with("port document does not exist, aborting port update".into());
    };
    ctx.store.set_fields(vec![(&port, fields)]).await?;
    let net_id = str_field(&port, "network_id")
        .unwrap_or_default()
        .to_string();
    Ok(Outcome::done(&id, &net_id))
}

pub async fn delete(ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    match payload_str(n, &["port_id"]) {
        Some(id) => delete_port(ctx, &id).await,
        None => drop_with("port delete: payload has no port_id".into()),
    }
}

/// Deletes a port, its vNIC (same MAC) and the instance's reference to it.
pub async fn delete_port(ctx: &HandlerCtx<'_>, port_id: &str) -> HandlerResult {
    let found = find_typed(ctx, "port", doc! {"id": port_id}).await?;
    let Some(port) = found.into_iter().next() else {
        return drop_with("Port document not found, aborting port deleting.".into());
    };
    let net_id = str_field(&port, "network_id")
        .unwrap_or_default()
        .to_string();
    let mac = str_field(&port, "mac_address").map(String::from);
    if is_compute(&port) {
        detach_from_instance(ctx, port_id, &net_id, mac.as_deref()).await?;
    }
    store_ops::delete_subtree(ctx.store, ctx.env, &port).await?;
    if let Some(mac) = mac {
        let vnics = find_typed(ctx, "vnic", doc! {"mac_address": &mac}).await?;
        if vnics.is_empty() {
            log::info!("Vnic document not found, aborting vnic deleting.");
        }
        for vnic in vnics {
            store_ops::delete_subtree(ctx.store, ctx.env, &vnic).await?;
        }
    }
    if is_compute(&port) {
        if let Some(host) = str_field(&port, "binding:host_id").filter(|h| !h.is_empty()) {
            let hosts = hosts_wired_to(ctx, host, &net_id).await?;
            refresh_host_wiring(ctx, &hosts, port_id).await?;
        }
    }
    log::info!("Finished port deleting");
    Ok(Outcome::done(port_id, &net_id))
}

/// Port extension (a fresh scan is the truth): an instance port leaves its host's vConnectors
/// (the per-port bridge of OVS hybrid plugging goes; a Linux bridge loses an interface) and
/// its vEdge.
async fn refresh_host_wiring(
    ctx: &HandlerCtx<'_>,
    hosts: &[String],
    port_id: &str,
) -> Result<(), StoreDown> {
    if let Some(failed) = rescan_wiring(ctx, hosts).await? {
        log::warn!("hosts {hosts:?} not refreshed after deleting port {port_id}: {failed:?}");
        return Ok(());
    }
    refresh_graph(ctx, true);
    Ok(())
}

/// Drops the port's entry from the instance's `network_info` (and the network when it was the
/// instance's only port on it).
async fn detach_from_instance(
    ctx: &HandlerCtx<'_>,
    port_id: &str,
    net_id: &str,
    mac: Option<&str>,
) -> Result<(), StoreDown> {
    let found = find_typed(ctx, "instance", doc! {"network_info.id": port_id}).await?;
    let Some(mut instance) = found.into_iter().next() else {
        log::info!("No instance document binding to network:{net_id}.");
        return Ok(());
    };
    let entries = instance
        .get_array("network_info")
        .cloned()
        .unwrap_or_default();
    let on_net = |e: &Bson| {
        e.as_document()
            .and_then(|d| d.get_document("network").ok())
            .and_then(|nw| str_field(nw, "id"))
            == Some(net_id)
    };
    let kept: Vec<Bson> = entries
        .iter()
        .filter(|e| e.as_document().and_then(|d| str_field(d, "id")) != Some(port_id))
        .cloned()
        .collect();
    if !kept.iter().any(on_net) {
        remove_from_list(&mut instance, "network", net_id);
    }
    instance.insert("network_info", kept);
    if mac.is_some() && str_field(&instance, "mac_address") == mac {
        instance.insert("mac_address", Bson::Null);
    }
    ctx.store.upsert_object(&mut instance).await?;
    Ok(())
}
