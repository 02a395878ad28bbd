//! `calipso test-conn` and the AMQP access layer against the real RabbitMQ (127.0.0.1:5672,
//! guest/guest).

use calipso::access::amqp::{self, AmqpError, AmqpTarget};
use calipso::secret::Secret;
use std::time::Duration;

fn target(host: &str, port: u16, pwd: &str) -> AmqpTarget {
    AmqpTarget {
        host: host.into(),
        port,
        user: "guest".into(),
        pwd: Secret::new(pwd),
        vhost: "/".into(),
        connect_timeout: Duration::from_secs(2),
    }
}

#[tokio::test]
async fn amqp_connects_with_the_right_password() {
    let conn = amqp::connect_to(&target("127.0.0.1", 5672, "guest"))
        .await
        .unwrap();
    assert!(conn.status().connected());
}

#[tokio::test]
async fn amqp_wrong_password_is_wrong_credentials() {
    let err = amqp::connect_to(&target("127.0.0.1", 5672, "not-the-password"))
        .await
        .unwrap_err();
    println!("{err}");
    assert!(matches!(err, AmqpError::Credentials { .. }), "{err:?}");
    assert!(!err.to_string().contains("not-the-password"));
}

#[tokio::test]
async fn amqp_wrong_port_is_wrong_host_or_port() {
    let err = amqp::connect_to(&target("127.0.0.1", 1, "guest"))
        .await
        .unwrap_err();
    println!("{err}");
    assert!(matches!(err, AmqpError::Unreachable { .. }), "{err:?}");
}

