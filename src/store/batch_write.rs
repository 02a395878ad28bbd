//! Writing many inventory objects at once.
//!
//! Same result as one `upsert_object` per object, in order; but objects the environment does not
//! hold yet are inserted in bulk (an upsert costs the server several times an insert, and a first
//! scan or a scan after `--clear` writes nothing else), and the rest are sent as ordered `update`
//! statements, a thousand per round trip.

use super::{identity, keys, prepare_for_write, Logical, Store, StoreError};
use crate::doc::{str_field, Object};
use bson::{doc, Bson, Document};
use std::collections::HashSet;

/// Statements per command (well under the server's 100,000 and 48 MB limits).
const CHUNK: usize = 1000;
/// The smallest batch worth the lookup of existing keys.
const BULK_INSERT_FROM: usize = 3;
/// MongoDB's duplicate-key error code.
const DUPLICATE_KEY: i32 = 11000;

/// One object ready to write: its key filter and the fields to set.
pub(super) struct Write {
    filter: Document,
    set: Document,
}

impl Store {
    /// Writes `objs` (each as `upsert_object` would: key fields checked, `last_scanned` stamped,
    /// `object_name` filled, `_id` and `projects` left out, keys encoded).
    pub async fn upsert_objects(&self, objs: &mut [Object]) -> Result<(), StoreError> {
        let mut writes = Vec::with_capacity(objs.len());
        for obj in objs.iter_mut() {
            let filter = identity(obj)?;
            prepare_for_write(obj);
            let mut set = obj.clone();
            set.remove("_id");
            set.remove("projects");
            writes.push(Write {
                filter,
                set: keys::encode(&set),
            });
        }
        if writes.is_empty() {
            return Ok(());
        }
        self.writes.clone().submit(self, writes).await
    }

    /// Writes at once (the group commit's flush): new keys inserted in bulk, the rest updated.
    pub(super) async fn write_now(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        // A lookup plus an insert cost more than an upsert or two (measured on the test server).
        if writes.len() < BULK_INSERT_FROM || !self.has_unique_keys().await? {
            return self.update_ordered(writes).await;
        }
        let existing = self.existing_keys(&writes).await?;
        // The first write of a key the store lacks is an insert; later ones update it.
        let mut seen = HashSet::new();
        let (mut inserts, mut updates) = (Vec::new(), Vec::new());
        for write in writes {
            let key = key_of(&write.filter);
            if !existing.contains(&key) && seen.insert(key) {
                inserts.push(write);
            } else {
                updates.push(write);
            }
        }
        // A key another task inserted meanwhile: written as an update, before the later ones.
        let mut lost_races = self.insert_new(inserts).await?;
        lost_races.append(&mut updates);
        self.update_ordered(lost_races).await
    }

    async fn has_unique_keys(&self) -> Result<bool, StoreError> {
        let found = self
            .unique_keys
            .get_or_try_init(|| async {
                let indexes = self
                    .collection(Logical::Inventory)
                    .list_indexes()
                    .await
                    .map_err(|e| self.op_error(Logical::Inventory, e))?;
                use futures::TryStreamExt;
                let indexes: Vec<mongodb::IndexModel> = indexes
                    .try_collect()
                    .await
                    .map_err(|e| self.op_error(Logical::Inventory, e))?;
                Ok::<_, StoreError>(indexes.iter().any(|index| {
                    index.keys.keys().eq(["environment", "type", "id"].iter())
                        && index.options.as_ref().and_then(|o| o.unique) == Some(true)
                }))
            })
            .await?;
        Ok(*found)
    }

