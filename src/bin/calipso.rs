//! `calipso`: the command-line toolkit. Parses arguments and hands each subcommand its validated
//! arguments; every subcommand returns its own exit code.

use calipso::commands;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "calipso",
    version,
    about = "Discover an OpenStack cloud's virtual networking into MongoDB"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
    /// Keep the inventory live from OpenStack notifications on AMQP.
    Listen(commands::listen::ListenArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(async move {
        match cli.command {
            Command::Scan(args) => commands::scan::run(args).await,
            Command::Env(cmd) => commands::env::run(cmd).await,
            Command::Db(cmd) => commands::db::run(cmd).await,
            Command::CliqueTypes(cmd) => commands::clique_types::run(cmd).await,
            Command::Graph(args) => commands::graph::run(args).await,
            Command::Listen(args) => commands::listen::run(args).await,
        }
    });
    ExitCode::from(code)
}
