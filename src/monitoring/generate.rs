//! Generation (monitoring.md §4.1, §4.2, §4.4, §5.5): `write_config`, the server setup, the
//! host setup and the re-reading of stored documents for `--monitoring_setup_only`.

use super::templates::{prepare, Values};
use super::{Manager, MonitoringError, Provision};
use crate::doc::str_field;
use bson::{doc, Bson, Document};
use std::path::Path;

/// The client files of a host, in the order they are written.
pub const CLIENT_FILES: [&str; 3] = ["transport.json", "rabbitmq.json", "client.json"];

impl Manager {
    /// Merges `content` into the stored document of (host, file), writes it back, then (from
    /// Files up) rewrites the local file `<config_folder>/<subdir>/<file>` and records the
    /// delivery. `None` (a failed template condition) changes nothing.
    pub async fn write_config(
        &mut self,
        host: &str,
        file: &str,
        content: Option<Document>,
        subdir: &str,
        is_server: bool,
    ) -> Result<(), MonitoringError> {
        let Some(content) = content else {
            return Ok(());
        };
        let env = self.env.name.clone();
        let mut config = self
            .store
            .monitoring_config(&env, host, file)
            .await?
            .unwrap_or_default();
        for (k, v) in content {
            config.insert(k, v);
        }
        self.store
            .set_monitoring_config(&env, host, file, &config)
            .await?;
        if self.provision() == Provision::Db {
            log::debug!("Monitoring setup kept only in DB");
            return Ok(());
        }
        let path = self.write_local(subdir, file, &config)?;
        self.record_pending(host, is_server, file, &path);
        Ok(())
    }

    /// Writes `<config_folder>/<subdir>/<file>` (directories created); returns its path.
    pub fn write_local(
        &self,
        subdir: &str,
        file: &str,
        config: &Document,
    ) -> Result<String, MonitoringError> {
        let folder = self.settings.config_folder()?;
        let dir = Path::new(folder).join(subdir);
        let path = dir.join(file);
        let failed = |e: std::io::Error| MonitoringError::LocalFile {
            path: path.display().to_string(),
            detail: e.to_string(),
        };
        std::fs::create_dir_all(&dir).map_err(failed)?;
        std::fs::write(&path, super::pyjson::dumps(config)).map_err(failed)?;
        Ok(path.display().to_string())
    }

    /// Checks what the server setup cannot do without (§9: the caller ends the run, exit 1).
    pub fn check_required(&self) -> Result<(), MonitoringError> {
        if self.provision() == Provision::None {
            return Ok(());
        }
        self.settings.server_ip()?;
        self.settings.app_path()?;
        if self.provision() >= Provision::Files {
            self.settings.config_folder()?;
        }
        Ok(())
    }

    /// Server setup (§4.2): every server template into `monitoring_config` (and `server/`).
    pub async fn server_setup(&mut self) -> Result<(), MonitoringError> {
        if self.provision() == Provision::None {
            log::debug!("Monitoring config setup skipped");
            return Ok(());
        }
        self.check_required()?;
        let server_ip = self.settings.server_ip()?.to_string();
        let env_doc = self.env.doc.clone();
        let values = self.settings.block_values.clone();
        for file in self.store.monitoring_server_files().await? {
            let written = match prepare(&self.store, &env_doc, &file, "server", &values).await {
                Ok(content) => {
                    self.write_config(&server_ip, &file, content, "server", true)
                        .await
                }
                Err(e) => Err(e),
            };
            if let Err(e) = written {
                self.error(e);
            }
        }
        self.store
            .set_environment_fields(&self.env.name, doc! {"monitoring_setup_done": true})
            .await?;
        Ok(())
    }

    /// Host setup (§4.4): the three client files of a `host` object.
    pub async fn host_setup(&mut self, host: &Document) -> Result<(), MonitoringError> {
        let host_id = str_field(host, "host").unwrap_or("").to_string();
        let id = str_field(host, "id").unwrap_or("");
        if self.settings.install_client {
            log::warn!(
                "install_monitoring_client is not supported; Sensu client not installed on {host_id}"
            );
        }
        let mut values: Values = self.settings.block_values.clone();
        values.insert("server_ip".into(), self.settings.server_ip()?.to_string());
        values.insert("client_name".into(), format!("{}-{id}", self.env.name));
        let client_ip = str_field(host, "ip_address").unwrap_or(id);
        values.insert("client_ip".into(), client_ip.to_string());
        values.insert("env_name".into(), self.env.name.clone());
        let env_doc = self.env.doc.clone();
        let subdir = format!("host/{host_id}");
        for file in CLIENT_FILES {
            let content = prepare(&self.store, &env_doc, file, "client", &values).await?;
            if file == "rabbitmq.json" {
                self.remember_ssl(content.as_ref());
            }
            self.write_config(&host_id, file, content, &subdir, false)
                .await?;
        }
        if self.provision() == Provision::Deploy {
            self.record_scripts(&host_id);
            self.store
                .set_environment_fields(&self.env.name, doc! {"monitoring_setup_done": true})
                .await?;
        }
        Ok(())
    }

    fn remember_ssl(&mut self, content: Option<&Document>) {
        if self.ssl_paths.is_some() {
            return;
        }
        let Some(ssl) = content
            .and_then(|c| c.get_document("rabbitmq").ok())
            .and_then(|r| r.get("ssl"))
        else {
            return;
        };
        let Bson::Document(ssl) = ssl else {
            log::warn!("invalid content of rabbitmq.json");
            return;
        };
        let mut paths = Vec::new();
        for attr in ["cert_chain_file", "private_key_file"] {
            match str_field(ssl, attr) {
                Some(p) => paths.push(p.to_string()),
                None => {
                    self.error(format!("missing SSL path {attr}"));
                    return;
                }
            }
        }
        self.ssl_paths = Some(paths);
    }

    /// `--monitoring_setup_only` (§5.5): every client document of the environment becomes a
    /// pending delivery; its local file is rewritten from the stored `config` first (fix).
    pub async fn track_stored_configs(&mut self) -> Result<(), MonitoringError> {
        if self.provision() < Provision::Files {
            return Ok(());
        }
        let server_ip = self.settings.server_ip()?.to_string();
        for stored in self.store.monitoring_configs(&self.env.name).await? {
            let (Some(host), Some(file)) = (str_field(&stored, "host"), str_field(&stored, "type"))
            else {
                continue;
            };
            if host == server_ip {
                continue;
            }
            let config = stored.get_document("config").cloned().unwrap_or_default();
            match self.write_local(&format!("host/{host}"), file, &config) {
                Ok(path) => self.record_pending(host, false, file, &path),
                Err(e) => self.error(e),
            }
        }
        Ok(())
    }
}
