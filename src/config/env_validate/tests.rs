//! Table-driven checks of environment documents against the shipped seed constants.

use super::*;
use serde_json::json;

fn seed(text: &str) -> Vec<Value> {
    serde_json::from_str(text).unwrap()
}

fn run(input: Value) -> Vec<CheckedEnv> {
    let constants =
        Constants::from_documents(&seed(include_str!("../../../data/seed/constants.json")));
    let supported = SupportedEnvironments::from_documents(&seed(include_str!(
        "../../../data/seed/supported_environments.json"
    )));
    let key_exists = |p: &str| p == "/existing/key";
    validate(
        &input,
        &Checks {
            constants: &constants,
            supported: &supported,
            key_exists: &key_exists,
        },
    )
}

/// A valid, supported OpenStack environment without optional sections.
fn base() -> Value {
    json!({
        "name": "lab", "distribution": "Mirantis", "distribution_version": "9.0",
        "mechanism_drivers": ["OVS"], "type_drivers": "vxlan",
        "configuration": [
            {"name": "OpenStack", "host": "10.0.0.1", "port": "5000", "user": "admin", "pwd": "pw"},
            {"name": "mysql", "host": "10.0.0.1", "port": 3307, "user": "root", "pwd": "pw"},
            {"name": "CLI", "host": "10.0.0.1", "user": "root", "key": "/existing/key"}
        ]
    })
}

/// `base()` with the value at a JSON pointer set (added when absent).
fn with(pointer: &str, value: Value) -> Value {
    let mut env = base();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    match env.pointer_mut(parent).unwrap() {
        Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
        Value::Object(map) => {
            map.insert(key.to_string(), value);
        }
        other => panic!("{other}"),
    }
    env
}

fn without(key: &str) -> Value {
    let mut env = base();
    env.as_object_mut().unwrap().remove(key);
    env
}

#[test]
fn seed_environments_pass_with_warnings_only() {
    let input = seed(include_str!("../../../data/seed/environments_config.json"));
    let checked = run(Value::Array(input));
    assert_eq!(checked.len(), 2);
    for env in &checked {
        assert_eq!(env.issues.errors, Vec::<String>::new(), "{}", env.label());
        assert!(env
            .issues
            .warnings
            .iter()
            .any(|w| w.contains("filled-by-scanning")));
        assert!(env.document.is_some());
    }
}

#[test]
fn base_environment_is_clean() {
    let checked = run(base());
    assert_eq!(checked[0].issues, Issues::default());
    assert_eq!(checked[0].label(), "environment 'lab' (#1)");
}

#[test]
fn errors_use_the_spec_texts() {
    let cases: Vec<(Value, &str)> = vec![
        (json!("text"), "not an object"),
        (without("name"), "name must be specified"),
        (with("/name", json!("")), "name must be specified"),
        (without("distribution"), "distribution must be specified"),
        (
            with("/type_drivers", json!(5)),
            "type_drivers must be string",
        ),
        (
            with("/mechanism_drivers", json!([])),
            "mechanism_drivers must be specified",
        ),
        (
            with("/mechanism_drivers", json!([1])),
            "mechanism_drivers must be string or list of strings",
        ),
        (without("configuration"), "configuration must be specified"),
        (
            with("/configuration", json!({})),
            "configuration must be list",
        ),
        (
            with("/configuration/2/name", json!(null)),
            "configuration must have name",
        ),
        (
            with("/configuration/2/name", json!("Foo")),
            "Unknown configurations: Foo",
        ),
        (
            with("/configuration/1/name", json!("OpenStack")),
            "environment configurations can only contain one configuration for OpenStack",
        ),
        (
            with("/configuration/1/name", json!("OpenStack")),
            "configurations for (OpenStack, mysql, CLI) are mandatory for this environment type",
        ),
        (
            with("/configuration/1/port", json!("33a")),
            "mysql error: port must be a valid port number",
        ),
        (
            with("/configuration/1/port", json!("")),
            "mysql error: Invalid data: value of port key doesn't exist",
        ),
        (
            with("/configuration/0/host", json!("a_b")),
            "OpenStack error: host must be a valid ipv4/ipv6 address or host name",
        ),
        (
            with("/configuration/0/user", json!(null)),
            "OpenStack error: Invalid data: value of user key doesn't exist",
        ),
        (
            with("/configuration/1/connect_timeout", json!(0)),
            "mysql error: connect_timeout should be positive",
        ),
        (
            with("/configuration/2/key", json!(null)),
            "CLI error: either key or pwd must be provided",
        ),
        (
            with("/configuration/2/key", json!("rel/key")),
            "CLI error: key must be a valid path",
        ),
        (
            with(
                "/configuration/2",
                json!({"name": "CLI", "hosts": {"node-1": {"host": "10.0.0.2", "user": "u"}}}),
            ),
            "CLI error: hosts.node-1: either key or pwd must be provided",
        ),
        (
            with("/listen", json!(true)),
            "configuration not accepted: must provide AMQP configuration to listen the environment",
        ),
        (
            with("/aci_enabled", json!(true)),
            "configuration not accepted: must provide ACI configuration when aci_enabled is true",
        ),
        (with("/scanned", json!("yes")), "scanned must be boolean"),
        (
            with("/environment_type", json!("Kubernetes")),
            "configurations for (Kubernetes, CLI) are mandatory for this environment type",
        ),
    ];
    for (input, expected) in cases {
        let checked = run(input.clone());
        let errors = &checked[0].issues.errors;
        assert!(
            errors.iter().any(|e| e == expected),
            "{input}\nwant {expected}\ngot {errors:?}"
        );
        assert!(checked[0].document.is_none());
    }
}

