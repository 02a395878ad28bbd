//! FD.io VPP's `vppctl`: `show ver`, `show int`, `show mode`, `show hardware-interfaces [<if>]`
//! on a networking-vpp host. Each Neutron network with ports on the host is a bridge domain
//! (id = segmentation id, 1 for the flat external network) holding the instances'
//! vhost-user interfaces (`VirtualEthernet0/0/N`), the namespace taps (`tap-N`) and the
//! uplink: a VLAN sub-interface of the data NIC, VXLAN tunnels to the other hosts, or the
//! external NIC.

use super::wiring::{derived_mac, networks_on, ports_on};
use super::{Context, Output};
use crate::lab::model::{Host, MechanismDriver, Model};

const DATA_NIC: &str = "GigabitEthernet0/8/0";
const EXTERNAL_NIC: &str = "GigabitEthernet0/9/0";

struct VppIf {
    name: String,
    up: bool,
    /// Bridge domain, for l2 interfaces.
    bd: Option<u32>,
    /// A hardware interface (`show hardware-interfaces` knows it).
    hardware: bool,
    mac: Option<String>,
}

fn interfaces(model: &Model, host: &Host) -> Vec<VppIf> {
    let iface = |name: String, up, bd, hardware, mac| VppIf {
        name,
        up,
        bd,
        hardware,
        mac,
    };
    let mac = |name: &str| Some(derived_mac(&host.name, name));
    let mut list = vec![
        iface("local0".into(), false, None, true, None),
        iface(DATA_NIC.into(), true, None, true, mac(DATA_NIC)),
    ];
    let networks = networks_on(model, host);
    let external = networks.iter().any(|n| n.external);
    list.push(iface(
        EXTERNAL_NIC.into(),
        external,
        None,
        true,
        mac(EXTERNAL_NIC),
    ));
    let (mut vhost, mut tap, mut tunnel) = (0, 0, 0);
    for network in networks {
        let bd = if network.external {
            1
        } else {
            network.segmentation_id.unwrap_or(1)
        };
        if network.external {
            if let Some(nic) = list.iter_mut().find(|i| i.name == EXTERNAL_NIC) {
                nic.bd = Some(bd);
            }
        } else if model.sizes.type_driver.is_tunnel() {
            for remote in model.hosts.iter().filter(|h| h.name != host.name) {
                if model
                    .ports
                    .iter()
                    .any(|p| p.host == remote.name && p.network_id == network.id)
                {
                    list.push(iface(
                        format!("vxlan_tunnel{tunnel}"),
                        true,
                        Some(bd),
                        true,
                        None,
                    ));
                    tunnel += 1;
                }
            }
        } else {
            list.push(iface(
                format!("{DATA_NIC}.{bd}"),
                true,
                Some(bd),
                false,
                None,
            ));
        }
        for port in ports_on(model, host).filter(|p| p.network_id == network.id) {
            // networking-vpp creates an instance's vhost-user interface with the Neutron port's
            // MAC (`create_vhost_user_if` with `use_custom_mac`), as in the original's VPP test
            // data (`VirtualEthernet0/0/8` with `fa:16:3e:d1:98:73`); a namespace tap's VPP end
            // has a MAC of its own.
            let (name, m) = if port.device_owner.starts_with("compute:") {
                vhost += 1;
                (
                    format!("VirtualEthernet0/0/{}", vhost - 1),
                    Some(port.mac_address.clone()),
                )
            } else {
                tap += 1;
                let name = format!("tap-{}", tap - 1);
                let m = mac(&name);
                (name, m)
            };
            list.push(iface(name, true, Some(bd), true, m));
        }
    }
    list
}

