//! Clique-type files for `calipso clique-types import|export` (clique-types-cli.md §4): input
//! parsing, validation against the constants, the matching key and the export layout.

pub use super::known_values::KnownValues;
use crate::doc::json_to_bson;
use bson::{Bson, Document};
use serde_json::Value;
use std::collections::HashSet;

/// Targeting fields, in export order.
pub const TARGETING: [&str; 5] = [
    "environment_type",
    "distribution",
    "distribution_version",
    "mechanism_drivers",
    "type_drivers",
];
const STRING_FIELDS: [&str; 8] = [
    "environment",
    "environment_type",
    "distribution",
    "distribution_version",
    "mechanism_drivers",
    "type_drivers",
    "focal_point_type",
    "name",
];
/// Export key order (after `_id`); other keys follow alphabetically.
pub const EXPORT_ORDER: [&str; 10] = [
    "environment",
    "environment_type",
    "distribution",
    "distribution_version",
    "mechanism_drivers",
    "type_drivers",
    "focal_point_type",
    "name",
    "use_implicit_links",
    "link_types",
];

/// A JSON syntax error with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// An array of documents, a single document, or one document per line (mongoexport).
pub fn parse_input(text: &str) -> Result<Vec<Value>, SyntaxError> {
    let mut values = Vec::new();
    for item in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        values.push(item.map_err(|e| {
            let full = e.to_string();
            let message = match full.rfind(" at line ") {
                Some(cut) => full[..cut].to_string(),
                None => full,
            };
            SyntaxError {
                line: e.line(),
                column: e.column(),
                message,
            }
        })?);
    }
    match values.as_slice() {
        [Value::Array(items)] => Ok(items.clone()),
        _ => Ok(values),
    }
}

/// What validation needs besides the document: allowed values, existing environment names and
/// the stored clique types.
pub struct CheckContext<'a> {
    pub known: &'a KnownValues,
    pub env_names: &'a HashSet<String>,
    pub stored: &'a [Document],
}

/// One file document after validation.
#[derive(Debug, Clone)]
pub struct Checked {
    /// 1-based position in the file.
    pub number: usize,
    pub identity: String,
    /// The document to write (unknown keys, `_id` and `id` dropped), when it is an object.
    pub document: Option<Document>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl Checked {
    pub fn key(&self) -> Option<Vec<String>> {
        self.document.as_ref().map(type_key)
    }
}

/// A string field, `None` when absent, null or `""`.
fn non_empty<'d>(doc: &'d Document, key: &str) -> Option<&'d str> {
    doc.get_str(key).ok().filter(|s| !s.is_empty())
}

