//! `calipso scan-manager` (scan-manager.md §6): runs the scan requests of `scans` and turns due
//! `scheduled_scans` into requests; as a daemon, or once per cron run with `--once`.

mod launch;
mod requests;
mod schedules;

pub use schedules::Frequency;

use crate::commands::daemon::{interval, owner_id, plain_collection, Stop};
use crate::config::MongoConf;
use crate::doc::{id_string, str_field};
use crate::logging;
use crate::output;
use crate::scanner::lock::{EnvLock, FileLock, EXIT_LOCKED};
use crate::store::Store;
use bson::{doc, Bson, Document};
use clap::Args;
use futures::TryStreamExt;
use launch::{Rejected, ScanRequest};
use requests::{inventory_of, Finish, Requests};
use schedules::Scheduler;

const AFTER_HELP: &str = "\
Each request runs as `calipso scan` would with the request's options, under the environment's
scan lock. A request is claimed atomically, so several managers may share one database.

Exit status: 0 --once finished, schedules listed, or stopped by SIGINT/SIGTERM; 1 cannot start
(MongoDB unreachable); 2 usage error; 75 another scan manager holds this database's lock.";

#[derive(Args, Debug, Clone)]
#[command(after_help = AFTER_HELP)]
pub struct ScanManagerArgs {
    /// Mongo access file (default /local_dir/calipso_mongo_access.conf)
    #[arg(short = 'm', long = "mongo_config", num_args = 0..=1, default_value = "", default_missing_value = "")]
    pub mongo_config: String,
    /// Collection of scan requests
    #[arg(
        short = 'c',
        long = "scans_collection",
        value_name = "NAME",
        default_value = "scans"
    )]
    pub scans_collection: String,
    /// Collection of scheduled scans
    #[arg(
        short = 's',
        long = "scheduled_scans_collection",
        value_name = "NAME",
        default_value = "scheduled_scans"
    )]
    pub scheduled_scans_collection: String,
    /// Collection where `scanned` and `last_scanned` are written
    #[arg(
        long = "environments_collection",
        value_name = "NAME",
        default_value = "environments_config"
    )]
    pub environments_collection: String,
    /// Seconds to sleep when no request is pending (minimum 0.1)
    #[arg(
        short = 'i',
        long = "interval",
        value_name = "SECS",
        default_value_t = 1.0
    )]
    pub interval: f64,
    /// Manager log level (each scan uses its request's log_level)
    #[arg(short = 'l', long = "loglevel", default_value = "INFO")]
    pub loglevel: String,
    /// Directory of file logs (accepted for compatibility; logs go to stderr and `messages`)
    #[arg(
        short = 'd',
        long = "log_directory",
        value_name = "DIR",
        default_value = "/local_dir/log/calipso/"
    )]
    pub log_directory: String,
    /// Process due schedules, run every pending request, then exit
    #[arg(long = "once")]
    pub once: bool,
    /// Do not read scheduled_scans (cron drives the schedule)
    #[arg(long = "no-schedules")]
    pub no_schedules: bool,
    /// Print each schedule and exit
    #[arg(long = "list-schedules")]
    pub list_schedules: bool,
}

struct Manager {
    conf: MongoConf,
    requests: Requests,
    scheduler: Option<Scheduler>,
    store: Store,
    level: log::LevelFilter,
    stop: Stop,
}

pub async fn run(args: ScanManagerArgs) -> u8 {
    if let Err(e) = logging::init_by_name(&args.loglevel) {
        output::error(&e);
        return 1;
    }
    let level = logging::parse_level(&args.loglevel).unwrap_or(log::LevelFilter::Info);
    let conf = match super::common::load_mongo_conf(&args.mongo_config) {
        Ok(c) => c,
        Err(e) => {
            output::error(&e);
            return 1;
        }
    };
    if args.list_schedules {
        return list_schedules(&conf, &args.scheduled_scans_collection).await;
    }
    let _manager_lock = match FileLock::acquire_manager(&conf.database) {
        Ok(lock) => lock,
        Err(e) if e.is_held() => {
            output::error(&e);
            return EXIT_LOCKED;
        }
        Err(e) => {
            output::error(&e);
            return 1;
        }
    };
    let mut manager = match Manager::start(&args, conf, level).await {
        Ok(m) => m,
        Err(e) => {
            output::error(&e);
            return 1;
        }
    };
    let code = manager.serve(&args).await;
    logging::flush().await;
    code
}

impl Manager {
    async fn start(
        args: &ScanManagerArgs,
        conf: MongoConf,
        level: log::LevelFilter,
    ) -> Result<Manager, String> {
        let store = Store::connect(&conf, "inventory")
            .await
            .map_err(|e| e.to_string())?;
        let scans = store.plain_collection(&args.scans_collection);
        let environments = store.plain_collection(&args.environments_collection);
        let scheduler = if args.no_schedules {
            None
        } else {
            let schedules = store.plain_collection(&args.scheduled_scans_collection);
            Some(Scheduler::new(schedules, scans.clone()))
        };
        logging::attach_messages(&store);
        log::info!(
            "Started ScanManager with following configuration:\nMongo config file path: {}\nScans collection: {}\nEnvironments collection: {}\nPolling interval: {} second(s)",
            conf.path.display(),
            args.scans_collection,
            args.environments_collection,
            args.interval
        );
        let requests = Requests {
            scans,
            environments,
            owner: owner_id(),
            database: conf.database.clone(),
        };
        Ok(Manager {
            conf,
            requests,
            scheduler,
            store,
            level,
            stop: Stop::listen(),
        })
    }

