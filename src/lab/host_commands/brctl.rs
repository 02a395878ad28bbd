//! bridge-utils' `brctl show` and iproute2's `bridge fdb show` for the host's Linux bridges.

use super::ip::root_wiring;
use super::wiring::{Kind, Link};
use super::{Context, Output};

pub fn brctl(ctx: &Context, args: &[String]) -> Output {
    if args.first().map(String::as_str) != Some("show") || args.len() > 1 {
        return Output::fail(
            "never heard of command [{}]\n".replace("{}", &args.join(" ")),
            1,
        );
    }
    let wiring = root_wiring(ctx);
    let mut bridges: Vec<&Link> = wiring
        .links
        .iter()
        .filter(|l| l.kind == Kind::LinuxBridge)
        .collect();
    bridges.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n".to_string();
    for bridge in bridges {
        let mut members: Vec<&str> = wiring
            .links
            .iter()
            .filter(|l| l.master.as_deref() == Some(bridge.name.as_str()))
            .map(|l| l.name.as_str())
            .collect();
        members.sort_unstable();
        let id = format!("8000.{}", bridge.mac.replace(':', ""));
        out.push_str(&format!(
            "{}\t\t{id}\tno\t\t{}\n",
            bridge.name,
            members.first().copied().unwrap_or("")
        ));
        for member in members.iter().skip(1) {
            out.push_str(&format!("\t\t\t\t\t\t\t{member}\n"));
        }
    }
    Output::ok(out)
}

/// `bridge fdb show`: multicast entries of the NICs, the bridge ports' own MACs, and for each
/// VXLAN device the l2population entries towards the other hosts of its network.
pub fn bridge(ctx: &Context, args: &[String]) -> Output {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    if !matches!(words.as_slice(), ["fdb", "show"] | ["fdb"]) {
        return Output::fail(
            format!(
                "Command \"{}\" is unknown, try \"bridge help\".\n",
                words.join(" ")
            ),
            255,
        );
    }
    let wiring = root_wiring(ctx);
    let mut out = String::new();
    for link in &wiring.links {
        match (&link.kind, link.master.as_deref()) {
            (Kind::Loopback, _) => {}
            (Kind::Physical { .. } | Kind::Bond { .. }, None) => {
                out.push_str(&format!(
                    "33:33:00:00:00:01 dev {} self permanent\n",
                    link.name
                ));
                out.push_str(&format!(
                    "01:00:5e:00:00:01 dev {} self permanent\n",
                    link.name
                ));
            }
            (Kind::Vxlan { vni, .. }, Some(master)) => {
                out.push_str(&format!(
                    "{} dev {} master {master} permanent\n",
                    link.mac, link.name
                ));
                for (mac, ip) in remote_entries(ctx, *vni) {
                    out.push_str(&format!(
                        "{mac} dev {} dst {ip} self permanent\n",
                        link.name
                    ));
                }
            }
            (_, Some(master)) if master != "ovs-system" && master != "bond0" => {
                out.push_str(&format!(
                    "{} dev {} master {master} permanent\n",
                    link.mac, link.name
                ));
            }
            _ => {}
        }
    }
    Output::ok(out)
}

/// l2population's flooding entry and one entry per remote port, for every other host that has
/// a port in the network of segment `vni`.
fn remote_entries(ctx: &Context, vni: u32) -> Vec<(String, String)> {
    let model = ctx.model;
    let Some(network) = model
        .networks
        .iter()
        .find(|n| n.segmentation_id == Some(vni))
    else {
        return vec![];
    };
    let mut entries = Vec::new();
    for host in model.hosts.iter().filter(|h| h.name != ctx.host.name) {
        let ports: Vec<_> = model
            .ports
            .iter()
            .filter(|p| p.host == host.name && p.network_id == network.id)
            .collect();
        if ports.is_empty() {
            continue;
        }
        entries.push(("00:00:00:00:00:00".to_string(), host.tunnel_ip.clone()));
        for port in ports {
            entries.push((port.mac_address.clone(), host.tunnel_ip.clone()));
        }
    }
    entries
}
