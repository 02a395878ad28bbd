//! `calipso`: the command-line toolkit. Parses arguments and hands each subcommand its validated
//! arguments; every subcommand returns its own exit code.

use calipso::cli::{Cli, Command};
use calipso::commands;
use clap::Parser;
use std::process::ExitCode;

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
            Command::TestConn(args) => commands::test_conn::run(args).await,
            Command::ScanManager(args) => commands::scan_manager::run(args).await,
            Command::Listen(args) => commands::listen::run(args).await,
            Command::Monitor(args) => commands::monitor::run(args).await,
        }
    });
    ExitCode::from(code)
}
