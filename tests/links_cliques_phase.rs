//! Links and cliques phases against the real MongoDB-wire server (127.0.0.1:27017): a small OVS
//! environment (instance → vNIC → vConnector → vEdge → OTEP → pNIC → network, plus a vService),
//! both phases, the stored documents, and a second run that changes nothing but timestamps.

use bson::{doc, Document};
use calipso::config::{Environment, MongoConf};
use calipso::doc::json_to_bson;
use calipso::store::{Logical, Store};
use std::collections::BTreeMap;

const ENV: &str = "links-test-env";

struct TestDb {
    store: Store,
    _dir: tempfile::TempDir,
    name: String,
}

impl TestDb {
    async fn drop(&self) {
        let client = mongodb::Client::with_uri_str("mongodb://127.0.0.1:27017")
            .await
            .unwrap();
        client.database(&self.name).drop().await.unwrap();
    }
}

async fn test_db(tag: &str) -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let name = format!("calipso_links_{tag}_{}", std::process::id());
    let path = dir.path().join("mongo.conf");
    std::fs::write(
        &path,
        format!("server 127.0.0.1\nport 27017\nauth_db {name}\n"),
    )
    .unwrap();
    let conf = MongoConf::load(path.to_str().unwrap()).unwrap();
    let store = Store::connect(&conf, "inventory").await.unwrap();
    TestDb {
        store,
        _dir: dir,
        name,
    }
}

fn seed(file: &str) -> Vec<Document> {
    let text = std::fs::read_to_string(format!("data/seed/{file}")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| json_to_bson(d).as_document().unwrap().clone())
        .collect()
}

fn env(app_path: &str) -> Environment {
    Environment::from_document(doc! {
        "name": ENV, "mechanism_drivers": ["OVS"], "type_drivers": "vxlan",
        "distribution": "Mirantis", "app_path": app_path, "configuration": []
    })
    .unwrap()
}

fn inventory() -> Vec<Document> {
    let o = |d: Document| {
        let mut d = d;
        d.insert("environment", ENV);
        d
    };
    vec![
        o(doc! {"type": "host", "id": "node-5", "name": "node-5", "host_type": ["Compute"]}),
        o(
            doc! {"type": "host", "id": "node-6", "name": "node-6", "host_type": ["Controller", "Network"]},
        ),
        o(
            doc! {"type": "instance", "id": "inst1", "name": "vm1", "host": "node-5", "network": ["net-1"],
            "network_info": [{"devname": "tap1", "network": {"label": "net1", "id": "net-1"}}]},
        ),
        o(
            doc! {"type": "vnic", "id": "node-5-tap1", "name": "tap1", "vnic_type": "instance_vnic",
            "instance_id": "inst1", "host": "node-5", "mac_address": "fa:16:3e:00:00:01"},
        ),
        o(
            doc! {"type": "vconnector", "id": "node-5-qbr1", "name": "qbr1", "host": "node-5",
            "interfaces_names": ["tap1", "qvb1"],
            "interfaces": {"tap1": {"name": "tap1", "mac_address": "fa:16:3e:00:00:01"},
                           "qvb1": {"name": "qvb1", "mac_address": "aa:aa:aa:aa:aa:01"}}},
        ),
        o(
            doc! {"type": "vedge", "id": "vedge-5", "name": "node-5-OVS", "host": "node-5",
            "ports": {"qvo1": {"id": "3", "name": "qvo1", "tag": "1"}, "br-tun": {"id": "4", "name": "br-tun"}}},
        ),
        o(
            doc! {"type": "otep", "id": "node-5-otep", "name": "node-5-otep", "parent_id": "vedge-5",
            "host": "node-5", "ip_address": "192.168.2.1"},
        ),
        o(
            doc! {"type": "host_pnic", "id": "eth0-00:00:00:00:00:05", "name": "eth0", "host": "node-5",
            "IP Address": "192.168.2.1", "mac_address": "00:00:00:00:00:05", "Link detected": "yes"},
        ),
        o(
            doc! {"type": "network", "id": "net-1", "name": "net1", "network": "net-1",
            "provider:segmentation_id": 52},
        ),
        o(
            doc! {"type": "port", "id": "port-1", "binding:host_id": "node-5", "network_id": "net-1"},
        ),
        o(
            doc! {"type": "vservice", "id": "qdhcp-net-1", "name": "dhcp-net1", "object_name": "dhcp-net1",
            "host": "node-6", "network": ["net-1"]},
        ),
        o(
            doc! {"type": "vnic", "id": "node-6-tap9", "name": "tap9", "object_name": "tap9",
            "vnic_type": "vservice_vnic", "host": "node-6", "parent_id": "qdhcp-net-1-vnics",
            "network": "net-1", "mac_address": "fa:16:3e:00:00:09"},
        ),
        o(
            doc! {"type": "vedge", "id": "vedge-6", "name": "node-6-OVS", "host": "node-6",
            "ports": {"tap9": {"id": "5", "name": "tap9", "tag": "1"}}},
        ),
    ]
}

