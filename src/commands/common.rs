//! Options shared by subcommands that talk to MongoDB.

use crate::config::{MongoConf, MongoConfError};
use crate::store::Store;
use clap::Args;

/// `-m` and `-y` as `scan` takes them (a bare option means the default).
#[derive(Args, Debug, Clone)]
pub struct MongoArgs {
    /// Mongo access file (default /local_dir/calipso_mongo_access.conf)
    #[arg(short = 'm', long = "mongo_config", num_args = 0..=1, default_value = "", default_missing_value = "")]
    pub mongo_config: String,
    /// Inventory collection name; renames the companion collections
    #[arg(short = 'y', long = "inventory", num_args = 0..=1, default_value = "inventory", default_missing_value = "inventory")]
    pub inventory: String,
}

impl MongoArgs {
    /// Reads the Mongo access file and connects (one-line error text on failure).
    pub async fn open_store(&self) -> Result<Store, String> {
        let conf = load_mongo_conf(&self.mongo_config).map_err(|e| e.to_string())?;
        Store::connect(&conf, &self.inventory)
            .await
            .map_err(|e| e.to_string())
    }
}

/// Reads the Mongo access file and tells the logger to mask its password.
pub fn load_mongo_conf(path: &str) -> Result<MongoConf, MongoConfError> {
    let conf = MongoConf::load(path)?;
    if let Some(pwd) = &conf.pwd {
        crate::logging::add_secrets([pwd.expose().to_string()]);
    }
    Ok(conf)
}
