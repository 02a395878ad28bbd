//! Options shared by subcommands that talk to MongoDB.

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
