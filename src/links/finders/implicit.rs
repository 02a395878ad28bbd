//! `FindImplicitLinks`: the transitive closure of link chains as `implicit: true` links (§2.7).
//!
//! Mirrors the original's pass structure and write order; the one change is that a produced
//! link identical to one produced earlier in the run is written again but not extended again,
//! which makes the loop terminate on cycles and diamonds.

use crate::doc::id_string;
use crate::links::{LinkError, NewLink, Workspace};
use bson::{Bson, Document};
use std::collections::{HashMap, HashSet};

pub fn run(ws: &mut Workspace) -> Result<(), LinkError> {
    log::info!("adding implicit links");
    log::info!("fetching existing links");
    let env = ws.links.env().to_string();
    // After a change (prune mode) only the links found again in this run count: stored links,
    // implicit or not, may no longer hold. Otherwise all links, read in place (at 100 hosts a
    // copy of them takes ~125 MB).
    let found = if ws.prune_implicit {
        find_implicit_links(&env, &ws.links.touched(), &ws.constraint_attributes)
    } else {
        find_implicit_links(&env, ws.links.all(), &ws.constraint_attributes)
    };
    for link in found {
        ws.links.add(link);
    }
    log::info!("done adding implicit links");
    Ok(())
}

/// The implicit links for `originals` (the environment's links in natural order), in the order
/// the original writes them. `attributes` = the constraint attribute names.
pub fn find_implicit_links(
    env: &str,
    originals: &[Document],
    attributes: &[String],
) -> Vec<NewLink> {
    let mut by_source: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, d) in originals.iter().enumerate() {
        by_source.entry(s(d, "source_id")).or_default().push(i);
    }
    // The first pass extends the originals themselves; later ones the links the previous pass
    // produced for the first time, named by their place in `out` and rebuilt one at a time
    // (kept as documents they took ~55 MB more at 100 hosts).
    let mut produced: Vec<usize> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut out: Vec<NewLink> = Vec::new();
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
            let first = if pass == 1 {
                &originals[k]
            } else {
                rebuilt = out[produced[k]].to_document(env);
                &rebuilt
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
                if seen.insert(fingerprint(&link.to_document(env))) {
                    next.push(out.len());
                }
                out.push(link);
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
pub fn links_match(first: &Document, second: &Document, attributes: &[String]) -> bool {
    s(first, "link_type") != s(second, "link_type")
        && s(first, "source_id") != s(second, "target_id")
        && s(first, "target_id") == s(second, "source_id")
        && constraints_compatible(first, second, attributes)
}

fn constraints_compatible(a: &Document, b: &Document, attributes: &[String]) -> bool {
    let (Some(aa), Some(ba)) = (attrs(a), attrs(b)) else {
        return true;
    };
    attributes.iter().all(|k| match (aa.get(k), ba.get(k)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    })
}

fn attrs(d: &Document) -> Option<&Document> {
    d.get_document("attributes").ok().filter(|a| !a.is_empty())
}

/// `instance-vnic` + `vnic-vconnector` ⇒ `instance-vconnector`.
pub fn derived_type(first: &str, second: &str) -> String {
    let head = first.split('-').next().unwrap_or_default();
    let middle = second.split('-').nth(1).unwrap_or_default();
    format!("{head}-{middle}")
}

fn implicit_link(first: &Document, second: &Document, attributes: &[String]) -> NewLink {
    let down = |d: &Document| d.get_str("state").ok() == Some("down");
    let mut merged = Document::new();
    for k in attributes {
        let found = [first, second]
            .into_iter()
            .find_map(|d| d.get_document("attributes").ok().and_then(|a| a.get(k)));
        if let Some(v) = found {
            merged.insert(k.clone(), v.clone());
        }
    }
    let mut link = NewLink::from_refs(
        (field(first, "source"), s(first, "source_id")),
        (field(second, "target"), s(second, "target_id")),
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
fn shared(a: &Document, b: &Document, key: &str) -> Option<String> {
    let get = |d: &Document| d.get(key).and_then(id_string).filter(|v| !v.is_empty());
    match (get(a), get(b)) {
        (Some(x), Some(y)) => (x == y).then_some(x),
        (x, y) => x.or(y),
    }
}

/// The fields that make two produced links the same link (one string, built in place: it is
/// computed for every produced link, ~100,000 at 100 hosts).
fn fingerprint(d: &Document) -> String {
    use std::fmt::Write;
    let mut key = String::new();
    for k in [
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

fn field(d: &Document, key: &str) -> Bson {
    d.get(key).cloned().unwrap_or(Bson::Null)
}

fn s(d: &Document, key: &str) -> String {
    d.get(key).and_then(id_string).unwrap_or_default()
}
