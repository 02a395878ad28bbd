//! The reference collections a scan depends on, which the original's installer loads into a new
//! database: `constants`, `supported_environments`, `link_types`, `clique_types`,
//! `clique_constraints`, `network_agent_types`, `monitoring_config_templates`. The opnfv seed
//! files are embedded in the binary; `load` adds what a database lacks (matched by each
//! collection's natural key), `status` and `missing_reference` report what is there.

mod indexes;

pub use indexes::{ensure_indexes, ensure_listener_indexes, IndexReport};

use super::{Logical, Store, StoreError};
use crate::doc::{bson_to_json, json_object_to_doc};
use bson::{doc, Bson, Document};
use serde_json::Value;
use std::collections::HashMap;

/// How documents of a collection are identified (what "already present" means).
enum NaturalKey {
    Fields(&'static [&'static str]),
    /// `clique-types-cli.md` §4.2: (`environment`, `focal_point_type`) when `environment` is
    /// set, else the targeting fields and `focal_point_type`.
    CliqueType,
}

pub struct ReferenceSet {
    pub logical: Logical,
    seed: &'static str,
    key: NaturalKey,
}

/// In load order; `constants` first (the scan checks it first).
pub const REFERENCE_SETS: [ReferenceSet; 7] = [
    ReferenceSet {
        logical: Logical::Constants,
        seed: include_str!("../../data/seed/constants.json"),
        key: NaturalKey::Fields(&["name"]),
    },
    ReferenceSet {
        logical: Logical::SupportedEnvironments,
        seed: include_str!("../../data/seed/supported_environments.json"),
        key: NaturalKey::Fields(&["environment"]),
    },
    ReferenceSet {
        logical: Logical::LinkTypes,
        seed: include_str!("../../data/seed/link_types.json"),
        key: NaturalKey::Fields(&["type"]),
    },
    ReferenceSet {
        logical: Logical::CliqueTypes,
        seed: include_str!("../../data/seed/clique_types.json"),
        key: NaturalKey::CliqueType,
    },
    ReferenceSet {
        logical: Logical::CliqueConstraints,
        seed: include_str!("../../data/seed/clique_constraints.json"),
        key: NaturalKey::Fields(&["environment", "focal_point_type"]),
    },
    ReferenceSet {
        logical: Logical::NetworkAgentTypes,
        seed: include_str!("../../data/seed/network_agent_types.json"),
        // `vedge` has two documents (L2 agent, Open vSwitch agent).
        key: NaturalKey::Fields(&["type", "description"]),
    },
    ReferenceSet {
        logical: Logical::MonitoringConfigTemplates,
        seed: include_str!("../../data/seed/monitoring_config_templates.json"),
        key: NaturalKey::Fields(&["monitoring_system", "side", "type"]),
    },
];

pub fn reference_set(logical: Logical) -> Option<&'static ReferenceSet> {
    REFERENCE_SETS.iter().find(|s| s.logical == logical)
}

impl ReferenceSet {
    /// The shipped documents as JSON, `_id`s removed.
    pub fn seed_json(&self) -> Result<Vec<Value>, StoreError> {
        let docs: Vec<Value> =
            serde_json::from_str(self.seed).map_err(|e| StoreError::Operation {
                collection: self.logical.name().to_string(),
                detail: format!("shipped reference data is not valid JSON: {e}"),
            })?;
        Ok(docs
            .into_iter()
            .map(|mut d| {
                if let Some(map) = d.as_object_mut() {
                    map.remove("_id");
                }
                d
            })
            .collect())
    }

    pub fn seed_documents(&self) -> Result<Vec<Document>, StoreError> {
        Ok(self
            .seed_json()?
            .iter()
            .filter_map(Value::as_object)
            .map(json_object_to_doc)
            .collect())
    }

    /// The natural key as one comparable string; absent, `null` and `""` are the same value.
    pub fn key(&self, doc: &Document) -> String {
        const CLIQUE_TARGETING: [&str; 6] = [
            "environment_type",
            "distribution",
            "distribution_version",
            "mechanism_drivers",
            "type_drivers",
            "focal_point_type",
        ];
        let fields: &[&str] = match self.key {
            NaturalKey::Fields(fields) => fields,
            NaturalKey::CliqueType => match doc.get("environment") {
                Some(Bson::String(env)) if !env.is_empty() => &["environment", "focal_point_type"],
                _ => &CLIQUE_TARGETING,
            },
        };
        fields
            .iter()
            .map(|f| match doc.get(*f) {
                None | Some(Bson::Null) => String::new(),
                Some(Bson::String(s)) if s.is_empty() => String::new(),
                Some(v) => canonical(&bson_to_json(v)),
            })
            .collect::<Vec<_>>()
            .join("\u{1f}")
    }
}

/// JSON text with object keys sorted, so that stored sub-documents match whatever their order.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}:{}", Value::String((*k).clone()), canonical(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(canonical).collect::<Vec<_>>().join(",")
            )
        }
        other => other.to_string(),
    }
}

pub(crate) fn op_error(store: &Store, logical: Logical, e: mongodb::error::Error) -> StoreError {
    let text = e.to_string();
    StoreError::Operation {
        collection: store.names().physical(logical),
        detail: text.lines().next().unwrap_or_default().to_string(),
    }
}

