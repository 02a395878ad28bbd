//! Scan benchmark: brings up labs of several sizes and latencies, scans each with the real
//! `calipso` binary and prints, per run: wall time, requests per protocol, the critical-path lower
//! bound (longest chain of sequential requests × L), wall / bound, documents written per second
//! and the scan's peak RSS (all for a first inventory scan, `--clear --inventory_only`), then
//! the wall time and peak RSS of a whole rescan (inventory, links, cliques) of the same lab.
//!
//! Run: `cargo run --release --example scan_bench -- [--hosts 10,50,100] [--latency 0,5]
//!       [--per-host 20] [--jobs 16]` (needs the services of scripts/services.sh).

#[path = "common.rs"]
mod common;
use common::{bin, run};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

struct Options {
    hosts: Vec<u32>,
    latencies: Vec<u32>,
    per_host: u32,
    jobs: u32,
}

fn parse_list(value: &str) -> Vec<u32> {
    value
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect()
}

fn options() -> Options {
    let mut o = Options {
        hosts: vec![10, 50, 100],
        latencies: vec![0, 5],
        per_host: 20,
        jobs: 32,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or("");
        match pair[0].as_str() {
            "--hosts" => o.hosts = parse_list(value),
            "--latency" => o.latencies = parse_list(value),
            "--per-host" => o.per_host = value.parse().unwrap_or(o.per_host),
            "--jobs" => o.jobs = value.parse().unwrap_or(o.jobs),
            other => {
                eprintln!("unknown option {other}");
                std::process::exit(2);
            }
        }
    }
    o
}

/// What one scan run measured.
struct Timed {
    stdout: String,
    wall: f64,
    rss_mib: f64,
    /// User + system CPU seconds of the scan process.
    cpu: f64,
}

/// CPU seconds (user + system) used so far by each process whose command name is `comm`
/// (the lab, the MongoDB-wire server, MariaDB share the machine with the scan), by pid: a
/// process that exits meanwhile (the previous run's lab) must not count against this run.
fn cpu_of(comm: &str) -> HashMap<u32, f64> {
    let ticks = 100.0; // USER_HZ on Linux
    let mut by_pid = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return by_pid;
    };
    for entry in entries.flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid … utime(14) stime(15): split after the closing parenthesis.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        if &stat[open + 1..close] != comm {
            continue;
        }
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        let field = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        if let Some(pid) = entry.file_name().to_str().and_then(|p| p.parse().ok()) {
            by_pid.insert(pid, (field(11) + field(12)) / ticks);
        }
    }
    by_pid
}

/// The services' CPU seconds, in the order of SERVICES.
const SERVICES: [&str; 3] = ["calipso-lab", "secantusd-rs", "mariadbd"];

fn services_cpu() -> Vec<HashMap<u32, f64>> {
    SERVICES.iter().map(|s| cpu_of(s)).collect()
}

/// CPU seconds each service used between two readings (processes alive at the second).
fn cpu_used(before: &[HashMap<u32, f64>], after: &[HashMap<u32, f64>]) -> Vec<f64> {
    after
        .iter()
        .zip(before)
        .map(|(after, before)| {
            after
                .iter()
                .map(|(pid, secs)| secs - before.get(pid).unwrap_or(&0.0))
                .sum()
        })
        .collect()
}

