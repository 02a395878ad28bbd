//! The lab's SSH gateway, through a real SSH client (libssh2), with the command strings a Calipso
//! scanner sends (fixtures/expected/golden/cli/command_adaptation.json).

#[path = "common/lab.rs"]
mod lab;

use lab::Lab;
use ssh2::Session;
use std::io::Read;
use std::net::TcpStream;

struct Reply {
    stdout: String,
    stderr: String,
    status: i32,
}

fn session(lab: &Lab, use_key: bool) -> Session {
    let port: u16 = lab.conf("CLI", "port").parse().unwrap();
    let tcp = TcpStream::connect((lab.conf("CLI", "host").as_str(), port)).unwrap();
    let mut s = Session::new().unwrap();
    s.set_tcp_stream(tcp);
    s.set_timeout(15_000);
    s.handshake().unwrap();
    let user = lab.conf("CLI", "user");
    if use_key {
        s.userauth_pubkey_file(&user, None, &lab.key_path(), None)
            .unwrap();
    } else {
        s.userauth_password(&user, &lab.conf("CLI", "pwd")).unwrap();
    }
    assert!(s.authenticated());
    s
}

fn run(s: &Session, command: &str) -> Reply {
    let mut channel = s.channel_session().unwrap();
    channel.exec(command).unwrap();
    let mut stdout = String::new();
    channel.read_to_string(&mut stdout).unwrap();
    let mut stderr = String::new();
    channel.stderr().read_to_string(&mut stderr).unwrap();
    channel.wait_close().unwrap();
    Reply {
        stdout,
        stderr,
        status: channel.exit_status().unwrap(),
    }
}

const OS_COMMAND: &str = "cat /etc/os-release && echo \"ARCHITECURE=`arch`\"";

/// What the scanner extracts from the OS-details output (fetchers.md §3.6).
fn os_value(output: &str, key: &str) -> Option<String> {
    output
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .map(|v| v.trim_matches('"').to_string())
}

#[test]
fn gateway_answers_the_scanners_commands() {
    let lab = Lab::start(&["--no-mysql"]);
    let m = &lab.model;
    let gateway = &m.hosts[0].name;
    for use_key in [true, false] {
        let s = session(&lab, use_key);
        let uname = run(&s, "uname -n");
        assert_eq!(uname.stdout, format!("{gateway}\n"));
        assert_eq!((uname.stderr.as_str(), uname.status), ("", 0));
    }
    let s = session(&lab, true);

    let on_gateway = run(&s, &format!("sudo {OS_COMMAND}"));
    assert_eq!(on_gateway.stderr, "");
    assert_eq!(on_gateway.status, 0);
    for host in &m.hosts[1..] {
        let line = format!(
            "ssh -q -o StrictHostKeyChecking=no {} sudo {OS_COMMAND}",
            host.name
        );
        let out = run(&s, &line);
        assert_eq!(out.stderr, "", "{line}");
        assert_eq!(out.status, 0);
        assert_eq!(out.stdout, on_gateway.stdout, "same OS on every host");
        assert_eq!(os_value(&out.stdout, "NAME").as_deref(), Some("Ubuntu"));
        assert_eq!(os_value(&out.stdout, "ID").as_deref(), Some("ubuntu"));
        assert_eq!(os_value(&out.stdout, "ID_LIKE").as_deref(), Some("debian"));
        assert!(os_value(&out.stdout, "VERSION")
            .unwrap()
            .starts_with("16.04"));
        assert!(
            out.stdout.ends_with("\nARCHITECURE=x86_64\n"),
            "{}",
            out.stdout
        );
    }

    let unknown_host = run(
        &s,
        "ssh -o StrictHostKeyChecking=no node-99.nowhere sudo uname -n",
    );
    assert_eq!(unknown_host.status, 255);
    assert_eq!(
        unknown_host.stderr,
        "ssh: Could not resolve hostname node-99.nowhere: Name or service not known\r\n"
    );
    let unknown_command = run(&s, "frobnicate --all");
    assert_eq!(unknown_command.status, 127);
    assert_eq!(
        unknown_command.stderr,
        "bash: frobnicate: command not found\n"
    );
    assert_eq!(unknown_command.stdout, "");
}

#[test]
fn latency_applies_to_ssh_commands() {
    let lab = Lab::start(&["--latency-ms", "400", "--no-mysql"]);
    let s = session(&lab, false);
    let started = std::time::Instant::now();
    let out = run(&s, "uname -n");
    assert!(started.elapsed() >= std::time::Duration::from_millis(400));
    assert_eq!(out.status, 0);
}
