//! The lab's embedded SSH server: password and public-key auth, `exec` requests answered by a
//! [`CommandHandler`]. The scanner connects to it exactly as it would to a real host's sshd.

mod connection;
mod keys;
mod sftp;

use crate::secret::Secret;
use connection::{stopped, Connection, Credentials, Shared};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// What one `exec` request answers.
#[derive(Debug, Clone, Default)]
pub struct CommandReply {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit_status: u32,
    /// Wait this long before answering (simulated latency, or a hanging command).
    pub delay: Duration,
}

/// Answers the command line of an `exec` request, exactly as received.
pub trait CommandHandler: Send + Sync + 'static {
    fn handle(&self, user: &str, command: &str) -> CommandReply;

    /// The files the `sftp` subsystem serves; `None` refuses the subsystem.
    fn file_store(&self) -> Option<Arc<dyn FileStore>> {
        None
    }
}

/// Why a file operation failed, as SFTP status codes tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileError {
    NoSuchFile,
    PermissionDenied,
    Failure,
}

/// What `stat` tells of a path.
#[derive(Debug, Clone, Copy)]
pub struct FileInfo {
    pub size: u64,
    /// Type and permission bits (`0o100644`, `0o040755`).
    pub mode: u32,
}

/// The file system behind the `sftp` subsystem, seen by one logged-in user.
pub trait FileStore: Send + Sync + 'static {
    fn read(&self, user: &str, path: &str) -> Result<Vec<u8>, FileError>;
    /// Replaces the whole content (created with `mode` when new).
    fn write(&self, user: &str, path: &str, data: Vec<u8>, mode: u32) -> Result<(), FileError>;
    fn stat(&self, user: &str, path: &str) -> Result<FileInfo, FileError>;
    fn set_mode(&self, user: &str, path: &str, mode: u32) -> Result<(), FileError>;
    fn mkdir(&self, user: &str, path: &str) -> Result<(), FileError>;
}

#[derive(Debug, Clone)]
pub struct SshUser {
    pub name: String,
    pub password: Option<Secret>,
    /// OpenSSH public key lines (`ssh-ed25519 AAAA... comment`) accepted for this user.
    pub authorized_keys: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct SshServerConfig {
    pub bind: SocketAddr,
    pub users: Vec<SshUser>,
    /// Host key file; created (ed25519) when missing so the key stays stable across restarts.
    pub host_key_path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
#[error("lab ssh server: {0}")]
pub struct LabSshError(pub String);

/// A server started by [`serve`]. Dropping it without `shutdown` also stops the server, but
/// without waiting for the sessions to end.
pub struct RunningSshServer {
    pub local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    accept_loop: JoinHandle<()>,
}

impl RunningSshServer {
    /// Stops accepting connections and closes open sessions.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.accept_loop.await {
            log::warn!(
                "lab ssh server on {} ended abnormally: {e}",
                self.local_addr
            );
        }
    }
}

/// How long a shut-down server waits for its sessions to say goodbye before dropping them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// Delay before answering a failed authentication (sshd does the same, slower).
const AUTH_REJECTION_TIME: Duration = Duration::from_millis(200);
/// Sessions idle this long are closed.
const INACTIVITY_TIMEOUT: Duration = Duration::from_secs(3600);

/// Binds and serves in the background until `shutdown`.
pub async fn serve(
    config: SshServerConfig,
    handler: Arc<dyn CommandHandler>,
) -> Result<RunningSshServer, LabSshError> {
    let host_key = keys::load_or_create_host_key(&config.host_key_path)?;
    let users = credentials(&config.users)?;
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|e| LabSshError(format!("cannot listen on {}: {e}", config.bind)))?;
    let local_addr = listener
        .local_addr()
        .map_err(|e| LabSshError(format!("no local address for {}: {e}", config.bind)))?;
    let (stop, stop_rx) = watch::channel(false);
    let shared = Arc::new(Shared {
        users,
        handler,
        stop: stop_rx,
    });
    let accept_loop = tokio::spawn(accept_loop(
        listener,
        Arc::new(russh_config(host_key)),
        shared,
    ));
    log::info!("lab ssh server listening on {local_addr}");
    Ok(RunningSshServer {
        local_addr,
        stop,
        accept_loop,
    })
}

/// Writes a new client private key (OpenSSH format, readable by libssh2) to `path` with mode 0600
/// and returns its public key line.
pub fn generate_client_key(path: &std::path::Path) -> Result<String, LabSshError> {
    keys::generate_client_key(path)
}

fn russh_config(host_key: russh::keys::PrivateKey) -> russh::server::Config {
    use russh::MethodKind;
    russh::server::Config {
        methods: russh::MethodSet::from(&[MethodKind::Password, MethodKind::PublicKey][..]),
        auth_rejection_time: AUTH_REJECTION_TIME,
        // The client's first "none" probe only asks for the method list: answer at once.
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![host_key],
        inactivity_timeout: Some(INACTIVITY_TIMEOUT),
        nodelay: true,
        ..Default::default()
    }
}

fn credentials(users: &[SshUser]) -> Result<HashMap<String, Credentials>, LabSshError> {
    users
        .iter()
        .map(|user| {
            let authorized_keys = user
                .authorized_keys
                .iter()
                .filter(|line| !line.trim().is_empty())
                .map(|line| keys::parse_authorized_key(&user.name, line))
                .collect::<Result<_, _>>()?;
            let credentials = Credentials {
                password: user.password.clone(),
                authorized_keys,
            };
            Ok((user.name.clone(), credentials))
        })
        .collect()
}

async fn accept_loop(
    listener: TcpListener,
    config: Arc<russh::server::Config>,
    shared: Arc<Shared>,
) {
    let mut stop = shared.stop.clone();
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            _ = stopped(&mut stop) => break,
            accepted = listener.accept() => match accepted {
                Ok((socket, peer)) => {
                    log::debug!("lab ssh connection from {peer}");
                    // Config.nodelay applies only to sockets russh accepts itself.
                    let _ = socket.set_nodelay(true);
                    sessions.spawn(run_session(socket, config.clone(), shared.clone()));
                }
                // Per-connection failures (peer reset, too many open files) must not stop
                // the server; pause briefly so a persistent error does not spin.
                Err(e) => {
                    log::warn!("lab ssh accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
    drop(listener);
    let all_ended = async { while sessions.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, all_ended)
        .await
        .is_err()
    {
        sessions.abort_all();
    }
    log::info!("lab ssh server stopped");
}

/// Serves one TCP connection until the client leaves or the server stops.
async fn run_session(socket: TcpStream, config: Arc<russh::server::Config>, shared: Arc<Shared>) {
    let mut stop = shared.stop.clone();
    let started = tokio::select! {
        _ = stopped(&mut stop) => return,
        started = russh::server::run_stream(config, socket, Connection::new(shared)) => started,
    };
    let session = match started {
        Ok(session) => session,
        Err(e) => {
            log::debug!("lab ssh handshake failed: {e}");
            return;
        }
    };
    let handle = session.handle();
    tokio::pin!(session);
    tokio::select! {
        _ = stopped(&mut stop) => {
            let _ = handle
                .disconnect(russh::Disconnect::ByApplication, "lab shutting down".into(), String::new())
                .await;
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, &mut session).await;
        }
        ended = &mut session => {
            if let Err(e) = ended {
                log::debug!("lab ssh session ended: {e}");
            }
        }
    }
}
