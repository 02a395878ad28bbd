//! The OpenStack event listener (listen.md): keeps the inventory true between scans by applying
//! the notifications OpenStack publishes on its message bus.
//!
//! `catalog` (which events, which queues) → `amqp` (broker topology) → `consumer` (the loop) →
//! `dispatch` (one delivery: envelope, handler, `messages` record, ack decision) → `handlers`
//! (inventory effects, through `store_ops` and the `refresh` hooks).

pub mod amqp;
pub mod catalog;
pub mod consumer;
pub mod dispatch;
pub mod envelope;
pub mod handlers;
pub mod refresh;
pub mod store_ops;
pub mod supervisor;

use crate::doc::str_field;
use crate::fetchers::ScanContext;
use crate::store::Store;
use amqp::AmqpSettings;
use bson::doc;
use catalog::EventCatalog;
pub use consumer::{Limits, Stop};
use dispatch::Dispatcher;
use refresh::{GraphRefresh, Rescan, ScannerRescan};
use std::path::PathBuf;
use tokio::sync::watch;

/// The origin type of `messages` records written while handling events.
pub const ORIGIN_TYPE: &str = "event based scan";

/// Everything one environment's listener needs besides the store.
pub struct ListenOptions {
    pub env: String,
    pub metadata_file: Option<PathBuf>,
    pub retry_limit: u32,
    pub consume_all: bool,
    pub limits: Limits,
    /// Concurrency of partial rescans (as `scan --jobs`).
    pub jobs: usize,
}

/// How a listener run ended badly.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// Before or while connecting: configuration, metadata, first connection.
    #[error("{0}")]
    Fatal(String),
}

/// The hooks a listener uses; `None` means the real one (rescans through the scanner, links and
/// cliques through `refresh::graph_refresh_for`).
#[derive(Default)]
pub struct Hooks {
    pub rescan: Option<Box<dyn Rescan>>,
    pub graph: Option<Box<dyn GraphRefresh>>,
}

/// Runs the listener of one environment until a signal or a limit stops it.
pub async fn listen_env(
    store: Store,
    opts: ListenOptions,
    hooks: Hooks,
    shutdown: watch::Receiver<bool>,
) -> Result<Stop, ListenError> {
    let env = store
        .load_environment(&opts.env)
        .await
        .map_err(|e| ListenError::Fatal(e.to_string()))?;
    crate::logging::add_secrets(env.secrets());
    log::info!("Configuration taken from environment: {}", env.name);
    let fail = |text: String| ListenError::Fatal(text);
    let setup = async {
        // The original reads events.json from `app_path` (not `run_app_path`).
        let app_path = str_field(&env.doc, "app_path")
            .unwrap_or("/etc/calipso")
            .to_string();
        let catalog = EventCatalog::load(&app_path, opts.metadata_file.as_deref())?;
        let settings = AmqpSettings::from_env(&env)?;
        let rescan: Box<dyn Rescan> = match hooks.rescan {
            Some(r) => r,
            None => Box::new(ScannerRescan::new(
                env.app_path(),
                ScanContext::new(env.clone(), store.clone()),
                opts.jobs,
            )),
        };
        let graph = match hooks.graph {
            Some(g) => g,
            None => refresh::graph_refresh_for(&store, &env),
        };
        Ok::<_, String>((catalog, settings, rescan, graph))
    };
    let (catalog, settings, rescan, graph) = match setup.await {
        Ok(parts) => parts,
        Err(e) => {
            set_operational(&store, &opts.env, "error").await;
            return Err(fail(e));
        }
    };
    // Subtree deletes and renames query id_path / name_path prefixes: indexed, they cost a
    // lookup instead of a scan of the whole inventory (port extension).
    if let Err(e) = crate::store::reference::ensure_listener_indexes(&store).await {
        log::warn!("inventory indexes for the listener not created: {e}");
    }
    let bindings = catalog.queues.clone();
    if bindings.is_empty() {
        set_operational(&store, &opts.env, "error").await;
        return Err(fail(
            "the event metadata declares no queues to consume".into(),
        ));
    }
    let mut dispatcher = Dispatcher::new(
        catalog,
        store.clone(),
        env.name.clone(),
        rescan,
        graph,
        opts.retry_limit,
        opts.consume_all,
    );
    let mut consumer = consumer::Consumer {
        settings: &settings,
        bindings: &bindings,
        dispatcher: &mut dispatcher,
        limits: opts.limits.clone(),
        shutdown,
        handled: 0,
    };
    let running = MarkRunning {
        store: store.clone(),
        env: opts.env.clone(),
    };
    match consumer.run(running).await {
        Ok(stop) => {
            log::info!("listener for environment {} stopped ({stop:?})", opts.env);
            set_operational(&store, &opts.env, "stopped").await;
            Ok(stop)
        }
        Err(e) => {
            set_operational(&store, &opts.env, "error").await;
            Err(fail(e))
        }
    }
}

struct MarkRunning {
    store: Store,
    env: String,
}

#[async_trait::async_trait]
impl consumer::AsyncOnce for MarkRunning {
    async fn call(self) {
        set_operational(&self.store, &self.env, "running").await;
    }
}

/// `operational` in the env document (listen.md §2.3); a failure is only logged.
pub async fn set_operational(store: &Store, env: &str, status: &str) {
    if let Err(e) = store
        .set_environment_fields(env, doc! {"operational": status})
        .await
    {
        log::error!("cannot set operational={status} for environment {env}: {e}");
    }
}
