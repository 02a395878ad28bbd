//! `calipso env`. STUB: to be implemented.

use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum EnvCommand {
    /// Not implemented yet.
    Todo,
}

pub async fn run(_cmd: EnvCommand) -> u8 {
    eprintln!("error: not implemented yet");
    1
}
