//! The SSH login check of the `CLI` and `Monitoring` targets: TCP connect, handshake and
//! authentication, no command (connection-tests.md §4.3, C15).

use super::texts::{WRONG_CREDENTIALS, WRONG_HOST, WRONG_KEY};
use crate::secret::Secret;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

/// libssh2 error codes that say which side is wrong.
const LIBSSH2_ERROR_FILE: i32 = -16;
const LIBSSH2_ERROR_AUTHENTICATION_FAILED: i32 = -18;
const LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED: i32 = -19;

pub struct SshLogin {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub pwd: Option<Secret>,
    pub key: Option<PathBuf>,
    pub timeout: Duration,
}

impl SshLogin {
    /// Runs the blocking check on the blocking pool.
    pub async fn check(self) -> Result<(), String> {
        tokio::task::spawn_blocking(move || self.check_blocking())
            .await
            .map_err(|e| format!("SSH check task failed: {e}"))?
    }

    fn endpoint(&self) -> String {
        format!("{}:{}", super::checks::url_host(&self.host), self.port)
    }

    fn check_blocking(&self) -> Result<(), String> {
        let endpoint = self.endpoint();
        let unreachable = |detail: String| format!("{WRONG_HOST}: ssh {endpoint}: {detail}");
        let address = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| unreachable(format!("cannot resolve host: {e}")))?
            .next()
            .ok_or_else(|| unreachable("host name has no address".into()))?;
        let tcp = TcpStream::connect_timeout(&address, self.timeout)
            .map_err(|e| unreachable(e.to_string()))?;
        let _ = tcp.set_read_timeout(Some(self.timeout));
        let _ = tcp.set_write_timeout(Some(self.timeout));
        let mut session =
            ssh2::Session::new().map_err(|e| format!("cannot start an SSH session: {e}"))?;
        session.set_tcp_stream(tcp);
        session.set_timeout(u32::try_from(self.timeout.as_millis()).unwrap_or(u32::MAX));
        session
            .handshake()
            .map_err(|e| unreachable(format!("SSH handshake failed: {}", e.message())))?;
        let auth = match (&self.key, &self.pwd) {
            (Some(key), pwd) => session.userauth_pubkey_file(
                &self.user,
                None,
                key,
                pwd.as_ref().map(Secret::expose),
            ),
            (None, Some(pwd)) => session.userauth_password(&self.user, pwd.expose()),
            (None, None) => {
                return Err(format!(
                    "Must specify key or password for CLI access to host {}",
                    self.host
                ))
            }
        };
        match auth {
            Ok(()) if session.authenticated() => Ok(()),
            Ok(()) => Err(self.rejected()),
            Err(e) => Err(match e.code() {
                ssh2::ErrorCode::Session(LIBSSH2_ERROR_FILE) => format!(
                    "{WRONG_KEY}: {}: {}",
                    self.key
                        .as_deref()
                        .map_or_else(String::new, |k| k.display().to_string()),
                    e.message()
                ),
                ssh2::ErrorCode::Session(
                    LIBSSH2_ERROR_AUTHENTICATION_FAILED | LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED,
                ) => self.rejected(),
                _ => format!("SSH login at {endpoint} failed: {}", e.message()),
            }),
        }
    }

    fn rejected(&self) -> String {
        let how = if self.key.is_some() {
            "key"
        } else {
            "password"
        };
        format!(
            "{WRONG_CREDENTIALS}: {how} of user {} rejected by {}",
            self.user,
            self.endpoint()
        )
    }
}
