//! SSH access through the environment's CLI gateway (fetchers.md §2.3–2.4): configuration,
//! command adaptation, gateway detection, the 60 s output cache and line splitting. The
//! blocking ssh2 work runs in [`session`] on tokio's blocking pool.

pub mod adapt;
mod cache;
pub mod parse;
pub mod session;

use crate::config::Environment;
use crate::secret::Secret;
use adapt::Distribution;
use bson::{Bson, Document};
use session::{Connection, Credentials, Endpoint};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// How long a command's output is reused for the same (target host, final command).
const DEFAULT_PORT: u16 = 22;

/// Any SSH failure: connection, authentication, timeout, non-empty stderr. The scan records it
/// and goes on with the other hosts.
#[derive(Debug, thiserror::Error)]
#[error("ssh {host}: {detail}")]
pub struct SshError {
    pub host: String,
    pub detail: String,
}

/// Which connection serves which target host.
enum Routing {
    /// Single-host form: everything goes through one gateway.
    Gateway(Arc<Connection>),
    /// Multi-host form: every target must be listed.
    PerHost(HashMap<String, Arc<Connection>>),
}

pub struct CliAccess {
    routing: Routing,
    distribution: Distribution,
    /// Per target host name: is it the machine the connection lands on (`uname -n`)? Asked
    /// once per name; different names are asked concurrently.
    is_gateway: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<bool>>>>,
    cache: Mutex<cache::OutputCache>,
    sent: Arc<AtomicU64>,
}

impl CliAccess {
    /// Reads the `CLI` section (single-host `host`/`user`/`pwd`|`key`/`port`, or multi-host
    /// `hosts: {<host id>: {...}}`). No connection is made yet.
    pub fn new(env: &Environment) -> Result<CliAccess, SshError> {
        let config_error = |detail: String| SshError {
            host: "CLI".into(),
            detail,
        };
        let section = env
            .section("CLI")
            .map_err(|e| config_error(e.to_string()))?;
        let sent = Arc::new(AtomicU64::new(0));
        let routing = match section.doc.get_document("hosts") {
            Ok(hosts) => {
                let mut by_address: HashMap<String, Arc<Connection>> = HashMap::new();
                let mut routes = HashMap::new();
                for (host_id, entry) in hosts {
                    let entry = entry.as_document().ok_or_else(|| {
                        config_error(format!("CLI hosts.{host_id} must be an object"))
                    })?;
                    let endpoint = endpoint_of(&format!("CLI hosts.{host_id}"), entry)
                        .map_err(config_error)?;
                    let key = format!("{}@{}", endpoint.user, endpoint.address());
                    let conn = by_address
                        .entry(key)
                        .or_insert_with(|| Arc::new(Connection::new(endpoint, sent.clone())))
                        .clone();
                    routes.insert(host_id.clone(), conn);
                }
                Routing::PerHost(routes)
            }
            Err(_) => {
                let endpoint = endpoint_of("CLI", &section.doc).map_err(config_error)?;
                Routing::Gateway(Arc::new(Connection::new(endpoint, sent.clone())))
            }
        };
        Ok(CliAccess {
            routing,
            distribution: Distribution::new(env.distribution(), env.distribution_version()),
            is_gateway: Mutex::new(HashMap::new()),
            cache: Mutex::new(cache::OutputCache::default()),
            sent,
        })
    }

