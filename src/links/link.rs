//! Link documents (links-and-cliques.md §1) and the in-memory link collection of one run.

use crate::doc::{id_string, truthy, Object};
use crate::serialized::{deserialize, field, holds_all, id_field, serialize};
use crate::store::keys;
use bson::{oid::ObjectId, Bson, Document, RawDocument, RawDocumentBuf};
use std::collections::HashSet;
use std::collections::{BTreeMap, HashMap};

/// A link as a finder creates it; [`LinkSet::add`] turns it into the stored document.
#[derive(Debug, Clone)]
pub struct NewLink {
    source: Bson,
    source_id: String,
    target: Bson,
    target_id: String,
    link_type: String,
    link_name: Bson,
    up: bool,
    host: Option<String>,
    switch: Option<String>,
    implicit: bool,
    attributes: Document,
}

/// The ObjectId of an inventory document (`_id` as read raw, or as a hex string).
pub fn object_ref(doc: &Object) -> Bson {
    match doc.get("_id") {
        Some(Bson::String(s)) => ObjectId::parse_str(s)
            .map(Bson::ObjectId)
            .unwrap_or_else(|_| Bson::String(s.clone())),
        Some(v) => v.clone(),
        None => Bson::Null,
    }
}

impl NewLink {
    /// An explicit link `source → target`, state up, no name, no attributes.
    pub fn between(source: &Object, target: &Object, link_type: &str) -> NewLink {
        NewLink::from_refs(
            (object_ref(source), doc_id(source)),
            (object_ref(target), doc_id(target)),
            link_type,
        )
    }

    /// A link from already known endpoint references (`_id`, `id`).
    pub fn from_refs(source: (Bson, String), target: (Bson, String), link_type: &str) -> NewLink {
        NewLink {
            source: source.0,
            source_id: source.1,
            target: target.0,
            target_id: target.1,
            link_type: link_type.to_string(),
            link_name: Bson::Null,
            up: true,
            host: None,
            switch: None,
            implicit: false,
            attributes: Document::new(),
        }
    }

    pub fn name(mut self, name: impl Into<Bson>) -> Self {
        self.link_name = name.into();
        self
    }

    pub fn up(mut self, up: bool) -> Self {
        self.up = up;
        self
    }

    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    pub fn switch(mut self, switch: impl Into<String>) -> Self {
        self.switch = Some(switch.into());
        self
    }

    pub fn attributes(mut self, attributes: Document) -> Self {
        self.attributes = attributes;
        self
    }

    pub fn implicit(mut self) -> Self {
        self.implicit = true;
        self
    }

    /// Its upsert key.
    pub fn key(&self) -> LinkKey {
        (self.source_id.clone(), self.target_id.clone())
    }

    pub fn link_type(&self) -> &str {
        &self.link_type
    }

    /// The document as the original's `create_link` builds it (before key encoding).
    pub fn to_document(&self, env: &str) -> Document {
        let label = |key: &str| match self.attributes.get(key) {
            v @ Some(_) if truthy(v) => v.cloned().unwrap_or_default(),
            _ => Bson::String(String::new()),
        };
        let mut d = bson::doc! {
            "environment": env,
            "source": self.source.clone(),
            "source_id": &self.source_id,
            "target": self.target.clone(),
            "target_id": &self.target_id,
            "link_type": &self.link_type,
            "link_name": self.link_name.clone(),
            "state": if self.up { "up" } else { "down" },
            "link_weight": 0,
            "source_label": label("source_label"),
            "target_label": label("target_label"),
            "implicit": self.implicit,
            "attributes": self.attributes.clone(),
        };
        for (key, value) in [("host", &self.host), ("switch", &self.switch)] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                d.insert(key, v);
            }
        }
        d
    }
}

fn doc_id(doc: &Object) -> String {
    doc.get("id").and_then(id_string).unwrap_or_default()
}

/// The upsert key of a link: `(source_id, target_id)`, the type is not part of it.
pub type LinkKey = (String, String);

/// The environment's links as the run sees them: the stored ones (natural order) followed by
/// new ones, each write merged into the document of its key like an upsert with `$set`.
///
/// Documents are held serialized: a link as a `bson::Document` takes ~4 KB of memory (its
/// field map grows by doubling), serialized ~0.4 KB, and at 100 hosts a run holds ~31,000.
pub struct LinkSet {
    env: String,
    docs: Vec<RawDocumentBuf>,
    index: HashMap<LinkKey, usize>,
    /// Per document: read from the store.
    from_store: Vec<bool>,
    /// The stored version of the stored documents this run modified.
    before_change: HashMap<usize, RawDocumentBuf>,
    created: BTreeMap<String, usize>,
    /// `_id`s of stored links to delete (links no finder found again).
    removed: Vec<Bson>,
    /// Keys added in this run.
    touched: HashSet<LinkKey>,
}

