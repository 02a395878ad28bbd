//! CliFetchVconnectorsOvs (fetchers.md §3.13): Linux bridges of a host from `brctl show`;
//! also the first half of CliFetchVconnectorsLxb.

use super::common::{find_host, run_lines};
use crate::access::cli::parse::{merge_spillover, parse_whitespace_table};
use crate::doc::{str_field, Object};
use crate::fetchers::{host_of_folder, FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::{doc, Bson, Document};

pub struct CliFetchVconnectorsOvs;

/// vConnectors from `brctl show` (header dropped, spill-over lines merged). `ports` are the
/// inventory ports bound to the host: an interface's MAC is that of the port whose id starts
/// with the interface name minus its first 3 characters (`tap1f72bd15-8a` → `1f72bd15-8a`).
pub fn parse_brctl(host: &str, lines: &[String], ports: &[Object]) -> Result<Vec<Object>, String> {
    let merged = merge_spillover(lines.get(1..).unwrap_or_default());
    let rows = parse_whitespace_table(
        &merged,
        &["bridge_name", "bridge_id", "stp_enabled", "interfaces"],
    )?;
    Ok(rows
        .into_iter()
        .map(|mut row| {
            let bridge = str_field(&row, "bridge_name").unwrap_or("").to_string();
            let bridge_id = match row.remove("bridge_id") {
                Some(Bson::String(id)) => id,
                _ => String::new(),
            };
            let names: Vec<String> = str_field(&row, "interfaces")
                .map(|s| {
                    s.split(',')
                        .filter(|n| !n.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            let mut interfaces = Document::new();
            for name in &names {
                interfaces.insert(
                    name,
                    doc! {"name": name, "mac_address": port_mac(name, ports)},
                );
            }
            row.insert("interfaces", interfaces);
            let name = format!("{host}-{bridge}");
            row.insert("id", format!("{name}-{bridge_id}"));
            row.insert("name", name);
            row.insert("host", host);
            row.insert("connector_type", "bridge");
            row.insert("interfaces_names", names);
            row
        })
        .collect())
}

fn port_mac(interface: &str, ports: &[Object]) -> String {
    let Some(port_prefix) = interface.get(3..).filter(|p| !p.is_empty()) else {
        return String::new();
    };
    ports
        .iter()
        .find(|p| str_field(p, "id").is_some_and(|id| id.starts_with(port_prefix)))
        .and_then(|p| str_field(p, "mac_address"))
        .unwrap_or("")
        .to_string()
}

/// The host's bridges as CliFetchVconnectorsOvs returns them, or nothing when the host is not
/// stored with a `host_type`.
pub async fn fetch_bridges(ctx: &ScanContext, folder_id: &str) -> Result<Vec<Object>, FetchError> {
    let host = host_of_folder(folder_id);
    match find_host(ctx, host).await? {
        Some(doc) if doc.contains_key("host_type") => {}
        _ => {
            log::warn!("vConnectors: host {host} is not in the inventory with a host_type");
            return Ok(Vec::new());
        }
    }
    let lines = run_lines(ctx, "brctl show", host).await?;
    let ports = ctx
        .store
        .find_objects(doc! {"environment": &ctx.env.name, "type": "port", "binding:host_id": host})
        .await?;
    parse_brctl(host, &lines, &ports)
        .map_err(|e| FetchError::Data(format!("brctl show on {host}: {e}")))
}

#[async_trait]
impl Fetcher for CliFetchVconnectorsOvs {
    async fn get(&self, folder_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        fetch_bridges(ctx, folder_id).await
    }
}
