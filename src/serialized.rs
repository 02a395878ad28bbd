//! Documents held serialized (`RawDocumentBuf`) by the links and cliques phases. A document as
//! a `bson::Document` takes eight to ten times its BSON size in memory (every field is a map
//! entry and the map grows by doubling); at 100 hosts the links phase would hold ~150 MB of inventory
//! and ~125 MB of links that way, against 18 MB and 13 MB serialized.

use crate::doc::id_string;
use bson::{Bson, Document, RawDocument, RawDocumentBuf};

/// Serializes `doc`; `None` (logged, naming `what`) only for a field name BSON cannot hold (a
/// NUL byte).
pub fn serialize(doc: &Document, what: &str) -> Option<RawDocumentBuf> {
    RawDocumentBuf::from_document(doc)
        .map_err(|e| log::error!("{what} not kept: it cannot be serialized: {e}"))
        .ok()
}

/// A copy as a `Document`; `None` (logged, naming `what`) when the bytes do not parse.
pub fn deserialize(raw: &RawDocumentBuf, what: &str) -> Option<Document> {
    raw.to_document()
        .map_err(|e| log::error!("{what} is unreadable: {e}"))
        .ok()
}

/// A field as a value (none when absent or unreadable).
pub fn field(doc: &RawDocument, key: &str) -> Option<Bson> {
    doc.get(key)
        .ok()
        .flatten()
        .and_then(|v| Bson::try_from(v).ok())
}

/// A field as an id string ([`id_string`]).
pub fn id_field(doc: &RawDocument, key: &str) -> Option<String> {
    field(doc, key).as_ref().and_then(id_string)
}

/// Whether `doc` already holds every field of `fields` with the same value (what a `$set` of
/// `fields` would leave unchanged).
pub fn holds_all(doc: &RawDocument, fields: &RawDocument) -> bool {
    if doc.as_bytes() == fields.as_bytes() {
        return true;
    }
    in_order(doc, fields).unwrap_or_else(|| {
        fields
            .iter()
            .all(|field| matches!(field, Ok((k, v)) if doc.get(k).ok().flatten() == Some(v)))
    })
}

/// The answer of [`holds_all`] when `fields` appear in `doc` in their own order, as they do
/// when one program wrote both (a lookup per field reads `doc` from its start each time; this
/// runs for every link a finder adds). `None` when they do not.
fn in_order(doc: &RawDocument, fields: &RawDocument) -> Option<bool> {
    let mut stored = doc.iter();
    for field in fields.iter() {
        let (key, value) = field.ok()?;
        let found = stored.by_ref().find_map(|s| match s {
            Ok((k, v)) if k == key => Some(v),
            _ => None,
        })?;
        if found != value {
            return Some(false);
        }
    }
    Some(true)
}
