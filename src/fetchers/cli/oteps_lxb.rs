//! CliFetchOtepsLxb (fetchers.md §3.15): VXLAN/GRE tunnel endpoints of a Linux-bridge
//! vConnector.

use super::common::{run_lines, text};
use crate::access::cli::parse::{find_attributes, section_lines};
use crate::doc::{str_field, Object};
use crate::fetchers::{FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::Bson;
use once_cell::sync::Lazy;
use regex::Regex;

pub struct CliFetchOtepsLxb;

static MTU: Lazy<Regex> = Lazy::new(|| Regex::new(r"^.*\smtu\s(\S+)\s").expect("regex"));
static MAC: Lazy<Regex> = Lazy::new(|| Regex::new(r"^.*\slink/ether\s(\S+)\s").expect("regex"));
static NOT_INDENTED: Lazy<Regex> = Lazy::new(|| Regex::new(r"^\S").expect("regex"));

/// (tunneling IP, tunnel type) of the vConnector's agent configuration; `None` for a
/// VLAN-only agent without them (the original crashed there; such a vConnector has no OTEPs).
pub fn tunnel_config(vconnector: &Object) -> Option<(String, String)> {
    let conf = vconnector.get_document("configurations").ok()?;
    let ip = str_field(conf, "tunneling_ip")?.to_string();
    let tunnel_type = conf
        .get_array("tunnel_types")
        .ok()?
        .first()?
        .as_str()?
        .to_string();
    Some((ip, tunnel_type))
}

/// The vConnector's interfaces that are tunnel endpoints (`<type>-...`).
pub fn tunnel_interfaces(vconnector: &Object, tunnel_type: &str) -> Vec<Object> {
    let prefix = format!("{tunnel_type}-");
    vconnector
        .get_document("interfaces")
        .map(|ifs| {
            ifs.iter()
                .filter(|(name, _)| name.starts_with(&prefix))
                .filter_map(|(_, i)| i.as_document().cloned())
                .collect()
        })
        .unwrap_or_default()
}

/// One OTEP from the interface object, `ip -d link show` and `bridge fdb show` lines and the
/// `udp_port` rows. Quirk Q7: the intent is implemented (`UP` when the section has `,UP,`),
/// where the original crashed.
pub fn build_otep(
    mut otep: Object,
    vconnector: &Object,
    ip_address: &str,
    tunnel_type: &str,
    link_lines: &[String],
    fdb_lines: &[String],
    udp_rows: &[Object],
) -> Object {
    let name = text(&otep, "name").to_string();
    let host = text(vconnector, "host").to_string();
    otep.insert("ip_address", ip_address);
    otep.insert("host", &host);
    let header = Regex::new(&format!(r"^[0-9]+: {}:", regex::escape(&name))).expect("escaped");
    let section = section_lines(link_lines, &header, &NOT_INDENTED);
    otep.insert("data", section.join("\n"));
    find_attributes(
        &mut otep,
        &section,
        &[("mtu", &MTU), ("mac_address", &MAC)],
        &[],
    );
    let up = section.iter().any(|l| l.contains(",UP,"));
    otep.insert("state", if up { "UP" } else { "DOWN" });
    let needle = format!(" dev {name} dst ");
    if let Some(line) = fdb_lines.iter().find(|l| l.contains(&needle)) {
        if let Some((_, dst)) = line.split_once(" dst ") {
            otep.insert("bridge dst", dst);
        }
    }
    let id = format!("{host}-otep-{name}");
    otep.insert("id", &id);
    otep.insert("name", &id);
    otep.insert("vconnector", text(vconnector, "name"));
    otep.insert("overlay_type", tunnel_type);
    let udp_port = udp_rows
        .last()
        .and_then(|r| r.get("udp_port").cloned())
        .unwrap_or(Bson::Int32(0));
    otep.insert("udp_port", udp_port);
    otep
}

/// The tunnel type goes into a table name: only letters, digits and `_` are accepted.
pub fn checked_tunnel_type(tunnel_type: &str) -> Result<&str, FetchError> {
    if !tunnel_type.is_empty()
        && tunnel_type
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        Ok(tunnel_type)
    } else {
        Err(FetchError::Data(format!(
            "unexpected tunnel type '{tunnel_type}' in the agent configuration"
        )))
    }
}

#[async_trait]
impl Fetcher for CliFetchOtepsLxb {
    async fn get(&self, vconnector_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let Some(vconnector) = ctx.store.get_by_id(&ctx.env.name, vconnector_id).await? else {
            log::warn!("CliFetchOtepsLxb: vConnector {vconnector_id} is not in the inventory");
            return Ok(Vec::new());
        };
        let Some((ip, tunnel_type)) = tunnel_config(&vconnector) else {
            log::info!("CliFetchOtepsLxb: {vconnector_id} has no tunnelling configuration");
            return Ok(Vec::new());
        };
        let interfaces = tunnel_interfaces(&vconnector, &tunnel_type);
        if interfaces.is_empty() {
            return Ok(Vec::new());
        }
        let host = text(&vconnector, "host").to_string();
        let sql = format!(
            "SELECT udp_port FROM {{neutron}}.ml2_{}_endpoints WHERE host = %s",
            checked_tunnel_type(&tunnel_type)?
        );
        let mut oteps = Vec::new();
        for interface in interfaces {
            let links = run_lines(ctx, "ip -d link show", &host).await?;
            let fdb = run_lines(ctx, "bridge fdb show", &host).await?;
            let rows = ctx.db().await?.query(&sql, Some(&host)).await?;
            oteps.push(build_otep(
                interface,
                &vconnector,
                &ip,
                &tunnel_type,
                &links,
                &fdb,
                &rows,
            ));
        }
        Ok(oteps)
    }
}
