//! Link documents (links-and-cliques.md §1) and the in-memory link collection of one run.

use crate::doc::{id_string, truthy, Object};
use crate::store::keys;
use bson::{oid::ObjectId, Bson, Document};
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
pub struct LinkSet {
    env: String,
    docs: Vec<Document>,
    index: HashMap<LinkKey, usize>,
    /// The stored version of each document (None for documents new in this run).
    stored: Vec<Option<Document>>,
    created: BTreeMap<String, usize>,
    /// `_id`s of stored links to delete (links no finder found again).
    removed: Vec<Bson>,
    /// Keys added in this run.
    touched: HashSet<LinkKey>,
}

impl LinkSet {
    /// `stored` are the environment's link documents as read raw from the links collection.
    pub fn new(env: &str, stored: Vec<Document>) -> LinkSet {
        let mut set = LinkSet {
            env: env.to_string(),
            docs: Vec::new(),
            index: HashMap::new(),
            stored: Vec::new(),
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
            set.stored.push(Some(d.clone()));
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
        match self.index.get(&key) {
            Some(&i) => {
                for (k, v) in doc {
                    self.docs[i].insert(k, v);
                }
            }
            None => {
                self.index.insert(key, self.docs.len());
                self.docs.push(doc);
                self.stored.push(None);
            }
        }
    }

    /// Every link of the environment in natural order (stored first, then new).
    pub fn all(&self) -> &[Document] {
        &self.docs
    }

    pub fn get(&self, source_id: &str, target_id: &str) -> Option<&Document> {
        self.index
            .get(&(source_id.to_string(), target_id.to_string()))
            .map(|&i| &self.docs[i])
    }

    /// Documents that differ from their stored version (or are new), for the write-back.
    pub fn changed(&self) -> Vec<&Document> {
        self.docs
            .iter()
            .zip(&self.stored)
            .filter(|(d, s)| s.as_ref() != Some(*d))
            .map(|(d, _)| d)
            .collect()
    }

    /// Links added (found again or new) in this run, in natural order.
    pub fn touched(&self) -> Vec<Document> {
        self.docs
            .iter()
            .filter(|d| self.touched.contains(&link_key(d)))
            .cloned()
            .collect()
    }

    /// Marks every stored link no finder added in this run for deletion (it stays in `all()`).
    pub fn drop_untouched(&mut self) {
        for (d, stored) in self.docs.iter().zip(&self.stored) {
            if let Some(stored) = stored {
                if !self.touched.contains(&link_key(d)) {
                    if let Some(id) = stored.get("_id") {
                        self.removed.push(id.clone());
                    }
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

fn link_key(d: &Document) -> LinkKey {
    let s = |k: &str| d.get(k).and_then(id_string).unwrap_or_default();
    (s("source_id"), s("target_id"))
}
