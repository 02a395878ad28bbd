//! Clique-type file parsing, validation messages, matching key and export layout
//! (clique-types-cli.md §4). No database.

use bson::{doc, Bson};
use calipso::cliques::type_file::{
    check_documents, export_value, parse_input, type_key, CheckContext, KnownValues,
};
use serde_json::json;
use std::collections::HashSet;

#[test]
fn input_forms() {
    let one = r#"{"name": "a"}"#;
    assert_eq!(parse_input(one).unwrap(), vec![json!({"name": "a"})]);
    assert_eq!(parse_input("[{\"a\":1},{\"b\":2}]").unwrap().len(), 2);
    assert_eq!(parse_input("{\"a\":1}\n{\"b\":2}\n").unwrap().len(), 2);
    assert_eq!(parse_input("").unwrap().len(), 0);
    let err = parse_input("[\n {\"a\": }]").unwrap_err();
    assert_eq!((err.line, err.column), (2, 8));
    assert_eq!(err.message, "expected value");
}

fn check(
    values: serde_json::Value,
    stored: &[bson::Document],
) -> Vec<(usize, Vec<String>, Vec<String>)> {
    let known = KnownValues::builtin(&[]);
    let envs: HashSet<String> = ["E1".to_string()].into();
    let ctx = CheckContext {
        known: &known,
        env_names: &envs,
        stored,
    };
    let values = values.as_array().unwrap().clone();
    check_documents(&values, &ctx)
        .into_iter()
        .map(|c| (c.number, c.errors, c.warnings))
        .collect()
}

#[test]
fn errors_per_document() {
    let results = check(
        json!([
            "text",
            {"name": "a", "link_types": ["instance-vnic"], "environment": "E1"},
            {"focal_point_type": "instance", "link_types": [], "environment": "E1"},
            {"focal_point_type": "instance", "name": "x", "link_types": "instance-vnic", "use_implicit_links": "yes",
             "environment": "E1", "mechanism_drivers": ["OVS"]},
            {"focal_point_type": "instance", "name": "x", "link_types": ["instance-vnic"], "distribution_version": "9.0"},
            {"focal_point_type": "instance", "name": "x", "link_types": ["instance-vnic"]},
            {"focal_point_type": "network", "name": "x", "link_types": ["network-host_pnic"], "environment": "E1"},
            {"focal_point_type": "network", "name": "y", "link_types": ["network-host_pnic"], "environment": "E1"}
        ]),
        &[],
    );
    let errors: Vec<(usize, Vec<String>)> =
        results.iter().map(|(n, e, _)| (*n, e.clone())).collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        errors,
        vec![
            (1, s(&["not an object"])),
            (2, s(&["focal_point_type must be specified"])),
            (
                3,
                s(&["name must be specified", "link_types must be specified"])
            ),
            (
                4,
                s(&[
                    "mechanism_drivers must be string",
                    "link_types must be list of strings",
                    "use_implicit_links must be boolean"
                ])
            ),
            (
                5,
                s(&[
                    "Distribution version without distribution is not allowed",
                    "Either environment or configuration should be specified."
                ])
            ),
            (
                6,
                s(&["Either environment or configuration should be specified."])
            ),
            (7, s(&[])),
            (8, s(&["same key as document #7"])),
        ]
    );
}

#[test]
fn warnings_per_document() {
    let stored = vec![
        doc! {"environment": "E1", "focal_point_type": "vservice", "name": "taken", "link_types": ["vservice-vnic"]},
    ];
    let results = check(
        json!([
            {"environment": "ANY", "focal_point_type": "switch_pnic", "name": "s",
             "link_types": ["switch_pnic-switch-pnic", "switch_pnic-host_pnic"], "extra": 1, "id": "dropped silently"},
            {"environment": "Nowhere", "focal_point_type": "pod", "name": "p", "link_types": ["vnic-vedge"],
             "distribution": "Mirantis"},
            {"environment_type": "VMware", "distribution": "Other", "mechanism_drivers": "XYZ", "type_drivers": "vxlan",
             "focal_point_type": "instance", "name": "i", "link_types": ["instance-network"]},
            {"environment": "E1", "focal_point_type": "instance", "name": "taken", "link_types": ["instance-vnic"]}
        ]),
        &stored,
    );
    let warnings: Vec<Vec<String>> = results
        .iter()
        .map(|(_, e, w)| {
            assert!(e.is_empty(), "{e:?}");
            w.clone()
        })
        .collect();
    assert_eq!(
        warnings[0],
        [
            "unknown key 'extra' dropped",
            "link type 'switch_pnic-switch-pnic' is not of the form <from>-<to>",
            "unknown link type 'switch_pnic-switch-pnic'",
        ]
    );
    assert_eq!(
        warnings[1],
        [
            "unknown focal_point_type 'pod'",
            "link type 'vnic-vedge' is not reachable from focal point 'pod'; the clique walk stops there",
            "environment 'Nowhere' does not exist",
            "environment is set: distribution are ignored by clique-type selection",
        ]
    );
    assert_eq!(
        warnings[2],
        [
            "unknown link type 'instance-network'",
            "unknown mechanism_drivers 'XYZ'",
            "unknown distribution 'Other'",
        ]
    );
    assert_eq!(
        warnings[3],
        ["name 'taken' already used by another clique type of environment 'E1'"]
    );
}

#[test]
fn both_seed_files_import_with_warnings_only() {
    for path in [
        "data/seed/clique_types.json",
        "data/seed/cvim/clique_types.json",
        "examples/clique_types.json",
    ] {
        let values: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for (n, errors, _) in check(values, &[]) {
            assert!(errors.is_empty(), "{path} #{n}: {errors:?}");
        }
    }
}

#[test]
fn keys_and_export_layout() {
    let a = doc! {"environment": "E", "focal_point_type": "instance", "distribution": "x"};
    assert_eq!(type_key(&a), ["environment", "E", "instance"]);
    let b = doc! {"environment": "", "distribution": "Mirantis", "focal_point_type": "instance", "type_drivers": Bson::Null};
    let c =
        doc! {"distribution": "Mirantis", "focal_point_type": "instance", "environment_type": ""};
    assert_eq!(type_key(&b), type_key(&c));
    let id = bson::oid::ObjectId::new();
    let stored = doc! {"zeta": 1, "link_types": ["a-b"], "name": "n", "_id": id, "alpha": 2, "environment": "E",
    "focal_point_type": "instance"};
    let v = export_value(&stored, true);
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "_id",
            "environment",
            "focal_point_type",
            "name",
            "link_types",
            "alpha",
            "zeta"
        ]
    );
    assert_eq!(v["_id"], json!({"$oid": id.to_hex()}));
    assert!(export_value(&stored, false).get("_id").is_none());
}
