//! Every parser of the host-level fetchers fed garbled command outputs: real fixture outputs
//! cut short, with lines dropped, repeated or swapped, with stray characters, and plain noise
//! (random text, random bytes read as lossy UTF-8). A parser may return less, or an error
//! naming what is wrong, but must never panic. Seeded, so a failure names a reproducible case.

use bson::doc;
use calipso::access::cli::parse::{merge_spillover, parse_whitespace_table, split_output_lines};
use calipso::doc::Object;
use calipso::fetchers::cli::{
    bond_host_pnics as bond, host_pnics, host_pnics_vpp, host_vservices, instance_vnics, oteps_lxb,
    vconnectors_ovs, vconnectors_vpp, vservice_vnics, xml,
};
use calipso::fetchers::db::{oteps, vedges_ovs, vedges_vpp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CASES_PER_SOURCE: usize = 100;
const NOISE: &[char] = &[
    ' ', ' ', '\t', '\n', '\n', '\r', ':', '<', '>', '/', '"', '\'', '[', ']', '=', '@', '-', '.',
    ',', '0', '1', '9', 'a', 'f', 'x', 'é', '\u{0}', '\u{feff}', '¤', '\\',
];

fn fixture_texts() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in ["cli", "illustrative/cli"] {
        let path = format!("{}/tests/fixtures/{dir}", env!("CARGO_MANIFEST_DIR"));
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for entry in entries.flatten() {
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                out.push((entry.file_name().to_string_lossy().into_owned(), text));
            }
        }
    }
    out.sort();
    assert!(out.len() > 10, "fixtures found: {}", out.len());
    out
}

fn noise(rng: &mut ChaCha8Rng, len: usize) -> String {
    (0..len)
        .map(|_| NOISE[rng.gen_range(0..NOISE.len())])
        .collect()
}

