//! One SSH connection to a gateway address (ssh2, blocking): connect, authenticate, run one
//! command, keep the session for the next command and reconnect once when it has died.

use super::SshError;
use crate::secret::Secret;
use ssh2::Session;
use std::io::Read;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(15);

/// libssh2's timeout error code (`LIBSSH2_ERROR_TIMEOUT`).
const LIBSSH2_ERROR_TIMEOUT: i32 = -9;

#[derive(Clone)]
pub enum Credentials {
    Password(Secret),
    /// Private key file; the password, when given too, is its passphrase.
    Key {
        path: PathBuf,
        passphrase: Option<Secret>,
    },
}

/// Where and as whom to log in.
#[derive(Clone)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub credentials: Credentials,
}

impl Endpoint {
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// Why one execution failed.
enum ExecFailure {
    /// The session could not even open a channel: the command was not sent, a fresh session
    /// may be tried.
    Dead(SshError),
    /// Timeout or transport failure: the session is discarded.
    Broken(SshError),
    /// The command ran but its result is unusable (stderr, bad UTF-8): the session is fine.
    Command(SshError),
}

/// Sessions one gateway serves at the same time. Each session runs one command at a time
/// (ssh2 sessions must not be shared between threads while channels come and go), so this is
/// the number of commands in flight per gateway; sshd's default MaxStartups admits it.
pub const SESSIONS_PER_GATEWAY: usize = 8;

/// A gateway connection, shared by every target host it serves: a small pool of authenticated
/// sessions, opened on demand and kept for the next commands.
pub struct Connection {
    endpoint: Endpoint,
    idle: Mutex<Vec<Session>>,
    /// Bounds the sessions in use (taken before the blocking work starts).
    pub permits: Arc<tokio::sync::Semaphore>,
    sent: Arc<AtomicU64>,
}

impl Connection {
    pub fn new(endpoint: Endpoint, sent: Arc<AtomicU64>) -> Self {
        Connection {
            endpoint,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(tokio::sync::Semaphore::new(SESSIONS_PER_GATEWAY)),
            sent,
        }
    }

    fn take_idle(&self) -> Option<Session> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop()
    }

    fn give_back(&self, session: Session) {
        self.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(session);
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Runs `command` as is (blocking) and returns its stdout. `host` names the target in
    /// errors.
    pub fn exec(&self, command: &str, host: &str) -> Result<String, SshError> {
        for attempt in 0..2 {
            let session = match self.take_idle() {
                Some(session) => session,
                None => self.connect()?,
            };
            match self.exec_on(&session, command, host) {
                Ok(out) => {
                    self.give_back(session);
                    return Ok(out);
                }
                Err(ExecFailure::Dead(e)) if attempt == 0 => {
                    log::info!(
                        "ssh {}: session lost ({}), reconnecting",
                        self.endpoint.address(),
                        e.detail
                    );
                }
                Err(ExecFailure::Dead(e)) | Err(ExecFailure::Broken(e)) => return Err(e),
                Err(ExecFailure::Command(e)) => {
                    self.give_back(session);
                    return Err(e);
                }
            }
        }
        Err(self.error(host, "could not open a session"))
    }

    fn error(&self, host: &str, detail: impl Into<String>) -> SshError {
        SshError {
            host: host.to_string(),
            detail: detail.into(),
        }
    }

    fn connect(&self) -> Result<Session, SshError> {
        let ep = &self.endpoint;
        let address = ep.address();
        let unreachable = |detail: String| SshError {
            host: ep.host.clone(),
            detail: format!("cannot connect to {address}: {detail}"),
        };
        let addrs: Vec<_> = (ep.host.as_str(), ep.port)
            .to_socket_addrs()
            .map_err(|e| unreachable(e.to_string()))?
            .collect();
        let mut last_error = "no address found".to_string();
        let mut stream = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
                Ok(s) => {
                    // Small request/answer packets: without this, Nagle and delayed ACKs add
                    // tens of milliseconds to every command.
                    let _ = s.set_nodelay(true);
                    stream = Some(s);
                    break;
                }
                Err(e) => last_error = e.to_string(),
            }
        }
        let stream = stream.ok_or_else(|| unreachable(last_error))?;
        let mut session = Session::new().map_err(|e| unreachable(e.to_string()))?;
        session.set_tcp_stream(stream);
        session.set_timeout(CONNECT_TIMEOUT.as_millis() as u32);
        session
            .handshake()
            .map_err(|e| unreachable(format!("SSH handshake failed: {}", e.message())))?;
        let auth = match &ep.credentials {
            Credentials::Password(pwd) => session.userauth_password(&ep.user, pwd.expose()),
            Credentials::Key { path, passphrase } => session.userauth_pubkey_file(
                &ep.user,
                None,
                path,
                passphrase.as_ref().map(Secret::expose),
            ),
        };
        if auth.is_err() || !session.authenticated() {
            return Err(SshError {
                host: ep.host.clone(),
                detail: format!("authentication failed for user {} at {address}", ep.user),
            });
        }
        session.set_timeout(COMMAND_TIMEOUT.as_millis() as u32);
        log::debug!("ssh: connected to {address} as {}", ep.user);
        Ok(session)
    }

    fn exec_on(&self, session: &Session, command: &str, host: &str) -> Result<String, ExecFailure> {
        let mut channel = session.channel_session().map_err(|e| {
            ExecFailure::Dead(self.error(host, format!("cannot open a channel: {}", e.message())))
        })?;
        self.sent.fetch_add(1, Ordering::Relaxed);
        log::debug!("ssh {}: {command}", self.endpoint.address());
        let (stdout, stderr, status) = match run_channel(&mut channel, command) {
            Ok(outputs) => outputs,
            Err(detail) => {
                // Non-blocking, so that freeing the channel of a still running command does
                // not wait for it; the session is discarded anyway.
                session.set_blocking(false);
                drop(channel);
                return Err(ExecFailure::Broken(self.error(host, detail)));
            }
        };
        let failed = |detail: String| ExecFailure::Command(self.error(host, detail));
        let stdout = String::from_utf8(stdout)
            .map_err(|_| failed(format!("command '{command}': output is not valid UTF-8")))?;
        let stderr = String::from_utf8_lossy(&stderr);
        if stderr.lines().any(|line| !line.contains("Loaded plugin: ")) {
            return Err(failed(format!(
                "command '{command}' wrote to stderr: {}",
                stderr.lines().next().unwrap_or_default()
            )));
        }
        // ssh exits 255 when it cannot reach the host (and, with -q, says nothing); the
        // original took the empty output for an empty host.
        if status == HOP_FAILED && command.starts_with("ssh ") {
            return Err(failed(format!(
                "command '{command}': the ssh hop to {host} failed (exit status {HOP_FAILED})"
            )));
        }
        Ok(stdout)
    }
}

