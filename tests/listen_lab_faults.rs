//! The real listener binary against faults of the real services, with events made by a lab:
//! its broker connection closed by RabbitMQ (it reconnects and consumes what was published
//! meanwhile), and its MongoDB (a private SecantusDB) stopped and restarted under it (the event
//! waits and is applied once MongoDB is back; the listener keeps running).

#[path = "common/lab.rs"]
mod lab;
#[path = "common/mongo.rs"]
mod mongo;
#[path = "common/scan.rs"]
mod scan;

mod listen_lab;

use bson::doc;
use lab::Lab;
use listen_lab::{unique, wait, Rig};
use scan::calipso;
use serde_json::{json, Value};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Closes (by Erlang pid) the broker connections of the listener process `pid` (named
/// `calipso-listen-<pid>`),
/// leaving every other client of the shared broker alone. Returns how many were closed.
fn close_listener_connections(pid: u32) -> usize {
    let out = Command::new("rabbitmqctl")
        .args(["-q", "list_connections", "pid", "client_properties"])
        .output()
        .expect("rabbitmqctl");
    // client_properties holds {"connection_name","calipso-listen-<pid>"}.
    let wanted = format!("{{\"connection_name\",\"calipso-listen-{pid}\"}}");
    let names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .filter(|(_, properties)| properties.contains(&wanted))
        .map(|(name, _)| name.to_string())
        .collect();
    for name in &names {
        let out = Command::new("rabbitmqctl")
            .args(["close_connection", name, "listener fault test"])
            .output()
            .expect("rabbitmqctl close_connection");
        assert!(
            out.status.success(),
            "rabbitmqctl close_connection {name}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    if names.is_empty() {
        eprintln!(
            "rabbitmqctl list_connections:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    names.len()
}

#[test]
fn broker_closes_the_connection_listener_reconnects_and_consumes_the_backlog() {
    let mut rig = Rig::new("brk");
    rig.listen();
    let pid = rig.listener.as_ref().unwrap().id();
    rig.applied(&["network-create", "--name", "before"]);

    assert_eq!(close_listener_connections(pid), 1, "one named connection");
    // Published right after the close: the queue keeps it until the listener is back.
    let during = rig.applied(&["network-create", "--name", "during"]);
    let id = during["payload"]["network"]["id"].as_str().unwrap();
    assert!(rig
        .db
        .docs(listen_lab::LISTENED)
        .iter()
        .any(|d| d.get_str("id") == Ok(id)));
    let log = rig.listener_log();
    assert!(
        log.contains("Connection to broker lost, trying to re-establish connection..."),
        "{log}"
    );
    rig.applied(&["network-create", "--name", "after"]);
    assert!(rig.listener.as_mut().unwrap().try_wait().unwrap().is_none());
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A private SecantusDB for one test (never the shared server on 27017).
struct PrivateMongo {
    port: u16,
    data: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateMongo {
    fn start() -> PrivateMongo {
        let mut m = PrivateMongo {
            port: free_port(),
            data: tempfile::tempdir().unwrap(),
            child: None,
        };
        m.up();
        m
    }

    fn up(&mut self) {
        let child = Command::new("/opt/secantus/bin/secantusd-rs")
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .arg("--storage-path")
            .arg(self.data.path())
            .args(["--cache-size", "64M"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start secantusd-rs");
        self.child = Some(child);
        let port = self.port;
        wait("the private MongoDB", Duration::from_secs(30), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
    }

    fn down(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateMongo {
    fn drop(&mut self) {
        self.down();
    }
}

#[test]
fn mongodb_stopped_and_restarted_under_the_listener_loses_no_event() {
    let name = unique("mdb");
    let lab = Lab::start(&[
        "--nova-exchange",
        &format!("{name}-nova"),
        "--neutron-exchange",
        &format!("{name}-neutron"),
    ]);
    let mut mongo = PrivateMongo::start();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("mongo.conf");
    std::fs::write(
        &conf,
        format!("server 127.0.0.1\nport {}\nauth_db calipso\n", mongo.port),
    )
    .unwrap();
    let conf = conf.to_str().unwrap().to_string();
    let app = dir.path().join("app");
    std::fs::create_dir_all(app.join("config")).unwrap();
    let mut events: Value =
        serde_json::from_str(include_str!("../src/listen/events.json")).unwrap();
    events["queues"] = json!([
        {"queue": format!("{name}.nova"), "exchange": format!("{name}-nova")},
        {"queue": format!("{name}.neutron"), "exchange": format!("{name}-neutron")},
    ]);
    std::fs::write(app.join("config/events.json"), events.to_string()).unwrap();
    let text = std::fs::read_to_string(lab.path().join("environment.json")).unwrap();
    let mut env: Value = serde_json::from_str(&text).unwrap();
    env["app_path"] = json!(app.to_str().unwrap());
    let env_file = dir.path().join("env.json");
    std::fs::write(&env_file, env.to_string()).unwrap();
    for args in [
        vec!["db", "init", "-m", &conf],
        vec![
            "env",
            "import",
            "--replace",
            "-m",
            &conf,
            env_file.to_str().unwrap(),
        ],
    ] {
        let out = calipso(&args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    }
    let log_path = dir.path().join("listen.log");
    let mut listener = Command::new(env!("CARGO_BIN_EXE_calipso"))
        .args(["listen", "-m", &conf, "-e", "lab"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let port = mongo.port;
    let db = move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        (rt, port)
    };
    let find = |collection: &str, filter: bson::Document| -> usize {
        let (rt, port) = db();
        rt.block_on(async {
            let Ok(client) = mongodb::Client::with_uri_str(format!(
                "mongodb://127.0.0.1:{port}/?directConnection=true&serverSelectionTimeoutMS=2000"
            ))
            .await
            else {
                return 0;
            };
            client
                .database("calipso")
                .collection::<bson::Document>(collection)
                .count_documents(filter)
                .await
                .unwrap_or(0) as usize
        })
    };
    wait("the listener to run", Duration::from_secs(30), || {
        find(
            "environments_config",
            doc! {"name": "lab", "operational": "running"},
        ) == 1
    });

    mongo.down();
    let out = lab::lab_command(&[
        "event",
        "--dir",
        lab.path().to_str().unwrap(),
        "network-create",
        "--name",
        "while-mongo-is-down",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let envelope: Value = serde_json::from_slice(&out.stdout).unwrap();
    let n: Value = serde_json::from_str(envelope["oslo.message"].as_str().unwrap()).unwrap();
    let net = n["payload"]["network"]["id"].as_str().unwrap().to_string();
    let message_id = n["message_id"].as_str().unwrap().to_string();
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        listener.try_wait().unwrap().is_none(),
        "the listener keeps running while MongoDB is down"
    );

    mongo.up();
    wait(
        "the event applied after MongoDB is back",
        Duration::from_secs(90),
        || find("inventory", doc! {"id": &net, "type": "network"}) == 1,
    );
    wait("its messages record", Duration::from_secs(30), || {
        find("messages", doc! {"id": &message_id}) == 1
    });
    assert!(listener.try_wait().unwrap().is_none());
    let _ = listener.kill();
    let _ = listener.wait();
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert!(!log.contains("panicked"), "{log}");
}
