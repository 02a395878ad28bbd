//! Clique-type scoring (§5), the constraint check (§6) and clique construction (§7) on
//! synthetic data. No database.

use bson::{doc, oid::ObjectId, Bson, Document, RawDocumentBuf};
use calipso::cliques::{build_all, build_clique, link_accepted, score, select, LinkIndex};
use calipso::config::Environment;

fn env() -> Environment {
    Environment::from_document(doc! {"name": "test-env", "environment_type": "OpenStack",
    "distribution": "Mirantis", "distribution_version": "9.0", "mechanism_drivers": ["OVS"],
    "type_drivers": "vxlan", "configuration": []})
    .unwrap()
}

#[test]
fn score_vectors_from_the_spec() {
    let e = env();
    let cases = [
        (doc! {"environment": "test-env"}, 64),
        (
            doc! {"environment_type": "OpenStack", "distribution": "Mirantis", "distribution_version": "9.0"},
            48,
        ),
        (
            doc! {"environment_type": "OpenStack", "distribution": "Mirantis"},
            32,
        ),
        (
            doc! {"environment_type": "OpenStack", "mechanism_drivers": "OVS"},
            8,
        ),
        (
            doc! {"environment_type": "OpenStack", "type_drivers": "vxlan"},
            4,
        ),
        (doc! {"environment": "ANY"}, 1),
        (
            doc! {"distribution": "Mirantis", "distribution_version": "9.0", "mechanism_drivers": "OVS", "type_drivers": "vxlan"},
            60,
        ),
        (
            doc! {"mechanism_drivers": "OVS", "type_drivers": "vxlan"},
            12,
        ),
        (doc! {"environment": "other"}, 0),
        (doc! {"distribution": "RDO"}, 0),
        (
            doc! {"distribution": "Mirantis", "distribution_version": "8.0"},
            0,
        ),
        (doc! {"mechanism_drivers": "VPP"}, 0),
        (doc! {"type_drivers": "vlan"}, 0),
        (doc! {"environment_type": "Kubernetes"}, 0),
        (doc! {"mechanism_drivers": ["OVS"]}, 0),
        (doc! {"environment": "", "focal_point_type": "instance"}, 2),
        (doc! {"environment": "test-env", "distribution": "RDO"}, 64),
        (doc! {"distribution_version": "1.0"}, 2),
    ];
    for (candidate, expected) in cases {
        assert_eq!(score(&candidate, &e), expected, "{candidate}");
    }
    // A missing environment field is a mismatch.
    let bare = Environment::from_document(doc! {"name": "b", "configuration": []}).unwrap();
    assert_eq!(score(&doc! {"type_drivers": "vxlan"}, &bare), 0);
    assert_eq!(score(&doc! {"environment_type": "OpenStack"}, &bare), 2);
}

#[test]
fn selection_per_focal_type_first_wins_ties_and_zero_is_dropped() {
    let types = vec![
        doc! {"name": "a", "environment": "ANY", "focal_point_type": "instance"},
        doc! {"name": "b", "environment": "nope", "focal_point_type": "switch"},
        doc! {"name": "c", "distribution": "Mirantis", "focal_point_type": "instance"},
        doc! {"name": "d", "environment": "ANY", "focal_point_type": "network"},
        doc! {"name": "e", "distribution": "Mirantis", "focal_point_type": "instance"},
    ];
    let chosen: Vec<(String, String, u32)> = select(&types, &env())
        .into_iter()
        .map(|s| {
            (
                s.focal_point_type,
                s.clique_type.get_str("name").unwrap().to_string(),
                s.score,
            )
        })
        .collect();
    assert_eq!(
        chosen,
        vec![
            ("instance".into(), "c".into(), 32),
            ("network".into(), "d".into(), 1)
        ]
    );
}

