//! `calipso listen`: keep the inventory live from OpenStack notifications (listen.md §1–2).

use super::common::MongoArgs;
use crate::listen::supervisor::{supervise, SupervisorOptions};
use crate::listen::{listen_env, Hooks, Limits, ListenOptions, ORIGIN_TYPE};
use crate::logging;
use crate::store::Store;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::watch;

const AFTER_HELP: &str = "\
Consumes the notification queues of the event metadata (events.json under the environment's
app_path, else the built-in one) and applies each event to the inventory. Queues are durable and
dead-letter rejected messages to <queue>.dead-letter.
SIGTERM / SIGINT finish the event in progress, then exit 0.

Exit status: 0 stopped by a signal or a limit, 1 failure, 2 usage error.";

#[derive(Args, Debug, Clone)]
#[command(after_help = AFTER_HELP)]
pub struct ListenArgs {
    #[command(flatten)]
    pub mongo: MongoArgs,
    /// Environment name (an environments_config `name`)
    #[arg(short = 'e', long = "env", num_args = 0..=1, default_value = "Mirantis-Liberty", default_missing_value = "Mirantis-Liberty")]
    pub env: String,
    /// Listen to every environment with `listen: true` and `scanned: true` (one child per env)
    #[arg(long = "all", conflicts_with = "env")]
    pub all: bool,
    /// With --all: seconds between polls of environments_config
    #[arg(short = 'i', long = "interval", default_value_t = 5.0)]
    pub interval: f64,
    /// Extra event metadata file, merged over the common events.json
    #[arg(long = "metadata_file", num_args = 0..=1, default_value = "", default_missing_value = "")]
    pub metadata_file: String,
    /// Log level: DEBUG, INFO, WARNING, ERROR or CRITICAL (any case)
    #[arg(short = 'l', long = "loglevel", num_args = 0..=1, default_value = "INFO", default_missing_value = "INFO")]
    pub loglevel: String,
    /// How many times a message whose object is not there yet is retried before it is discarded
    #[arg(short = 'r', long = "retry_limit", default_value_t = 10)]
    pub retry_limit: u32,
    /// Reject (dead-letter) messages without a handler instead of acknowledging them
    #[arg(long = "consume_all")]
    pub consume_all: bool,
    /// Stop after one message (tests)
    #[arg(long = "once")]
    pub once: bool,
    /// Stop after N messages (tests, benchmarks)
    #[arg(long = "max-events")]
    pub max_events: Option<u64>,
    /// Stop when no message arrived for SECS seconds (tests)
    #[arg(long = "idle-exit", value_name = "SECS")]
    pub idle_exit: Option<f64>,
    /// How many subtrees a partial rescan scans at the same time
    #[arg(short = 'j', long = "jobs", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
}

pub async fn run(args: ListenArgs) -> u8 {
    let Some(level) = logging::parse_level(&args.loglevel) else {
        crate::output::error(&format!(
            "Invalid log level: {}. Supported levels: (DEBUG, INFO, WARNING, ERROR, CRITICAL)",
            args.loglevel
        ));
        return 1;
    };
    logging::init(level);
    let code = match execute(&args).await {
        Ok(()) => 0,
        Err(e) => {
            log::error!("{e}");
            1
        }
    };
    logging::flush().await;
    code
}

async fn execute(args: &ListenArgs) -> Result<(), String> {
    let conf =
        super::common::load_mongo_conf(&args.mongo.mongo_config).map_err(|e| e.to_string())?;
    let store = Store::connect(&conf, &args.mongo.inventory)
        .await
        .map_err(|e| e.to_string())?;
    logging::attach_messages(&store);
    log::info!(target: logging::CONSOLE_ONLY, "Using inventory collection: {}", store.names().inventory_name());
    let shutdown = shutdown_on_signal()?;
    if args.all {
        let opts = SupervisorOptions {
            exe: std::env::current_exe()
                .map_err(|e| format!("cannot find the calipso executable: {e}"))?,
            child_args: child_args(args),
            interval: Duration::from_secs_f64(args.interval.max(0.1)),
        };
        return supervise(&store, &opts, shutdown).await;
    }
    logging::set_context(&args.env, None, ORIGIN_TYPE);
    let max_events = if args.once { Some(1) } else { args.max_events };
    let opts = ListenOptions {
        env: args.env.clone(),
        metadata_file: (!args.metadata_file.is_empty()).then(|| PathBuf::from(&args.metadata_file)),
        retry_limit: args.retry_limit,
        consume_all: args.consume_all,
        limits: Limits {
            max_events,
            idle_exit: args.idle_exit.map(|s| Duration::from_secs_f64(s.max(0.0))),
        },
        jobs: usize::from(args.jobs),
    };
    listen_env(store, opts, Hooks::default(), shutdown)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The per-environment flags a supervised child gets.
fn child_args(args: &ListenArgs) -> Vec<String> {
    let mut out = vec![
        "-m".to_string(),
        args.mongo.mongo_config.clone(),
        "-y".into(),
        args.mongo.inventory.clone(),
        "-l".into(),
        args.loglevel.clone(),
        "-r".into(),
        args.retry_limit.to_string(),
    ];
    if !args.metadata_file.is_empty() {
        out.extend(["--metadata_file".to_string(), args.metadata_file.clone()]);
    }
    if args.consume_all {
        out.push("--consume_all".into());
    }
    out
}

/// A channel that turns true on SIGTERM or SIGINT.
fn shutdown_on_signal() -> Result<watch::Receiver<bool>, String> {
    use tokio::signal::unix::{signal, SignalKind};
    let (tx, rx) = watch::channel(false);
    let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => log::info!("SIGTERM received: stopping after the current event"),
            _ = int.recv() => log::info!("SIGINT received: stopping after the current event"),
        }
        let _ = tx.send(true);
        // Keep the sender alive so receivers never see a closed channel.
        std::future::pending::<()>().await;
    });
    Ok(rx)
}
