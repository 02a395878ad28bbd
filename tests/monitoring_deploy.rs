//! Monitoring deployment against the lab (monitoring.md §5): a full scan with provision
//! `deploy` writes the Sensu files, uploads the server's files over SFTP to the Sensu server
//! (the lab's gateway here), stages the client files on the gateway and copies them to every
//! host (`sudo cp` on the gateway itself, `scp` to the others), restarts the services; the files
//! are then read back over SSH. `--monitoring_setup_only` redeploys the stored documents and
//! reports a host that cannot be reached by name.

#[path = "common/lab.rs"]
mod lab;
#[path = "common/mongo.rs"]
mod mongo;
#[path = "common/scan.rs"]
mod scan;

use bson::{doc, Document};
use lab::Lab;
use mongo::TestDb;
use scan::{calipso, Out};
use ssh2::Session;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};

const RABBIT_SECRET: &str = "rabbit-secret-deploy";
const CERT: &str = "-----BEGIN CERTIFICATE-----\nlab sensu cert\n-----END CERTIFICATE-----\n";
const KEY: &str = "-----BEGIN PRIVATE KEY-----\nlab sensu key\n-----END PRIVATE KEY-----\n";
const CHECK_SCRIPT: &str = "#!/usr/bin/env python\nprint('ok')\n";

fn session(lab: &Lab) -> Session {
    let port: u16 = lab.conf("CLI", "port").parse().unwrap();
    let tcp = TcpStream::connect((lab.bind.as_str(), port)).unwrap();
    let mut s = Session::new().unwrap();
    s.set_tcp_stream(tcp);
    s.set_timeout(15_000);
    s.handshake().unwrap();
    s.userauth_pubkey_file("calipso", None, &lab.key_path(), None)
        .unwrap();
    s
}

/// Runs a command on the gateway; panics on stderr.
fn run(s: &Session, command: &str) -> String {
    let mut channel = s.channel_session().unwrap();
    channel.exec(command).unwrap();
    let mut stdout = String::new();
    channel.read_to_string(&mut stdout).unwrap();
    let mut stderr = String::new();
    channel.stderr().read_to_string(&mut stderr).unwrap();
    channel.wait_close().unwrap();
    assert!(stderr.is_empty(), "{command}: {stderr}");
    stdout
}

fn on_host(lab: &Lab, host: &str, command: &str) -> String {
    if host == lab.model.gateway().name {
        command.to_string()
    } else {
        format!("ssh -q -o StrictHostKeyChecking=no {host} {command}")
    }
}

/// What a Sensu server install leaves: the SSL files under /etc/sensu/ssl.
fn install_sensu_server_ssl(lab: &Lab) {
    let s = session(lab);
    run(&s, "sudo mkdir -p /etc/sensu/ssl");
    run(&s, "sudo chown -R calipso /etc/sensu/ssl");
    let sftp = s.sftp().unwrap();
    for (name, content) in [("cert.pem", CERT), ("key.pem", KEY)] {
        let mut f = sftp
            .create(Path::new(&format!("/etc/sensu/ssl/{name}")))
            .unwrap();
        f.write_all(content.as_bytes()).unwrap();
    }
}

