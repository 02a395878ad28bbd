//! Batched inventory writes against the real MongoDB-wire server: new objects are inserted in
//! bulk, known ones updated with `$set`, repeated keys in one batch end as their last version —
//! the same documents one upsert per object would give, with or without the unique key index.

#[path = "common/mongo.rs"]
mod mongo;

use bson::{doc, Document};
use calipso::config::MongoConf;
use calipso::listen::store_ops::{self, PathChange};
use calipso::store::Store;
use mongo::TestDb;

fn object(id: &str, name: &str) -> Document {
    doc! {"environment": "e", "type": "vnic", "id": id, "name": name, "name_path": format!("/e/{name}")}
}

/// Writes a batch over one stored document and returns the vnic documents by id.
fn write_batch(db: &TestDb) -> Vec<Document> {
    db.with_db(|d| async move {
        d.collection::<Document>("inventory")
            .insert_one(
                doc! {"environment": "e", "type": "vnic", "id": "a", "name": "old", "kept": 1},
            )
            .await
            .unwrap();
    });
    let conf = MongoConf::load(db.conf()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::connect(&conf, "inventory").await.unwrap();
        let mut batch = vec![
            object("a", "new"),
            object("b", "first"),
            object("b", "second"),
            object("c", "c"),
        ];
        store.upsert_objects(&mut batch).await.unwrap();
    });
    let mut docs = db.docs("inventory");
    docs.sort_by_key(|d| d.get_str("id").unwrap_or("").to_string());
    docs
}

fn check(docs: &[Document]) {
    let ids: Vec<&str> = docs.iter().map(|d| d.get_str("id").unwrap()).collect();
    assert_eq!(ids, ["a", "b", "c"], "one document per key");
    assert_eq!(docs[0].get_str("name").unwrap(), "new");
    assert_eq!(
        docs[0].get_i32("kept").unwrap(),
        1,
        "fields not set are kept"
    );
    assert_eq!(
        docs[1].get_str("name").unwrap(),
        "second",
        "the last version wins"
    );
    for d in docs {
        assert!(d.get_datetime("last_scanned").is_ok(), "{d}");
        assert!(d.get_object_id("_id").is_ok(), "{d}");
        assert_eq!(
            d.get_str("object_name").unwrap(),
            d.get_str("name").unwrap()
        );
    }
}

/// `calipso db init`: the reference data and the indexes, the unique inventory key among them.
fn db_init(db: &TestDb) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_calipso"))
        .args(["db", "init", "-m", db.conf()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn batch_with_unique_key_index_inserts_new_and_updates_known() {
    let db = TestDb::new("store_writes_idx");
    db_init(&db);
    check(&write_batch(&db));
}

#[test]
fn small_batches_are_upserted() {
    let db = TestDb::new("store_writes_small");
    let conf = MongoConf::load(db.conf()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::connect(&conf, "inventory").await.unwrap();
        let mut one = vec![object("z", "z")];
        store.upsert_objects(&mut one).await.unwrap();
        let mut again = vec![object("z", "z2")];
        store.upsert_objects(&mut again).await.unwrap();
    });
    let docs = db.docs("inventory");
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].get_str("name").unwrap(), "z2");
}

#[test]
fn batch_without_unique_key_index_gives_the_same_documents() {
    let db = TestDb::new("store_writes_plain");
    check(&write_batch(&db));
}

