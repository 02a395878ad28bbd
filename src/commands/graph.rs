//! `calipso graph`. STUB: to be implemented.

use clap::Args;

#[derive(Args, Debug)]
pub struct GraphArgs {}

pub async fn run(_args: GraphArgs) -> u8 {
    eprintln!("error: not implemented yet");
    1
}
