//! `calipso db`. STUB: to be implemented.

use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Not implemented yet.
    Todo,
}

pub async fn run(_cmd: DbCommand) -> u8 {
    eprintln!("error: not implemented yet");
    1
}