/// The matching key: (environment, focal point type) for environment-specific types, else the
/// configuration fields and the focal point type; empty values are equal.
pub fn type_key(doc: &Document) -> Vec<String> {
    let text = |k: &str| match doc.get(k) {
        None | Some(Bson::Null) => String::new(),
        Some(Bson::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let fpt = text("focal_point_type");
    match non_empty(doc, "environment") {
        Some(env) => vec!["environment".into(), env.into(), fpt],
        None => {
            let mut key = vec!["configuration".to_string()];
            key.extend(TARGETING.iter().map(|k| text(k)));
            key.push(fpt);
            key
        }
    }
}

/// `environment=…, focal_point_type=…, name="…"` as far as known.
pub fn identity(value: &Value) -> String {
    let Value::Object(map) = value else {
        return String::new();
    };
    let mut parts = Vec::new();
    for key in ["environment", "focal_point_type"] {
        if let Some(Value::String(v)) = map.get(key) {
            parts.push(format!("{key}={v}"));
        }
    }
    if let Some(Value::String(v)) = map.get("name") {
        parts.push(format!("name=\"{v}\""));
    }
    parts.join(", ")
}

/// Validates every document (file order, numbered from 1); duplicate keys inside the file are
/// errors.
pub fn check_documents(values: &[Value], ctx: &CheckContext) -> Vec<Checked> {
    let numbered: Vec<(usize, &Value)> =
        values.iter().enumerate().map(|(i, v)| (i + 1, v)).collect();
    check_numbered(&numbered, ctx)
}

/// Like [`check_documents`] for a selection of the file's documents with their file positions.
pub fn check_numbered(values: &[(usize, &Value)], ctx: &CheckContext) -> Vec<Checked> {
    let mut out: Vec<Checked> = Vec::new();
    for &(number, value) in values {
        let mut checked = check_one(number, value, ctx);
        if let (Some(key), true) = (checked.key(), checked.errors.is_empty()) {
            let earlier = out
                .iter()
                .find(|c| c.errors.is_empty() && c.key().as_ref() == Some(&key));
            if let Some(earlier) = earlier {
                checked
                    .errors
                    .push(format!("same key as document #{}", earlier.number));
            }
        }
        out.push(checked);
    }
    out
}

fn check_one(number: usize, value: &Value, ctx: &CheckContext) -> Checked {
    let mut c = Checked {
        number,
        identity: identity(value),
        document: None,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let Value::Object(map) = value else {
        c.errors.push("not an object".into());
        return c;
    };
    let mut doc = Document::new();
    for (k, v) in map {
        let known =
            STRING_FIELDS.contains(&k.as_str()) || k == "link_types" || k == "use_implicit_links";
        match k.as_str() {
            "_id" | "id" => {}
            _ if known => {
                doc.insert(k.clone(), json_to_bson(v));
            }
            _ => c.warnings.push(format!("unknown key '{k}' dropped")),
        }
    }
    check_types(&doc, &mut c.errors);
    for (key, message) in [
        ("focal_point_type", "focal_point_type must be specified"),
        ("name", "name must be specified"),
    ] {
        if non_empty(&doc, key).is_none() && !c.errors.iter().any(|e| e.starts_with(key)) {
            c.errors.push(message.into());
        }
    }
    let link_types: Vec<String> = match doc.get("link_types") {
        Some(Bson::Array(items)) if !items.is_empty() => items
            .iter()
            .filter_map(|t| t.as_str().map(String::from))
            .collect(),
        Some(Bson::Array(_)) | None | Some(Bson::Null) => {
            c.errors.push("link_types must be specified".into());
            Vec::new()
        }
        Some(_) => Vec::new(),
    };
    if non_empty(&doc, "distribution_version").is_some()
        && non_empty(&doc, "distribution").is_none()
    {
        c.errors
            .push("Distribution version without distribution is not allowed".into());
    }
    let environment = non_empty(&doc, "environment");
    let configured: Vec<&str> = TARGETING
        .iter()
        .copied()
        .filter(|k| non_empty(&doc, k).is_some())
        .collect();
    let has_configuration = [
        "environment_type",
        "distribution",
        "mechanism_drivers",
        "type_drivers",
    ]
    .iter()
    .any(|k| non_empty(&doc, k).is_some());
    if environment.is_none() && !has_configuration {
        c.errors
            .push("Either environment or configuration should be specified.".into());
    }
    warnings(
        &doc,
        &link_types,
        environment,
        &configured,
        ctx,
        &mut c.warnings,
    );
    c.document = Some(doc);
    c
}

fn check_types(doc: &Document, errors: &mut Vec<String>) {
    for key in STRING_FIELDS {
        if !matches!(
            doc.get(key),
            None | Some(Bson::Null) | Some(Bson::String(_))
        ) {
            errors.push(format!("{key} must be string"));
        }
    }
    match doc.get("link_types") {
        None | Some(Bson::Null) => {}
        Some(Bson::Array(items))
            if items
                .iter()
                .all(|t| t.as_str().is_some_and(|s| !s.is_empty())) => {}
        Some(_) => errors.push("link_types must be list of strings".into()),
    }
    if !matches!(
        doc.get("use_implicit_links"),
        None | Some(Bson::Null) | Some(Bson::Boolean(_))
    ) {
        errors.push("use_implicit_links must be boolean".into());
    }
}

fn warnings(
    doc: &Document,
    link_types: &[String],
    environment: Option<&str>,
    configured: &[&str],
    ctx: &CheckContext,
    out: &mut Vec<String>,
) {
    let known = ctx.known;
    let fpt = non_empty(doc, "focal_point_type").unwrap_or("");
    if !fpt.is_empty() && !known.focal_point_types.contains(fpt) {
        out.push(format!("unknown focal_point_type '{fpt}'"));
    }
    let mut reached: Vec<&str> = vec![fpt];
    let mut walk_broken = false;
    for t in link_types {
        let parts: Vec<&str> = t.split('-').collect();
        if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
            out.push(format!("link type '{t}' is not of the form <from>-<to>"));
        }
        if !known.link_types.contains(t) {
            out.push(format!("unknown link type '{t}'"));
        }
        let (from, to) = t.split_once('-').unwrap_or((t, ""));
        if !walk_broken {
            if reached.contains(&from) {
                reached.push(to);
            } else {
                walk_broken = true;
                out.push(format!(
                    "link type '{t}' is not reachable from focal point '{fpt}'; the clique walk stops there"
                ));
            }
        }
    }
    for key in [
        "mechanism_drivers",
        "type_drivers",
        "distribution",
        "environment_type",
    ] {
        if let (Some(v), Some(set)) = (non_empty(doc, key), known.set_for(key)) {
            if !set.contains(v) {
                out.push(format!("unknown {key} '{v}'"));
            }
        }
    }
    if let Some(env) = environment {
        if env != "ANY" && !ctx.env_names.contains(env) {
            out.push(format!("environment '{env}' does not exist"));
        }
        if !configured.is_empty() {
            out.push(format!(
                "environment is set: {} are ignored by clique-type selection",
                configured.join(", ")
            ));
        }
        let name = non_empty(doc, "name");
        let key = type_key(doc);
        let clash = ctx.stored.iter().any(|s| {
            non_empty(s, "environment") == Some(env)
                && non_empty(s, "name") == name
                && type_key(s) != key
        });
        if clash {
            out.push(format!(
                "name '{}' already used by another clique type of environment '{env}'",
                name.unwrap_or("")
            ));
        }
    }
}

/// A stored document as exported: known keys first in [`EXPORT_ORDER`], the others
/// alphabetically; `_id` first as `{"$oid": …}` when asked.
pub fn export_value(doc: &Document, with_ids: bool) -> Value {
    let mut map = serde_json::Map::new();
    if with_ids {
        if let Some(id) = doc.get("_id") {
            let v = match id {
                Bson::ObjectId(o) => serde_json::json!({"$oid": o.to_hex()}),
                other => crate::doc::bson_to_json(other),
            };
            map.insert("_id".into(), v);
        }
    }
    for key in EXPORT_ORDER {
        if let Some(v) = doc.get(key) {
            map.insert(key.into(), crate::doc::bson_to_json(v));
        }
    }
    let mut others: Vec<&String> = doc
        .keys()
        .filter(|k| *k != "_id" && !EXPORT_ORDER.contains(&k.as_str()))
        .collect();
    others.sort();
    for k in others {
        map.insert(k.clone(), crate::doc::bson_to_json(&doc[k.as_str()]));
    }
    Value::Object(map)
}
