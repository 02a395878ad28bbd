//! The cliques phase (links-and-cliques.md §3–7): selects one clique type per focal point type,
//! walks the environment's links in memory for every focal point, then upserts the cliques and
//! marks their focal points `clique: true`.

pub mod build;
pub mod graph;
pub mod known_values;
pub mod scoring;
pub mod type_file;
pub mod type_import;

pub use build::{build_clique, link_accepted, LinkIndex};
pub use scoring::{score, select, Selection};

use crate::config::Environment;
use crate::serialized::{deserialize, field, holds_all, serialize};
use crate::store::{Logical, Store, StoreError};
use bson::{doc, Bson, Document, RawDocumentBuf};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, thiserror::Error)]
pub enum CliqueError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a cliques phase did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CliquesSummary {
    /// Cliques written per focal point type (in processing order of the types).
    pub cliques_per_type: BTreeMap<String, usize>,
    /// Focal point types for which no clique type matched.
    pub unmatched_types: Vec<String>,
    /// Clique documents inserted or changed in the store.
    pub written: usize,
    /// Cliques whose stored document already held the same values.
    pub unchanged: usize,
}

/// Constraint attribute names of a focal point type: the first clique_constraints document with
/// that type (no environment filter), else none.
pub fn constraint_names(constraint_docs: &[Document], focal_point_type: &str) -> Vec<String> {
    constraint_docs
        .iter()
        .find(|d| d.get_str("focal_point_type").ok() == Some(focal_point_type))
        .and_then(|d| d.get_array("constraints").ok())
        .map(|a| {
            a.iter()
                .filter_map(|c| c.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Builds every clique of the environment in memory for the selected clique types (each kept
/// serialized: with their detailed links, 2,000 cliques took ~45 MB as `Document`s).
pub fn build_all(
    env: &Environment,
    selections: &[Selection],
    clique_types: &[Document],
    constraint_docs: &[Document],
    focal_points: &[Document],
    links: &[RawDocumentBuf],
) -> (Vec<RawDocumentBuf>, CliquesSummary) {
    let index = LinkIndex::new(links);
    let mut summary = CliquesSummary::default();
    let selected: Vec<&str> = selections
        .iter()
        .map(|s| s.focal_point_type.as_str())
        .collect();
    let mut all_types: Vec<String> = Vec::new();
    for t in clique_types {
        let fpt = t.get_str("focal_point_type").unwrap_or("").to_string();
        if !selected.contains(&fpt.as_str()) && !all_types.contains(&fpt) {
            all_types.push(fpt);
        }
    }
    summary.unmatched_types = all_types;
    let mut cliques = Vec::new();
    for sel in selections {
        let names = constraint_names(constraint_docs, &sel.focal_point_type);
        let mut count = 0;
        for focal in focal_points
            .iter()
            .filter(|f| f.get_str("type").ok() == Some(sel.focal_point_type.as_str()))
        {
            let built = build_clique(&env.name, focal, sel.clique_type, &names, &index);
            if let Some(c) = built.and_then(|c| serialize(&c, "clique")) {
                cliques.push(c);
                count += 1;
            }
        }
        summary
            .cliques_per_type
            .insert(sel.focal_point_type.clone(), count);
    }
    (cliques, summary)
}

/// Runs the cliques phase for `env`.
pub async fn run_phase(store: &Store, env: &Environment) -> Result<CliquesSummary, CliqueError> {
    run(store, env, false).await
}

/// The cliques phase after a change to the inventory (the listener): as `run_phase`, and the
/// cliques no longer built (focal point gone, or no links left) are deleted and their focal
/// points unmarked, so the cliques equal a fresh scan's.
pub async fn refresh_phase(
    store: &Store,
    env: &Environment,
) -> Result<CliquesSummary, CliqueError> {
    run(store, env, true).await
}

async fn run(store: &Store, env: &Environment, prune: bool) -> Result<CliquesSummary, CliqueError> {
    log::info!("Scanning for cliques");
    let clique_types = store.find(Logical::CliqueTypes, Document::new()).await?;
    let constraint_docs = store
        .find(Logical::CliqueConstraints, Document::new())
        .await?;
    let selections = select(&clique_types, env);
    let focal_types: Vec<String> = selections
        .iter()
        .map(|s| s.focal_point_type.clone())
        .collect();
    let focal_points = store.env_objects_of_types(&env.name, &focal_types).await?;
    let links = store
        .env_documents_serialized(Logical::Links, &env.name)
        .await?;
    let (cliques, mut summary) = build_all(
        env,
        &selections,
        &clique_types,
        &constraint_docs,
        &focal_points,
        &links,
    );
    let focal_ids: Vec<_> = cliques
        .iter()
        .filter_map(|c| c.get_object_id("focal_point").ok())
        .collect();
    (summary.written, summary.unchanged) = write_cliques(store, &env.name, cliques).await?;
    log::info!(
        "cliques: {} written, {} unchanged",
        summary.written,
        summary.unchanged
    );
    store.mark_focal_points(&focal_ids).await?;
    if prune {
        prune_cliques(store, &env.name, &focal_ids).await?;
    }
    log::info!("Finished scanning for cliques");
    Ok(summary)
}

/// Deletes the environment's cliques whose focal point is not in `built` and unmarks their
/// focal points.
async fn prune_cliques(
    store: &Store,
    env: &str,
    built: &[bson::oid::ObjectId],
) -> Result<(), StoreError> {
    let built: std::collections::HashSet<_> = built.iter().collect();
    let (mut ids, mut focal) = (Vec::new(), Vec::new());
    for c in store
        .env_documents_serialized(Logical::Cliques, env)
        .await?
    {
        let Ok(f) = c.get_object_id("focal_point") else {
            continue;
        };
        if !built.contains(&f) {
            ids.extend(field(&c, "_id"));
            focal.push(f);
        }
    }
    if !ids.is_empty() {
        log::info!("cliques: {} no longer built, deleted", ids.len());
    }
    store.delete_by_ids(Logical::Cliques, ids).await?;
    store.unmark_focal_points(&focal).await
}

/// Inserts new cliques in batches and upserts changed ones on `{environment, focal_point}`;
/// a clique whose stored document already holds the same values is not rewritten.
async fn write_cliques(
    store: &Store,
    env: &str,
    cliques: Vec<RawDocumentBuf>,
) -> Result<(usize, usize), StoreError> {
    let stored = store
        .env_documents_serialized(Logical::Cliques, env)
        .await?;
    let mut by_focal: HashMap<bson::oid::ObjectId, &RawDocumentBuf> = HashMap::new();
    for s in &stored {
        if let Ok(f) = s.get_object_id("focal_point") {
            by_focal.entry(f).or_insert(s);
        }
    }
    let (mut new, mut changed, mut unchanged) = (Vec::new(), Vec::new(), 0);
    for c in cliques {
        let existing = c
            .get_object_id("focal_point")
            .ok()
            .and_then(|f| by_focal.get(&f));
        match existing {
            None => new.push(c),
            Some(s) if holds_all(s, &c) => unchanged += 1,
            Some(_) => {
                let key = doc! {"environment": env, "focal_point": field(&c, "focal_point").unwrap_or(Bson::Null)};
                changed.extend(deserialize(&c, "clique").map(|c| (key, c)));
            }
        }
    }
    let written = store.insert_ordered(Logical::Cliques, &new).await?
        + store.upsert_each(Logical::Cliques, changed).await?;
    Ok((written, unchanged))
}
