//! CliFetchHostPnicsVpp (fetchers.md §3.12): the physical ports of a VPP vEdge.

use super::common::{find_on_host, run_all_lines};
use crate::doc::{str_field, Object};
use crate::fetchers::{host_of_folder, FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::Bson;
use once_cell::sync::Lazy;
use regex::Regex;

pub struct CliFetchHostPnicsVpp;

static PHYSICAL: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^[a-zA-Z]*GigabitEthernet").expect("regex"));
static MAC: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^.*\sEthernet address\s(\S+)(\s.*)?$").expect("regex"));

/// The vEdge ports that are physical NICs (`...GigabitEthernet...`), in `ports` order.
pub fn physical_ports(vedge: &Object) -> Vec<Object> {
    match vedge.get_document("ports") {
        Ok(ports) => ports
            .iter()
            .filter(|(name, _)| PHYSICAL.is_match(name))
            .filter_map(|(_, port)| port.as_document().cloned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// A port turned into a host pNIC, its MAC from `vppctl show hardware-interfaces <port>`.
pub fn pnic_from_port(host: &str, mut port: Object, hardware: &[String]) -> Object {
    let name = str_field(&port, "name").unwrap_or("").to_string();
    let up = str_field(&port, "state") == Some("up");
    port.insert("host", host);
    port.insert("id", format!("{host}-pnic-{name}"));
    port.insert("type", "host_pnic");
    port.insert("object_name", &name);
    if let Some(mac) = hardware.iter().find_map(|l| MAC.captures(l)) {
        port.insert("mac_address", Bson::String(mac[1].to_string()));
    }
    port.insert("Link detected", if up { "yes" } else { "no" });
    port
}

#[async_trait]
impl Fetcher for CliFetchHostPnicsVpp {
    async fn get(&self, folder_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        // `<host>-VPP-host_pnics`: cut at the last `-` twice
        let host = host_of_folder(host_of_folder(folder_id));
        let ports: Vec<Object> = find_on_host(ctx, "vedge", host)
            .await?
            .iter()
            .flat_map(physical_ports)
            .collect();
        let cmds: Vec<String> = ports
            .iter()
            .map(|port| {
                let name = str_field(port, "name").unwrap_or("");
                format!("vppctl show hardware-interfaces {name}")
            })
            .collect();
        let outputs = run_all_lines(ctx, &cmds, host).await?;
        Ok(ports
            .into_iter()
            .zip(outputs)
            .map(|(port, hardware)| pnic_from_port(host, port, &hardware))
            .collect())
    }
}
