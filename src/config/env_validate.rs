//! Checks of environment documents before they are written (environment-config.md §6.2) and
//! the document the import stores (§6.3). Pure: the constants, the supported environments and
//! the key-file probe are given by the caller, so `calipso env validate` runs without MongoDB.

pub mod known;
mod sections;
pub mod values;

pub use known::{Constants, Features, SupportedEnvironments};

use crate::doc::json_object_to_doc;
use bson::{Bson, Document};
use serde_json::{Map, Value};

/// Keys whose values are secrets, at any depth of `configuration` (§5 point 4).
pub const SECRET_KEYS: [&str; 6] = [
    "pwd",
    "admin_token",
    "token",
    "nfv_token",
    "rabbitmq_pass",
    "ssh_password",
];

/// What a replace keeps from the stored document unless the file sets it (§6.3).
pub const RUNTIME_FIELDS: [&str; 4] = [
    "scanned",
    "last_scanned",
    "operational",
    "monitoring_setup_done",
];

const BOOL_FIELDS: [&str; 5] = [
    "listen",
    "scanned",
    "enable_monitoring",
    "aci_enabled",
    "monitoring_setup_done",
];

/// Top-level keys of §1 (anything else is kept with a warning).
const KNOWN_KEYS: [&str; 24] = [
    "_id",
    "name",
    "type",
    "environment_type",
    "distribution",
    "distribution_version",
    "mechanism_drivers",
    "type_drivers",
    "app_path",
    "run_app_path",
    "configuration",
    "listen",
    "enable_monitoring",
    "aci_enabled",
    "scanned",
    "last_scanned",
    "operational",
    "monitoring_setup_done",
    "user",
    "auth",
    "imported",
    "listener_kwargs",
    "cvim_region",
    "cvim_metro",
];

/// What the checks compare against.
pub struct Checks<'a> {
    pub constants: &'a Constants,
    pub supported: &'a SupportedEnvironments,
    /// Whether a private key file exists on this machine.
    pub key_exists: &'a dyn Fn(&str) -> bool,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Issues {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl Issues {
    pub fn error(&mut self, message: impl Into<String>) {
        self.errors.push(message.into());
    }

    pub fn warning(&mut self, message: impl Into<String>) {
        self.warnings.push(message.into());
    }

    /// Takes the findings of a part (a section, a CLI host entry) with prefixes.
    fn absorb(&mut self, other: Issues, error_prefix: &str, warning_prefix: &str) {
        self.errors.extend(
            other
                .errors
                .into_iter()
                .map(|e| format!("{error_prefix}{e}")),
        );
        self.warnings.extend(
            other
                .warnings
                .into_iter()
                .map(|w| format!("{warning_prefix}{w}")),
        );
    }
}

/// One environment of the input, checked.
#[derive(Debug, Clone)]
pub struct CheckedEnv {
    /// 1-based position in the input.
    pub index: usize,
    pub name: Option<String>,
    pub issues: Issues,
    /// The document to write (no defaults yet; see `document_to_store`), when there is no error.
    pub document: Option<Document>,
}

impl CheckedEnv {
    /// `environment '<name>' (#n)`, as every message about it starts.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("environment '{name}' (#{})", self.index),
            None => format!("environment #{}", self.index),
        }
    }
}

/// Checks a parsed input: one environment object or an array of them.
pub fn validate(input: &Value, checks: &Checks) -> Vec<CheckedEnv> {
    let items: Vec<&Value> = match input {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut seen: Vec<(String, usize)> = Vec::new();
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let mut checked = check_one(item, i + 1, checks);
        if let Some(name) = &checked.name {
            match seen.iter().find(|(n, _)| n == name) {
                Some((_, first)) => checked
                    .issues
                    .error(format!("same name as environment #{first} of this input")),
                None => seen.push((name.clone(), i + 1)),
            }
        }
        if !checked.issues.errors.is_empty() {
            checked.document = None;
        }
        out.push(checked);
    }
    out
}

fn check_one(item: &Value, index: usize, checks: &Checks) -> CheckedEnv {
    let mut issues = Issues::default();
    let Value::Object(original) = item else {
        issues.error("not an object");
        return CheckedEnv {
            index,
            name: None,
            issues,
            document: None,
        };
    };
    let mut env = original.clone();
    let name = match env.get("name") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(v) if !values::is_empty(v) => {
            issues.error("name must be string");
            None
        }
        _ => {
            issues.error("name must be specified");
            None
        }
    };
    for key in ["distribution", "distribution_version", "type_drivers"] {
        match env.get(key) {
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(v) if !values::is_empty(v) => issues.error(format!("{key} must be string")),
            _ => issues.error(format!("{key} must be specified")),
        }
    }
    let drivers = mechanism_drivers(&env, &mut issues);
    let env_type = match env.get("environment_type") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        None | Some(Value::Null) | Some(Value::String(_)) => "OpenStack".to_string(),
        Some(_) => {
            issues.error("environment_type must be string");
            "OpenStack".to_string()
        }
    };
    for key in BOOL_FIELDS {
        if let Some(v) = env.get_mut(key) {
            if let Err(e) = sections::convert_bool(key, v, &mut issues) {
                issues.error(e);
            }
        }
    }
    if let Some(Value::String(s)) = env.get("last_scanned") {
        if !s.is_empty() && values::parse_date(s).is_none() {
            issues.warning(format!(
                "last_scanned '{s}' is not a date: kept as a string"
            ));
        }
    }
    let present =
        sections::check_configuration(env.get_mut("configuration"), &env_type, checks, &mut issues);
    let has = |section: &str| present.iter().any(|p| p == section);
    let flag = |key: &str| env.get(key) == Some(&Value::Bool(true));
    if flag("listen") && !has("AMQP") {
        issues.error(
            "configuration not accepted: must provide AMQP configuration to listen the environment",
        );
    }
    if flag("aci_enabled") && !has("ACI") {
        issues.error(
            "configuration not accepted: must provide ACI configuration when aci_enabled is true",
        );
    }
    warn_constants(&env, &drivers, checks, &mut issues);
    if let (Some(first), Some(d), Some(v), Some(t)) = (
        drivers.first(),
        str_of(&env, "distribution"),
        str_of(&env, "distribution_version"),
        str_of(&env, "type_drivers"),
    ) {
        let features = checks.supported.features(&[
            ("distribution", d),
            ("distribution_version", v),
            ("type_drivers", t),
            ("mechanism_drivers", first),
        ]);
        warn_features(
            features,
            has("Monitoring"),
            has("AMQP") || flag("listen"),
            &mut issues,
        );
    }
    let unknown: Vec<&str> = env
        .keys()
        .map(String::as_str)
        .filter(|k| !KNOWN_KEYS.contains(k))
        .collect();
    if !unknown.is_empty() {
        issues.warning(format!("unknown key(s) kept: {}", unknown.join(" and ")));
    }
    let document = issues.errors.is_empty().then(|| to_document(env));
    CheckedEnv {
        index,
        name,
        issues,
        document,
    }
}