#[test]
fn stored_objects_and_set_fields_are_updates_in_order_and_never_recreate() {
    let db = TestDb::new("store_writes_stored");
    db_init(&db);
    let conf = MongoConf::load(db.conf()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::connect(&conf, "inventory").await.unwrap();
        store
            .upsert_objects(&mut [object("a", "old")])
            .await
            .unwrap();
        // Read back (with its `_id`), then written after a built version of the same key.
        let mut stored = store
            .find_object(doc! {"environment": "e", "id": "a"})
            .await
            .unwrap()
            .unwrap();
        stored.insert("name", "stored");
        let mut batch = vec![
            object("a", "built"),
            stored.clone(),
            object("b", "b"),
            object("c", "c"),
        ];
        store.upsert_objects(&mut batch).await.unwrap();
        let a = store.find_object(doc! {"id": "a"}).await.unwrap().unwrap();
        assert_eq!(
            a.get_str("name").unwrap(),
            "stored",
            "the last version wins"
        );

        let gone = object("d", "d");
        store
            .set_fields(vec![
                (&a, doc! {"name": "partial"}),
                (&gone, doc! {"name": "x"}),
            ])
            .await
            .unwrap();
    });
    let mut docs = db.docs("inventory");
    docs.sort_by_key(|d| d.get_str("id").unwrap_or("").to_string());
    let ids: Vec<&str> = docs.iter().map(|d| d.get_str("id").unwrap()).collect();
    assert_eq!(ids, ["a", "b", "c"], "set_fields does not create objects");
    assert_eq!(docs[0].get_str("name").unwrap(), "partial");
    assert_eq!(
        docs[0].get_str("name_path").unwrap(),
        "/e/old",
        "fields not named are kept"
    );
}

/// A subtree rename's result, by the server's pipeline update or document by document: per
/// document (in insertion order), its `name_path` and whether `last_scanned` was stamped.
fn renamed_subtree(tag: &str, in_one_update: bool) -> (Vec<Document>, Vec<(String, bool)>) {
    let db = TestDb::new(tag);
    db_init(&db);
    let paths = [
        ("e", "vm"),
        ("e", "vm/vNICs"),
        ("e", "vm/vNICs/tap1"),
        // The old path twice: every occurrence is replaced (listen.md §5.2).
        ("e", "vm/x/e/a/vm"),
        // Not below `<old>/`: a sibling sharing the prefix, and one with a longer name.
        ("e", "vm-2/vNICs"),
        ("e", "vm2"),
        // Another environment's document is left alone.
        ("f", "vm/vNICs"),
    ];
    db.with_db(|d| async move {
        let docs: Vec<Document> = paths
            .iter()
            .enumerate()
            .map(|(i, (env, tail))| {
                let path = format!("/e/a/{tail}");
                doc! {"environment": env, "type": "t", "id": i.to_string(), "name_path": path}
            })
            .collect();
        d.collection::<Document>("inventory")
            .insert_many(docs)
            .await
            .unwrap();
    });
    let before = db.docs("inventory");
    let conf = MongoConf::load(db.conf()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::connect(&conf, "inventory").await.unwrap();
        assert!(
            store.runs_pipeline_updates().await.unwrap(),
            "the test server runs pipeline updates"
        );
        // The renamed object itself travels in the same write.
        let object = doc! {"environment": "e", "type": "t", "id": "0"};
        let own = vec![(&object, doc! {"name_path": "/e/a/renamed"})];
        let change = PathChange {
            old: "/e/a/vm".into(),
            new: "/e/a/renamed".into(),
        };
        if in_one_update {
            store_ops::set_fields_and_rename(&store, "e", own, &change).await
        } else {
            store_ops::set_fields_and_rename_by_documents(&store, "e", own, &change).await
        }
        .unwrap();
    });
    let after = db
        .docs("inventory")
        .iter()
        .map(|d| {
            let path = d.get_str("name_path").unwrap().to_string();
            (path, d.get_datetime("last_scanned").is_ok())
        })
        .collect();
    (before, after)
}

#[test]
fn subtree_rename_in_one_update_gives_what_document_by_document_gives() {
    let (before, in_one) = renamed_subtree("store_writes_paths_one", true);
    let (_, by_documents) = renamed_subtree("store_writes_paths_docs", false);
    assert_eq!(in_one, by_documents);
    for (b, (path, stamped)) in before.iter().zip(&in_one) {
        let old_path = b.get_str("name_path").unwrap();
        let in_subtree =
            b.get_str("environment").unwrap() == "e" && old_path.starts_with("/e/a/vm/");
        let changed = in_subtree || b.get_str("id").unwrap() == "0";
        let expected = if changed {
            old_path.replace("/e/a/vm", "/e/a/renamed")
        } else {
            old_path.to_string()
        };
        assert_eq!(path, &expected, "{b}");
        assert_eq!(*stamped, changed, "{b}");
    }
}
