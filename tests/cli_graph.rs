//! `calipso graph` on a small environment whose links and cliques were built by the phases;
//! the DOT output is rendered by Graphviz (`dot -Tsvg`).

use assert_cmd::Command;
use bson::{doc, Document};
use calipso::config::{Environment, MongoConf};
use calipso::store::{keys, Logical, Store};

const ENV: &str = "graph-env";

async fn setup(dir: &tempfile::TempDir, db: &str) -> std::path::PathBuf {
    let conf_path = dir.path().join("mongo.conf");
    std::fs::write(
        &conf_path,
        format!("server 127.0.0.1\nport 27017\nauth_db {db}\n"),
    )
    .unwrap();
    let conf = MongoConf::load(conf_path.to_str().unwrap()).unwrap();
    let store = Store::connect(&conf, "inventory").await.unwrap();
    let o = |mut d: Document| {
        d.insert("environment", ENV);
        d
    };
    for d in [
        o(doc! {"type": "host", "id": "h1", "name": "h1", "host_type": ["Compute"]}),
        o(
            doc! {"type": "instance", "id": "i1", "name": "vm \"one\"", "host": "h1", "network": ["n1"],
            "network_info": [{"devname": "tap1", "network": {"label": "net1", "id": "n1"}}]},
        ),
        o(
            doc! {"type": "vnic", "id": "h1-tap1", "name": "tap1", "vnic_type": "instance_vnic",
            "instance_id": "i1", "host": "h1", "mac_address": "m1"},
        ),
        o(
            doc! {"type": "vconnector", "id": "h1-qbr1", "name": "qbr1", "host": "h1", "interfaces_names": ["tap1"],
            "interfaces": {"tap1": {"name": "tap1", "mac_address": "m1"}}},
        ),
    ] {
        store
            .insert(Logical::Inventory, keys::encode(&d))
            .await
            .unwrap();
    }
    store
        .insert(
            Logical::CliqueTypes,
            doc! {"environment": "ANY", "focal_point_type": "instance", "name": "i",
            "link_types": ["instance-vnic", "vnic-vconnector"]},
        )
        .await
        .unwrap();
    store
        .insert(
            Logical::CliqueConstraints,
            doc! {"focal_point_type": "instance", "constraints": ["network"]},
        )
        .await
        .unwrap();
    let env = Environment::from_document(doc! {"name": ENV, "mechanism_drivers": ["OVS"],
    "app_path": dir.path().to_str().unwrap(), "configuration": []})
    .unwrap();
    calipso::links::run_phase(&store, &env).await.unwrap();
    calipso::cliques::run_phase(&store, &env).await.unwrap();
    conf_path
}

async fn drop_db(db: &str) {
    let client = mongodb::Client::with_uri_str("mongodb://127.0.0.1:27017")
        .await
        .unwrap();
    client.database(db).drop().await.unwrap();
}

fn graph(conf: &std::path::Path, args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("calipso")
        .unwrap()
        .arg("graph")
        .args(["-m", conf.to_str().unwrap(), "-e", ENV])
        .args(args)
        .assert()
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).to_string()
}

#[tokio::test]
async fn clique_and_environment_graphs_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("calipso_graph_{}", std::process::id());
    let conf = setup(&dir, &db).await;

    let dot = stdout(&graph(&conf, &["--focal-point", "i1", "--format", "dot"]).success());
    assert!(dot.starts_with("digraph \"clique of i1\" {"), "{dot}");
    assert!(
        dot.contains("[label=\"instance\\nvm \\\"one\\\"\"]"),
        "{dot}"
    );
    assert!(
        dot.contains("[label=\"instance-vnic\"]") && dot.contains("[label=\"vnic-vconnector\"]"),
        "{dot}"
    );
    match std::process::Command::new("dot").arg("-V").output() {
        Ok(_) => {
            let path = dir.path().join("clique.dot");
            std::fs::write(&path, &dot).unwrap();
            let out = std::process::Command::new("dot")
                .arg("-Tsvg")
                .arg(&path)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let svg = String::from_utf8_lossy(&out.stdout);
            assert!(
                svg.contains("<svg") && svg.contains("instance&#45;vnic") && svg.contains("qbr1"),
                "{svg}"
            );
        }
        Err(_) => eprintln!("SKIPPED rendering check: Graphviz `dot` is not installed"),
    }

    let json = stdout(&graph(&conf, &["--all", "--format", "json"]).success());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["nodes"].as_array().unwrap().len(), 3);
    assert_eq!(v["edges"].as_array().unwrap().len(), 2);
    let v: serde_json::Value = serde_json::from_str(&stdout(
        &graph(&conf, &["--all", "--implicit", "--format", "json"]).success(),
    ))
    .unwrap();
    assert_eq!(
        v["edges"].as_array().unwrap().len(),
        3,
        "the implicit instance-vconnector link is included"
    );

    let out = dir.path().join("g.graphml");
    graph(
        &conf,
        &["--all", "--format", "graphml", "-o", out.to_str().unwrap()],
    )
    .success();
    let ml = std::fs::read_to_string(&out).unwrap();
    assert!(
        ml.contains("<graphml") && ml.contains("<data key=\"link_type\">vnic-vconnector</data>"),
        "{ml}"
    );

    graph(&conf, &["--focal-point", "nope", "--format", "dot"]).code(3);
    graph(&conf, &["--focal-point", "h1", "--format", "dot"]).code(3);
    graph(&conf, &["--format", "dot"]).code(2);
    drop_db(&db).await;
}
