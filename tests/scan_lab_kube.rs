//! A Kubernetes environment scanned end to end: `calipso-lab up --kubernetes` serves the
//! namespaces over HTTPS with a bearer token and writes environment-kubernetes.json; the real
//! `calipso env import` and `scan` store them as the lab lists them.

#[path = "common/lab.rs"]
mod lab;
#[path = "common/mongo.rs"]
mod mongo;
#[path = "common/scan.rs"]
mod scan;

use bson::Bson;
use calipso::lab::kube;
use lab::Lab;
use mongo::TestDb;
use scan::calipso;
use serde_json::Value;

fn import(db: &TestDb, env: &Value) {
    let file = db.dir().join("kube-env.json");
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
}

fn scan_k8s(db: &TestDb) -> scan::Out {
    calipso(&["scan", "-m", db.conf(), "-e", "lab-k8s", "--no-progress"])
}

#[test]
fn kubernetes_namespaces_are_scanned() {
    let lab = Lab::start(&["--kubernetes", "--no-ssh"]);
    let text = std::fs::read_to_string(lab.path().join("environment-kubernetes.json")).unwrap();
    let mut env: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(env["environment_type"], "Kubernetes");
    let db = TestDb::new("scan_lab_kube");
    let out = calipso(&["db", "init", "-m", db.conf()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    import(&db, &env);

    let out = scan_k8s(&db);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("Scan completed, status: ok"),
        "{}",
        out.stderr
    );
    let docs = db.docs("inventory");
    let stored: Vec<_> = docs
        .iter()
        .filter(|d| d.get_str("type") == Ok("namespace"))
        .collect();
    let expected = kube::namespaces(&lab.model);
    assert!(expected.len() > 3, "system namespaces plus the projects'");
    assert_eq!(stored.len(), expected.len());
    for ns in &expected {
        let doc = stored
            .iter()
            .find(|d| d.get_str("id") == Ok(ns.uid.as_str()))
            .unwrap_or_else(|| panic!("namespace {} missing", ns.name));
        assert_eq!(doc.get_str("name").unwrap(), ns.name);
        assert_eq!(doc.get_str("status").unwrap(), "Active");
        assert_eq!(doc.get_str("uid").unwrap(), ns.uid);
        assert_eq!(
            doc.get_str("self_link").unwrap(),
            format!("/api/v1/namespaces/{}", ns.name)
        );
        assert_eq!(doc.get_str("parent_id").unwrap(), "lab-k8s-namespaces");
        assert_eq!(
            doc.get_str("name_path").unwrap(),
            format!("/lab-k8s/Namespaces/{}", ns.name)
        );
        let Some(Bson::DateTime(created)) = doc.get("creation_timestamp") else {
            panic!("creation_timestamp is not a date: {doc}");
        };
        assert_eq!(
            created.try_to_rfc3339_string().unwrap().replace(".000", ""),
            ns.created
        );
    }
    assert!(
        !docs.iter().any(|d| d.get_str("type") == Ok("region")),
        "no OpenStack objects in a Kubernetes environment"
    );

    // `calipso test-conn` reaches the same API server.
    let env_file = lab.path().join("environment-kubernetes.json");
    let out = calipso(&[
        "test-conn",
        "-t",
        "Kubernetes",
        "--config",
        env_file.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("Kubernetes  ok"), "{}", out.stdout);

    // A wrong token: a scan error naming the API server, never the token.
    let sections = env["configuration"].as_array_mut().unwrap();
    let section = sections
        .iter_mut()
        .find(|s| s["name"] == "Kubernetes")
        .unwrap();
    let token = section["token"].as_str().unwrap().to_string();
    section["token"] = "not-the-token".into();
    import(&db, &env);
    let out = scan_k8s(&db);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("/api/v1/namespaces: HTTP 401 Unauthorized: Unauthorized"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("not-the-token") && !out.stderr.contains(&token));
}
