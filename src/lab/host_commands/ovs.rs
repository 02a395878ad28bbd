//! Open vSwitch on a host: `ovs-vsctl show`, `ovs-vsctl list-ifaces <bridge>`, `ovs-dpctl show`,
//! and the devices OVS and its hybrid plugging (qbr/qvb/qvo) add to the root namespace.

use super::wiring::{
    derived_mac, instance_ports, local_vlan, namespace_device, namespace_of, ports_on, short,
    tap_mac, Kind, Link,
};
use super::{Context, Output};
use crate::lab::model::{Host, HostNics, MechanismDriver, Model, TypeDriver};

const OVS_VERSION: &str = "2.5.2";

struct OvsPort {
    name: String,
    tag: Option<u32>,
    /// `internal`, `patch`, `vxlan`, `gre`; None for a system device.
    iface_type: Option<&'static str>,
    /// Rendered `options` map (`{peer=patch-tun}`).
    options: Option<String>,
}

impl OvsPort {
    fn new(name: impl Into<String>, iface_type: Option<&'static str>) -> OvsPort {
        OvsPort {
            name: name.into(),
            tag: None,
            iface_type,
            options: None,
        }
    }

    fn patch(name: &str, peer: &str) -> OvsPort {
        OvsPort {
            options: Some(format!("{{peer={peer}}}")),
            ..OvsPort::new(name, Some("patch"))
        }
    }
}

struct Bridge {
    name: String,
    ports: Vec<OvsPort>,
}

fn tunnel_port_name(kind: TypeDriver, remote_ip: &str) -> String {
    let hex: String = remote_ip
        .split('.')
        .filter_map(|o| o.parse::<u8>().ok())
        .map(|o| format!("{o:02x}"))
        .collect();
    format!("{}-{hex}", kind.name())
}

/// The bridges the OVS agent manages on `host`, in the order `ovs-vsctl show` prints them.
fn bridges(model: &Model, host: &Host, nics: &HostNics) -> Vec<Bridge> {
    let type_driver = model.sizes.type_driver;
    let tunnel = type_driver.is_tunnel();
    let vlan = type_driver == TypeDriver::Vlan;
    let mut int_ports = Vec::new();
    for port in ports_on(model, host) {
        let tag = Some(local_vlan(model, host, &port.network_id));
        let name = if namespace_of(port).is_some() {
            namespace_device(MechanismDriver::Ovs, port)
        } else {
            format!("qvo{}", short(&port.id))
        };
        let iface_type = namespace_of(port).is_some().then_some("internal");
        int_ports.push(OvsPort {
            tag,
            ..OvsPort::new(name, iface_type)
        });
    }
    if tunnel {
        int_ports.push(OvsPort::patch("patch-tun", "patch-int"));
    }
    if host.network {
        int_ports.push(OvsPort::patch("int-br-ex", "phy-br-ex"));
    }
    if vlan {
        int_ports.push(OvsPort::patch("int-br-eth1", "phy-br-eth1"));
    }
    int_ports.push(OvsPort::new("br-int", Some("internal")));
    let mut list = vec![Bridge {
        name: "br-int".into(),
        ports: int_ports,
    }];
    if tunnel {
        let mut ports = vec![OvsPort::patch("patch-int", "patch-tun")];
        for remote in model
            .tunnel_endpoints
            .iter()
            .filter(|e| e.host != host.name)
        {
            let kind = if type_driver == TypeDriver::Gre {
                "gre"
            } else {
                "vxlan"
            };
            ports.push(OvsPort {
                options: Some(format!(
                    "{{df_default=\"true\", in_key=flow, local_ip=\"{}\", out_key=flow, remote_ip=\"{}\"}}",
                    host.tunnel_ip, remote.ip_address
                )),
                ..OvsPort::new(tunnel_port_name(type_driver, &remote.ip_address), Some(kind))
            });
        }
        ports.push(OvsPort::new("br-tun", Some("internal")));
        list.push(Bridge {
            name: "br-tun".into(),
            ports,
        });
    }
    if host.network {
        list.push(Bridge {
            name: "br-ex".into(),
            ports: vec![
                OvsPort::patch("phy-br-ex", "int-br-ex"),
                OvsPort::new(nics.external.clone(), None),
                OvsPort::new("br-ex", Some("internal")),
            ],
        });
    }
    if vlan {
        list.push(Bridge {
            name: "br-eth1".into(),
            ports: vec![
                OvsPort::patch("phy-br-eth1", "int-br-eth1"),
                OvsPort::new(nics.data.clone(), None),
                OvsPort::new("br-eth1", Some("internal")),
            ],
        });
    }
    list
}

