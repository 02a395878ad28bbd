//! The ACI fetchers' parse functions on the APIC answers of fixtures/aci, against the
//! original's outputs (expected/golden/aci).

use calipso::access::aci::{decode_dn, encode_dn, objects_of_class, token_of};
use calipso::doc::doc_to_json;
use calipso::fetchers::aci::leaf_to_spine::{bracketed, leaf_of, spine_links};
use calipso::fetchers::aci::switch_pnic::{
    client_endpoints, leaf_id, mac_filter, switch_id, switch_pnic,
};
use calipso::fetchers::aci::{answer_attributes, attributes, switch_document};
use pretty_assertions::assert_eq;
use serde_json::{json, Value};

fn fixture(path: &str) -> Value {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&full).unwrap()).unwrap()
}

#[test]
fn switch_pnic_of_host_pnic_ens192() {
    let golden = fixture("expected/golden/aci/switch_pnic_for_host_pnic_ens192.json");
    let mac = "00:50:56:99:5d:70";
    let query = &golden["https_calls"][1]["params"]["query-target-filter"];
    assert_eq!(json!(mac_filter(mac)), *query);

    let found = objects_of_class(&fixture("aci/class_epmMacEp_response.json"), "epmMacEp");
    let leaf_pnic = attributes(&found).remove(0);
    let leaf = leaf_id(leaf_pnic["dn"].as_str().unwrap()).unwrap();
    assert_eq!(leaf, "pod-1/node-103");
    let system = answer_attributes(
        &fixture("aci/mo_topology_pod-1_node-103_sys_response.json"),
        "topSystem",
    );
    let switch = switch_id(&leaf, system[0]["role"].as_str().unwrap());
    assert_eq!(
        doc_to_json(&switch_document(&switch, &system[0], true)),
        golden["switches_saved"][0]["object"]
    );
    let endpoints = objects_of_class(&fixture("aci/class_fvCEp_response.json"), "fvCEp");
    let pnic = switch_pnic(&switch, &leaf_pnic, mac, client_endpoints(&endpoints));
    assert_eq!(doc_to_json(&pnic), golden["result"][0]);

    assert!(leaf_id("uni/tn-x/cep-1")
        .unwrap_err()
        .to_string()
        .contains("uni/tn-x/cep-1"));
}

#[test]
fn leaf_to_spine_pnics() {
    let golden = fixture("expected/golden/aci/leaf_to_spine_pnics.json");
    let leaf = leaf_of("switch-pod-1__node-103-leaf-eth1__33-00:50:56:99:5d:70").unwrap();
    assert_eq!(leaf, "pod-1/node-103");
    let spines = attributes(&objects_of_class(
        &fixture("aci/class_fabricNode_spine_response.json"),
        "fabricNode",
    ));
    let lldp = answer_attributes(
        &fixture("aci/mo_topology_pod-1_node-103_sys_lldpAdjEp_response.json"),
        "lldpAdjEp",
    );
    let links = spine_links(&leaf, &spines, &lldp);
    assert_eq!(links.len(), 1, "Spine-202 is no neighbour of leaf 103");
    let (spine, pnics) = &links[0];
    assert_eq!(doc_to_json(spine), golden["switches_saved"][0]["object"]);
    let result: Vec<Value> = pnics.iter().map(doc_to_json).collect();
    assert_eq!(Value::Array(result), golden["result"]);
    assert!(spine_links(&leaf, &spines, &[]).is_empty());
    assert_eq!(
        answer_attributes(&fixture("aci/empty_response.json"), "lldpAdjEp"),
        Vec::<Value>::new()
    );
}

#[test]
fn helpers() {
    assert_eq!(encode_dn("topology/pod-1/node-103"), "pod-1__node-103");
    assert_eq!(decode_dn("pod-1__node-103"), "pod-1/node-103");
    assert_eq!(
        bracketed("topology/pod-1/paths-201/pathep-[eth1/3]"),
        Some("eth1/3")
    );
    assert_eq!(bracketed("no brackets"), None);
    assert_eq!(leaf_of("switch-pod-1__node-201-spine-eth1__3"), None);
    let token = token_of(&fixture("aci/aaaLogin_response.json")).unwrap();
    assert!(token.expose().starts_with("gewAAAA"));
}