    async fn serve(&mut self, args: &ScanManagerArgs) -> u8 {
        let idle = interval(args.interval);
        let mut failures_checked = false;
        while !self.stop.requested() {
            if !failures_checked {
                match self.requests.fail_abandoned().await {
                    Ok(_) => failures_checked = true,
                    Err(e) => log::error!("cleaning up abandoned scan requests: {e}"),
                }
            }
            match self.poll_once().await {
                Ok(0) if args.once => break,
                Ok(0) => {
                    self.stop.sleep(idle).await;
                    // Idle: a good moment to look again for requests of dead managers.
                    failures_checked = false;
                }
                Ok(_) => {}
                Err(e) => {
                    log::error!("polling {}: {e}", self.requests.scans.name());
                    if args.once {
                        return 1;
                    }
                    self.stop.sleep(idle).await;
                }
            }
        }
        0
    }

    /// Due schedules, then every claimable request; returns how many requests were handled.
    async fn poll_once(&mut self) -> mongodb::error::Result<usize> {
        if let Some(scheduler) = self.scheduler.as_mut() {
            scheduler.run_due(chrono::Utc::now()).await?;
        }
        let mut handled = 0;
        let mut skipped: Vec<Bson> = Vec::new();
        while !self.stop.requested() {
            let Some(request) = self.requests.claim(&skipped).await? else {
                break;
            };
            if self.handle(&request).await {
                handled += 1;
            } else if let Some(id) = request.get("_id") {
                skipped.push(id.clone());
            }
        }
        Ok(handled)
    }

    /// Runs one claimed request to a terminal state; `false` when it was given back because
    /// its environment is locked by another scan.
    async fn handle(&mut self, request: &Document) -> bool {
        let id = request.get("_id").and_then(id_string).unwrap_or_default();
        let env = str_field(request, "environment")
            .unwrap_or_default()
            .to_string();
        log::info!("Claimed scan request '{id}' for environment '{env}'");
        let scan = match ScanRequest::from_request(request, &id, &self.conf.path.to_string_lossy())
        {
            Ok(s) => s,
            Err(Rejected(reason)) => {
                log::error!("Scan request '{id}' has invalid arguments. Errors:\n{reason}");
                self.requests.finish(request, Finish::Failed).await;
                return true;
            }
        };
        match scan.scanning_supported(&self.conf).await {
            Ok(true) => {}
            Ok(false) => {
                log::error!("Scanning is not supported for env '{env}'");
                self.requests.finish(request, Finish::Failed).await;
                return true;
            }
            Err(e) => {
                log::error!("{e}");
                log::error!("Scan request '{id}' has failed.");
                self.requests.finish(request, Finish::Failed).await;
                return true;
            }
        }
        let _env_lock =
            match EnvLock::acquire_env(&env, &self.conf.database, &inventory_of(request)) {
                Ok(lock) => lock,
                Err(e) if e.is_held() => {
                    log::info!("Scan request '{id}' waits: {e}");
                    if let Err(e) = self.requests.release(request).await {
                        log::error!("giving back scan request '{id}': {e}");
                    }
                    return false;
                }
                Err(e) => {
                    log::error!("{e}");
                    self.requests.finish(request, Finish::Failed).await;
                    return true;
                }
            };
        log::info!("Starting scan for '{env}' environment");
        log::debug!("Scan arguments: {}", scan.describe());
        let aborted = self.stop.clone();
        let result = tokio::select! {
            r = scan.run() => r,
            _ = aborted.aborted() => Err("aborted by a second stop signal".to_string()),
        };
        self.restore_logging().await;
        let outcome = match result {
            Ok(outcome) => {
                log::info!("Request '{id}' has been scanned. ({})", outcome.status);
                if outcome.status == "ok" {
                    Finish::Completed
                } else {
                    Finish::CompletedWithErrors
                }
            }
            Err(e) => {
                log::error!("{e}");
                log::error!("Scan request '{id}' has failed.");
                Finish::Failed
            }
        };
        self.requests.finish(request, outcome).await;
        true
    }

    /// After a scan: the manager's level and `messages` binding again.
    async fn restore_logging(&self) {
        logging::flush().await;
        logging::clear_context();
        logging::init(self.level);
        logging::attach_messages(&self.store);
    }
}

async fn list_schedules(conf: &MongoConf, collection: &str) -> u8 {
    let schedules = match plain_collection(conf, collection).await {
        Ok(c) => c,
        Err(e) => {
            output::error(&e);
            return 1;
        }
    };
    let found: Result<Vec<Document>, _> = match schedules.find(doc! {}).await {
        Ok(cursor) => cursor.try_collect().await,
        Err(e) => Err(e),
    };
    match found {
        Ok(docs) => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            for schedule in &docs {
                let _ = writeln!(out, "{}", schedules::describe(schedule));
            }
            0
        }
        Err(e) => {
            output::error(&format!("reading {collection}: {e}"));
            1
        }
    }
}
