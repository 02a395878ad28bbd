//! DbFetchVedgesOvs (fetchers.md §3.14): the Open vSwitch agent of a host with its datapath
//! ports (`ovs-dpctl show`), VLAN tags and tunnel ports (`ovs-vsctl show`).

use crate::doc::{str_field, Object};
use crate::fetchers::cli::common::{
    find_on_host, host_with_type, indentation, parse_json_column, run_lines,
};
use crate::fetchers::{host_of_folder, FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::{Bson, Document};
use once_cell::sync::Lazy;
use regex::Regex;

pub struct DbFetchVedgesOvs;

pub const OVS_AGENTS: &str =
    "SELECT * FROM {neutron}.agents WHERE host = %s AND agent_type = 'Open vSwitch agent'";

static DP_PORT: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^\s*port (\d+): ([^(]+)( \(internal\))?$").expect("regex"));

/// Datapath ports of `ovs-dpctl show` keyed by name; ports with another annotation than
/// `(internal)` (tunnels) are ignored.
pub fn dpctl_ports(lines: &[String]) -> Document {
    let mut ports = Document::new();
    for c in lines.iter().filter_map(|l| DP_PORT.captures(l)) {
        let name = c[2].to_string();
        let mut port = Document::new();
        port.insert("internal", c.get(3).is_some());
        port.insert("id", &c[1]);
        port.insert("name", &name);
        ports.insert(name, port);
    }
    ports
}

/// `tag` of the ports known from dpctl, from `ovs-vsctl show`.
pub fn add_tags(ports: &mut Document, vsctl: &[String]) {
    let mut current: Option<String> = None;
    for line in vsctl {
        if let Some(name) = line.strip_prefix("        Port ") {
            current = Some(name.trim().trim_matches('"').to_string());
        } else if let Some(tag) = line.strip_prefix("            tag: ") {
            if let Some(port) = current
                .as_ref()
                .and_then(|n| ports.get_document_mut(n).ok())
            {
                port.insert("tag", tag.trim());
            }
        }
    }
}

/// Tunnel ports of the `Bridge br-tun` section: `None` when there is no such section.
pub fn tunnel_ports(vsctl: &[String]) -> Option<Document> {
    let start = vsctl.iter().position(|l| l == "    Bridge br-tun")?;
    let mut ports = Document::new();
    let mut current: Option<String> = None;
    for line in vsctl[start + 1..]
        .iter()
        .take_while(|l| indentation(l) >= 5)
    {
        if let Some(name) = line.strip_prefix("        Port ") {
            let name = name.trim().trim_matches('"').to_string();
            ports.insert(&name, bson::doc! {"name": &name});
            current = Some(name);
            continue;
        }
        let Some(port) = current
            .as_ref()
            .and_then(|n| ports.get_document_mut(n).ok())
        else {
            continue;
        };
        if let Some(name) = line.strip_prefix("            Interface ") {
            port.insert("interface", name.trim().trim_matches('"'));
        } else if indentation(line) == 16 {
            if let Some((key, value)) = line.trim().split_once(": ") {
                let value = if key == "options" {
                    Bson::Document(parse_options(value))
                } else {
                    Bson::String(value.to_string())
                };
                port.insert(key, value);
            }
        }
    }
    Some(ports)
}

/// `{a=b, c="d"}` → `{a: "b", c: "d"}`.
fn parse_options(text: &str) -> Document {
    text.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .split(", ")
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_string(),
                Bson::String(v.trim().trim_matches('"').to_string()),
            )
        })
        .collect()
}

