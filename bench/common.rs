//! What both benchmarks need: the project's binaries beside the benchmark's own, and running a
//! command that must succeed. Include with `#[path = "common.rs"] mod common;`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// `target/<profile>/<name>`, found from `target/<profile>/examples/<bench>`.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent()
        .and_then(Path::parent)
        .map(|d| d.join(name))
        .unwrap_or_else(|| PathBuf::from(name))
}

/// Runs `cmd` to completion; a failure ends the benchmark naming `what`.
pub fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    if !out.status.success() {
        panic!("{what} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}
