//! iproute2's `ip`: `netns list`, `netns exec <ns> ip …`, `address show [dev] [<if>]`,
//! `link show [<if>]` and `-d link show`, in iproute2 4.x's layout.

use super::wiring::{wiring, Kind, Link, Namespace, Wiring};
use super::{Context, Output};

pub fn ip(ctx: &Context, args: &[String]) -> Output {
    let w = wiring(ctx.model, ctx.host);
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["netns", "list"] | ["netns"] | ["netns", "show"] => {
            Output::ok(w.namespaces.iter().map(netns_line).collect::<String>())
        }
        ["netns", "exec", ns, "ip", rest @ ..] => match w.namespace(ns) {
            Some(namespace) => run(&namespace.links, rest),
            None => Output::fail(
                format!("Cannot open network namespace \"{ns}\": No such file or directory\n"),
                1,
            ),
        },
        ["netns", "exec", ns, program, ..] if w.namespace(ns).is_some() => Output::fail(
            format!("exec of \"{program}\" failed: No such file or directory\n"),
            255,
        ),
        ["netns", "exec", ns, ..] => Output::fail(
            format!("Cannot open network namespace \"{ns}\": No such file or directory\n"),
            1,
        ),
        _ => run(&w.links, &words),
    }
}

/// One line of `ip netns list`: iproute2 4.x adds the namespace's id when it has one.
fn netns_line(ns: &Namespace) -> String {
    match ns.nsid {
        Some(id) => format!("{} (id: {id})\n", ns.name),
        None => format!("{}\n", ns.name),
    }
}

/// The root namespace's devices of the context host (used by programs that list links).
pub fn root_wiring(ctx: &Context) -> Wiring {
    wiring(ctx.model, ctx.host)
}

fn run(links: &[Link], words: &[&str]) -> Output {
    let (details, words) = match words.split_first() {
        Some((&"-d", rest)) | Some((&"-details", rest)) => (true, rest),
        _ => (false, words),
    };
    let Some((object, rest)) = words.split_first() else {
        return Output::fail("Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n", 255);
    };
    let address = match *object {
        "a" | "addr" | "address" => true,
        "l" | "link" => false,
        other => {
            return Output::fail(
                format!("Object \"{other}\" is unknown, try \"ip help\".\n"),
                255,
            )
        }
    };
    let device = match rest {
        [] | ["show"] | ["list"] => None,
        ["show", "dev", name] | ["show", name] | ["list", name] => Some(*name),
        _ => {
            return Output::fail(
                format!(
                    "Command \"{}\" is unknown, try \"ip {object} help\".\n",
                    rest[0]
                ),
                255,
            )
        }
    };
    let selected: Vec<&Link> = match device {
        Some(name) => match links.iter().find(|l| l.name == name) {
            Some(l) => vec![l],
            None => return Output::fail(format!("Device \"{name}\" does not exist.\n"), 1),
        },
        None => links.iter().collect(),
    };
    let text = selected
        .iter()
        .map(|l| {
            if address {
                address_block(l)
            } else {
                link_block(l, details)
            }
        })
        .collect::<String>();
    Output::ok(text)
}

struct Looks {
    flags: &'static str,
    qdisc: &'static str,
    state: &'static str,
    qlen: Option<u32>,
}

fn looks(link: &Link) -> Looks {
    let up = "BROADCAST,MULTICAST,UP,LOWER_UP";
    let (flags, qdisc, state, qlen) = match &link.kind {
        Kind::Loopback => ("LOOPBACK,UP,LOWER_UP", "noqueue", "UNKNOWN", Some(1)),
        Kind::Physical { .. } if link.master.as_deref() == Some("bond0") => (
            "BROADCAST,MULTICAST,SLAVE,UP,LOWER_UP",
            "pfifo_fast",
            "UP",
            Some(1000),
        ),
        Kind::Physical { .. } => (up, "pfifo_fast", "UP", Some(1000)),
        Kind::Bond { .. } => (
            "BROADCAST,MULTICAST,MASTER,UP,LOWER_UP",
            "noqueue",
            "UP",
            Some(1000),
        ),
        Kind::Vlan { .. } | Kind::LinuxBridge => (up, "noqueue", "UP", Some(1000)),
        Kind::Vxlan { .. } => (up, "noqueue", "UNKNOWN", Some(1000)),
        Kind::Tap => (up, "pfifo_fast", "UNKNOWN", Some(1000)),
        Kind::Veth if link.master.is_some() => (
            "BROADCAST,MULTICAST,PROMISC,UP,LOWER_UP",
            "pfifo_fast",
            "UP",
            Some(1000),
        ),
        Kind::Veth => (up, "pfifo_fast", "UP", Some(1000)),
        Kind::OvsInternal { up: true } => (up, "noqueue", "UNKNOWN", Some(1)),
        Kind::OvsInternal { up: false } => ("BROADCAST,MULTICAST", "noop", "DOWN", Some(1)),
        Kind::OvsTunnel => (up, "noqueue", "UNKNOWN", Some(1000)),
    };
    Looks {
        flags,
        qdisc,
        state,
        qlen,
    }
}

