//! The lab's host command outputs against the real tools' layouts in tests/fixtures (same
//! headers, TABs, columns, blank lines) and against the model (MACs, ids, addresses, VLANs).
// Patterns sit next to the output they check; these loops run a handful of times.
#![allow(clippy::regex_creation_in_loops)]

use calipso::lab::host_commands::HostCommands;
use calipso::lab::model::{self, host_nics, LabSizes, MechanismDriver, Model, TypeDriver};
use regex::Regex;
use std::sync::Arc;
use std::time::Duration;

struct Lab {
    m: Arc<Model>,
    shell: HostCommands,
}

impl Lab {
    fn new(driver: MechanismDriver, type_driver: TypeDriver) -> Lab {
        let m = Arc::new(
            model::build(LabSizes {
                seed: 5,
                hosts: 3,
                instances: 4,
                mechanism_driver: driver,
                type_driver,
            })
            .unwrap(),
        );
        let shell = HostCommands::new(m.clone(), Duration::ZERO);
        Lab { m, shell }
    }

    /// The output of `cmd` sent to `host` in the scanner's hop form; stderr must stay empty.
    fn run(&self, host: &str, cmd: &str) -> String {
        let line = format!("ssh -q -o StrictHostKeyChecking=no {host} sudo {cmd}");
        let out = self.shell.run(&line);
        assert_eq!(out.stderr, "", "{host}: {cmd}");
        out.stdout
    }

    fn bond_host(&self) -> &model::Host {
        self.m
            .hosts
            .iter()
            .find(|h| host_nics(&self.m, h).bond.is_some())
            .expect("a host with a bond")
    }
}

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("tests/fixtures/{path}")).unwrap()
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

/// Start columns of the whitespace-separated words of a line.
fn columns(line: &str) -> Vec<usize> {
    Regex::new(r"\S+")
        .unwrap()
        .find_iter(line)
        .map(|m| m.start())
        .collect()
}

#[test]
fn virsh_list_and_dumpxml_follow_libvirt_and_the_ports() {
    for driver in [
        MechanismDriver::Ovs,
        MechanismDriver::Lxb,
        MechanismDriver::Vpp,
    ] {
        let lab = Lab::new(driver, TypeDriver::Vlan);
        let real = fixture("cli/virsh_list.txt");
        for host in lab.m.compute_hosts() {
            let out = lab.run(&host.name, "virsh list");
            assert_eq!(lines(&out)[..2], lines(&real)[..2]);
            assert!(out.ends_with("running\n\n"), "{out:?}");
            let rows: Vec<&str> = lines(&out)[2..]
                .iter()
                .copied()
                .filter(|l| !l.is_empty())
                .collect();
            let instances: Vec<_> = lab.m.instances_on(&host.name).collect();
            assert_eq!(rows.len(), instances.len());
            for (row, instance) in rows.iter().zip(&instances) {
                assert_eq!(columns(row), columns(lines(&real)[2]));
                let id = row.split_whitespace().next().unwrap();
                assert!(row.contains(&instance.libvirt_name));
                let xml = lab.run(&host.name, &format!("virsh dumpxml {id}"));
                assert!(xml.starts_with(&format!("<domain type='kvm' id='{id}'>\n")));
                assert!(xml.contains(&format!("  <uuid>{}</uuid>\n", instance.uuid)));
                let port = lab.m.port(&instance.port_ids[0]).unwrap();
                let mac = format!("      <mac address='{}'/>\n", port.mac_address);
                assert!(xml.contains(&mac), "{xml}");
                let expected = match driver {
                    MechanismDriver::Ovs => format!(
                        "<interface type='bridge'>\n{mac}      <source bridge='qbr{}'/>\n      <target dev='{}'/>\n",
                        &port.id[..11],
                        port.tap_name()
                    ),
                    MechanismDriver::Lxb => format!(
                        "<interface type='bridge'>\n{mac}      <source bridge='brq{}'/>\n      <target dev='{}'/>\n",
                        &port.network_id[..11],
                        port.tap_name()
                    ),
                    MechanismDriver::Vpp => format!(
                        "<interface type='vhostuser'>\n{mac}      <source type='unix' path='/tmp/{}' mode='client'/>\n",
                        port.id
                    ),
                };
                assert!(xml.contains(&expected), "{expected}\n{xml}");
            }
        }
    }
}

