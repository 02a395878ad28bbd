//! The `configuration` list: list-level checks (§3.3) and the per-section field rules of §2 with
//! the port's changes (§6.2): keys the scanner reads are allowed, `VMware`/`Bare-metal` have no
//! rules, constants mismatches are warnings.

use super::values::{as_integer, bool_from_string, is_absolute_path, is_empty, is_host, is_port};
use super::{Checks, Issues};
use serde_json::{Map, Value};

/// Accepted section names, in the order the original checks them.
pub const SECTION_ORDER: [&str; 10] = [
    "mysql",
    "OpenStack",
    "CLI",
    "AMQP",
    "Monitoring",
    "NFV_provider",
    "ACI",
    "Kubernetes",
    "VMware",
    "Bare-metal",
];

#[derive(Clone, Copy)]
enum Kind {
    Str,
    Host,
    Port,
    Int,
    PositiveInt,
    Path,
    Bool,
    Object,
}

struct Rule {
    key: &'static str,
    kind: Kind,
    mandatory: bool,
    /// Constants list the value should be in (warning only), compared case-insensitively or not.
    constants: Option<(&'static str, bool)>,
}

const fn m(key: &'static str, kind: Kind) -> Rule {
    Rule {
        key,
        kind,
        mandatory: true,
        constants: None,
    }
}

const fn o(key: &'static str, kind: Kind) -> Rule {
    Rule {
        key,
        kind,
        mandatory: false,
        constants: None,
    }
}

const fn listed(key: &'static str, list: &'static str, ignore_case: bool) -> Rule {
    Rule {
        key,
        kind: Kind::Str,
        mandatory: true,
        constants: Some((list, ignore_case)),
    }
}

use Kind::*;

const OPENSTACK: &[Rule] = &[
    m("host", Host),
    m("port", Port),
    m("user", Str),
    m("pwd", Str),
    o("admin_token", Str),
    o("admin_project", Str),
];
const MYSQL: &[Rule] = &[
    m("host", Host),
    m("port", Port),
    m("user", Str),
    m("pwd", Str),
    o("schema", Str),
    o("connect_timeout", PositiveInt),
];
/// `host` and `user` are mandatory in the single-host form only (see `check_cli`).
const CLI: &[Rule] = &[
    m("host", Host),
    m("user", Str),
    o("pwd", Str),
    o("key", Path),
    o("port", Port),
    o("hosts", Object),
];
const CLI_HOST_ENTRY: &[Rule] = &[
    m("host", Host),
    m("user", Str),
    o("pwd", Str),
    o("key", Path),
];
const AMQP: &[Rule] = &[
    m("host", Host),
    m("port", Port),
    m("user", Str),
    m("pwd", Str),
];
const MONITORING: &[Rule] = &[
    m("config_folder", Path),
    listed("provision", "environment_provision_types", true),
    listed("env_type", "env_types", false),
    m("api_port", Int),
    m("rabbitmq_user", Str),
    m("rabbitmq_pass", Str),
    m("rabbitmq_port", Port),
    m("server_ip", Host),
    m("server_name", Str),
    listed("type", "environment_monitoring_types", false),
    o("ssh_port", Port),
    o("ssh_user", Str),
    o("ssh_password", Str),
    o("install_monitoring_client", Bool),
];
const ACI: &[Rule] = &[m("host", Host), m("user", Str), m("pwd", Str)];
const KUBERNETES: &[Rule] = &[
    m("host", Host),
    m("port", Port),
    m("user", Str),
    m("token", Str),
];
const NFV_PROVIDER: &[Rule] = &[
    m("host", Host),
    m("port", Port),
    m("nfv_token", Str),
    m("user", Str),
    m("pwd", Str),
];

/// `None`: a section accepted without rules (`VMware`, `Bare-metal`).
fn rules(section: &str) -> Option<&'static [Rule]> {
    Some(match section {
        "OpenStack" => OPENSTACK,
        "mysql" => MYSQL,
        "CLI" => CLI,
        "AMQP" => AMQP,
        "Monitoring" => MONITORING,
        "ACI" => ACI,
        "Kubernetes" => KUBERNETES,
        "NFV_provider" => NFV_PROVIDER,
        _ => return None,
    })
}