/// Runs the scan as a child process and measures it.
fn timed_scan(args: &[String]) -> Timed {
    use std::io::Read;
    let started = Instant::now();
    // Reaped by the wait4 below, which also reports its peak RSS.
    #[allow(clippy::zombie_processes)]
    let mut child = Command::new(bin("calipso"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start calipso scan");
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    // wait4 reaps this child and reports its own peak RSS (KiB on Linux).
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Timed {
        stdout,
        wall: started.elapsed().as_secs_f64(),
        rss_mib: usage.ru_maxrss as f64 / 1024.0,
        cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime),
    }
}

fn main() {
    let o = options();
    println!(
        "{:>5} {:>9} {:>4} {:>8} {:>6} {:>6} {:>6} {:>6} {:>8} {:>6} {:>9} {:>8} {:>6} {:>6} {:>6} {:>6} {:>6} {:>8}",
        "hosts",
        "instances",
        "L",
        "wall_s",
        "http",
        "sql",
        "ssh",
        "chain",
        "bound_s",
        "ratio",
        "docs/s",
        "rss_MiB",
        "cpu_s",
        "lab_s",
        "db_s",
        "sql_s",
        "full_s",
        "full_MiB"
    );
    for &hosts in &o.hosts {
        for &latency in &o.latencies {
            let dir = tempfile_dir(&format!("bench-{hosts}-{latency}"));
            let instances = o.per_host * hosts.saturating_sub(1).max(1);
            let db = format!("calipso_bench_{hosts}_{latency}");
            run(
                Command::new(bin("calipso-lab"))
                    .args(["up", "--daemon", "--wait-lock", "--dir"])
                    .arg(&dir)
                    .args([
                        "--hosts",
                        &hosts.to_string(),
                        "--instances",
                        &instances.to_string(),
                        "--latency-ms",
                        &latency.to_string(),
                        "--mongo-db",
                        &db,
                    ]),
                "calipso-lab up",
            );
            let conf = dir.join("mongo.conf").display().to_string();
            drop_database(&db);
            run(
                Command::new(bin("calipso")).args(["db", "init", "-m", &conf]),
                "db init",
            );
            run(
                Command::new(bin("calipso"))
                    .args(["env", "import", "--replace", "-m", &conf])
                    .arg(dir.join("environment.json")),
                "env import",
            );
            let scan_args: Vec<String> = [
                "scan",
                "-m",
                &conf,
                "-e",
                "lab",
                "--clear",
                "--inventory_only",
                "--output",
                "json",
                "--no-progress",
                "-l",
                "ERROR",
                "--jobs",
                &o.jobs.to_string(),
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            let before = services_cpu();
            let Timed {
                stdout,
                wall,
                rss_mib: rss,
                cpu,
            } = timed_scan(&scan_args);
            let used = cpu_used(&before, &services_cpu());
            // Then the whole scan (inventory, links, cliques) over the stored environment, as a
            // scheduled rescan runs it: its time and peak RSS.
            let full_args: Vec<String> = scan_args
                .iter()
                .filter(|a| *a != "--clear" && *a != "--inventory_only")
                .cloned()
                .collect();
            let full = timed_scan(&full_args);
            let _ = Command::new(bin("calipso-lab"))
                .args(["down", "--dir"])
                .arg(&dir)
                .status();
            let summary: serde_json::Value =
                serde_json::from_str(stdout.lines().last().unwrap_or("{}")).unwrap_or_default();
            let req = &summary["requests"];
            let n = |k: &str| req[k].as_u64().unwrap_or(0);
            let written: u64 = summary["written"]
                .as_object()
                .map_or(0, |m| m.values().filter_map(|v| v.as_u64()).sum());
            let bound = n("longest_chain") as f64 * f64::from(latency) / 1000.0;
            let ratio = if bound > 0.0 {
                format!("{:.2}", wall / bound)
            } else {
                "-".into()
            };
            println!(
                "{hosts:>5} {instances:>9} {latency:>4} {wall:>8.2} {:>6} {:>6} {:>6} {:>6} {bound:>8.2} {ratio:>6} {:>9.0} {rss:>8.1} {cpu:>6.2} {:>6.2} {:>6.2} {:>6.2} {:>6.2} {:>8.1}",
                n("http"),
                n("sql"),
                n("ssh"),
                n("longest_chain"),
                written as f64 / wall,
                used[0],
                used[1],
                used[2],
                full.wall,
                full.rss_mib
            );
        }
    }
}

/// Every run starts from an empty database: `--clear --inventory_only` empties only the
/// inventory, and links or cliques left by an earlier run would change the whole scan's work.
fn drop_database(name: &str) {
    let dropped = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let client = mongodb::Client::with_uri_str("mongodb://127.0.0.1:27017/").await?;
        client.database(name).drop().await
    });
    if let Err(e) = dropped {
        panic!("cannot drop the bench database {name}: {e}");
    }
}

fn tempfile_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("calipso-{name}-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}
