//! Parser tests of the API fetchers: fixture answers in, objects compared with the golden
//! (or current upstream) results.

mod fetchers_support;

use bson::Bson;
use calipso::access::api::catalog::regions_from_auth_response;
use calipso::doc::{json_object_to_doc, Object};
use calipso::fetchers::api::*;
use fetchers_support::{assert_matches, json, rows, text};
use serde_json::json;
use std::collections::{HashMap, HashSet};

fn project_index(file: &str) -> ProjectIndex {
    let tenants: Vec<Object> = json(file)["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| json_object_to_doc(t.as_object().unwrap()))
        .collect();
    ProjectIndex::new(&tenants, "admin")
}

#[test]
fn regions_from_catalogs() {
    let cases = [
        (
            "api/keystone_v2_tokens_response.json",
            "lab-env-regions",
            "expected/golden/api/regions.json",
        ),
        (
            "api/keystone_v2_tokens_response_minimal_catalog.json",
            "Mirantis-Liberty-regions",
            "expected/upstream/api/regions_from_minimal_catalog.json",
        ),
    ];
    for (answer, folder, expected) in cases {
        let regions = regions_from_auth_response(&json(answer));
        assert_matches(answer, &region_objects(&regions, folder), expected);
    }
}

/// The upstream full-catalog result is the regions map keyed by region name.
#[test]
fn regions_map_from_full_catalog() {
    let regions = regions_from_auth_response(&json("api/keystone_v2_tokens_response.json"));
    let objects = region_objects(&regions, "Mirantis-Liberty-Xiaocong-regions");
    let by_name: serde_json::Map<String, serde_json::Value> = fetchers_support::actual(&objects)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap().to_string(), r.clone()))
        .collect();
    pretty_assertions::assert_eq!(
        serde_json::Value::Object(by_name),
        fetchers_support::expected("expected/upstream/api/regions_from_full_catalog.json")
    );
}

#[test]
fn projects_filtered_by_v3_names() {
    let cases = [
        (
            "api/keystone_v2_tenants.json",
            "expected/golden/api/projects.json",
        ),
        (
            "api/keystone_v2_tenants_detailed.json",
            "expected/golden/api/projects_detailed_tenants.json",
        ),
        (
            "api/keystone_v2_tenants.json",
            "expected/upstream/api/projects_tenants_filtered.json",
        ),
    ];
    let v3 = json("api/keystone_v3_projects.json");
    for (tenants, expected) in cases {
        let projects = projects_from_answers(&[json(tenants)], Some(&v3));
        assert_matches(tenants, &projects, expected);
    }
}

#[test]
fn projects_without_v3_list_keep_all_but_services() {
    let projects = projects_from_answers(&[json("api/keystone_v2_tenants.json")], None);
    let names: Vec<&str> = projects
        .iter()
        .map(|p| p.get_str("name").unwrap())
        .collect();
    assert_eq!(names, ["Calipso-project", "admin"]);
    assert!(projects_from_answers(&[json!({"tenants": null})], None).is_empty());
}

#[test]
fn availability_zones() {
    let zones = availability_zones_from_answer(
        &json("api/nova_os_availability_zone_detail_no_services.json"),
        "RegionOne",
    );
    assert_matches(
        "zones",
        &zones,
        "expected/golden/api/availability_zones.json",
    );
    for no_data in [
        "api/nova_os_availability_zone_detail_empty.json",
        "api/nova_error_status_400.json",
    ] {
        assert!(
            availability_zones_from_answer(&json(no_data), "RegionOne").is_empty(),
            "{no_data}"
        );
    }
}

#[test]
fn os_details_from_os_release() {
    let os = os_details(&text("cli/cat_etc_os-release.txt")).unwrap();
    pretty_assertions::assert_eq!(
        calipso::doc::doc_to_json(&os),
        fetchers_support::expected("expected/upstream/api/host_os_details.json")
    );
    assert!(os_details("nothing here\n").is_none());
    assert_eq!(
        OS_DETAILS_COMMAND,
        "cat /etc/os-release && echo \"ARCHITECURE=`arch`\""
    );
}

