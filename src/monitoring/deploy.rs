//! Delivery (monitoring.md §5): server files over the server's own SSH login, SSL files,
//! check scripts and client configs through the CLI gateway, then the restarts. Every SSH or
//! SFTP failure is logged and counted; the deployment goes on with the next step.

use super::{Manager, PendingHost, Provision};
use crate::access::cli::session::{Connection, Credentials, Endpoint};
use crate::access::cli::{blocking, CliAccess, SshError};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

const CONF_DIR: &str = "/etc/sensu/conf.d";
const PLUGINS_DIR: &str = "/etc/sensu/plugins";
const SSL_DIR: &str = "/etc/sensu/ssl";
/// CentOS's `service` answers this on stderr and still restarts.
const CENTOS_REDIRECT: &str = "Error: Redirecting to /bin/systemctl restart";

impl Manager {
    /// Deploys what is pending; true when nothing failed (also when there is nothing to do
    /// below provision Deploy).
    pub async fn deploy(&mut self) -> bool {
        match self.provision() {
            Provision::None => return true,
            Provision::Db => {
                log::info!("Monitoring config applied only in DB");
                return true;
            }
            Provision::Files => {
                for host in self.pending.iter().filter(|p| !p.is_server) {
                    log::info!(
                        "Monitoring config not deployed to remote host {}",
                        host.host
                    );
                }
                return true;
            }
            Provision::Deploy => {}
        }
        log::info!("applying monitoring setup");
        let before = self.errors();
        let pending = self.pending.clone();
        self.deploy_server(&pending).await;
        let clients: Vec<&PendingHost> = pending.iter().filter(|p| !p.is_server).collect();
        if !clients.is_empty() {
            match CliAccess::new(&self.env) {
                Ok(cli) => self.deploy_clients(&cli, &clients).await,
                Err(e) => self.error(e),
            }
        }
        let ok = self.errors() == before;
        let suffix = if ok { "" } else { ", with some error(s)" };
        log::info!("done applying monitoring setup{suffix}");
        ok
    }

    fn server_connection(&self) -> Result<Connection, SshError> {
        let s = &self.settings;
        let host = s.server_ip.clone().unwrap_or_default();
        let fail = |detail: String| SshError {
            host: host.clone(),
            detail,
        };
        let (Some(user), Some(password)) = (&s.ssh_user, &s.ssh_password) else {
            return Err(fail(
                "Monitoring ssh_user and ssh_password are needed to reach the Sensu server".into(),
            ));
        };
        let port = match &s.ssh_port {
            Some(p) => p.parse().map_err(|_| {
                fail(format!(
                    "Monitoring ssh_port must be a port number, got '{p}'"
                ))
            })?,
            None => return Err(fail("Monitoring ssh_port is missing".into())),
        };
        let endpoint = Endpoint {
            host: host.clone(),
            port,
            user: user.clone(),
            credentials: Credentials::Password(password.clone()),
        };
        Ok(Connection::new(endpoint, Arc::new(AtomicU64::new(0))))
    }

    /// §5.2 and the server restarts of §5.4.
    async fn deploy_server(&mut self, pending: &[PendingHost]) {
        let files: Vec<(String, String)> = pending
            .iter()
            .filter(|p| p.is_server)
            .flat_map(|p| p.files.clone())
            .collect();
        if files.is_empty() {
            return;
        }
        let server = match self.server_connection() {
            Ok(conn) => Arc::new(conn),
            Err(e) => return self.error(e),
        };
        let ip = self.settings.server_ip.clone().unwrap_or_default();
        let user = self.settings.ssh_user.clone().unwrap_or_default();
        for (file, local) in &files {
            let steps = [
                format!("sudo mkdir -p {CONF_DIR}"),
                format!("sudo chown -R {user} {CONF_DIR}"),
            ];
            let mut result = Ok(());
            for step in steps {
                result = server_exec(&server, &ip, step).await.map(drop);
                if result.is_err() {
                    break;
                }
            }
            let result = match (result, std::fs::read(local)) {
                (Err(e), _) => Err(e),
                (Ok(()), Err(e)) => Err(local_error(&ip, local, e)),
                (Ok(()), Ok(data)) => {
                    let remote = format!("{CONF_DIR}/{file}");
                    let (conn, host) = (server.clone(), ip.clone());
                    blocking(&ip, move || conn.put_file(&remote, &data, None, &host)).await
                }
            };
            if let Err(e) = result {
                self.error(e);
            }
        }
        for service in ["sensu-server", "uchiwa"] {
            log::info!("restart {service} on {ip}");
            let command = format!("sudo service {service} restart");
            if let Err(e) = server_exec(&server, &ip, command).await {
                if !e.detail.contains(CENTOS_REDIRECT) {
                    self.error(e);
                }
            }
        }
    }

