//! `FindImplicitLinks`: the transitive closure of link chains as `implicit: true` links (§2.7).
//!
//! Mirrors the original's pass structure and write order; the one change is that a produced
//! link identical to one produced earlier in the run is written again but not extended again,
//! which makes the loop terminate on cycles and diamonds.

use crate::links::{LinkError, NewLink, Workspace};
use crate::serialized::{field as raw_field, id_field, serialize};
use bson::{Bson, Document, RawDocument, RawDocumentBuf};
use std::borrow::Cow;
use std::collections::hash_map::{Entry, HashMap};

pub fn run(ws: &mut Workspace) -> Result<(), LinkError> {
    log::info!("adding implicit links");
    log::info!("fetching existing links");
    let env = ws.links.env().to_string();
    // After a change (prune mode) only the links found again in this run count: stored links,
    // implicit or not, may no longer hold. Otherwise all links, read in place.
    let found = if ws.prune_implicit {
        find_implicit_links(&env, &ws.links.touched(), &ws.constraint_attributes)
    } else {
        find_implicit_links(&env, ws.links.all(), &ws.constraint_attributes)
    };
    for link in found.iter() {
        ws.links.add(link.clone());
    }
    log::info!("done adding implicit links");
    Ok(())
}

/// Implicit links in the order the original writes them. A link produced again is held once
/// (at 100 hosts ~100,000 are produced, ~27,000 distinct).
#[derive(Default)]
pub struct Produced {
    distinct: Vec<NewLink>,
    /// Per write: its link in `distinct`.
    order: Vec<usize>,
}

impl Produced {
    pub fn iter(&self) -> impl Iterator<Item = &NewLink> {
        self.order.iter().map(|&i| &self.distinct[i])
    }

    /// Writes, repeats included.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// The implicit links for `originals` (the environment's links in natural order), in the order
/// the original writes them. `attributes` = the constraint attribute names.
pub fn find_implicit_links(
    env: &str,
    originals: &[RawDocumentBuf],
    attributes: &[String],
) -> Produced {
    let mut by_source: HashMap<Cow<str>, Vec<usize>> = HashMap::new();
    for (i, d) in originals.iter().enumerate() {
        by_source.entry(s(d, "source_id")).or_default().push(i);
    }
    // The first pass extends the originals themselves; later ones the links the previous pass
    // produced for the first time, named by their place in `out.distinct` and serialized one
    // at a time.
    let mut produced: Vec<usize> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Produced::default();
    let mut pass = 1;
    loop {
        let frontier_len = if pass == 1 {
            originals.len()
        } else {
            produced.len()
        };
        let mut next = Vec::new();
        let mut count = 0;
        for k in 0..frontier_len {
            let rebuilt;
            let first: &RawDocument = if pass == 1 {
                &originals[k]
            } else {
                match serialize(&out.distinct[produced[k]].to_document(env), "implicit link") {
                    Some(raw) => {
                        rebuilt = raw;
                        &rebuilt
                    }
                    None => continue,
                }
            };
            log::debug!(
                "looking for matches for link: {};{}",
                s(first, "source_id"),
                s(first, "target_id")
            );
            let candidates = by_source.get(&s(first, "target_id"));
            for &i in candidates.map(Vec::as_slice).unwrap_or_default() {
                let second = &originals[i];
                if !links_match(first, second, attributes) {
                    continue;
                }
                let link = implicit_link(first, second, attributes);
                log::debug!(
                    "adding implicit link: link type: {}, from: {}, to: {}",
                    link.link_type(),
                    s(first, "source_id"),
                    s(second, "target_id")
                );
                count += 1;
                let at = match seen.entry(fingerprint(&link.to_document(env))) {
                    Entry::Occupied(known) => *known.get(),
                    Entry::Vacant(new) => {
                        let at = out.distinct.len();
                        out.distinct.push(link);
                        next.push(at);
                        *new.insert(at)
                    }
                };
                out.order.push(at);
            }
        }
        log::info!("Transitive closure pass #{pass}: found {count} implicit links");
        if count == 0 {
            break;
        }
        produced = next;
        pass += 1;
    }
    out
}

/// Whether `second` extends `first` (§2.7 step 3).
pub fn links_match(first: &RawDocument, second: &RawDocument, attributes: &[String]) -> bool {
    s(first, "link_type") != s(second, "link_type")
        && s(first, "source_id") != s(second, "target_id")
        && s(first, "target_id") == s(second, "source_id")
        && constraints_compatible(first, second, attributes)
}

fn constraints_compatible(a: &RawDocument, b: &RawDocument, attributes: &[String]) -> bool {
    let (Some(aa), Some(ba)) = (attrs(a), attrs(b)) else {
        return true;
    };
    attributes.iter().all(|k| match (attr(aa, k), attr(ba, k)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    })
}

fn attr<'a>(attributes: &'a RawDocument, key: &str) -> Option<bson::RawBsonRef<'a>> {
    attributes.get(key).ok().flatten()
}

