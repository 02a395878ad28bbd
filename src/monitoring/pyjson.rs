//! Python's `json.dumps(config, sort_keys=True, indent=4)` + `"\n"`, the local files' format
//! (monitoring.md §4.5): keys sorted by code point, 4-space indent, ASCII only.

use crate::doc::bson_to_json;
use bson::{Bson, Document};
use serde::Serialize;
use serde_json::Value;

pub fn dumps(config: &Document) -> String {
    let sorted = sort_keys(&bson_to_json(&Bson::Document(config.clone())));
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    // Serialising a Value into memory cannot fail.
    let _ = sorted.serialize(&mut ser);
    let text = String::from_utf8_lossy(&buf);
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        if (c as u32) < 0x7f {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out.push('\n');
    out
}

/// Code-point order at every level (Python sorts `str` keys by code point; Rust `String`
/// ordering is byte order of UTF-8, which is the same).
fn sort_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sort_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_layout() {
        let doc = bson::doc! {"b": [], "a": {"z": 1, "y": "é\u{7f}/\"", "e": {}}, "c": [true, 2]};
        assert_eq!(
            dumps(&doc),
            "{\n    \"a\": {\n        \"e\": {},\n        \"y\": \"\\u00e9\\u007f/\\\"\",\n        \"z\": 1\n    },\n    \"b\": [],\n    \"c\": [\n        true,\n        2\n    ]\n}\n"
        );
    }
}
