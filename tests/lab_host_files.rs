//! Files on the lab's hosts: the file tools of the gateway shell (`mkdir`, `chown`, `cp`,
//! `scp`, `cat`, globs), the services (`service`, `systemctl`) and the SFTP subsystem through
//! the real libssh2 client, with Unix owners and the tools' own messages.

use calipso::lab::host_commands::HostCommands;
use calipso::lab::model::{self, LabSizes, MechanismDriver, Model, TypeDriver};
use calipso::lab::ssh_server::{serve, SshServerConfig, SshUser};
use calipso::secret::Secret;
use ssh2::Session;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn lab_model() -> Arc<Model> {
    Arc::new(
        model::build(LabSizes {
            seed: 1,
            hosts: 3,
            instances: 2,
            mechanism_driver: MechanismDriver::Ovs,
            type_driver: TypeDriver::Vxlan,
        })
        .unwrap(),
    )
}

#[test]
fn directories_need_root_until_given_away() {
    let shell = HostCommands::new(lab_model(), Duration::ZERO);
    let out = shell.run("mkdir -p /etc/sensu/conf.d");
    assert_eq!(out.status, 1);
    assert_eq!(
        out.stderr,
        "mkdir: cannot create directory '/etc/sensu': Permission denied\n"
    );
    assert_eq!(shell.run("sudo mkdir -p /etc/sensu/conf.d").status, 0);
    let out = shell.run("chown -R calipso /etc/sensu");
    assert_eq!(
        out.stderr,
        "chown: changing ownership of '/etc/sensu': Operation not permitted\n"
    );
    assert_eq!(shell.run("sudo chown -R calipso /etc/sensu").status, 0);
    let out = shell.run("cat /etc/sensu/conf.d/client.json");
    assert_eq!(
        out.stderr,
        "cat: /etc/sensu/conf.d/client.json: No such file or directory\n"
    );
    // The model's files are still there.
    assert!(shell
        .run("cat /etc/os-release")
        .stdout
        .contains("ID=ubuntu"));
}

#[test]
fn cp_and_scp_expand_globs_on_the_host_they_run_on() {
    let m = lab_model();
    let shell = HostCommands::new(m.clone(), Duration::ZERO);
    let files = shell.files();
    let gateway = m.gateway().name.clone();
    let other = m.hosts[1].name.clone();
    shell.run("mkdir -p /tmp/cfg");
    for name in ["a.json", "b.json"] {
        files
            .write(
                &gateway,
                "calipso",
                &format!("/tmp/cfg/{name}"),
                name.as_bytes().to_vec(),
                0o644,
            )
            .unwrap();
    }
    // scp into a directory the login user does not own fails like scp does.
    let ssh = format!("ssh -q -o StrictHostKeyChecking=no {other}");
    assert_eq!(
        shell
            .run(&format!("{ssh} sudo mkdir -p /etc/sensu/conf.d"))
            .status,
        0
    );
    let out = shell.run(&format!(
        "scp /tmp/cfg/* calipso@{other}:/etc/sensu/conf.d/"
    ));
    assert_eq!(out.status, 1);
    assert_eq!(
        out.stderr,
        "scp: /etc/sensu/conf.d/a.json: Permission denied\nscp: /etc/sensu/conf.d/b.json: Permission denied\n"
    );
    shell.run(&format!("{ssh} sudo chown -R calipso /etc/sensu/conf.d"));
    let out = shell.run(&format!(
        "scp /tmp/cfg/* calipso@{other}:/etc/sensu/conf.d/"
    ));
    assert_eq!((out.status, out.stderr.as_str()), (0, ""));
    let out = shell.run(&format!("{ssh} cat /etc/sensu/conf.d/b.json"));
    assert_eq!(out.stdout, "b.json");
    // Quoted, the `*` is a file name; unmatched, it stays as typed.
    let out = shell.run("cp '/tmp/cfg/*' /tmp");
    assert_eq!(
        out.stderr,
        "cp: cannot stat '/tmp/cfg/*': No such file or directory\n"
    );
    let out = shell.run("sudo cp /tmp/cfg/* /etc");
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(shell.run("cat /etc/a.json").stdout, "a.json");
    let out = shell.run("cp /tmp/cfg/a.json /tmp/cfg/a.json");
    assert!(out.stderr.contains("are the same file"), "{}", out.stderr);
    let out = shell.run("scp /tmp/cfg/a.json calipso@node-99:/tmp/");
    assert!(
        out.stderr.contains("Could not resolve hostname node-99"),
        "{}",
        out.stderr
    );
}

