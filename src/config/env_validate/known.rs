//! The data the checks compare against: the `constants` lists and the `supported_environments`
//! rows, given as plain JSON documents (from the database or from the built-in seed).

use serde_json::{Map, Value};
use std::collections::HashMap;

/// Constants lists by name: the `value` of every `data` entry, over all documents of a name.
#[derive(Debug, Default, Clone)]
pub struct Constants {
    lists: HashMap<String, Vec<String>>,
}

impl Constants {
    pub fn from_documents(docs: &[Value]) -> Constants {
        let mut lists: HashMap<String, Vec<String>> = HashMap::new();
        for doc in docs {
            let Some(name) = doc.get("name").and_then(Value::as_str) else {
                continue;
            };
            let values = doc
                .get("data")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|entry| entry.get("value").and_then(Value::as_str))
                .map(String::from);
            lists.entry(name.to_string()).or_default().extend(values);
        }
        Constants { lists }
    }

    /// `None` when the list itself is unknown (nothing to judge against), else whether `value`
    /// is in it.
    pub fn contains(&self, list: &str, value: &str, ignore_case: bool) -> Option<bool> {
        let values = self.lists.get(list)?;
        Some(values.iter().any(|v| {
            if ignore_case {
                v.eq_ignore_ascii_case(value)
            } else {
                v == value
            }
        }))
    }
}

/// The `supported_environments` rows.
#[derive(Debug, Default, Clone)]
pub struct SupportedEnvironments {
    rows: Vec<Value>,
}

/// The features of the row matching an environment (all false when no row matches).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    pub scanning: bool,
    pub monitoring: bool,
    pub listening: bool,
}

impl SupportedEnvironments {
    pub fn from_documents(docs: &[Value]) -> SupportedEnvironments {
        SupportedEnvironments {
            rows: docs.to_vec(),
        }
    }

    /// The runtime rule (mongo-and-collections.md §5.6): the first row whose `environment`
    /// matches distribution, version, type driver and the *first* mechanism driver, with Mongo
    /// equality semantics (an array field matches when one element equals).
    pub fn features(&self, wanted: &[(&str, &str)]) -> Features {
        let matches = |env: &Map<String, Value>| {
            wanted.iter().all(|(field, value)| match env.get(*field) {
                Some(Value::String(s)) => s == value,
                Some(Value::Array(items)) => items.iter().any(|i| i.as_str() == Some(*value)),
                _ => false,
            })
        };
        let row = self.rows.iter().find(|row| {
            row.get("environment")
                .and_then(Value::as_object)
                .is_some_and(matches)
        });
        let flag = |name: &str| {
            row.and_then(|r| r.get("features"))
                .and_then(|f| f.get(name))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        Features {
            scanning: flag("scanning"),
            monitoring: flag("monitoring"),
            listening: flag("listening"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn constants_union_and_unknown_lists() {
        let c = Constants::from_documents(&[
            json!({"name": "distributions", "data": [{"label": "RDO", "value": "RDO"}]}),
            json!({"name": "distributions", "data": [{"label": "K", "value": "Kolla"}]}),
        ]);
        assert_eq!(c.contains("distributions", "Kolla", false), Some(true));
        assert_eq!(c.contains("distributions", "rdo", false), Some(false));
        assert_eq!(c.contains("distributions", "rdo", true), Some(true));
        assert_eq!(c.contains("type_drivers", "vlan", false), None);
    }

    #[test]
    fn features_use_array_equality() {
        let s = SupportedEnvironments::from_documents(&[json!({
            "environment": {"distribution": "Mirantis", "distribution_version": ["8.0", "9.0"],
                            "mechanism_drivers": "OVS", "type_drivers": "vxlan"},
            "features": {"scanning": true, "monitoring": false, "listening": true}})]);
        let wanted = |v| {
            [
                ("distribution", "Mirantis"),
                ("distribution_version", v),
                ("mechanism_drivers", "OVS"),
                ("type_drivers", "vxlan"),
            ]
        };
        let f = s.features(&wanted("9.0"));
        assert!(f.scanning && f.listening && !f.monitoring);
        assert_eq!(s.features(&wanted("7.0")), Features::default());
    }
}
