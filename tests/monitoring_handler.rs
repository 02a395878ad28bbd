//! `calipso monitor`, the Sensu check-result handler (monitoring.md §7, §10): one event on
//! stdin updates the object or link it names and adds a `messages` record.

#[path = "common/mongo.rs"]
mod mongo;

use assert_cmd::Command;
use bson::{doc, Document};
use mongo::TestDb;
use serde_json::{json, Value};
use std::path::Path;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/monitoring");
const PNIC: &str = "eno16777728-00:50:56:ac:e8:97";

struct Out {
    code: i32,
    stderr: String,
}

fn calipso(args: &[&str], stdin: &str) -> Out {
    let out = Command::cargo_bin("calipso")
        .unwrap()
        .args(args)
        .env_remove("RUST_LOG")
        .write_stdin(stdin)
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn fixture(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(Path::new(FIXTURES).join(name)).unwrap()).unwrap()
}

fn prepare() -> TestDb {
    let db = TestDb::new("mon_handler");
    assert_eq!(calipso(&["db", "init", "-m", db.conf()], "").code, 0);
    let env = db.dir().join("env.json");
    std::fs::write(&env, fixture("environment.json").to_string()).unwrap();
    let out = calipso(
        &["env", "import", "-m", db.conf(), env.to_str().unwrap()],
        "",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let docs = |v: Value| -> Vec<Document> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|d| bson::to_document(d).unwrap())
            .collect()
    };
    let inventory = docs(fixture("inventory.json"));
    let mut links = docs(fixture("links.json"));
    links.push(
        doc! {"environment": "mon-env", "link_type": "vedge-host_pnic",
        "source_id": "node-6.cisco.com-OVS", "target_id": PNIC, "host": "node-6.cisco.com"},
    );
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
    db
}

fn event(id: &str, name: &str, status: i64) -> String {
    json!({"id": id, "client": {"name": "mon-env-node-6.cisco.com", "environment": "mon-env"},
        "check": {"name": name, "status": status, "output": "x", "executed": 1_500_000_000}})
    .to_string()
}

fn monitor(db: &TestDb, stdin: &str) -> Out {
    calipso(&["monitor", "-m", db.conf()], stdin)
}

fn object(db: &TestDb, id: &str) -> Document {
    db.docs("inventory")
        .into_iter()
        .find(|d| d.get_str("id") == Ok(id))
        .unwrap()
}

fn link(db: &TestDb, link_type: &str) -> Document {
    db.docs("links")
        .into_iter()
        .find(|d| d.get_str("link_type") == Ok(link_type))
        .unwrap()
}

fn message(db: &TestDb, id: &str) -> Document {
    db.docs("messages")
        .into_iter()
        .find(|d| d.get_str("id") == Ok(id))
        .unwrap()
}

#[test]
fn object_status_and_message() {
    let db = prepare();
    let vservice = "qdhcp-8673c48a-f137-4497-b25d-08b7b218fd17";
    let out = monitor(&db, &event("e1", &format!("vservice_{vservice}"), 2));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let o = object(&db, vservice);
    assert_eq!(o.get_str("status"), Ok("Error"));
    assert_eq!(
        o.get_i64("status_value")
            .or(o.get_i32("status_value").map(i64::from)),
        Ok(2)
    );
    assert_eq!(o.get_str("status_text"), Ok("x"));
    assert_eq!(o.get_str("status_timestamp"), Ok("2017-07-14 02:40:00 GMT"));
    let m = message(&db, "e1");
    assert_eq!(m.get_str("level"), Ok("error"));
    assert_eq!(m.get_str("source_system"), Ok("Sensu"));
    assert_eq!(m.get_str("related_object"), Ok(vservice));
    assert_eq!(m.get_str("related_object_type"), Ok("vservice"));
    assert_eq!(m.get_str("display_context"), Ok(vservice));
    assert_eq!(m.get_bool("viewed"), Ok(false));
    assert_eq!(
        m.get_datetime("timestamp").unwrap().timestamp_millis(),
        1_500_000_000_000
    );
    assert_eq!(m.get_document("message").unwrap().get_str("id"), Ok("e1"));
}

