//! Full scans of a lab through the real binaries (`calipso-lab up`, `calipso db init`, `calipso
//! env import`, `calipso scan`), checked against the lab's topology model — not against our own
//! output.

#[path = "common/lab.rs"]
mod lab;
#[path = "common/mongo.rs"]
mod mongo;
#[path = "common/scan.rs"]
mod scan;

use bson::{doc, Bson, Document};
use lab::Lab;
use mongo::TestDb;
use scan::{comparable, prepare as prepared, reimport_with, scan};
use std::collections::{BTreeMap, BTreeSet};

/// Inventory documents of one type, by id.
fn by_id(docs: &[Document], object_type: &str) -> BTreeMap<String, Document> {
    docs.iter()
        .filter(|d| d.get_str("type") == Ok(object_type))
        .map(|d| (d.get_str("id").unwrap().to_string(), d.clone()))
        .collect()
}

fn ids<'a>(items: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
    items.map(String::from).collect()
}

/// Every region, project, zone, aggregate, host, network, port and instance of the model, with
/// its parent, name path and key fields.
fn check_against_model(docs: &[Document], lab: &Lab) {
    let m = &lab.model;
    let regions = by_id(docs, "region");
    assert_eq!(
        ids(regions.keys().map(String::as_str)),
        ids([m.region.as_str()].into_iter())
    );
    assert_eq!(
        regions[&m.region].get_str("name_path").unwrap(),
        format!("/lab/Regions/{}", m.region)
    );

    let projects = by_id(docs, "project");
    let expected: Vec<_> = m.projects.iter().filter(|p| p.name != "services").collect();
    assert_eq!(
        projects.len(),
        expected.len(),
        "projects: {:?}",
        projects.keys()
    );
    for p in &expected {
        let doc = &projects[&p.id];
        assert_eq!(doc.get_str("name").unwrap(), p.name);
        assert_eq!(doc.get_str("parent_id").unwrap(), "lab-projects");
        assert_eq!(
            doc.get_str("name_path").unwrap(),
            format!("/lab/Projects/{}", p.name)
        );
    }

    let zones = by_id(docs, "availability_zone");
    assert_eq!(
        ids(zones.keys().map(String::as_str)),
        ids(m.availability_zones.iter().map(|z| z.name.as_str()))
    );
    for z in zones.values() {
        assert_eq!(
            z.get_str("parent_id").unwrap(),
            format!("{}-availability_zones", m.region)
        );
    }

    let aggregates = by_id(docs, "aggregate");
    assert_eq!(aggregates.len(), m.aggregates.len());
    let host_refs = by_id(docs, "host_ref");
    for a in &m.aggregates {
        assert_eq!(
            aggregates[&a.id.to_string()].get_str("name").unwrap(),
            a.name
        );
        for h in &a.hosts {
            let r = &host_refs[&format!("aggregate-{}-{h}", a.name)];
            assert_eq!(r.get_str("parent_id").unwrap(), a.id.to_string());
            assert!(
                matches!(r.get("ref_id"), Some(Bson::ObjectId(_))),
                "host_ref {h} has its host's _id"
            );
        }
    }

    let hosts = by_id(docs, "host");
    assert_eq!(
        ids(hosts.keys().map(String::as_str)),
        ids(m.hosts.iter().map(|h| h.name.as_str()))
    );
    for h in &m.hosts {
        let doc = &hosts[&h.name];
        let types: Vec<&str> = doc
            .get_array("host_type")
            .unwrap()
            .iter()
            .filter_map(Bson::as_str)
            .collect();
        assert_eq!(
            types.contains(&"Compute"),
            h.compute,
            "{}: {types:?}",
            h.name
        );
        assert_eq!(
            types.contains(&"Network"),
            h.network,
            "{}: {types:?}",
            h.name
        );
        let zone = doc.get_str("zone").unwrap();
        assert_eq!(doc.get_str("parent_id").unwrap(), zone);
        assert!(doc
            .get_str("name_path")
            .unwrap()
            .ends_with(&format!("/Availability Zones/{zone}/{}", h.name)));
        assert_eq!(
            doc.get_document("OS").unwrap().get_str("name").unwrap(),
            h.os.name
        );
        if h.compute {
            assert_eq!(
                doc.get_str("ip_address").unwrap(),
                h.management_ip,
                "{}",
                h.name
            );
        }
    }

    let stored_projects: BTreeSet<&str> = expected.iter().map(|p| p.id.as_str()).collect();
    let networks = by_id(docs, "network");
    let expected_networks: Vec<_> = m
        .networks
        .iter()
        .filter(|n| stored_projects.contains(n.project_id.as_str()))
        .collect();
    assert_eq!(
        networks.len(),
        expected_networks.len(),
        "networks: {:?}",
        networks.keys()
    );
    for n in &expected_networks {
        let doc = &networks[&n.id];
        assert_eq!(doc.get_str("name").unwrap(), n.name);
        assert_eq!(
            doc.get_str("parent_id").unwrap(),
            format!("{}-networks", n.project_id)
        );
        let cidrs: Vec<&str> = doc
            .get_array("cidrs")
            .unwrap()
            .iter()
            .filter_map(Bson::as_str)
            .collect();
        let expected_cidrs: Vec<&str> = n
            .subnet_ids
            .iter()
            .filter_map(|s| m.subnets.iter().find(|x| &x.id == s))
            .map(|s| s.cidr.as_str())
            .collect();
        assert_eq!(cidrs, expected_cidrs);
    }

    let ports = by_id(docs, "port");
    let expected_ports: Vec<_> = m
        .ports
        .iter()
        .filter(|p| networks.contains_key(&p.network_id))
        .collect();
    assert_eq!(
        ports.len(),
        expected_ports.len(),
        "ports: {:?}",
        ports.keys()
    );
    for p in &expected_ports {
        let doc = &ports[&p.id];
        assert_eq!(doc.get_str("mac_address").unwrap(), p.mac_address);
        assert_eq!(
            doc.get_str("name").unwrap(),
            p.mac_address,
            "a port of a stored network is named by its MAC"
        );
        assert_eq!(
            doc.get_str("parent_id").unwrap(),
            format!("{}-ports", p.network_id)
        );
    }

    let instances = by_id(docs, "instance");
    assert_eq!(
        ids(instances.keys().map(String::as_str)),
        ids(m.instances.iter().map(|i| i.uuid.as_str()))
    );
    for i in &m.instances {
        let doc = &instances[&i.uuid];
        assert_eq!(doc.get_str("name").unwrap(), i.display_name);
        assert_eq!(doc.get_str("host").unwrap(), i.host);
        assert_eq!(doc.get_str("local_name").unwrap(), i.libvirt_name);
        assert_eq!(
            doc.get_str("parent_id").unwrap(),
            format!("{}-instances", i.host)
        );
        assert!(doc
            .get_str("id_path")
            .unwrap()
            .ends_with(&format!("/{}/{}-instances/{}", i.host, i.host, i.uuid)));
    }
}