/// The exit status of an `ssh` that could not connect or authenticate.
const HOP_FAILED: i32 = 255;

/// Sends the command and reads stdout, then stderr, to their ends; with the exit status.
fn run_channel(
    channel: &mut ssh2::Channel,
    command: &str,
) -> Result<(Vec<u8>, Vec<u8>, i32), String> {
    channel.exec(command).map_err(|e| {
        if is_timeout(&e) {
            timeout_text(command)
        } else {
            format!("command '{command}' failed: {}", e.message())
        }
    })?;
    let _ = channel.send_eof();
    let stdout = read_all(channel, command)?;
    let stderr = read_all(&mut channel.stderr(), command)?;
    let _ = channel.wait_close();
    let status = channel.exit_status().unwrap_or(0);
    Ok((stdout, stderr, status))
}

fn read_all(reader: &mut impl Read, command: &str) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    reader.read_to_end(&mut buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::TimedOut {
            timeout_text(command)
        } else {
            format!("command '{command}': reading its output failed: {e}")
        }
    })?;
    Ok(buf)
}

fn is_timeout(e: &ssh2::Error) -> bool {
    matches!(e.code(), ssh2::ErrorCode::Session(LIBSSH2_ERROR_TIMEOUT))
}

fn timeout_text(command: &str) -> String {
    format!(
        "command '{command}': command timed out after {} s",
        COMMAND_TIMEOUT.as_secs()
    )
}

/// File transfer over the SFTP subsystem of a pooled session (the monitoring deployment's
/// uploads and the SSL files' download).
impl Connection {
    fn with_sftp<T>(
        &self,
        host: &str,
        what: &str,
        f: impl FnOnce(&ssh2::Sftp) -> Result<T, String>,
    ) -> Result<T, SshError> {
        let session = match self.take_idle() {
            Some(session) => session,
            None => self.connect()?,
        };
        let sftp = session
            .sftp()
            .map_err(|e| self.error(host, format!("{what}: cannot start SFTP: {}", e.message())));
        let result =
            sftp.and_then(|sftp| f(&sftp).map_err(|e| self.error(host, format!("{what}: {e}"))));
        self.give_back(session);
        result
    }

    /// Writes `data` to `path` (created or truncated); `mode`, when given, is set afterwards.
    pub fn put_file(
        &self,
        path: &str,
        data: &[u8],
        mode: Option<i32>,
        host: &str,
    ) -> Result<(), SshError> {
        use std::io::Write;
        let what = format!("SFTP put {path}");
        self.sent.fetch_add(1, Ordering::Relaxed);
        log::debug!("sftp {}: put {path}", self.endpoint.address());
        self.with_sftp(host, &what, |sftp| {
            let target = std::path::Path::new(path);
            let mut file = sftp.create(target).map_err(sftp_text)?;
            file.write_all(data).map_err(|e| e.to_string())?;
            drop(file);
            if let Some(perm) = mode {
                let stat = ssh2::FileStat {
                    size: None,
                    uid: None,
                    gid: None,
                    perm: Some(perm as u32),
                    atime: None,
                    mtime: None,
                };
                sftp.setstat(target, stat).map_err(sftp_text)?;
            }
            Ok(())
        })
    }

    /// Reads the whole file at `path`.
    pub fn get_file(&self, path: &str, host: &str) -> Result<Vec<u8>, SshError> {
        let what = format!("SFTP get {path}");
        self.sent.fetch_add(1, Ordering::Relaxed);
        log::debug!("sftp {}: get {path}", self.endpoint.address());
        self.with_sftp(host, &what, |sftp| {
            let mut file = sftp.open(std::path::Path::new(path)).map_err(sftp_text)?;
            let mut data = Vec::new();
            file.read_to_end(&mut data).map_err(|e| e.to_string())?;
            Ok(data)
        })
    }
}

/// An SFTP status as text (`No such file`, `Permission denied`, …).
fn sftp_text(e: ssh2::Error) -> String {
    match e.code() {
        ssh2::ErrorCode::SFTP(2) => "No such file or directory".into(),
        ssh2::ErrorCode::SFTP(3) => "Permission denied".into(),
        _ => e.message().to_string(),
    }
}
