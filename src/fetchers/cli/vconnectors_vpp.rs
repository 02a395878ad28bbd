//! CliFetchVconnectorsVpp (fetchers.md §3.13): VPP bridge domains from `vppctl show mode`.

use super::common::{find_host, run_all_lines, run_lines};
use crate::doc::Object;
use crate::fetchers::{host_of_folder, FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::{Bson, Document};

pub struct CliFetchVconnectorsVpp;

/// (interface, bridge-domain id) of every `l2 bridge <if> bd_id <n> ...` line.
pub fn l2_bridges(lines: &[String]) -> Vec<(String, String)> {
    lines
        .iter()
        .filter(|l| l.starts_with("l2 bridge"))
        .filter_map(|l| {
            let tokens: Vec<&str> = l.split(' ').collect();
            Some((tokens.get(2)?.to_string(), tokens.get(4)?.to_string()))
        })
        .collect()
}

/// The interface described by `vppctl show hardware-int <if>` (header line dropped), or
/// `None` when the output holds no interface line.
pub fn parse_hardware_interface(lines: &[String]) -> Option<Object> {
    let mut interface: Option<Object> = None;
    for line in lines.iter().skip(1) {
        if !line.is_empty() && !line.starts_with(char::is_whitespace) {
            let t: Vec<&str> = line.split_whitespace().collect();
            let mut obj = Object::new();
            for (key, i) in [("name", 0), ("id", 1), ("state", 2), ("hardware", 3)] {
                if let Some(v) = t.get(i) {
                    obj.insert(key, *v);
                }
            }
            interface = Some(obj);
        } else if line.starts_with("  Ethernet address ") {
            if let (Some(obj), Some(mac)) = (interface.as_mut(), line.split_whitespace().last()) {
                obj.insert("mac_address", mac);
            }
        }
    }
    interface
}

/// One vConnector per bridge domain, in order of first appearance, with no interfaces yet.
pub fn bridge_domains(host: &str, bridges: &[(String, String)]) -> Vec<Object> {
    let mut out: Vec<Object> = Vec::new();
    for (_, bd) in bridges {
        if out.iter().any(|v| v.get_str("bd_id") == Ok(bd.as_str())) {
            continue;
        }
        let mut v = Object::new();
        v.insert("host", host);
        v.insert("id", format!("{host}-vconnector-{bd}"));
        v.insert("bd_id", bd);
        v.insert("name", format!("bridge-domain-{bd}"));
        v.insert("interfaces", Document::new());
        v.insert("interfaces_names", Vec::<Bson>::new());
        out.push(v);
    }
    out
}

/// Adds an interface to the vConnector of bridge domain `bd`.
pub fn add_interface(vconnectors: &mut [Object], bd: &str, name: &str, interface: Object) {
    let Some(v) = vconnectors
        .iter_mut()
        .find(|v| v.get_str("bd_id") == Ok(bd))
    else {
        return;
    };
    if let Ok(interfaces) = v.get_document_mut("interfaces") {
        interfaces.insert(name, interface);
    }
    if let Ok(names) = v.get_array_mut("interfaces_names") {
        names.push(Bson::String(name.to_string()));
    }
}

#[async_trait]
impl Fetcher for CliFetchVconnectorsVpp {
    async fn get(&self, folder_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let host = host_of_folder(folder_id);
        match find_host(ctx, host).await? {
            Some(doc) if doc.contains_key("host_type") => {}
            _ => return Ok(Vec::new()),
        }
        let bridges = l2_bridges(&run_lines(ctx, "vppctl show mode", host).await?);
        let mut vconnectors = bridge_domains(host, &bridges);
        let cmds: Vec<String> = bridges
            .iter()
            .map(|(interface, _)| format!("vppctl show hardware-int {interface}"))
            .collect();
        let outputs = run_all_lines(ctx, &cmds, host).await?;
        for ((interface, bd), lines) in bridges.iter().zip(outputs) {
            match parse_hardware_interface(&lines) {
                Some(found) => add_interface(&mut vconnectors, bd, interface, found),
                // Output without an interface line (VPP's error for a sub-interface): the
                // interface is still a member of the bridge domain (fetchers.md §3.13).
                None if !lines.is_empty() => {
                    add_interface(&mut vconnectors, bd, interface, Object::new())
                }
                None => {}
            }
        }
        Ok(vconnectors)
    }
}
