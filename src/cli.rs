//! The `calipso` command line: the top-level parser and its subcommands. Lives in the library so
//! that the binary and the man-page generator (`examples/gen_man.rs`) share one definition.

use crate::commands;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "calipso",
    version,
    about = "Discover an OpenStack cloud's virtual networking into MongoDB"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Scan an environment (or one object) into the inventory, then find links and cliques.
    Scan(commands::scan::ScanArgs),
    /// Register, list and export environment definitions (environments_config).
    #[command(subcommand)]
    Env(commands::env::EnvCommand),
    /// Load and inspect the reference collections a fresh database needs.
    #[command(subcommand)]
    Db(commands::db::DbCommand),
    /// Import and export clique types.
    #[command(subcommand, name = "clique-types")]
    CliqueTypes(commands::clique_types::CliqueTypesCommand),
    /// Write a clique or a whole environment as a graph (dot, graphml, json).
    Graph(commands::graph::GraphArgs),
    /// Test the connections an environment configures, or serve connection_tests requests.
    #[command(name = "test-conn")]
    TestConn(commands::test_conn::TestConnArgs),
    /// Run the scan requests and scheduled scans of the scans collections.
    #[command(name = "scan-manager")]
    ScanManager(commands::scan_manager::ScanManagerArgs),
    /// Keep the inventory live from OpenStack notifications on AMQP.
    Listen(commands::listen::ListenArgs),
    /// Record one Sensu check result (the `osdna-monitor` pipe handler) on its object or link.
    Monitor(commands::monitor::MonitorArgs),
}
