//! An `environments_config` document as commands use it (environment-config.md §5).

use crate::doc::{str_field, truthy};
use crate::secret::Secret;
use bson::{Bson, Document};
use std::fmt;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("use_env: could not find matching environment")]
    EnvNotFound,
    #[error("use_env: found multiple matching environments")]
    EnvAmbiguous,
    #[error("environment {0}: configuration must be a list")]
    ConfigurationNotList(String),
    #[error("No matches for configuration component: {0}")]
    NoSection(String),
    #[error("Found multiple matches for configuration component: {0}")]
    DuplicateSection(String),
    #[error("environment {env}: configuration {section}: {field} {problem}")]
    Field {
        env: String,
        section: String,
        field: String,
        problem: String,
    },
}

/// The environment, normalised in memory only: `environment_type` defaults to `OpenStack`,
/// a string `mechanism_drivers` becomes a one-element list, a list `distribution_version` its
/// first element.
#[derive(Clone)]
pub struct Environment {
    pub name: String,
    /// The normalised document, as environment conditions and clique scoring read it.
    pub doc: Document,
    sections: Vec<Document>,
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Environment")
            .field("name", &self.name)
            .field("environment_type", &self.environment_type())
            .field("mechanism_drivers", &self.mechanism_drivers())
            .finish_non_exhaustive()
    }
}

impl Environment {
    pub fn from_document(mut doc: Document) -> Result<Environment, ConfigError> {
        let name = str_field(&doc, "name").unwrap_or_default().to_string();
        if str_field(&doc, "environment_type").is_none_or(str::is_empty) {
            doc.insert("environment_type", "OpenStack");
        }
        if let Some(Bson::String(md)) = doc.get("mechanism_drivers").cloned() {
            doc.insert("mechanism_drivers", vec![Bson::String(md)]);
        }
        if let Some(Bson::Array(versions)) = doc.get("distribution_version").cloned() {
            doc.insert(
                "distribution_version",
                versions.into_iter().next().unwrap_or(Bson::Null),
            );
        }
        let sections = match doc.get("configuration") {
            Some(Bson::Array(items)) => items
                .iter()
                .filter_map(|b| b.as_document().cloned())
                .collect(),
            _ => return Err(ConfigError::ConfigurationNotList(name)),
        };
        Ok(Environment {
            name,
            doc,
            sections,
        })
    }

    pub fn environment_type(&self) -> &str {
        str_field(&self.doc, "environment_type").unwrap_or("OpenStack")
    }

    pub fn mechanism_drivers(&self) -> Vec<String> {
        match self.doc.get("mechanism_drivers") {
            Some(Bson::Array(items)) => items
                .iter()
                .filter_map(|b| b.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn type_drivers(&self) -> &str {
        str_field(&self.doc, "type_drivers").unwrap_or("")
    }

    pub fn distribution(&self) -> &str {
        str_field(&self.doc, "distribution").unwrap_or("")
    }

    pub fn distribution_version(&self) -> &str {
        str_field(&self.doc, "distribution_version").unwrap_or("")
    }

    pub fn aci_enabled(&self) -> bool {
        truthy(self.doc.get("aci_enabled"))
    }

    /// Directory holding `config/scanners.json` overrides: `run_app_path`, else `app_path`,
    /// else `/etc/calipso`.
    pub fn app_path(&self) -> String {
        ["run_app_path", "app_path"]
            .iter()
            .filter_map(|k| str_field(&self.doc, k))
            .find(|s| !s.is_empty())
            .unwrap_or("/etc/calipso")
            .to_string()
    }

    /// The configuration section with this `name`; exactly one must exist.
    pub fn section(&self, name: &str) -> Result<Section, ConfigError> {
        let mut found = self
            .sections
            .iter()
            .filter(|s| str_field(s, "name") == Some(name));
        match (found.next(), found.next()) {
            (None, _) => Err(ConfigError::NoSection(name.to_string())),
            (Some(_), Some(_)) => Err(ConfigError::DuplicateSection(name.to_string())),
            (Some(doc), None) => Ok(Section {
                env: self.name.clone(),
                doc: doc.clone(),
            }),
        }
    }

    pub fn has_section(&self, name: &str) -> bool {
        self.sections
            .iter()
            .any(|s| str_field(s, "name") == Some(name))
    }

    /// Every secret value in the configuration, for scrubbing text that might echo one.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        for section in &self.sections {
            collect_secrets(section, &super::env_validate::SECRET_KEYS, &mut out);
        }
        out
    }
}

fn collect_secrets(doc: &Document, keys: &[&str], out: &mut Vec<String>) {
    for (k, v) in doc {
        match v {
            Bson::String(s) if keys.contains(&k.as_str()) && !s.is_empty() => out.push(s.clone()),
            Bson::Document(d) => collect_secrets(d, keys, out),
            _ => {}
        }
    }
}

/// One configuration block (`OpenStack`, `mysql`, `CLI`, ...). `Debug` hides secrets.
#[derive(Clone)]
pub struct Section {
    env: String,
    pub doc: Document,
}

impl fmt::Debug for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Section({} host={:?})", self.name(), self.str("host"))
    }
}

