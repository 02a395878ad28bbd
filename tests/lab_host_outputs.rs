//! The lab's host command outputs against the real tools' layouts in tests/fixtures (same
//! headers, TABs, columns, blank lines) and against the model (MACs, ids, addresses, VLANs).

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

    fn host(&self, i: usize) -> &model::Host {
        &self.m.hosts[i]
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
            assert!(list.lines().any(|l| l == ns), "{ns} not in {list}");
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
            assert!(
                block[2].starts_with(&format!("    inet {ip}/24 brd ")),
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
    let no_bonds = lab
        .shell
        .run(&format!("sudo ls -1 /proc/net/bonding/ 2>&1"));
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
