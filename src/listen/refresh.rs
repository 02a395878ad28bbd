//! What handlers ask of the rest of the pipeline: partial rescans through the scanner, and the
//! environment-wide links and cliques phases. Both are traits so handler tests can record the
//! calls instead of reaching OpenStack.

use crate::config::Environment;
use crate::doc::Object;
use crate::fetchers::ScanContext;
use crate::output::Progress;
use crate::scanner::{ScanError, Scanner, ScannerTree};
use crate::store::Store;
use async_trait::async_trait;
use bson::doc;
use std::sync::atomic::{AtomicBool, Ordering};

/// One subtree to rescan: run `scanner` on the inventory object `root_id`, optionally limited to
/// one child type / child id (scanner.md §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RescanTarget {
    pub scanner: String,
    pub root_id: String,
    pub child_id: Option<String>,
    pub child_type: Option<String>,
}

impl RescanTarget {
    pub fn new(scanner: &str, root_id: &str) -> Self {
        RescanTarget {
            scanner: scanner.into(),
            root_id: root_id.into(),
            child_id: None,
            child_type: None,
        }
    }

    pub fn child_type(mut self, t: &str) -> Self {
        self.child_type = Some(t.into());
        self
    }

    pub fn child_id(mut self, id: &str) -> Self {
        self.child_id = Some(id.into());
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RescanError {
    /// The root object is not in the inventory.
    #[error("rescan root {0} is not in the inventory")]
    RootMissing(String),
    /// OpenStack API, database or SSH failed: worth retrying later.
    #[error("rescan failed: {0}")]
    Remote(String),
    /// The scanner metadata is unusable: retrying will not help.
    #[error("cannot rescan: {0}")]
    Setup(String),
    /// The inventory could not be read or written.
    #[error("rescan failed to use MongoDB: {0}")]
    Store(String),
}

#[async_trait]
pub trait Rescan: Send + Sync {
    /// Runs every target in order (one call per event).
    async fn rescan(&self, targets: &[RescanTarget]) -> Result<(), RescanError>;
}

/// The links and cliques phases, environment-wide (listen.md §5.0 "scan links"/"scan cliques").
#[async_trait]
pub trait GraphRefresh: Send + Sync {
    async fn links(&self) -> Result<(), String>;
    async fn cliques(&self) -> Result<(), String>;
}

/// The graph refreshes the handlers of a batch asked for, run once after the batch (port
/// change: the original runs them after every event). Both phases are environment-wide
/// recomputations from the inventory, so one run after the batch leaves what one run after each
/// event would; a burst of N boots costs one refresh instead of N (~240 ms each at 50 hosts).
#[derive(Default)]
pub struct PendingGraph {
    links: AtomicBool,
    cliques: AtomicBool,
}

impl PendingGraph {
    /// Asks for the cliques phase, after the links phase when `links`.
    pub fn want(&self, links: bool) {
        if links {
            self.links.store(true, Ordering::SeqCst);
        }
        self.cliques.store(true, Ordering::SeqCst);
    }

    /// Runs what was asked for since the last call; failures are logged (the events still
    /// count as handled, as in the original).
    pub async fn run(&self, graph: &dyn GraphRefresh) {
        if self.links.swap(false, Ordering::SeqCst) {
            log::info!("scanning for links");
            if let Err(e) = graph.links().await {
                log::error!("links refresh failed: {e}");
            }
        }
        if self.cliques.swap(false, Ordering::SeqCst) {
            if let Err(e) = graph.cliques().await {
                log::error!("cliques refresh failed: {e}");
            }
        }
    }
}

/// The refresh the listener uses for `env` unless a test supplies its own: the scan's links and
/// cliques phases.
pub fn graph_refresh_for(store: &Store, env: &Environment) -> Box<dyn GraphRefresh> {
    Box::new(PhaseRefresh {
        store: store.clone(),
        env: env.clone(),
    })
}

struct PhaseRefresh {
    store: Store,
    env: Environment,
}

#[async_trait]
impl GraphRefresh for PhaseRefresh {
    async fn links(&self) -> Result<(), String> {
        crate::links::refresh_phase(&self.store, &self.env)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    async fn cliques(&self) -> Result<(), String> {
        crate::cliques::refresh_phase(&self.store, &self.env)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// A refresh that does nothing (tests that check handlers alone).
pub struct NoGraphRefresh;

#[async_trait]
impl GraphRefresh for NoGraphRefresh {
    async fn links(&self) -> Result<(), String> {
        log::debug!("links refresh is not wired in this build");
        Ok(())
    }
    async fn cliques(&self) -> Result<(), String> {
        log::debug!("cliques refresh is not wired in this build");
        Ok(())
    }
}

/// Rescans through the metadata-driven scanner, sharing one scan context (and so its API, DB
/// and SSH connections) for the listener's whole life. The scanner tree is loaded on the first
/// rescan, so events that need none work without it.
pub struct ScannerRescan {
    pub app_path: String,
    pub ctx: ScanContext,
    pub jobs: usize,
    tree: tokio::sync::OnceCell<ScannerTree>,
}

impl ScannerRescan {
    pub fn new(app_path: String, ctx: ScanContext, jobs: usize) -> Self {
        ScannerRescan {
            app_path,
            ctx,
            jobs,
            tree: tokio::sync::OnceCell::new(),
        }
    }

    async fn tree(&self) -> Result<&ScannerTree, RescanError> {
        self.tree
            .get_or_try_init(|| async {
                let types = self
                    .ctx
                    .store
                    .scan_object_types()
                    .await
                    .map_err(|e| RescanError::Store(e.to_string()))?;
                ScannerTree::load(&self.app_path, types.as_deref())
                    .map_err(|e| RescanError::Setup(e.to_string()))
            })
            .await
    }
}

#[async_trait]
impl Rescan for ScannerRescan {
    async fn rescan(&self, targets: &[RescanTarget]) -> Result<(), RescanError> {
        // One event's rescans may share outputs; the next event's must see the changed hosts.
        self.ctx.forget_cached_output();
        for target in targets {
            let root: Object = self
                .ctx
                .store
                .get_by_id(&self.ctx.env.name, &target.root_id)
                .await
                .map_err(|e| RescanError::Store(e.to_string()))?
                .ok_or_else(|| RescanError::RootMissing(target.root_id.clone()))?;
            log::info!(
                "rescanning {} on {} (child type {}, child id {})",
                target.scanner,
                target.root_id,
                target.child_type.as_deref().unwrap_or("any"),
                target.child_id.as_deref().unwrap_or("any")
            );
            let scanner =
                Scanner::new(self.tree().await?, &self.ctx, Progress::hidden(), self.jobs);
            scanner
                .run(
                    &target.scanner,
                    root,
                    "id",
                    target.child_id.as_deref(),
                    target.child_type.as_deref(),
                )
                .await
                .map_err(|e| match e {
                    ScanError::Store(s) => RescanError::Store(s),
                    other => RescanError::Remote(other.to_string()),
                })?;
        }
        Ok(())
    }
}