impl LinkSet {
    /// `stored` are the environment's link documents as read raw from the links collection.
    pub fn new(env: &str, stored: Vec<RawDocumentBuf>) -> LinkSet {
        let mut set = LinkSet {
            env: env.to_string(),
            docs: Vec::new(),
            index: HashMap::new(),
            from_store: Vec::new(),
            before_change: HashMap::new(),
            created: BTreeMap::new(),
            removed: Vec::new(),
            touched: HashSet::new(),
        };
        for d in stored {
            let key = link_key(&d);
            // Duplicate keys cannot be stored by upserts; keep the first like `update_one` would.
            if set.index.contains_key(&key) {
                continue;
            }
            set.index.insert(key, set.docs.len());
            set.from_store.push(true);
            set.docs.push(d);
        }
        set
    }

    pub fn env(&self) -> &str {
        &self.env
    }

    /// Upserts a link: key-encodes it and `$set`s its fields into the document of its key.
    pub fn add(&mut self, link: NewLink) {
        *self.created.entry(link.link_type.clone()).or_default() += 1;
        let doc = keys::encode(&link.to_document(&self.env));
        let key = (link.source_id, link.target_id);
        self.touched.insert(key.clone());
        let Some(raw) = serialize(&doc, "link") else {
            return;
        };
        match self.index.get(&key) {
            Some(&i) => {
                let current = &self.docs[i];
                if holds_all(current, &raw) {
                    return;
                }
                let Some(mut merged) = deserialize(current, "link document") else {
                    return;
                };
                for (k, v) in doc {
                    merged.insert(k, v);
                }
                let Some(merged) = serialize(&merged, "link") else {
                    return;
                };
                let previous = std::mem::replace(&mut self.docs[i], merged);
                if self.from_store[i] {
                    self.before_change.entry(i).or_insert(previous);
                }
            }
            None => {
                self.index.insert(key, self.docs.len());
                self.docs.push(raw);
                self.from_store.push(false);
            }
        }
    }

    /// Every link of the environment in natural order (stored first, then new).
    pub fn all(&self) -> &[RawDocumentBuf] {
        &self.docs
    }

    /// Copies of every link as documents (for inspection; the run itself reads them raw).
    pub fn documents(&self) -> Vec<Document> {
        self.docs
            .iter()
            .filter_map(|d| deserialize(d, "link document"))
            .collect()
    }

    /// Documents that differ from their stored version (or are new), for the write-back.
    pub fn into_changed(self) -> Vec<RawDocumentBuf> {
        let LinkSet {
            docs,
            from_store,
            before_change,
            ..
        } = self;
        docs.into_iter()
            .enumerate()
            .filter(|(i, d)| !from_store[*i] || before_change.get(i).is_some_and(|b| b != d))
            .map(|(_, d)| d)
            .collect()
    }

    /// Links added (found again or new) in this run, in natural order.
    pub fn touched(&self) -> Vec<RawDocumentBuf> {
        self.docs
            .iter()
            .filter(|d| self.touched.contains(&link_key(d)))
            .cloned()
            .collect()
    }

    /// Marks every stored link no finder added in this run for deletion (it stays in `all()`).
    pub fn drop_untouched(&mut self) {
        for (d, from_store) in self.docs.iter().zip(&self.from_store) {
            if *from_store && !self.touched.contains(&link_key(d)) {
                if let Some(id) = field(d, "_id") {
                    self.removed.push(id);
                }
            }
        }
    }

    pub fn removed(&self) -> &[Bson] {
        &self.removed
    }

    /// How many links each type's finder created in this run (writes, not distinct keys).
    pub fn created_per_type(&self) -> &BTreeMap<String, usize> {
        &self.created
    }
}

fn link_key(d: &RawDocument) -> LinkKey {
    let s = |k: &str| id_field(d, k).unwrap_or_default();
    (s("source_id"), s("target_id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(target: &str, up: bool) -> NewLink {
        NewLink::from_refs((Bson::Null, "a".into()), (Bson::Null, target.into()), "x-y").up(up)
    }

    #[test]
    fn only_new_links_and_stored_links_that_end_different_are_written() {
        let stored = |target: &str| {
            let mut d = keys::encode(&link(target, true).to_document("E"));
            d.insert("_id", ObjectId::new());
            serialize(&d, "link").unwrap()
        };
        let mut set = LinkSet::new("E", vec![stored("same"), stored("down"), stored("back")]);
        set.add(link("same", true));
        set.add(link("down", false));
        set.add(link("back", false));
        set.add(link("back", true));
        set.add(link("new", true));
        let written: Vec<String> = set
            .into_changed()
            .iter()
            .map(|d| id_field(d, "target_id").unwrap())
            .collect();
        assert_eq!(written, ["down", "new"]);
    }
}
