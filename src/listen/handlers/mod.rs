//! The event handlers (listen.md §4–5): each turns one notification into inventory changes.
//!
//! Handlers that need data the notification does not carry (vNICs, vServices, instance details)
//! ask for a partial rescan through `Rescan`; links and cliques are refreshed through
//! `GraphRefresh`. Every write goes through the store's upsert, so replaying an event is harmless.

mod instance;
mod network;
mod port;
mod router;
mod subnet;
mod wiring;

use wiring::{hosts_wired_to, ports_and_vedges, refresh_vedges, rescan_wiring, wiring_targets};

use super::catalog::HandlerKind;
use super::envelope::Notification;
use super::refresh::{PendingGraph, Rescan, RescanError, RescanTarget};
use super::store_ops::{self, PathChange};
use crate::doc::{json_to_bson, str_field, Object};
use crate::store::{Store, StoreError};
use bson::{doc, Bson};
use serde_json::Value;

/// What a handler needs: the store, the environment and the two refresh hooks.
pub struct HandlerCtx<'a> {
    pub store: &'a Store,
    pub env: &'a str,
    pub rescan: &'a dyn Rescan,
    /// Where handlers ask for the links and cliques phases (run after the batch).
    pub graph: &'a PendingGraph,
}

/// The result of a handler that ran to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done {
        related: Option<String>,
        display: Option<String>,
    },
    /// Failed, not worth retrying (payload problem, object already gone): rejected.
    Drop(String),
    /// Failed, may work later (object not there yet, remote access down): requeued, bounded.
    Retry(String),
}

impl Outcome {
    fn done(related: &str, display: &str) -> Outcome {
        Outcome::Done {
            related: Some(related.to_string()),
            display: Some(display.to_string()),
        }
    }
}

/// MongoDB failed: the event must not be acknowledged; the listener pauses and retries it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StoreDown(pub String);

impl From<StoreError> for StoreDown {
    fn from(e: StoreError) -> Self {
        StoreDown(e.to_string())
    }
}

pub type HandlerResult = Result<Outcome, StoreDown>;

pub async fn handle(kind: HandlerKind, ctx: &HandlerCtx<'_>, n: &Notification) -> HandlerResult {
    use HandlerKind::*;
    match kind {
        InstanceAdd => instance::add(ctx, n).await,
        InstanceUpdate => instance::update(ctx, n).await,
        InstanceDelete => instance::delete(ctx, n).await,
        NetworkAdd => network::add(ctx, n).await,
        NetworkUpdate => network::update(ctx, n).await,
        NetworkDelete => network::delete(ctx, n).await,
        SubnetAdd => subnet::add(ctx, n).await,
        SubnetUpdate => subnet::update(ctx, n).await,
        SubnetDelete => subnet::delete(ctx, n).await,
        PortAdd => port::add(ctx, n).await,
        PortUpdate => port::update(ctx, n).await,
        PortDelete => port::delete(ctx, n).await,
        RouterAdd => router::add(ctx, n).await,
        RouterUpdate => router::update(ctx, n).await,
        RouterDelete => router::delete(ctx, n).await,
        InterfaceAdd => router::interface_add(ctx, n).await,
        InterfaceDelete => router::interface_delete(ctx, n).await,
    }
}

/// The object whose documents alone a handler changes, for the events whose handler runs no
/// rescan and no links or cliques phase; `None` for all others, which run alone. Jobs naming
/// different objects may run at the same time; two naming the same one keep their order.
/// Instance updates name their host's instances folder: a rename moves `name_path`s by prefix,
/// and two instances of one host may share a name.
pub fn independent_object(kind: HandlerKind, n: &Notification) -> Option<String> {
    match kind {
        HandlerKind::PortUpdate => payload_str(n, &["port", "id"]).map(|id| format!("port {id}")),
        HandlerKind::InstanceUpdate if instance::is_plain_update(n) => {
            payload_str(n, &["host"]).map(|host| format!("instances of {host}"))
        }
        _ => None,
    }
}

