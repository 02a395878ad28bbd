//! Test helper: a unique database on the local MongoDB-wire server (127.0.0.1:27017, no auth)
//! and a mongo.conf naming it (`auth_db <db>`) in a temporary directory. The database is
//! dropped when the value goes out of scope. Include with
//! `#[path = "common/mongo.rs"] mod mongo;`.
#![allow(dead_code)]

use bson::Document;
use futures::TryStreamExt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const SERVER: &str = "127.0.0.1";
pub const PORT: u16 = 27017;

pub struct TestDb {
    pub name: String,
    dir: tempfile::TempDir,
    conf: PathBuf,
}

impl TestDb {
    /// `tag` names the test (kept short: database names are limited to 63 bytes).
    pub fn new(tag: &str) -> TestDb {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let tag: String = tag.chars().take(24).collect();
        let name = format!(
            "t_{tag}_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("mongo.conf");
        std::fs::write(
            &conf,
            format!("server {SERVER}\nport {PORT}\nauth_db {name}\n"),
        )
        .unwrap();
        TestDb { name, dir, conf }
    }

    /// The mongo.conf path, for `-m`.
    pub fn conf(&self) -> &str {
        self.conf.to_str().unwrap()
    }

    /// A scratch directory that lives as long as the database.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `f` with a handle on the test database, on a private runtime.
    pub fn with_db<F, Fut, T>(&self, f: F) -> T
    where
        F: FnOnce(mongodb::Database) -> Fut,
        Fut: Future<Output = T>,
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = mongodb::Client::with_uri_str(format!("mongodb://{SERVER}:{PORT}/"))
                .await
                .unwrap();
            f(client.database(&self.name)).await
        })
    }

    pub fn docs(&self, collection: &str) -> Vec<Document> {
        self.with_db(|db| async move {
            db.collection::<Document>(collection)
                .find(Document::new())
                .await
                .unwrap()
                .try_collect()
                .await
                .unwrap()
        })
    }

    pub fn count(&self, collection: &str) -> usize {
        self.docs(collection).len()
    }

    pub fn collections(&self) -> Vec<String> {
        let mut names = self.with_db(|db| async move { db.list_collection_names().await.unwrap() });
        names.sort();
        names
    }

    pub fn index_specs(&self, collection: &str) -> Vec<mongodb::IndexModel> {
        self.with_db(|db| async move {
            db.collection::<Document>(collection)
                .list_indexes()
                .await
                .unwrap()
                .try_collect()
                .await
                .unwrap()
        })
    }

    pub fn update(&self, collection: &str, filter: Document, update: Document) {
        self.with_db(|db| async move {
            db.collection::<Document>(collection)
                .update_many(filter, update)
                .await
                .unwrap();
        })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Best effort: a failed drop must not hide the test's own result.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.with_db(|db| async move {
                let _ = db.drop().await;
            })
        }));
    }
}
