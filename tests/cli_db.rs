//! `calipso db init/status` through the real binary against the local MongoDB-wire server
//! (a fresh database per test).

#[path = "common/mongo.rs"]
mod mongo;

use assert_cmd::Command;
use bson::doc;
use mongo::TestDb;
use std::time::Duration;

/// Shipped documents per logical collection (README documents these counts).
const SHIPPED: [(&str, usize); 7] = [
    ("constants", 21),
    ("supported_environments", 14),
    ("link_types", 27),
    ("clique_types", 12),
    ("clique_constraints", 3),
    ("network_agent_types", 10),
    ("monitoring_config_templates", 20),
];
const TOTAL: usize = 107;
const UNPREFIXED: [&str; 3] = [
    "constants",
    "network_agent_types",
    "monitoring_config_templates",
];

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn db_cmd(db: &TestDb, args: &[&str]) -> Out {
    let mut cmd = Command::cargo_bin("calipso").unwrap();
    cmd.arg("db")
        .args(args)
        .args(["-m", db.conf()])
        .timeout(Duration::from_secs(60));
    let out = cmd.output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Physical name under `-y inventory` (default) or another value without `inventory` in it.
fn physical(logical: &str, inventory: &str) -> String {
    match (UNPREFIXED.contains(&logical), inventory) {
        (true, _) | (false, "inventory") => logical.to_string(),
        (false, y) => format!("{y}_{logical}"),
    }
}

fn label(logical: &str, inventory: &str) -> String {
    let p = physical(logical, inventory);
    if p == logical {
        p
    } else {
        format!("{logical} ({p})")
    }
}

#[test]
fn init_loads_documented_counts_then_changes_nothing() {
    let db = TestDb::new("db_init");
    let first = db_cmd(&db, &["init"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    for (logical, count) in SHIPPED {
        let line = format!("db init: {logical}: {count} added, 0 kept, 0 replaced");
        assert!(
            first.stderr.contains(&line),
            "want {line}\n{}",
            first.stderr
        );
        assert_eq!(db.count(logical), count, "{logical}");
    }
    assert!(first.stderr.contains(&format!(
        "db init: {TOTAL} added, 0 kept, 0 replaced (database {})",
        db.name
    )));
    // Seed `_id`s are not copied; documents are stored as shipped.
    let constants = db.docs("constants");
    assert!(constants
        .iter()
        .any(|d| d.get_str("name") == Ok("scan_object_types")));

    let before: Vec<_> = SHIPPED.iter().map(|(l, _)| db.docs(l)).collect();
    let second = db_cmd(&db, &["init"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    for (logical, count) in SHIPPED {
        let line = format!("db init: {logical}: 0 added, {count} kept, 0 replaced");
        assert!(
            second.stderr.contains(&line),
            "want {line}\n{}",
            second.stderr
        );
    }
    let after: Vec<_> = SHIPPED.iter().map(|(l, _)| db.docs(l)).collect();
    assert_eq!(before, after, "a second init changed documents");
}

#[test]
fn init_keeps_edited_documents_unless_forced() {
    let db = TestDb::new("db_force");
    assert_eq!(db_cmd(&db, &["init"]).code, 0);
    let edited = doc! {"name": "distributions"};
    db.update("constants", edited.clone(), doc! {"$set": {"data": []}});
    // A document that is not shipped is never touched.
    db.with_db(|d| async move {
        d.collection::<bson::Document>("constants")
            .insert_one(doc! {"name": "my_list", "data": []})
            .await
            .unwrap();
    });
    let id_before = db.docs("constants")[0].get("_id").cloned();

    let kept = db_cmd(&db, &["init"]);
    assert_eq!(kept.code, 0, "{}", kept.stderr);
    assert!(kept
        .stderr
        .contains("db init: constants: 0 added, 21 kept, 0 replaced"));
    let find = |name: &str| {
        db.docs("constants")
            .into_iter()
            .find(|d| d.get_str("name") == Ok(name))
            .unwrap()
    };
    assert!(find("distributions").get_array("data").unwrap().is_empty());

    let forced = db_cmd(&db, &["init", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    for (logical, count) in SHIPPED {
        let line = format!("db init: {logical}: 0 added, 0 kept, {count} replaced");
        assert!(
            forced.stderr.contains(&line),
            "want {line}\n{}",
            forced.stderr
        );
    }
    assert_eq!(find("distributions").get_array("data").unwrap().len(), 8);
    assert!(find("my_list").get_array("data").unwrap().is_empty());
    assert_eq!(db.count("constants"), 22);
    assert_eq!(
        db.docs("constants")[0].get("_id").cloned(),
        id_before,
        "_id kept"
    );
}

#[test]
fn inventory_option_places_prefixed_collections_and_indexes() {
    let db = TestDb::new("db_mylab");
    let out = db_cmd(&db, &["init", "-y", "mylab"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for (logical, count) in SHIPPED {
        let line = format!("db init: {}: {count} added", label(logical, "mylab"));
        assert!(out.stderr.contains(&line), "want {line}\n{}", out.stderr);
        assert_eq!(db.count(&physical(logical, "mylab")), count, "{logical}");
    }
    let collections = db.collections();
    for name in [
        "mylab_link_types",
        "mylab_clique_types",
        "mylab_clique_constraints",
        "mylab_supported_environments",
        "constants",
        "network_agent_types",
        "monitoring_config_templates",
        "mylab",
        "mylab_links",
    ] {
        assert!(
            collections.contains(&name.to_string()),
            "{name} in {collections:?}"
        );
    }
    assert!(!collections.contains(&"link_types".to_string()));

    let inventory = db.index_specs("mylab");
    let unique = inventory
        .iter()
        .find(|i| i.keys == doc! {"environment": 1, "type": 1, "id": 1})
        .expect("inventory {environment, type, id} index");
    assert_eq!(unique.options.as_ref().and_then(|o| o.unique), Some(true));
    assert!(inventory
        .iter()
        .any(|i| i.keys == doc! {"type": 1, "last_scanned": -1}));
    let links = db.index_specs("mylab_links");
    assert!(links
        .iter()
        .any(|i| i.keys == doc! {"environment": 1, "source_id": 1, "target_id": 1}));
    assert!(db
        .index_specs("mylab_scans")
        .iter()
        .any(|i| i.keys == doc! {"submit_timestamp": -1}));
}

#[test]
fn status_shows_counts_and_what_is_missing() {
    let db = TestDb::new("db_status");
    let empty = db_cmd(&db, &["status", "-y", "mylab"]);
    assert_eq!(empty.code, 0, "{}", empty.stderr);
    assert!(empty.stdout.starts_with(&format!(
        "database {} on 127.0.0.1:27017 (-y mylab)\n",
        db.name
    )));
    let row: Vec<&str> = empty
        .stdout
        .lines()
        .find(|l| l.starts_with("link_types "))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        row,
        ["link_types", "mylab_link_types", "absent", "27", "27"]
    );
    assert!(empty.stdout.contains("missing: constants, mylab_supported_environments, mylab_link_types, mylab_clique_types, mylab_clique_constraints, network_agent_types, monitoring_config_templates: run 'calipso db init'"), "{}", empty.stdout);

    // Only the unprefixed collections exist after an init with the default -y.
    assert_eq!(db_cmd(&db, &["init"]).code, 0);
    let partial = db_cmd(&db, &["status", "-y", "mylab"]);
    assert!(partial.stdout.contains("missing: mylab_supported_environments, mylab_link_types, mylab_clique_types, mylab_clique_constraints: run 'calipso db init'"), "{}", partial.stdout);

    let full = db_cmd(&db, &["status"]);
    assert!(
        full.stdout
            .ends_with("all reference collections are present\n"),
        "{}",
        full.stdout
    );
    let row: Vec<&str> = full
        .stdout
        .lines()
        .find(|l| l.starts_with("constants "))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(row, ["constants", "constants", "21", "21", "0"]);
}

/// What the scan calls before starting: the reference collections still missing.
#[test]
fn missing_reference_lists_what_a_scan_lacks() {
    use calipso::config::MongoConf;
    use calipso::store::{reference, Store};
    let db = TestDb::new("db_missing");
    let missing = |inventory: &'static str| {
        let conf = MongoConf::load(db.conf()).unwrap();
        db.with_db(|_| async move {
            let store = Store::connect(&conf, inventory).await.unwrap();
            reference::missing_reference(&store).await.unwrap()
        })
    };
    assert_eq!(
        missing("RDO"),
        [
            "constants",
            "RDO_supported_environments",
            "RDO_link_types",
            "RDO_clique_types",
            "RDO_clique_constraints",
            "network_agent_types",
            "monitoring_config_templates"
        ]
    );
    assert_eq!(db_cmd(&db, &["init", "-y", "RDO"]).code, 0);
    assert!(missing("RDO").is_empty());
    // `constants` without `scan_object_types` is as good as missing.
    db.with_db(|d| async move {
        d.collection::<bson::Document>("constants")
            .delete_one(doc! {"name": "scan_object_types"})
            .await
            .unwrap();
    });
    assert_eq!(missing("RDO"), ["constants"]);
}
