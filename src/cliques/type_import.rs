//! Applying a validated clique-type file (clique-types-cli.md §4.2 "Key and write"): match
//! each document to the stored ones by key, then insert, replace in place or leave alone, and
//! optionally prune the scope.

use super::type_file::{type_key, Checked};
use crate::store::{Logical, Store, StoreError};
use bson::{Bson, Document};
use std::collections::HashSet;

/// What the import does with one valid file document.
pub enum Action {
    Insert(Document),
    Replace(Bson, Document),
    Unchanged,
}

/// Per valid document: insert, replace the first stored document of its key, or nothing; plus
/// the `_id`s to prune.
pub fn plan(
    checked: &[Checked],
    stored: &[Document],
    prune: bool,
    scope: Option<&str>,
) -> (Vec<Action>, Vec<Bson>) {
    let mut actions = Vec::new();
    let file_keys: HashSet<Vec<String>> = checked.iter().filter_map(Checked::key).collect();
    for c in checked {
        let Some(doc) = c.document.clone() else {
            continue;
        };
        let key = type_key(&doc);
        let matches: Vec<&Document> = stored.iter().filter(|s| type_key(s) == key).collect();
        match matches.first() {
            None => actions.push(Action::Insert(doc)),
            Some(first) => {
                let id = first.get("_id").cloned().unwrap_or(Bson::Null);
                if matches.len() > 1 {
                    log::warn!(
                        "{} stored clique types share key ({}); updated {}, others left",
                        matches.len(),
                        key[1..].join(", "),
                        id
                    );
                }
                let mut current = (*first).clone();
                current.remove("_id");
                if current == doc {
                    actions.push(Action::Unchanged);
                } else {
                    actions.push(Action::Replace(id, doc));
                }
            }
        }
    }
    let pruned = if prune {
        stored
            .iter()
            .filter(|s| scope.is_none_or(|e| s.get_str("environment").ok() == Some(e)))
            .filter(|s| !file_keys.contains(&type_key(s)))
            .filter_map(|s| s.get("_id").cloned())
            .collect()
    } else {
        Vec::new()
    };
    (actions, pruned)
}

pub async fn execute(
    store: &Store,
    actions: Vec<Action>,
    pruned: Vec<Bson>,
) -> Result<(), (usize, StoreError)> {
    let mut written = 0;
    for action in actions {
        let result = match action {
            Action::Insert(doc) => store
                .insert_returning_id(Logical::CliqueTypes, doc)
                .await
                .map(|_| ()),
            Action::Replace(id, doc) => store.replace_by_id(Logical::CliqueTypes, &id, doc).await,
            Action::Unchanged => continue,
        };
        result.map_err(|e| (written, e))?;
        written += 1;
    }
    store
        .delete_by_ids(Logical::CliqueTypes, pruned)
        .await
        .map_err(|e| (written, e))?;
    Ok(())
}

/// Counts of a plan: (inserted, updated, unchanged).
pub fn counts(actions: &[Action]) -> (usize, usize, usize) {
    let mut c = (0, 0, 0);
    for a in actions {
        match a {
            Action::Insert(_) => c.0 += 1,
            Action::Replace(..) => c.1 += 1,
            Action::Unchanged => c.2 += 1,
        }
    }
    c
}
