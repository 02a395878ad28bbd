//! `calipso scan`: every flag of the original `scan.py`, then the run flow of scan-cli.md §5.

mod monitoring;
mod summary;

use super::common::MongoArgs;
use crate::access::metrics;
use crate::fetchers::ScanContext;
use crate::logging;
use crate::output::{self, Progress};
use crate::scanner::lock::{EnvLock, EXIT_LOCKED};
use crate::scanner::{plan, PlanInput, ScanPlan, Scanner, ScannerTree};
use crate::store::{Logical, Store};
use bson::doc;
use clap::{ArgGroup, Args};
use std::time::Instant;

const AFTER_HELP: &str = "\
Value options may be given bare (`-t` with no value); a bare option means its default.
A scan of one object (-t/-i) re-fetches all siblings of that object under its parent, as the
original does; -i only selects which one is reported.
--clear with --monitoring_setup_only still clears inventory, links, cliques and monitoring_config.

Exit status: 0 scan completed (status ok or 'errors detected'), 1 failure, 2 usage error,
75 another scan of the environment is running (try later).";

#[derive(Args, Debug, Clone)]
#[command(after_help = AFTER_HELP)]
#[command(group(ArgGroup::new("only_phase").args(["inventory_only", "links_only", "cliques_only"]).multiple(false)))]
pub struct ScanArgs {
    #[command(flatten)]
    pub mongo: MongoArgs,
    /// Environment name (an environments_config `name`)
    #[arg(short = 'e', long = "env", num_args = 0..=1, default_value = "", default_missing_value = "")]
    pub env: String,
    /// Type of the object to scan (default: the whole environment)
    #[arg(short = 't', long = "type", num_args = 0..=1, default_value = "", default_missing_value = "")]
    pub object_type: String,
    /// Scan a specific object
    #[arg(short = 's', long = "scan_self")]
    pub scan_self: bool,
    /// ID of the object to scan
    #[arg(short = 'i', long = "id", num_args = 0..=1, default_value = "", default_missing_value = "")]
    pub id: String,
    /// ID of the parent of the object to scan
    #[arg(short = 'p', long = "parent_id", num_args = 0..=1, default_value = "", default_missing_value = "")]
    pub parent_id: String,
    /// Type of the parent of the object to scan
    #[arg(short = 'a', long = "parent_type", num_args = 0..=1, default_value = "", default_missing_value = "")]
    pub parent_type: String,
    /// Field holding the ID passed to fetchers and matched against -i (use `name` for projects)
    #[arg(short = 'f', long = "id_field", num_args = 0..=1, default_value = "id", default_missing_value = "id")]
    pub id_field: String,
    /// Log level: DEBUG, INFO, WARNING, ERROR or CRITICAL (any case)
    #[arg(short = 'l', long = "loglevel", num_args = 0..=1, default_value = "INFO", default_missing_value = "INFO")]
    pub loglevel: String,
    /// Delete this environment's documents from the phase's collections before scanning
    #[arg(long = "clear")]
    pub clear: bool,
    /// Delete all environments' documents from the phase's collections before scanning
    #[arg(long = "clear_all")]
    pub clear_all: bool,
    /// Only do the monitoring setup
    #[arg(long = "monitoring_setup_only")]
    pub monitoring_setup_only: bool,
    /// Only the inventory phase
    #[arg(long = "inventory_only")]
    pub inventory_only: bool,
    /// Only the link-finding phase
    #[arg(long = "links_only")]
    pub links_only: bool,
    /// Only the clique-finding phase
    #[arg(long = "cliques_only")]
    pub cliques_only: bool,
    /// How many subtrees of one depth are scanned at the same time
    #[arg(short = 'j', long = "jobs", default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
    /// `human`: summary on stderr; `json`: also one JSON line on stdout (for scripts and cron)
    #[arg(long = "output", value_enum, default_value = "human")]
    pub output: OutputFormat,
    /// Never show a progress bar, even on a terminal
    #[arg(long = "no-progress")]
    pub no_progress: bool,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Human,
    Json,
}

/// Which phases run (scan-cli.md §3).
#[derive(Debug, Clone, Copy)]
struct Phases {
    inventory: bool,
    links: bool,
    cliques: bool,
}

