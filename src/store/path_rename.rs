//! Renaming a subtree's `name_path`s in the server, one statement for the whole subtree.
//!
//! The listener renames an instance's descendants on every rename event. Read first and written
//! back one document at a time, that is a query and an update per descendant; as one
//! aggregation-pipeline update (MongoDB 4.4+: `$replaceAll`), sent with the other waiting writes
//! (group_commit.rs) with the renamed object's own fields, the test server spends a third of
//! that time on it. Older servers refuse such updates (asked once, with an update that matches
//! nothing): the caller then renames document by document.

use super::batch_write::Write;
use super::{Logical, Store, StoreError};
use crate::doc::Object;
use bson::{doc, oid::ObjectId, Bson, Document};
use mongodb::error::ErrorKind;

impl Store {
    /// `set_fields(changes)` and, in the same write, in the documents of `env` whose
    /// `name_path` starts with `<old>/`, every occurrence of `old` replaced by `new` and
    /// `last_scanned` stamped. Only where `runs_pipeline_updates`.
    pub async fn set_fields_renaming_below(
        &self,
        changes: Vec<(&Object, Document)>,
        env: &str,
        old: &str,
        new: &str,
    ) -> Result<(), StoreError> {
        let mut writes = Self::field_writes(changes)?;
        let below = doc! {"name_path": prefix_range(old)};
        writes.push(Write::matching(below, rename_stage(env, old, new)));
        self.submit(writes).await
    }

    /// Whether the server runs aggregation-pipeline updates (asked once).
    pub async fn runs_pipeline_updates(&self) -> Result<bool, StoreError> {
        let runs = self
            .pipeline_updates
            .get_or_try_init(|| async {
                let nothing = doc! {"_id": ObjectId::new()};
                let probe = vec![doc! {"$set": rename_stage("", "", "")}];
                match self
                    .collection(Logical::Inventory)
                    .update_many(nothing, probe)
                    .await
                {
                    Ok(_) => Ok(true),
                    Err(e) if matches!(*e.kind, ErrorKind::Command(_) | ErrorKind::Write(_)) => {
                        log::info!(
                            "MongoDB refuses pipeline updates ({}): renaming paths one document \
                             at a time",
                            super::first_line(&e.to_string())
                        );
                        Ok(false)
                    }
                    Err(e) => Err(self.op_error(Logical::Inventory, e)),
                }
            })
            .await?;
        Ok(*runs)
    }
}

/// Strings starting with `<prefix>/`, as a range (`'0'` follows `'/'`): the same documents as
/// the regex `^<prefix>/`, but an index on the field can serve it.
pub fn prefix_range(prefix: &str) -> Document {
    doc! {"$gte": format!("{prefix}/"), "$lt": format!("{prefix}0")}
}

/// The `$set` stage's content. Documents of other environments keep their fields: the
/// environment is checked here rather than in the filter because, measured on the test server,
/// naming it in the filter makes the server pick a worse index (4 ms against 0.3 ms).
fn rename_stage(env: &str, old: &str, new: &str) -> Document {
    let in_env = doc! {"$eq": ["$environment", {"$literal": env}]};
    let renamed = doc! {"$replaceAll": {
        "input": "$name_path",
        "find": {"$literal": old},
        "replacement": {"$literal": new},
    }};
    let now = Bson::DateTime(bson::DateTime::now());
    doc! {
        "name_path": {"$cond": [in_env.clone(), renamed, "$name_path"]},
        "last_scanned": {"$cond": [in_env, now, "$last_scanned"]},
    }
}