#[test]
fn services_restart_as_root_and_log_to_syslog() {
    let m = lab_model();
    let shell = HostCommands::new(m.clone(), Duration::ZERO);
    let out = shell.run("service sensu-client restart");
    assert_eq!(out.status, 1);
    assert!(
        out.stderr.contains("Interactive authentication required"),
        "{}",
        out.stderr
    );
    assert_eq!(shell.run("sudo service sensu-client restart").status, 0);
    assert_eq!(shell.run("sudo systemctl restart uchiwa.service").status, 0);
    let log = shell.run("sudo cat /var/log/syslog").stdout;
    assert!(log.contains("systemd[1]: Stopped sensu-client."), "{log}");
    assert!(log.contains("systemd[1]: Started uchiwa."), "{log}");
    assert_eq!(
        shell.run("cat /var/log/syslog").stderr,
        "cat: /var/log/syslog: Permission denied\n"
    );
    // The Sensu server runs on the gateway only.
    let other = &m.hosts[1].name;
    let out = shell.run(&format!(
        "ssh -q -o StrictHostKeyChecking=no {other} sudo service sensu-server restart"
    ));
    assert_eq!(out.status, 5);
    assert_eq!(
        out.stderr,
        "Failed to restart sensu-server.service: Unit sensu-server.service not found.\n"
    );
}

#[test]
fn sftp_uploads_and_downloads_with_the_login_users_rights() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let m = lab_model();
    let commands = Arc::new(HostCommands::new(m.clone(), Duration::ZERO));
    let config = SshServerConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        users: vec![SshUser {
            name: "calipso".into(),
            password: Some(Secret::new("pw-sftp")),
            authorized_keys: vec![],
        }],
        host_key_path: dir.path().join("host_key"),
    };
    let server = runtime.block_on(serve(config, commands.clone())).unwrap();
    let mut session = Session::new().unwrap();
    session.set_tcp_stream(TcpStream::connect(server.local_addr).unwrap());
    session.handshake().unwrap();
    session.userauth_password("calipso", "pw-sftp").unwrap();
    let sftp = session.sftp().unwrap();
    let target = Path::new("/etc/sensu/plugins/check_ping.py");
    let denied = sftp.create(target).err().expect("no such directory yet");
    assert_eq!(denied.code(), ssh2::ErrorCode::SFTP(2));
    assert_eq!(commands.run("sudo mkdir -p /etc/sensu/plugins").status, 0);
    let denied = sftp.create(target).err().expect("root's directory");
    assert_eq!(denied.code(), ssh2::ErrorCode::SFTP(3));
    commands.run("sudo chown -R calipso /etc/sensu/plugins");
    let mut file = sftp.create(target).unwrap();
    file.write_all(b"#!/usr/bin/env python\n").unwrap();
    drop(file);
    sftp.setstat(
        target,
        ssh2::FileStat {
            size: None,
            uid: None,
            gid: None,
            perm: Some(0o755),
            atime: None,
            mtime: None,
        },
    )
    .unwrap();
    let stat = sftp.stat(target).unwrap();
    assert_eq!(stat.perm.map(|p| p & 0o7777), Some(0o755));
    let mut back = String::new();
    sftp.open(target)
        .unwrap()
        .read_to_string(&mut back)
        .unwrap();
    assert_eq!(back, "#!/usr/bin/env python\n");
    // The shell sees the same file.
    assert_eq!(
        commands.run("cat /etc/sensu/plugins/check_ping.py").stdout,
        "#!/usr/bin/env python\n"
    );
    drop(sftp);
    runtime.block_on(server.shutdown());
}
