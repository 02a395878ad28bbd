//! Indexes `db init` creates (mongo-and-collections.md §6): calipso-cvim's set plus the upsert
//! keys of inventory (unique) and links. The scan itself never creates indexes (parity).

use super::op_error;
use crate::store::{Logical, Store, StoreError};
use bson::{doc, Document};
use mongodb::options::IndexOptions;
use mongodb::IndexModel;

/// One index: its keys (1 ascending, -1 descending) and whether it is unique.
struct Index {
    keys: &'static [(&'static str, i32)],
    unique: bool,
}

const fn plain(keys: &'static [(&'static str, i32)]) -> Index {
    Index {
        keys,
        unique: false,
    }
}

const ENVIRONMENT: Index = plain(&[("environment", 1)]);

/// cvim's `graphs` collection has no counterpart in the port and is left out.
const INDEXES: [(Logical, &[Index]); 5] = [
    (
        Logical::Inventory,
        &[
            ENVIRONMENT,
            plain(&[("name", 1)]),
            plain(&[("type", 1), ("last_scanned", -1)]),
            Index {
                keys: &[("environment", 1), ("type", 1), ("id", 1)],
                unique: true,
            },
            // The scanner's lookups by id (`get_by_id`: any type), by host (vEdges, ports of
            // a host) and by CIDR (the network of a vService vNIC); without them each is a scan
            // of the whole environment, and a scan's time grows with the square of its size.
            plain(&[("environment", 1), ("id", 1)]),
            plain(&[("environment", 1), ("type", 1), ("host", 1)]),
            plain(&[("environment", 1), ("type", 1), ("binding:host_id", 1)]),
            plain(&[("environment", 1), ("type", 1), ("cidrs", 1)]),
        ],
    ),
    (
        Logical::Links,
        &[
            ENVIRONMENT,
            plain(&[("environment", 1), ("source_id", 1), ("target_id", 1)]),
        ],
    ),
    (Logical::Cliques, &[ENVIRONMENT]),
    (
        Logical::Scans,
        &[ENVIRONMENT, plain(&[("submit_timestamp", -1)])],
    ),
    (
        Logical::ScheduledScans,
        &[ENVIRONMENT, plain(&[("scheduled_timestamp", -1)])],
    ),
];

/// The indexes of one collection, by name (`environment_1`, `type_1_last_scanned_-1`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexReport {
    pub physical: String,
    pub names: Vec<String>,
}

/// Creates the indexes (an existing identical index is left as it is).
pub async fn ensure_indexes(store: &Store) -> Result<Vec<IndexReport>, StoreError> {
    let mut report = Vec::new();
    for (logical, indexes) in INDEXES {
        let models: Vec<IndexModel> = indexes
            .iter()
            .map(|index| {
                let keys: Document = index
                    .keys
                    .iter()
                    .map(|(k, dir)| (k.to_string(), (*dir).into()))
                    .collect();
                IndexModel::builder()
                    .keys(keys)
                    .options(
                        index
                            .unique
                            .then(|| IndexOptions::builder().unique(true).build()),
                    )
                    .build()
            })
            .collect();
        let created = store
            .collection(logical)
            .create_indexes(models)
            .await
            .map_err(|e| op_error(store, logical, e))?;
        report.push(IndexReport {
            physical: store.names().physical(logical),
            names: created.index_names,
        });
    }
    Ok(report)
}

/// Indexes the listener adds to the inventory for its subtree queries (descendants by
/// `id_path`, renames by `name_path`, both prefix ranges); not part of `db init` (parity).
/// Single-field: the queries name only the path (see `listen::store_ops::find_prefixed`).
pub async fn ensure_listener_indexes(store: &Store) -> Result<(), StoreError> {
    let models: Vec<IndexModel> = ["id_path", "name_path"]
        .iter()
        .map(|field| IndexModel::builder().keys(doc! {*field: 1}).build())
        .collect();
    store
        .collection(Logical::Inventory)
        .create_indexes(models)
        .await
        .map_err(|e| op_error(store, Logical::Inventory, e))?;
    Ok(())
}
