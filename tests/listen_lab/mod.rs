//! A lab with a running `calipso listen` for event tests: the lab publishes on exchanges of its
//! own (`--nova-exchange`, `--neutron-exchange`), the listener consumes them through queues of
//! its own (an events.json in the environment's `app_path`), so tests never share a queue.
//! Include after `lab`, `mongo` and `scan`: `mod listen_lab;`.
#![allow(dead_code)]

use super::lab::{lab_command, Lab};
use super::mongo::TestDb;
use super::scan::{calipso, comparable, comparable_cliques, comparable_links, scan};
use bson::{doc, Document};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const LISTENED: &str = "inva";

pub struct Rig {
    pub lab: Lab,
    pub db: TestDb,
    pub name: String,
    pub listener: Option<Child>,
    pub app: std::path::PathBuf,
}

pub fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("le_{tag}_{}_{nanos}", std::process::id())
}

impl Rig {
    /// Lab up (default sizes), environment imported under `-y inva`, full scan into it.
    pub fn new(tag: &str) -> Rig {
        Self::with_sizes(tag, super::lab::default_sizes())
    }

    pub fn with_sizes(tag: &str, sizes: calipso::lab::model::LabSizes) -> Rig {
        let name = unique(tag);
        let lab = Lab::start_with(
            sizes,
            &[
                "--nova-exchange",
                &format!("{name}-nova"),
                "--neutron-exchange",
                &format!("{name}-neutron"),
            ],
        );
        let db = TestDb::new(tag);
        let app = db.dir().join("app");
        std::fs::create_dir_all(app.join("config")).unwrap();
        let mut events: Value =
            serde_json::from_str(include_str!("../../src/listen/events.json")).unwrap();
        events["queues"] = json!([
            {"queue": format!("{name}.nova"), "exchange": format!("{name}-nova")},
            {"queue": format!("{name}.neutron"), "exchange": format!("{name}-neutron")},
        ]);
        std::fs::write(app.join("config/events.json"), events.to_string()).unwrap();
        let rig = Rig {
            lab,
            db,
            name,
            listener: None,
            app,
        };
        rig.scan_into(LISTENED);
        rig
    }

    /// `db init`, `env import` (with this rig's app_path) and a full scan under `-y inventory`.
    pub fn scan_into(&self, inventory: &str) {
        let text = std::fs::read_to_string(self.lab.path().join("environment.json")).unwrap();
        let mut env: Value = serde_json::from_str(&text).unwrap();
        env["app_path"] = json!(self.app.to_str().unwrap());
        let file = self.db.dir().join(format!("env-{inventory}.json"));
        std::fs::write(&file, env.to_string()).unwrap();
        let conf = self.db.conf();
        for args in [
            vec!["db", "init", "-m", conf, "-y", inventory],
            vec![
                "env",
                "import",
                "--replace",
                "-m",
                conf,
                "-y",
                inventory,
                file.to_str().unwrap(),
            ],
        ] {
            let out = calipso(&args);
            assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        }
        let out = scan(&self.db, inventory, &[]);
        assert_eq!(out.code, 0, "scan -y {inventory}: {}", out.stderr);
    }