#[test]
fn warnings_do_not_block() {
    let cases: Vec<(Value, &str)> = vec![
        (
            with("/distribution", json!("Kolla")),
            "unknown distribution 'Kolla' (not in constants distributions)",
        ),
        (
            with("/mechanism_drivers", json!(["OVS", "Calico"])),
            "unknown mechanism_drivers 'Calico' (not in constants mechanism_drivers)",
        ),
        (
            with("/type_drivers", json!("flat")),
            "scanning is not supported in this environment: the scan manager will refuse it",
        ),
        (
            with("/listen", json!("true")),
            "listen: string \"true\" converted to boolean true",
        ),
        (
            with("/configuration/2/key", json!("/no/such/key")),
            "CLI: key file not found: /no/such/key (it must exist where scans run)",
        ),
        (with("/configuration/0/admin_project", json!("admin")), ""),
        (
            with("/configuration/0/extra", json!(1)),
            "OpenStack: unknown key(s) kept: extra",
        ),
        (
            with("/imported_from", json!("x")),
            "unknown key(s) kept: imported_from",
        ),
        (
            with("/last_scanned", json!("soon")),
            "last_scanned 'soon' is not a date: kept as a string",
        ),
    ];
    for (input, expected) in cases {
        let checked = run(input.clone());
        let issues = &checked[0].issues;
        // `listen: "true"` without AMQP is also an error; everything else must pass.
        if !expected.starts_with("listen") {
            assert_eq!(issues.errors, Vec::<String>::new(), "{input}");
            assert!(checked[0].document.is_some());
        }
        if !expected.is_empty() {
            assert!(
                issues.warnings.iter().any(|w| w == expected),
                "{input}\nwant {expected}\ngot {:?}",
                issues.warnings
            );
        }
    }
}

#[test]
fn ipv6_hosts_and_integer_ports_are_accepted() {
    let env = with("/configuration/0/host", json!("fd00::1"));
    assert!(run(env)[0].issues.errors.is_empty());
    let env = with("/configuration/0/port", json!(5000));
    assert!(run(env)[0].issues.errors.is_empty());
}

#[test]
fn duplicate_names_in_one_input_are_errors() {
    let checked = run(json!([base(), base()]));
    assert!(checked[0].issues.errors.is_empty());
    assert_eq!(
        checked[1].issues.errors,
        vec!["same name as environment #1 of this input"]
    );
}

#[test]
fn document_drops_id_converts_dates_and_booleans() {
    let mut env = base();
    env["_id"] = json!({"$oid": "5a0d3b5d7d5c2e0b6c8b4567"});
    env["last_scanned"] = json!("2017-10-01T12:00:00.000+0000");
    env["scanned"] = json!("TRUE");
    let doc = run(env)[0].document.clone().unwrap();
    assert!(!doc.contains_key("_id"));
    assert!(matches!(doc.get("last_scanned"), Some(Bson::DateTime(_))));
    assert_eq!(doc.get("scanned"), Some(&Bson::Boolean(true)));
}

#[test]
fn defaults_and_runtime_fields_on_replace() {
    let file = bson::doc! {"name": "lab", "environment_type": ""};
    let fresh = document_to_store(&file, None);
    assert_eq!(fresh.get_str("environment_type").unwrap(), "OpenStack");
    assert_eq!(fresh.get_str("operational").unwrap(), "stopped");
    assert!(!fresh.get_bool("scanned").unwrap());
    let stored = bson::doc! {"name": "lab", "scanned": true, "operational": "running",
    "last_scanned": "x", "listen": true};
    let replaced = document_to_store(
        &bson::doc! {"name": "lab", "operational": "error"},
        Some(&stored),
    );
    assert!(replaced.get_bool("scanned").unwrap());
    assert_eq!(replaced.get_str("operational").unwrap(), "error");
    assert_eq!(replaced.get_str("last_scanned").unwrap(), "x");
    // `listen` is configuration, not runtime state: the file's absence means the default.
    assert!(!replaced.get_bool("listen").unwrap());
}

#[test]
fn secrets_are_masked_at_any_depth() {
    let mut doc = bson::doc! {"name": "lab", "configuration": [
        {"name": "CLI", "pwd": "p1", "hosts": {"h": {"pwd": "p2", "key": "/k"}}},
        {"name": "Kubernetes", "token": "t", "user": "u"},
        {"name": "mysql", "pwd": ""}
    ]};
    mask_secrets(&mut doc);
    let text = doc.to_string();
    assert!(
        !text.contains("p1") && !text.contains("p2") && !text.contains("\"t\""),
        "{text}"
    );
    assert!(text.contains("/k") && text.contains("\"u\""));
}
