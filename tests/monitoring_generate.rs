//! Monitoring setup, generation side (monitoring.md §4, §10): a hand-made inventory of one host
//! (host, pNIC, vEdge, OTEP, vService, vConnector, instance, vNIC, vNIC–vConnector link), the
//! seed templates, and `calipso scan --links_only` (hooks run, nothing is deployed). The local
//! files are compared byte for byte with files written by hand from the spec.

#[path = "common/lab.rs"]
mod lab;
#[path = "common/mongo.rs"]
mod mongo;
#[path = "common/scan.rs"]
mod scan;

use bson::{doc, Document};
use mongo::TestDb;
use scan::{calipso, Out};
use serde_json::Value;
use std::path::{Path, PathBuf};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/monitoring");
const SECRETS: [&str; 2] = ["rabbit-secret-pw", "ssh-secret-pw"];

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Reference data, the environment (Monitoring block changed by `tweak`) and the inventory.
fn prepare(db: &TestDb, tweak: impl FnOnce(&mut Value)) -> PathBuf {
    let out = calipso(&["db", "init", "-m", db.conf()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let folder = db.dir().join("sensu_config");
    let mut env = fixture("environment.json");
    let monitoring = env["configuration"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["name"] == "Monitoring")
        .unwrap();
    monitoring["config_folder"] = folder.to_str().unwrap().into();
    tweak(monitoring);
    let file = db.dir().join("environment.json");
    std::fs::write(&file, env.to_string()).unwrap();
    let out = calipso(&["env", "import", "-m", db.conf(), file.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let docs = |name: &str| -> Vec<Document> {
        fixture(name)
            .as_array()
            .unwrap()
            .iter()
            .map(|v| bson::to_document(v).unwrap())
            .collect()
    };
    let (inventory, links) = (docs("inventory.json"), docs("links.json"));
    db.with_db(|d| async move {
        d.collection::<Document>("inventory")
            .insert_many(inventory)
            .await
            .unwrap();
        d.collection::<Document>("links")
            .insert_many(links)
            .await
            .unwrap();
    });
    folder
}

fn run(db: &TestDb, extra: &[&str]) -> Out {
    let mut args = vec!["scan", "-m", db.conf(), "-e", "mon-env", "--no-progress"];
    args.extend_from_slice(extra);
    let out = calipso(&args);
    for secret in SECRETS {
        assert!(
            !out.stderr.contains(secret),
            "secret in output: {}",
            out.stderr
        );
    }
    out
}

fn set_monitoring(value: &str) -> impl FnOnce(&mut Value) + '_ {
    move |m: &mut Value| m["provision"] = value.into()
}

/// Every file under `dir`, relative path → content.
fn files_under(dir: &Path) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                out.insert(rel, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    out
}

fn monitoring_docs(db: &TestDb) -> Vec<Document> {
    db.docs("monitoring_config")
}

#[test]
fn files_level_writes_the_expected_files_and_documents() {
    let db = TestDb::new("mon_files");
    let folder = prepare(&db, set_monitoring("Files"));
    let out = run(&db, &["--links_only"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("Scan completed, status: ok"),
        "{}",
        out.stderr
    );
    let written = files_under(&folder);
    let expected = files_under(&Path::new(FIXTURES).join("expected"));
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (name, text) in &expected {
        pretty_assertions::assert_eq!(&written[name], text, "{name}");
    }
    // Documents: 7 server files for the server, 3 for the host; check names with dots stored
    // with `[dot]` keys, the same content as the files otherwise.
    let docs = monitoring_docs(&db);
    assert_eq!(docs.len(), 10);
    let server: Vec<_> = docs
        .iter()
        .filter(|d| d.get_str("host") == Ok("10.0.0.1"))
        .collect();
    assert_eq!(server.len(), 7);
    let client = docs
        .iter()
        .find(|d| {
            d.get_str("host") == Ok("node-6.cisco.com") && d.get_str("type") == Ok("client.json")
        })
        .unwrap();
    assert_eq!(client.get_str("environment").unwrap(), "mon-env");
    let checks = client
        .get_document("config")
        .unwrap()
        .get_document("checks")
        .unwrap();
    assert!(
        checks.contains_key("vedge_node-6[dot]cisco[dot]com-OVS"),
        "{checks:?}"
    );
    assert!(!checks.keys().any(|k| k.contains('.')));
    assert_eq!(checks.len(), 7);
    let envs = db.docs("environments_config");
    assert_eq!(envs[0].get_bool("monitoring_setup_done"), Ok(true));
    // Nothing was deployed at Files: the (unreachable) server was never contacted.
    assert!(
        !out.stderr.contains("applying monitoring setup"),
        "{}",
        out.stderr
    );
}

#[test]
fn db_level_writes_documents_only_and_none_writes_nothing() {
    let db = TestDb::new("mon_db");
    let folder = prepare(&db, set_monitoring("DB"));
    let out = run(&db, &["--links_only"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(monitoring_docs(&db).len(), 10);
    assert!(!folder.exists(), "DB level must not write local files");
    // No SSH at DB level (fix): the unreachable server 10.0.0.1 is never tried.
    assert!(out.stderr.contains("status: ok"), "{}", out.stderr);
    assert!(
        !out.stderr.contains("restart sensu-server"),
        "{}",
        out.stderr
    );

    let db = TestDb::new("mon_none");
    let folder = prepare(&db, set_monitoring("None"));
    let out = run(&db, &["--links_only"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(monitoring_docs(&db).is_empty());
    assert!(!folder.exists());
}

#[test]
fn vpp_environment_gets_vpp_checks_and_failing_conditions_add_nothing() {
    let db = TestDb::new("mon_vpp");
    prepare(&db, set_monitoring("DB"));
    db.update(
        "environments_config",
        doc! {"name": "mon-env"},
        doc! {"$set": {"mechanism_drivers": ["VPP"], "distribution": "Devstack"}},
    );
    let out = run(&db, &["--links_only"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let client = monitoring_docs(&db)
        .into_iter()
        .find(|d| {
            d.get_str("type") == Ok("client.json") && d.get_str("host") == Ok("node-6.cisco.com")
        })
        .unwrap();
    let checks = client
        .get_document("config")
        .unwrap()
        .get_document("checks")
        .unwrap();
    let mut names: Vec<&str> = checks.keys().map(String::as_str).collect();
    names.sort();
    // VPP: vedge and pNIC checks use the VPP scripts, the vNIC check appears; the OVS/LXB-only
    // templates (vservice, vconnector, vNIC–vConnector link) fail their condition.
    assert_eq!(
        names,
        [
            "host_pnic_eno16777728-00---[dot][dot]58[dot][dot]---50---[dot][dot]58[dot][dot]---56---[dot][dot]58[dot][dot]---ac---[dot][dot]58[dot][dot]---e8---[dot][dot]58[dot][dot]---97",
            "instance_bf0cb914-b316-486c-a4ce-f22deb453c52",
            "otep_node-6[dot]cisco[dot]com-otep_vxlan-c0a80005",
            "vedge_node-6[dot]cisco[dot]com-OVS",
            "vnic_instance_vnic_tap3a8b8f1a-1f",
        ]
    );
    let command = |name: &str| {
        checks
            .get_document(name)
            .unwrap()
            .get_str("command")
            .unwrap()
            .to_string()
    };
    assert_eq!(
        command("vedge_node-6[dot]cisco[dot]com-OVS"),
        "check_vedge_vpp.py"
    );
    assert_eq!(
        command("vnic_instance_vnic_tap3a8b8f1a-1f"),
        "check_vnic_vpp.py"
    );
}

#[test]
fn provision_is_case_insensitive() {
    let db = TestDb::new("mon_case");
    let folder = prepare(&db, set_monitoring("files"));
    let out = run(&db, &["--links_only"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(folder.join("server/handlers.json").is_file());
}

#[test]
fn object_errors_are_reported_and_the_scan_ends_with_errors_detected() {
    let db = TestDb::new("mon_objerr");
    prepare(&db, set_monitoring("DB"));
    // A vService without its service_type, a link whose vNIC has no MAC address.
    db.update(
        "inventory",
        doc! {"type": "vservice"},
        doc! {"$unset": {"service_type": ""}},
    );
    db.update(
        "inventory",
        doc! {"type": "vnic"},
        doc! {"$unset": {"mac_address": ""}},
    );
    let out = run(&db, &["--links_only"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("monitoring setup failed for vservice qdhcp-8673c48a-f137-4497-b25d-08b7b218fd17: missing field service_type"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("could not find MAC address in vNIC: tap3a8b8f1a-1f"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("Scan completed, status: errors detected"),
        "{}",
        out.stderr
    );
    // The other checks were still written.
    assert_eq!(monitoring_docs(&db).len(), 10);
}

#[test]
fn unknown_placeholder_is_one_error_naming_the_template() {
    let db = TestDb::new("mon_placeholder");
    prepare(&db, set_monitoring("DB"));
    db.update(
        "monitoring_config_templates",
        doc! {"side": "server", "type": "api.json"},
        doc! {"$set": {"config.api.host": "{no_such_value}"}},
    );
    let out = run(&db, &["--links_only"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("monitoring template api.json: no value for placeholder {no_such_value}"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("status: errors detected"),
        "{}",
        out.stderr
    );
    let server_files = monitoring_docs(&db)
        .iter()
        .filter(|d| d.get_str("host") == Ok("10.0.0.1"))
        .count();
    assert_eq!(server_files, 6);
}

#[test]
fn missing_server_ip_ends_the_run_with_exit_1() {
    let db = TestDb::new("mon_noserver");
    prepare(&db, set_monitoring("Files"));
    db.update(
        "environments_config",
        doc! {"name": "mon-env"},
        doc! {"$pull": {"configuration": {"name": "Monitoring"}}},
    );
    let env = fixture("environment.json");
    let block = env["configuration"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Monitoring")
        .unwrap();
    let mut block = bson::to_document(block).unwrap();
    block.remove("server_ip");
    db.update(
        "environments_config",
        doc! {"name": "mon-env"},
        doc! {"$push": {"configuration": block}},
    );
    let out = run(&db, &["--links_only"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("server_ip is missing from the Monitoring configuration"),
        "{}",
        out.stderr
    );
}

#[test]
fn deploy_to_an_unreachable_server_is_errors_detected_naming_it() {
    let db = TestDb::new("mon_unreach");
    prepare(&db, |m| {
        m["provision"] = "Deploy".into();
        m["server_ip"] = "127.0.0.1".into();
        m["ssh_port"] = "1".into();
    });
    let out = run(&db, &["--monitoring_setup_only"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("ssh 127.0.0.1: cannot connect to 127.0.0.1:1"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("done applying monitoring setup, with some error(s)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("status: errors detected"),
        "{}",
        out.stderr
    );
    // No scan phase ran: the inventory is as inserted.
    assert_eq!(db.count("inventory"), 8);
    for m in db.docs("messages") {
        let text = format!("{m:?}");
        for secret in SECRETS {
            assert!(!text.contains(secret), "secret in messages: {text}");
        }
    }
}