impl ScanArgs {
    fn phases(&self) -> Phases {
        let run_all = !(self.inventory_only
            || self.links_only
            || self.cliques_only
            || self.monitoring_setup_only);
        Phases {
            inventory: run_all || self.inventory_only,
            links: run_all || self.links_only,
            cliques: run_all || self.cliques_only,
        }
    }

    /// Collections `--clear`/`--clear_all` empty (scan-cli.md §4).
    fn collections_to_clear(&self) -> Vec<Logical> {
        if self.inventory_only {
            vec![Logical::Inventory]
        } else if self.links_only {
            vec![Logical::Links]
        } else if self.cliques_only {
            vec![Logical::Cliques]
        } else {
            vec![
                Logical::Inventory,
                Logical::Links,
                Logical::Cliques,
                Logical::MonitoringConfig,
            ]
        }
    }
}

/// Who asked for a scan: the `messages` records carry it (scan-cli.md §8).
#[derive(Debug, Clone)]
pub struct ScanOrigin {
    /// `_id` of the `scans` request, as a string.
    pub id: Option<String>,
    /// `manual scan`, `scheduled scan`, …
    pub kind: String,
}

impl ScanOrigin {
    pub fn manual() -> Self {
        ScanOrigin {
            id: None,
            kind: "manual scan".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    Setup(String),
    #[error("scan error: {0}")]
    Scan(String),
}

fn setup<E: std::fmt::Display>(e: E) -> Failure {
    Failure::Setup(e.to_string())
}

/// A scan that ran to its end.
pub struct Outcome {
    /// `ok` or `errors detected`.
    pub status: &'static str,
    pub store: Store,
    pub env: String,
    /// Objects written by the inventory phase, per type.
    pub saved_per_type: std::collections::BTreeMap<String, u64>,
    /// Requests made to the cloud during this run.
    pub requests: metrics::RequestCounts,
}

pub async fn run(args: ScanArgs) -> u8 {
    let started = Instant::now();
    if let Err(e) = logging::init_by_name(&args.loglevel) {
        output::error(&e);
        return 1;
    }
    // Held until the end of `run`: two scans of one environment never interleave (cron).
    let _lock = match lock_environment(&args) {
        Ok(lock) => lock,
        Err(code) => return code,
    };
    let result = execute(&args, &ScanOrigin::manual()).await;
    let code = match &result {
        Ok(outcome) => {
            let summary = summary::Summary::collect(outcome, started.elapsed()).await;
            summary.print_human();
            if args.output == OutputFormat::Json {
                summary.print_json();
            }
            0
        }
        Err(failure) => {
            log::error!("{failure}");
            if args.output == OutputFormat::Json {
                summary::print_failure_json(&args.env, failure, started.elapsed());
            }
            1
        }
    };
    logging::flush().await;
    code
}

/// The per-environment lock of a command-line scan (the scan manager takes its own). Problems
/// that `execute` reports better (no mongo.conf, no -e) leave the scan unlocked.
fn lock_environment(args: &ScanArgs) -> Result<Option<EnvLock>, u8> {
    let Ok(conf) = super::common::load_mongo_conf(&args.mongo.mongo_config) else {
        return Ok(None);
    };
    if args.env.is_empty() {
        return Ok(None);
    }
    match EnvLock::acquire_env(&args.env, &conf.database, &args.mongo.inventory) {
        Ok(lock) => Ok(Some(lock)),
        Err(e) if e.is_held() => {
            output::print_line(&e.to_string());
            Err(EXIT_LOCKED)
        }
        Err(e) => {
            output::error(&e);
            Err(1)
        }
    }
}

/// The run flow after argument parsing; the logger must be initialised. Used by `scan` and by
/// the scan manager, which passes its request's origin.
pub async fn execute(args: &ScanArgs, origin: &ScanOrigin) -> Result<Outcome, Failure> {
    metrics::reset();
    let conf = super::common::load_mongo_conf(&args.mongo.mongo_config).map_err(setup)?;
    let store = Store::connect(&conf, &args.mongo.inventory)
        .await
        .map_err(setup)?;
    let missing = crate::store::reference::missing_reference(&store)
        .await
        .map_err(setup)?;
    if let Some(first) = missing.first() {
        return Err(Failure::Setup(format!(
            "database {} has no {first} collection: run 'calipso db init' first",
            store.database_name()
        )));
    }
    logging::attach_messages(&store);
    log_collection_binding(&store);
    if args.env.is_empty() {
        return Err(Failure::Setup(
            "no environment given: use -e ENV (an environments_config name)".into(),
        ));
    }
    // Fix (Q2): the environment is validated before anything is cleared.
    let env = store.load_environment(&args.env).await.map_err(setup)?;
    logging::add_secrets(env.secrets());
    log::info!("Configuration taken from environment: {}", env.name);
    let plan = plan::derive(&plan_input(args), &store)
        .await
        .map_err(setup)?;
    if args.clear || args.clear_all {
        let env_filter = if args.clear_all {
            None
        } else {
            Some(env.name.as_str())
        };
        store
            .clear(&args.collections_to_clear(), env_filter)
            .await
            .map_err(setup)?;
    }
    let types = store.scan_object_types().await.map_err(setup)?;
    let tree = ScannerTree::load(&env.app_path(), types.as_deref()).map_err(setup)?;
    logging::set_context(&env.name, origin.id.clone(), &origin.kind);
    let mut monitoring = monitoring::start(args, &store, &env).await?;
    let env_name = env.name.clone();
    let ctx = ScanContext::new(env, store.clone());
    let mut phases = run_phases(args, &ctx, &tree, plan.clone()).await?;
    if let Some(manager) = monitoring.as_mut() {
        phases.found_errors |= !monitoring::finish(args, manager).await?;
    }
    let status = if phases.found_errors {
        "errors detected"
    } else {
        "ok"
    };
    if status == "ok" && plan.full_environment && args.phases().inventory {
        // Fix (Q1): the original meant to mark a successful full scan.
        store
            .set_environment_fields(&env_name, doc! {"scanned": true})
            .await
            .map_err(setup)?;
    }
    log::info!("Scan completed, status: {status}");
    Ok(Outcome {
        status,
        store,
        env: env_name,
        saved_per_type: phases.saved_per_type,
        requests: metrics::snapshot(),
    })
}

/// What the phases report back.
#[derive(Default)]
struct PhaseResults {
    found_errors: bool,
    saved_per_type: std::collections::BTreeMap<String, u64>,
}

async fn run_phases(
    args: &ScanArgs,
    ctx: &ScanContext,
    tree: &ScannerTree,
    plan: ScanPlan,
) -> Result<PhaseResults, Failure> {
    let phases = args.phases();
    let mut results = PhaseResults::default();
    if phases.inventory {
        let progress = Progress::start("scanning", !args.no_progress);
        let scanner = Scanner::new(tree, ctx, progress.clone(), usize::from(args.jobs));
        let result = scanner
            .run(
                &plan.scanner,
                plan.root,
                &args.id_field,
                plan.child_id.as_deref(),
                plan.child_type.as_deref(),
            )
            .await;
        progress.finish();
        result.map_err(|e| Failure::Scan(e.to_string()))?;
        results.found_errors |= scanner.found_errors();
        results.saved_per_type = scanner.stats().saved_per_type;
        return_free_memory();
    }
    if phases.links {
        crate::links::run_phase(&ctx.store, &ctx.env)
            .await
            .map_err(|e| Failure::Scan(e.to_string()))?;
        return_free_memory();
    }
    if phases.cliques {
        crate::cliques::run_phase(&ctx.store, &ctx.env)
            .await
            .map_err(|e| Failure::Scan(e.to_string()))?;
    }
    Ok(results)
}

/// Gives the memory a finished phase freed back to the system. glibc keeps freed blocks in
/// its per-thread arenas, where the next phase does not always reuse them: at 100 hosts this
/// lowered a whole rescan's peak resident size by 24 MB.
fn return_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks and releases the allocator's free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn plan_input(args: &ScanArgs) -> PlanInput {
    PlanInput {
        env: args.env.clone(),
        object_type: args.object_type.clone(),
        id: args.id.clone(),
        parent_id: args.parent_id.clone(),
        parent_type: args.parent_type.clone(),
        scan_self: args.scan_self,
    }
}

fn log_collection_binding(store: &Store) {
    let names = store.names();
    log::info!(target: logging::CONSOLE_ONLY, "Using inventory collection: {}", names.inventory_name());
    for logical in Logical::ALL.iter().filter(|l| **l != Logical::Inventory) {
        log::debug!(target: logging::CONSOLE_ONLY, "Using {} collection: {}", logical.name(), names.physical(*logical));
    }
}
