//! The breadth-first walk of the scan tree (scanner.md §5, §7).
//!
//! The queue is processed in waves: a wave is everything queued by the previous one, so every
//! object of depth k is stored before any fetcher of depth k+1 runs — the ordering guarantee the
//! original's FIFO gives and the fetchers rely on. Items of one wave run concurrently (at most
//! `jobs` at a time) and their children are queued in item order; within an item the entries run
//! in order and the children of each entry are written in one batch before the next entry runs.

use super::condition;
use super::metadata::{FetcherSpec, ScannerTree, TypeEntry};
use super::save::{complete_object, Completed, Paths, SaveError};
use crate::access::metrics;
use crate::doc::{id_string, str_field, Object};
use crate::fetchers::{registry, FetchError, Fetcher, ScanContext};
use crate::output::Progress;
use crate::store::prepare_for_write;
use futures::{StreamExt, TryStreamExt};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

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
    /// Requests made one after another on the path from the root to this object.
    chain: u64,
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
    jobs: usize,
    paths: Paths<'a>,
    fetchers: Mutex<HashMap<(String, usize), Arc<dyn Fetcher>>>,
    found_errors: AtomicBool,
    stats: Mutex<InventoryStats>,
}

impl<'a> Scanner<'a> {
    pub fn new(
        tree: &'a ScannerTree,
        ctx: &'a ScanContext,
        progress: Progress,
        jobs: usize,
    ) -> Self {
        Scanner {
            tree,
            ctx,
            progress,
            jobs: jobs.max(1),
            paths: Paths::new(&ctx.store, &ctx.env.name),
            fetchers: Mutex::new(HashMap::new()),
            found_errors: AtomicBool::new(false),
            stats: Mutex::new(InventoryStats::default()),
        }
    }

    /// An SSH failure happened: the run ends "errors detected".
    pub fn found_errors(&self) -> bool {
        self.found_errors.load(Ordering::Relaxed)
    }

    pub fn stats(&self) -> InventoryStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Runs the root scanner on `root`, then every wave of queued subtrees.
    pub async fn run(
        &self,
        scanner: &str,
        root: Object,
        id_field: &str,
        child_id: Option<&str>,
        child_type: Option<&str>,
    ) -> Result<(), ScanError> {
        self.ctx.start_run();
        let root_scan = self.scan(scanner, &root, id_field, child_id, child_type);
        let mut wave = metrics::on_path(0, root_scan).await.0?;
        while !wave.is_empty() {
            let next: Vec<Vec<QueueItem>> = futures::stream::iter(wave)
                .map(|item| async move {
                    let work = self.scan(
                        &item.scanner,
                        &item.object,
                        &item.child_id_field,
                        None,
                        None,
                    );
                    metrics::on_path(item.chain, work).await.0
                })
                .buffered(self.jobs)
                .try_collect()
                .await?;
            wave = next.into_iter().flatten().collect();
        }
        log::info!("Scan complete");
        Ok(())
    }

    /// Runs one scanner on one parent; returns the children to queue, in order.
    async fn scan(
        &self,
        scanner: &str,
        parent: &Object,
        id_field: &str,
        child_id: Option<&str>,
        child_type: Option<&str>,
    ) -> Result<Vec<QueueItem>, ScanError> {
        let entries = self
            .tree
            .get(scanner)
            .ok_or_else(|| ScanError::UnknownScanner(scanner.to_string()))?;
        let mut queued = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            if child_type.is_some_and(|t| !t.is_empty() && t != entry.object_type) {
                continue;
            }
            match self
                .scan_type(scanner, index, entry, parent, id_field, &mut queued)
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
        Ok(queued)
    }

    async fn scan_type(
        &self,
        scanner: &str,
        index: usize,
        entry: &TypeEntry,
        parent: &Object,
        id_field: &str,
        queued: &mut Vec<QueueItem>,
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
        if let Ok(mut stats) = self.stats.lock() {
            stats.fetch_calls += 1;
        }
        let results = match fetcher.get(&parent_id, ctx).await {
            Ok(results) => {
                self.save_aside().await?;
                results
            }
            Err(FetchError::Ssh(e)) => {
                log::error!("{e}");
                self.found_errors.store(true, Ordering::Relaxed);
                return Ok(Vec::new());
            }
            Err(e) => {
                log::error!(
                    "Error while scanning: fetcher={}, type={}, parent: (type={parent_type}, name={parent_name}, id={parent_id}), error: {e}",
                    entry.fetcher.label(),
                    entry.object_type
                );
                return Err(EntryError::Fatal(ScanError::Fetch(e.to_string())));
            }
        };
        let (children, value_error) = self.save_children(entry, parent, results).await?;
        for child in &children {
            if let Some(next) = &entry.children_scanner {
                queued.push(QueueItem {
                    object: child.clone(),
                    child_id_field: entry.child_id_field.clone(),
                    scanner: next.clone(),
                    chain: metrics::current_chain(),
                });
            }
        }
        match value_error {
            Some(message) => Err(EntryError::Value(message)),
            None => Ok(children),
        }
    }

