//! `calipso monitor`: the Sensu pipe handler `osdna-monitor` (monitoring.md §7). Reads one
//! check result (stdin or `-i FILE`) and records it on the object or link and in `messages`.

use super::common::load_mongo_conf;
use crate::logging;
use crate::monitoring::handler::{self, CheckEvent, HandlerError};
use crate::output;
use crate::store::Store;
use clap::Args;
use std::io::Read;

#[derive(Args, Debug)]
pub struct MonitorArgs {
    /// Mongo access file (default /local_dir/calipso_mongo_access.conf)
    #[arg(short = 'm', long = "mongo_config", default_value = "")]
    pub mongo_config: String,
    /// Environment name (the event's client.environment takes precedence)
    #[arg(short = 'e', long = "env", default_value = "WebEX-Mirantis@Cisco")]
    pub env: String,
    /// Inventory collection name; renames the companion collections
    #[arg(short = 'y', long = "inventory", default_value = "inventory")]
    pub inventory: String,
    /// Read the check result from this file instead of stdin
    #[arg(short = 'i', long = "inputfile", default_value = "")]
    pub inputfile: String,
    /// Log level: DEBUG, INFO, WARNING, ERROR or CRITICAL (any case)
    #[arg(short = 'l', long = "loglevel", default_value = "WARNING")]
    pub loglevel: String,
}

/// Exit 0 once the event is read (a miss or a bad event is logged, as the original does);
/// 1 when the input cannot be read or MongoDB cannot be used.
pub async fn run(args: MonitorArgs) -> u8 {
    if let Err(e) = logging::init_by_name(&args.loglevel) {
        output::error(&e);
        return 1;
    }
    let text = match read_input(&args.inputfile) {
        Ok(text) => text,
        Err(e) => {
            output::error(&e);
            return 1;
        }
    };
    let code = match handle(&args, &text).await {
        Ok(()) => 0,
        Err(HandlerError::Input(e)) => {
            log::error!("{e}");
            0
        }
        Err(e) => {
            log::error!("{e}");
            1
        }
    };
    logging::flush().await;
    code
}

fn read_input(path: &str) -> Result<String, String> {
    if path.is_empty() {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
    }
}

async fn handle(args: &MonitorArgs, text: &str) -> Result<(), HandlerError> {
    let event = CheckEvent::parse(text)?;
    let conf =
        load_mongo_conf(&args.mongo_config).map_err(|e| HandlerError::Setup(e.to_string()))?;
    let store = Store::connect(&conf, &args.inventory).await?;
    logging::attach_messages(&store);
    handler::handle(&store, &event).await
}
