//! Running one claimed request: the checks of §3.2, the request → scan-argument mapping of
//! §3.3 (truthy values only), and the in-process scan with its own collection binding (fix S4).

use crate::commands::scan::{self, Outcome, ScanArgs, ScanOrigin};
use crate::config::MongoConf;
use crate::doc::{str_field, truthy};
use crate::logging;
use crate::store::Store;
use bson::Document;
use clap::Parser;

/// A parser holding only `scan`'s arguments, to get their defaults.
#[derive(Parser)]
struct ScanDefaults {
    #[command(flatten)]
    scan: ScanArgs,
}

pub const ONLY_ONE_PHASE: &str =
    "Only one of (inventory_only, links_only, cliques_only) can be True.";

/// Why a request is not run at all.
#[derive(Debug)]
pub struct Rejected(pub String);

/// The scan arguments of a request, and its log level.
pub struct ScanRequest {
    pub args: ScanArgs,
    pub origin: ScanOrigin,
    pub level: log::LevelFilter,
}

impl ScanRequest {
    /// Maps the request's fields; a bad `log_level` or two `scan_only_*` flags reject it.
    pub fn from_request(
        request: &Document,
        id: &str,
        mongo_config: &str,
    ) -> Result<ScanRequest, Rejected> {
        let set = |field: &str| truthy(request.get(field));
        let text = |field: &str| {
            str_field(request, field)
                .filter(|s| !s.is_empty())
                .map(String::from)
        };
        let mut args = ScanDefaults::try_parse_from(["scan"])
            .map_err(|e| Rejected(format!("building the scan arguments: {e}")))?
            .scan;
        args.mongo.mongo_config = mongo_config.to_string();
        args.no_progress = true;
        if let Some(level) = text("log_level") {
            args.loglevel = level.to_ascii_uppercase();
        }
        let level = logging::parse_level(&args.loglevel).ok_or_else(|| {
            Rejected(format!(
                "Invalid log level: {}. Supported levels: (DEBUG, INFO, WARNING, ERROR, CRITICAL)",
                args.loglevel
            ))
        })?;
        if let Some(env) = text("environment") {
            args.env = env;
        }
        if let Some(object_id) = text("object_id") {
            args.id = object_id;
        }
        if let Some(inventory) = text("inventory") {
            args.mongo.inventory = inventory;
        }
        args.inventory_only = set("scan_only_inventory");
        args.links_only = set("scan_only_links");
        args.cliques_only = set("scan_only_cliques");
        args.clear = set("clear");
        args.clear_all = set("clear_all");
        let phases = [args.inventory_only, args.links_only, args.cliques_only];
        if phases.iter().filter(|p| **p).count() > 1 {
            return Err(Rejected(ONLY_ONE_PHASE.into()));
        }
        let scheduled = set("interval") || set("scheduled");
        let origin = ScanOrigin {
            id: Some(id.to_string()),
            kind: if scheduled {
                "scheduled scan"
            } else {
                "manual scan"
            }
            .into(),
        };
        Ok(ScanRequest {
            args,
            origin,
            level,
        })
    }

    /// `Scan arguments: …` as the DEBUG line shows them.
    pub fn describe(&self) -> String {
        let a = &self.args;
        format!(
            "env={} id={:?} inventory={} loglevel={} clear={} clear_all={} inventory_only={} links_only={} cliques_only={} origin={}",
            a.env, a.id, a.mongo.inventory, a.loglevel, a.clear, a.clear_all,
            a.inventory_only, a.links_only, a.cliques_only, self.origin.kind
        )
    }

    /// Whether the environment may be scanned (`supported_environments` feature `scanning`);
    /// an unknown environment may not.
    pub async fn scanning_supported(&self, conf: &MongoConf) -> Result<bool, String> {
        let store = Store::connect(conf, &self.args.mongo.inventory)
            .await
            .map_err(|e| e.to_string())?;
        let Ok(env) = store.load_environment(&self.args.env).await else {
            return Ok(false);
        };
        store
            .is_feature_supported(&env, "scanning")
            .await
            .map_err(|e| e.to_string())
    }

    /// Runs the scan in this process at the request's log level; a panic in the scan is
    /// returned as a failure of this request only.
    pub async fn run(&self) -> Result<Outcome, String> {
        use futures::FutureExt;
        logging::init(self.level);
        let scan = std::panic::AssertUnwindSafe(scan::execute(&self.args, &self.origin));
        match scan.catch_unwind().await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(failure)) => Err(failure.to_string()),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown panic".into());
                Err(format!("the scan crashed: {what}"))
            }
        }
    }
}