    /// §5.3 steps 2–4: SSL, scripts, configs and client restarts, through the gateway.
    async fn deploy_clients(&mut self, cli: &CliAccess, clients: &[&PendingHost]) {
        let user = match cli.user(None) {
            Ok(u) => u,
            Err(e) => return self.error(e),
        };
        let script_hosts: Vec<&str> = clients
            .iter()
            .filter(|p| p.scripts && !p.host.is_empty())
            .map(|p| p.host.as_str())
            .collect();
        let d = Delivery { cli, user: &user };
        if !script_hosts.is_empty() {
            if let Some(paths) = self.ssl_paths.clone() {
                self.deploy_ssl(&d, &paths, &script_hosts).await;
            }
            self.deploy_scripts(&d, &script_hosts).await;
        }
        let server_ip = self.settings.server_ip.clone().unwrap_or_default();
        for client in clients.iter().filter(|p| !p.files.is_empty()) {
            if client.host == server_ip {
                self.copy_locally(client);
                continue;
            }
            if client.host.is_empty() {
                self.error("monitoring setup: a host object without a host name was skipped");
                continue;
            }
            let folder = self.settings.config_folder.clone().unwrap_or_default();
            let mut failed = false;
            for (_, local) in &client.files {
                if let Err(e) = d.stage_local(local).await {
                    self.error(e);
                    failed = true;
                }
            }
            let dir = format!("{folder}/host/{}", client.host);
            if failed {
                continue;
            }
            if let Err(e) = d.copy(&dir, CONF_DIR, &client.host).await {
                self.error(e);
                continue;
            }
            log::info!("deploying config to host {}", client.host);
            let restart = cli
                .run("service sensu-client restart", Some(&client.host))
                .await;
            if let Err(e) = restart {
                if !e.detail.contains(CENTOS_REDIRECT) {
                    self.error(e);
                }
            }
        }
    }

    async fn deploy_ssl(&mut self, d: &Delivery<'_>, paths: &[String], hosts: &[&str]) {
        let server = match self.server_connection() {
            Ok(conn) => Arc::new(conn),
            Err(e) => return self.error(e),
        };
        let ip = self.settings.server_ip.clone().unwrap_or_default();
        for path in paths {
            let (conn, p, host) = (server.clone(), path.clone(), ip.clone());
            let fetched = blocking(&ip, move || conn.get_file(&p, &host)).await;
            let staged = match fetched {
                Ok(data) => d.stage(path, data, None).await,
                Err(e) => Err(e),
            };
            if let Err(e) = staged {
                return self.error(e);
            }
        }
        for host in hosts {
            if let Err(e) = d.copy(SSL_DIR, SSL_DIR, host).await {
                self.error(e);
            }
        }
    }

    async fn deploy_scripts(&mut self, d: &Delivery<'_>, hosts: &[&str]) {
        let dir = format!(
            "{}/monitoring/checks",
            self.settings.app_path.clone().unwrap_or_default()
        );
        let mut scripts: Vec<std::path::PathBuf> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect(),
            Err(e) => {
                return self.error(format!(
                    "monitoring setup: cannot read the check scripts in {dir}: {e}"
                ))
            }
        };
        scripts.sort();
        for script in scripts {
            let name = script.file_name().unwrap_or_default().to_string_lossy();
            let staged = match std::fs::read(&script) {
                Ok(data) => {
                    d.stage(&format!("{PLUGINS_DIR}/{name}"), data, Some(0o755))
                        .await
                }
                Err(e) => Err(local_error("local", &script.display().to_string(), e)),
            };
            if let Err(e) = staged {
                return self.error(e);
            }
        }
        for host in hosts {
            if let Err(e) = d
                .copy(&format!("{PLUGINS_DIR}/*.py"), PLUGINS_DIR, host)
                .await
            {
                self.error(e);
            }
        }
    }

    /// A client host named like the server: its files are copied on this machine (§5.1).
    fn copy_locally(&mut self, client: &PendingHost) {
        for (file, local) in &client.files {
            let target = format!("{CONF_DIR}/{file}");
            let copied =
                std::fs::create_dir_all(CONF_DIR).and_then(|_| std::fs::copy(local, &target));
            if let Err(e) = copied {
                self.error(format!(
                    "monitoring setup: cannot copy {local} to {target}: {e}"
                ));
            }
        }
    }
}