#[test]
fn namespaces_carry_the_network_node_ports() {
    for driver in [MechanismDriver::Ovs, MechanismDriver::Lxb] {
        let lab = Lab::new(driver, TypeDriver::Vxlan);
        let node = &lab.m.gateway().name;
        let list = lab.run(node, "ip netns list");
        let real_lo = lines(&fixture(
            "cli/ip_netns_exec_qdhcp-8673c48a_ip_address_show.txt",
        ))[..6]
            .join("\n");
        let header = Regex::new(
            r"^(\d+): ([^:]+): <[A-Z_,]+> mtu \d+ qdisc \S+ state [A-Z]+ group default qlen \d+$",
        )
        .unwrap();
        let mut seen = 0;
        for port in lab
            .m
            .ports
            .iter()
            .filter(|p| !p.device_owner.starts_with("compute"))
        {
            let ns = match port.device_owner.as_str() {
                "network:dhcp" => format!("qdhcp-{}", port.network_id),
                _ => format!("qrouter-{}", port.device_id),
            };
            let listed = list
                .lines()
                .find(|l| l.split(' ').next() == Some(ns.as_str()))
                .unwrap_or_else(|| panic!("{ns} not in {list}"));
            // Linux bridge namespaces hold a veth peer of the root namespace, hence an id.
            assert_eq!(listed.contains(" (id: "), driver == MechanismDriver::Lxb);
            let out = lab.run(node, &format!("ip netns exec {ns} ip address show"));
            assert!(out.starts_with(&real_lo), "{out}");
            let short = &port.id[..11];
            let device = match (port.device_owner.as_str(), driver) {
                ("network:router_interface", _) => format!("qr-{short}"),
                ("network:router_gateway", _) => format!("qg-{short}"),
                (_, MechanismDriver::Lxb) => format!("ns-{short}"),
                _ => format!("tap{short}"),
            };
            let block: Vec<&str> = out
                .split_inclusive('\n')
                .skip_while(|l| !l.contains(&format!(": {device}")))
                .take(3)
                .collect();
            assert!(header.is_match(block[0].trim_end()), "{}", block[0]);
            assert!(block[1].starts_with(&format!(
                "    link/ether {} brd ff:ff:ff:ff:ff:ff",
                port.mac_address
            )));
            let ip = &port.fixed_ips[0].ip_address;
            let subnet = lab
                .m
                .subnets
                .iter()
                .find(|s| s.id == port.fixed_ips[0].subnet_id)
                .unwrap();
            let prefix = calipso::lab::model::prefix_len(&subnet.cidr);
            assert!(
                block[2].starts_with(&format!("    inet {ip}/{prefix} brd ")),
                "{}",
                block[2]
            );
            seen += 1;
        }
        assert_eq!(seen, list.lines().count() + lab.m.routers.len());
    }
}

