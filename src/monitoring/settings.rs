//! The environment's `Monitoring` block (monitoring.md §2): provision level, server login,
//! local folder and the placeholder values every template sees.

use super::templates::{python_str, Values};
use super::MonitoringError;
use crate::config::Environment;
use crate::doc::str_field;
use crate::secret::Secret;
use bson::Bson;

/// How far the setup goes (§2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Provision {
    None,
    Db,
    Files,
    Deploy,
}

impl Provision {
    /// Case-insensitive; missing or unknown ⇒ None.
    pub fn parse(value: Option<&str>) -> Provision {
        match value.map(str::to_ascii_lowercase).as_deref() {
            Some("db") => Provision::Db,
            Some("files") => Provision::Files,
            Some("deploy") => Provision::Deploy,
            _ => Provision::None,
        }
    }
}

/// The Monitoring block as the setup reads it.
#[derive(Clone)]
pub struct Settings {
    pub provision: Provision,
    /// Every scalar field of the block as Python's `str()` prints it, plus `app_path`.
    pub block_values: Values,
    pub env_name: String,
    pub app_path: Option<String>,
    pub server_ip: Option<String>,
    pub config_folder: Option<String>,
    pub ssh_user: Option<String>,
    pub ssh_password: Option<Secret>,
    pub ssh_port: Option<String>,
    pub install_client: bool,
}

impl Settings {
    /// No Monitoring block, or more than one ⇒ provision None.
    pub fn of(env: &Environment) -> Settings {
        let block = env.section("Monitoring").ok().map(|s| s.doc);
        let block = block.unwrap_or_default();
        let text = |key: &str| {
            str_field(&block, key)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
        };
        let mut block_values: Values = block
            .iter()
            .filter_map(|(k, v)| python_str(v).map(|s| (k.clone(), s)))
            .collect();
        let app_path = str_field(&env.doc, "app_path")
            .filter(|s| !s.is_empty())
            .map(String::from);
        if let Some(path) = &app_path {
            block_values.insert("app_path".into(), path.clone());
        }
        let ssh_port = match block.get("ssh_port") {
            Some(v @ (Bson::Int32(_) | Bson::Int64(_))) => python_str(v),
            _ => text("ssh_port"),
        };
        Settings {
            provision: Provision::parse(str_field(&block, "provision")),
            block_values,
            env_name: env.name.clone(),
            app_path,
            server_ip: text("server_ip"),
            config_folder: text("config_folder"),
            ssh_user: text("ssh_user"),
            ssh_password: text("ssh_password").map(Secret::new),
            ssh_port,
            install_client: crate::doc::truthy(block.get("install_monitoring_client")),
        }
    }

    /// A field server setup cannot do without (§9: ERROR, exit 1).
    pub fn required<'a>(
        &self,
        field: &'a str,
        value: &'a Option<String>,
    ) -> Result<&'a str, MonitoringError> {
        value
            .as_deref()
            .ok_or_else(|| MonitoringError::Missing(field.to_string()))
    }

    pub fn server_ip(&self) -> Result<&str, MonitoringError> {
        self.required("server_ip", &self.server_ip)
    }

    pub fn config_folder(&self) -> Result<&str, MonitoringError> {
        self.required("config_folder", &self.config_folder)
    }

    pub fn app_path(&self) -> Result<&str, MonitoringError> {
        self.app_path
            .as_deref()
            .ok_or_else(|| MonitoringError::Missing("app_path (environment)".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provision_is_case_insensitive() {
        assert_eq!(Provision::parse(Some("deploy")), Provision::Deploy);
        assert_eq!(Provision::parse(Some("DB")), Provision::Db);
        assert_eq!(Provision::parse(Some("Files")), Provision::Files);
        assert_eq!(Provision::parse(Some("bogus")), Provision::None);
        assert_eq!(Provision::parse(None), Provision::None);
    }
}