/// The whole host pipeline of ApiFetchProjectHosts, fed as the golden run was.
#[test]
fn hosts_from_zones_hypervisors_and_agents() {
    let mut hosts = hosts_from_zones(&json("api/nova_os_availability_zone_detail.json"));
    let os_outputs = HashMap::from([
        ("node-5.cisco.com", text("cli/cat_etc_os-release.txt")),
        (
            "node-6.cisco.com",
            text("illustrative/cli/cat_etc_os-release_centos7.txt"),
        ),
    ]);
    for host in &mut hosts {
        let output = &os_outputs[host.get_str("id").unwrap()];
        host.insert("OS", os_details(output).unwrap());
    }
    let hypervisors =
        json!({"hypervisors": [{"hypervisor_hostname": "node-5.cisco.com", "id": 1}]});
    let matches = hypervisor_matches(&hosts, &hypervisors).unwrap();
    assert_eq!(matches.len(), 1);
    for found in matches {
        assert_eq!(found.hypervisor_hostname, "node-5.cisco.com");
        let host = &mut hosts[found.host_index];
        host.insert("os_id", found.os_id);
        rows("db/nova_compute_nodes_host_ip.json")
            .into_iter()
            .for_each(|row| host.extend(row));
    }
    add_network_agents(
        &mut hosts,
        &rows("db/neutron_agents_network_node_types.json"),
    )
    .unwrap();
    assert_matches("hosts", &hosts, "expected/golden/api/hosts.json");
}

#[test]
fn hosts_edge_cases() {
    assert!(hosts_from_zones(&json("api/nova_error_status_400.json")).is_empty());
    let hosts = hosts_from_zones(&json("api/nova_os_availability_zone_detail.json"));
    assert_eq!(
        hypervisor_matches(&hosts, &json("api/nova_os_hypervisors_empty.json")),
        Some(vec![])
    );
    assert_eq!(
        hypervisor_matches(&hosts, &json("api/nova_error_status_400.json")),
        None
    );
    // A short hypervisor name is tried when the full one is not a known host.
    let short =
        json!({"hypervisors": [{"hypervisor_hostname": "node-5.cisco.com.lab", "id": "7"}]});
    assert!(hypervisor_matches(&hosts, &short).unwrap().is_empty());
    let mut plain = hosts_from_zones(&json!({"availabilityZoneInfo": [
        {"zoneName": "z", "hosts": {"node-5": {"nova-compute": {"available": true, "active": true}}}}
    ]}));
    let found = hypervisor_matches(
        &plain,
        &json!({"hypervisors": [
            {"hypervisor_hostname": "node-5.cisco.com", "id": 3}
        ]}),
    )
    .unwrap();
    assert_eq!(found[0].os_id, "3");
    assert_eq!(found[0].hypervisor_hostname, "node-5.cisco.com");
    // Bad JSON in an agents row is one clear error naming the host.
    let bad = vec![bson::doc! {"host": "node-5", "configurations": "{oops"}];
    let err = add_network_agents(&mut plain, &bad)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("node-5") && err.contains("not valid JSON"),
        "{err}"
    );
}

#[test]
fn controller_and_compute_in_two_zones_ends_in_the_compute_zone() {
    let answer = json!({"availabilityZoneInfo": [
        {"zoneName": "internal", "hosts": {"h": {"nova-conductor": {"available": true, "active": true}}}},
        {"zoneName": "nova", "hosts": {"h": {"nova-compute": {"available": true, "active": true}}}}
    ]});
    let hosts = hosts_from_zones(&answer);
    assert_eq!(hosts.len(), 1);
    assert_eq!(hosts[0].get_str("zone").unwrap(), "nova");
    assert_eq!(hosts[0].get_str("parent_id").unwrap(), "nova");
    assert_eq!(
        hosts[0].get_array("host_type").unwrap(),
        &vec![Bson::from("Controller"), Bson::from("Compute")]
    );
}

#[test]
fn networks_with_subnets_and_projects() {
    let networks = networks_from_answers(
        &json("api/neutron_networks.json"),
        &json("api/neutron_subnets.json"),
        &project_index("api/keystone_v2_tenants_detailed.json"),
    );
    assert_matches("networks", &networks, "expected/golden/api/networks.json");
    // Upstream's inventory named the same project differently.
    let renamed = ProjectIndex::new(
        &[bson::doc! {"id": "75c0eb79ff4a42b0ae4973c8375ddf40", "name": "Calipso-project"}],
        "admin",
    );
    let networks = networks_from_answers(
        &json("api/neutron_networks.json"),
        &json("api/neutron_subnets.json"),
        &renamed,
    );
    assert_matches("networks", &networks, "expected/upstream/api/networks.json");
}