/// One garbled variant of `text`.
fn garble(rng: &mut ChaCha8Rng, text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    match rng.gen_range(0..6) {
        // Cut short anywhere.
        0 => chars[..rng.gen_range(0..=chars.len())].iter().collect(),
        // Lines dropped, repeated, swapped.
        1 => {
            let mut lines: Vec<&str> = text.lines().collect();
            for _ in 0..rng.gen_range(1..6) {
                if lines.is_empty() {
                    break;
                }
                let i = rng.gen_range(0..lines.len());
                match rng.gen_range(0..3) {
                    0 => {
                        lines.remove(i);
                    }
                    1 => lines.insert(i, lines[i]),
                    _ => {
                        let j = rng.gen_range(0..lines.len());
                        lines.swap(i, j);
                    }
                }
            }
            lines.join("\n")
        }
        // Stray characters inserted.
        2 => {
            let mut out = chars.clone();
            for _ in 0..rng.gen_range(1..20) {
                let at = rng.gen_range(0..=out.len());
                out.insert(at, NOISE[rng.gen_range(0..NOISE.len())]);
            }
            out.into_iter().collect()
        }
        // Each line cut at a random place.
        3 => text
            .lines()
            .map(|l| {
                let c: Vec<char> = l.chars().collect();
                c[..rng.gen_range(0..=c.len())].iter().collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n"),
        4 => {
            let len = rng.gen_range(0..400);
            noise(rng, len)
        }
        _ => {
            let bytes: Vec<u8> = (0..rng.gen_range(0..400)).map(|_| rng.gen()).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }
}

/// Runs every parser on `text` (as whole output and as lines).
fn run_all_parsers(text: &str, uuid: &str) {
    let lines = split_output_lines(text);
    let _ = parse_whitespace_table(&lines, &["a", "b", "c"]);
    let _ = merge_spillover(&lines);

    // pNICs and bonds
    let _ = host_pnics::nic_names(&lines);
    let mut pnic = host_pnics::parse_ip_address("h", "eth0", &lines);
    host_pnics::add_ethtool(&mut pnic, &lines);
    let _ = host_pnics::ethtool_name(text);
    let _ = bond::bond_names(&lines);
    let mut b = bond::parse_bond("h", "bond0", &lines, &lines);
    for member in bond::member_names(&b) {
        let _ = bond::link_member(&mut b, &member, &pnic);
    }
    let _ = host_pnics_vpp::pnic_from_port("h", doc! {"name": "G0", "id": "1"}, &lines);

    // vServices and their vNICs
    for ns in host_vservices::vservice_namespaces(&lines) {
        let _ = host_vservices::split_namespace(&ns);
        let _ = host_vservices::vservice("h", &ns, &[], None);
    }
    let _ = vservice_vnics::namespaces(&lines);
    let _ = vservice_vnics::parse_vnics("h", "qdhcp-1", &lines);

    // Instance vNICs
    let _ = instance_vnics::domain_ids(&lines);
    let instance: Object = doc! {"id": uuid, "uuid": uuid, "name": "vm", "host": "h"};
    for naming in [
        instance_vnics::VnicNaming::TargetDevice,
        instance_vnics::VnicNaming::Vpp,
    ] {
        let _ = instance_vnics::vnics_from_dumpxml(text, &instance, "h", naming);
    }
    let _ = xml::xml_to_doc(text);

    // vConnectors
    let port = doc! {"id": "p1", "type": "port", "binding:host_id": "h", "mac_address": "fa:16:3e:00:00:01"};
    if let Ok(vconnectors) = vconnectors_ovs::parse_brctl("h", &lines, &[port]) {
        for v in &vconnectors {
            if let Some((ip, tunnel_type)) = oteps_lxb::tunnel_config(v) {
                for i in oteps_lxb::tunnel_interfaces(v, &tunnel_type) {
                    let _ = oteps_lxb::build_otep(i, v, &ip, &tunnel_type, &lines, &lines, &[]);
                }
            }
        }
    }
    let vconnector = doc! {
        "host": "h",
        "configurations": {"tunneling_ip": "10.0.0.1", "tunnel_types": ["vxlan"]},
        "interfaces": {"vxlan-5": {"name": "vxlan-5"}},
    };
    for i in oteps_lxb::tunnel_interfaces(&vconnector, "vxlan") {
        let _ = oteps_lxb::build_otep(i, &vconnector, "10.0.0.1", "vxlan", &lines, &lines, &[]);
    }
    let bridges = vconnectors_vpp::l2_bridges(&lines);
    let mut vpp = vconnectors_vpp::bridge_domains("h", &bridges);
    for (bd, name) in &bridges {
        if let Some(interface) = vconnectors_vpp::parse_hardware_interface(&lines) {
            vconnectors_vpp::add_interface(&mut vpp, bd, name, interface);
        }
    }

    // vEdges and OTEPs
    let mut ports = vedges_ovs::dpctl_ports(&lines);
    vedges_ovs::add_tags(&mut ports, &lines);
    let _ = vedges_ovs::tunnel_ports(&lines);
    let row = doc! {"host": "h", "agent_type": "Open vSwitch agent", "configurations": "{\"tunneling_ip\": \"192.168.2.3\"}"};
    let _ = vedges_ovs::vedge("h", row, &lines, &lines);
    for mirantis in [false, true] {
        let _ = vedges_ovs::bridge_interfaces("br-ex", &lines, mirantis);
    }
    let _ = vedges_vpp::vedge("h", vedges_vpp::binary(&lines), vedges_vpp::ports(&lines));
    let _ = oteps::vconnector_of("h", "192.168.2.3", &lines);
}

fn check(source: &str, case: usize, text: &str, uuid: &str) {
    let outcome = std::panic::catch_unwind(|| run_all_parsers(text, uuid));
    assert!(
        outcome.is_ok(),
        "a parser panicked on case {case} of {source}: {text:?}"
    );
}

#[test]
fn no_parser_panics_on_garbled_outputs() {
    let uuid_re = regex::Regex::new(r"<uuid>([^<]+)</uuid>").unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(20261125);
    let mut checked = 0;
    for (name, text) in fixture_texts() {
        let uuid = uuid_re
            .captures(&text)
            .map_or("none".to_string(), |c| c[1].to_string());
        check(&name, 0, &text, &uuid);
        for case in 1..=CASES_PER_SOURCE {
            check(&name, case, &garble(&mut rng, &text), &uuid);
            checked += 1;
        }
    }
    assert!(checked > 400);
}

#[test]
fn edge_inputs() {
    let deep = "<a>".repeat(100_000);
    for text in [
        "",
        "\n",
        "\\n",
        "\r\r\r",
        ":",
        "1:",
        "1: :",
        "<",
        "<domain",
        "<domain><uuid>u</uuid><devices><interface type='bridge'><mac",
        deep.as_str(),
        "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n\tq\n",
        "    Bridge br-tun\n        Port",
    ] {
        check("edge", 0, text, "u");
    }
    let err = xml::xml_to_doc(&deep).unwrap_err();
    assert!(err.contains("nested deeper than 100"), "{err}");
}
