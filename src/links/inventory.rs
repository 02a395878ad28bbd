//! The environment's inventory held in memory for the links phase: read once, indexed by `id`
//! and by `type`. When a finder sets a `network` field, later reads of the document show it,
//! exactly as later finders would have seen it after a database write.

use super::fields::value_matches;
use crate::doc::Object;
use crate::serialized::{self, deserialize, id_field};
use crate::store::keys;
use bson::{Bson, RawDocumentBuf};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

/// Per (type, field): documents by field value (array fields under each element), in natural
/// order. Built on first use, so each finder's lookups cost a hash probe instead of a scan.
type FieldIndex = HashMap<(String, String), HashMap<String, Vec<usize>>>;

pub struct Inventory {
    /// As stored (keys encoded), serialized: at 100 hosts the 11,300 documents take 18 MB this
    /// way and ~150 MB as `Document`s. Each access decodes a copy.
    docs: Vec<RawDocumentBuf>,
    /// First document (natural order) per `id`: the original's `get_by_id` has no type.
    by_id: HashMap<String, usize>,
    by_type: HashMap<String, Vec<usize>>,
    /// Fields set by finders, per document, to be written back with `$set` (and seen by later
    /// reads of the document).
    updates: BTreeMap<usize, Object>,
    field_index: Mutex<FieldIndex>,
}

/// Index of a document inside an [`Inventory`].
pub type DocRef = usize;

impl Inventory {
    /// `docs` are the environment's inventory documents in natural order, as stored.
    pub fn new(docs: Vec<RawDocumentBuf>) -> Inventory {
        let mut by_id = HashMap::new();
        let mut by_type: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, d) in docs.iter().enumerate() {
            if let Some(id) = id_field(d, "id") {
                by_id.entry(id).or_insert(i);
            }
            if let Ok(t) = d.get_str("type") {
                by_type.entry(t.to_string()).or_default().push(i);
            }
        }
        Inventory {
            docs,
            by_id,
            by_type,
            updates: BTreeMap::new(),
            field_index: Mutex::new(HashMap::new()),
        }
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The document (keys decoded) with the fields finders have set on it.
    pub fn get(&self, r: DocRef) -> Object {
        let mut doc = deserialize(&self.docs[r], "inventory document")
            .map(|d| keys::decode(&d))
            .unwrap_or_default();
        if let Some(set) = self.updates.get(&r) {
            for (k, v) in set {
                doc.insert(k.clone(), v.clone());
            }
        }
        doc
    }

    /// The original's `get_by_id`: first document with this `id`, any type.
    pub fn by_id(&self, id: &str) -> Option<Object> {
        self.by_id.get(id).map(|&i| self.get(i))
    }

    /// Documents of one type, in natural order.
    pub fn of_type(&self, object_type: &str) -> Vec<DocRef> {
        self.by_type.get(object_type).cloned().unwrap_or_default()
    }

    /// First document of `object_type` whose fields equal `filter` (Mongo equality rules).
    pub fn find(&self, object_type: &str, filter: &[(&str, Bson)]) -> Option<Object> {
        self.matching(object_type, filter)
            .next()
            .map(|r| self.get(r))
    }

    /// Every document of `object_type` whose fields equal `filter`, in natural order.
    pub fn find_all(&self, object_type: &str, filter: &[(&str, Bson)]) -> Vec<Object> {
        self.matching(object_type, filter)
            .map(|r| self.get(r))
            .collect()
    }

    /// The documents `find_all` returns, checked field by field: only those are decoded whole.
    fn matching<'s>(
        &'s self,
        object_type: &str,
        filter: &'s [(&str, Bson)],
    ) -> impl Iterator<Item = DocRef> + 's {
        let candidates = match filter.first() {
            Some((field, wanted)) if !matches!(wanted, Bson::Null | Bson::Array(_)) => {
                self.indexed(object_type, field, wanted)
            }
            _ => self.of_type(object_type),
        };
        candidates.into_iter().filter(move |&r| {
            filter
                .iter()
                .all(|(k, v)| value_matches(self.field_of(r, k).as_ref(), v))
        })
    }

    fn indexed(&self, object_type: &str, field: &str, wanted: &Bson) -> Vec<DocRef> {
        let mut cache = match self.field_index.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let by_value = cache
            .entry((object_type.to_string(), field.to_string()))
            .or_insert_with(|| {
                let mut by_value: HashMap<String, Vec<usize>> = HashMap::new();
                for i in self.of_type(object_type) {
                    let value = self.field_of(i, field);
                    let values = match &value {
                        Some(Bson::Array(items)) => items.iter().collect(),
                        Some(v) => vec![v],
                        None => Vec::new(),
                    };
                    for v in values {
                        let refs = by_value.entry(value_key(v)).or_default();
                        if refs.last() != Some(&i) {
                            refs.push(i);
                        }
                    }
                }
                by_value
            });
        by_value
            .get(&value_key(wanted))
            .cloned()
            .unwrap_or_default()
    }

    /// One field of a document as [`Inventory::get`] shows it, decoding only that field (the
    /// field indexes read one field of every document of a type).
    fn field_of(&self, r: DocRef, field: &str) -> Option<Bson> {
        if let Some(set) = self.updates.get(&r).and_then(|set| set.get(field)) {
            return Some(set.clone());
        }
        serialized::field(&self.docs[r], &keys::encode_key(field)).map(|v| keys::decode_value(&v))
    }

    /// Sets a field (later reads see it) and remembers it for the write-back.
    pub fn set_field(&mut self, r: DocRef, key: &str, value: Bson) {
        if let Ok(cache) = self.field_index.get_mut() {
            cache.retain(|(_, field), _| field != key);
        }
        self.updates.entry(r).or_default().insert(key, value);
    }

    /// Documents changed by finders with the fields that changed (a document set twice keeps the
    /// last value, as the last re-save wins in the original).
    pub fn updates(&self) -> impl Iterator<Item = (Object, &Object)> {
        self.updates.iter().map(|(&i, set)| (self.get(i), set))
    }

    pub fn updated_count(&self) -> usize {
        self.updates.len()
    }

    /// Refs of documents changed so far (for tests and summaries).
    pub fn updated_refs(&self) -> BTreeSet<DocRef> {
        self.updates.keys().copied().collect()
    }
}

/// Hash key of a value: the Debug form keeps the BSON type, as Mongo equality mostly does.
fn value_key(v: &Bson) -> String {
    format!("{v:?}")
}