/// Sections an environment type needs, with the message naming them.
fn required_sections(env_type: &str) -> &'static [&'static str] {
    match env_type {
        "OpenStack" => &["OpenStack", "mysql", "CLI"],
        "Kubernetes" => &["Kubernetes", "CLI"],
        _ => &[],
    }
}

/// Checks the `configuration` value in place (booleans given as strings are converted) and
/// returns the names of the sections present.
pub fn check_configuration(
    configuration: Option<&mut Value>,
    env_type: &str,
    checks: &Checks,
    issues: &mut Issues,
) -> Vec<String> {
    let items = match configuration {
        None => {
            issues.error("configuration must be specified");
            return Vec::new();
        }
        Some(Value::Array(items)) => items,
        Some(_) => {
            issues.error("configuration must be list");
            return Vec::new();
        }
    };
    let mut names: Vec<String> = Vec::new();
    let mut unnamed = false;
    for item in items.iter() {
        match item.get("name").and_then(Value::as_str) {
            Some(name) if !name.is_empty() => names.push(name.to_string()),
            _ => unnamed = true,
        }
    }
    if unnamed {
        issues.error("configuration must have name");
    }
    let unknown: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !SECTION_ORDER.contains(n))
        .collect();
    if !unknown.is_empty() {
        issues.error(format!("Unknown configurations: {}", unknown.join(" and ")));
    }
    for (i, name) in names.iter().enumerate() {
        // Each duplicated name is reported once, at its second occurrence.
        if names[..i].iter().filter(|n| *n == name).count() == 1 {
            issues.error(format!(
                "environment configurations can only contain one configuration for {name}"
            ));
        }
    }
    let required = required_sections(env_type);
    if required.iter().any(|r| !names.iter().any(|n| n == r)) {
        issues.error(format!(
            "configurations for ({}) are mandatory for this environment type",
            required.join(", ")
        ));
    }
    for section_name in SECTION_ORDER {
        let Some(section) = items
            .iter_mut()
            .find(|s| s.get("name").and_then(Value::as_str) == Some(section_name))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let mut section_issues = Issues::default();
        check_section(section_name, section, checks, &mut section_issues);
        // The original's section format: `<name> error: <message>`.
        issues.absorb(
            section_issues,
            &format!("{section_name} error: "),
            &format!("{section_name}: "),
        );
    }
    names
}

/// One section: the first failing rule is its error (`<name> error: <message>`).
fn check_section(name: &str, section: &mut Map<String, Value>, checks: &Checks, out: &mut Issues) {
    let Some(rules) = rules(name) else {
        return;
    };
    warn_unknown_keys(section, rules, out);
    if name == "CLI" {
        check_cli(section, checks, out);
        return;
    }
    if let Err(e) = check_fields(section, rules, &|_| false, checks, out) {
        out.error(e);
    }
}

/// CLI: single-host form (`host`, `user`, `key` or `pwd`) or multi-host form (`hosts`, each
/// entry with `host`, `user`, `key` or `pwd`); key files should exist where scans run.
fn check_cli(section: &mut Map<String, Value>, checks: &Checks, out: &mut Issues) {
    let multi_host = section.get("hosts").is_some_and(|h| !is_empty(h));
    let relaxed = |key: &str| multi_host && (key == "host" || key == "user");
    if let Err(e) = check_fields(section, CLI, &relaxed, checks, out) {
        return out.error(e);
    }
    if !multi_host && !has_credential(section) {
        return out.error("either key or pwd must be provided");
    }
    warn_missing_key_file(section, checks, out);
    let Some(Value::Object(hosts)) = section.get_mut("hosts") else {
        return;
    };
    for (id, entry) in hosts.iter_mut() {
        let Some(entry) = entry.as_object_mut() else {
            return out.error(format!("hosts.{id} must be dict"));
        };
        let mut entry_issues = Issues::default();
        warn_unknown_keys(entry, CLI_HOST_ENTRY, &mut entry_issues);
        if let Err(e) = check_fields(entry, CLI_HOST_ENTRY, &|_| false, checks, &mut entry_issues) {
            entry_issues.error(e);
        } else if !has_credential(entry) {
            entry_issues.error("either key or pwd must be provided");
        } else {
            warn_missing_key_file(entry, checks, &mut entry_issues);
        }
        let part = format!("hosts.{id}: ");
        out.absorb(entry_issues, &part, &part);
    }
}

