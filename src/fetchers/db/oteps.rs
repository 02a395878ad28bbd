//! DbFetchOteps (fetchers.md §3.15): OVS tunnel endpoints of a vEdge, from the Neutron
//! `ml2_<type>_endpoints` table; the vConnector is the host interface holding the tunnelling IP.

use crate::doc::{str_field, Object};
use crate::fetchers::cli::common::{find_host, interface_blocks, run_lines, text};
use crate::fetchers::cli::oteps_lxb::checked_tunnel_type;
use crate::fetchers::{FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::{Array, Bson};

pub struct DbFetchOteps;

/// The vEdge's first tunnel type, when it has any.
pub fn tunnel_type(vedge: &Object) -> Option<String> {
    vedge
        .get_document("configurations")
        .ok()?
        .get_array("tunnel_types")
        .ok()?
        .first()?
        .as_str()
        .map(String::from)
}

/// The OTEP objects of the endpoint rows. Quirk Q14: a table without `udp_port` gives the
/// string `"67"`.
pub fn oteps(vedge: &Object, tunnel_type: &str, rows: Vec<Object>) -> Vec<Object> {
    let host = text(vedge, "host");
    let ports = vedge
        .get("tunnel_ports")
        .cloned()
        .unwrap_or_else(|| Bson::Array(Array::new()));
    rows.into_iter()
        .map(|mut row| {
            let id = format!("{host}-otep");
            row.insert("id", &id);
            row.insert("name", &id);
            row.insert("host", host);
            row.insert("overlay_type", tunnel_type);
            row.insert("ports", ports.clone());
            if !row.contains_key("udp_port") {
                row.insert("udp_port", "67");
            }
            row
        })
        .collect()
}

/// `<host>-<interface>` of the interface in `ip address show` holding `tunneling_ip`.
pub fn vconnector_of(host: &str, tunneling_ip: &str, ip_lines: &[String]) -> Option<String> {
    let needle = format!("    inet {tunneling_ip}/");
    interface_blocks(ip_lines)
        .into_iter()
        .find(|(_, block)| block.iter().any(|l| l.starts_with(&needle)))
        .map(|(name, _)| format!("{host}-{name}"))
}

fn is_canonical_icehouse(ctx: &ScanContext) -> bool {
    ctx.env.distribution() == "Canonical" && ctx.env.distribution_version() == "icehouse"
}

#[async_trait]
impl Fetcher for DbFetchOteps {
    async fn get(&self, vedge_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let Some(vedge) = ctx.store.get_by_id(&ctx.env.name, vedge_id).await? else {
            return Ok(Vec::new());
        };
        let Some(tunnel_type) = tunnel_type(&vedge) else {
            return Ok(Vec::new());
        };
        let host = text(&vedge, "host").to_string();
        let rows = if is_canonical_icehouse(ctx) {
            let ip = match find_host(ctx, &host).await? {
                Some(h) => h.get("ip_address").cloned().unwrap_or(Bson::Null),
                None => Bson::Null,
            };
            vec![bson::doc! {"host": &host, "ip_address": ip}]
        } else {
            let sql = format!(
                "SELECT * FROM {{neutron}}.ml2_{}_endpoints WHERE host = %s",
                checked_tunnel_type(&tunnel_type)?
            );
            ctx.db().await?.query(&sql, Some(&host)).await?
        };
        let mut result = oteps(&vedge, &tunnel_type, rows);
        let tunneling_ip = vedge
            .get_document("configurations")
            .ok()
            .and_then(|c| str_field(c, "tunneling_ip"))
            .map(String::from);
        if let (Some(ip), false) = (tunneling_ip, result.is_empty()) {
            let lines = run_lines(ctx, "ip address show", &host).await?;
            if let Some(vconnector) = vconnector_of(&host, &ip, &lines) {
                for otep in &mut result {
                    otep.insert("vconnector", &vconnector);
                }
            }
        }
        Ok(result)
    }
}