#[test]
fn network_without_tenant_belongs_to_the_admin_project() {
    let answer = json!({"networks": [{"id": "n1", "tenant_id": "", "subnets": ["missing"]}]});
    let networks = networks_from_answers(
        &answer,
        &json!({"subnets": []}),
        &project_index("api/keystone_v2_tenants_detailed.json"),
    );
    let admin = "8c1751e0ce714736a63fee3c776164da";
    assert_eq!(networks[0].get_str("master_parent_id").unwrap(), admin);
    assert_eq!(networks[0].get_str("project").unwrap(), "admin");
    assert!(networks[0].get_document("subnets").unwrap().is_empty());
    assert!(networks_from_answers(&json!({}), &json!({}), &ProjectIndex::default()).is_empty());
}

#[test]
fn ports_named_by_mac_when_their_network_is_known() {
    let projects = project_index("api/keystone_v2_tenants_detailed.json");
    let network = "b6fd5175-4b22-4256-9b1a-9fc4b9dce1fe".to_string();
    let cases = [
        (
            HashSet::from([network]),
            "expected/golden/api/ports_network_in_inventory.json",
        ),
        (
            HashSet::new(),
            "expected/golden/api/ports_network_not_in_inventory.json",
        ),
    ];
    for (known, expected) in cases {
        let ports = ports_from_answer(&json("api/neutron_ports.json"), &known, &projects);
        assert_matches(expected, &ports, expected);
    }
    assert!(ports_from_answer(&json!({}), &HashSet::new(), &projects).is_empty());
}

#[test]
fn host_instances_from_servers_and_db_rows() {
    let servers = json("api/nova_os_hypervisors_node-5_servers.json");
    let mut instances = instances_from_servers(&servers, "node-5.cisco.com");
    assert_matches(
        "api part",
        &instances,
        "expected/upstream/api/host_instances_from_api.json",
    );
    // The golden run completed the fixture rows (see its note).
    let names = HashMap::from([
        ("6f29c867-9150-4533-8e19-70d749b172fa", "vm-6f29"),
        ("bf0cb914-b316-486c-a4ce-f22deb453c52", "vm-bf0c"),
    ]);
    let completed: Vec<Object> = rows("db/nova_instances_joined.json")
        .into_iter()
        .map(|mut row| {
            let name = names[row.get_str("id").unwrap()];
            row.insert("name", name);
            row.insert("ip_address", "192.168.0.4");
            row.insert("project_id", "75c0eb79ff4a42b0ae4973c8375ddf40");
            row
        })
        .collect();
    calipso::fetchers::db::merge_instance_rows(&mut instances, &completed).unwrap();
    assert_matches(
        "merged",
        &instances,
        "expected/golden/api/host_instances_node-5.json",
    );
}

#[test]
fn host_instances_without_servers() {
    for answer in [
        json("api/nova_os_hypervisors_servers_no_servers.json"),
        json!({}),
        json!({"hypervisors": []}),
    ] {
        assert!(instances_from_servers(&answer, "h").is_empty(), "{answer}");
    }
}

#[test]
fn every_api_fetcher_is_registered() {
    for name in [
        "ApiFetchRegions",
        "ApiFetchProjects",
        "ApiFetchAvailabilityZones",
        "ApiFetchProjectHosts",
        "ApiFetchNetworks",
        "ApiFetchPorts",
        "ApiFetchHostInstances",
    ] {
        assert!(create(name).is_some(), "{name}");
    }
    assert!(create("DbFetchAggregates").is_none());
}

/// The fetchers' I/O shells: the API stand-in, a real MongoDB-wire inventory, the registry.
mod through_the_scan_context {
    use super::fetchers_support::api_lab::{self, ApiLab, ADMIN_TENANT, PASSWORD};
    use super::fetchers_support::{actual, expected};
    use bson::doc;
    use calipso::config::{Environment, MongoConf};
    use calipso::fetchers::{registry, ScanContext};
    use calipso::store::{Logical, Store};
    use std::path::Path;
    use std::sync::Arc;

    const ENV: &str = "io-env";

    struct Setup {
        lab: Arc<ApiLab>,
        ctx: ScanContext,
        database: String,
    }

