//! Writing many inventory objects at once.
//!
//! Same result as one `upsert_object` per object, in order; but objects are first offered to a
//! bulk insert (an upsert costs the server several times an insert, and a first scan or a scan
//! after `--clear` writes nothing else). Those whose key the store already holds are refused by
//! the unique `{environment, type, id}` index and are sent, with the rest, as ordered `update`
//! statements, a thousand per round trip.
//!
//! Why insert blindly instead of asking first which keys exist: on the test server a refused
//! insert costs ~0.01 ms of server time per document, while the lookup (`$in` on `id`) walks all
//! of the environment's documents, ~10 ms whatever its size; it was most of the work of a
//! rescan and of a listener updating a few documents at a time. Objects read from the store
//! (they carry its `_id`) are updated without the insert attempt, and so are the partial
//! writes of `set_fields`.

use super::{identity, keys, prepare_for_write, Logical, Store, StoreError};
use crate::doc::{str_field, Object};
use bson::{doc, Bson, Document};
use std::collections::HashSet;

/// Statements per command (well under the server's 100,000 and 48 MB limits).
const CHUNK: usize = 1000;
/// The fewest new-looking objects worth an insert attempt before their updates.
const BULK_INSERT_FROM: usize = 3;
/// MongoDB's duplicate-key error code.
const DUPLICATE_KEY: i32 = 11000;

/// One object ready to write: its key, the filter naming it, and the fields to set.
pub(super) struct Write {
    key: Key,
    filter: Document,
    set: Document,
    origin: Origin,
}

impl Write {
    /// A pipeline update of every document matching `filter` (`Origin::Matching`).
    pub(super) fn matching(filter: Document, stage: Document) -> Write {
        Write {
            key: Default::default(),
            filter,
            set: stage,
            origin: Origin::Matching,
        }
    }

    fn by_key(filter: Document, set: Document, origin: Origin) -> Write {
        Write {
            key: key_of(&filter),
            filter,
            set,
            origin,
        }
    }
}

/// What is known of a written object, which decides how it is sent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Built from the cloud's data: may be new, so first offered to the bulk insert.
    Built,
    /// Read from the store (it had an `_id`): an update, not worth an insert attempt.
    Stored,
    /// Some fields of a stored object: an update that never creates the object.
    Fields,
    /// Every document the filter matches, `set` being the content of a `$set` pipeline stage
    /// (aggregation expressions, computed per document): see path_rename.rs.
    Matching,
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
            let origin = match set.remove("_id") {
                Some(_) => Origin::Stored,
                None => Origin::Built,
            };
            set.remove("projects");
            writes.push(Write::by_key(filter, keys::encode(&set), origin));
        }
        self.submit(writes).await
    }

    /// Sets some fields (and `last_scanned`) of objects the store holds, each named by its `_id`
    /// when it was read with one, else by its key fields, leaving their other fields alone; an
    /// object no longer stored is not recreated.
    /// Cheaper for the server than rewriting whole documents.
    pub async fn set_fields(&self, changes: Vec<(&Object, Document)>) -> Result<(), StoreError> {
        let writes = Self::field_writes(changes)?;
        self.submit(writes).await
    }

    /// The writes of `set_fields`.
    pub(super) fn field_writes(
        changes: Vec<(&Object, Document)>,
    ) -> Result<Vec<Write>, StoreError> {
        let mut writes = Vec::with_capacity(changes.len());
        for (obj, fields) in changes {
            let mut set = keys::encode(&fields);
            set.insert("last_scanned", Bson::DateTime(bson::DateTime::now()));
            let by_key = identity(obj)?;
            let key = key_of(&by_key);
            // By `_id` when the object was read with it: the test server updates a document
            // named by `_id` in ~60% of the server time it takes by key (more with both).
            let filter = match obj.get("_id") {
                Some(id @ Bson::ObjectId(_)) => doc! {"_id": id.clone()},
                _ => by_key,
            };
            writes.push(Write {
                key,
                filter,
                set,
                origin: Origin::Fields,
            });
        }
        Ok(writes)
    }

    pub(super) async fn submit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        if writes.is_empty() {
            return Ok(());
        }
        self.writes.clone().submit(self, writes).await
    }

    /// Writes at once (the group commit's flush): the first write of each key not known to exist
    /// is tried as an insert; all others, and the refused inserts, are updates.
    pub(super) async fn write_now(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let built = |w: &Write| w.origin == Origin::Built;
        if writes.iter().filter(|w| built(w)).count() < BULK_INSERT_FROM
            || !self.has_unique_keys().await?
        {
            return self.update_ordered(writes).await;
        }
        let mut seen: HashSet<Key> = writes
            .iter()
            .filter(|w| !built(w))
            .map(|w| w.key.clone())
            .collect();
        let (mut inserts, mut updates) = (Vec::new(), Vec::new());
        for write in writes {
            if built(&write) && seen.insert(write.key.clone()) {
                inserts.push(write);
            } else {
                updates.push(write);
            }
        }
        // A refused insert is written as an update, before the later writes of its key.
        let mut refused = self.insert_new(inserts).await?;
        refused.append(&mut updates);
        self.update_ordered(refused).await
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

    /// Inserts objects (unordered); returns those refused because their key is taken (stored
    /// earlier, or by another task meanwhile), to be written as updates.
    async fn insert_new(&self, inserts: Vec<Write>) -> Result<Vec<Write>, StoreError> {
        let collection = self.names.physical(Logical::Inventory);
        let mut refused = Vec::new();
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
            refused.extend(
                duplicates
                    .iter()
                    .filter_map(|&i| chunk.get_mut(i).and_then(Option::take)),
            );
        }
        Ok(refused)
    }

    /// `$set` updates in order (upserts for `Built` and `Stored`), a chunk per round trip; stops at
    /// the first failed statement.
    async fn update_ordered(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let collection = self.names.physical(Logical::Inventory);
        let statements: Vec<Bson> = writes
            .into_iter()
            .map(|w| {
                let upsert = matches!(w.origin, Origin::Built | Origin::Stored);
                Bson::Document(match w.origin {
                    Origin::Matching => {
                        doc! {"q": w.filter, "u": [{"$set": w.set}], "upsert": false, "multi": true}
                    }
                    _ => doc! {"q": w.filter, "u": {"$set": w.set}, "upsert": upsert},
                })
            })
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

/// The unique key: environment, type, id.
type Key = [String; 3];

fn key_of(filter: &Document) -> Key {
    ["environment", "type", "id"].map(|name| str_field(filter, name).unwrap_or("").to_string())
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