pub fn vppctl(ctx: &Context, args: &[String]) -> Output {
    if ctx.model.sizes.mechanism_driver != MechanismDriver::Vpp {
        return Output::fail(
            "clib_socket_init: connect (fd 3, '/run/vpp/cli.sock'): No such file or directory\n",
            1,
        );
    }
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let list = interfaces(ctx.model, ctx.host);
    let text = match words.as_slice() {
        ["show", v] if "version".starts_with(v) && v.len() >= 3 => {
            "vpp v17.01-rc0~242-gabd98b2~b1576 built by jenkins on ubuntu1604-basebuild-4c-4g-1284 at Mon Nov 28 21:03:29 UTC 2016\n".to_string()
        },
        ["show", i] if "interface".starts_with(i) && i.len() >= 3 => show_int(&list),
        ["show", "mode"] => show_mode(&list),
        ["show", h, rest @ ..] if h.starts_with("hardware") => show_hardware(&list, rest),
        _ => format!("unknown input `{}'\n", words.join(" ")),
    };
    Output::ok(text)
}

/// `%=width` of VPP's format: centred, the odd space on the left.
fn centred(text: &str, width: usize) -> String {
    let spare = width.saturating_sub(text.len());
    let left = spare.div_ceil(2);
    format!("{}{text}{}", " ".repeat(left), " ".repeat(spare - left))
}

fn state(up: bool) -> &'static str {
    if up {
        "up"
    } else {
        "down"
    }
}

fn show_int(list: &[VppIf]) -> String {
    let mut out = format!(
        "{}{}{}{}{}\n",
        centred("Name", 32),
        centred("Idx", 5),
        centred("State", 16),
        centred("Counter", 16),
        centred("Count", 16)
    );
    for (idx, i) in list.iter().enumerate() {
        let head = format!(
            "{:<32}{}{}",
            i.name,
            centred(&idx.to_string(), 5),
            centred(state(i.up), 16)
        );
        if !i.up {
            out.push_str(&format!("{head}\n"));
            continue;
        }
        let base = 1000 * (idx as u64 + 1);
        let counters = [
            ("rx packets", base),
            ("rx bytes", base * 98),
            ("tx packets", base + 17),
            ("tx bytes", (base + 17) * 98),
        ];
        for (n, (counter, count)) in counters.iter().enumerate() {
            let lead = if n == 0 { head.clone() } else { " ".repeat(53) };
            out.push_str(&format!("{lead}{counter:<16}{count:>16}\n"));
        }
    }
    out
}

fn show_mode(list: &[VppIf]) -> String {
    list.iter()
        .map(|i| match i.bd {
            Some(bd) => format!("l2 bridge {} bd_id {bd} shg 0\n", i.name),
            None => format!("l3 {}  \n", i.name),
        })
        .collect()
}

fn show_hardware(list: &[VppIf], names: &[&str]) -> String {
    let mut out = format!(
        "{}{}{}{}\n",
        centred("Name", 32),
        centred("Idx", 6),
        centred("Link", 8),
        "Hardware"
    );
    let selected: Vec<(usize, &VppIf)> = list
        .iter()
        .enumerate()
        .filter(|(_, i)| i.hardware && (names.is_empty() || names.contains(&i.name.as_str())))
        .collect();
    if let Some(unknown) = names
        .iter()
        .find(|n| !selected.iter().any(|(_, i)| i.name == **n))
    {
        // Names are matched whole: a sub-interface is not a hardware interface.
        return format!("show hardware-interfaces: unknown input `{unknown}'\n");
    }
    for (idx, i) in selected {
        out.push_str(&format!(
            "{:<32}{}{}{}\n",
            i.name,
            centred(&idx.to_string(), 6),
            centred(state(i.up), 8),
            i.name
        ));
        if let Some(mac) = &i.mac {
            out.push_str(&format!("  Ethernet address {mac}\n"));
        }
        if i.name.starts_with("GigabitEthernet") {
            out.push_str("  Intel 82540EM (e1000)\n    carrier up full duplex speed 1000 mtu 9216 \n    rx queues 1, rx desc 1024, tx queues 1, tx desc 1024\n    cpu socket 0\n\n");
        } else if i.name.starts_with("vxlan_tunnel") {
            out.push_str("  VXLAN\n");
        } else if i.name.starts_with("VirtualEthernet") {
            out.push_str("  VHOST_USER\n");
        } else if i.name.starts_with("tap-") {
            out.push_str("  TAP\n");
        }
    }
    out
}
