//! Store operations of the links and cliques phases and of the `clique-types` and `graph`
//! commands. The phases read an environment once and write back in bulk: new documents with
//! ordered `insert_many` batches (so natural order follows creation order), changed ones with
//! `update_one` upserts, at most [`CONCURRENCY`] in flight.

use super::{Logical, Store, StoreError};
use bson::{doc, oid::ObjectId, Bson, Document, RawDocumentBuf};
use futures::{StreamExt, TryStreamExt};

/// Concurrent single-document writes in flight.
pub const CONCURRENCY: usize = 32;
const BATCH: usize = 1000;

impl Store {
    fn graph_error(&self, logical: Logical, e: mongodb::error::Error) -> StoreError {
        let text = e.to_string();
        StoreError::Operation {
            collection: self.names().physical(logical),
            detail: text.lines().next().unwrap_or_default().to_string(),
        }
    }

    /// Raw documents of one environment in natural order.
    pub async fn env_documents(
        &self,
        logical: Logical,
        env: &str,
    ) -> Result<Vec<Document>, StoreError> {
        self.find(logical, doc! {"environment": env}).await
    }

    /// Documents of one environment in natural order, kept serialized (~0.4 KB for a link,
    /// against ~4 KB as a `Document`).
    pub async fn env_documents_serialized(
        &self,
        logical: Logical,
        env: &str,
    ) -> Result<Vec<RawDocumentBuf>, StoreError> {
        self.find_as(logical, doc! {"environment": env}).await
    }

    /// Raw inventory documents of the environment whose type is one of `types`.
    pub async fn env_objects_of_types(
        &self,
        env: &str,
        types: &[String],
    ) -> Result<Vec<Document>, StoreError> {
        self.find(
            Logical::Inventory,
            doc! {"environment": env, "type": {"$in": types}},
        )
        .await
    }

    /// Inserts new documents (`Document`s or serialized ones) in order, in batches.
    pub async fn insert_ordered<T>(&self, logical: Logical, docs: &[T]) -> Result<usize, StoreError>
    where
        T: serde::Serialize + Send + Sync,
    {
        let collection = self.collection(logical).clone_with_type::<T>();
        for chunk in docs.chunks(BATCH) {
            collection
                .insert_many(chunk)
                .await
                .map_err(|e| self.graph_error(logical, e))?;
        }
        Ok(docs.len())
    }

    /// `update_one(filter, {$set: set}, upsert)` for every pair, [`CONCURRENCY`] at a time.
    pub async fn upsert_each(
        &self,
        logical: Logical,
        writes: Vec<(Document, Document)>,
    ) -> Result<usize, StoreError> {
        let count = writes.len();
        let collection = self.collection(logical);
        futures::stream::iter(writes)
            .map(|(filter, set)| {
                let collection = collection.clone();
                async move {
                    collection
                        .update_one(filter, doc! {"$set": set})
                        .upsert(true)
                        .await
                }
            })
            .buffer_unordered(CONCURRENCY)
            .map_err(|e| self.graph_error(logical, e))
            .try_collect::<Vec<_>>()
            .await?;
        Ok(count)
    }

    /// `update_many(filter, {$set: set})` for every pair, [`CONCURRENCY`] at a time (no upsert:
    /// for fields set on documents known to exist).
    pub async fn set_many(
        &self,
        logical: Logical,
        writes: Vec<(Document, Document)>,
    ) -> Result<u64, StoreError> {
        let collection = self.collection(logical);
        let results: Vec<_> = futures::stream::iter(writes)
            .map(|(filter, set)| {
                let collection = collection.clone();
                async move { collection.update_many(filter, doc! {"$set": set}).await }
            })
            .buffer_unordered(CONCURRENCY)
            .map_err(|e| self.graph_error(logical, e))
            .try_collect()
            .await?;
        Ok(results.iter().map(|r| r.matched_count).sum())
    }

    /// Writes link documents: those without `_id` are new and inserted in order, the others
    /// upserted on `{environment, source_id, target_id}`.
    pub async fn write_links(&self, links: Vec<RawDocumentBuf>) -> Result<usize, StoreError> {
        let (new, changed): (Vec<RawDocumentBuf>, Vec<RawDocumentBuf>) = links
            .into_iter()
            .partition(|d| matches!(d.get("_id"), Ok(None)));
        let mut updates = Vec::with_capacity(changed.len());
        for raw in changed {
            let mut d = Document::try_from(raw).map_err(|e| StoreError::Operation {
                collection: self.names().physical(Logical::Links),
                detail: format!("unreadable link document: {e}"),
            })?;
            d.remove("_id");
            let key = doc! {
                "environment": d.get("environment").cloned().unwrap_or(Bson::Null),
                "source_id": d.get("source_id").cloned().unwrap_or(Bson::Null),
                "target_id": d.get("target_id").cloned().unwrap_or(Bson::Null),
            };
            updates.push((key, d));
        }
        let inserted = self.insert_ordered(Logical::Links, &new).await?;
        Ok(inserted + self.upsert_each(Logical::Links, updates).await?)
    }

    /// `$set {clique: true}` on the given inventory documents.
    pub async fn mark_focal_points(&self, ids: &[ObjectId]) -> Result<(), StoreError> {
        for chunk in ids.chunks(BATCH) {
            self.collection(Logical::Inventory)
                .update_many(
                    doc! {"_id": {"$in": chunk.to_vec()}},
                    doc! {"$set": {"clique": true}},
                )
                .await
                .map_err(|e| self.graph_error(Logical::Inventory, e))?;
        }
        Ok(())
    }

    /// Removes the `clique` mark of objects that are no longer a clique's focal point.
    pub async fn unmark_focal_points(&self, ids: &[ObjectId]) -> Result<(), StoreError> {
        for chunk in ids.chunks(BATCH) {
            self.collection(Logical::Inventory)
                .update_many(
                    doc! {"_id": {"$in": chunk.to_vec()}},
                    doc! {"$unset": {"clique": ""}},
                )
                .await
                .map_err(|e| self.graph_error(Logical::Inventory, e))?;
        }
        Ok(())
    }

    /// Inserts one document and returns its `_id`.
    pub async fn insert_returning_id(
        &self,
        logical: Logical,
        document: Document,
    ) -> Result<Bson, StoreError> {
        let result = self
            .collection(logical)
            .insert_one(document)
            .await
            .map_err(|e| self.graph_error(logical, e))?;
        Ok(result.inserted_id)
    }

    /// Replaces the document with this `_id` (the `_id` is kept).
    pub async fn replace_by_id(
        &self,
        logical: Logical,
        id: &Bson,
        document: Document,
    ) -> Result<(), StoreError> {
        self.collection(logical)
            .replace_one(doc! {"_id": id.clone()}, document)
            .await
            .map_err(|e| self.graph_error(logical, e))?;
        Ok(())
    }

    /// Deletes the documents with these `_id`s; returns how many went.
    pub async fn delete_by_ids(&self, logical: Logical, ids: Vec<Bson>) -> Result<u64, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let result = self
            .collection(logical)
            .delete_many(doc! {"_id": {"$in": ids}})
            .await
            .map_err(|e| self.graph_error(logical, e))?;
        Ok(result.deleted_count)
    }
}
