//! SSH access through the environment's CLI gateway (fetchers.md §2.3–2.4). STUB: to be
//! implemented.

use crate::config::Environment;

/// Any SSH failure: connection, authentication, timeout, non-empty stderr. The scan records it
/// and goes on with the other hosts.
#[derive(Debug, thiserror::Error)]
#[error("ssh {host}: {detail}")]
pub struct SshError {
    pub host: String,
    pub detail: String,
}

pub struct CliAccess {}

impl CliAccess {
    pub fn new(_env: &Environment) -> Result<CliAccess, SshError> {
        Ok(CliAccess {})
    }

    /// Runs `cmd` on `target_host` (the gateway when `None`), adapted as the original adapts it
    /// (`sudo`, `ssh -q -o StrictHostKeyChecking=no <host>` hop, Mercury translation), with the
    /// 60 s output cache. Returns stdout.
    pub async fn run(&self, _cmd: &str, target_host: Option<&str>) -> Result<String, SshError> {
        Err(SshError {
            host: target_host.unwrap_or("gateway").to_string(),
            detail: "not implemented".into(),
        })
    }

    /// `run` split into lines as the original's `run_fetch_lines` splits them.
    pub async fn run_lines(
        &self,
        cmd: &str,
        target_host: Option<&str>,
    ) -> Result<Vec<String>, SshError> {
        Ok(self
            .run(cmd, target_host)
            .await?
            .lines()
            .map(String::from)
            .collect())
    }
}