async fn load(store: &Store) {
    for d in inventory() {
        store
            .insert(Logical::Inventory, calipso::store::keys::encode(&d))
            .await
            .unwrap();
    }
    for d in seed("clique_types.json") {
        store.insert(Logical::CliqueTypes, d).await.unwrap();
    }
    for d in seed("clique_constraints.json") {
        store.insert(Logical::CliqueConstraints, d).await.unwrap();
    }
}

fn without_ids(mut d: Document) -> Document {
    for k in ["_id", "source", "target", "last_scanned"] {
        d.remove(k);
    }
    d
}

async fn links_by_key(store: &Store) -> BTreeMap<(String, String), Document> {
    store
        .find(Logical::Links, doc! {"environment": ENV})
        .await
        .unwrap()
        .into_iter()
        .map(|d| {
            let k = (
                d.get_str("source_id").unwrap().to_string(),
                d.get_str("target_id").unwrap().to_string(),
            );
            (k, d)
        })
        .collect()
}

#[tokio::test]
async fn links_and_cliques_phases_on_a_small_ovs_environment() {
    let t = test_db("phases").await;
    let store = &t.store;
    load(store).await;
    let env = env(t._dir.path().to_str().unwrap());

    let summary = calipso::links::run_phase(store, &env).await.unwrap();
    let links = links_by_key(store).await;
    let get = |s: &str, d: &str| without_ids(links[&(s.to_string(), d.to_string())].clone());
    assert_eq!(
        get("inst1", "node-5-tap1"),
        doc! {"environment": ENV, "source_id": "inst1", "target_id": "node-5-tap1",
        "link_type": "instance-vnic", "link_name": "net1", "state": "up", "link_weight": 0,
        "source_label": "", "target_label": "", "implicit": false,
        "attributes": {"network": "net-1"}, "host": "node-5"}
    );
    assert_eq!(
        get("node-5-tap1", "node-5-qbr1")
            .get_str("link_type")
            .unwrap(),
        "vnic-vconnector"
    );
    let vc_vedge = get("node-5-qbr1", "vedge-5");
    assert_eq!(vc_vedge.get_str("link_name").unwrap(), "port-3-1");
    assert_eq!(
        vc_vedge.get_document("attributes").unwrap(),
        &doc! {"mac_address": "aa:aa:aa:aa:aa:01", "source_label": "qvb1", "target_label": "qvo1", "network": "net-1"}
    );
    assert_eq!(vc_vedge.get_str("source_label").unwrap(), "qvb1");
    assert_eq!(
        get("vedge-5", "node-5-otep").get_str("link_name").unwrap(),
        "node-5-OVS-otep"
    );
    assert_eq!(
        get("node-5-otep", "eth0-00:00:00:00:00:05")
            .get_str("link_name")
            .unwrap(),
        "node-5pniceth0"
    );
    assert_eq!(
        get("eth0-00:00:00:00:00:05", "net-1")
            .get_str("link_name")
            .unwrap(),
        "Segment-52"
    );
    assert_eq!(
        get("qdhcp-net-1", "node-6-tap9")
            .get_str("link_name")
            .unwrap(),
        "net1"
    );
    assert_eq!(
        get("node-6-tap9", "vedge-6").get_str("link_name").unwrap(),
        "tap9-node-6-OVS-1"
    );
    let implicit = get("inst1", "vedge-5");
    assert_eq!(implicit.get_str("link_type").unwrap(), "instance-vedge");
    assert!(implicit.get_bool("implicit").unwrap());
    assert_eq!(implicit.get_str("link_name").unwrap(), "");
    assert_eq!(
        implicit.get_document("attributes").unwrap(),
        &doc! {"network": "net-1"}
    );
    // The source/target ObjectIds point at the inventory documents.
    let stored = &links[&("inst1".to_string(), "node-5-tap1".to_string())];
    let inst = store
        .find(Logical::Inventory, doc! {"id": "inst1"})
        .await
        .unwrap();
    assert_eq!(stored.get("source"), inst[0].get("_id"));
    assert_eq!(summary.created_per_type["instance-vnic"], 1);
    assert!(summary.links_written >= 9);

    // Inventory side effects.
    let vnic = &store
        .find(Logical::Inventory, doc! {"id": "node-5-tap1"})
        .await
        .unwrap()[0];
    assert_eq!(vnic.get_str("network").unwrap(), "net-1");
    assert!(vnic.get_datetime("last_scanned").is_ok());
    let vc = &store
        .find(Logical::Inventory, doc! {"id": "node-5-qbr1"})
        .await
        .unwrap()[0];
    assert_eq!(vc.get_str("network").unwrap(), "net-1");

    let cliques_summary = calipso::cliques::run_phase(store, &env).await.unwrap();
    assert_eq!(cliques_summary.cliques_per_type["instance"], 1);
    assert_eq!(cliques_summary.cliques_per_type["vservice"], 1);
    assert_eq!(cliques_summary.cliques_per_type["network"], 1);
    let cliques = store
        .find(Logical::Cliques, doc! {"environment": ENV})
        .await
        .unwrap();
    assert_eq!(cliques.len(), 3);
    let by_type = |t: &str| {
        cliques
            .iter()
            .find(|c| c.get_str("focal_point_type").unwrap() == t)
            .unwrap()
    };
    let types = |c: &Document| -> Vec<String> {
        c.get_array("links_detailed")
            .unwrap()
            .iter()
            .map(|l| {
                l.as_document()
                    .unwrap()
                    .get_str("link_type")
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    // The walk stops at otep-vconnector, which finds nothing in an OVS environment.
    assert_eq!(
        types(by_type("instance")),
        [
            "instance-vnic",
            "vnic-vconnector",
            "vconnector-vedge",
            "vedge-otep"
        ]
    );
    assert_eq!(types(by_type("vservice")), ["vservice-vnic", "vnic-vedge"]);
    assert_eq!(types(by_type("network")), ["host_pnic-network"]);
    let instance_clique = by_type("instance");
    assert_eq!(
        instance_clique.get_document("constraints").unwrap(),
        &doc! {"network": ["net-1"]}
    );
    assert_eq!(instance_clique.get_array("links").unwrap().len(), 4);
    assert_eq!(instance_clique.get("focal_point"), inst[0].get("_id"));
    let marked = store
        .find(
            Logical::Inventory,
            doc! {"environment": ENV, "clique": true},
        )
        .await
        .unwrap();
    let mut marked: Vec<&str> = marked.iter().map(|d| d.get_str("id").unwrap()).collect();
    marked.sort();
    assert_eq!(marked, ["inst1", "net-1", "qdhcp-net-1"]);

    // Second run: the same documents, only timestamps move.
    let snapshot =
        |docs: Vec<Document>| -> Vec<Document> { docs.into_iter().map(without_ids).collect() };
    let inv_before = snapshot(store.find(Logical::Inventory, doc! {}).await.unwrap());
    let links_before = store.find(Logical::Links, doc! {}).await.unwrap();
    let cliques_before = store.find(Logical::Cliques, doc! {}).await.unwrap();
    let again = calipso::links::run_phase(store, &env).await.unwrap();
    assert_eq!(again.links_written, 0, "{again:?}");
    calipso::cliques::run_phase(store, &env).await.unwrap();
    assert_eq!(
        snapshot(store.find(Logical::Inventory, doc! {}).await.unwrap()),
        inv_before
    );
    assert_eq!(
        store.find(Logical::Links, doc! {}).await.unwrap(),
        links_before
    );
    assert_eq!(
        store.find(Logical::Cliques, doc! {}).await.unwrap(),
        cliques_before
    );
    let vnic2 = &store
        .find(Logical::Inventory, doc! {"id": "node-5-tap1"})
        .await
        .unwrap()[0];
    assert!(
        vnic2.get_datetime("last_scanned").unwrap() >= vnic.get_datetime("last_scanned").unwrap()
    );
    t.drop().await;
}

#[tokio::test]
async fn a_missing_instance_fails_the_links_phase_naming_the_vnic() {
    let t = test_db("crash").await;
    let store = &t.store;
    let vnic = doc! {"environment": ENV, "type": "vnic", "id": "node-5-tapX", "vnic_type": "instance_vnic",
    "instance_id": "gone", "host": "node-5"};
    store.insert(Logical::Inventory, vnic).await.unwrap();
    let env = env(t._dir.path().to_str().unwrap());
    let err = calipso::links::run_phase(store, &env)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("FindLinksForInstanceVnics")
            && err.contains("node-5-tapX")
            && err.contains("gone"),
        "{err}"
    );
    t.drop().await;
}

#[tokio::test]
async fn an_app_path_link_finders_file_overrides_and_is_validated() {
    let t = test_db("override").await;
    let store = &t.store;
    let config = t._dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("link_finders.json"),
        r#"{"finders_package": "x", "base_finder": "FindLinks", "link_finders": ["FindLinksForNothing"]}"#,
    )
    .unwrap();
    let env = env(t._dir.path().to_str().unwrap());
    let err = calipso::links::run_phase(store, &env)
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "Failed to import link finder class \"FindLinksForNothing\""
    );
    t.drop().await;
}