#[tokio::test]
async fn amqp_unreachable_host_times_out() {
    let started = std::time::Instant::now();
    let err = amqp::connect_to(&target("192.0.2.1", 5672, "guest"))
        .await
        .unwrap_err();
    println!("{err}");
    assert!(matches!(err, AmqpError::Unreachable { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

// ---- the command ------------------------------------------------------------------------

use assert_cmd::Command;
use bson::{doc, Document};
use std::io::Write;

fn calipso() -> Command {
    Command::cargo_bin("calipso").unwrap()
}

fn env_file(configuration: serde_json::Value) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    let env = serde_json::json!({"name": "TEST-ENV", "configuration": configuration});
    write!(f, "{env}").unwrap();
    f
}

fn amqp_block(port: u16, pwd: &str) -> serde_json::Value {
    serde_json::json!({"name": "AMQP", "host": "127.0.0.1", "port": port.to_string(),
                       "user": "guest", "pwd": pwd})
}

#[test]
fn direct_mode_passes_with_a_good_amqp_section() {
    let f = env_file(serde_json::json!([amqp_block(5672, "guest")]));
    let out = calipso()
        .args(["test-conn", "--config"])
        .arg(f.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.starts_with("AMQP        ok "), "{stdout}");
}

#[test]
fn direct_mode_reports_each_target_and_exits_1() {
    let f = env_file(serde_json::json!([
        amqp_block(5672, "secret-wrong"),
        {"name": "VMware"},
    ]));
    let out = calipso()
        .args([
            "test-conn",
            "--output",
            "json",
            "-t",
            "amqp",
            "-t",
            "VMware",
            "-t",
            "mysql",
            "--config",
        ])
        .arg(f.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("secret-wrong"));
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["environment"], "TEST-ENV");
    assert_eq!(v["ok"], false);
    let results = v["results"].as_array().unwrap();
    let errors: Vec<&str> = results
        .iter()
        .map(|r| r["error"].as_str().unwrap())
        .collect();
    assert!(errors[0].starts_with("Wrong credentials"), "{errors:?}");
    assert_eq!(errors[1], "unknown test target: VMware");
    assert_eq!(errors[2], "failed to find mysql in targets_configuration");
}

#[test]
fn direct_mode_wrong_port_is_wrong_host_text() {
    let f = env_file(serde_json::json!([amqp_block(1, "guest")]));
    let out = calipso()
        .args(["test-conn", "--config"])
        .arg(f.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("FAILED") && stdout.contains("Wrong host and/or port"),
        "{stdout}"
    );
}

#[test]
fn untestable_inputs_exit_3_and_usage_errors_exit_2() {
    let f = env_file(serde_json::json!([{"name": "VMware"}]));
    calipso()
        .args(["test-conn", "--config"])
        .arg(f.path())
        .assert()
        .code(3);
    calipso()
        .args(["test-conn", "--config", "/nonexistent.json"])
        .assert()
        .code(3);
    calipso().args(["test-conn"]).assert().code(2);
    calipso()
        .args(["test-conn", "-e", "X", "--config", "f"])
        .assert()
        .code(2);
    calipso()
        .args(["test-conn", "--daemon", "-e", "X"])
        .assert()
        .code(2);
    calipso()
        .args(["test-conn", "--once", "-e", "X"])
        .assert()
        .code(2);
    let conf = mongo_conf("calipso_tc_nothing");
    calipso()
        .args(["test-conn", "-e", "NO-SUCH-ENV", "-m"])
        .arg(conf.path())
        .assert()
        .code(3)
        .stderr(predicates::str::contains(
            "could not find matching environment",
        ));
}

// ---- daemon mode against the MongoDB-wire server -------------------------------------------

fn unique_db(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "calipso_tc_{tag}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000
    )
}

fn mongo_conf(db: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(f, "server 127.0.0.1\nport 27017\nauth_db {db}").unwrap();
    f
}

async fn database(db: &str) -> mongodb::Database {
    mongodb::Client::with_uri_str("mongodb://127.0.0.1:27017")
        .await
        .unwrap()
        .database(db)
}

#[tokio::test(flavor = "multi_thread")]
async fn daemon_once_answers_requests_and_sets_operational_only_on_success() {
    let name = unique_db("daemon");
    let db = database(&name).await;
    let tests = db.collection::<Document>("connection_tests");
    let envs = db.collection::<Document>("environments_config");
    envs.insert_many([
        doc! {"name": "GOOD", "operational": "stopped"},
        doc! {"name": "BAD", "operational": "stopped"},
    ])
    .await
    .unwrap();
    let submitted = bson::DateTime::from_millis(bson::DateTime::now().timestamp_millis() - 1500);
    tests
        .insert_many([
            doc! {"environment": "GOOD", "status": "request", "submit_timestamp": submitted,
                  "test_targets": ["AMQP"],
                  "targets_configuration": [{"name": "AMQP", "host": "127.0.0.1", "port": 5672, "user": "guest", "pwd": "guest"}]},
            // The API's status-less form (fix C1) with an ISO string timestamp.
            doc! {"environment": "BAD", "submit_timestamp": "2017-05-17T11:00:17.939+0000",
                  "test_targets": ["AMQP", "CLI"],
                  "targets_configuration": [{"name": "AMQP", "host": "127.0.0.1", "port": "5672", "user": "guest", "pwd": "bad-pass"}]},
            doc! {"environment": "GOOD", "status": "response", "submit_timestamp": submitted,
                  "test_targets": ["AMQP"], "targets_configuration": []},
            // Claimed by a tester that died 11 minutes ago: tested again.
            doc! {"environment": "STALE", "status": "testing", "submit_timestamp": submitted,
                  "claimed_at": bson::DateTime::from_millis(submitted.timestamp_millis() - 660_000),
                  "test_targets": ["mysql"], "targets_configuration": []},
            // Claimed a minute ago by a live tester: left alone.
            doc! {"environment": "BUSY", "status": "testing", "submit_timestamp": submitted,
                  "claimed_at": bson::DateTime::from_millis(submitted.timestamp_millis() - 60_000),
                  "test_targets": ["mysql"], "targets_configuration": []},
        ])
        .await
        .unwrap();
    let conf = mongo_conf(&name);
    let conf_path = conf.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        calipso()
            .args(["test-conn", "--daemon", "--once", "-m"])
            .arg(conf_path)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let good = tests
        .find_one(
            doc! {"environment": "GOOD", "status": "response", "test_results": {"$exists": true}},
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        good.get_document("test_results").unwrap(),
        &doc! {"AMQP": true}
    );
    assert_eq!(good.get_document("errors").unwrap(), &Document::new());
    let rt = good.get_str("response_time").unwrap();
    assert!(rt.starts_with("0:00:0"), "{rt}");
    let bad = tests
        .find_one(doc! {"environment": "BAD"})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bad.get_str("status").unwrap(), "response");
    assert_eq!(
        bad.get_document("test_results").unwrap(),
        &doc! {"AMQP": false, "CLI": false}
    );
    let errors = bad.get_document("errors").unwrap();
    assert!(errors
        .get_str("AMQP")
        .unwrap()
        .starts_with("Wrong credentials"));
    assert_eq!(
        errors.get_str("CLI").unwrap(),
        "failed to find CLI in targets_configuration"
    );
    assert!(bad.get_str("response_time").unwrap().contains("days, "));
    let status_of = |n: &'static str| {
        let tests = tests.clone();
        async move {
            tests
                .find_one(doc! {"environment": n})
                .await
                .unwrap()
                .unwrap()
                .get_str("status")
                .unwrap()
                .to_string()
        }
    };
    assert_eq!(status_of("STALE").await, "response");
    assert_eq!(status_of("BUSY").await, "testing");
    let op = |n: &'static str| {
        let envs = envs.clone();
        async move {
            envs.find_one(doc! {"name": n})
                .await
                .unwrap()
                .unwrap()
                .get_str("operational")
                .unwrap()
                .to_string()
        }
    };
    assert_eq!(op("GOOD").await, "running");
    assert_eq!(op("BAD").await, "stopped");
    let _ = db.drop().await;
}

