//! The subcommands of the `calipso` binary. Each takes its clap arguments and returns the exit
//! code; errors are printed once, as one line, through `output`.

pub mod clique_types;
pub mod common;
pub mod daemon;
pub mod db;
pub mod env;
pub mod graph;
pub mod listen;
pub mod monitor;
pub mod scan;
pub mod scan_manager;
pub mod test_conn;
