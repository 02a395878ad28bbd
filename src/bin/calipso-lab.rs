//! `calipso-lab`: a simulated OpenStack cloud for scanners (see `calipso::lab`).

use calipso::lab::cli::{run, Cli};
use clap::Parser;

#[tokio::main]
async fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let mut stdout = std::io::stdout();
    if let Err(e) = run(cli, &mut stdout).await {
        eprintln!("calipso-lab: {e:#}");
        std::process::exit(1);
    }
}
