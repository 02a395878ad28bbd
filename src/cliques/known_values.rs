//! The values clique-type imports are checked against: the `constants` collection (union of all
//! documents of a name) and the `link_types` collection, or the built-in opnfv seed lists.

use crate::doc::json_to_bson;
use bson::Document;
use serde_json::Value;
use std::collections::HashSet;

const BUILTIN_CONSTANTS: &str = include_str!("../../data/seed/constants.json");

/// The allowed values the import checks against (warnings only).
#[derive(Debug, Default, Clone)]
pub struct KnownValues {
    pub focal_point_types: HashSet<String>,
    pub link_types: HashSet<String>,
    pub mechanism_drivers: HashSet<String>,
    pub type_drivers: HashSet<String>,
    pub distributions: HashSet<String>,
    pub environment_types: HashSet<String>,
}

impl KnownValues {
    /// From `constants` documents (union of all documents of a name) plus the `type`s of the
    /// `link_types` collection.
    pub fn from_constants(constants: &[Document], link_type_docs: &[Document]) -> KnownValues {
        let values = |names: &[&str]| -> HashSet<String> {
            constants
                .iter()
                .filter(|d| names.contains(&d.get_str("name").unwrap_or("")))
                .flat_map(|d| d.get_array("data").map(|a| a.to_vec()).unwrap_or_default())
                .filter_map(|e| {
                    e.as_document()
                        .and_then(|e| e.get_str("value").ok())
                        .map(String::from)
                })
                .collect()
        };
        let mut link_types = values(&["link_types"]);
        link_types.extend(
            link_type_docs
                .iter()
                .filter_map(|d| d.get_str("type").ok().map(String::from)),
        );
        KnownValues {
            focal_point_types: values(&["object_types", "object_types_for_links"]),
            link_types,
            mechanism_drivers: values(&["mechanism_drivers"]),
            type_drivers: values(&["type_drivers"]),
            distributions: values(&["distributions"]),
            environment_types: values(&["environment_types"]),
        }
    }

    /// The opnfv seed lists, for a database without constants.
    pub fn builtin(link_type_docs: &[Document]) -> KnownValues {
        let docs: Vec<Document> = serde_json::from_str::<Value>(BUILTIN_CONSTANTS)
            .ok()
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|v| json_to_bson(v).as_document().cloned())
            .collect();
        KnownValues::from_constants(&docs, link_type_docs)
    }

    pub fn set_for(&self, key: &str) -> Option<&HashSet<String>> {
        match key {
            "mechanism_drivers" => Some(&self.mechanism_drivers),
            "type_drivers" => Some(&self.type_drivers),
            "distribution" => Some(&self.distributions),
            "environment_type" => Some(&self.environment_types),
            _ => None,
        }
    }
}
