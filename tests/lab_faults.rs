//! The lab's misbehaving hosts (`--fault`), seen as the SSH server answers them: the bytes,
//! exit statuses and delays a scanner meets.

use calipso::lab::host_commands::faults::{Fault, Faults};
use calipso::lab::host_commands::HostCommands;
use calipso::lab::model::{self, LabSizes, MechanismDriver, TypeDriver};
use calipso::lab::ssh_server::{CommandHandler, CommandReply};
use std::sync::Arc;
use std::time::Duration;

const HOP: &str = "ssh -q -o StrictHostKeyChecking=no";

fn shell(faults: &[&str]) -> HostCommands {
    let m = Arc::new(
        model::build(LabSizes {
            seed: 1,
            hosts: 3,
            instances: 2,
            mechanism_driver: MechanismDriver::Ovs,
            type_driver: TypeDriver::Vxlan,
        })
        .unwrap(),
    );
    let hosts: Vec<&str> = m.hosts.iter().map(|h| h.name.as_str()).collect();
    let faults = faults.iter().map(|f| f.parse::<Fault>().unwrap()).collect();
    let faults = Faults::new(faults, &hosts).unwrap();
    HostCommands::new(m.clone(), Duration::ZERO).with_faults(faults)
}

fn answer(shell: &HostCommands, line: &str) -> CommandReply {
    shell.handle("calipso", line)
}

#[test]
fn unreachable_host_fails_the_hop_like_openssh() {
    let s = shell(&["node-2.calipso.lab:unreachable"]);
    let quiet = answer(&s, &format!("{HOP} node-2.calipso.lab sudo brctl show"));
    assert_eq!(
        (
            quiet.stdout.as_slice(),
            quiet.stderr.as_slice(),
            quiet.exit_status
        ),
        (&b""[..], &b""[..], 255),
        "-q silences ssh's connect error"
    );
    let loud = answer(&s, "ssh -p 22 node-2.calipso.lab uname -n");
    assert_eq!(
        String::from_utf8(loud.stderr).unwrap(),
        "ssh: connect to host node-2.calipso.lab port 22: No route to host\r\n"
    );
    assert_eq!(loud.exit_status, 255);
    // `&&` after the failed hop does not run; other hosts answer.
    let chained = answer(
        &s,
        &format!("{HOP} node-2.calipso.lab sudo cat /etc/os-release && echo \"A=`arch`\""),
    );
    assert_eq!((chained.stdout.len(), chained.exit_status), (0, 255));
    let other = answer(&s, &format!("{HOP} node-3.calipso.lab sudo brctl show"));
    assert_eq!(other.exit_status, 0);
    assert!(other.stdout.starts_with(b"bridge name"));
}

#[test]
fn sudo_refusal_hits_only_the_prefixed_commands() {
    let s = shell(&["node-2.calipso.lab:sudo-refused:virsh"]);
    let refused = answer(&s, &format!("{HOP} node-2.calipso.lab sudo virsh list"));
    assert_eq!(
        String::from_utf8(refused.stderr).unwrap(),
        "sudo: no tty present and no askpass program specified\n"
    );
    assert_eq!((refused.stdout.len(), refused.exit_status), (0, 1));
    let fine = answer(&s, &format!("{HOP} node-2.calipso.lab sudo brctl show"));
    assert_eq!((fine.stderr.len(), fine.exit_status), (0, 0));
    // With 2>&1 on the gateway the refusal lands in stdout, as it would there.
    let merged = answer(
        &s,
        &format!("{HOP} node-2.calipso.lab sudo virsh list 2>&1"),
    );
    assert!(merged.stdout.starts_with(b"sudo: no tty present"));
}

#[test]
fn hanging_and_garbled_commands() {
    let s = shell(&[
        "node-2.calipso.lab:hang:virsh dumpxml",
        "node-1.calipso.lab:garbage:brctl",
    ]);
    let hangs = answer(
        &s,
        &format!("{HOP} node-2.calipso.lab sudo virsh dumpxml 1"),
    );
    assert!(
        hangs.delay >= Duration::from_secs(3600),
        "{:?}",
        hangs.delay
    );
    let lists = answer(&s, &format!("{HOP} node-2.calipso.lab sudo virsh list"));
    assert_eq!(lists.delay, Duration::ZERO);

    // node-1 is the gateway: its commands come without the hop.
    let garbled = answer(&s, "sudo brctl show");
    assert!(std::str::from_utf8(&garbled.stdout).is_err());
    assert_eq!(garbled.exit_status, 0);
    let clean = s.run("sudo brctl show").stdout;
    let cut = garbled.stdout.iter().position(|b| *b == 0xff).unwrap();
    assert_eq!(&garbled.stdout[..cut], &clean.as_bytes()[..cut]);
    assert_eq!(
        garbled.stdout,
        answer(&s, "sudo brctl show").stdout,
        "the same garbage each time"
    );
}

#[test]
fn lab_up_rejects_a_fault_on_an_unknown_host() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_calipso-lab"))
        .args(["up", "--no-mysql", "--bind", "127.0.0.254", "--dir"])
        .arg(dir.path())
        .args(["--fault", "node-9.calipso.lab:hang"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the lab has no host 'node-9.calipso.lab' (hosts: node-1.calipso.lab"),
        "{stderr}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_calipso-lab"))
        .args(["up", "--fault", "node-1.calipso.lab:melt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown kind 'melt'"));
}
