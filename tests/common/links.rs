//! Test helper: inventories, environments and link summaries for the link-finder tests.
//! Include with `#[path = "common/links.rs"] mod links;`.
#![allow(dead_code)]

use bson::{doc, Bson, Document};
pub use calipso::config::Environment;
pub use calipso::doc::json_to_bson;
#[allow(unused_imports)]
pub use calipso::links::finders::{derived_type, find_implicit_links, Finder};
#[allow(unused_imports)]
pub use calipso::links::{LinkError, Workspace};

pub fn fixture(path: &str) -> Document {
    let text = std::fs::read_to_string(format!("tests/fixtures/{path}")).unwrap();
    json_to_bson(&serde_json::from_str(&text).unwrap())
        .as_document()
        .unwrap()
        .clone()
}

pub fn golden_first(path: &str) -> Document {
    let d = fixture(&format!("expected/golden/{path}"));
    let result = d.get("result").unwrap();
    let first = match result {
        Bson::Array(a) => a[0].clone(),
        Bson::Document(r) => r.get_array("returned").unwrap()[0].clone(),
        _ => panic!("unexpected golden layout"),
    };
    first.as_document().unwrap().clone()
}

pub fn env_with(extra: Document) -> Environment {
    let mut d = doc! {"name": "E", "configuration": []};
    d.extend(extra);
    Environment::from_document(d).unwrap()
}

pub fn ovs() -> Environment {
    env_with(doc! {"mechanism_drivers": ["OVS"], "type_drivers": "vxlan"})
}

/// Link documents as the links phase holds them (serialized).
pub fn serialized(docs: &[Document]) -> Vec<bson::RawDocumentBuf> {
    docs.iter()
        .map(|d| bson::RawDocumentBuf::from_document(d).unwrap())
        .collect()
}

pub fn typed(t: &str, mut d: Document) -> Document {
    d.insert("type", t);
    d
}

/// Runs one finder; returns the links (without ObjectIds) in natural order.
pub fn run(
    env: &Environment,
    inventory: Vec<Document>,
    finder: Finder,
) -> (Vec<Document>, Workspace<'_>) {
    let mut ws = Workspace::new(env, serialized(&inventory), Vec::new());
    finder.run(&mut ws).unwrap();
    let links = ws.links.documents().into_iter().map(strip).collect();
    (links, ws)
}

pub fn strip(mut d: Document) -> Document {
    d.remove("source");
    d.remove("target");
    d
}

pub fn brief(links: &[Document]) -> Vec<(String, String, String, Bson)> {
    links
        .iter()
        .map(|l| {
            (
                l.get_str("link_type").unwrap().to_string(),
                l.get_str("source_id").unwrap().to_string(),
                l.get_str("target_id").unwrap().to_string(),
                l.get("link_name").cloned().unwrap(),
            )
        })
        .collect()
}

pub fn instance_inventory() -> Vec<Document> {
    let mut vnic = golden_first("cli/instance_vnics_ovs_lxb.json");
    vnic.insert("type", "vnic");
    vec![
        fixture("inventory/host_node-5_compute.json"),
        fixture("inventory/instance_bf0cb914.json"),
        vnic,
    ]
}