    /// The (type, id) keys among `writes` that the store already holds.
    async fn existing_keys(
        &self,
        writes: &[Write],
    ) -> Result<HashSet<(String, String)>, StoreError> {
        let mut found = HashSet::new();
        let Some(env) = writes
            .first()
            .and_then(|w| str_field(&w.filter, "environment"))
        else {
            return Ok(found);
        };
        let ids: Vec<&str> = writes
            .iter()
            .filter_map(|w| str_field(&w.filter, "id"))
            .collect();
        for chunk in ids.chunks(CHUNK) {
            let filter = doc! {"environment": env, "id": {"$in": chunk}};
            let options = mongodb::options::FindOptions::builder()
                .projection(doc! {"_id": 0, "type": 1, "id": 1})
                .build();
            let mut cursor = self
                .collection(Logical::Inventory)
                .find(filter)
                .with_options(options)
                .await
                .map_err(|e| self.op_error(Logical::Inventory, e))?;
            use futures::TryStreamExt;
            while let Some(row) = cursor
                .try_next()
                .await
                .map_err(|e| self.op_error(Logical::Inventory, e))?
            {
                found.insert(key_of(&row));
            }
        }
        // Objects of other environments in one batch never happen; checked all the same.
        if writes
            .iter()
            .any(|w| str_field(&w.filter, "environment") != Some(env))
        {
            for w in writes {
                found.insert(key_of(&w.filter));
            }
        }
        Ok(found)
    }

    /// Inserts new objects (unordered); returns those whose key was inserted by someone else
    /// in the meantime, to be written as updates.
    async fn insert_new(&self, inserts: Vec<Write>) -> Result<Vec<Write>, StoreError> {
        let collection = self.names.physical(Logical::Inventory);
        let mut lost = Vec::new();
        let mut pending = inserts.into_iter().peekable();
        while pending.peek().is_some() {
            let chunk: Vec<Write> = pending.by_ref().take(CHUNK).collect();
            let documents: Vec<Bson> = chunk
                .iter()
                .map(|w| Bson::Document(w.set.clone()))
                .collect();
            let reply = self
                .db
                .run_command(doc! {"insert": &collection, "documents": documents, "ordered": false})
                .await
                .map_err(|e| self.op_error(Logical::Inventory, e))?;
            let mut duplicates = Vec::new();
            for error in write_errors(&reply) {
                if int_field(error, "code") != Some(DUPLICATE_KEY.into()) {
                    return Err(operation_error(&collection, error));
                }
                duplicates.extend(int_field(error, "index").map(|i| i as usize));
            }
            duplicates.sort_unstable();
            let mut chunk: Vec<Option<Write>> = chunk.into_iter().map(Some).collect();
            lost.extend(
                duplicates
                    .iter()
                    .filter_map(|&i| chunk.get_mut(i).and_then(Option::take)),
            );
        }
        Ok(lost)
    }

    /// `$set` upserts in order, a chunk per round trip; stops at the first failed statement.
    async fn update_ordered(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let collection = self.names.physical(Logical::Inventory);
        let statements: Vec<Bson> = writes
            .into_iter()
            .map(|w| Bson::Document(doc! {"q": w.filter, "u": {"$set": w.set}, "upsert": true}))
            .collect();
        for chunk in statements.chunks(CHUNK) {
            let reply = self
                .db
                .run_command(
                    doc! {"update": &collection, "updates": chunk.to_vec(), "ordered": true},
                )
                .await
                .map_err(|e| self.op_error(Logical::Inventory, e))?;
            if let Some(first) = write_errors(&reply).first() {
                return Err(operation_error(&collection, first));
            }
        }
        Ok(())
    }
}

fn key_of(doc: &Document) -> (String, String) {
    let field = |name| str_field(doc, name).unwrap_or("").to_string();
    (field("type"), field("id"))
}

fn int_field(doc: &Document, key: &str) -> Option<i64> {
    match doc.get(key) {
        Some(Bson::Int32(v)) => Some((*v).into()),
        Some(Bson::Int64(v)) => Some(*v),
        Some(Bson::Double(v)) => Some(*v as i64),
        _ => None,
    }
}

fn write_errors(reply: &Document) -> Vec<&Document> {
    match reply.get("writeErrors") {
        Some(Bson::Array(errors)) => errors.iter().filter_map(Bson::as_document).collect(),
        _ => Vec::new(),
    }
}

fn operation_error(collection: &str, error: &Document) -> StoreError {
    StoreError::Operation {
        collection: collection.to_string(),
        detail: error.get_str("errmsg").unwrap_or("write error").to_string(),
    }
}
