//! Test helper: runs the real `calipso` binary against a lab and a test database, and puts
//! stored documents in a form two scans can be compared in. Include after `lab` and `mongo`:
//! `#[path = "common/scan.rs"] mod scan;`.
#![allow(dead_code)]

use super::lab::Lab;
use super::mongo::TestDb;
use assert_cmd::Command;
use bson::{Bson, Document};
use std::collections::BTreeMap;
use std::time::Duration;

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn calipso(args: &[&str]) -> Out {
    let out = Command::cargo_bin("calipso")
        .unwrap()
        .args(args)
        .env_remove("RUST_LOG")
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The reference data and the lab's environment in the test database, under `-y inventory`.
pub fn prepare(db: &TestDb, lab: &Lab, inventory: &str) {
    let env_file = lab.path().join("environment.json");
    for args in [
        vec!["db", "init", "-m", db.conf(), "-y", inventory],
        vec![
            "env",
            "import",
            "--replace",
            "-m",
            db.conf(),
            "-y",
            inventory,
            env_file.to_str().unwrap(),
        ],
    ] {
        let out = calipso(&args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    }
}

/// `calipso scan -e lab -y <inventory> --no-progress <extra>`.
pub fn scan(db: &TestDb, inventory: &str, extra: &[&str]) -> Out {
    let mut args = vec![
        "scan",
        "-m",
        db.conf(),
        "-e",
        "lab",
        "-y",
        inventory,
        "--no-progress",
    ];
    args.extend_from_slice(extra);
    calipso(&args)
}

/// Inventory documents by (type, id), without what changes from run to run: ids and references
/// of other documents, scan times, and Nova's service heartbeats (`updated_at`, at any depth).
pub fn comparable(docs: Vec<Document>) -> BTreeMap<(String, String), Document> {
    docs.into_iter()
        .map(|mut d| {
            for volatile in ["_id", "last_scanned", "ref_id", "instance_db_id"] {
                d.remove(volatile);
            }
            without_heartbeats(&mut d);
            let key = (
                d.get_str("type").unwrap_or("").to_string(),
                d.get_str("id").unwrap_or("").to_string(),
            );
            (key, d)
        })
        .collect()
}

fn without_heartbeats(d: &mut Document) {
    d.remove("updated_at");
    for (_, v) in d.iter_mut() {
        if let Bson::Document(inner) = v {
            without_heartbeats(inner);
        }
    }
}

/// Link documents by (source_id, target_id), without ObjectIds.
pub fn comparable_links(docs: Vec<Document>) -> BTreeMap<(String, String), Document> {
    docs.into_iter()
        .map(|mut d| {
            for volatile in ["_id", "source", "target", "last_scanned"] {
                d.remove(volatile);
            }
            let key = (
                d.get_str("source_id").unwrap_or("").to_string(),
                d.get_str("target_id").unwrap_or("").to_string(),
            );
            (key, d)
        })
        .collect()
}

/// Cliques by focal point id: focal point type, constraints and the (source_id, target_id) of
/// their links, sorted.
pub fn comparable_cliques(
    cliques: Vec<Document>,
    inventory: &[Document],
) -> BTreeMap<String, String> {
    let id_of = |oid: Option<&Bson>| -> String {
        inventory
            .iter()
            .find(|d| d.get("_id") == oid)
            .and_then(|d| d.get_str("id").ok())
            .unwrap_or("?")
            .to_string()
    };
    cliques
        .iter()
        .map(|c| {
            let mut links: Vec<String> = c
                .get_array("links_detailed")
                .map(|l| {
                    l.iter()
                        .filter_map(Bson::as_document)
                        .map(|l| {
                            format!(
                                "{}>{}",
                                l.get_str("source_id").unwrap_or(""),
                                l.get_str("target_id").unwrap_or("")
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            links.sort();
            let summary = format!(
                "{} {:?} {}",
                c.get_str("focal_point_type").unwrap_or(""),
                c.get_document("constraints").ok(),
                links.join(",")
            );
            (id_of(c.get("focal_point")), summary)
        })
        .collect()
}

/// Re-imports the lab's environment with one field of one configuration section changed
/// (a wrong password, a closed port) to make the next scan fail in a chosen way.
pub fn reimport_with(db: &TestDb, lab: &Lab, section: &str, field: &str, value: &str) {
    let text = std::fs::read_to_string(lab.path().join("environment.json")).unwrap();
    let mut env: serde_json::Value = serde_json::from_str(&text).unwrap();
    for s in env["configuration"].as_array_mut().unwrap() {
        if s["name"] == section {
            s[field] = value.into();
        }
    }
    let file = db.dir().join(format!("env-{section}-{field}.json"));
    std::fs::write(&file, env.to_string()).unwrap();
    let out = calipso(&[
        "env",
        "import",
        "--replace",
        "-m",
        db.conf(),
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// The `links_detailed` of the clique whose focal point is the instance `uuid` (panics naming
/// the instance when it was not scanned or has no clique).
pub fn instance_clique_links<'a>(
    inventory: &[bson::Document],
    cliques: &'a [bson::Document],
    uuid: &str,
) -> Vec<&'a bson::Document> {
    let doc = inventory
        .iter()
        .find(|d| d.get_str("type") == Ok("instance") && d.get_str("id") == Ok(uuid))
        .unwrap_or_else(|| panic!("instance {uuid} not scanned"));
    let clique = cliques
        .iter()
        .find(|c| c.get("focal_point") == doc.get("_id"))
        .unwrap_or_else(|| panic!("no clique for instance {uuid}"));
    clique
        .get_array("links_detailed")
        .unwrap_or_else(|_| panic!("clique of instance {uuid} has no links_detailed"))
        .iter()
        .filter_map(bson::Bson::as_document)
        .collect()
}
