//! The links phase (links-and-cliques.md §1–2): reads the environment's inventory and links once,
//! runs the finders of `link_finders.json` in memory, then writes the changed links and the
//! inventory `network` fields back in bulk.

pub mod config;
pub mod fields;
pub mod finders;
pub mod inventory;
pub mod link;

pub use finders::Finder;
pub use inventory::Inventory;
pub use link::{LinkSet, NewLink};

use crate::config::Environment;
use crate::store::{keys, Logical, Store, StoreError};
use bson::{doc, Bson, Document, RawDocumentBuf};
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// A document the finder needs is missing or malformed (the original crashed there).
    #[error("{finder}: {detail}")]
    Data {
        finder: &'static str,
        detail: String,
    },
    /// `link_finders.json` is invalid.
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Everything the finders read and write: the environment, its inventory and its links.
pub struct Workspace<'a> {
    pub env: &'a Environment,
    pub inventory: Inventory,
    pub links: LinkSet,
    /// Constraint attribute names for implicit links (§2.7).
    pub constraint_attributes: Vec<String>,
    /// After a change (the listener's refresh): links are derived from this run's links only,
    /// and stored links no finder found again are deleted (a scan keeps them, as the original).
    pub prune_implicit: bool,
}

impl<'a> Workspace<'a> {
    /// `inventory` and `links`: the environment's documents as stored, in natural order.
    pub fn new(
        env: &'a Environment,
        inventory: Vec<RawDocumentBuf>,
        links: Vec<RawDocumentBuf>,
    ) -> Self {
        Workspace {
            env,
            inventory: Inventory::new(inventory),
            links: LinkSet::new(&env.name, links),
            constraint_attributes: Vec::new(),
            prune_implicit: false,
        }
    }

    /// Runs the finders in order; stops at the first failure.
    pub fn run(&mut self, finders: &[Finder]) -> Result<(), LinkError> {
        for finder in finders {
            finder.run(self)?;
        }
        Ok(())
    }
}

/// What a links phase did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinksSummary {
    /// Links created per link type (each creation counts, as the original writes each one).
    pub created_per_type: BTreeMap<String, usize>,
    /// Link documents inserted or changed in the store.
    pub links_written: usize,
    /// Inventory documents whose `network` was (re)written.
    pub objects_updated: usize,
}

/// Runs the links phase for `env`. On a finder failure the links and fields found before it are
/// still written (as the original had written them), then the error is returned.
pub async fn run_phase(store: &Store, env: &Environment) -> Result<LinksSummary, LinkError> {
    log::info!("Scanning for links");
    let finders = config::finders_for(env)?;
    run_finders(store, env, &finders, false).await
}

/// The links phase after a change to the inventory (the listener): as `run_phase`, and links
/// that no longer follow from the inventory are deleted, so the links equal a fresh scan's.
pub async fn refresh_phase(store: &Store, env: &Environment) -> Result<LinksSummary, LinkError> {
    log::info!("Scanning for links");
    let finders = config::finders_for(env)?;
    run_finders(store, env, &finders, true).await
}

/// Runs the given finders over the environment (what event handlers need: one or a few finders
/// rather than the whole `link_finders.json` list), with the same read-once / write-back cycle.
pub async fn run_finders(
    store: &Store,
    env: &Environment,
    finders: &[Finder],
    prune_implicit: bool,
) -> Result<LinksSummary, LinkError> {
    let inventory = store
        .env_documents_serialized(Logical::Inventory, &env.name)
        .await?;
    let links = store
        .env_documents_serialized(Logical::Links, &env.name)
        .await?;
    let mut ws = Workspace::new(env, inventory, links);
    ws.prune_implicit = prune_implicit;
    if finders.contains(&Finder::Implicit) {
        ws.constraint_attributes = constraint_attributes(store).await?;
    }
    let outcome = ws.run(finders);
    if prune_implicit && outcome.is_ok() {
        ws.links.drop_untouched();
    }
    let summary = write_back(store, ws).await?;
    outcome.map(|_| summary)
}

/// Union of the `constraints` of clique_constraints documents without an environment, in order
/// (the original's query ran with `environment: null`).
pub async fn constraint_attributes(store: &Store) -> Result<Vec<String>, StoreError> {
    let docs = store
        .find(Logical::CliqueConstraints, doc! {"environment": Bson::Null})
        .await?;
    let mut out: Vec<String> = Vec::new();
    for d in &docs {
        for c in d
            .get_array("constraints")
            .map(|a| a.as_slice())
            .unwrap_or_default()
        {
            if let Some(c) = c.as_str() {
                if !out.iter().any(|o| o == c) {
                    out.push(c.to_string());
                }
            }
        }
    }
    Ok(out)
}

/// Takes the workspace: its changed links are handed to the store, not copied.
async fn write_back(store: &Store, ws: Workspace<'_>) -> Result<LinksSummary, StoreError> {
    let objects_updated = store
        .set_many(Logical::Inventory, inventory_writes(&ws))
        .await? as usize;
    let created_per_type = ws.links.created_per_type().clone();
    let removed = ws.links.removed().to_vec();
    let links_written = store.write_links(ws.links.into_changed()).await?;
    store.delete_by_ids(Logical::Links, removed).await?;
    let summary = LinksSummary {
        created_per_type,
        links_written,
        objects_updated,
    };
    log::info!(
        "links phase: {} link types, {} links written, {} objects updated",
        summary.created_per_type.len(),
        links_written,
        objects_updated
    );
    Ok(summary)
}

/// The inventory side effects as few `update_many`s: objects of one type that get the same
/// fields share one write keyed on `{environment, type, id: {$in: …}}` (same result as the
/// per-object `$set` on `{environment, type, id}`), each with `last_scanned` refreshed.
fn inventory_writes(ws: &Workspace<'_>) -> Vec<(Document, Document)> {
    let now = Bson::DateTime(bson::DateTime::now());
    let mut groups: BTreeMap<(String, String), (Document, Vec<Bson>)> = BTreeMap::new();
    for (obj, fields) in ws.inventory.updates() {
        let Ok(key) = crate::store::identity(&obj) else {
            continue;
        };
        let object_type = key.get_str("type").unwrap_or_default().to_string();
        let mut set = keys::encode(fields);
        set.insert("last_scanned", now.clone());
        let group = groups
            .entry((object_type, format!("{set:?}")))
            .or_insert_with(|| (set, Vec::new()));
        group.1.push(key.get("id").cloned().unwrap_or(Bson::Null));
    }
    let mut writes = Vec::new();
    for ((object_type, _), (set, ids)) in groups {
        for chunk in ids.chunks(1000) {
            let filter = doc! {"environment": &ws.env.name, "type": &object_type, "id": {"$in": chunk.to_vec()}};
            writes.push((filter, set.clone()));
        }
    }
    writes
}
