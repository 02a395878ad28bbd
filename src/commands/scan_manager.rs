//! `calipso scan-manager` (scan-manager.md §6).

use clap::Args;

#[derive(Args, Debug, Clone)]
pub struct ScanManagerArgs {}

pub async fn run(_args: ScanManagerArgs) -> u8 {
    1
}