#[test]
fn pnic_names_are_decoded_and_the_vedge_link_follows_both_ends() {
    let db = prepare();
    let name = "host_pnic_eno16777728-00---..58..---50---..58..---56---..58..---ac---..58..---e8---..58..---97";
    assert_eq!(monitor(&db, &event("p1", name, 0)).code, 0);
    assert_eq!(object(&db, PNIC).get_str("status"), Ok("OK"));
    assert!(
        link(&db, "vedge-host_pnic").get_str("status").is_err(),
        "one end only"
    );
    assert_eq!(
        monitor(&db, &event("v1", "vedge_node-6.cisco.com-OVS", 1)).code,
        0
    );
    assert_eq!(
        link(&db, "vedge-host_pnic").get_str("status"),
        Ok("Warning")
    );
    assert_eq!(
        monitor(&db, &event("v2", "vedge_node-6.cisco.com-OVS", 0)).code,
        0
    );
    assert_eq!(link(&db, "vedge-host_pnic").get_str("status"), Ok("OK"));
}

#[test]
fn otep_ports_aggregate_and_links_are_found_by_their_ids() {
    let db = prepare();
    let check = "otep_node-6.cisco.com-otep_vxlan-c0a80005";
    assert_eq!(monitor(&db, &event("o1", check, 1)).code, 0);
    let otep = object(&db, "node-6.cisco.com-otep");
    let port = otep
        .get_document("ports")
        .unwrap()
        .get_document("vxlan-c0a80005")
        .unwrap();
    assert_eq!(port.get_str("status"), Ok("Warning"));
    assert_eq!(otep.get_str("status"), Ok("Error"), "no port is OK");
    assert!(otep.get_str("status_text").is_err());
    assert_eq!(monitor(&db, &event("o2", check, 0)).code, 0);
    assert_eq!(
        object(&db, "node-6.cisco.com-otep").get_str("status"),
        Ok("OK")
    );
    let out = monitor(
        &db,
        &event("o3", "otep_node-6.cisco.com-otep_vxlan-none", 0),
    );
    assert!(
        out.stderr.contains("Port not found: vxlan-none"),
        "{}",
        out.stderr
    );

    let check = "link_vnic-vconnector_tap3a8b8f1a-1f_node-6.cisco.com-qbr3a8b8f1a-1f";
    assert_eq!(monitor(&db, &event("l1", check, 0)).code, 0);
    assert_eq!(link(&db, "vnic-vconnector").get_str("status"), Ok("OK"));
    let m = message(&db, "l1");
    assert_eq!(
        m.get_str("related_object"),
        Ok("link_tap3a8b8f1a-1f_node-6.cisco.com-qbr3a8b8f1a-1f")
    );
    assert_eq!(m.get_str("related_object_type"), Ok("link_vnic-vconnector"));
    assert_eq!(m.get_str("level"), Ok("info"));
}

#[test]
fn bad_events_are_one_line_each() {
    let db = prepare();
    let out = monitor(&db, "");
    assert_eq!(out.code, 0);
    assert!(
        out.stderr.contains("No input provided on stdin"),
        "{}",
        out.stderr
    );
    let out = monitor(
        &db,
        r#"{"id": "x", "client": {}, "check": {"name": "vnic_a"}}"#,
    );
    assert!(
        out.stderr
            .contains("Check client should contain environment name"),
        "{}",
        out.stderr
    );
    let out = monitor(&db, &event("u1", "router_r1", 0));
    assert!(
        out.stderr
            .contains("Unable to match check name \"router_r1\" with object type"),
        "{}",
        out.stderr
    );
    let out = monitor(&db, &event("u2", "vnic_instance_vnic_nope", 0));
    assert!(
        out.stderr
            .contains("No matching object found with ID: nope"),
        "{}",
        out.stderr
    );
    let sensu = db
        .docs("messages")
        .into_iter()
        .filter(|m| m.get_str("source_system") == Ok("Sensu"))
        .count();
    assert_eq!(sensu, 0, "a bad or unmatched event adds no message");
    let out = calipso(
        &["monitor", "-m", "/nonexistent/mongo.conf"],
        &event("z", "vnic_a", 0),
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
}