/// Physical names of the reference collections that are absent or empty, in load order.
/// `constants` also counts as missing without its `scan_object_types` document (the scan
/// validates `scanners.json` against it). A scan refuses to start while this is not empty:
/// `database <db> has no <collection> collection: run 'calipso db init' first`.
pub async fn missing_reference(store: &Store) -> Result<Vec<String>, StoreError> {
    let mut missing = Vec::new();
    for set in &REFERENCE_SETS {
        let filter = match set.logical {
            Logical::Constants => doc! {"name": "scan_object_types"},
            _ => Document::new(),
        };
        if store.count(set.logical, filter).await? == 0 {
            missing.push(store.names().physical(set.logical));
        }
    }
    Ok(missing)
}

/// What `load` did to one collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadCounts {
    pub logical: Logical,
    pub physical: String,
    pub added: usize,
    pub kept: usize,
    pub replaced: usize,
}

/// Loads the shipped documents: a document whose natural key is not stored is inserted; one
/// that is stored is kept as it is, or with `force` replaced by the shipped version (keeping
/// its `_id`). Documents that are not shipped are never touched.
pub async fn load(store: &Store, force: bool) -> Result<Vec<LoadCounts>, StoreError> {
    let mut report = Vec::new();
    for set in &REFERENCE_SETS {
        let logical = set.logical;
        let mut stored: HashMap<String, Option<Bson>> = HashMap::new();
        for doc in store.find(logical, Document::new()).await? {
            stored
                .entry(set.key(&doc))
                .or_insert(doc.get("_id").cloned());
        }
        let mut counts = LoadCounts {
            logical,
            physical: store.names().physical(logical),
            added: 0,
            kept: 0,
            replaced: 0,
        };
        let mut new_docs = Vec::new();
        for doc in set.seed_documents()? {
            match stored.get(&set.key(&doc)) {
                Some(Some(id)) if force => {
                    store
                        .collection(logical)
                        .replace_one(doc! {"_id": id.clone()}, &doc)
                        .await
                        .map_err(|e| op_error(store, logical, e))?;
                    counts.replaced += 1;
                }
                Some(_) => counts.kept += 1,
                None => {
                    stored.insert(set.key(&doc), None);
                    new_docs.push(doc);
                }
            }
        }
        if !new_docs.is_empty() {
            counts.added = new_docs.len();
            store
                .collection(logical)
                .insert_many(new_docs)
                .await
                .map_err(|e| op_error(store, logical, e))?;
        }
        log::info!(
            "{}: {} added, {} kept, {} replaced",
            counts.physical,
            counts.added,
            counts.kept,
            counts.replaced
        );
        report.push(counts);
    }
    Ok(report)
}

/// One reference collection as `db status` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionStatus {
    pub logical: Logical,
    pub physical: String,
    pub exists: bool,
    pub documents: u64,
    pub shipped: usize,
    /// Shipped documents whose natural key is not stored.
    pub shipped_missing: usize,
}

pub async fn status(store: &Store) -> Result<Vec<CollectionStatus>, StoreError> {
    let existing: Vec<String> = store
        .collection(Logical::Constants)
        .client()
        .database(store.database_name())
        .list_collection_names()
        .await
        .map_err(|e| op_error(store, Logical::Constants, e))?;
    let mut out = Vec::new();
    for set in &REFERENCE_SETS {
        let physical = store.names().physical(set.logical);
        let stored = store.find(set.logical, Document::new()).await?;
        let keys: Vec<String> = stored.iter().map(|d| set.key(d)).collect();
        let shipped = set.seed_documents()?;
        out.push(CollectionStatus {
            logical: set.logical,
            exists: existing.contains(&physical),
            physical,
            documents: stored.len() as u64,
            shipped: shipped.len(),
            shipped_missing: shipped
                .iter()
                .filter(|d| !keys.contains(&set.key(d)))
                .count(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// The counts `db init` reports on an empty database (README documents them).
    #[test]
    fn shipped_counts_and_unique_keys() {
        let expected = [
            (Logical::Constants, 21),
            (Logical::SupportedEnvironments, 14),
            (Logical::LinkTypes, 27),
            (Logical::CliqueTypes, 12),
            (Logical::CliqueConstraints, 3),
            (Logical::NetworkAgentTypes, 10),
            (Logical::MonitoringConfigTemplates, 20),
        ];
        for (logical, count) in expected {
            let set = reference_set(logical).unwrap();
            let docs = set.seed_documents().unwrap();
            assert_eq!(docs.len(), count, "{}", logical.name());
            let keys: HashSet<String> = docs.iter().map(|d| set.key(d)).collect();
            assert_eq!(
                keys.len(),
                count,
                "duplicate natural key in {}",
                logical.name()
            );
        }
    }

    #[test]
    fn keys_ignore_sub_document_order_and_empty_values() {
        let set = reference_set(Logical::SupportedEnvironments).unwrap();
        let a = doc! {"environment": {"distribution": "RDO", "type_drivers": "vlan"}, "x": 1};
        let b = doc! {"environment": {"type_drivers": "vlan", "distribution": "RDO"}};
        assert_eq!(set.key(&a), set.key(&b));
        let cliques = reference_set(Logical::CliqueTypes).unwrap();
        let a = doc! {"focal_point_type": "instance", "distribution": "", "name": "a"};
        let b = doc! {"focal_point_type": "instance", "environment": null, "name": "b"};
        assert_eq!(cliques.key(&a), cliques.key(&b));
        let c = doc! {"focal_point_type": "instance", "environment": "ANY"};
        assert_ne!(cliques.key(&a), cliques.key(&c));
    }
}