    /// Writes the objects fetchers handed over for other places of the tree (ACI switches),
    /// before the results that name them as parents.
    async fn save_aside(&self) -> Result<(), EntryError> {
        let env = self.ctx.env.name.as_str();
        let mut writes = Vec::new();
        for mut aside in self.ctx.take_aside() {
            let completed = complete_object(
                &self.paths,
                env,
                &aside.object_type,
                &aside.parent,
                &mut aside.object,
            )
            .await;
            match completed {
                Ok(Completed::Child { folder, write }) => {
                    writes.extend(folder);
                    if write {
                        prepare_for_write(&mut aside.object);
                        writes.push(aside.object);
                    }
                }
                Ok(Completed::MasterParentMissing) => {}
                Err(SaveError::Value(message)) => log::error!("{message}"),
                Err(SaveError::Store(e)) => {
                    return Err(EntryError::Fatal(ScanError::Store(e.to_string())))
                }
            }
        }
        if writes.is_empty() {
            return Ok(());
        }
        self.ctx
            .store
            .upsert_objects(&mut writes)
            .await
            .map_err(|e| EntryError::Fatal(ScanError::Store(e.to_string())))
    }

    /// Completes and writes one entry's results; objects after a value error are dropped (the
    /// original stopped there too), those before it are kept.
    async fn save_children(
        &self,
        entry: &TypeEntry,
        parent: &Object,
        results: Vec<Object>,
    ) -> Result<(Vec<Object>, Option<String>), EntryError> {
        let env = self.ctx.env.name.as_str();
        let mut children = Vec::with_capacity(results.len());
        let mut writes = Vec::new();
        let mut value_error = None;
        for mut object in results {
            match complete_object(&self.paths, env, &entry.object_type, parent, &mut object).await {
                Ok(Completed::Child { folder, write }) => {
                    writes.extend(folder);
                    if write {
                        // Stamped now so the queued child carries `last_scanned`/`object_name` too.
                        prepare_for_write(&mut object);
                        writes.push(object.clone());
                    }
                    children.push(object);
                }
                Ok(Completed::MasterParentMissing) => {}
                Err(SaveError::Value(message)) => {
                    value_error = Some(message);
                    break;
                }
                Err(SaveError::Store(e)) => {
                    return Err(EntryError::Fatal(ScanError::Store(e.to_string())))
                }
            }
        }
        self.ctx
            .store
            .upsert_objects(&mut writes)
            .await
            .map_err(|e| EntryError::Fatal(ScanError::Store(e.to_string())))?;
        if let Ok(mut stats) = self.stats.lock() {
            *stats
                .saved_per_type
                .entry(entry.object_type.clone())
                .or_default() += children.len() as u64;
        }
        self.progress.objects_saved(children.len() as u64);
        Ok((children, value_error))
    }

    /// The entry's fetcher, created on first use and kept for the rest of the run.
    fn fetcher(
        &self,
        scanner: &str,
        index: usize,
        entry: &TypeEntry,
    ) -> Result<Arc<dyn Fetcher>, EntryError> {
        let key = (scanner.to_string(), index);
        let mut fetchers = self
            .fetchers
            .lock()
            .map_err(|_| EntryError::Fatal(ScanError::Fetch("fetcher table poisoned".into())))?;
        if let Some(f) = fetchers.get(&key) {
            return Ok(f.clone());
        }
        let fetcher: Arc<dyn Fetcher> = match &entry.fetcher {
            FetcherSpec::Folder(folder) => Arc::new(folder.clone()),
            FetcherSpec::Named(name) => registry::create(name)
                .map(Arc::from)
                .ok_or_else(|| EntryError::Fatal(ScanError::FetcherMissing(name.clone())))?,
        };
        fetchers.insert(key, fetcher.clone());
        Ok(fetcher)
    }
}

enum EntryError {
    Value(String),
    Fatal(ScanError),
}
