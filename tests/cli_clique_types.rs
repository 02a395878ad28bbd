//! `calipso clique-types import|export` against the real MongoDB-wire server.

use assert_cmd::Command;
use bson::{doc, Document};
use std::path::{Path, PathBuf};

struct TestDb {
    dir: tempfile::TempDir,
    name: String,
    conf: PathBuf,
}

impl TestDb {
    fn new(tag: &str) -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let name = format!("calipso_ct_{tag}_{}", std::process::id());
        let conf = dir.path().join("mongo.conf");
        std::fs::write(
            &conf,
            format!("server 127.0.0.1\nport 27017\nauth_db {name}\n"),
        )
        .unwrap();
        TestDb { dir, name, conf }
    }

    fn cmd(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        Command::cargo_bin("calipso")
            .unwrap()
            .arg("clique-types")
            .args(args)
            .args(["-m", self.conf.to_str().unwrap()])
            .assert()
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }

    async fn db(&self) -> mongodb::Database {
        mongodb::Client::with_uri_str("mongodb://127.0.0.1:27017")
            .await
            .unwrap()
            .database(&self.name)
    }

    async fn docs(&self, collection: &str) -> Vec<Document> {
        use futures::TryStreamExt;
        let c = self.db().await.collection::<Document>(collection);
        c.find(doc! {}).await.unwrap().try_collect().await.unwrap()
    }

    async fn drop(&self) {
        self.db().await.drop().await.unwrap();
    }
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).to_string()
}

const GOOD: &str = r#"[{"environment": "ANY", "focal_point_type": "instance", "name": "i",
  "link_types": ["instance-vnic", "vnic-vconnector"]}]"#;

#[tokio::test]
async fn example_file_imports_and_export_round_trips() {
    let t = TestDb::new("roundtrip");
    let example = Path::new("examples/clique_types.json")
        .canonicalize()
        .unwrap();
    let a = t.cmd(&["import", example.to_str().unwrap()]).success();
    let err = stderr(&a);
    assert!(err.contains("clique-types import: 11 read, 11 inserted, 0 updated, 0 unchanged, 0 skipped, 0 pruned"), "{err}");
    assert!(err.contains("(collection clique_types)"), "{err}");
    assert_eq!(t.docs("clique_types").await.len(), 11);

    let out = t.dir.path().join("out.json");
    t.cmd(&["export", "-o", out.to_str().unwrap()]).success();
    let exported = std::fs::read_to_string(&out).unwrap();
    assert!(
        exported.starts_with("[\n  {\n    \"environment\": \"ANY\",\n"),
        "{exported}"
    );
    assert!(exported.ends_with("]\n"));
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&example).unwrap()).unwrap();
    let again: serde_json::Value = serde_json::from_str(&exported).unwrap();
    assert_eq!(original, again);
    let a = t.cmd(&["import", out.to_str().unwrap()]).success();
    assert!(
        stderr(&a).contains("11 read, 0 inserted, 0 updated, 11 unchanged"),
        "{}",
        stderr(&a)
    );

    // Export with ids is mongoexport-like extended JSON, which import accepts too.
    let a = t
        .cmd(&[
            "export",
            "--with-ids",
            "-e",
            "ANY",
            "--focal-point-type",
            "network",
        ])
        .success();
    let text = String::from_utf8_lossy(&a.get_output().stdout).to_string();
    assert!(text.contains("\"$oid\""), "{text}");
    let f = t.file("ids.json", &text);
    t.cmd(&["import", &f]).success();
    t.drop().await;
}

#[tokio::test]
async fn invalid_entries_are_named_and_nothing_is_written() {
    let t = TestDb::new("invalid");
    let good = t.file("good.json", GOOD);
    t.cmd(&["import", &good]).success();
    let before = t.docs("clique_types").await;
    let bad = t.file(
        "bad.json",
        r#"[{"environment": "ANY", "focal_point_type": "vservice", "name": "v", "link_types": ["vservice-vnic"]},
            {"environment": "ANY", "name": "x", "link_types": ["instance-vnic", "vnic-nowhere"]},
            42]"#,
    );
    let a = t.cmd(&["import", &bad]).code(3);
    let err = stderr(&a);
    assert!(err.contains(&format!("error: {bad}: document #2 (environment=ANY, name=\"x\"): focal_point_type must be specified")), "{err}");
    assert!(
        err.contains("document #2 (environment=ANY, name=\"x\"): unknown link type 'vnic-nowhere'"),
        "{err}"
    );
    assert!(err.contains("document #3: not an object"), "{err}");
    assert_eq!(t.docs("clique_types").await, before);

    let dup = t.file(
        "dup.json",
        r#"[{"environment": "E2", "focal_point_type": "network", "name": "n", "link_types": ["network-host_pnic"]},
            {"environment": "E1", "focal_point_type": "network", "name": "n", "link_types": ["network-host_pnic"]},
            {"environment": "E1", "focal_point_type": "network", "name": "m", "link_types": ["network-host_pnic"]}]"#,
    );
    let a = t.cmd(&["import", "-e", "E1", &dup]).code(3);
    assert!(stderr(&a).contains("document #3 (environment=E1, focal_point_type=network, name=\"m\"): same key as document #2"), "{}", stderr(&a));
    assert_eq!(t.docs("clique_types").await, before);

    let not_json = t.file("nj.json", "[{\"name\": \"x\",\n  oops}]");
    let a = t.cmd(&["import", &not_json]).code(3);
    assert!(
        stderr(&a).contains(&format!(
            "error: {not_json}: line 2, column 3: key must be a string"
        )),
        "{}",
        stderr(&a)
    );
    assert_eq!(t.docs("clique_types").await, before);
    t.drop().await;
}

