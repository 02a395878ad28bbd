//! Field helpers shared by the link finders: Python-like string rendering and Mongo-like
//! equality, so that in-memory lookups select what the original's queries selected.

use crate::doc::Object;
use bson::Bson;

/// Python's `str()` of a value as the original concatenates it into names (`None` for null,
/// `52.0` for a float).
pub fn py_str(value: Option<&Bson>) -> String {
    match value {
        None | Some(Bson::Null) => "None".to_string(),
        Some(Bson::String(s)) => s.clone(),
        Some(Bson::Int32(i)) => i.to_string(),
        Some(Bson::Int64(i)) => i.to_string(),
        Some(Bson::Double(d)) if d.fract() == 0.0 && d.is_finite() => format!("{d:.1}"),
        Some(Bson::Double(d)) => d.to_string(),
        Some(Bson::Boolean(b)) => if *b { "True" } else { "False" }.to_string(),
        Some(Bson::ObjectId(o)) => o.to_hex(),
        Some(other) => other.to_string(),
    }
}

/// A field as text for names and ids: strings as is, numbers in decimal, absent or null as "".
pub fn text(doc: &Object, key: &str) -> String {
    match doc.get(key) {
        None | Some(Bson::Null) => String::new(),
        v => py_str(v),
    }
}

/// Mongo equality of a query value with a document field: equal, or an array field containing
/// the value; a null query value also matches a missing field.
pub fn field_matches(doc: &Object, key: &str, wanted: &Bson) -> bool {
    value_matches(doc.get(key), wanted)
}

/// [`field_matches`] for the field's value (`None`: the field is missing).
pub fn value_matches(found: Option<&Bson>, wanted: &Bson) -> bool {
    match found {
        None => matches!(wanted, Bson::Null),
        Some(Bson::Array(items)) => {
            items.iter().any(|i| i == wanted)
                || matches!(wanted, Bson::Array(_)) && found == Some(wanted)
        }
        Some(v) => v == wanted,
    }
}

/// The value of a field, or null when absent (what a Python `dict.get` hands to a query).
pub fn value(doc: &Object, key: &str) -> Bson {
    doc.get(key).cloned().unwrap_or(Bson::Null)
}

/// Python's `needle in value` for a list (membership) or a string (substring).
pub fn contains(value: Option<&Bson>, needle: &str) -> bool {
    match value {
        Some(Bson::Array(items)) => items.iter().any(|i| i.as_str() == Some(needle)),
        Some(Bson::String(s)) => s.contains(needle),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn python_rendering() {
        assert_eq!(py_str(Some(&Bson::Int32(52))), "52");
        assert_eq!(py_str(Some(&Bson::Null)), "None");
        assert_eq!(py_str(None), "None");
        assert_eq!(py_str(Some(&Bson::Double(3.0))), "3.0");
    }

    #[test]
    fn mongo_equality() {
        let d = doc! {"names": ["a", "b"], "host": "h"};
        assert!(field_matches(&d, "names", &Bson::from("b")));
        assert!(field_matches(&d, "host", &Bson::from("h")));
        assert!(!field_matches(&d, "host", &Bson::Null));
        assert!(field_matches(&d, "missing", &Bson::Null));
        assert!(contains(d.get("names"), "a"));
    }
}
