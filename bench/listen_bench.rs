//! Listener benchmark: a lab of `--hosts` hosts is scanned, then batches of OpenStack events are
//! made by the lab (`calipso-lab event`, which changes the lab and publishes the notification)
//! while the listener is stopped; the listener is started and drains the queue. Prints, per
//! batch, the events applied per second: events / (last `finished_timestamp` − first
//! `received_timestamp` of the batch's `messages` records), i.e. without process start-up.
//!
//! Run: `cargo run --release --example listen_bench -- [--hosts 50] [--instances 200]
//!       [--updates 400] [--creates 100]` (needs the services of scripts/services.sh).

#[path = "common.rs"]
mod common;
use bson::{doc, Document};
use calipso::lab::model::{self, LabSizes, MechanismDriver, TypeDriver};
use common::{bin, run};
use futures::TryStreamExt;
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Bench {
    dir: PathBuf,
    conf: String,
    db: mongodb::Database,
}

impl Bench {
    fn listen(&self) -> Child {
        Command::new(bin("calipso"))
            .args(["listen", "-m", &self.conf, "-e", "lab", "-l", "WARNING"])
            .stdout(Stdio::null())
            .stderr(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(self.dir.join("listen.log"))
                    .expect("listen.log"),
            )
            .spawn()
            .expect("start calipso listen")
    }

    async fn operational(&self) -> Option<String> {
        let env = self
            .db
            .collection::<Document>("environments_config")
            .find_one(doc! {"name": "lab"})
            .await
            .ok()??;
        env.get_str("operational").ok().map(String::from)
    }

    async fn messages(&self) -> Vec<Document> {
        self.db
            .collection::<Document>("messages")
            .find(doc! {"source_system": "OpenStack"})
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap()
    }

    /// Counted, not read: the bench polls while the listener works and must not load the
    /// server the listener is measured on.
    async fn message_count(&self) -> usize {
        self.db
            .collection::<Document>("messages")
            .count_documents(doc! {"source_system": "OpenStack"})
            .await
            .unwrap() as usize
    }

    /// The server's operation counters (`serverStatus.opcounters`), when it reports them.
    async fn op_counters(&self) -> Option<Document> {
        let status = self.db.run_command(doc! {"serverStatus": 1}).await.ok()?;
        status.get_document("opcounters").ok().cloned()
    }

    fn event(&self, args: &[&str]) -> usize {
        let out = run(
            Command::new(bin("calipso-lab"))
                .args(["event", "--dir"])
                .arg(&self.dir)
                .args(args),
            "calipso-lab event",
        );
        out.lines().count()
    }

    /// Makes the events with the listener stopped, then times how fast it applies them.
    async fn batch(&self, label: &str, events: &[Vec<String>]) {
        let before = self.message_count().await;
        let made = Instant::now();
        let mut notifications = 0;
        for e in events {
            let args: Vec<&str> = e.iter().map(String::as_str).collect();
            notifications += self.event(&args);
        }
        let made = made.elapsed().as_secs_f64();
        let ops_before = self.op_counters().await;
        let mut child = self.listen();
        let deadline = Instant::now() + Duration::from_secs(3600);
        while self.message_count().await < before + notifications && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let ops_after = self.op_counters().await;
        let done = self.messages().await;
        let _ = Command::new("kill").arg(child.id().to_string()).status();
        let _ = child.wait();
        let batch = &done[before.min(done.len())..];
        let time = |d: &Document, k: &str| d.get_datetime(k).map(|t| t.timestamp_millis()).ok();
        let start = batch
            .iter()
            .filter_map(|d| time(d, "received_timestamp"))
            .min();
        let end = batch
            .iter()
            .filter_map(|d| time(d, "finished_timestamp"))
            .max();
        let seconds = match (start, end) {
            (Some(s), Some(e)) if e > s => (e - s) as f64 / 1000.0,
            _ => f64::NAN,
        };
        println!(
            "{label:<28} {:>6} notifications  {:>8.2} s  {:>9.1} events/s   (lab made them in {made:.1} s)",
            batch.len(),
            seconds,
            batch.len() as f64 / seconds
        );
        if let (Some(before), Some(after)) = (ops_before, ops_after) {
            println!(
                "{:<28} server operations per event (with the listener's start-up and this \
                 bench's polling): {}",
                "",
                ops_per_event(&before, &after, batch.len())
            );
        }
    }
}

