//! The 60 s command-output cache of the CLI access (fetchers.md §2.4), shared by concurrent
//! callers: the first caller of a (target, command) runs it, the others wait for its answer.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// How long an output is reused.
const LIFETIME: Duration = Duration::from_secs(60);
/// Expired entries are dropped at most this often (a sweep visits every entry; doing it on
/// every call made a large scan quadratic).
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// One output, filled by its first caller.
pub type Output = Arc<OnceCell<String>>;

pub struct OutputCache {
    entries: HashMap<(String, String), (Instant, Output)>,
    last_sweep: Instant,
}

impl Default for OutputCache {
    fn default() -> Self {
        OutputCache {
            entries: HashMap::new(),
            last_sweep: Instant::now(),
        }
    }
}

impl OutputCache {
    /// Forgets every output (the listener, after a change on the hosts).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The output cell of `command` on `target`: a live one, or a new empty one.
    pub fn cell(&mut self, target: &str, command: &str) -> Output {
        let now = Instant::now();
        if now.duration_since(self.last_sweep) >= SWEEP_EVERY {
            self.entries
                .retain(|_, (at, _)| now.duration_since(*at) < LIFETIME);
            self.last_sweep = now;
        }
        let entry = self
            .entries
            .entry((target.to_string(), command.to_string()))
            .or_insert_with(|| (now, Output::default()));
        if now.duration_since(entry.0) >= LIFETIME {
            *entry = (now, Output::default());
        }
        entry.1.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cell_per_target_and_command() {
        let mut cache = OutputCache::default();
        let first = cache.cell("node-1", "virsh list");
        assert!(Arc::ptr_eq(&first, &cache.cell("node-1", "virsh list")));
        assert!(!Arc::ptr_eq(&first, &cache.cell("node-2", "virsh list")));
        assert!(!Arc::ptr_eq(&first, &cache.cell("node-1", "ip netns list")));
    }
}