fn header(link: &Link, mode: bool) -> String {
    let l = looks(link);
    let at = link
        .link_to
        .as_ref()
        .map(|p| format!("@{p}"))
        .unwrap_or_default();
    let master = link
        .master
        .as_ref()
        .map(|m| format!(" master {m}"))
        .unwrap_or_default();
    let mode = if mode { " mode DEFAULT" } else { "" };
    let qlen = l.qlen.map(|q| format!(" qlen {q}")).unwrap_or_default();
    format!(
        "{}: {}{at}: <{}> mtu {} qdisc {}{master} state {}{mode} group default{qlen}\n",
        link.index, link.name, l.flags, link.mtu, l.qdisc, l.state
    )
}

fn link_line(link: &Link) -> String {
    let netns = link
        .peer_netns
        .map(|id| format!(" link-netnsid {id}"))
        .unwrap_or_default();
    match link.kind {
        Kind::Loopback => "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00".into(),
        _ => format!("    link/ether {} brd ff:ff:ff:ff:ff:ff{netns}", link.mac),
    }
}

fn address_block(link: &Link) -> String {
    let mut out = header(link, false);
    out.push_str(&link_line(link));
    out.push('\n');
    if link.kind == Kind::Loopback {
        out.push_str("    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n    inet6 ::1/128 scope host\n       valid_lft forever preferred_lft forever\n");
        return out;
    }
    if let Some((ip, prefix)) = &link.ipv4 {
        out.push_str(&format!(
            "    inet {ip}/{prefix} brd {} scope global {}\n       valid_lft forever preferred_lft forever\n",
            broadcast(ip, *prefix),
            link.name
        ));
    }
    if link.is_up() && link.master.is_none() {
        out.push_str(&format!(
            "    inet6 {}/64 scope link\n       valid_lft forever preferred_lft forever\n",
            link_local(&link.mac)
        ));
    }
    out
}

fn link_block(link: &Link, details: bool) -> String {
    let mut out = header(link, true);
    out.push_str(&link_line(link));
    if !details {
        out.push('\n');
        return out;
    }
    let promiscuity = u8::from(link.master.is_some());
    out.push_str(&format!(" promiscuity {promiscuity} \n"));
    match &link.kind {
        Kind::Vxlan { vni, dev, local } => out.push_str(&format!(
            "    vxlan id {vni} local {local} dev {dev} srcport 0 0 dstport 8472 ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx \n"
        )),
        Kind::Vlan { id } => out.push_str(&format!(
            "    vlan protocol 802.1Q id {id} <REORDER_HDR> \n"
        )),
        Kind::Bond { .. } => out.push_str(
            "    bond mode 802.3ad miimon 100 updelay 0 downdelay 0 use_carrier 1 arp_interval 0 arp_validate none arp_all_targets any primary_reselect always fail_over_mac none xmit_hash_policy layer2 resend_igmp 1 num_grat_arp 1 all_slaves_active 0 min_links 0 lp_interval 1 packets_per_slave 1 lacp_rate slow ad_select stable tlb_dynamic_lb 1 \n",
        ),
        Kind::LinuxBridge => out.push_str(
            "    bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 priority 32768 vlan_filtering 0 vlan_protocol 802.1Q \n",
        ),
        Kind::Veth => out.push_str("    veth \n"),
        Kind::Tap => out.push_str("    tun \n"),
        Kind::OvsInternal { .. } => out.push_str("    openvswitch \n"),
        _ => {}
    }
    match link.master.as_deref() {
        Some("bond0") => out.push_str(&format!(
            "    bond_slave state ACTIVE mii_status UP link_failure_count 0 perm_hwaddr {} queue_id 0 ad_aggregator_id 1 \n",
            link.permanent_mac
        )),
        Some("ovs-system") => out.push_str("    openvswitch_slave \n"),
        Some(_) => out.push_str("    bridge_slave state forwarding priority 32 cost 100 hairpin off guard off root_block off fastleave off learning on flood on \n"),
        None => {}
    }
    out
}

fn octets(ip: &str) -> u32 {
    ip.split('.')
        .filter_map(|o| o.parse::<u32>().ok())
        .fold(0, |acc, o| (acc << 8) | o)
}

fn broadcast(ip: &str, prefix: u8) -> String {
    let host_bits = if prefix >= 32 { 0 } else { u32::MAX >> prefix };
    let b = octets(ip) | host_bits;
    format!(
        "{}.{}.{}.{}",
        b >> 24,
        (b >> 16) & 255,
        (b >> 8) & 255,
        b & 255
    )
}

/// The EUI-64 link-local address of a MAC (`fa:16:3e:01:02:03` → `fe80::f816:3eff:fe01:203`).
pub fn link_local(mac: &str) -> String {
    let b: Vec<u16> = mac
        .split(':')
        .filter_map(|x| u16::from_str_radix(x, 16).ok())
        .collect();
    if b.len() != 6 {
        return "fe80::1".into();
    }
    let groups = [
        ((b[0] ^ 2) << 8) | b[1],
        (b[2] << 8) | 0xff,
        0xfe00 | b[3],
        (b[4] << 8) | b[5],
    ];
    format!(
        "fe80::{:x}:{:x}:{:x}:{:x}",
        groups[0], groups[1], groups[2], groups[3]
    )
}
