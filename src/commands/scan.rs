//! `calipso scan`. STUB: to be implemented.

use clap::Args;

#[derive(Args, Debug)]
pub struct ScanArgs {}

pub async fn run(_args: ScanArgs) -> u8 {
    eprintln!("error: not implemented yet");
    1
}