    /// Forgets every cached output (the next command of each kind goes to the host again).
    pub fn clear_cache(&self) {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// How many commands were sent over SSH so far (cache hits excluded, `uname -n` included).
    pub fn commands_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Runs `cmd` on `target_host` (the gateway when `None`), adapted as the original adapts it
    /// (`sudo`, `ssh -q -o StrictHostKeyChecking=no <host>` hop, Mercury translation), with the
    /// 60 s output cache. Returns stdout.
    pub async fn run(&self, cmd: &str, target_host: Option<&str>) -> Result<String, SshError> {
        let conn = self.connection_for(target_host)?;
        let hop = match target_host {
            Some(target) if !self.target_is_gateway(&conn, target).await? => Some(target),
            _ => None,
        };
        let mut output = String::new();
        for command in adapt::adapt(cmd, &self.distribution, hop) {
            output.push_str(&self.run_cached(&conn, &command, target_host).await?);
        }
        Ok(output)
    }

    /// `run` split into lines as the original's `run_fetch_lines` splits them.
    pub async fn run_lines(
        &self,
        cmd: &str,
        target_host: Option<&str>,
    ) -> Result<Vec<String>, SshError> {
        Ok(parse::split_output_lines(
            &self.run(cmd, target_host).await?,
        ))
    }

    /// Whether `target` is the machine the connection lands on (`uname -n`, asked once).
    pub async fn is_gateway(&self, target: &str) -> Result<bool, SshError> {
        let conn = self.connection_for(Some(target))?;
        self.target_is_gateway(&conn, target).await
    }

    /// Runs `cmd` exactly as given on the connection serving `target` (the gateway when
    /// `None`): no `sudo`, no hop, no cache (the deployment's `scp`).
    pub async fn run_raw(&self, cmd: &str, target: Option<&str>) -> Result<String, SshError> {
        let conn = self.connection_for(target)?;
        let host = target.unwrap_or(&conn.endpoint().host).to_string();
        exec_blocking(conn, cmd.to_string(), host).await
    }

    /// The login user of the connection serving `target`.
    pub fn user(&self, target: Option<&str>) -> Result<String, SshError> {
        Ok(self.connection_for(target)?.endpoint().user.clone())
    }

    /// SFTP-writes `data` to `path` on the machine the connection serving `target` lands on.
    pub async fn put_file(
        &self,
        target: Option<&str>,
        path: &str,
        data: Vec<u8>,
        mode: Option<i32>,
    ) -> Result<(), SshError> {
        let conn = self.connection_for(target)?;
        let host = target.unwrap_or(&conn.endpoint().host).to_string();
        let path = path.to_string();
        blocking(&host.clone(), move || {
            conn.put_file(&path, &data, mode, &host)
        })
        .await
    }

    fn connection_for(&self, target: Option<&str>) -> Result<Arc<Connection>, SshError> {
        match (&self.routing, target) {
            (Routing::Gateway(conn), _) => Ok(conn.clone()),
            (Routing::PerHost(routes), Some(t)) if !t.is_empty() => {
                routes.get(t).cloned().ok_or_else(|| SshError {
                    host: t.to_string(),
                    detail: "host is not listed in the CLI configuration's hosts".into(),
                })
            }
            (Routing::PerHost(_), _) => Err(SshError {
                host: String::new(),
                detail: "the CLI configuration lists hosts, but no target host was given".into(),
            }),
        }
    }

    /// Gateway detection: `uname -n` once per target name (no sudo, no translation, no
    /// cache); the target is the gateway when the answer equals its name.
    async fn target_is_gateway(
        &self,
        conn: &Arc<Connection>,
        target: &str,
    ) -> Result<bool, SshError> {
        let cell = self
            .is_gateway
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(target.to_string())
            .or_default()
            .clone();
        let answer = cell
            .get_or_try_init(|| async {
                let name =
                    exec_blocking(conn.clone(), "uname -n".into(), target.to_string()).await?;
                let answer = name.trim() == target;
                log::debug!("ssh: target {target} is the gateway: {answer}");
                Ok::<bool, SshError>(answer)
            })
            .await?;
        Ok(*answer)
    }

    /// The 60 s output cache. Concurrent callers of one (target, command) share one request:
    /// the instances of a host, scanned at the same time, ask for the same `virsh` outputs.
    async fn run_cached(
        &self,
        conn: &Arc<Connection>,
        command: &str,
        target: Option<&str>,
    ) -> Result<String, SshError> {
        let cell = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .cell(target.unwrap_or(""), command);
        if let Some(hit) = cell.get() {
            log::debug!("ssh: cached output for {command}");
            return Ok(hit.clone());
        }
        let host = target.unwrap_or(&conn.endpoint().host).to_string();
        cell.get_or_try_init(|| exec_blocking(conn.clone(), command.to_string(), host))
            .await
            .cloned()
    }
}

async fn exec_blocking(
    conn: Arc<Connection>,
    command: String,
    host: String,
) -> Result<String, SshError> {
    let name = host.clone();
    let _permit = conn
        .permits
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| SshError {
            host: name.clone(),
            detail: "SSH connection closed".into(),
        })?;
    // Counted here: the blocking thread does not see the scan path's task-local chain.
    crate::access::metrics::record(crate::access::metrics::Protocol::Ssh);
    tokio::task::spawn_blocking(move || conn.exec(&command, &host))
        .await
        .map_err(|e| SshError {
            host: name,
            detail: format!("SSH worker failed: {e}"),
        })?
}

/// Runs blocking SSH work (file transfers, a login of its own) on tokio's blocking pool.
pub async fn blocking<T: Send + 'static>(
    host: &str,
    work: impl FnOnce() -> Result<T, SshError> + Send + 'static,
) -> Result<T, SshError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| SshError {
            host: host.to_string(),
            detail: format!("SSH worker failed: {e}"),
        })?
}

/// A configuration value as text (numbers in decimal), `None` when absent or blank.
fn field(block: &Document, key: &str) -> Option<String> {
    match block.get(key) {
        Some(Bson::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Bson::Int32(i)) => Some(i.to_string()),
        Some(Bson::Int64(i)) => Some(i.to_string()),
        _ => None,
    }
}

/// One login from a configuration block (`label` names it in errors): `host`, `user`, `pwd` or
/// `key` (which must exist), optional `port` (default 22).
fn endpoint_of(label: &str, block: &Document) -> Result<Endpoint, String> {
    let required = |key: &str| {
        field(block, key).ok_or_else(|| format!("configuration {label}: {key} is missing"))
    };
    let host = required("host")?;
    let user = required("user")?;
    let port = match field(block, "port") {
        None => DEFAULT_PORT,
        Some(p) => p
            .parse()
            .map_err(|_| format!("configuration {label}: port must be a port number, got '{p}'"))?,
    };
    let pwd = field(block, "pwd").map(Secret::new);
    let credentials = match field(block, "key") {
        Some(key) => {
            let path = PathBuf::from(&key);
            if !path.is_file() {
                return Err(format!(
                    "configuration {label}: key file {key} does not exist"
                ));
            }
            Credentials::Key {
                path,
                passphrase: pwd,
            }
        }
        None => Credentials::Password(
            pwd.ok_or_else(|| format!("configuration {label}: either pwd or key must be given"))?,
        ),
    };
    Ok(Endpoint {
        host,
        port,
        user,
        credentials,
    })
}