/// `query 2.0, update 3.1, …`: the counters' growth divided by `events`.
fn ops_per_event(before: &Document, after: &Document, events: usize) -> String {
    let count = |d: &Document, k: &str| match d.get(k) {
        Some(bson::Bson::Int32(n)) => *n as f64,
        Some(bson::Bson::Int64(n)) => *n as f64,
        Some(bson::Bson::Double(n)) => *n,
        _ => 0.0,
    };
    after
        .keys()
        .map(|k| {
            let per_event = (count(after, k) - count(before, k)) / events.max(1) as f64;
            format!("{k} {per_event:.2}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[tokio::main]
async fn main() {
    let hosts = arg("--hosts", 50);
    let instances = arg("--instances", 200);
    let updates = arg("--updates", 400);
    let creates = arg("--creates", 100);
    let name = format!("lbench{}", std::process::id());
    let dir = std::env::temp_dir().join(format!("calipso-{name}"));
    std::fs::create_dir_all(dir.join("app/config")).unwrap();
    let mut events: serde_json::Value =
        serde_json::from_str(include_str!("../src/listen/events.json")).unwrap();
    events["queues"] = json!([
        {"queue": format!("{name}.nova"), "exchange": format!("{name}-nova")},
        {"queue": format!("{name}.neutron"), "exchange": format!("{name}-neutron")},
    ]);
    std::fs::write(dir.join("app/config/events.json"), events.to_string()).unwrap();
    run(
        Command::new(bin("calipso-lab"))
            .args(["up", "--daemon", "--wait-lock", "--dir"])
            .arg(&dir)
            .args(["--hosts", &hosts.to_string()])
            .args(["--instances", &instances.to_string()])
            .args(["--mongo-db", &name])
            .args(["--nova-exchange", &format!("{name}-nova")])
            .args(["--neutron-exchange", &format!("{name}-neutron")]),
        "calipso-lab up",
    );
    let conf = dir.join("mongo.conf").display().to_string();
    let env_text = std::fs::read_to_string(dir.join("environment.json")).unwrap();
    let mut env: serde_json::Value = serde_json::from_str(&env_text).unwrap();
    env["app_path"] = json!(dir.join("app").display().to_string());
    std::fs::write(dir.join("env.json"), env.to_string()).unwrap();
    run(
        Command::new(bin("calipso")).args(["db", "init", "-m", &conf]),
        "db init",
    );
    run(
        Command::new(bin("calipso"))
            .args(["env", "import", "--replace", "-m", &conf])
            .arg(dir.join("env.json")),
        "env import",
    );
    let scanned = Instant::now();
    run(
        Command::new(bin("calipso")).args([
            "scan",
            "-m",
            &conf,
            "-e",
            "lab",
            "--no-progress",
            "-l",
            "ERROR",
        ]),
        "scan",
    );
    println!(
        "lab: {hosts} hosts, {instances} instances; full scan {:.1} s",
        scanned.elapsed().as_secs_f64()
    );
    let client = mongodb::Client::with_uri_str("mongodb://127.0.0.1:27017/")
        .await
        .unwrap();
    let bench = Bench {
        dir: dir.clone(),
        conf,
        db: client.database(&name),
    };
    // The listener declares its queues once; they keep what is published while it is stopped.
    let mut first = bench.listen();
    while bench.operational().await.as_deref() != Some("running") {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = Command::new("kill").arg(first.id().to_string()).status();
    let _ = first.wait();

    let model = model::build(LabSizes {
        seed: 1,
        hosts,
        instances,
        mechanism_driver: MechanismDriver::Ovs,
        type_driver: TypeDriver::Vxlan,
    })
    .unwrap();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let instance_updates: Vec<Vec<String>> = (0..updates)
        .map(|k| {
            let i = &model.instances[k % model.instances.len()];
            s(&[
                "instance-update",
                "--id",
                &i.uuid,
                "--name",
                &format!("vm-{k}"),
            ])
        })
        .collect();
    let port_updates: Vec<Vec<String>> = (0..updates)
        .map(|k| {
            let p = &model.ports[k % model.ports.len()];
            s(&["port-update", "--id", &p.id, "--name", &format!("port-{k}")])
        })
        .collect();
    let network_creates: Vec<Vec<String>> = (0..creates)
        .map(|k| s(&["network-create", "--name", &format!("bench-net-{k}")]))
        .collect();
    let instance_creates: Vec<Vec<String>> = (0..creates / 10)
        .map(|k| s(&["instance-create", "--name", &format!("bench-vm-{k}")]))
        .collect();
    bench
        .batch("compute.instance.update", &instance_updates)
        .await;
    bench.batch("port.update.end", &port_updates).await;
    bench.batch("network.create.end", &network_creates).await;
    bench
        .batch("instance create (port+instance)", &instance_creates)
        .await;
    let _ = Command::new(bin("calipso-lab"))
        .args(["down", "--dir"])
        .arg(&dir)
        .status();
    let _ = bench.db.drop().await;
    println!("listener log: {}", dir.join("listen.log").display());
}