#[test]
fn pnic_commands_follow_ls_iproute2_and_ethtool() {
    let lab = Lab::new(MechanismDriver::Ovs, TypeDriver::Vxlan);
    let ls = r#"ls -l /sys/class/net | grep ^l | grep -v "/virtual/""#;
    let shape = Regex::new(r"^lrwxrwxrwx 1 root (?:\S+ )?0 [A-Z][a-z]{2} [ \d]\d \d\d:\d\d (\S+) -> \.\./\.\./devices/\S+/net/(\S+)$").unwrap();
    for line in lines(&fixture("cli/ls_sys_class_net.txt")) {
        assert!(shape.is_match(line), "fixture {line}");
    }
    let real_ethtool = fixture("cli/ethtool_eno16777728.txt");
    for host in &lab.m.hosts {
        let nics = host_nics(&lab.m, host);
        let listed: Vec<String> = lab
            .run(&host.name, ls)
            .lines()
            .map(|l| shape.captures(l).unwrap_or_else(|| panic!("{l}"))[1].to_string())
            .collect();
        assert_eq!(listed, nics.physical);
        let eth0 = lab.run(&host.name, &format!("ip address show {}", nics.management));
        let real = fixture("cli/ip_address_show_ens32.txt");
        // iproute2 4.x adds `group default` to the fixture's older header.
        let header = Regex::new(r"^\d+: \S+: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP( group default)? qlen 1000$").unwrap();
        assert!(header.is_match(lines(&real)[0]));
        assert!(header.is_match(lines(&eth0)[0]), "{eth0}");
        assert_eq!(lines(&eth0)[3], lines(&real)[3]);
        assert!(eth0.contains(&format!("    inet {}/24 brd ", host.management_ip)));
        let ethtool = lab.run(&host.name, &format!("ethtool {}", nics.management));
        assert_eq!(
            lines(&ethtool)[0],
            format!("Settings for {}:", nics.management)
        );
        assert_eq!(lines(&ethtool)[1..6], lines(&real_ethtool)[1..6]);
        assert!(ethtool.lines().skip(1).all(|l| l.starts_with('\t')));
        assert!(ethtool.contains("\tLink detected: yes\n"));
    }
    // The tunnel address sits on the data NIC (bond0 on the bonded host).
    let all = lab.run(&lab.bond_host().name, "ip address show");
    let bond_block = all
        .split_inclusive('\n')
        .skip_while(|l| !l.contains(": bond0: "))
        .take(3)
        .collect::<String>();
    assert!(
        bond_block.contains(&format!("inet {}/24", lab.bond_host().tunnel_ip)),
        "{bond_block}"
    );
}

#[test]
fn bonds_follow_the_bonding_driver() {
    let lab = Lab::new(MechanismDriver::Lxb, TypeDriver::Vlan);
    let gateway = lab.m.gateway().name.clone();
    let no_bonds = lab.shell.run("sudo ls -1 /proc/net/bonding/ 2>&1");
    assert_eq!(
        no_bonds.stdout,
        fixture("illustrative/cli/ls_-1_proc_net_bonding_no_bonds.txt")
    );
    assert_ne!(gateway, lab.bond_host().name);
    let host = lab.bond_host().name.clone();
    assert_eq!(
        lab.run(&host, "ls -1 /proc/net/bonding/ 2>&1"),
        fixture("illustrative/cli/ls_-1_proc_net_bonding.txt")
    );
    // Same lines as the real file, values aside.
    let keys = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| l.split(':').next().unwrap().to_string())
            .collect()
    };
    let file = lab.run(&host, "cat /proc/net/bonding/bond0");
    let real = fixture("illustrative/cli/cat_proc_net_bonding_bond0.txt");
    assert_eq!(keys(&file), keys(&real));
    assert!(file.contains("Slave Interface: eth1\n") && file.contains("Slave Interface: eth2\n"));
    let link = lab.run(&host, "ip link show bond0");
    let real = fixture("illustrative/cli/ip_link_show_bond0.txt");
    let shape = |t: &str| {
        Regex::new(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}|^\d+")
            .unwrap()
            .replace_all(t, "X")
            .to_string()
    };
    assert_eq!(
        shape(&link).lines().skip(1).collect::<Vec<_>>(),
        shape(&real).lines().skip(1).collect::<Vec<_>>()
    );
    assert_eq!(
        lines(&link)[0].split_once(' ').unwrap().1,
        lines(&real)[0].split_once(' ').unwrap().1
    );
}

