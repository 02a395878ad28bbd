//! The end-of-scan summary: readable lines on stderr, or one JSON line on stdout.

use super::{Failure, Outcome};
use crate::access::metrics::RequestCounts;
use crate::output;
use crate::store::Logical;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// Documents of the scanned environment in one collection, per kind.
struct CollectionCount {
    logical: &'static str,
    physical: String,
    per_kind: Result<BTreeMap<String, u64>, String>,
}

pub struct Summary {
    env: String,
    status: &'static str,
    seconds: f64,
    written: BTreeMap<String, u64>,
    requests: RequestCounts,
    collections: Vec<CollectionCount>,
}

impl Summary {
    pub async fn collect(outcome: &Outcome, elapsed: Duration) -> Summary {
        let store = &outcome.store;
        let mut collections = Vec::new();
        for (logical, field) in [
            (Logical::Inventory, "type"),
            (Logical::Links, "link_type"),
            (Logical::Cliques, "focal_point_type"),
        ] {
            collections.push(CollectionCount {
                logical: logical.name(),
                physical: store.names().physical(logical),
                per_kind: store
                    .count_by(logical, &outcome.env, field)
                    .await
                    .map_err(|e| e.to_string()),
            });
        }
        Summary {
            env: outcome.env.clone(),
            status: outcome.status,
            seconds: elapsed.as_secs_f64(),
            written: outcome.saved_per_type.clone(),
            requests: outcome.requests,
            collections,
        }
    }

    pub fn print_human(&self) {
        let written: u64 = self.written.values().sum();
        output::print_line(&format!(
            "scan of environment '{}' finished in {:.1} s, status: {} ({written} objects written)",
            self.env, self.seconds, self.status
        ));
        let r = &self.requests;
        output::print_line(&format!(
            "  requests: {} HTTP, {} SQL, {} SSH; longest chain of sequential requests: {}",
            r.http, r.sql, r.ssh, r.longest_chain
        ));
        for c in &self.collections {
            match &c.per_kind {
                Ok(counts) => {
                    let total: u64 = counts.values().sum();
                    output::print_line(&format!(
                        "  {:<10} {total:>7} documents  (collection {})",
                        c.logical, c.physical
                    ));
                    // Three kinds a line keeps the summary of a whole cloud on one screen.
                    let cells: Vec<String> = counts
                        .iter()
                        .map(|(kind, n)| format!("{kind:<25}{n:>6}"))
                        .collect();
                    for row in cells.chunks(3) {
                        output::print_line(&format!("    {}", row.join("   ")));
                    }
                }
                Err(e) => {
                    output::print_line(&format!("  {}: cannot count documents: {e}", c.logical))
                }
            }
        }
    }

    pub fn print_json(&self) {
        let mut counts = Map::new();
        for c in &self.collections {
            counts.insert(c.logical.to_string(), match &c.per_kind {
                Ok(per_kind) => json!({"collection": c.physical, "total": per_kind.values().sum::<u64>(), "per_kind": per_kind}),
                Err(e) => json!({"collection": c.physical, "error": e}),
            });
        }
        output::print_json(&json!({
            "environment": self.env,
            "status": self.status,
            "duration_s": (self.seconds * 1000.0).round() / 1000.0,
            "written": self.written,
            "requests": self.requests,
            "collections": Value::Object(counts),
        }));
    }
}

pub fn print_failure_json(env: &str, failure: &Failure, elapsed: Duration) {
    output::print_json(&json!({
        "environment": env,
        "status": "failed",
        "error": crate::logging::redact(&failure.to_string()),
        "duration_s": (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
    }));
}
