//! The lab's embedded SSH server: password and public-key auth, `exec` requests answered by a
//! [`CommandHandler`]. STUB: the signatures are the contract; to be implemented.

use crate::secret::Secret;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

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

pub struct RunningSshServer {
    pub local_addr: SocketAddr,
}

impl RunningSshServer {
    /// Stops accepting connections and closes open sessions.
    pub async fn shutdown(self) {}
}

/// Binds and serves in the background until `shutdown`.
pub async fn serve(
    _config: SshServerConfig,
    _handler: Arc<dyn CommandHandler>,
) -> Result<RunningSshServer, LabSshError> {
    Err(LabSshError("not implemented".into()))
}

/// Writes a new client private key (OpenSSH format, readable by libssh2) to `path` with mode 0600
/// and returns its public key line.
pub fn generate_client_key(_path: &std::path::Path) -> Result<String, LabSshError> {
    Err(LabSshError("not implemented".into()))
}
