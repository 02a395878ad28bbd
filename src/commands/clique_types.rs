//! `calipso clique-types`. STUB: to be implemented.

use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum CliqueTypesCommand {
    /// Not implemented yet.
    Todo,
}

pub async fn run(_cmd: CliqueTypesCommand) -> u8 {
    eprintln!("error: not implemented yet");
    1
}