    /// Starts `calipso listen -e lab -y inva` and waits until it reports `running`.
    pub fn listen(&mut self) {
        // Appended to: a restarted listener keeps the earlier run's log.
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.db.dir().join("listen.log"))
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_calipso"))
            .args(["listen", "-m", self.db.conf(), "-e", "lab", "-y", LISTENED])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.listener = Some(child);
        let envs = format!("{LISTENED}_environments_config");
        wait("the listener to run", Duration::from_secs(30), || {
            self.db
                .docs(&envs)
                .first()
                .and_then(|d| d.get_str("operational").ok().map(String::from))
                .as_deref()
                == Some("running")
        });
    }

    /// Stops the listener with SIGTERM (it finishes its current event) and waits for it; its
    /// durable queues keep what is published meanwhile.
    pub fn stop_listener(&mut self) {
        if let Some(mut child) = self.listener.take() {
            // SAFETY: kill(2) on the pid of a child we have not reaped yet.
            unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
            let status = child.wait().unwrap();
            assert!(status.success(), "listener after SIGTERM: {status}");
        }
    }

    /// Waits until the listener has recorded the notification with this message id.
    pub fn wait_applied(&self, n: &Value) {
        self.wait_recorded(&["(queued)"], n["message_id"].as_str().unwrap());
    }

    pub fn listener_log(&self) -> String {
        std::fs::read_to_string(self.db.dir().join("listen.log")).unwrap_or_default()
    }

    /// `calipso-lab event <args>`; returns the notifications (unwrapped oslo messages).
    pub fn event(&self, args: &[&str]) -> Vec<Value> {
        let dir = self.lab.path().to_str().unwrap().to_string();
        let mut all = vec!["event", "--dir", &dir];
        all.extend_from_slice(args);
        let out = lab_command(&all);
        assert!(
            out.status.success(),
            "calipso-lab {all:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|line| {
                let envelope: Value = serde_json::from_str(line).unwrap();
                assert_eq!(envelope["oslo.version"], "2.0");
                serde_json::from_str(envelope["oslo.message"].as_str().unwrap()).unwrap()
            })
            .collect()
    }

    /// Sends an event, waits until the listener has recorded each of its notifications in
    /// `messages`, and returns the last one (the event's own).
    pub fn applied(&self, args: &[&str]) -> Value {
        let all = self.event(args);
        for n in &all {
            self.wait_recorded(args, n["message_id"].as_str().unwrap());
        }
        all.last().cloned().unwrap()
    }

    fn wait_recorded(&self, args: &[&str], id: &str) {
        let id = id.to_string();
        let messages = format!("{LISTENED}_messages");
        wait(
            &format!("{args:?} to be applied"),
            Duration::from_secs(60),
            || {
                !self
                    .db
                    .with_db(|db| {
                        let id = id.clone();
                        let messages = messages.clone();
                        async move {
                            use futures::TryStreamExt;
                            db.collection::<Document>(&messages)
                                .find(doc! {"id": id})
                                .await
                                .unwrap()
                                .try_collect::<Vec<_>>()
                                .await
                                .unwrap()
                        }
                    })
                    .is_empty()
            },
        );
    }

    /// Scans the changed lab into a fresh `-y inventory` and returns what differs from the
    /// listened collection: inventory, links, cliques (one line per difference).
    pub fn differences(&self, fresh: &str) -> Vec<String> {
        self.scan_into(fresh);
        let mut lines = Vec::new();
        let (a, b) = (self.db.docs(LISTENED), self.db.docs(fresh));
        diff(
            "inventory",
            &comparable(a.clone()),
            &comparable(b.clone()),
            &mut lines,
        );
        let (la, lb) = (
            self.db.docs(&format!("{LISTENED}_links")),
            self.db.docs(&format!("{fresh}_links")),
        );
        diff(
            "links",
            &comparable_links(la),
            &comparable_links(lb),
            &mut lines,
        );
        let (ca, cb) = (
            comparable_cliques(self.db.docs(&format!("{LISTENED}_cliques")), &a),
            comparable_cliques(self.db.docs(&format!("{fresh}_cliques")), &b),
        );
        for (k, v) in &ca {
            if cb.get(k) != Some(v) {
                lines.push(format!("clique {k}: listened {v} / fresh {:?}", cb.get(k)));
            }
        }
        for k in cb.keys().filter(|k| !ca.contains_key(*k)) {
            lines.push(format!("clique {k}: only in the fresh scan"));
        }
        lines
    }
}

fn diff<K: std::fmt::Debug + Ord>(
    what: &str,
    a: &BTreeMap<K, Document>,
    b: &BTreeMap<K, Document>,
    lines: &mut Vec<String>,
) {
    for (k, da) in a {
        match b.get(k) {
            None => lines.push(format!("{what} {k:?}: only listened")),
            Some(db) if db != da => {
                let mut fields: Vec<String> = Vec::new();
                for (f, v) in da {
                    if db.get(f) != Some(v) {
                        fields.push(format!("{f}: {v} / {:?}", db.get(f)));
                    }
                }
                for (f, v) in db.iter().filter(|(f, _)| !da.contains_key(*f)) {
                    fields.push(format!("{f}: - / {v}"));
                }
                lines.push(format!("{what} {k:?}: {}", fields.join("; ")));
            }
            _ => {}
        }
    }
    for k in b.keys().filter(|k| !a.contains_key(*k)) {
        lines.push(format!("{what} {k:?}: only in the fresh scan"));
    }
}

pub fn wait(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

impl Drop for Rig {
    fn drop(&mut self) {
        if let Some(mut child) = self.listener.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // The rig's queues and exchanges go with the broker's housekeeping: delete them.
        let name = self.name.clone();
        let _ = std::thread::spawn(move || cleanup_broker(&name)).join();
    }
}

fn cleanup_broker(name: &str) {
    use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let uri = "amqp://guest:guest@127.0.0.1:5672/%2f";
        let Ok(conn) =
            lapin::Connection::connect(uri, lapin::ConnectionProperties::default()).await
        else {
            return;
        };
        if let Ok(ch) = conn.create_channel().await {
            for q in ["nova", "neutron"] {
                let q = format!("{name}.{q}");
                for n in [q.clone(), format!("{q}.dead-letter")] {
                    let _ = ch
                        .queue_delete(n.as_str().into(), QueueDeleteOptions::default())
                        .await;
                }
            }
            for x in ["nova", "neutron"] {
                let x = format!("{name}-{x}");
                let _ = ch
                    .exchange_delete(x.as_str().into(), ExchangeDeleteOptions::default())
                    .await;
            }
        }
        let _ = conn.close(200, "done".into()).await;
    });
}