#[test]
fn full_scan_matches_the_model_under_two_inventory_names() {
    let lab = Lab::start(&[]);
    let db = TestDb::new("scan_lab_full");
    prepared(&db, &lab, "inventory");
    let out = scan(&db, "inventory", &["-l", "DEBUG"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("Scan completed, status: "),
        "{}",
        out.stderr
    );
    let docs = db.docs("inventory");
    check_against_model(&docs, &lab);
    let env = &db.docs("environments_config")[0];
    let status_ok = out.stderr.contains("Scan completed, status: ok");
    assert_eq!(
        env.get_bool("scanned").unwrap(),
        status_ok,
        "scanned is set by an ok full scan"
    );

    // No secret of the environment (or of the lab) reaches stderr or `messages`.
    let messages: Vec<String> = db
        .docs("messages")
        .iter()
        .map(|m| m.get_str("message").unwrap_or("").to_string())
        .collect();
    assert!(!messages.is_empty());
    for (section, field) in [("OpenStack", "pwd"), ("mysql", "pwd"), ("CLI", "pwd")] {
        let secret = lab.conf(section, field);
        assert!(!out.stderr.contains(&secret), "{section}.{field} in stderr");
        assert!(
            messages.iter().all(|m| !m.contains(&secret)),
            "{section}.{field} in messages"
        );
    }

    // The same cloud under `-y mylab`: the renamed collections, the same documents.
    prepared(&db, &lab, "mylab");
    let out = scan(&db, "mylab", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let names = db.collections();
    for expected in [
        "mylab",
        "mylab_links",
        "mylab_cliques",
        "mylab_messages",
        "mylab_environments_config",
    ] {
        assert!(
            names.contains(&expected.to_string()),
            "{expected} missing from {names:?}"
        );
    }
    check_against_model(&db.docs("mylab"), &lab);
    assert_eq!(
        comparable(db.docs("mylab")),
        comparable(docs),
        "the -y mylab scan wrote other documents"
    );
}

#[test]
fn clear_is_per_environment_and_a_failed_scan_keeps_the_inventory() {
    let lab = Lab::start(&[]);
    let db = TestDb::new("scan_lab_clear");
    prepared(&db, &lab, "inventory");
    db.with_db(|d| async move {
        let inv = d.collection::<Document>("inventory");
        inv.insert_one(doc! {"environment": "other", "type": "host", "id": "keep-me"})
            .await
            .unwrap();
        inv.insert_one(doc! {"environment": "lab", "type": "host", "id": "stale"})
            .await
            .unwrap();
    });
    let out = scan(&db, "inventory", &["--clear", "--inventory_only"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let docs = db.docs("inventory");
    assert!(
        docs.iter().any(|d| d.get_str("id") == Ok("keep-me")),
        "--clear kept other environments"
    );
    assert!(
        !docs.iter().any(|d| d.get_str("id") == Ok("stale")),
        "--clear removed this environment's stale object"
    );
    let scanned = docs.len();

    // A scan that fails (wrong Keystone password) aborts and leaves every document in place.
    reimport_with(&db, &lab, "OpenStack", "pwd", "wrong-password");
    let out = scan(&db, "inventory", &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("ERROR: scan error: "), "{}", out.stderr);
    assert!(!out.stderr.contains("wrong-password"));
    assert_eq!(
        db.count("inventory"),
        scanned,
        "a failed scan deleted documents"
    );

    // --clear_all empties the inventory of every environment (after the environment is found).
    let out = scan(&db, "inventory", &["--clear_all", "--links_only"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        db.count("inventory"),
        scanned,
        "--links_only --clear_all clears links only"
    );
    let out = scan(&db, "inventory", &["--clear_all", "--inventory_only"]);
    assert_eq!(
        out.code, 1,
        "the scan itself fails on the wrong password: {}",
        out.stderr
    );
    assert!(
        !db.docs("inventory")
            .iter()
            .any(|d| d.get_str("id") == Ok("keep-me")),
        "--clear_all removed all"
    );
}

/// A host that refuses SSH: every SSH fetch fails and is recorded, the scan goes on with the API
/// and database objects, ends "errors detected", exits 0, and keeps what is already stored.
#[test]
fn refused_ssh_is_recorded_and_the_scan_goes_on() {
    let lab = Lab::start(&[]);
    let db = TestDb::new("scan_lab_ssh_refused");
    prepared(&db, &lab, "inventory");
    assert_eq!(scan(&db, "inventory", &["-l", "WARNING"]).code, 0);
    let before = db.count("inventory");

    reimport_with(&db, &lab, "CLI", "port", "1");

    let out = scan(&db, "inventory", &["--inventory_only"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("Scan completed, status: errors detected"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("cannot connect to"),
        "the SSH failure names the address: {}",
        out.stderr
    );
    let messages = db.docs("messages");
    assert!(
        messages.iter().any(|m| m.get_str("level") == Ok("error")
            && m.get_str("message").unwrap_or("").contains("ssh ")),
        "the SSH failure is in messages"
    );
    assert_eq!(
        db.count("inventory"),
        before,
        "documents of the earlier scan are kept"
    );
    check_against_model(&db.docs("inventory"), &lab);
}