/// The vEdge of one agent row (before the VLAN `pnic` step).
pub fn vedge(
    host: &str,
    mut row: Object,
    dpctl: &[String],
    vsctl: &[String],
) -> Result<Object, FetchError> {
    if let Some(conf) = row.get("configurations") {
        let parsed = parse_json_column(conf, &format!("OVS agent configurations of {host}"))?;
        row.insert("configurations", parsed);
    }
    let mut ports = dpctl_ports(dpctl);
    add_tags(&mut ports, vsctl);
    let tunneling_ip = tunneling_ip(&row);
    let tunnels = match tunneling_ip {
        Some(ip)
            if !ip.is_empty() && str_field(&row, "agent_type") == Some("Open vSwitch agent") =>
        {
            // Quirk Q13: no br-tun section gives a list, not a map
            tunnel_ports(vsctl).map_or(Bson::Array(Vec::new()), Bson::Document)
        }
        _ => Bson::Document(Document::new()),
    };
    row.insert("name", format!("{host}-OVS"));
    row.insert("ports", ports);
    row.insert("tunnel_ports", tunnels);
    Ok(row)
}

fn tunneling_ip(row: &Object) -> Option<String> {
    row.get_document("configurations")
        .ok()
        .and_then(|c| c.get("tunneling_ip"))
        .map(|v| v.as_str().unwrap_or("").to_string())
}

/// Bridges of `configurations.bridge_mappings`.
pub fn mapped_bridges(row: &Object) -> Vec<String> {
    row.get_document("configurations")
        .ok()
        .and_then(|c| c.get_document("bridge_mappings").ok())
        .map(|m| {
            m.values()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Interface names of `ovs-vsctl list-ifaces <bridge>`; on Mirantis 6.0–8.0 only the
/// `<bridge>--br-<name>` lines count.
pub fn bridge_interfaces(bridge: &str, lines: &[String], mirantis_naming: bool) -> Vec<String> {
    if mirantis_naming {
        let prefix = format!("{bridge}--br-");
        lines
            .iter()
            .filter_map(|l| l.strip_prefix(&prefix).map(String::from))
            .collect()
    } else {
        lines.iter().map(|l| l.trim().to_string()).collect()
    }
}

fn mirantis_naming(ctx: &ScanContext) -> bool {
    ctx.env.distribution() == "Mirantis"
        && ["6.0", "7.0", "8.0"].contains(&ctx.env.distribution_version())
}

#[async_trait]
impl Fetcher for DbFetchVedgesOvs {
    async fn get(&self, folder_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let host = host_of_folder(folder_id);
        let rows = ctx.db().await?.query(OVS_AGENTS, Some(host)).await?;
        if host_with_type(ctx, host, &["Network", "Compute"], "DbFetchVedgesOvs")
            .await?
            .is_none()
        {
            return Ok(Vec::new());
        }
        let vsctl = run_lines(ctx, "ovs-vsctl show", host).await?;
        let dpctl = run_lines(ctx, "ovs-dpctl show", host).await?;
        let mut vedges = Vec::new();
        for row in rows {
            let mut vedge = vedge(host, row, &dpctl, &vsctl)?;
            if tunneling_ip(&vedge).is_some_and(|ip| ip.is_empty()) {
                link_vlan_pnics(ctx, host, &mut vedge).await?;
            }
            vedges.push(vedge);
        }
        Ok(vedges)
    }
}

/// VLAN setups: the host pNIC plugged into a mapped bridge becomes the vEdge's `pnic`, and the
/// pNIC gets `port_id` = the same-named vEdge port's id (or "") and is saved again.
async fn link_vlan_pnics(
    ctx: &ScanContext,
    host: &str,
    vedge: &mut Object,
) -> Result<(), FetchError> {
    let pnics = find_on_host(ctx, "host_pnic", host).await?;
    for bridge in mapped_bridges(vedge) {
        let lines = run_lines(ctx, &format!("ovs-vsctl list-ifaces {bridge}"), host).await?;
        for interface in bridge_interfaces(&bridge, &lines, mirantis_naming(ctx)) {
            let Some(pnic) = pnics
                .iter()
                .find(|p| str_field(p, "name") == Some(&interface))
            else {
                continue;
            };
            let port_id = vedge
                .get_document("ports")
                .ok()
                .and_then(|p| p.get_document(&interface).ok())
                .and_then(|p| str_field(p, "id"))
                .unwrap_or("")
                .to_string();
            vedge.insert("pnic", &interface);
            let mut updated = pnic.clone();
            updated.insert("port_id", port_id);
            ctx.store.upsert_object(&mut updated).await?;
        }
    }
    Ok(())
}
