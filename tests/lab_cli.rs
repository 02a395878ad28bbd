//! `calipso-lab` as a user runs it: one-line errors, foreground mode, SIGTERM.

#[path = "common/lab.rs"]
mod lab;

use lab::{lab_command, random_bind, LAB_EXE};
use std::process::Command;
use std::time::{Duration, Instant};

fn stderr_of(args: &[&str]) -> String {
    let out = lab_command(args);
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

#[test]
fn port_in_use_is_named() {
    let bind = random_bind();
    let _taken = std::net::TcpListener::bind((bind.as_str(), 8774)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let err = stderr_of(&[
        "up",
        "--daemon",
        "--no-ssh",
        "--wait-lock",
        "--dir",
        d,
        "--bind",
        &bind,
    ]);
    assert!(
        err.contains(&format!("{bind}:8774")) && err.contains("Nova"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let err = stderr_of(&["up", "--no-ssh", "--dir", d, "--bind", &bind]);
    assert!(err.contains(&format!("{bind}:8774 (Nova API)")), "{err}");
}

#[test]
fn mariadb_problems_are_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let bind = random_bind();
    let err = stderr_of(&[
        "up",
        "--no-ssh",
        "--dir",
        d,
        "--bind",
        &bind,
        "--mysql",
        "mysql://root@127.0.0.1:1",
    ]);
    assert!(
        err.contains("MariaDB at 127.0.0.1:1 is unreachable"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let err = stderr_of(&[
        "up",
        "--no-ssh",
        "--dir",
        d,
        "--bind",
        &bind,
        "--mysql",
        "postgres://x:secret@h",
    ]);
    assert!(err.contains("is not a mysql://"), "{err}");
    assert!(!err.contains("secret"), "password hidden: {err}");
}

#[test]
fn foreground_lab_stops_on_sigterm_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let bind = random_bind();
    let pid = std::process::id().to_string();
    let mut child = Command::new(LAB_EXE)
        .args([
            "up",
            "--no-ssh",
            "--wait-lock",
            "--dir",
            d,
            "--bind",
            &bind,
            "--hosts",
            "1",
            "--watch-pid",
            &pid,
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !dir.path().join("lab.json").exists() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "lab did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let down = lab_command(&["down", "--dir", d]);
    assert!(down.status.success(), "{down:?}");
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    let mut stdout = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
    assert!(
        stdout.starts_with("calipso-lab 'lab' up: Keystone http://"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 1);
    assert!(!dir.path().join("lab.pid").exists());
    assert!(!dir.path().join("lab.json").exists());
    assert!(dir.path().join("environment.json").exists());
}