fn attrs(d: &RawDocument) -> Option<&RawDocument> {
    d.get_document("attributes").ok().filter(|a| !a.is_empty())
}

/// `instance-vnic` + `vnic-vconnector` ⇒ `instance-vconnector`.
pub fn derived_type(first: &str, second: &str) -> String {
    let head = first.split('-').next().unwrap_or_default();
    let middle = second.split('-').nth(1).unwrap_or_default();
    format!("{head}-{middle}")
}

fn implicit_link(first: &RawDocument, second: &RawDocument, attributes: &[String]) -> NewLink {
    let down = |d: &RawDocument| d.get_str("state").ok() == Some("down");
    let mut merged = Document::new();
    for k in attributes {
        let found = [first, second].into_iter().find_map(|d| {
            d.get_document("attributes")
                .ok()
                .and_then(|a| raw_field(a, k))
        });
        if let Some(v) = found {
            merged.insert(k.clone(), v);
        }
    }
    let mut link = NewLink::from_refs(
        (field(first, "source"), s(first, "source_id").into_owned()),
        (field(second, "target"), s(second, "target_id").into_owned()),
        &derived_type(&s(first, "link_type"), &s(second, "link_type")),
    )
    .name("")
    .up(!down(first) && !down(second))
    .attributes(merged)
    .implicit();
    if let Some(host) = shared(first, second, "host") {
        link = link.host(host);
    }
    if let Some(switch) = shared(first, second, "switch") {
        link = link.switch(switch);
    }
    link
}

/// The value when only one link has it or both have the same; none when they differ.
fn shared(a: &RawDocument, b: &RawDocument, key: &str) -> Option<String> {
    let get = |d: &RawDocument| id_field(d, key).filter(|v| !v.is_empty());
    match (get(a), get(b)) {
        (Some(x), Some(y)) => (x == y).then_some(x),
        (x, y) => x.or(y),
    }
}

/// The fields that make two produced links the same link (every field an implicit link can
/// vary in; one string, built in place: it is computed for every produced link).
fn fingerprint(d: &Document) -> String {
    use std::fmt::Write;
    let mut key = String::new();
    for k in [
        "source",
        "target",
        "source_id",
        "target_id",
        "link_type",
        "state",
        "host",
        "switch",
        "attributes",
    ] {
        let _ = write!(key, "{:?}|", d.get(k));
    }
    key
}

fn field(d: &RawDocument, key: &str) -> Bson {
    raw_field(d, key).unwrap_or(Bson::Null)
}

/// A field as an id string; strings are borrowed (this runs for every candidate pair).
fn s<'a>(d: &'a RawDocument, key: &str) -> Cow<'a, str> {
    match d.get_str(key) {
        Ok(v) => Cow::Borrowed(v),
        Err(_) => Cow::Owned(id_field(d, key).unwrap_or_default()),
    }
}
