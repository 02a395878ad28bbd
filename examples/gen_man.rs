//! Writes the man pages (`calipso.1`, `calipso-<subcommand>.1`, …) and the shell completions
//! (`completions/`) of the `calipso` command into a directory, `man/` by default:
//!
//!     cargo run --example gen_man [-- OUT_DIR]
//!
//! `tests/man_pages.rs` regenerates into a temporary directory and fails when `man/` is stale.

use calipso::cli::Cli;
use clap::CommandFactory;
use clap_complete::Shell;
use std::path::Path;

/// Man pages for the command and every (nested) subcommand, then bash/zsh/fish completions.
pub fn generate(out_dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(out_dir)?;
    clap_mangen::generate_to(Cli::command(), out_dir)?;
    let completions = out_dir.join("completions");
    std::fs::create_dir_all(&completions)?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut Cli::command(), "calipso", &completions)?;
    }
    Ok(())
}

#[allow(dead_code)] // unused when tests/man_pages.rs includes this file
fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| "man".into());
    if let Err(e) = generate(Path::new(&out)) {
        eprintln!("error: writing man pages to {out}: {e}");
        std::process::exit(1);
    }
    eprintln!("man pages and completions written to {out}/");
}
