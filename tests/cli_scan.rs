//! `calipso scan` argument handling and failure paths through the real binary, against the local
//! MongoDB-wire server (a fresh database per test). Scans of a lab are in tests/scan_lab.rs.

#[path = "common/lab.rs"]
mod lab;
#[path = "common/mongo.rs"]
mod mongo;
#[path = "common/scan.rs"]
mod scan;

use bson::doc;
use mongo::TestDb;
use scan::{calipso, Out};

/// The ERROR lines of a run's stderr.
fn error_lines(out: &Out) -> Vec<&str> {
    out.stderr
        .lines()
        .filter(|l| l.contains("ERROR: ") || l.starts_with("error: "))
        .collect()
}

fn initialised(tag: &str) -> TestDb {
    let db = TestDb::new(tag);
    let out = calipso(&["db", "init", "-m", db.conf()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    db
}

#[test]
fn help_lists_every_flag_of_scan_py() {
    let out = calipso(&["scan", "--help"]);
    assert_eq!(out.code, 0);
    for flag in [
        "--mongo_config",
        "--env",
        "--type",
        "--inventory",
        "--scan_self",
        "--id",
        "--parent_id",
        "--parent_type",
        "--id_field",
        "--loglevel",
        "--clear",
        "--clear_all",
        "--monitoring_setup_only",
        "--inventory_only",
        "--links_only",
        "--cliques_only",
        "-m",
        "-e",
        "-t",
        "-y",
        "-s",
        "-i",
        "-p",
        "-a",
        "-f",
        "-l",
    ] {
        assert!(out.stdout.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn exclusive_phase_flags_are_a_usage_error() {
    for pair in [
        ["--inventory_only", "--links_only"],
        ["--links_only", "--cliques_only"],
    ] {
        let out = calipso(&["scan", "-e", "x", pair[0], pair[1]]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains("cannot be used with"), "{}", out.stderr);
    }
    assert_eq!(calipso(&["scan", "--no-such-flag"]).code, 2);
}

#[test]
fn missing_mongo_conf_is_one_line_and_exit_1() {
    let out = calipso(&["scan", "-m", "/nonexistent/mongo.conf", "-e", "x"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        error_lines(&out),
        vec![out.stderr.lines().find(|l| l.contains("ERROR: ")).unwrap()],
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(
        "Mongo configuration file not found: config file doesn't exist in the system: /nonexistent/mongo.conf"
    ));
    assert!(!out.stderr.contains("panicked"));
}

#[test]
fn malformed_mongo_conf_names_the_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("bad.conf");
    std::fs::write(&conf, "server 127.0.0.1\nport twenty\n").unwrap();
    let out = calipso(&["scan", "-m", conf.to_str().unwrap(), "-e", "x"]);
    assert_eq!(out.code, 1);
    assert_eq!(error_lines(&out).len(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("bad.conf: port must be a number, got 'twenty'"),
        "{}",
        out.stderr
    );
}

#[test]
fn stopped_mongodb_is_one_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("m.conf");
    std::fs::write(
        &conf,
        "server 127.0.0.1\nport 1\nuser calipso\npwd S3cretMongoPw\n",
    )
    .unwrap();
    let out = calipso(&["scan", "-m", conf.to_str().unwrap(), "-e", "x"]);
    assert_eq!(out.code, 1);
    assert_eq!(error_lines(&out).len(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("cannot connect to MongoDB at 127.0.0.1:1"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("S3cretMongoPw"));
}

#[test]
fn uninitialised_database_is_refused_and_nothing_is_written() {
    let db = TestDb::new("scan_noinit");
    let out = calipso(&["scan", "-m", db.conf(), "-e", "x"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains(&format!(
            "database {} has no constants collection: run 'calipso db init' first",
            db.name
        )),
        "{}",
        out.stderr
    );
    assert!(
        db.collections().is_empty(),
        "written: {:?}",
        db.collections()
    );
}

#[test]
fn unknown_environment_and_bad_log_level_exit_1() {
    let db = initialised("scan_noenv");
    let out = calipso(&["scan", "-m", db.conf(), "-e", "nope"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("ERROR: use_env: could not find matching environment"),
        "{}",
        out.stderr
    );
    assert_eq!(
        db.count("messages"),
        1,
        "the failure is recorded in messages"
    );

    let out = calipso(&["scan", "-m", db.conf(), "-e", "nope", "-l", "WARN"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("invalid log level 'WARN'"),
        "{}",
        out.stderr
    );
}

#[test]
fn invalid_environment_document_exits_1() {
    let db = initialised("scan_badenv");
    db.with_db(|d| async move {
        d.collection::<bson::Document>("environments_config")
            .insert_one(doc! {"name": "broken", "configuration": "not a list"})
            .await
            .unwrap();
    });
    let out = calipso(&["scan", "-m", db.conf(), "-e", "broken"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("environment broken: configuration must be a list"),
        "{}",
        out.stderr
    );
}

#[test]
fn clear_all_with_a_misspelled_environment_deletes_nothing() {
    let db = initialised("scan_clear_typo");
    db.with_db(|d| async move {
        let inv = d.collection::<bson::Document>("inventory");
        inv.insert_one(doc! {"environment": "real", "type": "host", "id": "h1"})
            .await
            .unwrap();
        d.collection::<bson::Document>("links")
            .insert_one(doc! {"environment": "real"})
            .await
            .unwrap();
    });
    let out = calipso(&["scan", "-m", db.conf(), "-e", "reall", "--clear_all"]);
    assert_eq!(out.code, 1);
    assert_eq!(db.count("inventory"), 1);
    assert_eq!(db.count("links"), 1);
}

#[test]
fn json_output_reports_a_failure_on_stdout() {
    let db = initialised("scan_json_fail");
    let out = calipso(&["scan", "-m", db.conf(), "-e", "nope", "--output", "json"]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(v["status"], "failed");
    assert_eq!(v["error"], "use_env: could not find matching environment");
}
