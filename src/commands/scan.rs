//! `calipso scan`: every flag of the original `scan.py`, then the run flow of scan-cli.md §5.

use super::common::MongoArgs;
use crate::config::MongoConf;
use crate::fetchers::ScanContext;
use crate::logging;
use crate::output::{self, Progress};
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

Exit status: 0 scan completed (status ok or 'errors detected'), 1 failure, 2 usage error.";

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
    /// Never show a progress bar, even on a terminal
    #[arg(long = "no-progress")]
    pub no_progress: bool,
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

#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("{0}")]
    Setup(String),
    #[error("scan error: {0}")]
    Scan(String),
}

fn setup<E: std::fmt::Display>(e: E) -> Failure {
    Failure::Setup(e.to_string())
}

struct Outcome {
    status: &'static str,
    store: Store,
    env: String,
}

pub async fn run(args: ScanArgs) -> u8 {
    let started = Instant::now();
    let Some(level) = logging::parse_level(&args.loglevel) else {
        output::error(&format!(
            "invalid log level '{}': use DEBUG, INFO, WARNING, ERROR or CRITICAL",
            args.loglevel
        ));
        return 1;
    };
    logging::init(level);
    let result = execute(&args).await;
    let code = match &result {
        Ok(outcome) => {
            print_summary(outcome, started.elapsed().as_secs_f64()).await;
            0
        }
        Err(failure) => {
            log::error!("{failure}");
            1
        }
    };
    logging::flush().await;
    code
}

async fn execute(args: &ScanArgs) -> Result<Outcome, Failure> {
    let conf = MongoConf::load(&args.mongo.mongo_config).map_err(setup)?;
    if let Some(pwd) = &conf.pwd {
        logging::add_secrets([pwd.expose().to_string()]);
    }
    let store = Store::connect(&conf, &args.mongo.inventory)
        .await
        .map_err(setup)?;
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
    let types = scan_object_types(&store).await.map_err(setup)?;
    let tree = ScannerTree::load(&env.app_path(), types.as_deref()).map_err(setup)?;
    logging::set_context(&env.name, None, "manual scan");
    if store
        .is_feature_supported(&env, "monitoring")
        .await
        .map_err(setup)?
    {
        log::debug!("monitoring is supported for this environment; the Sensu setup is not part of this version");
    }
    let env_name = env.name.clone();
    let ctx = ScanContext::new(env, store.clone());
    let found_errors = run_phases(args, &ctx, &tree, plan.clone()).await?;
    let status = if found_errors {
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
    })
}

async fn run_phases(
    args: &ScanArgs,
    ctx: &ScanContext,
    tree: &ScannerTree,
    plan: ScanPlan,
) -> Result<bool, Failure> {
    let phases = args.phases();
    let mut found_errors = false;
    if phases.inventory {
        let progress = Progress::start("scanning", !args.no_progress);
        let mut scanner = Scanner::new(tree, ctx, progress.clone());
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
        found_errors |= scanner.found_errors;
    }
    if phases.links {
        log::info!("Scanning for links");
    }
    if phases.cliques {
        log::info!("Scanning for cliques");
        log::info!("Finished scanning for cliques");
    }
    Ok(found_errors)
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

/// The `scan_object_types` constants list, or `None` when that document is missing.
async fn scan_object_types(store: &Store) -> Result<Option<Vec<String>>, crate::store::StoreError> {
    let docs = store
        .find(Logical::Constants, doc! {"name": "scan_object_types"})
        .await?;
    Ok(docs.first().map(|d| {
        d.get_array("data")
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| {
                        i.as_document()
                            .and_then(|d| d.get_str("value").ok())
                            .map(String::from)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }))
}

async fn print_summary(outcome: &Outcome, seconds: f64) {
    let store = &outcome.store;
    output::print_line(&format!(
        "scan of environment '{}' finished in {seconds:.1} s, status: {}",
        outcome.env, outcome.status
    ));
    for logical in [Logical::Inventory, Logical::Links, Logical::Cliques] {
        let field = if logical == Logical::Links {
            "link_type"
        } else if logical == Logical::Cliques {
            "focal_point_type"
        } else {
            "type"
        };
        match store.count_by(logical, &outcome.env, field).await {
            Ok(counts) => {
                let total: u64 = counts.values().sum();
                output::print_line(&format!(
                    "  {:<10} {total:>6} documents  (collection {})",
                    logical.name(),
                    store.names().physical(logical)
                ));
                for (kind, n) in counts {
                    output::print_line(&format!("    {kind:<28} {n:>6}"));
                }
            }
            Err(e) => output::print_line(&format!(
                "  {}: cannot count documents: {e}",
                logical.name()
            )),
        }
    }
}
