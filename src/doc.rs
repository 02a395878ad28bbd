//! Inventory objects are BSON documents from the moment a fetcher builds them: that keeps key
//! order, dates (`DATETIME` columns) and ObjectIds (`ref_id`) exactly as MongoDB will store them.

use bson::{Bson, Document};
use serde_json::Value;

/// An object as fetchers return it and the store writes it.
pub type Object = Document;

/// JSON (an API body, a TEXT column) to BSON: integral numbers become Int64 when they do not fit
/// Int32 (as Python's driver does), other numbers doubles.
pub fn json_to_bson(value: &Value) -> Bson {
    match value {
        Value::Null => Bson::Null,
        Value::Bool(b) => Bson::Boolean(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                match i32::try_from(i) {
                    Ok(small) => Bson::Int32(small),
                    Err(_) => Bson::Int64(i),
                }
            } else if let Some(u) = n.as_u64() {
                Bson::Int64(u as i64)
            } else {
                Bson::Double(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(s) => Bson::String(s.clone()),
        Value::Array(items) => Bson::Array(items.iter().map(json_to_bson).collect()),
        Value::Object(map) => Bson::Document(json_object_to_doc(map)),
    }
}

pub fn json_object_to_doc(map: &serde_json::Map<String, Value>) -> Document {
    map.iter()
        .map(|(k, v)| (k.clone(), json_to_bson(v)))
        .collect()
}

/// BSON to plain JSON for comparisons and `--output json`: ObjectIds as hex strings, dates as
/// RFC 3339 strings, numbers as numbers.
pub fn bson_to_json(value: &Bson) -> Value {
    match value {
        Bson::Null | Bson::Undefined => Value::Null,
        Bson::Boolean(b) => Value::Bool(*b),
        Bson::Int32(i) => Value::from(*i),
        Bson::Int64(i) => Value::from(*i),
        Bson::Double(d) => serde_json::Number::from_f64(*d)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Bson::String(s) => Value::String(s.clone()),
        Bson::Array(items) => Value::Array(items.iter().map(bson_to_json).collect()),
        Bson::Document(d) => Value::Object(
            d.iter()
                .map(|(k, v)| (k.clone(), bson_to_json(v)))
                .collect(),
        ),
        Bson::ObjectId(oid) => Value::String(oid.to_hex()),
        Bson::DateTime(dt) => Value::String(dt.try_to_rfc3339_string().unwrap_or_default()),
        other => other.clone().into_relaxed_extjson(),
    }
}

pub fn doc_to_json(doc: &Document) -> Value {
    bson_to_json(&Bson::Document(doc.clone()))
}

/// A string field, or `None` when absent or not a string.
pub fn str_field<'a>(doc: &'a Document, key: &str) -> Option<&'a str> {
    match doc.get(key) {
        Some(Bson::String(s)) => Some(s.as_str()),
        _ => None,
    }
}

/// A field rendered as Python's `str()` would for ids: strings as is, numbers in decimal.
pub fn id_string(value: &Bson) -> Option<String> {
    match value {
        Bson::String(s) => Some(s.clone()),
        Bson::Int32(i) => Some(i.to_string()),
        Bson::Int64(i) => Some(i.to_string()),
        Bson::Double(d) => Some(d.to_string()),
        Bson::ObjectId(o) => Some(o.to_hex()),
        Bson::Boolean(b) => Some(if *b { "True" } else { "False" }.to_string()),
        _ => None,
    }
}

/// Python truthiness of a BSON value (`create_object`, `aci_enabled`, ...).
pub fn truthy(value: Option<&Bson>) -> bool {
    match value {
        None | Some(Bson::Null) => false,
        Some(Bson::Boolean(b)) => *b,
        Some(Bson::String(s)) => !s.is_empty(),
        Some(Bson::Int32(i)) => *i != 0,
        Some(Bson::Int64(i)) => *i != 0,
        Some(Bson::Double(d)) => *d != 0.0,
        Some(Bson::Array(a)) => !a.is_empty(),
        Some(Bson::Document(d)) => !d.is_empty(),
        Some(_) => true,
    }
}

/// Python's `str.capitalize()`: first character upper-cased, all others lower-cased.
pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitalize_lowers_the_rest() {
        assert_eq!(capitalize("regions"), "Regions");
        assert_eq!(capitalize("network_agents"), "Network_agents");
        assert_eq!(capitalize("vNICs"), "Vnics");
    }

    #[test]
    fn json_numbers_keep_their_kind() {
        assert_eq!(json_to_bson(&serde_json::json!(1)), Bson::Int32(1));
        assert_eq!(
            json_to_bson(&serde_json::json!(5_000_000_000i64)),
            Bson::Int64(5_000_000_000)
        );
        assert_eq!(json_to_bson(&serde_json::json!(1.5)), Bson::Double(1.5));
    }
}
