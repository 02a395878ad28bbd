//! Sensu monitoring setup (monitoring.md): the `monitoring_config` documents and local files
//! generated from `monitoring_config_templates` for the server and every client host
//! ([`generate`], per-object checks in [`checks`]), and their delivery over SSH ([`deploy`]).
//! A run owns one [`Manager`]; errors inside it are logged and counted, never fatal, except a
//! server setup missing its required fields.

pub mod check_name;
pub mod checks;
pub mod deploy;
pub mod generate;
pub mod handler;
pub mod pyjson;
pub mod settings;
pub mod templates;

use crate::config::Environment;
use crate::store::{Store, StoreError};
pub use settings::{Provision, Settings};

#[derive(Debug, thiserror::Error)]
pub enum MonitoringError {
    #[error("monitoring setup: {0} is missing from the Monitoring configuration")]
    Missing(String),
    #[error("monitoring template {template}: no value for placeholder {{{name}}}")]
    Placeholder { template: String, name: String },
    #[error("monitoring setup: {0}")]
    Store(#[from] StoreError),
    #[error("monitoring setup: cannot write {path}: {detail}")]
    LocalFile { path: String, detail: String },
    #[error("{0}")]
    Object(String),
}

/// A file (or the scripts) waiting to be delivered to one host (§5).
#[derive(Debug, Clone)]
pub struct PendingHost {
    pub host: String,
    pub is_server: bool,
    /// (file name, local path), first record per file wins.
    pub files: Vec<(String, String)>,
    pub scripts: bool,
}

/// The setup of one run: settings, pending deliveries, SSL paths, error flag.
pub struct Manager {
    pub store: Store,
    pub env: Environment,
    pub settings: Settings,
    pub pending: Vec<PendingHost>,
    /// `cert_chain_file`, `private_key_file` of the first client `rabbitmq.json` with SSL.
    pub ssl_paths: Option<Vec<String>>,
    errors: usize,
}

impl Manager {
    pub fn new(store: Store, env: Environment) -> Manager {
        let settings = Settings::of(&env);
        Manager {
            store,
            env,
            settings,
            pending: Vec::new(),
            ssl_paths: None,
            errors: 0,
        }
    }

    pub fn provision(&self) -> Provision {
        self.settings.provision
    }

    /// Errors met so far (each one logged at ERROR).
    pub fn errors(&self) -> usize {
        self.errors
    }

    pub(crate) fn error(&mut self, message: impl std::fmt::Display) {
        log::error!("{message}");
        self.errors += 1;
    }

    fn pending_host(&mut self, host: &str, is_server: bool) -> &mut PendingHost {
        let index = match self.pending.iter().position(|p| p.host == host) {
            Some(i) => i,
            None => {
                self.pending.push(PendingHost {
                    host: host.to_string(),
                    is_server,
                    files: Vec::new(),
                    scripts: false,
                });
                self.pending.len() - 1
            }
        };
        &mut self.pending[index]
    }

    pub(crate) fn record_pending(&mut self, host: &str, is_server: bool, file: &str, path: &str) {
        let entry = self.pending_host(host, is_server);
        if !entry.files.iter().any(|(f, _)| f == file) {
            entry.files.push((file.to_string(), path.to_string()));
        }
    }

    pub(crate) fn record_scripts(&mut self, host: &str) {
        self.pending_host(host, false).scripts = true;
    }
}

impl Manager {
    /// The object hook for every handled object and link of the environment, as the scan's
    /// saves would have called it: objects first, then `vnic-vconnector` links, then
    /// instances (whose checks need the vNICs' networks, set by the link phase).
    pub async fn run_hooks(&mut self) -> Result<(), MonitoringError> {
        if self.provision() == Provision::None {
            return Ok(());
        }
        let env = self.env.name.clone();
        let (instances, others) = checks::HANDLED_TYPES.split_at(checks::HANDLED_TYPES.len() - 1);
        for object_type in others {
            let filter = bson::doc! {"environment": &env, "type": *object_type};
            for o in self.store.find_objects(filter).await? {
                self.object_hook(&o).await;
            }
        }
        for link in self.store.links_of_type(&env, checks::HANDLED_LINK).await? {
            self.object_hook(&link).await;
        }
        for object_type in instances {
            let filter = bson::doc! {"environment": &env, "type": *object_type};
            for o in self.store.find_objects(filter).await? {
                self.object_hook(&o).await;
            }
        }
        Ok(())
    }
}
