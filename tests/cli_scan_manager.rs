//! `calipso scan-manager` against the MongoDB-wire server (127.0.0.1:27017), one database per
//! test. Requests target environments that fail fast (missing, unsupported, bad arguments), so
//! no cloud is needed.

use bson::{doc, Bson, Document};
use futures::TryStreamExt;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn unique_db(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "calipso_sm_{tag}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000
    )
}

struct Fixture {
    db: mongodb::Database,
    conf: tempfile::NamedTempFile,
    locks: tempfile::TempDir,
}

impl Fixture {
    async fn new(tag: &str) -> Fixture {
        let name = unique_db(tag);
        let mut conf = tempfile::NamedTempFile::new().unwrap();
        writeln!(conf, "server 127.0.0.1\nport 27017\nauth_db {name}").unwrap();
        let db = mongodb::Client::with_uri_str("mongodb://127.0.0.1:27017")
            .await
            .unwrap()
            .database(&name);
        Fixture {
            db,
            conf,
            locks: tempfile::tempdir().unwrap(),
        }
    }

    fn coll(&self, name: &str) -> mongodb::Collection<Document> {
        self.db.collection(name)
    }

    fn manager(&self, lock_dir: &Path, extra: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_calipso"));
        cmd.arg("scan-manager")
            .arg("-m")
            .arg(self.conf.path())
            .args(["-i", "0.1"])
            .args(extra)
            .env("CALIPSO_LOCK_DIR", lock_dir)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        cmd
    }

    async fn run_once(&self, extra: &[&str]) -> Output {
        let mut args = vec!["--once"];
        args.extend_from_slice(extra);
        let mut cmd = self.manager(self.locks.path(), &args);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    }

    async fn all(&self, name: &str) -> Vec<Document> {
        self.coll(name)
            .find(doc! {})
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap()
    }

    async fn drop(self) {
        let _ = self.db.drop().await;
    }
}

