//! `calipso env import/export/validate/list` through the real binary against the local
//! MongoDB-wire server (a fresh database per test).

#[path = "common/mongo.rs"]
mod mongo;

use assert_cmd::Command;
use bson::doc;
use mongo::TestDb;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const SEED: &str = "data/seed/environments_config.json";
/// Secret values of the seed file: never printed unless --with-secrets.
const SECRETS: [&str; 3] = ["dummy_pwd", "dummy_token", "baba-token-xyz"];

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn calipso(args: &[&str], stdin: Option<&str>) -> Out {
    let mut cmd = Command::cargo_bin("calipso").unwrap();
    cmd.args(args).timeout(Duration::from_secs(60));
    if let Some(text) = stdin {
        cmd.write_stdin(text);
    }
    let out = cmd.output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn env_cmd(db: &TestDb, args: &[&str]) -> Out {
    let mut all = vec!["env"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-m", db.conf()]);
    calipso(&all, None)
}

fn assert_no_secrets(out: &Out) {
    for secret in SECRETS {
        assert!(
            !out.stdout.contains(secret) && !out.stderr.contains(secret),
            "secret {secret} printed:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }
}

fn seed_envs() -> Vec<Value> {
    serde_json::from_str(&std::fs::read_to_string(SEED).unwrap()).unwrap()
}

fn write_json(db: &TestDb, file: &str, value: &Value) -> String {
    let path = db.dir().join(file);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn validate_accepts_the_seed_file_with_warnings() {
    let out = calipso(&["env", "validate", SEED], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("warning: data/seed/environments_config.json: environment 'DEMO-OpenStack' (#1): last_scanned 'filled-by-scanning' is not a date: kept as a string"), "{}", out.stderr);
    assert!(out
        .stderr
        .contains("env validate: 2 read, 0 errors, 2 warnings"));
    assert_no_secrets(&out);
    let strict = calipso(&["env", "validate", "--strict", SEED], None);
    assert_eq!(strict.code, 3);
}

#[test]
fn import_list_export_round_trip() {
    let db = TestDb::new("env_roundtrip");
    let import = env_cmd(&db, &["import", SEED]);
    assert_eq!(import.code, 0, "{}", import.stderr);
    assert!(import.stderr.contains(
        "env import: 2 read, 2 inserted, 0 replaced, 2 warnings (collection environments_config)"
    ));
    assert_no_secrets(&import);
    let stored = db.docs("environments_config");
    assert_eq!(stored.len(), 2);
    let k8s = &stored[1];
    assert_eq!(k8s.get_str("environment_type").unwrap(), "Kubernetes");
    // Defaults of §6.3 fill what the file leaves out.
    assert!(!k8s.get_bool("aci_enabled").unwrap());
    assert!(!k8s.get_bool("monitoring_setup_done").unwrap());

    let list = env_cmd(&db, &["list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let lines: Vec<&str> = list.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", list.stdout);
    assert!(lines[0].starts_with("NAME "));
    let columns: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(
        columns,
        [
            "DEMO-Kubernetes",
            "Kubernetes",
            "Mirantis",
            "8.0",
            "OVS",
            "false",
            "filled-by-scanning",
            "stopped",
            "true"
        ]
    );
    assert_eq!(
        lines[1].find("OpenStack"),
        lines[2].find("Kubernetes"),
        "aligned"
    );
    assert_no_secrets(&list);

    let export = env_cmd(&db, &["export"]);
    assert_eq!(export.code, 0, "{}", export.stderr);
    assert_no_secrets(&export);
    let exported: Value = serde_json::from_str(&export.stdout).unwrap();
    assert_eq!(exported.as_array().unwrap().len(), 2);
    assert_eq!(exported[0]["configuration"][0]["pwd"], "********");
    assert_eq!(exported[1]["configuration"][1]["token"], "********");
    assert!(exported[0].get("_id").is_none());

    let one = env_cmd(&db, &["export", "-e", "DEMO-OpenStack", "--with-secrets"]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    let one: Value = serde_json::from_str(&one.stdout).unwrap();
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["configuration"][0]["pwd"], "dummy_pwd");

    // Export output (with secrets) is valid import input: round trip into another -y.
    let file = db.dir().join("export.json");
    let out = env_cmd(
        &db,
        &["export", "--with-secrets", "-o", file.to_str().unwrap()],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_no_secrets(&out);
    let again = env_cmd(&db, &["import", file.to_str().unwrap(), "-y", "mylab"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again
        .stderr
        .contains("2 inserted, 0 replaced, 2 warnings (collection mylab_environments_config)"));
    let copy = db.docs("mylab_environments_config");
    let original = db.docs("environments_config");
    for (a, b) in copy.iter().zip(&original) {
        let (mut a, mut b) = (a.clone(), b.clone());
        a.remove("_id");
        b.remove("_id");
        assert_eq!(a, b);
    }

    let missing = env_cmd(&db, &["export", "-e", "nope"]);
    assert_eq!(missing.code, 3);
    assert!(missing.stderr.contains("environment 'nope' not found"));
}

#[test]
fn invalid_inputs_exit_3_and_write_nothing() {
    let db = TestDb::new("env_invalid");
    let mut unknown_section = seed_envs()[0].clone();
    unknown_section["configuration"][5]["name"] = json!("Foo");
    let mut missing_sections = seed_envs()[0].clone();
    missing_sections["configuration"] = json!([missing_sections["configuration"][3]]);
    let mut no_name = seed_envs()[0].clone();
    no_name.as_object_mut().unwrap().remove("name");
    let cases: Vec<(&str, String, &str)> = vec![
        ("bad.json", "{\"name\": ".into(), "line 1, column 9: EOF while parsing a value"),
        ("noname.json", no_name.to_string(), "environment #1: name must be specified"),
        ("unknown.json", unknown_section.to_string(),
         "environment 'DEMO-OpenStack' (#1): Unknown configurations: Foo"),
        ("sections.json", missing_sections.to_string(),
         "environment 'DEMO-OpenStack' (#1): configurations for (OpenStack, mysql, CLI) are mandatory for this environment type"),
        ("dup.json", json!([seed_envs()[0], seed_envs()[0]]).to_string(),
         "environment 'DEMO-OpenStack' (#2): same name as environment #1 of this input"),
        ("array.json", json!([seed_envs()[1], 5]).to_string(), "environment #2: not an object"),
    ];
    for (file, text, message) in cases {
        let path = db.dir().join(file);
        std::fs::write(&path, &text).unwrap();
        let path = path.to_str().unwrap();
        let expected = format!("error: {path}: {message}");
        for command in ["validate", "import"] {
            let out = env_cmd(&db, &[command, path]);
            assert_eq!(out.code, 3, "{command} {file}: {}", out.stderr);
            assert!(
                out.stderr.contains(&expected),
                "{command} {file}: want {expected}\n{}",
                out.stderr
            );
            assert_no_secrets(&out);
        }
        assert_eq!(
            db.count("environments_config"),
            0,
            "{file}: something was written"
        );
    }
}

#[test]
fn existing_names_need_replace_which_keeps_id_and_runtime_fields() {
    let db = TestDb::new("env_replace");
    assert_eq!(env_cmd(&db, &["import", SEED]).code, 0);
    let again = env_cmd(&db, &["import", SEED]);
    assert_eq!(again.code, 3);
    assert!(again
        .stderr
        .contains("environment 'DEMO-OpenStack' already exists (use --replace)"));
    assert!(again.stderr.contains("nothing written"));

    let before = db.docs("environments_config");
    let scanned_at = bson::DateTime::from_millis(1_700_000_000_000);
    db.update(
        "environments_config",
        doc! {"name": "DEMO-OpenStack"},
        doc! {"$set": {"scanned": true, "operational": "running", "last_scanned": scanned_at}},
    );
    // The file changes configuration and leaves the runtime fields out.
    let mut env = seed_envs()[0].clone();
    for field in ["scanned", "last_scanned", "operational"] {
        env.as_object_mut().unwrap().remove(field);
    }
    env["distribution_version"] = json!("9.0");
    let file = write_json(&db, "changed.json", &env);

    let dry = env_cmd(&db, &["import", &file, "--replace", "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stderr
            .contains("dry run: env import: 1 read, 0 inserted, 1 replaced, 0 warnings"),
        "{}",
        dry.stderr
    );
    assert_eq!(
        db.docs("environments_config")[0]
            .get_str("distribution_version")
            .unwrap(),
        "8.0"
    );

    let out = env_cmd(&db, &["import", &file, "--replace"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains(
        "env import: 1 read, 0 inserted, 1 replaced, 0 warnings (collection environments_config)"
    ));
    let after = db.docs("environments_config");
    assert_eq!(after.len(), 2);
    let doc = &after[0];
    assert_eq!(doc.get("_id"), before[0].get("_id"));
    assert_eq!(doc.get_str("distribution_version").unwrap(), "9.0");
    assert!(doc.get_bool("scanned").unwrap());
    assert_eq!(doc.get_str("operational").unwrap(), "running");
    assert_eq!(doc.get_datetime("last_scanned").unwrap(), &scanned_at);
}

#[test]
fn stdin_input_and_strict_mode() {
    let db = TestDb::new("env_stdin");
    let text = std::fs::read_to_string(SEED).unwrap();
    let strict = calipso(
        &["env", "import", "-", "--strict", "-m", db.conf()],
        Some(&text),
    );
    assert_eq!(strict.code, 3);
    assert!(strict
        .stderr
        .contains("error: <stdin>: environment 'DEMO-OpenStack' (#1): last_scanned"));
    assert_eq!(db.count("environments_config"), 0);
    let out = calipso(&["env", "import", "-", "-m", db.conf()], Some(&text));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(db.count("environments_config"), 2);
}

#[test]
fn missing_mongo_conf_is_one_line_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("absent.conf");
    let conf = conf.to_str().unwrap();
    for args in [vec!["list"], vec!["import", SEED], vec!["export"]] {
        let mut all = vec!["env"];
        all.extend(args);
        all.extend(["-m", conf]);
        let out = calipso(&all, None);
        assert_eq!(out.code, 1, "{all:?}");
        assert_eq!(
            out.stderr,
            format!("error: Mongo configuration file not found: config file doesn't exist in the system: {conf}\n")
        );
    }
}

#[test]
fn unreachable_mongo_is_one_line_exit_1_within_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("mongo.conf");
    std::fs::write(
        &conf,
        "server 127.0.0.1\nport 1\nauth_db calipso_unreachable\n",
    )
    .unwrap();
    let started = Instant::now();
    let out = calipso(&["env", "list", "-m", conf.to_str().unwrap()], None);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("error: cannot connect to MongoDB at 127.0.0.1:1"),
        "{}",
        out.stderr
    );
}

#[test]
fn empty_database_lists_and_exports_nothing() {
    let db = TestDb::new("env_empty");
    let list = env_cmd(&db, &["list"]);
    assert_eq!((list.code, list.stdout.as_str()), (0, ""));
    assert!(list.stderr.contains("no environments"));
    let export = env_cmd(&db, &["export"]);
    assert_eq!((export.code, export.stdout.as_str()), (0, "[]\n"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(calipso(&["env", "import"], None).code, 2);
    assert_eq!(calipso(&["env", "list", "--bogus"], None).code, 2);
    assert_eq!(calipso(&["db", "init", "--forse"], None).code, 2);
}
