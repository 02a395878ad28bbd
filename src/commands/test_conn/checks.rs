//! One check per target (connection-tests.md §4 with the §5 fixes). Every check builds fresh
//! connections from the environment's section and returns `Ok(detail)` or the error text.

use super::ssh_login::SshLogin;
use super::texts::{classify, WRONG_CREDENTIALS, WRONG_HOST};
use crate::access::amqp::{self, AmqpTarget};
use crate::access::api::ApiAccess;
use crate::access::cli::CliAccess;
use crate::access::db::DbAccess;
use crate::config::{Environment, Section};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Targets in the spelling the original uses.
pub const KNOWN_TARGETS: [&str; 7] = [
    "OpenStack",
    "mysql",
    "CLI",
    "AMQP",
    "Monitoring",
    "ACI",
    "Kubernetes",
];

/// A known target's canonical name (`MySQL` → `mysql`); other names stay as given.
pub fn canonical_target(name: &str) -> String {
    KNOWN_TARGETS
        .iter()
        .find(|t| t.eq_ignore_ascii_case(name))
        .map_or_else(|| name.to_string(), |t| t.to_string())
}

#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    pub timeout: Duration,
    pub deep: bool,
}

#[derive(Debug, Clone)]
pub struct TargetResult {
    pub target: String,
    pub ok: bool,
    /// Error text when failed; extra information (`uname -n: node-1`) when passed.
    pub error: Option<String>,
    pub detail: Option<String>,
    pub elapsed: Duration,
}

/// Runs every target concurrently; results come back in `targets` order.
pub async fn run_all(
    env: &Environment,
    targets: &[String],
    options: CheckOptions,
) -> Vec<TargetResult> {
    futures::future::join_all(targets.iter().map(|t| run_one(env, t, options))).await
}

/// One target under the overall deadline of 4 × timeout.
pub async fn run_one(env: &Environment, target: &str, options: CheckOptions) -> TargetResult {
    log::info!("testing connection to: {target}");
    let started = Instant::now();
    let deadline = options.timeout * 4;
    let outcome = match tokio::time::timeout(deadline, check(env, target, options)).await {
        Ok(result) => result,
        Err(_) => Err(format!("timed out after {}s", deadline.as_secs_f64())),
    };
    let (ok, error, detail) = match outcome {
        Ok(detail) => (true, None, detail),
        Err(e) => (false, Some(e), None),
    };
    TargetResult {
        target: target.to_string(),
        ok,
        error,
        detail,
        elapsed: started.elapsed(),
    }
}

async fn check(
    env: &Environment,
    target: &str,
    options: CheckOptions,
) -> Result<Option<String>, String> {
    if !KNOWN_TARGETS.contains(&target) {
        return Err(format!("unknown test target: {target}"));
    }
    if !env.has_section(target) {
        return Err(format!("failed to find {target} in targets_configuration"));
    }
    let section = env.section(target).map_err(|e| e.to_string())?;
    match target {
        "OpenStack" => ApiAccess::connect(env)
            .await
            .map(|_| None)
            .map_err(|e| classify(&e.to_string())),
        "mysql" => DbAccess::connect(env)
            .await
            .map(|_| None)
            .map_err(|e| classify(&e.to_string())),
        "CLI" => check_cli(env, &section, options).await,
        "AMQP" => check_amqp(&section, options).await,
        "Monitoring" => monitoring_login(&section, options)?
            .check()
            .await
            .map(|_| None),
        "ACI" => super::http_checks::aci(&section, options.timeout)
            .await
            .map(|_| None),
        _ => super::http_checks::kubernetes(&section, options.timeout)
            .await
            .map(|_| None),
    }
}

async fn check_cli(
    env: &Environment,
    section: &Section,
    options: CheckOptions,
) -> Result<Option<String>, String> {
    let host = section
        .str("host")
        .ok_or("Missing definition of host for CLI access")?;
    let user = section
        .str("user")
        .ok_or_else(|| format!("Missing definition of user for CLI access to host {host}"))?;
    let key = section.str("key").map(PathBuf::from);
    if let Some(key) = &key {
        if !key.is_file() {
            return Err(format!("Key file not found: {}", key.display()));
        }
    }
    let pwd = section.secret("pwd");
    if key.is_none() && pwd.is_none() {
        return Err(format!(
            "Must specify key or password for CLI access to host {host}"
        ));
    }
    let port = section.port("port").map_err(|e| e.to_string())?;
    SshLogin {
        host,
        port: port.unwrap_or(22),
        user,
        pwd,
        key,
        timeout: options.timeout,
    }
    .check()
    .await?;
    if !options.deep {
        return Ok(None);
    }
    let cli = CliAccess::new(env).map_err(|e| classify(&e.to_string()))?;
    let name = cli
        .run("uname -n", None)
        .await
        .map_err(|e| classify(&e.to_string()))?;
    Ok(Some(format!("uname -n: {}", name.trim())))
}

async fn check_amqp(section: &Section, options: CheckOptions) -> Result<Option<String>, String> {
    let mut target = AmqpTarget::from_section(section).map_err(|e| e.to_string())?;
    target.connect_timeout = options.timeout;
    let connection = amqp::connect_to(&target).await.map_err(|e| e.to_string())?;
    let _ = connection.close(200, "connection test done".into()).await;
    Ok(None)
}

/// Monitoring = an SSH login to the Sensu server (fix C8: port 22 when absent, C9: no AMQP).
fn monitoring_login(section: &Section, options: CheckOptions) -> Result<SshLogin, String> {
    let host = section
        .str("server_ip")
        .ok_or("Missing definition of server_ip for Monitoring access")?;
    let user = section
        .str("ssh_user")
        .ok_or_else(|| format!("Missing definition of ssh_user for SSH access to host {host}"))?;
    let pwd = section.secret("ssh_password").ok_or_else(|| {
        format!("Must specify ssh_password for Monitoring SSH access to host {host}")
    })?;
    let port = section.port("ssh_port").map_err(|e| e.to_string())?;
    Ok(SshLogin {
        host,
        port: port.unwrap_or(22),
        user,
        pwd: Some(pwd),
        key: None,
        timeout: options.timeout,
    })
}

/// The HTTP checks' shared classification of transport errors and statuses.
pub fn http_failure(url: &str, error: &reqwest::Error) -> String {
    if error.is_connect() || error.is_timeout() {
        let mut cause = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(s) = source {
            cause = s.to_string();
            source = s.source();
        }
        format!("{WRONG_HOST}: {url}: {cause}")
    } else {
        format!("{url}: {error}")
    }
}

pub fn http_status_failure(url: &str, status: reqwest::StatusCode) -> String {
    if status == reqwest::StatusCode::UNAUTHORIZED {
        format!("{WRONG_CREDENTIALS}: HTTP 401 from {url}")
    } else {
        format!(
            "{} {} for url: {url}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("error")
        )
    }
}

/// A host as it goes before `:port` in an address or URL: IPv6 literals bracketed.
pub fn url_host(host: &str) -> String {
    if host.parse::<std::net::Ipv6Addr>().is_ok() {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}