    impl Setup {
        async fn new() -> Setup {
            let lab = api_lab::start().await;
            let database = format!("calipso_fetch_test_{:08x}", rand::random::<u32>());
            let conf = MongoConf::parse(
                Path::new("test.conf"),
                &format!("server 127.0.0.1\nport 27017\nauth_db {database}\n"),
            )
            .unwrap();
            let store = Store::connect(&conf, "inventory").await.unwrap();
            let inventory = [
                doc! {"id": "75c0eb79ff4a42b0ae4973c8375ddf40", "type": "project", "name": "OSDNA-project"},
                doc! {"id": ADMIN_TENANT, "type": "project", "name": "admin"},
                doc! {"id": "b6fd5175-4b22-4256-9b1a-9fc4b9dce1fe", "type": "network", "name": "net"},
                doc! {"id": "node-5.cisco.com", "type": "host", "host_type": ["Compute"]},
                doc! {"id": "node-6.cisco.com", "type": "host", "host_type": ["Controller", "Network"]},
            ];
            for mut object in inventory {
                object.insert("environment", ENV);
                store.insert(Logical::Inventory, object).await.unwrap();
            }
            // No password for MySQL: DB-backed steps fail with a clear error.
            let env = Environment::from_document(doc! {
                "name": ENV,
                "configuration": [
                    api_lab::openstack_section(&lab, PASSWORD),
                    {"name": "mysql", "host": "127.0.0.1", "user": "root"},
                ],
            })
            .unwrap();
            Setup {
                lab,
                ctx: ScanContext::new(env, store),
                database,
            }
        }

        async fn fetch(&self, fetcher: &str, parent_id: &str) -> Vec<bson::Document> {
            let fetcher = registry::create(fetcher).unwrap();
            fetcher.get(parent_id, &self.ctx).await.unwrap()
        }

        fn served(&self) -> Vec<String> {
            self.lab.served.lock().unwrap().clone()
        }

        async fn drop_database(self) {
            let client = mongodb::Client::with_uri_str("mongodb://127.0.0.1:27017")
                .await
                .unwrap();
            client.database(&self.database).drop().await.unwrap();
        }
    }

    #[tokio::test]
    async fn regions_projects_networks_and_ports() {
        let setup = Setup::new().await;
        let regions = setup.fetch("ApiFetchRegions", "io-env-regions").await;
        assert_eq!(regions.len(), 1);
        assert_eq!(regions[0].get_str("parent_id").unwrap(), "io-env-regions");
        let projects = setup.fetch("ApiFetchProjects", "io-env-projects").await;
        assert_eq!(
            actual(&projects),
            expected("expected/golden/api/projects_detailed_tenants.json")
        );
        let networks = setup.fetch("ApiFetchNetworks", "RegionOne").await;
        assert_eq!(
            actual(&networks),
            expected("expected/golden/api/networks.json")
        );
        let ports = setup.fetch("ApiFetchPorts", "RegionOne").await;
        assert_eq!(
            actual(&ports),
            expected("expected/golden/api/ports_network_in_inventory.json")
        );
        assert_eq!(
            setup.served(),
            [
                "/v2.0/tenants",
                "/v3/projects",
                "/v2.0/networks",
                "/v2.0/subnets",
                "/v2.0/ports"
            ]
        );
        setup.drop_database().await;
    }

    #[tokio::test]
    async fn zones_use_the_scanned_project_token() {
        let setup = Setup::new().await;
        let zones = setup.fetch("ApiFetchAvailabilityZones", "demo").await;
        assert_eq!(
            actual(&zones),
            expected("expected/golden/api/availability_zones.json")
        );
        assert_eq!(
            setup.served(),
            ["/v2/tenant-of-demo/os-availability-zone/detail"]
        );
        setup.drop_database().await;
    }

    #[tokio::test]
    async fn instances_only_for_compute_hosts_and_only_once() {
        let setup = Setup::new().await;
        for (parent, requests) in [
            ("node-5.cisco.com-instances", 1),
            ("node-5.cisco.com-vservices", 1),
            ("node-6.cisco.com-instances", 1),
            ("unknown-host-instances", 1),
        ] {
            assert!(setup
                .fetch("ApiFetchHostInstances", parent)
                .await
                .is_empty());
            assert_eq!(setup.served().len(), requests, "{parent}");
        }
        assert_eq!(
            setup.served(),
            [format!(
                "/v2/{ADMIN_TENANT}/os-hypervisors/node-5.cisco.com/servers"
            )]
        );
        setup.drop_database().await;
    }

    #[tokio::test]
    async fn hosts_only_for_the_admin_project_and_db_errors_are_clear() {
        let setup = Setup::new().await;
        assert!(setup.fetch("ApiFetchProjectHosts", "demo").await.is_empty());
        let fetcher = registry::create("ApiFetchProjectHosts").unwrap();
        let err = fetcher.get("admin", &setup.ctx).await.unwrap_err();
        assert_eq!(err.to_string(), "attribute pwd is missing");
        assert!(!err.is_ssh());
        setup.drop_database().await;
    }
}
