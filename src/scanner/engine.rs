//! The breadth-first walk of the scan tree (scanner.md §5, §7).

use super::condition;
use super::metadata::{FetcherSpec, ScannerTree, TypeEntry};
use super::save::{save_object, SaveError, Saved};
use crate::doc::{id_string, str_field, Object};
use crate::fetchers::{registry, FetchError, Fetcher, ScanContext};
use crate::output::Progress;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("unknown scanner: {0}")]
    UnknownScanner(String),
    #[error("fetcher {0} is not implemented in this version")]
    FetcherMissing(String),
    #[error("{0}")]
    Fetch(String),
    #[error("{0}")]
    Store(String),
}

/// One queued subtree: the saved object and the scanner to run on it.
struct QueueItem {
    object: Object,
    child_id_field: String,
    scanner: String,
}

/// Counts for the summary.
#[derive(Debug, Default, Clone)]
pub struct InventoryStats {
    pub saved_per_type: BTreeMap<String, u64>,
    pub fetch_calls: u64,
}

/// One inventory phase: created per run, so nothing (queue, fetchers, error flag) survives it.
pub struct Scanner<'a> {
    tree: &'a ScannerTree,
    ctx: &'a ScanContext,
    progress: Progress,
    fetchers: HashMap<(String, usize), Arc<dyn Fetcher>>,
    queue: VecDeque<QueueItem>,
    /// An SSH failure happened: the run ends "errors detected".
    pub found_errors: bool,
    pub stats: InventoryStats,
}

impl<'a> Scanner<'a> {
    pub fn new(tree: &'a ScannerTree, ctx: &'a ScanContext, progress: Progress) -> Self {
        Scanner {
            tree,
            ctx,
            progress,
            fetchers: HashMap::new(),
            queue: VecDeque::new(),
            found_errors: false,
            stats: InventoryStats::default(),
        }
    }

    /// Runs the root scanner on `root`, then drains the queue.
    pub async fn run(
        &mut self,
        scanner: &str,
        root: Object,
        id_field: &str,
        child_id: Option<&str>,
        child_type: Option<&str>,
    ) -> Result<(), ScanError> {
        self.scan(scanner, &root, id_field, child_id, child_type)
            .await?;
        while let Some(item) = self.queue.pop_front() {
            self.progress.set_queue(self.queue.len());
            self.scan(
                &item.scanner,
                &item.object,
                &item.child_id_field,
                None,
                None,
            )
            .await?;
        }
        log::info!("Scan complete");
        Ok(())
    }

    async fn scan(
        &mut self,
        scanner: &str,
        parent: &Object,
        id_field: &str,
        child_id: Option<&str>,
        child_type: Option<&str>,
    ) -> Result<(), ScanError> {
        let tree = self.tree;
        let entries = tree
            .get(scanner)
            .ok_or_else(|| ScanError::UnknownScanner(scanner.to_string()))?;
        for (index, entry) in entries.iter().enumerate() {
            if child_type.is_some_and(|t| !t.is_empty() && t != entry.object_type) {
                continue;
            }
            match self
                .scan_type(scanner, index, entry, parent, id_field)
                .await
            {
                Ok(children) => {
                    if let Some(wanted) = child_id {
                        let found = children.iter().any(|c| {
                            c.get(id_field).and_then(id_string).as_deref() == Some(wanted)
                        });
                        log::debug!(
                            "object {wanted} {} among the children",
                            if found { "found" } else { "not found" }
                        );
                    }
                }
                Err(EntryError::Value(message)) => {
                    log::error!("{message}");
                    break;
                }
                Err(EntryError::Fatal(e)) => return Err(e),
            }
        }
        Ok(())
    }

    async fn scan_type(
        &mut self,
        scanner: &str,
        index: usize,
        entry: &TypeEntry,
        parent: &Object,
        id_field: &str,
    ) -> Result<Vec<Object>, EntryError> {
        let ctx = self.ctx;
        if !condition::matches(entry.environment_condition.as_ref(), &ctx.env.doc) {
            return Ok(Vec::new());
        }
        let parent_id = parent.get(id_field).and_then(id_string).unwrap_or_default();
        if parent_id.trim_end().is_empty() {
            return Err(EntryError::Value(format!(
                "Object missing {id_field} attribute"
            )));
        }
        let fetcher = self.fetcher(scanner, index, entry)?;
        let parent_type = str_field(parent, "type").unwrap_or("environment");
        let parent_name = parent.get("name").and_then(id_string).unwrap_or_default();
        log::info!(
            "Scanning: type={}, parent: (type={parent_type}, name={parent_name}, id={parent_id})",
            entry.object_type
        );
        self.progress.set_current(&entry.object_type, &parent_id);
        self.stats.fetch_calls += 1;
        let results = match fetcher.get(&parent_id, ctx).await {
            Ok(results) => results,
            Err(FetchError::Ssh(e)) => {
                log::error!("{e}");
                self.found_errors = true;
                return Ok(Vec::new());
            }
            Err(e) => {
                let message = format!(
                    "Error while scanning: fetcher={}, type={}, parent: (type={parent_type}, name={parent_name}, id={parent_id}), error: {e}",
                    entry.fetcher.label(),
                    entry.object_type
                );
                log::error!("{message}");
                return Err(EntryError::Fatal(ScanError::Fetch(e.to_string())));
            }
        };
        let mut children = Vec::with_capacity(results.len());
        for mut object in results {
            let saved = save_object(
                &ctx.store,
                &ctx.env.name,
                &entry.object_type,
                parent,
                &mut object,
            )
            .await;
            match saved {
                Ok(Saved::Yes) => {
                    *self
                        .stats
                        .saved_per_type
                        .entry(entry.object_type.clone())
                        .or_default() += 1;
                    self.progress.object_saved();
                    if let Some(next) = &entry.children_scanner {
                        self.queue.push_back(QueueItem {
                            object: object.clone(),
                            child_id_field: entry.child_id_field.clone(),
                            scanner: next.clone(),
                        });
                    }
                    children.push(object);
                }
                Ok(Saved::MasterParentMissing) => {}
                Err(SaveError::Value(message)) => return Err(EntryError::Value(message)),
                Err(SaveError::Store(e)) => {
                    return Err(EntryError::Fatal(ScanError::Store(e.to_string())))
                }
            }
        }
        Ok(children)
    }

    /// The entry's fetcher, created on first use and kept for the rest of the run.
    fn fetcher(
        &mut self,
        scanner: &str,
        index: usize,
        entry: &TypeEntry,
    ) -> Result<Arc<dyn Fetcher>, EntryError> {
        let key = (scanner.to_string(), index);
        if let Some(f) = self.fetchers.get(&key) {
            return Ok(f.clone());
        }
        let fetcher: Arc<dyn Fetcher> = match &entry.fetcher {
            FetcherSpec::Folder(folder) => Arc::new(folder.clone()),
            FetcherSpec::Named(name) => registry::create(name)
                .map(Arc::from)
                .ok_or_else(|| EntryError::Fatal(ScanError::FetcherMissing(name.clone())))?,
        };
        self.fetchers.insert(key, fetcher.clone());
        Ok(fetcher)
    }
}

enum EntryError {
    Value(String),
    Fatal(ScanError),
}
