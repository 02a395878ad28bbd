//! Choosing the clique type of each focal point type (links-and-cliques.md §5).

use crate::config::Environment;
use bson::{Bson, Document};

/// A targeting field of a clique type: absent, null and `""` count as not set.
enum Target<'a> {
    Unset,
    Text(&'a str),
    /// Set to something that is not a string (e.g. a list): never matches.
    Other,
}

fn target<'a>(doc: &'a Document, key: &str) -> Target<'a> {
    match doc.get(key) {
        None | Some(Bson::Null) => Target::Unset,
        Some(Bson::String(s)) if s.is_empty() => Target::Unset,
        Some(Bson::String(s)) => Target::Text(s),
        Some(_) => Target::Other,
    }
}

/// Score of one clique type for the environment: 64 exact env name, 1 `ANY`, else the
/// configuration score (distribution 32, version 16, mechanism driver 8, type driver 4, min 2);
/// 0 = not applicable.
pub fn score(candidate: &Document, env: &Environment) -> u32 {
    match target(candidate, "environment") {
        Target::Text(name) if name == env.name => return 64,
        Target::Text("ANY") => return 1,
        Target::Text(_) | Target::Other => return 0,
        Target::Unset => {}
    }
    let env_str = |key: &str| env.doc.get_str(key).ok().filter(|s| !s.is_empty());
    // Missing environment fields are a mismatch (the original crashed on them).
    let equals = |key: &str, wanted: &str| env_str(key) == Some(wanted);
    match target(candidate, "environment_type") {
        Target::Text(t) if t != env.environment_type() => return 0,
        Target::Other => return 0,
        _ => {}
    }
    let mut total = 0;
    match target(candidate, "distribution") {
        Target::Unset => {}
        Target::Text(d) if equals("distribution", d) => {
            total += 32;
            match target(candidate, "distribution_version") {
                Target::Unset => {}
                Target::Text(v) if equals("distribution_version", v) => total += 16,
                _ => return 0,
            }
        }
        _ => return 0,
    }
    match target(candidate, "mechanism_drivers") {
        Target::Unset => {}
        Target::Text(m) if env.mechanism_drivers().iter().any(|d| d == m) => total += 8,
        _ => return 0,
    }
    match target(candidate, "type_drivers") {
        Target::Unset => {}
        Target::Text(t) if equals("type_drivers", t) => total += 4,
        _ => return 0,
    }
    total.max(2)
}

/// The clique type chosen for one focal point type.
#[derive(Debug, Clone)]
pub struct Selection<'a> {
    pub focal_point_type: String,
    pub clique_type: &'a Document,
    pub score: u32,
}

/// One selection per focal point type, in order of first appearance in `types` (natural
/// collection order); ties go to the first candidate. Types whose best score is 0 are left out
/// with a warning.
pub fn select<'a>(types: &'a [Document], env: &Environment) -> Vec<Selection<'a>> {
    let mut order: Vec<String> = Vec::new();
    let mut best: Vec<Option<Selection<'a>>> = Vec::new();
    for candidate in types {
        let fpt = candidate
            .get_str("focal_point_type")
            .unwrap_or("")
            .to_string();
        let slot = match order.iter().position(|t| *t == fpt) {
            Some(i) => i,
            None => {
                order.push(fpt.clone());
                best.push(None);
                order.len() - 1
            }
        };
        let s = score(candidate, env);
        log::debug!(
            "clique type '{}' for focal point type {fpt}: score {s}",
            candidate.get_str("name").unwrap_or("")
        );
        if best[slot].as_ref().is_none_or(|b| s > b.score) {
            best[slot] = Some(Selection {
                focal_point_type: fpt,
                clique_type: candidate,
                score: s,
            });
        }
    }
    best.into_iter()
        .flatten()
        .filter(|sel| {
            if sel.score == 0 {
                log::warn!(
                    "No matching clique types for focal point type: {}",
                    sel.focal_point_type
                );
            }
            sel.score > 0
        })
        .collect()
}
