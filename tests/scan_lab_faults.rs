//! Hosts that break between two scans (`calipso-lab up --fault`): a command that hangs, one
//! that prints garbage, a sudo that refuses, a host the gateway cannot reach. Each failure is
//! logged and recorded in `messages` naming host and command, the scan goes on with the other
//! hosts and ends "errors detected" with exit 0, the healthy hosts' documents are complete, and
//! nothing the first scan stored is lost. Output cut mid-line is a scan error naming host and
//! command (exit 1), which loses nothing either.

#[path = "common/lab.rs"]
mod lab;
#[path = "common/mongo.rs"]
mod mongo;
#[path = "common/scan.rs"]
mod scan;

use bson::Document;
use lab::{default_sizes, Lab};
use mongo::TestDb;
use scan::{comparable, prepare, scan};
use std::collections::BTreeMap;

const HANGS: &str = "node-2.calipso.lab";
const GARBAGE: &str = "node-3.calipso.lab";
const SUDO: &str = "node-4.calipso.lab";
const UNREACHABLE: &str = "node-5.calipso.lab";
const HEALTHY: [&str; 2] = ["node-1.calipso.lab", "node-6.calipso.lab"];

fn sizes() -> calipso::lab::model::LabSizes {
    let mut sizes = default_sizes();
    sizes.hosts = 6;
    sizes.instances = 5;
    sizes
}

/// Inventory documents of one host (its `host` field), comparable across scans (agents'
/// heartbeats are the lab's clock).
fn of_host(docs: &[Document], host: &str) -> BTreeMap<(String, String), Document> {
    comparable(
        docs.iter()
            .filter(|d| d.get_str("host") == Ok(host))
            .cloned()
            .map(|mut d| {
                d.remove("heartbeat_timestamp");
                d
            })
            .collect(),
    )
}

/// The documents of `b` missing from `a` or different there, by key and differing fields.
fn differences(
    a: &BTreeMap<(String, String), Document>,
    b: &BTreeMap<(String, String), Document>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (key, doc) in b {
        match a.get(key) {
            None => out.push(format!("{key:?} missing")),
            Some(other) if other != doc => {
                let fields: Vec<&String> = doc
                    .keys()
                    .chain(other.keys())
                    .filter(|k| doc.get(*k) != other.get(*k))
                    .collect();
                out.push(format!("{key:?} differs in {fields:?}"));
            }
            Some(_) => {}
        }
    }
    out
}

fn error_messages(db: &TestDb) -> Vec<String> {
    db.docs("messages")
        .iter()
        .filter(|m| m.get_str("level") == Ok("error"))
        .map(|m| m.get_str("message").unwrap_or("").to_string())
        .collect()
}

/// The one error message about `host` that contains every part of `expected`.
fn assert_reported(messages: &[String], stderr: &str, host: &str, expected: &[&str]) {
    let found = messages.iter().any(|m| {
        m.contains(&format!("ERROR: ssh {host}: command '"))
            && expected.iter().all(|part| m.contains(part))
    });
    assert!(
        found,
        "no error naming {host} and {expected:?} in messages: {messages:#?}"
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.contains(&format!("ssh {host}: command '"))
                && expected.iter().all(|part| l.contains(part))),
        "not logged: {host} {expected:?}"
    );
}

#[test]
fn broken_hosts_are_reported_and_nothing_stored_is_lost() {
    let db = TestDb::new("scan_lab_faults");
    let before = {
        let healthy_lab = Lab::start_with(sizes(), &[]);
        prepare(&db, &healthy_lab, "inventory");
        let out = scan(&db, "inventory", &[]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            out.stderr.contains("Scan completed, status: ok"),
            "{}",
            out.stderr
        );
        db.docs("inventory")
    };
    for host in [HANGS, GARBAGE, SUDO, UNREACHABLE] {
        assert!(
            !of_host(&before, host).is_empty(),
            "the first scan found objects on {host}"
        );
    }

    // The same cloud (same seed), now with four broken hosts.
    let hang = format!("{HANGS}:hang:brctl show");
    let garbage = format!("{GARBAGE}:garbage:virsh dumpxml");
    let sudo = format!("{SUDO}:sudo-refused");
    let unreachable = format!("{UNREACHABLE}:unreachable");
    let faulty_lab = Lab::start_with(
        sizes(),
        &[
            "--fault",
            &hang,
            "--fault",
            &garbage,
            "--fault",
            &sudo,
            "--fault",
            &unreachable,
        ],
    );
    prepare(&db, &faulty_lab, "inventory");
    let out = scan(&db, "inventory", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("Scan completed, status: errors detected"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);

    let messages = error_messages(&db);
    assert_reported(
        &messages,
        &out.stderr,
        HANGS,
        &["sudo brctl show'", "timed out after 15 s"],
    );
    assert_reported(
        &messages,
        &out.stderr,
        GARBAGE,
        &["sudo virsh dumpxml", "not valid UTF-8"],
    );
    assert_reported(
        &messages,
        &out.stderr,
        SUDO,
        &["wrote to stderr: sudo: no tty present and no askpass program specified"],
    );
    assert_reported(
        &messages,
        &out.stderr,
        UNREACHABLE,
        &["the ssh hop to node-5.calipso.lab failed (exit status 255)"],
    );

    // Healthy hosts: the same documents as in the first scan.
    let after = db.docs("inventory");
    for host in HEALTHY {
        let (now, then) = (of_host(&after, host), of_host(&before, host));
        assert_eq!(differences(&now, &then), Vec::<String>::new(), "{host}");
        assert_eq!(differences(&then, &now), Vec::<String>::new(), "{host}");
    }
    // Nothing of the first scan is lost, on any host.
    let kept = comparable(after.clone());
    for key in comparable(before.clone()).keys() {
        assert!(kept.contains_key(key), "{key:?} was lost");
    }
    // The broken hosts' objects keep the first scan's fields.
    for host in [HANGS, GARBAGE, SUDO, UNREACHABLE] {
        let (now, then) = (of_host(&after, host), of_host(&before, host));
        assert_eq!(differences(&now, &then), Vec::<String>::new(), "{host}");
    }
    drop(faulty_lab);

    // Output cut inside a line is no SSH failure but output the parser cannot read: a scan
    // error (exit 1) naming host and command, and the stored documents stay.
    let truncated = format!("{GARBAGE}:truncated:virsh dumpxml");
    let lab = Lab::start_with(sizes(), &["--fault", &truncated]);
    prepare(&db, &lab, "inventory");
    let out = scan(&db, "inventory", &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let error = out
        .stderr
        .lines()
        .find(|l| l.contains("ERROR: scan error: "))
        .unwrap_or_else(|| panic!("no scan error line: {}", out.stderr));
    assert!(
        error.contains("virsh dumpxml") && error.contains(GARBAGE) && error.contains("XML: "),
        "{error}"
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    let kept = comparable(db.docs("inventory"));
    for key in comparable(after).keys() {
        assert!(kept.contains_key(key), "{key:?} was lost");
    }
}
