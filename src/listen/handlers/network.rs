//! network.create.end / network.update.end / network.delete.end (listen.md §5.3).

use super::StoreDown;
use super::{
    delete_by_id, drop_with, find_typed, payload_object, payload_str, refresh_graph, rename,
    rescan, retry_with, HandlerCtx, HandlerResult, Outcome,
};
use crate::doc::str_field;
use crate::fetchers::folder::FolderFetcher;
use crate::listen::envelope::Notification;
use crate::listen::refresh::RescanTarget;
use crate::listen::store_ops;
use crate::scanner::save::{complete_object, Paths};
use bson::{doc, Bson, Document};

pub async fn add(ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    let Some(mut net) = payload_object(n, "network") else {
        return drop_with("network add: payload has no network".into());
    };
    let Some(id) = str_field(&net, "id").map(String::from) else {
        return drop_with("network add: payload network has no id".into());
    };
    if ctx.store.get_by_id(ctx.env, &id).await?.is_some() {
        return drop_with("network already existed, aborting network add".into());
    }
    let project_id = n
        .str("_context_project_id")
        .or_else(|| str_field(&net, "tenant_id"))
        .unwrap_or_default()
        .to_string();
    let project_name = n
        .str("_context_project_name")
        .unwrap_or(&project_id)
        .to_string();
    let name = str_field(&net, "name").unwrap_or(&id).to_string();
    let env = ctx.env;
    let folder_id = format!("{project_id}-networks");
    // The scan's paths when the networks folder (or its project) is known, else the spec's form.
    let (folder_id_path, folder_name_path) = match super::ensure_folder(
        ctx,
        &folder_id,
        "networks_folder",
        "Networks",
        &project_id,
        "project",
    )
    .await?
    {
        Some(paths) => paths,
        None => (
            format!("/{env}/{env}-projects/{project_id}/{folder_id}"),
            format!("/{env}/Projects/{project_name}/Networks"),
        ),
    };
    net.extend(doc! {
        "environment": env,
        "type": "network",
        "id_path": format!("{folder_id_path}/{id}"),
        "name_path": format!("{folder_name_path}/{name}"),
        "cidrs": [],
        "subnet_ids": [],
        "subnets": {},
        "network": &id,
        "name": &name,
        "object_name": &name,
        "parent_id": &folder_id,
        "parent_text": "Networks",
        "parent_type": "networks_folder",
        "project": &project_name,
        "show_in_tree": true,
    });
    ctx.store.upsert_object(&mut net).await?;
    add_network_folders(ctx, &net).await?;
    log::info!("network {id} added");
    Ok(Outcome::done(&id, &id))
}

/// The two folders a scan's `ScanNetwork` puts below every network, built by the same folder
/// fetcher and save rules (no remote access is involved).
async fn add_network_folders(ctx: &HandlerCtx<'_>, net: &Document) -> Result<(), StoreDown> {
    let net_id = str_field(net, "id").unwrap_or_default();
    let paths = Paths::new(ctx.store, ctx.env);
    for (types_name, text) in [
        ("ports", None),
        ("network_services", Some("Network vServices")),
    ] {
        let fetcher = FolderFetcher {
            types_name: types_name.into(),
            parent_type: "network".into(),
            text: text.map(String::from),
        };
        let mut folder = fetcher.folder_for(net_id);
        let folder_type = format!("{types_name}_folder");
        complete_object(&paths, ctx.env, &folder_type, net, &mut folder)
            .await
            .map_err(|e| StoreDown(e.to_string()))?;
        ctx.store.upsert_object(&mut folder).await?;
    }
    Ok(())
}

pub async fn update(ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    let Some(payload_net) = payload_object(n, "network") else {
        return drop_with("network update: payload has no network".into());
    };
    let Some(id) = str_field(&payload_net, "id").map(String::from) else {
        return drop_with("network update: payload network has no id".into());
    };
    let Some(mut net) = ctx.store.get_by_id(ctx.env, &id).await? else {
        return retry_with("Network document not found, aborting network update".into());
    };
    let mut renamed = false;
    if let Some(name) = str_field(&payload_net, "name") {
        if str_field(&net, "name") != Some(name) {
            let name = name.to_string();
            if let Some(change) = rename(&mut net, &name) {
                store_ops::rename_subtree(ctx.store, ctx.env, &change).await?;
            }
            renamed = true;
        }
    }
    net.insert(
        "admin_state_up",
        payload_net
            .get("admin_state_up")
            .cloned()
            .unwrap_or(Bson::Null),
    );
    ctx.store.upsert_object(&mut net).await?;
    if renamed {
        if let Some(failed) = rescan_dhcp_services(ctx, &id).await? {
            return Ok(failed);
        }
    }
    Ok(Outcome::done(&id, &id))
}

/// The network's DHCP vServices are named after it (`qdhcp-<network name>`), and so are their
/// vNICs' paths and links: after a rename they are rescanned on their hosts (port extension: a
/// fresh scan shows the new name).
async fn rescan_dhcp_services(
    ctx: &HandlerCtx<'_>,
    net_id: &str,
) -> Result<Option<Outcome>, StoreDown> {
    let services = find_typed(
        ctx,
        "vservice",
        doc! {"local_service_id": format!("qdhcp-{net_id}")},
    )
    .await?;
    let mut targets = Vec::new();
    for host in services.iter().filter_map(|s| str_field(s, "host")) {
        targets.push(RescanTarget::new("ScanHost", host).child_type("vservice"));
        targets.push(RescanTarget::new("ScanHost", host).child_type("vnic"));
    }
    if targets.is_empty() {
        return Ok(None);
    }
    if let Some(failed) = rescan(ctx, &targets).await? {
        return Ok(Some(failed));
    }
    refresh_graph(ctx, true);
    Ok(None)
}

pub async fn delete(ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    match payload_str(n, &["network_id"]) {
        Some(id) => delete_by_id(ctx, &id, "network").await,
        None => drop_with("network delete: payload has no network_id".into()),
    }
}

/// The subnet entries of a network document.
pub fn subnets_of(net: &Document) -> Document {
    net.get_document("subnets").cloned().unwrap_or_default()
}
