//! A full scan of a lab with its simulated APIC (`calipso-lab up --aci`, `aci_enabled`): the
//! leaf ports of the hosts' pNICs, the leaf and spine switches and the leaf-to-spine links are
//! checked against the lab's fabric, and the links built from them.

#[path = "common/lab.rs"]
mod lab;
#[path = "common/mongo.rs"]
mod mongo;
#[path = "common/scan.rs"]
mod scan;

use bson::Document;
use calipso::lab::aci::fabric;
use lab::Lab;
use mongo::TestDb;
use scan::{prepare, reimport_with, scan};
use std::collections::{BTreeMap, BTreeSet};

fn by_id<'a>(docs: &'a [Document], object_type: &str) -> BTreeMap<String, &'a Document> {
    docs.iter()
        .filter(|d| d.get_str("type") == Ok(object_type))
        .map(|d| (d.get_str("id").unwrap().to_string(), d))
        .collect()
}

fn leaf_switch(leaf: u32) -> String {
    format!("switch-pod-1__node-{leaf}-leaf")
}

fn port_id(port: &str) -> String {
    port.replace('/', "__")
}

#[test]
fn aci_scan_matches_the_fabric() {
    let lab = Lab::start(&["--aci"]);
    assert_eq!(lab.env["aci_enabled"], true);
    let db = TestDb::new("scan_lab_aci");
    prepare(&db, &lab, "inventory");
    let out = scan(&db, "inventory", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("Scan completed, status: ok"),
        "{}",
        out.stderr
    );
    let password = lab.conf("ACI", "pwd");
    assert!(!out.stderr.contains(&password));

    let fabric = fabric::build(&lab.model);
    let docs = db.docs("inventory");
    let switch_pnics = by_id(&docs, "switch_pnic");
    let switches = by_id(&docs, "switch");
    let host_pnics = by_id(&docs, "host_pnic");

    // Hostlinks: every NIC the leaf learned on an Ethernet port (not the bond members, learned
    // on a port channel).
    let mut expected_pnics = BTreeSet::new();
    let mut used_leaves = BTreeSet::new();
    for p in fabric
        .host_ports
        .iter()
        .filter(|p| p.learned_on.starts_with("eth"))
    {
        let switch = leaf_switch(p.leaf);
        let id = format!("{switch}-{}-{}", port_id(&p.port), p.mac);
        let doc = switch_pnics
            .get(&id)
            .unwrap_or_else(|| panic!("no switch pNIC {id} for {} {}", p.host, p.nic));
        assert_eq!(doc.get_str("role").unwrap(), "hostlink");
        assert_eq!(doc.get_str("object_name").unwrap(), p.port);
        assert_eq!(doc.get_str("parent_id").unwrap(), switch);
        assert_eq!(doc.get_str("mac_address").unwrap(), p.mac);
        let endpoint = &doc.get_array("fvCEp").unwrap()[0];
        let endpoint = endpoint.as_document().unwrap();
        assert_eq!(
            endpoint.get_str("ip").unwrap(),
            p.ip.as_deref().unwrap_or("0.0.0.0")
        );
        assert!(host_pnics
            .values()
            .any(|h| h.get_str("mac_address") == Ok(p.mac.as_str())
                && h.get_str("host") == Ok(p.host.as_str())));
        expected_pnics.insert(id);
        used_leaves.insert(p.leaf);
    }
    assert!(fabric
        .host_ports
        .iter()
        .any(|p| p.learned_on.starts_with("po")));

    // Leaf and spine switches, under the region.
    let mut expected_switches = BTreeSet::new();
    for leaf in fabric.leaves.iter().filter(|l| used_leaves.contains(&l.id)) {
        let id = leaf_switch(leaf.id);
        let doc = switches[&id];
        assert_eq!(doc.get_str("ip_address").unwrap(), leaf.address);
        assert_eq!(doc.get_str("parent_id").unwrap(), lab.model.region);
        assert_eq!(doc.get_str("parent_type").unwrap(), "region");
        let aci = doc.get_document("aci_document").unwrap();
        assert_eq!(aci.get_str("name").unwrap(), leaf.name);
        expected_switches.insert(id);
    }
    for spine in &fabric.spines {
        let id = format!("switch-pod-1__node-{}-spine", spine.id);
        assert_eq!(
            switches[&id].get_str("parent_id").unwrap(),
            lab.model.region
        );
        assert!(switches[&id].get("ip_address").is_none());
        expected_switches.insert(id);
    }
    assert_eq!(
        switches.keys().cloned().collect::<BTreeSet<_>>(),
        expected_switches
    );

    // Leaf uplinks and spine downlinks, connected to each other.
    let mut uplinks = 0;
    for u in fabric
        .uplinks
        .iter()
        .filter(|u| used_leaves.contains(&u.leaf))
    {
        let up = format!("{}-{}", leaf_switch(u.leaf), port_id(&u.leaf_port));
        let down = format!(
            "switch-pod-1__node-{}-spine-{}",
            u.spine,
            port_id(&u.spine_port)
        );
        assert_eq!(switch_pnics[&up].get_str("role").unwrap(), "uplink");
        assert_eq!(switch_pnics[&up].get_str("connected_to").unwrap(), down);
        assert_eq!(switch_pnics[&down].get_str("role").unwrap(), "downlink");
        assert_eq!(switch_pnics[&down].get_str("connected_to").unwrap(), up);
        expected_pnics.extend([up, down]);
        uplinks += 1;
    }
    assert_eq!(
        switch_pnics.keys().cloned().collect::<BTreeSet<_>>(),
        expected_pnics
    );

    // Links built from them.
    // (Implicit links, made later from chains of these, are left out.)
    let links: Vec<Document> = db
        .docs("links")
        .into_iter()
        .filter(|l| l.get_bool("implicit") != Ok(true))
        .collect();
    let count = |t: &str| {
        links
            .iter()
            .filter(|l| l.get_str("link_type") == Ok(t))
            .count()
    };
    let hostlinks = switch_pnics
        .values()
        .filter(|p| p.get_str("role") == Ok("hostlink"))
        .count();
    assert_eq!(count("host_pnic-switch_pnic"), hostlinks);
    assert_eq!(count("switch-switch_pnic"), switch_pnics.len());
    assert_eq!(count("switch_pnic-switch_pnic"), uplinks);

    // `calipso test-conn` logs in to the same APIC.
    let env_file = lab.path().join("environment.json");
    let out = scan::calipso(&[
        "test-conn",
        "-t",
        "ACI",
        "--config",
        env_file.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("ACI         ok"), "{}", out.stdout);

    // A wrong APIC password is a scan error naming the APIC, without the password.
    reimport_with(&db, &lab, "ACI", "pwd", "not-the-password");
    let out = scan(&db, "inventory", &["--inventory_only"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("aaaLogin: HTTP 401 Unauthorized: Username or password is incorrect"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("not-the-password"));
}