/// Root-namespace devices of an OVS host: the bridges' internal ports, the datapath's tunnel
/// device, and per instance port the hybrid-plugging chain tap → qbr → qvb/qvo → br-int.
pub fn add_links(model: &Model, host: &Host, nics: &HostNics, links: &mut Vec<Link>) {
    let down = Kind::OvsInternal { up: false };
    let mac = |name: &str| derived_mac(&host.name, name);
    links.push(Link::new(
        "ovs-system",
        down.clone(),
        mac("ovs-system"),
        1500,
    ));
    for bridge in bridges(model, host, nics) {
        for port in &bridge.ports {
            if port.iface_type.is_none() {
                if let Some(nic) = links.iter_mut().find(|l| l.name == port.name) {
                    nic.master = Some("ovs-system".into());
                }
            }
        }
        links.push(Link::new(
            &bridge.name,
            down.clone(),
            mac(&bridge.name),
            1500,
        ));
    }
    match model.sizes.type_driver {
        TypeDriver::Vxlan => links.push(
            Link::new(
                "vxlan_sys_4789",
                Kind::OvsTunnel,
                mac("vxlan_sys_4789"),
                65470,
            )
            .with_master("ovs-system"),
        ),
        TypeDriver::Gre => links.push(
            Link::new("gre_sys", Kind::OvsTunnel, mac("gre_sys"), 65490).with_master("ovs-system"),
        ),
        TypeDriver::Vlan => {}
    }
    for port in instance_ports(model, host) {
        let id = short(&port.id);
        let mtu = model.network(&port.network_id).map_or(1500, |n| n.mtu);
        let qbr = format!("qbr{id}");
        let (qvb, qvo) = (format!("qvb{id}"), format!("qvo{id}"));
        let bridge_mac = mac(&qvb).min(tap_mac(port));
        links.push(Link::new(&qbr, Kind::LinuxBridge, bridge_mac, mtu));
        links.push(Link::new(&qvo, Kind::Veth, mac(&qvo), mtu).with_master("ovs-system"));
        links.push(Link::new(&qvb, Kind::Veth, mac(&qvb), mtu).with_master(&qbr));
        links.push(Link::new(port.tap_name(), Kind::Tap, tap_mac(port), mtu).with_master(&qbr));
    }
}

fn db_uuid(host: &Host) -> String {
    let a = derived_mac(&host.name, "ovsdb").replace(':', "");
    let b = derived_mac(&host.name, "open_vswitch").replace(':', "");
    format!(
        "{}-{}-4{}-a{}-{}{}",
        &a[..8],
        &a[8..12],
        &b[..3],
        &b[3..6],
        &b[6..12],
        &a[..6]
    )
}

/// ovsdb quotes a string unless it is made of letters, `_`, `-` and `.` only (digits included
/// means quoted: `Port "qvo1f72bd15-8a"` but `Port br-int`).
fn quoted(s: &str) -> String {
    let bare = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '-' | '.'))
        && s != "true"
        && s != "false";
    if bare {
        s.to_string()
    } else {
        format!("\"{s}\"")
    }
}