/// The lab's environment with a Monitoring block whose Sensu server is the lab's gateway.
fn import_with_monitoring(db: &TestDb, lab: &Lab) -> (PathBuf, PathBuf) {
    let folder = db.dir().join("sensu_config");
    let app = db.dir().join("app");
    let checks = app.join("monitoring/checks");
    std::fs::create_dir_all(&checks).unwrap();
    for name in ["check_ping.py", "check_vservice.py"] {
        std::fs::write(checks.join(name), CHECK_SCRIPT).unwrap();
    }
    let text = std::fs::read_to_string(lab.path().join("environment.json")).unwrap();
    let mut env: serde_json::Value = serde_json::from_str(&text).unwrap();
    env["app_path"] = app.to_str().unwrap().into();
    env["configuration"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "name": "Monitoring",
            "type": "Sensu",
            "server_ip": lab.bind,
            "server_name": "sensu_server",
            "ssh_user": "calipso",
            "ssh_password": lab.conf("CLI", "pwd"),
            "ssh_port": lab.conf("CLI", "port"),
            "rabbitmq_user": "sensu",
            "rabbitmq_pass": RABBIT_SECRET,
            "rabbitmq_port": "5671",
            "api_port": 4567,
            "config_folder": folder.to_str().unwrap(),
            "provision": "deploy",
            "env_type": "testing"
        }));
    let file = db.dir().join("env-monitoring.json");
    std::fs::write(&file, env.to_string()).unwrap();
    let out = calipso(&[
        "env",
        "import",
        "--replace",
        "-m",
        db.conf(),
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    (folder, app)
}

fn no_secrets(db: &TestDb, lab: &Lab, out: &Out) {
    let pwd = lab.conf("CLI", "pwd");
    for secret in [RABBIT_SECRET, pwd.as_str()] {
        assert!(!out.stderr.contains(secret), "secret in output");
        for m in db.docs("messages") {
            assert!(!format!("{m:?}").contains(secret), "secret in messages");
        }
    }
}

fn local(folder: &Path, rel: &str) -> String {
    std::fs::read_to_string(folder.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn deploy_delivers_files_over_ssh_and_setup_only_redeploys_stored_documents() {
    let lab = Lab::start(&[]);
    let db = TestDb::new("mon_deploy");
    scan::prepare(&db, &lab, "inventory");
    let (folder, _app) = import_with_monitoring(&db, &lab);
    install_sensu_server_ssl(&lab);

    // DEBUG: every command and transfer is logged, none may show a password.
    let out = scan::scan(&db, "inventory", &["-l", "DEBUG"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    no_secrets(&db, &lab, &out);
    assert!(
        out.stderr.contains("Scan completed, status: ok"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("done applying monitoring setup"),
        "{}",
        out.stderr
    );

    // Documents: the 7 server files, then 3 files per host of the lab.
    let hosts: Vec<String> = lab.model.hosts.iter().map(|h| h.name.clone()).collect();
    let docs = db.docs("monitoring_config");
    assert_eq!(docs.len(), 7 + 3 * hosts.len(), "{docs:?}");

    let s = session(&lab);
    let gateway = lab.model.gateway().name.clone();
    // The server's files, uploaded by SFTP to the server's /etc/sensu/conf.d (client.json,
    // rabbitmq.json and transport.json are then the gateway's own client files).
    for file in ["redis.json", "api.json", "filters.json", "handlers.json"] {
        let remote = run(&s, &format!("cat /etc/sensu/conf.d/{file}"));
        assert_eq!(remote, local(&folder, &format!("server/{file}")), "{file}");
    }
    let syslog = run(&s, "sudo cat /var/log/syslog");
    assert!(
        syslog.contains("systemd[1]: Started sensu-server."),
        "{syslog}"
    );
    assert!(syslog.contains("systemd[1]: Started uchiwa."), "{syslog}");
    for host in &hosts {
        for file in ["client.json", "rabbitmq.json", "transport.json"] {
            let remote = run(
                &s,
                &on_host(&lab, host, &format!("cat /etc/sensu/conf.d/{file}")),
            );
            assert_eq!(
                remote,
                local(&folder, &format!("host/{host}/{file}")),
                "{host} {file}"
            );
        }
        let client = local(&folder, &format!("host/{host}/client.json"));
        assert!(client.contains("\"checks\": {"), "{host}: {client}");
        assert!(
            client.contains(&format!("\"name\": \"lab-{host}\"")),
            "{client}"
        );
        let script = run(
            &s,
            &on_host(&lab, host, "cat /etc/sensu/plugins/check_ping.py"),
        );
        assert_eq!(script, CHECK_SCRIPT, "{host}");
        let cert = run(&s, &on_host(&lab, host, "cat /etc/sensu/ssl/cert.pem"));
        assert_eq!(cert, CERT, "{host}");
        let syslog = run(&s, &on_host(&lab, host, "sudo cat /var/log/syslog"));
        assert!(
            syslog.contains("systemd[1]: Started sensu-client."),
            "{host}: {syslog}"
        );
    }
    let rabbit = local(&folder, &format!("host/{gateway}/rabbitmq.json"));
    assert!(
        rabbit.contains(RABBIT_SECRET),
        "the client needs the password"
    );

    // --monitoring_setup_only: no scan phase; the stored documents are written out again and
    // delivered; an unknown host is an error naming it, the others are still deployed.
    let other = hosts.iter().find(|h| **h != gateway).unwrap().clone();
    db.update(
        "monitoring_config",
        doc! {"host": &other, "type": "client.json"},
        doc! {"$set": {"config.client.subscriptions": ["redeployed"]}},
    );
    let ghost = doc! {"environment": "lab", "host": "node-99.cisco.com", "type": "client.json",
    "config": {"client": {"name": "ghost"}}};
    db.with_db(|d| async move {
        d.collection::<Document>("monitoring_config")
            .insert_one(ghost)
            .await
            .unwrap();
    });
    std::fs::remove_dir_all(&folder).unwrap();
    let inventory_before = db.count("inventory");
    let out = scan::scan(&db, "inventory", &["--monitoring_setup_only"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    no_secrets(&db, &lab, &out);
    assert_eq!(db.count("inventory"), inventory_before);
    assert!(out.stderr.contains("node-99.cisco.com"), "{}", out.stderr);
    assert!(
        // `ssh -q` prints nothing for an unknown host; the failed hop (exit 255) is the error.
        out.stderr
            .contains("the ssh hop to node-99.cisco.com failed"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("status: errors detected"),
        "{}",
        out.stderr
    );
    let remote = run(
        &s,
        &on_host(&lab, &other, "cat /etc/sensu/conf.d/client.json"),
    );
    assert!(remote.contains("\"redeployed\""), "{remote}");
    assert_eq!(remote, local(&folder, &format!("host/{other}/client.json")));
}
