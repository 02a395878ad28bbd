//! Building one clique: the constraint check (§6) and the walk over link types (§7), on an
//! in-memory index of the environment's links.

use crate::serialized::{deserialize, field as raw_field};
use bson::{oid::ObjectId, Bson, Document, RawDocument, RawDocumentBuf};
use std::collections::{HashMap, HashSet};

/// The environment's links indexed by (link type, source) and (link type, target).
pub struct LinkIndex<'a> {
    links: &'a [RawDocumentBuf],
    by_source: HashMap<(String, ObjectId), Vec<usize>>,
    by_target: HashMap<(String, ObjectId), Vec<usize>>,
    /// Per link type: (any link, any explicit link).
    types: HashMap<String, (bool, bool)>,
}

impl<'a> LinkIndex<'a> {
    /// `links`: the link documents of the environment as stored, in natural order.
    pub fn new(links: &'a [RawDocumentBuf]) -> Self {
        let mut index = LinkIndex {
            links,
            by_source: HashMap::new(),
            by_target: HashMap::new(),
            types: HashMap::new(),
        };
        for (i, l) in links.iter().enumerate() {
            let t = l.get_str("link_type").unwrap_or("").to_string();
            let seen = index.types.entry(t.clone()).or_default();
            seen.0 = true;
            seen.1 |= explicit(l);
            if let Ok(s) = l.get_object_id("source") {
                index.by_source.entry((t.clone(), s)).or_default().push(i);
            }
            if let Ok(d) = l.get_object_id("target") {
                index.by_target.entry((t, d)).or_default().push(i);
            }
        }
        index
    }

    fn exists(&self, link_type: &str, implicit_ok: bool) -> bool {
        self.types
            .get(link_type)
            .is_some_and(|&(any, explicit)| if implicit_ok { any } else { explicit })
    }

    fn lookup(&self, link_type: &str, node: ObjectId, by_source: bool) -> &[usize] {
        let map = if by_source {
            &self.by_source
        } else {
            &self.by_target
        };
        map.get(&(link_type.to_string(), node))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

/// The walk's `{implicit: false}` filter matches only links whose field is false.
fn explicit(link: &RawDocument) -> bool {
    link.get_bool("implicit") == Ok(false)
}

/// §6: a link joins the clique unless one of its attributes contradicts the focal point's value.
pub fn link_accepted(constraints: &Document, link: &RawDocument) -> bool {
    let Ok(attributes) = link.get_document("attributes") else {
        return true;
    };
    constraints
        .iter()
        .all(|(name, wanted)| match raw_field(attributes, name) {
            None => true,
            Some(v) => match wanted {
                Bson::Array(items) => items.contains(&v),
                other => *other == v,
            },
        })
}

/// Nodes reached so far, per object type, in insertion order.
#[derive(Default)]
struct Visited {
    nodes: HashMap<String, (Vec<ObjectId>, HashSet<ObjectId>)>,
}

impl Visited {
    fn add(&mut self, object_type: &str, ids: Vec<ObjectId>) {
        let entry = self.nodes.entry(object_type.to_string()).or_default();
        for id in ids {
            if entry.1.insert(id) {
                entry.0.push(id);
            }
        }
    }
}

struct Walk<'i, 'a> {
    index: &'i LinkIndex<'a>,
    implicit_ok: bool,
    constraints: Document,
    visited: Visited,
    link_ids: Vec<ObjectId>,
    link_set: HashSet<ObjectId>,
    detailed: Vec<Bson>,
}

impl Walk<'_, '_> {
    /// One link type of the clique type; false when it added no node (the walk then stops).
    fn step(&mut self, link_type: &str) -> bool {
        let mut parts: Vec<&str> = link_type.split('-').collect();
        parts.reverse();
        let reversed = parts.join("-");
        let backward = reversed != link_type && self.index.exists(&reversed, self.implicit_ok);
        let stored_type = if backward {
            reversed.as_str()
        } else {
            link_type
        };
        let (first, rest) = stored_type.split_once('-').unwrap_or((stored_type, ""));
        let (known, reached) = if backward {
            (rest, first)
        } else {
            (first, rest)
        };
        let Some((nodes, _)) = self.visited.nodes.get(known) else {
            return false;
        };
        let nodes = nodes.clone();
        let mut new = Vec::new();
        for node in nodes {
            for &i in self.index.lookup(stored_type, node, !backward) {
                let link = &self.index.links[i];
                if !self.implicit_ok && !explicit(link) {
                    continue;
                }
                let Ok(id) = link.get_object_id("_id") else {
                    continue;
                };
                if self.link_set.contains(&id) || !link_accepted(&self.constraints, link) {
                    continue;
                }
                let Some(detail) = deserialize(link, "link document") else {
                    continue;
                };
                let far_end = if backward { "source" } else { "target" };
                if let Ok(other) = link.get_object_id(far_end) {
                    new.push(other);
                }
                self.link_set.insert(id);
                self.link_ids.push(id);
                self.detailed.push(Bson::Document(detail));
            }
        }
        let progressed = !new.is_empty();
        self.visited.add(reached, new);
        progressed
    }
}

/// The clique document of `focal` (raw inventory document) for clique type `clique_type`, or
/// `None` when the walk finds no link (nothing is then written).
pub fn build_clique(
    env: &str,
    focal: &Document,
    clique_type: &Document,
    constraint_names: &[String],
    index: &LinkIndex,
) -> Option<Document> {
    let focal_id = focal.get_object_id("_id").ok()?;
    let focal_type = focal.get_str("type").unwrap_or("").to_string();
    let constraints: Document = constraint_names
        .iter()
        .map(|c| (c.clone(), focal.get(c).cloned().unwrap_or(Bson::Null)))
        .collect();
    let mut walk = Walk {
        index,
        implicit_ok: clique_type.get_bool("use_implicit_links").unwrap_or(false),
        constraints: constraints.clone(),
        visited: Visited::default(),
        link_ids: Vec::new(),
        link_set: HashSet::new(),
        detailed: Vec::new(),
    };
    walk.visited.add(&focal_type, vec![focal_id]);
    let link_types = clique_type
        .get_array("link_types")
        .map(Vec::as_slice)
        .unwrap_or_default();
    for t in link_types {
        if !walk.step(t.as_str().unwrap_or("")) {
            break;
        }
    }
    if walk.link_ids.is_empty() {
        return None;
    }
    Some(bson::doc! {
        "environment": env,
        "focal_point": focal_id,
        "focal_point_type": focal_type,
        "links": walk.link_ids,
        "links_detailed": walk.detailed,
        "constraints": constraints,
        "clique_type": clique_type.get("_id").cloned().unwrap_or(Bson::Null),
    })
}
