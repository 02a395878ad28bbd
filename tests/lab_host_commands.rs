//! The host command responder without SSH: the exact command lines of the golden
//! command_adaptation.json, interpreted by the lab's gateway shell.

use calipso::lab::host_commands::HostCommands;
use calipso::lab::model::{self, LabSizes, MechanismDriver, Model, TypeDriver};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

fn lab_model(hosts: usize) -> Arc<Model> {
    Arc::new(
        model::build(LabSizes {
            seed: 1,
            hosts,
            instances: 2,
            mechanism_driver: MechanismDriver::Ovs,
            type_driver: TypeDriver::Vxlan,
        })
        .unwrap(),
    )
}

fn golden_row(command: &str) -> Value {
    let text =
        std::fs::read_to_string("tests/fixtures/expected/golden/cli/command_adaptation.json")
            .unwrap();
    let golden: Value = serde_json::from_str(&text).unwrap();
    golden["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["command"] == command)
        .unwrap_or_else(|| panic!("golden row for {command}"))
        .clone()
}

/// The golden strings name host `node-1`; the lab's hosts have their own names.
fn for_host(line: &str, host: &str) -> String {
    line.replace(" node-1 ", &format!(" {host} "))
}

#[test]
fn os_details_command_in_both_golden_forms() {
    let m = lab_model(3);
    let shell = HostCommands::new(m.clone(), Duration::ZERO);
    let row = golden_row("cat /etc/os-release && echo \"ARCHITECURE=`arch`\"");
    let on_gateway = row["other_dist_on_gateway"][0].as_str().unwrap();
    let gateway_out = shell.run(on_gateway);
    assert_eq!(gateway_out.stderr, "");
    assert_eq!(gateway_out.status, 0);
    let expected_tail = "UBUNTU_CODENAME=xenial\nARCHITECURE=x86_64\n";
    assert!(
        gateway_out.stdout.ends_with(expected_tail),
        "{}",
        gateway_out.stdout
    );
    assert!(gateway_out.stdout.starts_with(
        "NAME=\"Ubuntu\"\nVERSION=\"16.04.4 LTS (Xenial Xerus)\"\nID=ubuntu\nID_LIKE=debian\n"
    ));
    let on_node = row["other_dist_on_node"][0].as_str().unwrap();
    for host in &m.hosts {
        let out = shell.run(&for_host(on_node, &host.name));
        assert_eq!(out.stdout, gateway_out.stdout, "{}", host.name);
        assert_eq!(out.status, 0);
    }
    // Short names and management addresses resolve too, as they would through /etc/hosts.
    let short = m.hosts[1].name.split('.').next().unwrap().to_string();
    assert_eq!(shell.run(&for_host(on_node, &short)).status, 0);
    assert_eq!(
        shell
            .run(&for_host(on_node, &m.hosts[1].management_ip))
            .status,
        0
    );
}

#[test]
fn uname_answers_for_the_gateway_and_through_the_hop() {
    let m = lab_model(3);
    let shell = HostCommands::new(m.clone(), Duration::ZERO);
    assert_eq!(
        shell.run("uname -n").stdout,
        format!("{}\n", m.hosts[0].name)
    );
    let hop = format!(
        "ssh -q -o StrictHostKeyChecking=no {} sudo uname -n",
        m.hosts[2].name
    );
    assert_eq!(shell.run(&hop).stdout, format!("{}\n", m.hosts[2].name));
    let aio = lab_model(1);
    let shell = HostCommands::new(aio.clone(), Duration::ZERO);
    assert_eq!(
        shell.run("uname -n").stdout,
        format!("{}\n", aio.hosts[0].name)
    );
}

#[test]
fn the_gateway_shell_runs_pipes_and_lists_locally() {
    let m = lab_model(2);
    let shell = HostCommands::new(m.clone(), Duration::ZERO);
    let host = &m.hosts[1].name;
    // The grep after the pipe runs on the gateway, on the remote command's output.
    let out = shell.run(&format!(
        "ssh -q -o StrictHostKeyChecking=no {host} sudo cat /etc/os-release | grep ^ID"
    ));
    assert_eq!(out.stdout, "ID=ubuntu\nID_LIKE=debian\n");
    let out = shell.run("sudo cat /etc/os-release | grep -v \"=\"");
    assert_eq!((out.stdout.as_str(), out.status), ("", 1));
    let out = shell.run("sudo cat /nonexistent && echo never");
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, "cat: /nonexistent: No such file or directory\n");
    assert_eq!(out.status, 1);
    let out = shell.run("sudo cat /nonexistent 2>&1 || echo fallback");
    assert_eq!(
        out.stdout,
        "cat: /nonexistent: No such file or directory\nfallback\n"
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn unknown_programs_and_hosts_fail_like_a_real_shell() {
    let m = lab_model(3);
    let shell = HostCommands::new(m.clone(), Duration::ZERO);
    let out = shell.run("nosuchtool -x");
    assert_eq!(
        (out.stderr.as_str(), out.status),
        ("bash: nosuchtool: command not found\n", 127)
    );
    let out = shell.run("sudo nosuchtool -x");
    assert_eq!(
        (out.stderr.as_str(), out.status),
        ("sudo: nosuchtool: command not found\n", 1)
    );
    let out = shell.run("ssh -o StrictHostKeyChecking=no ghost sudo uname -n");
    assert_eq!(
        out.stderr,
        "ssh: Could not resolve hostname ghost: Name or service not known\r\n"
    );
    assert_eq!(out.status, 255);
    let quiet = shell.run("ssh -q -o StrictHostKeyChecking=no ghost sudo uname -n");
    assert_eq!(
        (quiet.stderr.as_str(), quiet.status),
        ("", 255),
        "-q silences it"
    );
    let out = shell.run("echo \"unterminated");
    assert_eq!(out.status, 2);
    assert!(out.stderr.starts_with("bash: "), "{}", out.stderr);
}

// ---- Every host command of a scan, per mechanism driver and overlay -------------------------

const COMBOS: [(MechanismDriver, TypeDriver); 7] = [
    (MechanismDriver::Ovs, TypeDriver::Vxlan),
    (MechanismDriver::Ovs, TypeDriver::Gre),
    (MechanismDriver::Ovs, TypeDriver::Vlan),
    (MechanismDriver::Lxb, TypeDriver::Vxlan),
    (MechanismDriver::Lxb, TypeDriver::Vlan),
    (MechanismDriver::Vpp, TypeDriver::Vlan),
    (MechanismDriver::Vpp, TypeDriver::Vxlan),
];

fn driver_model(driver: MechanismDriver, type_driver: TypeDriver) -> Arc<Model> {
    Arc::new(
        model::build(LabSizes {
            seed: 3,
            hosts: 3,
            instances: 4,
            mechanism_driver: driver,
            type_driver,
        })
        .unwrap(),
    )
}

/// What CliAccess sends for `cmd` on `host` (fetchers.md §2.3), as in command_adaptation.json.
fn sent(m: &Model, host: &str, cmd: &str) -> String {
    if host == m.gateway().name {
        format!("sudo {cmd}")
    } else {
        format!("ssh -q -o StrictHostKeyChecking=no {host} sudo {cmd}")
    }
}

/// Runs `cmd` on `host` as the scanner would and insists on a clean answer.
fn answer(shell: &HostCommands, m: &Model, host: &str, cmd: &str) -> String {
    let out = shell.run(&sent(m, host, cmd));
    assert_eq!(out.stderr, "", "{host}: {cmd}");
    assert_eq!(out.status, 0, "{host}: {cmd}");
    out.stdout
}

#[test]
fn the_sent_form_is_the_golden_one() {
    let m = lab_model(3);
    for cmd in [
        "virsh list",
        "brctl show",
        "ovs-dpctl show",
        "vppctl show ver",
    ] {
        let row = golden_row(cmd);
        let node = row["other_dist_on_node"][0].as_str().unwrap();
        assert_eq!(sent(&m, "node-1", cmd), node);
        let gateway = &m.gateway().name;
        assert_eq!(
            sent(&m, gateway, cmd),
            row["other_dist_on_gateway"][0].as_str().unwrap()
        );
    }
}

/// The command list of fetchers.md §4.3, for one host, as a scan would send it.
fn scan_commands(shell: &HostCommands, m: &Model, host: &model::Host) -> Vec<String> {
    let name = &host.name;
    let driver = m.sizes.mechanism_driver;
    let mut cmds = vec!["cat /etc/os-release && echo \"ARCHITECURE=`arch`\"".to_string()];
    if host.network {
        cmds.push("ip netns list".into());
        // Newer iproute2 appends ` (id: N)`: the namespace is the first word (§3.10).
        for line in answer(shell, m, name, "ip netns list").lines() {
            let ns = line.split(' ').next().unwrap();
            cmds.push(format!("ip netns exec {ns} ip address show"));
        }
    }
    if host.compute {
        cmds.push("virsh list".into());
        for line in answer(shell, m, name, "virsh list").lines().skip(2) {
            if let Some(id) = line.split_whitespace().next() {
                cmds.push(format!("virsh dumpxml {id}"));
            }
        }
    }
    if driver == MechanismDriver::Vpp {
        for c in ["show ver", "show int", "show mode"] {
            cmds.push(format!("vppctl {c}"));
        }
        for line in answer(shell, m, name, "vppctl show int").lines().skip(1) {
            if line.starts_with("GigabitEthernet") {
                let port = line.split_whitespace().next().unwrap();
                cmds.push(format!("vppctl show hardware-interfaces {port}"));
            }
        }
        for line in answer(shell, m, name, "vppctl show mode").lines() {
            if let Some(rest) = line.strip_prefix("l2 bridge ") {
                let interface = rest.split(' ').next().unwrap();
                cmds.push(format!("vppctl show hardware-int {interface}"));
            }
        }
        return cmds;
    }
    let ls = "ls -l /sys/class/net | grep ^l | grep -v \"/virtual/\"";
    cmds.push(ls.into());
    for line in answer(shell, m, name, ls).lines() {
        let nic = line.rsplit('/').next().unwrap().trim();
        cmds.push(format!("ip address show {nic}"));
        cmds.push(format!("ethtool {nic}"));
    }
    cmds.push("ls -1 /proc/net/bonding/ 2>&1".into());
    if let Some((bond, _)) = model::host_nics(m, host).bond {
        cmds.push(format!("cat /proc/net/bonding/{bond}"));
        cmds.push(format!("ip link show {bond}"));
    }
    cmds.push("brctl show".into());
    match driver {
        MechanismDriver::Lxb => cmds.extend(["ip -d link show".into(), "bridge fdb show".into()]),
        _ => {
            cmds.extend(["ovs-vsctl show".into(), "ovs-dpctl show".into()]);
            cmds.push("ip address show".into());
            for bridge in ["br-int", "br-ex", "br-eth1"] {
                if answer(shell, m, name, "ovs-vsctl show").contains(&format!("Bridge {bridge}\n"))
                    || answer(shell, m, name, "ovs-vsctl show")
                        .contains(&format!("Bridge \"{bridge}\"\n"))
                {
                    cmds.push(format!("ovs-vsctl list-ifaces {bridge}"));
                }
            }
        }
    }
    cmds
}

#[test]
fn every_scan_command_answers_cleanly_on_every_host_for_every_driver() {
    for (driver, type_driver) in COMBOS {
        let m = driver_model(driver, type_driver);
        let shell = HostCommands::new(m.clone(), Duration::ZERO);
        for host in &m.hosts {
            let cmds = scan_commands(&shell, &m, host);
            assert!(cmds.len() > 5, "{driver:?}/{type_driver:?} {}", host.name);
            for cmd in cmds {
                let out = shell.run(&sent(&m, &host.name, &cmd));
                let what = format!("{driver:?}/{type_driver:?} {}: {cmd}", host.name);
                assert_eq!(out.stderr, "", "{what}");
                assert!(!out.stdout.is_empty(), "{what}");
                // `ls` of a missing /proc/net/bonding fails; its message went to stdout.
                if !cmd.ends_with("2>&1") {
                    assert_eq!(out.status, 0, "{what}");
                }
            }
        }
    }
}

/// Every golden row: the Mercury forms (`docker exec --user root <container> …`, no sudo, the
/// `ip netns list` of both agent containers concatenated) answer what the plain forms answer.
#[test]
fn mercury_docker_forms_answer_like_the_plain_ones() {
    let text =
        std::fs::read_to_string("tests/fixtures/expected/golden/cli/command_adaptation.json")
            .unwrap();
    let golden: Value = serde_json::from_str(&text).unwrap();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    for (driver, type_driver) in [
        (MechanismDriver::Ovs, TypeDriver::Vlan),
        (MechanismDriver::Lxb, TypeDriver::Vxlan),
    ] {
        let m = driver_model(driver, type_driver);
        let shell = HostCommands::new(m.clone(), Duration::ZERO);
        let run_all = |lines: Vec<String>| {
            let outs: Vec<_> = lines.iter().map(|l| shell.run(l)).collect();
            let mut stdout: Vec<String> = outs
                .iter()
                .flat_map(|o| o.stdout.lines().map(String::from))
                .collect();
            stdout.sort();
            let stderr: String = outs.iter().map(|o| o.stderr.clone()).collect();
            (stdout, stderr)
        };
        for row in golden["rows"].as_array().unwrap() {
            let node = &m.hosts[1].name;
            let on_node = |key: &str| -> Vec<String> {
                strings(&row[key])
                    .iter()
                    .map(|l| for_host(l, node))
                    .collect()
            };
            let what = row["command"].as_str().unwrap();
            assert_eq!(
                run_all(on_node("mercury_10209_on_node")),
                run_all(on_node("other_dist_on_node")),
                "{what}"
            );
            assert_eq!(
                run_all(strings(&row["mercury_10209_on_gateway"])),
                run_all(strings(&row["other_dist_on_gateway"])),
                "{what}"
            );
        }
        let ns = shell.run(&sent(&m, &m.gateway().name, "ip netns list"));
        assert!(ns.stdout.contains("qrouter-") && ns.stdout.contains("qdhcp-"));
        let l3 = shell.run("docker exec --user root neutron_l3_agent_10209 ip netns list");
        assert!(l3.stdout.lines().all(|l| l.starts_with("qrouter-")));
        let none = shell.run("docker exec --user root nosuch_1 ip link show");
        assert_eq!(none.stderr, "Error: No such container: nosuch_1\n");
    }
}