fn str_of<'a>(env: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    env.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// `mechanism_drivers`: a non-empty string or a non-empty list of non-empty strings.
fn mechanism_drivers(env: &Map<String, Value>, issues: &mut Issues) -> Vec<String> {
    match env.get("mechanism_drivers") {
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        Some(Value::Array(items)) if !items.is_empty() => {
            let drivers: Vec<String> = items
                .iter()
                .filter_map(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            if drivers.len() != items.len() {
                issues.error("mechanism_drivers must be string or list of strings");
            }
            drivers
        }
        Some(v) if !values::is_empty(v) => {
            issues.error("mechanism_drivers must be string or list of strings");
            Vec::new()
        }
        _ => {
            issues.error("mechanism_drivers must be specified");
            Vec::new()
        }
    }
}

fn warn_constants(env: &Map<String, Value>, drivers: &[String], checks: &Checks, out: &mut Issues) {
    let mut wanted: Vec<(&str, &str, &str)> = [
        ("distribution", "distributions"),
        ("distribution_version", "distribution_versions"),
        ("type_drivers", "type_drivers"),
        ("environment_type", "environment_types"),
    ]
    .iter()
    .filter_map(|(key, list)| str_of(env, key).map(|v| (*key, v, *list)))
    .collect();
    wanted.extend(
        drivers
            .iter()
            .map(|d| ("mechanism_drivers", d.as_str(), "mechanism_drivers")),
    );
    for (key, value, list) in wanted {
        if checks.constants.contains(list, value, false) == Some(false) {
            out.warning(format!("unknown {key} '{value}' (not in constants {list})"));
        }
    }
}

fn warn_features(features: Features, monitoring: bool, listening: bool, out: &mut Issues) {
    if !features.scanning {
        out.warning(
            "scanning is not supported in this environment: the scan manager will refuse it",
        );
    }
    if monitoring && !features.monitoring {
        out.warning("monitoring is not supported in this environment, please remove the Monitoring configuration");
    }
    if listening && !features.listening {
        out.warning(
            "listening is not supported in this environment, please remove the AMQP configuration",
        );
    }
}

/// The checked JSON as BSON: `_id` dropped, a date `last_scanned` stored as a date.
fn to_document(mut env: Map<String, Value>) -> Document {
    env.remove("_id");
    let date = str_of(&env, "last_scanned").and_then(values::parse_date);
    let mut doc = json_object_to_doc(&env);
    if let Some(date) = date {
        doc.insert(
            "last_scanned",
            Bson::DateTime(bson::DateTime::from_chrono(date)),
        );
    }
    doc
}

/// The document an import writes: on a replace, the runtime fields the file does not set keep
/// their stored values; then the defaults of §6.3 fill what is still absent.
pub fn document_to_store(checked: &Document, stored: Option<&Document>) -> Document {
    let mut doc = checked.clone();
    if let Some(stored) = stored {
        for field in RUNTIME_FIELDS {
            if let (false, Some(v)) = (doc.contains_key(field), stored.get(field)) {
                doc.insert(field, v.clone());
            }
        }
    }
    if matches!(doc.get("environment_type"), Some(Bson::String(s)) if s.is_empty())
        || matches!(doc.get("environment_type"), Some(Bson::Null))
    {
        doc.remove("environment_type");
    }
    let defaults: [(&str, Bson); 8] = [
        ("type", "environment".into()),
        ("environment_type", "OpenStack".into()),
        ("scanned", false.into()),
        ("listen", false.into()),
        ("enable_monitoring", false.into()),
        ("aci_enabled", false.into()),
        ("monitoring_setup_done", false.into()),
        ("operational", "stopped".into()),
    ];
    for (key, value) in defaults {
        if !doc.contains_key(key) {
            doc.insert(key, value);
        }
    }
    doc
}

/// Replaces every non-empty secret value (any depth) by `********`.
pub fn mask_secrets(doc: &mut Document) {
    for (key, value) in doc.iter_mut() {
        match value {
            Bson::Document(d) => mask_secrets(d),
            Bson::Array(items) => items.iter_mut().for_each(|item| {
                if let Bson::Document(d) = item {
                    mask_secrets(d)
                }
            }),
            Bson::Null => {}
            Bson::String(s) if s.is_empty() => {}
            _ if SECRET_KEYS.contains(&key.as_str()) => *value = Bson::String("********".into()),
            _ => {}
        }
    }
}

#[cfg(test)]
#[path = "env_validate/tests.rs"]
mod tests;
