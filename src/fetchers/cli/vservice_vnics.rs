//! CliFetchVserviceVnics (fetchers.md §3.11): the interfaces inside each DHCP/router namespace.

use super::common::{host_with_type, run_all_lines, run_lines};
use crate::doc::{str_field, Object};
use crate::fetchers::{set_folder_parent, FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::{doc, Bson};
use once_cell::sync::Lazy;
use regex::Regex;

pub struct CliFetchVserviceVnics;

static HEADER: Lazy<Regex> = Lazy::new(|| Regex::new(r"^\d+: ([^:]+): (.+)").expect("regex"));
static MAC: Lazy<Regex> = Lazy::new(|| Regex::new(r"^.*\slink/ether\s(\S+)\s").expect("regex"));
static IPV4: Lazy<Regex> = Lazy::new(|| Regex::new(r"^\s*inet ([0-9.]+)/").expect("regex"));
static PREFIX: Lazy<Regex> = Lazy::new(|| Regex::new(r"^\s*inet [0-9.]+/([0-9]+)").expect("regex"));
static IPV6: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^\s*inet6 ([^/]+)/.* global ").expect("regex"));

/// Namespaces whose interfaces are fetched: lines starting with `qdhcp`/`qrouter`, up to the
/// first space.
pub fn namespaces(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.starts_with("qdhcp") || l.starts_with("qrouter"))
        .filter_map(|l| l.split(' ').next())
        .map(String::from)
        .collect()
}

/// The vNICs of `ip netns exec <ns> ip address show` (`lo` skipped), each with its collected
/// lines turned into `data`/`cidr` when it has an IPv4 address (see [`finish_vnic`]).
pub fn parse_vnics(host: &str, ns: &str, lines: &[String]) -> Result<Vec<Object>, String> {
    let mut vnics: Vec<(Object, Vec<String>)> = Vec::new();
    for line in lines {
        let rest = if let Some(c) = HEADER.captures(line) {
            let name = c[1].to_string();
            let mut vnic = Object::new();
            vnic.insert("id", format!("{host}-{name}"));
            vnic.insert("vnic_type", "vservice_vnic");
            vnic.insert("host", host);
            vnic.insert("name", &name);
            set_folder_parent(
                &mut vnic,
                "vnic",
                "vservice",
                &format!("{host}-{ns}"),
                Some("vnics"),
                Some("vNICs"),
            );
            vnics.push((vnic, Vec::new()));
            c[2].to_string()
        } else {
            line.clone()
        };
        let Some((vnic, collected)) = vnics.last_mut() else {
            continue;
        };
        for (attr, regex) in [
            ("mac_address", &*MAC),
            ("IP Address", &*IPV4),
            ("netmask", &*PREFIX),
            ("IPv6 Address", &*IPV6),
        ] {
            if !vnic.contains_key(attr) {
                if let Some(c) = regex.captures(&rest) {
                    vnic.insert(attr, &c[1]);
                }
            }
        }
        collected.push(rest.trim().to_string());
    }
    vnics
        .into_iter()
        .filter(|(v, _)| str_field(v, "name") != Some("lo"))
        .map(|(v, lines)| finish_vnic(v, lines))
        .collect()
}

/// With an IPv4 address and prefix: `data` = the lines, `netmask` as a dotted quad and `cidr`;
/// otherwise the raw `lines` stay.
fn finish_vnic(mut vnic: Object, lines: Vec<String>) -> Result<Object, String> {
    let (Some(ip), Some(prefix)) = (
        str_field(&vnic, "IP Address").map(String::from),
        str_field(&vnic, "netmask").map(String::from),
    ) else {
        vnic.insert("lines", lines);
        return Ok(vnic);
    };
    let bits: u32 = prefix
        .parse()
        .ok()
        .filter(|b| *b <= 32)
        .ok_or_else(|| format!("invalid prefix length {prefix} for {ip}"))?;
    let mask: u32 = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    let addr: std::net::Ipv4Addr = ip
        .parse()
        .map_err(|_| format!("invalid IPv4 address {ip}"))?;
    let network = std::net::Ipv4Addr::from(u32::from(addr) & mask);
    vnic.insert("data", lines.join("\n"));
    vnic.insert("netmask", std::net::Ipv4Addr::from(mask).to_string());
    vnic.insert("cidr", format!("{network}/{bits}"));
    Ok(vnic)
}

#[async_trait]
impl Fetcher for CliFetchVserviceVnics {
    async fn get(&self, host_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        if host_with_type(ctx, host_id, &["Network"], "CliFetchVserviceVnics")
            .await?
            .is_none()
        {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        let spaces = namespaces(&run_lines(ctx, "ip netns list", host_id).await?);
        let cmds: Vec<String> = spaces
            .iter()
            .map(|ns| format!("ip netns exec {ns} ip address show"))
            .collect();
        let outputs = run_all_lines(ctx, &cmds, host_id).await?;
        for ((ns, cmd), lines) in spaces.iter().zip(&cmds).zip(outputs) {
            let vnics = parse_vnics(host_id, ns, &lines)
                .map_err(|e| FetchError::Data(format!("{cmd} on {host_id}: {e}")))?;
            for mut vnic in vnics {
                if let Some(cidr) = str_field(&vnic, "cidr").map(String::from) {
                    attach_network(ctx, &mut vnic, &cidr, &format!("{host_id}-{ns}")).await?;
                }
                out.push(vnic);
            }
        }
        Ok(out)
    }
}

/// The network whose `cidrs` holds `cidr` becomes the vNIC's `network`, and is added (once) to
/// the `network` list of the vService, which is saved again.
async fn attach_network(
    ctx: &ScanContext,
    vnic: &mut Object,
    cidr: &str,
    vservice_id: &str,
) -> Result<(), FetchError> {
    let env = &ctx.env.name;
    let Some(network) = ctx
        .store
        .find_object(doc! {"environment": env, "type": "network", "cidrs": cidr})
        .await?
    else {
        return Ok(());
    };
    let Some(network_id) = str_field(&network, "id").map(String::from) else {
        return Ok(());
    };
    vnic.insert("network", &network_id);
    if let Some(mut vservice) = ctx.store.get_by_id(env, vservice_id).await? {
        let mut list = match vservice.get("network") {
            Some(Bson::Array(items)) => items.clone(),
            _ => Vec::new(),
        };
        if !list.iter().any(|n| n.as_str() == Some(network_id.as_str())) {
            list.push(Bson::String(network_id));
            vservice.insert("network", list);
            ctx.store.upsert_object(&mut vservice).await?;
        }
    }
    Ok(())
}
