//! CliFetchHostPnics (fetchers.md §3.12): physical NICs of an OVS/LXB host from
//! `ls -l /sys/class/net`, `ip address show <nic>` and `ethtool <nic>`.

use super::common::{host_with_type, run_all_lines, run_lines};
use crate::doc::Object;
use crate::fetchers::{host_of_folder, FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::Bson;
use once_cell::sync::Lazy;
use regex::Regex;

pub struct CliFetchHostPnics;

pub const LIST_PHYSICAL_NICS: &str = r#"ls -l /sys/class/net | grep ^l | grep -v "/virtual/""#;

static MAC: Lazy<Regex> = Lazy::new(|| Regex::new(r"^.*\slink/ether\s(\S+)\s").expect("regex"));
static IPV4: Lazy<Regex> = Lazy::new(|| Regex::new(r"^\s*inet ([0-9.]+)/").expect("regex"));
static IPV6: Lazy<Regex> = Lazy::new(|| Regex::new(r"^\s*inet6 (\S+) .* global ").expect("regex"));
static ETHTOOL_ATTR: Lazy<Regex> = Lazy::new(|| Regex::new(r"^\s+([^:]+):\s(.*)$").expect("regex"));

/// Interface names: the text after the last `/` of each `ls -l` line.
pub fn nic_names(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l.rsplit('/').next().unwrap_or(l).trim().to_string())
        .filter(|n| !n.is_empty())
        .collect()
}

/// The pNIC object from `ip address show <name>` (blank lines ignored). The remainder of the
/// header line and then the whole header line are both processed, as the original does.
pub fn parse_ip_address(host: &str, name: &str, lines: &[String]) -> Object {
    let lines: Vec<&String> = lines.iter().filter(|l| !l.trim().is_empty()).collect();
    let mut pnic = Object::new();
    pnic.insert("host", host);
    pnic.insert("name", name);
    pnic.insert("local_name", name);
    let mut processed: Vec<String> = Vec::new();
    if let Some(first) = lines.first() {
        let remainder = first.splitn(3, ':').nth(2).unwrap_or("").trim().to_string();
        processed.push(remainder);
        processed.push(first.to_string());
    }
    processed.extend(lines.iter().skip(1).map(|l| l.to_string()));
    let mut data = Vec::new();
    for line in &processed {
        for (attr, regex) in [
            ("mac_address", &*MAC),
            ("IP Address", &*IPV4),
            ("IPv6 Address", &*IPV6),
        ] {
            if !pnic.contains_key(attr) {
                if let Some(c) = regex.captures(line) {
                    pnic.insert(attr, &c[1]);
                    if attr == "mac_address" {
                        pnic.insert("id", format!("{name}-{}", &c[1]));
                    }
                }
            }
        }
        data.push(line.trim().to_string());
    }
    if !pnic.contains_key("id") {
        pnic.insert("id", format!("{name}-unknown_mac"));
    }
    pnic.insert("data", data.join("\n"));
    pnic.insert("state", link_state(&lines));
    pnic
}

/// Quirk Q12, reproduced: `UP` when the header contains `<UP,`; otherwise the first line with
/// a `BROADCAST` token decides (`UP` when a token is exactly `UP`); default `DOWN`. With
/// iproute2 output the flags are one token, so nearly every NIC reads `DOWN`.
fn link_state(lines: &[&String]) -> &'static str {
    if lines.first().is_some_and(|l| l.contains("<UP,")) {
        return "UP";
    }
    lines
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|tokens| tokens.contains(&"BROADCAST"))
        .map_or(
            "DOWN",
            |tokens| if tokens.contains(&"UP") { "UP" } else { "DOWN" },
        )
}

/// Adds the `ethtool` attributes (first line skipped); continuation lines turn the current
/// attribute into a list.
pub fn add_ethtool(pnic: &mut Object, lines: &[String]) {
    let mut current: Option<String> = None;
    for line in lines.iter().skip(1) {
        if let Some(c) = ETHTOOL_ATTR.captures(line) {
            let key = c[1].to_string();
            pnic.insert(&key, c[2].trim());
            current = Some(key);
        } else if let Some(key) = &current {
            let value = line.trim();
            match pnic.get_mut(key) {
                Some(Bson::Array(items)) => items.push(Bson::String(value.to_string())),
                Some(existing) => {
                    let first = std::mem::replace(existing, Bson::Null);
                    *existing = Bson::Array(vec![first, Bson::String(value.to_string())]);
                }
                None => {}
            }
        }
    }
}

/// The name `ethtool` is run with: for `a@b`, the part after `@`.
pub fn ethtool_name(name: &str) -> &str {
    name.split_once('@').map_or(name, |(_, after)| after)
}

#[async_trait]
impl Fetcher for CliFetchHostPnics {
    async fn get(&self, folder_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let host = host_of_folder(folder_id);
        if host_with_type(
            ctx,
            host,
            &["Network", "Compute", "Kube-node"],
            "CliFetchHostPnics",
        )
        .await?
        .is_none()
        {
            return Ok(Vec::new());
        }
        let names = nic_names(&run_lines(ctx, LIST_PHYSICAL_NICS, host).await?);
        // Per NIC: `ip address show` then `ethtool`, all NICs at once.
        let cmds: Vec<String> = names
            .iter()
            .flat_map(|name| {
                [
                    format!("ip address show {name}"),
                    format!("ethtool {}", ethtool_name(name)),
                ]
            })
            .collect();
        let outputs = run_all_lines(ctx, &cmds, host).await?;
        Ok(names
            .iter()
            .zip(outputs.chunks(2))
            .map(|(name, pair)| {
                let mut pnic = parse_ip_address(host, name, &pair[0]);
                add_ethtool(&mut pnic, &pair[1]);
                pnic
            })
            .collect())
    }
}