/// A string at `path` inside the payload.
fn payload_str(n: &Notification, path: &[&str]) -> Option<String> {
    let mut v = n.payload();
    for key in path {
        v = v.get(key)?;
    }
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// An object at `key` of the payload, as BSON.
fn payload_object(n: &Notification, key: &str) -> Option<Object> {
    match n.payload().get(key) {
        Some(v @ Value::Object(_)) => json_to_bson(v).as_document().cloned(),
        _ => None,
    }
}

/// Logs an INFO line and returns the drop outcome with the same text.
fn drop_with(text: String) -> HandlerResult {
    log::info!("{text}");
    Ok(Outcome::Drop(text))
}

fn retry_with(text: String) -> HandlerResult {
    log::info!("{text}");
    Ok(Outcome::Retry(text))
}

/// Runs partial rescans; a remote failure is retryable, a missing root drops the event.
async fn rescan(
    ctx: &HandlerCtx<'_>,
    targets: &[RescanTarget],
) -> Result<Option<Outcome>, StoreDown> {
    match ctx.rescan.rescan(targets).await {
        Ok(()) => Ok(None),
        Err(RescanError::Store(e)) => Err(StoreDown(e)),
        Err(e @ RescanError::Remote(_)) => {
            log::error!("{e}");
            Ok(Some(Outcome::Retry(e.to_string())))
        }
        Err(e @ (RescanError::RootMissing(_) | RescanError::Setup(_))) => {
            log::error!("{e}");
            Ok(Some(Outcome::Drop(e.to_string())))
        }
    }
}

/// "scan links" (when `links`) then "scan cliques", once the batch's handlers ran.
fn refresh_graph(ctx: &HandlerCtx<'_>, links: bool) {
    ctx.graph.want(links);
}

/// listen.md §5.1: delete `id` with its subtree, links and cliques.
async fn delete_by_id(ctx: &HandlerCtx<'_>, id: &str, type_name: &str) -> HandlerResult {
    let Some(obj) = ctx.store.get_by_id(ctx.env, id).await? else {
        return drop_with(format!(
            "{type_name} document is not found, aborting {type_name} delete"
        ));
    };
    store_ops::delete_subtree(ctx.store, ctx.env, &obj).await?;
    Ok(Outcome::done(id, id))
}

/// Sets a new display name (`name`, `object_name`, the last segment of `name_path`); returns
/// the path change the object's subtree must follow, if any.
fn rename(obj: &mut Object, new_name: &str) -> Option<PathChange> {
    obj.insert("name", new_name);
    obj.insert("object_name", new_name);
    let old = str_field(obj, "name_path")?.to_string();
    let new = match old.rsplit_once('/') {
        Some((head, _)) => format!("{head}/{new_name}"),
        None => new_name.to_string(),
    };
    if new == old {
        return None;
    }
    obj.insert("name_path", new.as_str());
    Some(PathChange { old, new })
}

/// The paths of a dynamic folder (`<master>-<kind>`), created the way the scan creates it when
/// missing; `None` when its master parent is not in the inventory either.
async fn ensure_folder(
    ctx: &HandlerCtx<'_>,
    folder_id: &str,
    folder_type: &str,
    text: &str,
    master_id: &str,
    master_type: &str,
) -> Result<Option<(String, String)>, StoreDown> {
    if let Some(folder) = ctx.store.get_by_id(ctx.env, folder_id).await? {
        return Ok(paths_of(&folder));
    }
    let Some(master) = ctx.store.get_by_id(ctx.env, master_id).await? else {
        return Ok(None);
    };
    let Some((master_id_path, master_name_path)) = paths_of(&master) else {
        return Ok(None);
    };
    log::info!("{folder_type} {folder_id} not found, adding it first");
    let mut folder = doc! {
        "environment": ctx.env,
        "id": folder_id,
        "type": folder_type,
        "parent_id": master_id,
        "parent_type": master_type,
        "text": text,
        "name": folder_id,
        "show_in_tree": true,
        "id_path": format!("{master_id_path}/{folder_id}"),
        "name_path": format!("{master_name_path}/{text}"),
    };
    ctx.store.upsert_object(&mut folder).await?;
    Ok(paths_of(&folder))
}

fn paths_of(obj: &Object) -> Option<(String, String)> {
    Some((
        str_field(obj, "id_path")?.to_string(),
        str_field(obj, "name_path")?.to_string(),
    ))
}

/// Inventory objects of one type matching `filter` in this environment.
async fn find_typed(
    ctx: &HandlerCtx<'_>,
    type_name: &str,
    filter: Object,
) -> Result<Vec<Object>, StoreDown> {
    let mut f = doc! {"environment": ctx.env, "type": type_name};
    f.extend(filter);
    Ok(store_ops::find_inventory(ctx.store, f).await?)
}

/// Removes `value` from the string list `field`; true when it was there.
fn remove_from_list(obj: &mut Object, field: &str, value: &str) -> bool {
    let Ok(list) = obj.get_array(field) else {
        return false;
    };
    let kept: Vec<Bson> = list
        .iter()
        .filter(|b| b.as_str() != Some(value))
        .cloned()
        .collect();
    let changed = kept.len() != list.len();
    obj.insert(field, kept);
    changed
}

/// Appends `value` to the string list `field` when absent (creating the list).
fn add_to_list(obj: &mut Object, field: &str, value: &str) {
    let mut list = obj.get_array(field).cloned().unwrap_or_default();
    if !list.iter().any(|b| b.as_str() == Some(value)) {
        list.push(Bson::String(value.to_string()));
    }
    obj.insert(field, list);
}