/// 500 instances on 20 hosts: the phases read once and write in batches; timings are printed
/// and a second links phase writes nothing.
#[tokio::test]
async fn bulk_write_of_a_larger_environment() {
    let t = test_db("bulk").await;
    let store = &t.store;
    let mut inv = Vec::new();
    for n in 0..10 {
        inv.push(doc! {"type": "network", "id": format!("net-{n}"), "network": format!("net-{n}"), "provider:segmentation_id": n});
    }
    for h in 0..20 {
        let host = format!("host-{h}");
        inv.push(doc! {"type": "host", "id": &host, "name": &host, "host_type": ["Compute"]});
        inv.push(doc! {"type": "host_pnic", "id": format!("{host}-eth0"), "host": &host, "name": "eth0",
            "IP Address": format!("10.0.0.{h}"), "Link detected": "yes", "mac_address": format!("mac-{h}")});
        let mut ports = Document::new();
        for i in 0..25 {
            let net = format!("net-{}", i % 10);
            let inst = format!("{host}-vm{i}");
            inv.push(doc! {"type": "instance", "id": &inst, "host": &host, "network": [&net],
                "network_info": [{"devname": format!("tap{i}"), "network": {"id": &net, "label": &net}}]});
            inv.push(
                doc! {"type": "vnic", "id": format!("{host}-tap{i}"), "vnic_type": "instance_vnic",
                "instance_id": &inst, "host": &host, "mac_address": format!("m-{h}-{i}")},
            );
            inv.push(
                doc! {"type": "vconnector", "id": format!("{host}-qbr{i}"), "host": &host,
                "interfaces_names": [format!("tap{i}"), format!("qvb{i}")], "interfaces": {}},
            );
            inv.push(doc! {"type": "port", "id": format!("{host}-port{i}"), "binding:host_id": &host, "network_id": &net});
            ports.insert(
                format!("qvo{i}"),
                doc! {"id": i.to_string(), "name": format!("qvo{i}")},
            );
        }
        inv.push(doc! {"type": "vedge", "id": format!("{host}-vedge"), "host": &host, "name": "OVS", "ports": ports});
    }
    for d in inv.iter_mut() {
        d.insert("environment", ENV);
    }
    let inv: Vec<Document> = inv.iter().map(calipso::store::keys::encode).collect();
    store
        .collection(Logical::Inventory)
        .insert_many(inv)
        .await
        .unwrap();
    for d in seed("clique_types.json") {
        store.insert(Logical::CliqueTypes, d).await.unwrap();
    }
    for d in seed("clique_constraints.json") {
        store.insert(Logical::CliqueConstraints, d).await.unwrap();
    }
    let env = env(t._dir.path().to_str().unwrap());
    let started = std::time::Instant::now();
    let first = calipso::links::run_phase(store, &env).await.unwrap();
    let links_time = started.elapsed();
    let cliques = calipso::cliques::run_phase(store, &env).await.unwrap();
    eprintln!(
        "links phase: {} links in {links_time:?}; cliques phase: {:?} in {:?}",
        first.links_written,
        cliques.cliques_per_type,
        started.elapsed() - links_time
    );
    let stored = store
        .count(Logical::Links, doc! {"environment": ENV})
        .await
        .unwrap();
    assert_eq!(stored as usize, first.links_written);
    assert!(stored > 2000, "{stored}");
    assert_eq!(cliques.cliques_per_type["instance"], 500);
    assert_eq!(
        first.objects_updated, 1000,
        "500 vNICs and 500 vConnectors get a network"
    );
    assert_eq!(cliques.written, 510);
    let second = calipso::links::run_phase(store, &env).await.unwrap();
    assert_eq!(second.links_written, 0);
    let again = calipso::cliques::run_phase(store, &env).await.unwrap();
    assert_eq!((again.written, again.unchanged), (0, 510));
    t.drop().await;
}