/// `brctl show` rows: `name\t\tid\tno\t\tfirst` then `\t\t\t\t\t\t\tnext` per further member.
fn brctl_bridges(out: &str) -> Vec<(String, Vec<String>)> {
    let row = Regex::new(r"^(\S+)\t\t8000\.[0-9a-f]{12}\tno\t\t(\S*)$").unwrap();
    let more = Regex::new(r"^\t{7}(\S+)$").unwrap();
    let mut bridges: Vec<(String, Vec<String>)> = Vec::new();
    for line in out.lines().skip(1) {
        if let Some(c) = row.captures(line) {
            bridges.push((c[1].to_string(), vec![c[2].to_string()]));
        } else if let Some(c) = more.captures(line) {
            bridges.last_mut().unwrap().1.push(c[1].to_string());
        } else {
            panic!("not a brctl line: {line:?}");
        }
    }
    bridges
}

#[test]
fn brctl_show_follows_bridge_utils() {
    let header = lines(&fixture("cli/brctl_show.txt"))[0].to_string();
    let real = brctl_bridges(&fixture("illustrative/cli/brctl_show_lxb.txt"));
    assert_eq!(real[0].1, ["tap1f72bd15-8a", "vxlan-52"]);
    // OVS hybrid plugging: one qbr per instance port, holding its qvb and tap.
    let lab = Lab::new(MechanismDriver::Ovs, TypeDriver::Vxlan);
    for host in &lab.m.hosts {
        let out = lab.run(&host.name, "brctl show");
        assert_eq!(lines(&out)[0], header);
        let expected: Vec<(String, Vec<String>)> = lab
            .m
            .ports
            .iter()
            .filter(|p| p.host == host.name && p.device_owner.starts_with("compute"))
            .map(|p| {
                let s = &p.id[..11];
                (format!("qbr{s}"), vec![format!("qvb{s}"), p.tap_name()])
            })
            .collect();
        let mut expected = expected;
        expected.sort();
        assert_eq!(brctl_bridges(&out), expected);
    }
    // Linux bridge: brq<network> with the taps and the segment's uplink.
    for type_driver in [TypeDriver::Vxlan, TypeDriver::Vlan] {
        let lab = Lab::new(MechanismDriver::Lxb, type_driver);
        for host in &lab.m.hosts {
            let nics = host_nics(&lab.m, host);
            let bridges = brctl_bridges(&lab.run(&host.name, "brctl show"));
            for network in &lab.m.networks {
                let taps: Vec<String> = lab
                    .m
                    .ports
                    .iter()
                    .filter(|p| p.host == host.name && p.network_id == network.id)
                    .map(|p| p.tap_name())
                    .collect();
                let brq = format!("brq{}", &network.id[..11]);
                let Some((_, members)) = bridges.iter().find(|(b, _)| *b == brq) else {
                    assert!(taps.is_empty(), "{brq} missing on {}", host.name);
                    continue;
                };
                let seg = network.segmentation_id;
                let uplink = match (network.external, seg, type_driver) {
                    (false, Some(vni), TypeDriver::Vxlan) => format!("vxlan-{vni}"),
                    (false, Some(vlan), _) => format!("{}.{vlan}", nics.data),
                    _ => nics.external.clone(),
                };
                let mut expected = taps;
                expected.push(uplink);
                expected.sort();
                assert_eq!(members, &expected);
            }
        }
    }
}