impl Section {
    pub fn name(&self) -> &str {
        str_field(&self.doc, "name").unwrap_or("")
    }

    /// A string value (numbers rendered as decimal), `None` when absent or empty.
    pub fn str(&self, key: &str) -> Option<String> {
        match self.doc.get(key) {
            Some(Bson::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(Bson::Int32(i)) => Some(i.to_string()),
            Some(Bson::Int64(i)) => Some(i.to_string()),
            _ => None,
        }
    }

    pub fn required(&self, key: &str) -> Result<String, ConfigError> {
        self.str(key)
            .ok_or_else(|| self.field_error(key, "is missing"))
    }

    /// A port given as an integer or a numeric string.
    pub fn port(&self, key: &str) -> Result<Option<u16>, ConfigError> {
        match self.str(key) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| self.field_error(key, &format!("must be a port number, got '{v}'"))),
        }
    }

    pub fn secret(&self, key: &str) -> Option<Secret> {
        self.str(key).map(Secret::new)
    }

    pub fn field_error(&self, field: &str, problem: &str) -> ConfigError {
        ConfigError::Field {
            env: self.env.clone(),
            section: self.name().to_string(),
            field: field.to_string(),
            problem: problem.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    fn env() -> Environment {
        Environment::from_document(doc! {
            "name": "E", "mechanism_drivers": "OVS", "distribution_version": ["8.0", "9.0"],
            "configuration": [
                {"name": "mysql", "host": "h", "port": 3306, "user": "u", "pwd": "s3cret"},
                {"name": "CLI", "host": "h", "user": "u", "pwd": "other"},
                {"name": "CLI", "host": "h2"}
            ]
        })
        .unwrap()
    }

    #[test]
    fn normalises_in_memory() {
        let e = env();
        assert_eq!(e.environment_type(), "OpenStack");
        assert_eq!(e.mechanism_drivers(), vec!["OVS"]);
        assert_eq!(e.distribution_version(), "8.0");
    }

    #[test]
    fn section_lookup_needs_exactly_one() {
        let e = env();
        assert_eq!(
            e.section("mysql").unwrap().port("port").unwrap(),
            Some(3306)
        );
        assert_eq!(
            e.section("AMQP").unwrap_err().to_string(),
            "No matches for configuration component: AMQP"
        );
        assert_eq!(
            e.section("CLI").unwrap_err().to_string(),
            "Found multiple matches for configuration component: CLI"
        );
    }

    #[test]
    fn secrets_are_collected_and_hidden_from_debug() {
        let e = env();
        assert_eq!(e.secrets(), vec!["s3cret", "other"]);
        let s = e.section("mysql").unwrap();
        assert!(!format!("{s:?} {e:?}").contains("s3cret"));
    }

    #[test]
    fn configuration_must_be_a_list() {
        let err = Environment::from_document(doc! {"name": "E"}).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment E: configuration must be a list"
        );
    }
}