pub fn ovs_vsctl(ctx: &Context, args: &[String]) -> Output {
    if model_has_no_ovs(ctx) {
        return no_ovsdb("ovs-vsctl");
    }
    let nics = crate::lab::model::host_nics(ctx.model, ctx.host);
    let bridges = bridges(ctx.model, ctx.host, &nics);
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["show"] => Output::ok(vsctl_show(ctx.host, &bridges)),
        ["list-ifaces", name] => match bridges.iter().find(|b| b.name == *name) {
            Some(bridge) => {
                let mut names: Vec<&str> = bridge
                    .ports
                    .iter()
                    .filter(|p| p.name != bridge.name)
                    .map(|p| p.name.as_str())
                    .collect();
                names.sort_unstable();
                Output::ok(names.iter().map(|n| format!("{n}\n")).collect::<String>())
            }
            None => Output::fail(format!("ovs-vsctl: no bridge named {name}\n"), 1),
        },
        _ => Output::fail(
            format!(
                "ovs-vsctl: unknown command '{}'; use --help for help\n",
                args.join(" ")
            ),
            1,
        ),
    }
}

fn vsctl_show(host: &Host, bridges: &[Bridge]) -> String {
    let mut out = format!("{}\n", db_uuid(host));
    out.push_str("    Manager \"ptcp:6640:127.0.0.1\"\n        is_connected: true\n");
    for bridge in bridges {
        out.push_str(&format!("    Bridge {}\n", quoted(&bridge.name)));
        out.push_str("        Controller \"tcp:127.0.0.1:6633\"\n            is_connected: true\n");
        out.push_str("        fail_mode: secure\n");
        for port in &bridge.ports {
            let name = quoted(&port.name);
            out.push_str(&format!("        Port {name}\n"));
            if let Some(tag) = port.tag {
                out.push_str(&format!("            tag: {tag}\n"));
            }
            out.push_str(&format!("            Interface {name}\n"));
            if let Some(t) = port.iface_type {
                out.push_str(&format!("                type: {t}\n"));
            }
            if let Some(o) = &port.options {
                out.push_str(&format!("                options: {o}\n"));
            }
        }
    }
    out.push_str(&format!("    ovs_version: \"{OVS_VERSION}\"\n"));
    out
}

pub fn ovs_dpctl(ctx: &Context, args: &[String]) -> Output {
    if model_has_no_ovs(ctx) {
        return Output::fail(
            "ovs-dpctl: opening datapath (No such file or directory)\novs-dpctl: datapath not found (No such device)\n",
            1,
        );
    }
    if args.first().map(String::as_str) != Some("show") {
        return Output::fail("ovs-dpctl: unknown command; use --help for help\n", 1);
    }
    let nics = crate::lab::model::host_nics(ctx.model, ctx.host);
    let bridges = bridges(ctx.model, ctx.host, &nics);
    let mut ports: Vec<String> = vec!["ovs-system (internal)".into()];
    for bridge in &bridges {
        // A bridge's own internal port is created with it, before the ports added to it.
        ports.push(format!("{} (internal)", bridge.name));
        for port in bridge.ports.iter().filter(|p| p.name != bridge.name) {
            match port.iface_type {
                Some("internal") => ports.push(format!("{} (internal)", port.name)),
                None => ports.push(port.name.clone()),
                _ => {}
            }
        }
    }
    match ctx.model.sizes.type_driver {
        TypeDriver::Vxlan => ports.push("vxlan_sys_4789 (vxlan: df_default=false, ttl=0)".into()),
        TypeDriver::Gre => ports.push("gre_sys (gre: df_default=false, ttl=0)".into()),
        TypeDriver::Vlan => {}
    }
    let flows = ports.len() * 3;
    let mut out = format!(
        "system@ovs-system:\n\tlookups: hit:{} missed:{} lost:0\n\tflows: {flows}\n\tmasks: hit:{} total:{} hit/pkt:1.42\n",
        flows * 1013,
        flows * 71,
        flows * 1439,
        bridges.len() + 1
    );
    for (i, port) in ports.iter().enumerate() {
        out.push_str(&format!("\tport {i}: {port}\n"));
    }
    Output::ok(out)
}

fn model_has_no_ovs(ctx: &Context) -> bool {
    ctx.model.sizes.mechanism_driver != MechanismDriver::Ovs
}

fn no_ovsdb(program: &str) -> Output {
    Output::fail(
        format!("{program}: unix:/var/run/openvswitch/db.sock: database connection failed (No such file or directory)\n"),
        1,
    )
}