#[tokio::test]
async fn unknown_link_type_is_a_warning_unless_strict() {
    let t = TestDb::new("strict");
    let f = t.file(
        "w.json",
        r#"{"environment": "ANY", "focal_point_type": "instance", "name": "i", "link_types": ["instance-vnic", "vnic-nowhere"]}"#,
    );
    let a = t.cmd(&["import", "--strict", &f]).code(3);
    assert!(stderr(&a).contains("document #1 (environment=ANY, focal_point_type=instance, name=\"i\"): unknown link type 'vnic-nowhere'"), "{}", stderr(&a));
    assert!(t.docs("clique_types").await.is_empty());
    let a = t.cmd(&["import", "--dry-run", &f]).success();
    assert!(
        stderr(&a).contains("dry run: clique-types import: 1 read, 1 inserted"),
        "{}",
        stderr(&a)
    );
    assert!(t.docs("clique_types").await.is_empty());
    let a = t.cmd(&["import", &f]).success();
    assert!(
        stderr(&a).contains(&format!("warning: {f}: document #1")),
        "{}",
        stderr(&a)
    );
    assert!(stderr(&a).contains("1 warnings"), "{}", stderr(&a));
    assert_eq!(t.docs("clique_types").await.len(), 1);
    t.drop().await;
}

#[tokio::test]
async fn prefix_update_prune_set_env_and_effective() {
    let t = TestDb::new("prefix");
    let good = t.file("good.json", GOOD);
    // -y RDO writes to RDO_clique_types.
    let a = t
        .cmd(&["import", "-y", "RDO", "--set-env", "E1", &good])
        .success();
    assert!(
        stderr(&a).contains("(collection RDO_clique_types)"),
        "{}",
        stderr(&a)
    );
    let stored = t.docs("RDO_clique_types").await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].get_str("environment").unwrap(), "E1");
    assert!(t.docs("clique_types").await.is_empty());
    // Same key, new content: replaced in place, _id kept.
    let changed = t.file(
        "c.json",
        &GOOD.replace("\"name\": \"i\"", "\"name\": \"renamed\""),
    );
    let a = t
        .cmd(&["import", "-y", "RDO", "--set-env", "E1", &changed])
        .success();
    assert!(
        stderr(&a).contains("0 inserted, 1 updated"),
        "{}",
        stderr(&a)
    );
    let after = t.docs("RDO_clique_types").await;
    assert_eq!(after[0].get("_id"), stored[0].get("_id"));
    assert_eq!(after[0].get_str("name").unwrap(), "renamed");
    // Prune within -e scope removes E1's types the file does not have.
    let other = t.file(
        "o.json",
        r#"[{"environment": "E1", "focal_point_type": "network", "name": "n", "link_types": ["network-host_pnic"]},
            {"environment": "E2", "focal_point_type": "network", "name": "n", "link_types": ["network-host_pnic"]}]"#,
    );
    let a = t
        .cmd(&["import", "-y", "RDO", "-e", "E1", "--prune", &other])
        .success();
    assert!(
        stderr(&a).contains("2 read, 1 inserted, 0 updated, 0 unchanged, 1 skipped, 1 pruned"),
        "{}",
        stderr(&a)
    );
    let left = t.docs("RDO_clique_types").await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].get_str("focal_point_type").unwrap(), "network");

    // --effective picks by score for a stored environment.
    let db = t.db().await;
    db.collection::<Document>("clique_types")
        .insert_many([
            doc! {"environment": "ANY", "focal_point_type": "instance", "name": "any", "link_types": ["instance-vnic"]},
            doc! {"distribution": "Mirantis", "focal_point_type": "instance", "name": "mirantis", "link_types": ["instance-vnic"]},
            doc! {"distribution": "RDO", "focal_point_type": "instance", "name": "rdo", "link_types": ["instance-vnic"]},
        ])
        .await
        .unwrap();
    db.collection::<Document>("environments_config")
        .insert_one(doc! {"name": "E9", "distribution": "Mirantis", "configuration": []})
        .await
        .unwrap();
    let a = t.cmd(&["export", "--effective", "-e", "E9"]).success();
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["name"], "mirantis");
    t.cmd(&["export", "--effective", "-e", "nope"]).code(3);
    t.cmd(&["export", "--effective"]).code(2);
    let a = t.cmd(&["export", "-e", "nothing-here"]).success();
    assert_eq!(String::from_utf8_lossy(&a.get_output().stdout), "[]\n");
    assert!(stderr(&a).contains("no clique types match"));
    t.drop().await;
}