// ---- SSH targets against the lab SSH server -------------------------------------------------

use calipso::lab::ssh_server::{
    generate_client_key, serve, CommandHandler, CommandReply, SshServerConfig, SshUser,
};

struct Uname;

impl CommandHandler for Uname {
    fn handle(&self, _user: &str, _command: &str) -> CommandReply {
        CommandReply {
            stdout: b"node-1\n".to_vec(),
            ..CommandReply::default()
        }
    }
}

/// Runs `test-conn --output json` on an env with these sections; returns (target, error).
async fn run_json(configuration: serde_json::Value) -> Vec<(String, Option<String>)> {
    let f = env_file(configuration);
    let path = f.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        calipso()
            .args([
                "test-conn",
                "--timeout",
                "3",
                "--output",
                "json",
                "--config",
            ])
            .arg(path)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["target"].as_str().unwrap().to_string(),
                r["error"].as_str().map(String::from),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_and_monitoring_logins_against_a_real_ssh_server() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("client_key");
    let public = generate_client_key(&key).unwrap();
    let server = serve(
        SshServerConfig {
            bind: "127.0.0.1:0".parse().unwrap(),
            users: vec![SshUser {
                name: "calipso".into(),
                password: Some(Secret::new("lab-password")),
                authorized_keys: vec![public],
            }],
            host_key_path: dir.path().join("host_key"),
        },
        std::sync::Arc::new(Uname),
    )
    .await
    .unwrap();
    let port = server.local_addr.port().to_string();
    let cli = |extra: serde_json::Value| {
        let mut block = serde_json::json!({"name": "CLI", "host": "127.0.0.1", "port": port, "user": "calipso"});
        block
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::json!([block])
    };
    let by_password = run_json(cli(serde_json::json!({"pwd": "lab-password"}))).await;
    assert_eq!(by_password, [("CLI".to_string(), None)]);
    let by_key = run_json(cli(serde_json::json!({"key": key.to_str().unwrap()}))).await;
    assert_eq!(by_key, [("CLI".to_string(), None)]);
    let wrong = run_json(cli(serde_json::json!({"pwd": "not-it"}))).await;
    let error = wrong[0].1.clone().unwrap();
    assert!(error.starts_with("Wrong credentials"), "{error}");
    assert!(!error.contains("not-it"));
    let missing_key = run_json(cli(serde_json::json!({"key": "/nonexistent/id_rsa"}))).await;
    assert_eq!(
        missing_key[0].1.as_deref(),
        Some("Key file not found: /nonexistent/id_rsa")
    );
    let bad_key = dir.path().join("not_a_key");
    std::fs::write(&bad_key, "this is not a key\n").unwrap();
    let unreadable = run_json(cli(serde_json::json!({"key": bad_key.to_str().unwrap()}))).await;
    let error = unreadable[0].1.clone().unwrap();
    assert!(error.starts_with("Wrong SSH key"), "{error}");
    let neither = run_json(cli(serde_json::json!({}))).await;
    assert_eq!(
        neither[0].1.as_deref(),
        Some("Must specify key or password for CLI access to host 127.0.0.1")
    );
    let monitoring = run_json(
        serde_json::json!([{"name": "Monitoring", "server_ip": "127.0.0.1",
        "ssh_port": port, "ssh_user": "calipso", "ssh_password": "lab-password"}]),
    )
    .await;
    assert_eq!(monitoring, [("Monitoring".to_string(), None)]);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn https_targets_report_an_unreachable_endpoint() {
    let results = run_json(serde_json::json!([
        {"name": "Kubernetes", "host": "127.0.0.1", "port": 1, "user": "u", "token": "tok-secret"},
        {"name": "ACI", "host": "127.0.0.1:1", "user": "admin", "pwd": "aci-secret"},
    ]))
    .await;
    // ACI is tested only when aci_enabled; Kubernetes always.
    assert_eq!(results.len(), 1);
    let error = results[0].1.clone().unwrap();
    assert!(
        error.starts_with("Wrong host and/or port: https://127.0.0.1:1/api/v1/namespaces"),
        "{error}"
    );
    let f = env_file(serde_json::json!([
        {"name": "ACI", "host": "127.0.0.1:1", "user": "admin", "pwd": "aci-secret"},
    ]));
    let out = calipso()
        .args(["test-conn", "-t", "aci", "--config"])
        .arg(f.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("ACI         FAILED") && stdout.contains("Wrong host and/or port"),
        "{stdout}"
    );
    assert!(!stdout.contains("aci-secret"));
}