#[test]
fn ovs_outputs_follow_ovs_vsctl_and_ovs_dpctl() {
    let real_show = fixture("illustrative/cli/ovs-vsctl_show_with_br-tun.txt");
    let real_dp = fixture("illustrative/cli/ovs-dpctl_show_with_vxlan.txt");
    let indent = |t: &str| -> Vec<usize> {
        let mut v: Vec<usize> = t.lines().map(|l| l.len() - l.trim_start().len()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    for type_driver in [TypeDriver::Vxlan, TypeDriver::Gre, TypeDriver::Vlan] {
        let lab = Lab::new(MechanismDriver::Ovs, type_driver);
        for host in &lab.m.hosts {
            let show = lab.run(&host.name, "ovs-vsctl show");
            assert_eq!(indent(&show), indent(&real_show));
            assert!(show.ends_with("    ovs_version: \"2.5.2\"\n"));
            for port in lab
                .m
                .ports
                .iter()
                .filter(|p| p.host == host.name && p.device_owner.starts_with("compute"))
            {
                let qvo = format!("qvo{}", &port.id[..11]);
                let block = format!("        Port \"{qvo}\"\n            tag: ");
                assert!(show.contains(&block), "{qvo}:\n{show}");
            }
            let kind = type_driver.name();
            for other in lab.m.hosts.iter().filter(|h| h.name != host.name) {
                let remote = format!("remote_ip=\"{}\"}}", other.tunnel_ip);
                assert_eq!(show.contains(&remote), type_driver.is_tunnel(), "{show}");
                if type_driver.is_tunnel() {
                    assert!(show.contains(&format!("                type: {kind}\n")));
                }
            }
            assert_eq!(
                show.contains("    Bridge br-tun\n"),
                type_driver.is_tunnel()
            );
            assert_eq!(
                show.contains("    Bridge \"br-eth1\"\n"),
                type_driver == TypeDriver::Vlan
            );
            let dp = lab.run(&host.name, "ovs-dpctl show");
            assert_eq!(lines(&dp)[0], lines(&real_dp)[0]);
            let port = Regex::new(r"^\tport (\d+): ([^( ]+)( \(.*\))?$").unwrap();
            for (i, line) in lines(&dp).iter().skip(4).enumerate() {
                let c = port.captures(line).unwrap_or_else(|| panic!("{line:?}"));
                assert_eq!(c[1].parse::<usize>().unwrap(), i);
            }
            for line in lines(&real_dp).iter().skip(4) {
                assert!(port.is_match(line));
            }
            let stats: Vec<&str> = lines(&dp)[1..4]
                .iter()
                .map(|l| l.split(':').next().unwrap())
                .collect();
            let real_stats: Vec<&str> = lines(&real_dp)[1..4]
                .iter()
                .map(|l| l.split(':').next().unwrap())
                .collect();
            assert_eq!(stats, real_stats);
        }
    }
}

#[test]
fn lxb_vxlan_devices_and_forwarding_entries() {
    let lab = Lab::new(MechanismDriver::Lxb, TypeDriver::Vxlan);
    let real = fixture("illustrative/cli/ip_-d_link_show_lxb_vxlan_up.txt");
    let real_vxlan_lines: Vec<&str> = real
        .lines()
        .skip_while(|l| !l.contains("vxlan-52:"))
        .take(4)
        .collect();
    for host in &lab.m.hosts {
        let nics = host_nics(&lab.m, host);
        let details = lab.run(&host.name, "ip -d link show");
        let fdb = lab.run(&host.name, "bridge fdb show");
        for network in lab.m.networks.iter().filter(|n| !n.external) {
            let here = lab
                .m
                .ports
                .iter()
                .any(|p| p.host == host.name && p.network_id == network.id);
            let vni = network.segmentation_id.unwrap();
            let dev = format!("vxlan-{vni}");
            assert_eq!(details.contains(&format!(": {dev}: ")), here);
            if !here {
                continue;
            }
            let block: Vec<&str> = details
                .lines()
                .skip_while(|l| !l.contains(&format!(": {dev}: ")))
                .take(4)
                .collect();
            let words = |l: &str| {
                l.split_whitespace()
                    .filter(|w| !w.contains(':') && w.parse::<u64>().is_err())
                    .map(String::from)
                    .collect::<Vec<_>>()
            };
            assert_eq!(words(block[0]).len(), words(real_vxlan_lines[0]).len());
            assert!(block[0].contains(",UP,"));
            assert!(
                block[2].starts_with(&format!(
                    "    vxlan id {vni} local {} dev {} ",
                    host.tunnel_ip, nics.data
                )),
                "{}",
                block[2]
            );
            assert_eq!(block[3], real_vxlan_lines[3]);
            // l2population: a flooding entry towards every other host with the network.
            for other in lab.m.hosts.iter().filter(|h| h.name != host.name) {
                let has = lab
                    .m
                    .ports
                    .iter()
                    .any(|p| p.host == other.name && p.network_id == network.id);
                let entry = format!(
                    "00:00:00:00:00:00 dev {dev} dst {} self permanent\n",
                    other.tunnel_ip
                );
                assert_eq!(
                    fdb.contains(&entry),
                    has,
                    "{entry} on {}:\n{fdb}",
                    host.name
                );
            }
        }
    }
}

#[test]
fn vppctl_follows_vpp_layouts() {
    let real_int = fixture("cli/vppctl_show_int.txt");
    let real_hw = fixture("cli/vppctl_show_hardware-int_TenGigabitEthernetc_0_0.txt");
    let mode = Regex::new(r"^(l2 bridge \S+ bd_id \d+ shg 0|l3 \S+  )$").unwrap();
    for line in lines(&fixture("cli/vppctl_show_mode.txt")) {
        assert!(mode.is_match(line), "{line}");
    }
    for type_driver in [TypeDriver::Vlan, TypeDriver::Vxlan] {
        let lab = Lab::new(MechanismDriver::Vpp, type_driver);
        for host in &lab.m.hosts {
            let ver = lab.run(&host.name, "vppctl show ver");
            assert!(Regex::new(r"^vpp v\S+ built by \S+ on \S+ at ")
                .unwrap()
                .is_match(&ver));
            let int = lab.run(&host.name, "vppctl show int");
            assert_eq!(lines(&int)[0], lines(&real_int)[0]);
            let first_up = lines(&int)
                .into_iter()
                .find(|l| l.starts_with("GigabitEthernet0/8/0 "))
                .unwrap();
            // Index and state centred, counter left- and count right-aligned, as VPP pads them.
            let real_up = lines(&real_int)[1];
            assert_eq!(columns(first_up)[1..4], columns(real_up)[1..4]);
            assert_eq!(first_up.len(), real_up.len());
            let down = lines(&int)
                .into_iter()
                .find(|l| l.starts_with("local0"))
                .unwrap();
            assert_eq!(
                down,
                lines(&real_int)
                    .into_iter()
                    .find(|l| l.starts_with("local0"))
                    .unwrap()
            );
            let modes = lab.run(&host.name, "vppctl show mode");
            assert!(modes.lines().all(|l| mode.is_match(l)), "{modes}");
            let vhost = lab
                .m
                .ports
                .iter()
                .filter(|p| p.host == host.name && p.device_owner.starts_with("compute"))
                .count();
            assert_eq!(
                modes.matches("l2 bridge VirtualEthernet0/0/").count(),
                vhost
            );
            for network in lab.m.networks.iter().filter(|n| !n.external) {
                let here = lab
                    .m
                    .ports
                    .iter()
                    .any(|p| p.host == host.name && p.network_id == network.id);
                let bd = format!(" bd_id {} shg 0", network.segmentation_id.unwrap());
                assert_eq!(modes.contains(&bd), here, "{bd}:\n{modes}");
            }
            let hw = lab.run(&host.name, "vppctl show hardware-int GigabitEthernet0/8/0");
            assert_eq!(lines(&hw)[0], lines(&real_hw)[0]);
            assert_eq!(
                columns(lines(&hw)[1]),
                columns(lines(&real_hw)[1])[..3]
                    .iter()
                    .copied()
                    .chain([46])
                    .collect::<Vec<_>>()
            );
            assert!(lines(&hw)[2].starts_with("  Ethernet address "));
            // networking-vpp gives an instance's vhost-user interface the Neutron port's MAC.
            if vhost > 0 {
                let hw = lab.run(&host.name, "vppctl show hardware-int VirtualEthernet0/0/0");
                let mac = lines(&hw)[2].trim_start_matches("  Ethernet address ");
                assert!(
                    lab.m
                        .ports
                        .iter()
                        .any(|p| p.host == host.name && p.mac_address == mac),
                    "{hw}"
                );
            }
        }
    }
}