#[test]
fn constraint_check() {
    let k = doc! {"network": ["n1", "n2"]};
    assert!(link_accepted(&k, &raw(doc! {"link_type": "x"})));
    assert!(link_accepted(
        &k,
        &raw(doc! {"attributes": {"network": "n2"}})
    ));
    assert!(!link_accepted(
        &k,
        &raw(doc! {"attributes": {"network": "n3"}})
    ));
    assert!(link_accepted(&k, &raw(doc! {"attributes": {"other": 1}})));
    assert!(link_accepted(
        &doc! {"network": "n1"},
        &raw(doc! {"attributes": {"network": "n1"}})
    ));
    assert!(!link_accepted(
        &doc! {"network": Bson::Null},
        &raw(doc! {"attributes": {"network": "n1"}})
    ));
}

fn raw(d: Document) -> RawDocumentBuf {
    RawDocumentBuf::from_document(&d).unwrap()
}

/// Objects with ObjectIds, and links between them.
struct World {
    ids: std::collections::HashMap<&'static str, ObjectId>,
    links: Vec<RawDocumentBuf>,
}

impl World {
    fn new(names: &[&'static str]) -> World {
        World {
            ids: names.iter().map(|n| (*n, ObjectId::new())).collect(),
            links: Vec::new(),
        }
    }

    fn link(
        &mut self,
        t: &str,
        s: &'static str,
        d: &'static str,
        network: Option<&str>,
        implicit: bool,
    ) {
        let mut l = doc! {"_id": ObjectId::new(), "environment": "test-env", "link_type": t,
        "source": self.ids[s], "source_id": s, "target": self.ids[d], "target_id": d,
        "state": "up", "implicit": implicit};
        if let Some(n) = network {
            l.insert("attributes", doc! {"network": n});
        }
        self.links.push(raw(l));
    }

    fn object(&self, name: &'static str, t: &str, extra: Document) -> Document {
        let mut d = doc! {"_id": self.ids[name], "environment": "test-env", "id": name, "type": t};
        d.extend(extra);
        d
    }
}

fn link_types(clique: &Document) -> Vec<String> {
    clique
        .get_array("links_detailed")
        .unwrap()
        .iter()
        .map(|l| {
            let l = l.as_document().unwrap();
            format!(
                "{}:{}>{}",
                l.get_str("link_type").unwrap(),
                l.get_str("source_id").unwrap(),
                l.get_str("target_id").unwrap()
            )
        })
        .collect()
}

#[test]
fn instance_clique_stops_at_the_first_empty_step_and_respects_constraints() {
    let mut w = World::new(&["i", "v", "v2", "c", "e", "o", "p", "n"]);
    w.link("instance-vnic", "i", "v", Some("n1"), false);
    w.link("instance-vnic", "i", "v2", Some("n9"), false);
    w.link("vnic-vconnector", "v", "c", Some("n1"), false);
    w.link("vconnector-vedge", "c", "e", Some("n1"), false);
    w.link("vedge-otep", "e", "o", None, false);
    w.link("vconnector-host_pnic", "c", "p", None, false);
    w.link("host_pnic-network", "p", "n", Some("n1"), false);
    let focal = w.object("i", "instance", doc! {"network": ["n1"]});
    let ct = doc! {"_id": ObjectId::new(), "focal_point_type": "instance", "link_types": ["instance-vnic", "vnic-vconnector",
    "vconnector-vedge", "vedge-otep", "otep-vconnector", "vconnector-host_pnic", "host_pnic-network"]};
    let index = LinkIndex::new(&w.links);
    let clique = build_clique("test-env", &focal, &ct, &["network".to_string()], &index).unwrap();
    assert_eq!(
        link_types(&clique),
        [
            "instance-vnic:i>v",
            "vnic-vconnector:v>c",
            "vconnector-vedge:c>e",
            "vedge-otep:e>o"
        ]
    );
    assert_eq!(
        clique.get_document("constraints").unwrap(),
        &doc! {"network": ["n1"]}
    );
    assert_eq!(clique.get("clique_type"), ct.get("_id"));
    assert_eq!(clique.get("focal_point"), focal.get("_id"));
    assert_eq!(clique.get_array("links").unwrap().len(), 4);
    assert_eq!(clique.get_str("focal_point_type").unwrap(), "instance");
}

#[test]
fn network_clique_walks_stored_links_backwards() {
    let mut w = World::new(&["n", "p", "c", "v", "i"]);
    w.link("host_pnic-network", "p", "n", Some("n1"), false);
    w.link("vconnector-host_pnic", "c", "p", None, false);
    w.link("vnic-vconnector", "v", "c", Some("n1"), false);
    w.link("instance-vnic", "i", "v", Some("n1"), false);
    let focal = w.object("n", "network", doc! {"network": "n1"});
    let ct = doc! {"focal_point_type": "network", "link_types": ["network-host_pnic", "host_pnic-vconnector",
    "vconnector-vnic", "vnic-instance"]};
    let index = LinkIndex::new(&w.links);
    let clique = build_clique("test-env", &focal, &ct, &["network".to_string()], &index).unwrap();
    assert_eq!(
        link_types(&clique),
        [
            "host_pnic-network:p>n",
            "vconnector-host_pnic:c>p",
            "vnic-vconnector:v>c",
            "instance-vnic:i>v"
        ]
    );
    assert_eq!(
        clique.get_document("constraints").unwrap(),
        &doc! {"network": "n1"}
    );
}

#[test]
fn implicit_links_only_when_the_type_allows_and_no_links_means_no_clique() {
    let mut w = World::new(&["i", "n"]);
    w.link("instance-network", "i", "n", Some("n1"), true);
    let focal = w.object("i", "instance", doc! {"network": ["n1"]});
    let index = LinkIndex::new(&w.links);
    let plain = doc! {"focal_point_type": "instance", "link_types": ["instance-network"]};
    assert!(build_clique("test-env", &focal, &plain, &[], &index).is_none());
    let mut with = plain.clone();
    with.insert("use_implicit_links", true);
    let clique = build_clique("test-env", &focal, &with, &[], &index).unwrap();
    assert_eq!(link_types(&clique), ["instance-network:i>n"]);
    assert_eq!(clique.get_document("constraints").unwrap(), &doc! {});
}

#[test]
fn build_all_uses_the_selected_type_and_first_constraints_document() {
    let mut w = World::new(&["i", "v"]);
    w.link("instance-vnic", "i", "v", Some("n2"), false);
    let focal_points = vec![
        w.object("i", "instance", doc! {"network": ["n1"]}),
        w.object("v", "vnic", doc! {}),
    ];
    let types = vec![
        doc! {"environment": "ANY", "focal_point_type": "instance", "link_types": ["instance-vnic"]},
        doc! {"environment": "ANY", "focal_point_type": "switch_pnic", "link_types": ["switch_pnic-switch-pnic"]},
        doc! {"environment": "elsewhere", "focal_point_type": "host", "link_types": ["host-x"]},
    ];
    let e = env();
    let selections = select(&types, &e);
    // The first constraints document says "other", so the link's network does not matter.
    let constraints = vec![
        doc! {"focal_point_type": "instance", "constraints": ["other"]},
        doc! {"focal_point_type": "instance", "constraints": ["network"]},
    ];
    let (cliques, summary) = build_all(
        &e,
        &selections,
        &types,
        &constraints,
        &focal_points,
        &w.links,
    );
    assert_eq!(cliques.len(), 1);
    assert_eq!(
        cliques[0]
            .to_document()
            .unwrap()
            .get_document("constraints")
            .unwrap(),
        &doc! {"other": Bson::Null}
    );
    assert_eq!(summary.cliques_per_type["instance"], 1);
    assert_eq!(summary.cliques_per_type["switch_pnic"], 0);
    assert_eq!(summary.unmatched_types, ["host"]);
}