fn has_credential(section: &Map<String, Value>) -> bool {
    ["key", "pwd"]
        .iter()
        .any(|k| section.get(*k).is_some_and(|v| !is_empty(v)))
}

fn warn_missing_key_file(section: &Map<String, Value>, checks: &Checks, out: &mut Issues) {
    if let Some(path) = section.get("key").and_then(Value::as_str) {
        if !path.is_empty() && !(checks.key_exists)(path) {
            out.warning(format!(
                "key file not found: {path} (it must exist where scans run)"
            ));
        }
    }
}

fn warn_unknown_keys(section: &Map<String, Value>, rules: &[Rule], out: &mut Issues) {
    let unknown: Vec<&str> = section
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "name" && !rules.iter().any(|r| r.key == *k))
        .collect();
    if !unknown.is_empty() {
        out.warning(format!("unknown key(s) kept: {}", unknown.join(" and ")));
    }
}

/// The generic check of §3.1 over `rules` in table order; the first failure is returned.
/// `optional_here` relaxes mandatory keys (CLI multi-host form).
fn check_fields(
    object: &mut Map<String, Value>,
    rules: &[Rule],
    optional_here: &dyn Fn(&str) -> bool,
    checks: &Checks,
    out: &mut Issues,
) -> Result<(), String> {
    for rule in rules {
        let key = rule.key;
        let mandatory = rule.mandatory && !optional_here(key);
        let Some(value) = object.get_mut(key) else {
            if mandatory {
                return Err(format!("{key} must be specified"));
            }
            continue;
        };
        if is_empty(value) {
            if mandatory {
                return Err(format!("Invalid data: value of {key} key doesn't exist"));
            }
            continue;
        }
        check_kind(key, rule.kind, value, out)?;
        if let (Some((list, ignore_case)), Some(v)) = (rule.constants, value.as_str()) {
            if checks.constants.contains(list, v, ignore_case) == Some(false) {
                out.warning(format!("unknown {key} '{v}' (not in constants {list})"));
            }
        }
    }
    Ok(())
}

fn check_kind(key: &str, kind: Kind, value: &mut Value, out: &mut Issues) -> Result<(), String> {
    let fail = |what: &str| Err(format!("{key} must be {what}"));
    match kind {
        Str if !value.is_string() => fail("string"),
        Host => match value.as_str() {
            None => fail("string"),
            Some(s) if !is_host(s) => fail("a valid ipv4/ipv6 address or host name"),
            Some(_) => Ok(()),
        },
        Path => match value.as_str() {
            None => fail("string"),
            Some(s) if !is_absolute_path(s) => fail("a valid path"),
            Some(_) => Ok(()),
        },
        Port if !is_port(value) => fail("a valid port number"),
        Int if as_integer(value).is_none() => fail("integer"),
        PositiveInt => match as_integer(value) {
            None => fail("integer"),
            Some(n) if n <= 0 => Err(format!("{key} should be positive")),
            Some(_) => Ok(()),
        },
        Bool => convert_bool(key, value, out),
        Object if !value.is_object() => fail("dict"),
        _ => Ok(()),
    }
}

/// A JSON boolean, or `"true"`/`"false"` converted in place with a warning.
pub fn convert_bool(key: &str, value: &mut Value, out: &mut Issues) -> Result<(), String> {
    match value {
        Value::Bool(_) => Ok(()),
        Value::String(s) => match bool_from_string(s) {
            Some(b) => {
                out.warning(format!("{key}: string \"{s}\" converted to boolean {b}"));
                *value = Value::Bool(b);
                Ok(())
            }
            None => Err(format!("{key} must be boolean")),
        },
        _ => Err(format!("{key} must be boolean")),
    }
}
