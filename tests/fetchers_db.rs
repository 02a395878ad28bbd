//! Parser tests of the DB fetchers: fixture rows in, objects compared with the golden (or
//! current upstream) results.

mod fetchers_support;

use bson::{doc, oid::ObjectId, Bson};
use calipso::fetchers::db::*;
use fetchers_support::{assert_matches, rows};
use std::collections::HashMap;

#[test]
fn aggregates_are_returned_as_rows() {
    // DbFetchAggregates passes its rows through unchanged.
    assert_matches(
        "aggregates",
        &rows("db/nova_aggregates.json"),
        "expected/golden/db/aggregates.json",
    );
}

#[test]
fn aggregate_hosts_reference_inventory_hosts() {
    let host_ids = HashMap::from([(
        "node-5.cisco.com".to_string(),
        ObjectId::parse_str("595ac4b6d7c037efdb8918a7").unwrap(),
    )]);
    for expected in [
        "expected/golden/db/aggregate_hosts_1.json",
        "expected/upstream/db/aggregate_hosts.json",
    ] {
        let refs = aggregate_host_refs(rows("db/nova_aggregate_hosts_joined.json"), &host_ids);
        assert_matches(expected, &refs, expected);
        assert!(matches!(refs[0].get("ref_id"), Some(Bson::ObjectId(_))));
    }
    // A host missing from the inventory keeps its row, without `ref_id`.
    let refs = aggregate_host_refs(rows("db/nova_aggregate_hosts_joined.json"), &HashMap::new());
    assert!(!refs[0].contains_key("ref_id"));
}

#[test]
fn network_agents_of_a_host() {
    for expected in [
        "expected/golden/db/network_agents_node-6.json",
        "expected/upstream/db/network_agents.json",
    ] {
        let agents = network_agents_from_rows(rows("db/neutron_agents_by_host.json")).unwrap();
        assert_matches(expected, &agents, expected);
    }
    let bad = vec![doc! {"id": "a1", "binary": "b", "configurations": "{"}];
    let err = network_agents_from_rows(bad).unwrap_err().to_string();
    assert!(
        err.contains("agent a1") && err.contains("not valid JSON"),
        "{err}"
    );
}

#[test]
fn instance_rows_merge_into_api_instances() {
    let cases = [
        (
            rows("db/nova_instances_joined.json"),
            "expected/upstream/db/instances_merged.json",
        ),
        (
            vec![doc! {
                "host": "node-5.cisco.com",
                "id": "6f29c867-9150-4533-8e19-70d749b172fa",
                "network_info": "[]",
                "project": "Calipso-project",
            }],
            "expected/upstream/db/instance_without_network.json",
        ),
    ];
    for (db_rows, expected) in cases {
        let mut instances = vec![doc! {
            "host": "node-5.cisco.com",
            "id": "6f29c867-9150-4533-8e19-70d749b172fa",
        }];
        merge_instance_rows(&mut instances, &db_rows).unwrap();
        let want = fetchers_support::expected(expected);
        let want = match want {
            serde_json::Value::Array(_) => want,
            single => serde_json::Value::Array(vec![single]),
        };
        pretty_assertions::assert_eq!(fetchers_support::actual(&instances), want, "{expected}");
    }
}

#[test]
fn network_ids_are_distinct_and_rows_of_other_instances_ignored() {
    let mut instances = vec![doc! {"id": "i1", "host": "h"}];
    let info = r#"[{"network": {"id": "n1"}}, {"network": {"id": "n1"}}, {"address": "x"},
        {"network": {"id": "n2"}}]"#;
    let db_rows = vec![
        doc! {"id": "i1", "host": "h", "network_info": info, "project": "P"},
        doc! {"id": "other", "host": "h", "network_info": "[]", "project": "P"},
    ];
    merge_instance_rows(&mut instances, &db_rows).unwrap();
    assert_eq!(instances.len(), 1);
    assert_eq!(
        instances[0].get_array("network").unwrap(),
        &vec![Bson::from("n1"), Bson::from("n2")]
    );
    assert_eq!(instances[0].get_str("in_project-P").unwrap(), "1");
    assert!(!instances[0].contains_key("project"));
    assert_eq!(instances[0].get_str("parent_id").unwrap(), "h-instances");
}

#[test]
fn metadata_agent_hosts_are_network_nodes() {
    let db_rows = vec![doc! {
        "host": "node-6", "id": "node-6",
        "configurations": r#"{"nova_metadata_ip": "192.168.0.2"}"#,
    }];
    let hosts = az_network_hosts(db_rows).unwrap();
    assert_eq!(
        hosts[0],
        doc! {
            "host": "node-6", "id": "node-6",
            "configurations": r#"{"nova_metadata_ip": "192.168.0.2"}"#,
            "ip_address": "192.168.0.2", "host_type": "Network Node",
        }
    );
}

#[test]
fn every_db_fetcher_is_registered() {
    for name in [
        "DbFetchAggregates",
        "DbFetchAggregateHosts",
        "DbFetchHostNetworkAgents",
        "DbFetchAvailabilityZones",
        "DbFetchAZNetworkHosts",
    ] {
        assert!(create(name).is_some(), "{name}");
    }
    assert!(create("ApiFetchRegions").is_none());
}