async fn server_exec(
    server: &Arc<Connection>,
    ip: &str,
    command: String,
) -> Result<String, SshError> {
    let (conn, host) = (server.clone(), ip.to_string());
    blocking(ip, move || conn.exec(&command, &host)).await
}

fn local_error(host: &str, path: &str, e: std::io::Error) -> SshError {
    SshError {
        host: host.to_string(),
        detail: format!("cannot read local file {path}: {e}"),
    }
}

/// Staging on the gateway and copies to the client hosts (§5.3).
struct Delivery<'a> {
    cli: &'a CliAccess,
    user: &'a str,
}

impl Delivery<'_> {
    /// Puts `data` at the same absolute `path` on the gateway (directory made and given to
    /// the login user first).
    async fn stage(&self, path: &str, data: Vec<u8>, mode: Option<i32>) -> Result<(), SshError> {
        let dir = path
            .rsplit_once('/')
            .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
        self.make_dir(dir, None).await?;
        self.cli
            .run(&format!("chown -R {} {dir}", self.user), None)
            .await?;
        self.cli.put_file(None, path, data, mode).await
    }

    /// `mkdir -p` on `target` (the gateway when `None`); a timeout says which directory.
    async fn make_dir(&self, dir: &str, target: Option<&str>) -> Result<(), SshError> {
        match self.cli.run(&format!("mkdir -p {dir}"), target).await {
            Ok(_) => Ok(()),
            Err(e) if e.detail.contains("timed out") => Err(SshError {
                detail: format!(
                    "timed out trying to create directory {dir} on host {}",
                    target.unwrap_or("gateway")
                ),
                ..e
            }),
            Err(e) => Err(e),
        }
    }

    async fn stage_local(&self, local: &str) -> Result<(), SshError> {
        let data = std::fs::read(local).map_err(|e| local_error("local", local, e))?;
        self.stage(local, data, None).await
    }

    /// `copy(src, dst, H)`: `sudo cp` on the gateway itself, else mkdir/chown on H and `scp`
    /// from the gateway.
    async fn copy(&self, src: &str, dst: &str, host: &str) -> Result<(), SshError> {
        let from = if src.contains('*') {
            src.to_string()
        } else {
            format!("{}/*", src.trim_end_matches('/'))
        };
        if self.cli.is_gateway(host).await? {
            if source_dir(&from) == dst.trim_end_matches('/') {
                return Ok(());
            }
            self.cli
                .run(&format!("cp {from} {dst}"), Some(host))
                .await?;
            return Ok(());
        }
        self.make_dir(dst, Some(host)).await?;
        self.cli
            .run(&format!("chown -R {} {dst}", self.user), Some(host))
            .await?;
        let dst = dst.trim_end_matches('/');
        self.cli
            .run_raw(&format!("scp {from} {}@{host}:{dst}/", self.user), None)
            .await?;
        Ok(())
    }
}

/// The directory a copy source reads from: the source without its last component when that
/// is a glob (`/etc/sensu/plugins/*.py` ⇒ `/etc/sensu/plugins`).
fn source_dir(from: &str) -> &str {
    match from.rsplit_once('/') {
        Some((dir, last)) if last.contains('*') => dir.trim_end_matches('/'),
        _ => from.trim_end_matches('/'),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn source_dir_strips_a_glob() {
        assert_eq!(
            super::source_dir("/etc/sensu/plugins/*.py"),
            "/etc/sensu/plugins"
        );
        assert_eq!(super::source_dir("/etc/sensu/ssl/*"), "/etc/sensu/ssl");
        assert_eq!(super::source_dir("/a/b/"), "/a/b");
    }
}
