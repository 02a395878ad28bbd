//! `up --daemon` (re-run ourselves in the background and wait until the lab answers) and `down`.

use crate::lab::cli::UpArgs;
use crate::lab::files::{self, read_lab_info};
use crate::lab::process::{alive, terminate};
use anyhow::{anyhow, bail, Context};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const START_TIMEOUT: Duration = Duration::from_secs(120);
/// With --wait-lock the child may queue behind other labs for a long time.
const START_TIMEOUT_WAITING: Duration = Duration::from_secs(1800);

/// Starts `calipso-lab up` (same arguments, without --daemon) in the background with its output
/// in `<dir>/lab.log`; returns its summary line once every port answers.
pub async fn start_in_background(args: &UpArgs) -> anyhow::Result<String> {
    let dir = &args.dir;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating lab directory {}", dir.display()))?;
    let _ = std::fs::remove_file(dir.join(files::LAB_FILE));
    let log_path = dir.join(files::LOG_FILE);
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    let exe = std::env::current_exe().context("locating the calipso-lab executable")?;
    let child_args: Vec<_> = std::env::args_os()
        .skip(1)
        .filter(|a| a != "--daemon")
        .collect();
    let mut child = Command::new(exe)
        .args(child_args)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0)
        .spawn()
        .context("starting the lab in the background")?;
    let pid = child.id();
    files::write_private(&dir.join(files::PID_FILE), format!("{pid}\n").as_bytes())?;
    let timeout = if args.wait_lock {
        START_TIMEOUT_WAITING
    } else {
        START_TIMEOUT
    };
    match wait_until_ready(&mut child, dir, timeout).await {
        Ok(summary) => Ok(summary),
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_file(dir.join(files::PID_FILE));
            Err(start_failure(e, &log_path))
        }
    }
}

/// The child's own one-line error when it printed one, else the log tail.
fn start_failure(e: anyhow::Error, log_path: &Path) -> anyhow::Error {
    let text = std::fs::read_to_string(log_path).unwrap_or_default();
    if let Some(line) = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("calipso-lab: "))
    {
        return anyhow!("{line} (log: {})", log_path.display());
    }
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(20)..].join("\n");
    anyhow!("{e:#}; log tail ({}):\n{tail}", log_path.display())
}

async fn wait_until_ready(
    child: &mut Child,
    dir: &Path,
    timeout: Duration,
) -> anyhow::Result<String> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            bail!("the lab exited during start-up ({status})");
        }
        if let Some(info) = read_lab_info(dir).filter(|i| i.pid == child.id()) {
            let host: std::net::IpAddr = info
                .bind
                .parse()
                .map_err(|_| anyhow!("bad bind address in lab.json"))?;
            let all_answer = info.ports.all().iter().all(|port| {
                TcpStream::connect_timeout(
                    &SocketAddr::new(host, *port),
                    Duration::from_millis(500),
                )
                .is_ok()
            });
            if all_answer {
                return Ok(info.summary);
            }
        }
        if started.elapsed() > timeout {
            bail!("the lab did not answer within {} s", timeout.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends SIGTERM to the lab of `dir` and waits until it has exited.
pub async fn down(dir: &Path) -> anyhow::Result<String> {
    let pid_path = dir.join(files::PID_FILE);
    let text = std::fs::read_to_string(&pid_path).map_err(|_| {
        anyhow!(
            "no lab is running in {} (no {})",
            dir.display(),
            files::PID_FILE
        )
    })?;
    let pid: u32 = text
        .trim()
        .parse()
        .map_err(|_| anyhow!("{}: '{}' is not a pid", pid_path.display(), text.trim()))?;
    if !alive(pid) {
        let _ = std::fs::remove_file(&pid_path);
        let _ = std::fs::remove_file(dir.join(files::LAB_FILE));
        return Ok(format!(
            "no lab was running (pid {pid} is gone); removed the stale pid file"
        ));
    }
    terminate(pid).with_context(|| format!("sending SIGTERM to the lab (pid {pid})"))?;
    let started = Instant::now();
    while alive(pid) {
        if started.elapsed() > Duration::from_secs(20) {
            bail!("the lab (pid {pid}) did not stop within 20 s after SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = std::fs::remove_file(&pid_path);
    Ok(format!("lab (pid {pid}) stopped"))
}
