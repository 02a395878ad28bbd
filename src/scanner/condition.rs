//! Environment conditions of scanner entries (scanner.md §4, opnfv semantics).

use bson::{Bson, Document};
use serde_json::{Map, Value};

/// Whether an entry with this condition runs for the (normalised) environment document.
/// A missing `environment_type` on either side means `OpenStack`.
pub fn matches(condition: Option<&Map<String, Value>>, env: &Document) -> bool {
    let mut condition = condition.cloned().unwrap_or_default();
    condition
        .entry("environment_type")
        .or_insert_with(|| Value::String("OpenStack".into()));
    condition
        .iter()
        .all(|(attr, required)| attribute_matches(attr, required, env))
}

fn attribute_matches(attr: &str, required: &Value, env: &Document) -> bool {
    let env_value = match env.get(attr) {
        Some(v) => v.clone(),
        None if attr == "environment_type" => Bson::String("OpenStack".into()),
        None => {
            if attr == "mechanism_drivers" {
                log::warn!("Illegal environment configuration: missing mechanism_drivers");
            }
            return false;
        }
    };
    let required: Vec<&Value> = match required {
        Value::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    if attr == "mechanism_drivers" {
        // A scalar env value counts as a one-element list (fix: the original iterated its characters).
        let drivers: Vec<Bson> = match env_value {
            Bson::Array(items) => items,
            scalar => vec![scalar],
        };
        return required.iter().any(|r| drivers.iter().any(|d| same(d, r)));
    }
    // An env value that is itself a list never matches (kept from the original).
    !matches!(env_value, Bson::Array(_)) && required.iter().any(|r| same(&env_value, r))
}

fn same(env_value: &Bson, required: &Value) -> bool {
    match (env_value, required) {
        (Bson::String(a), Value::String(b)) => a == b,
        (Bson::Boolean(a), Value::Bool(b)) => a == b,
        (Bson::Int32(a), Value::Number(b)) => b.as_i64() == Some(i64::from(*a)),
        (Bson::Int64(a), Value::Number(b)) => b.as_i64() == Some(*a),
        (Bson::Null, Value::Null) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;
    use serde_json::json;

    fn cond(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn original_test_vectors() {
        let env = doc! {"mechanism_drivers": ["OVS"], "distribution": "Mirantis"};
        assert!(matches(None, &env));
        assert!(matches(
            Some(&cond(json!({"mechanism_drivers": "OVS"}))),
            &env
        ));
        assert!(!matches(
            Some(&cond(json!({"mechanism_drivers": "VPP"}))),
            &env
        ));
        assert!(!matches(
            Some(&cond(json!({"mechanism_drivers": "OVS"}))),
            &doc! {"distribution": "Mirantis"}
        ));
        assert!(!matches(
            Some(&cond(json!({"distribution": "Mirantis-7.0"}))),
            &env
        ));
    }

    #[test]
    fn lists_and_environment_types() {
        let env = doc! {"mechanism_drivers": ["LXB"], "environment_type": "OpenStack"};
        assert!(matches(
            Some(&cond(json!({"mechanism_drivers": ["OVS", "LXB"]}))),
            &env
        ));
        assert!(!matches(
            Some(&cond(json!({"environment_type": "Kubernetes"}))),
            &env
        ));
        let kube = doc! {"environment_type": "Kubernetes"};
        assert!(!matches(None, &kube));
        assert!(matches(
            Some(&cond(json!({"mechanism_drivers": "OVS"}))),
            &doc! {"mechanism_drivers": "OVS"}
        ));
    }
}
