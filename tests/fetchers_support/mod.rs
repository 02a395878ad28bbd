//! Shared helpers of the fetcher parser tests: fixture loading and golden comparison.
#![allow(dead_code)]

pub mod api_lab;

use calipso::doc::{doc_to_json, json_object_to_doc, Object};
use serde_json::Value;
use std::path::PathBuf;

pub fn fixture_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

pub fn text(relative: &str) -> String {
    let path = fixture_path(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn json(relative: &str) -> Value {
    let path = fixture_path(relative);
    serde_json::from_str(&text(relative)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A `db/*.json` result set as the rows the DB access layer returns.
pub fn rows(relative: &str) -> Vec<Object> {
    json(relative)
        .as_array()
        .unwrap_or_else(|| panic!("{relative}: not an array of rows"))
        .iter()
        .map(|row| json_object_to_doc(row.as_object().expect("row is an object")))
        .collect()
}

/// The `result` of a golden (or an upstream file, which is the result itself).
pub fn expected(relative: &str) -> Value {
    let value = json(relative);
    normalise(match value.get("result") {
        Some(result) if relative.contains("golden/") => result.clone(),
        _ => value,
    })
}

/// Objects as plain JSON in the same normal form as [`expected`].
pub fn actual(objects: &[Object]) -> Value {
    normalise(Value::Array(objects.iter().map(doc_to_json).collect()))
}

/// Extended-JSON wrappers (`{"$oid": ...}`, `{"$date": ...}`) as the plain strings that
/// `doc_to_json` writes for ObjectIds and dates.
pub fn normalise(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(Value::String(s)) = map.get("$oid").or_else(|| map.get("$date")) {
                    return Value::String(s.clone());
                }
            }
            Value::Object(map.into_iter().map(|(k, v)| (k, normalise(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(normalise).collect()),
        other => other,
    }
}

/// Compares and names the case on failure.
pub fn assert_matches(case: &str, objects: &[Object], expected_file: &str) {
    let got = actual(objects);
    let want = expected(expected_file);
    pretty_assertions::assert_eq!(got, want, "case {case} vs {expected_file}");
}
