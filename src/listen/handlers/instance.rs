//! compute.instance.create.end / .update / .delete.end (listen.md §5.2).

use super::{
    delete_by_id, drop_with, find_typed, payload_str, refresh_graph, rename, rescan, retry_with,
    HandlerCtx, HandlerResult, Outcome,
};
use crate::doc::str_field;
use crate::listen::envelope::Notification;
use crate::listen::refresh::RescanTarget;
use crate::listen::store_ops;
use crate::store::prepare_for_write;
use bson::doc;

pub async fn add(ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    let (Some(id), Some(host)) = (payload_str(n, &["instance_id"]), payload_str(n, &["host"]))
    else {
        return drop_with("instance add: payload has no instance_id or host".into());
    };
    let folder = format!("{host}-instances");
    if ctx.store.get_by_id(ctx.env, &folder).await?.is_none() {
        return retry_with("instances root not found, aborting instance add".into());
    }
    let targets = [
        RescanTarget::new("ScanInstancesRoot", &folder)
            .child_type("instance")
            .child_id(&id),
        RescanTarget::new("ScanHost", &host).child_type("vconnectors_folder"),
        RescanTarget::new("ScanHost", &host).child_type("vedges_folder"),
    ];
    if let Some(failed) = rescan(ctx, &targets).await? {
        return Ok(failed);
    }
    refresh_graph(ctx, true);
    Ok(Outcome::done(&id, &id))
}

/// What an instance update turns into, by its state change.
enum UpdateKind {
    StillBuilding,
    Booted,
    Deleted,
    Plain,
}

fn update_kind(n: &Notification) -> UpdateKind {
    let state = payload_str(n, &["state"]).unwrap_or_default();
    let old_state = payload_str(n, &["old_state"]).unwrap_or_default();
    match (state.as_str(), old_state.as_str()) {
        ("building", _) => UpdateKind::StillBuilding,
        ("active", "building") => UpdateKind::Booted,
        ("deleted", "active") => UpdateKind::Deleted,
        _ => UpdateKind::Plain,
    }
}

/// True when the update changes the instance's own documents only (no add or delete).
pub fn is_plain_update(n: &Notification) -> bool {
    matches!(
        update_kind(n),
        UpdateKind::Plain | UpdateKind::StillBuilding
    )
}

pub async fn update(ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    match update_kind(n) {
        UpdateKind::StillBuilding => {
            return drop_with("instance is still building: nothing to do".into())
        }
        UpdateKind::Booted => return add(ctx, n).await,
        UpdateKind::Deleted => return delete(ctx, n).await,
        UpdateKind::Plain => {}
    }
    let Some(id) = payload_str(n, &["instance_id"]) else {
        return drop_with("instance update: payload has no instance_id".into());
    };
    let found = find_typed(ctx, "instance", doc! {"id": &id}).await?;
    let Some(mut instance) = found.into_iter().next() else {
        return retry_with("instance document not found, aborting instance update".into());
    };
    let moved = match payload_str(n, &["display_name"]) {
        Some(name) if str_field(&instance, "name") != Some(name.as_str()) => {
            rename(&mut instance, &name)
        }
        _ => None,
    };
    // The fields a rename changes (the rest is as just read): the server updates a document
    // named by its `_id` faster than one named by its key.
    prepare_for_write(&mut instance);
    let fields = ["name", "object_name", "name_path"]
        .into_iter()
        .filter_map(|k| Some((k.to_string(), instance.get(k)?.clone())))
        .collect();
    let changes = vec![(&instance, fields)];
    match moved {
        Some(change) => {
            store_ops::set_fields_and_rename(ctx.store, ctx.env, changes, &change).await?
        }
        None => ctx.store.set_fields(changes).await?,
    }
    Ok(Outcome::done(&id, &id))
}

pub async fn delete(ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    match payload_str(n, &["instance_id"]) {
        Some(id) => delete_by_id(ctx, &id, "instance").await,
        None => drop_with("instance delete: payload has no instance_id".into()),
    }
}