fn now_minus(seconds: i64) -> bson::DateTime {
    bson::DateTime::from_millis(bson::DateTime::now().timestamp_millis() - seconds * 1000)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Ids named by `Claimed scan request '<id>'` lines.
fn claims(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|l| l.split("Claimed scan request '").nth(1))
        .filter_map(|rest| rest.split('\'').next())
        .map(String::from)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_managers_racing_run_each_request_exactly_once() {
    let f = Fixture::new("race").await;
    let requests: Vec<Document> = (0..20)
        .map(|i| {
            doc! {"environment": format!("MISSING-{i}"), "status": "pending",
            "submit_timestamp": now_minus(100 - i), "log_level": "info"}
        })
        .collect();
    f.coll("scans").insert_many(requests).await.unwrap();
    // Separate lock directories: as if the managers ran on two hosts sharing the database.
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = f.manager(dir_a.path(), &["--once"]);
    let mut b = f.manager(dir_b.path(), &["--once"]);
    let (out_a, out_b) = tokio::task::spawn_blocking(move || {
        let child_a = a
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let child_b = b
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        (
            child_a.wait_with_output().unwrap(),
            child_b.wait_with_output().unwrap(),
        )
    })
    .await
    .unwrap();
    assert_eq!(out_a.status.code(), Some(0), "{}", stderr(&out_a));
    assert_eq!(out_b.status.code(), Some(0), "{}", stderr(&out_b));
    let (claims_a, claims_b) = (claims(&stderr(&out_a)), claims(&stderr(&out_b)));
    println!(
        "manager A ran {}, manager B ran {}",
        claims_a.len(),
        claims_b.len()
    );
    let mut count: HashMap<String, usize> = HashMap::new();
    for id in claims_a.iter().chain(&claims_b) {
        *count.entry(id.clone()).or_default() += 1;
    }
    let docs = f.all("scans").await;
    assert_eq!(docs.len(), 20);
    for d in &docs {
        let id = d.get_object_id("_id").unwrap().to_hex();
        assert_eq!(
            count.get(&id),
            Some(&1),
            "request {id} claimed {:?} times",
            count.get(&id)
        );
        assert_eq!(d.get_str("status").unwrap(), "failed");
        assert!(d.get_datetime("start_timestamp").is_ok());
        assert!(
            d.get_datetime("end_timestamp").is_ok(),
            "fix S3: end_timestamp on failure"
        );
        assert!(d.get_str("claimed_by").unwrap().contains(':'));
    }
    assert_eq!(count.len(), 20);
    assert!(stderr(&out_a).contains("Scanning is not supported for env 'MISSING-"));
    f.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_fail_with_the_original_texts_and_set_scanned() {
    let f = Fixture::new("bad").await;
    f.coll("environments_config")
        .insert_many([
            doc! {"name": "E1", "scanned": true},
            doc! {"name": "E2", "scanned": true},
        ])
        .await
        .unwrap();
    f.coll("scans")
        .insert_many([
            doc! {"environment": "E1", "status": "pending", "submit_timestamp": now_minus(30),
            "log_level": "notset"},
            doc! {"environment": "E2", "status": "pending", "submit_timestamp": now_minus(20),
            "scan_only_links": true, "scan_only_cliques": true, "object_id": "x"},
            doc! {"environment": "E1", "status": "draft", "submit_timestamp": now_minus(10)},
            doc! {"environment": "E1", "status": "pending", "submit_timestamp": Bson::Null},
        ])
        .await
        .unwrap();
    let out = f.run_once(&[]).await;
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("has invalid arguments. Errors:\nInvalid log level: NOTSET. Supported levels: (DEBUG, INFO, WARNING, ERROR, CRITICAL)"), "{log}");
    assert!(log.contains("Only one of (inventory_only, links_only, cliques_only) can be True."));
    let statuses: Vec<String> = f
        .all("scans")
        .await
        .iter()
        .map(|d| d.get_str("status").unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["failed", "failed", "draft", "pending"]);
    let envs = f.all("environments_config").await;
    // E1: full scan failed ⇒ unscanned; E2: object scan ⇒ untouched (fix S2).
    assert!(!envs[0].get_bool("scanned").unwrap());
    assert!(envs[1].get_bool("scanned").unwrap());
    f.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn abandoned_running_requests_are_failed_at_start() {
    let f = Fixture::new("abandoned").await;
    let here = calipso::commands::daemon::hostname();
    f.coll("environments_config")
        .insert_one(doc! {"name": "E", "scanned": true})
        .await
        .unwrap();
    f.coll("scans")
        .insert_many([
            doc! {"environment": "E", "status": "running", "submit_timestamp": now_minus(50)},
            doc! {"environment": "E", "status": "running", "submit_timestamp": now_minus(40),
            "claimed_by": format!("{here}:4194000")},
            doc! {"environment": "E", "status": "running", "submit_timestamp": now_minus(30),
            "claimed_by": "some-other-host.example:1234"},
            doc! {"environment": "E", "status": "running", "submit_timestamp": now_minus(20),
            "claimed_by": format!("{here}:{}", std::process::id())},
        ])
        .await
        .unwrap();
    let out = f.run_once(&[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let statuses: Vec<String> = f
        .all("scans")
        .await
        .iter()
        .map(|d| d.get_str("status").unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["failed", "failed", "running", "running"]);
    let env = &f.all("environments_config").await[0];
    assert!(!env.get_bool("scanned").unwrap());
    f.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn schedules_become_requests_on_the_anchored_timetable() {
    let f = Fixture::new("sched").await;
    let day_ms = 86_400_000;
    let now_ms = bson::DateTime::now().timestamp_millis();
    // Due DAILY, anchored 2 days and 1 hour ago: next run = anchor + 3 days.
    let anchor = bson::DateTime::from_millis(now_ms - 2 * day_ms - 3_600_000);
    f.coll("scheduled_scans")
        .insert_many([
            doc! {"environment": "MISSING", "freq": "daily", "scheduled_timestamp": anchor,
                  "log_level": "warning", "clear": true, "scan_only_inventory": true},
            doc! {"environment": "MISSING", "recurrence": "ONCE", "scheduled_timestamp": now_minus(5)},
            doc! {"environment": "MISSING", "freq": "HOURLY", "submit_timestamp": now_minus(60)},
            doc! {"environment": "MISSING", "freq": "FORTNIGHTLY", "scheduled_timestamp": now_minus(5)},
            doc! {"environment": "MISSING", "recurrence": "WEEKLY", "scheduled_timestamp": now_minus(5),
                  "status": "finished"},
        ])
        .await
        .unwrap();
    let out = f.run_once(&[]).await;
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("unknown frequency 'FORTNIGHTLY'"), "{log}");
    let schedules = f.all("scheduled_scans").await;
    let daily = &schedules[0];
    assert_eq!(daily.get_str("status").unwrap(), "ongoing");
    assert_eq!(daily.get_datetime("schedule_anchor").unwrap(), &anchor);
    assert_eq!(
        daily
            .get_datetime("scheduled_timestamp")
            .unwrap()
            .timestamp_millis(),
        anchor.timestamp_millis() + 3 * day_ms
    );
    assert_eq!(schedules[1].get_str("status").unwrap(), "finished");
    let hourly = &schedules[2];
    assert_eq!(hourly.get_str("status").unwrap(), "upcoming");
    let first = hourly
        .get_datetime("scheduled_timestamp")
        .unwrap()
        .timestamp_millis();
    assert!(
        (first - (now_ms - 60_000 + 3_600_000)).abs() < 5_000,
        "{first}"
    );
    assert!(!schedules[3].contains_key("status"));
    let requests = f.all("scans").await;
    assert_eq!(requests.len(), 2, "{requests:?}");
    let from_daily = &requests[0];
    assert_eq!(from_daily.get_str("interval").unwrap(), "DAILY");
    assert!(from_daily.get_bool("scheduled").unwrap());
    assert_eq!(from_daily.get_str("log_level").unwrap(), "warning");
    assert!(from_daily.get_bool("scan_only_inventory").unwrap());
    assert_eq!(from_daily.get("scheduled_scan_id"), daily.get("_id"));
    // The generated requests ran (and failed: the environment does not exist).
    assert!(requests
        .iter()
        .all(|r| r.get_str("status").unwrap() == "failed"));
    // A second pass inserts nothing: nothing is due any more.
    let again = f.run_once(&[]).await;
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(f.all("scans").await.len(), 2);
    let listing = f.run_once(&["--list-schedules"]).await;
    let listed = String::from_utf8_lossy(&listing.stdout);
    assert_eq!(listed.lines().count(), 5, "{listed}");
    assert!(listed.lines().next().unwrap().contains("DAILY"));
    f.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_manager_on_the_same_database_exits_75_and_sigterm_stops_the_first() {
    let f = Fixture::new("lock").await;
    let mut daemon = f.manager(f.locks.path(), &[]);
    let mut child = daemon
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the daemon holds its lock (its pid is in the lock file).
    let lock_file = f
        .locks
        .path()
        .join(format!("calipso-scan-manager.{}.lock", f.db.name()));
    let mut held = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let text = std::fs::read_to_string(&lock_file).unwrap_or_default();
        if text.starts_with(&format!("{} ", child.id())) {
            held = true;
            break;
        }
    }
    let out = f.run_once(&[]).await;
    let code = out.status.code();
    let log = stderr(&out);
    // SIGTERM: the idle daemon stops at once, with status 0.
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let mut stopped = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Some(status) = child.try_wait().unwrap() {
            stopped = Some(status);
            break;
        }
    }
    if stopped.is_none() {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    assert_eq!(
        stopped.and_then(|s| s.code()),
        Some(0),
        "the daemon did not stop on SIGTERM"
    );
    assert!(held, "the daemon never took its lock");
    assert_eq!(code, Some(75), "{log}");
    assert!(
        log.contains("another scan manager is running (pid "),
        "{log}"
    );
    f.drop().await;
}

/// An environment `name` whose `scanning` feature is supported, in a database holding the
/// reference data; its OpenStack endpoint is closed, so a scan of it fails quickly.
async fn seed_supported_env(f: &Fixture, name: &str) {
    f.coll("environments_config")
        .insert_one(
            doc! {"name": name, "scanned": true, "distribution": "Mirantis",
            "distribution_version": "8.0", "type_drivers": "vxlan", "mechanism_drivers": ["OVS"],
            "configuration": [{"name": "OpenStack", "host": "127.0.0.1", "port": "1",
                               "user": "admin", "pwd": "pw-not-shown"}]},
        )
        .await
        .unwrap();
    // The reference collections of `calipso db init` (the seed supports Mirantis 8.0 OVS vxlan).
    let conf = calipso::config::MongoConf::load(f.conf.path().to_str().unwrap()).unwrap();
    let store = calipso::store::Store::connect(&conf, "inventory")
        .await
        .unwrap();
    calipso::store::reference::load(&store, false)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supported_environment_is_scanned_in_process_with_the_request_as_origin() {
    let f = Fixture::new("inproc").await;
    seed_supported_env(&f, "S").await;
    let request = f
        .coll("scans")
        .insert_one(
            doc! {"environment": "S", "status": "pending", "submit_timestamp": now_minus(5),
            "interval": "WEEKLY", "log_level": "debug"},
        )
        .await
        .unwrap()
        .inserted_id;
    let id = request.as_object_id().unwrap().to_hex();
    let out = f.run_once(&[]).await;
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("Starting scan for 'S' environment"), "{log}");
    assert!(!log.contains("pw-not-shown"));
    let done = &f.all("scans").await[0];
    // Without a cloud the scan itself fails; what matters is that it ran for this request.
    assert_eq!(done.get_str("status").unwrap(), "failed", "{log}");
    assert!(
        log.contains(&format!("Scan request '{id}' has failed.")),
        "{log}"
    );
    let from_scan = f
        .coll("messages")
        .find_one(doc! {"origin_id": &id})
        .await
        .unwrap()
        .expect("the scan's log records carry the request id");
    assert_eq!(from_scan.get_str("origin_type").unwrap(), "scheduled scan");
    assert_eq!(from_scan.get_str("environment").unwrap(), "S");
    let env = &f.all("environments_config").await[0];
    assert!(!env.get_bool("scanned").unwrap());
    f.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_whose_environment_is_locked_waits_in_pending() {
    use std::os::unix::io::AsRawFd;
    let f = Fixture::new("envlock").await;
    seed_supported_env(&f, "L").await;
    f.coll("scans")
        .insert_one(
            doc! {"environment": "L", "status": "pending", "submit_timestamp": now_minus(5)},
        )
        .await
        .unwrap();
    // A cron `calipso scan` of L holds the environment's lock.
    let path = f
        .locks
        .path()
        .join(format!("calipso-scan.{}.inventory.L.lock", f.db.name()));
    std::fs::write(
        &path,
        format!("{} 2026-01-01T00:00:00Z\n", std::process::id()),
    )
    .unwrap();
    let file = std::fs::File::open(&path).unwrap();
    // SAFETY: flock on a descriptor this test owns.
    assert_eq!(
        unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
        0
    );
    let out = f.run_once(&[]).await;
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(
        log.contains(&format!(
            "another scan of L is running (pid {}, since 2026-01-01T00:00:00Z); skipped",
            std::process::id()
        )),
        "{log}"
    );
    let request = &f.all("scans").await[0];
    assert_eq!(request.get_str("status").unwrap(), "pending");
    assert!(!request.contains_key("claimed_by") && !request.contains_key("start_timestamp"));
    drop(file);
    f.drop().await;
}
