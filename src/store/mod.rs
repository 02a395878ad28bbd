//! The inventory store: the only module that talks to MongoDB.
//!
//! Writes are upserts with `$set`, keyed as the original keys them; nothing is deleted except by
//! an explicit clear, so a failed scan never loses what an earlier scan wrote.

pub mod graph;
pub mod keys;
pub mod naming;

use crate::config::{ConfigError, Environment, MongoConf};
use crate::doc::{str_field, Object};
use bson::{doc, Bson, Document};
use futures::TryStreamExt;
use mongodb::options::ClientOptions;
use mongodb::{Collection, Database};
use std::time::Duration;

pub use naming::{CollectionNames, Logical};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot connect to MongoDB at {server} (database {database}): {detail}")]
    Unreachable {
        server: String,
        database: String,
        detail: String,
    },
    #[error("MongoDB collection {collection}: {detail}")]
    Operation { collection: String, detail: String },
    #[error("Inventory item - the following field is not defined: {0}")]
    MissingField(&'static str),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// A handle on one database with the collection names of one `-y` value. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Database,
    names: CollectionNames,
    server: String,
}

impl Store {
    /// Connects and checks that the server answers, so that a stopped MongoDB is one clear error
    /// before anything else happens.
    pub async fn connect(conf: &MongoConf, inventory: &str) -> Result<Store, StoreError> {
        let server = format!("{}:{}", conf.server, conf.port);
        let unreachable = |detail: String| StoreError::Unreachable {
            server: server.clone(),
            database: conf.database.clone(),
            detail: scrub(&detail, conf),
        };
        let mut options = ClientOptions::parse(conf.uri())
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        options.server_selection_timeout = Some(Duration::from_secs(5));
        options.connect_timeout = Some(Duration::from_secs(5));
        options.app_name = Some("calipso".into());
        let client =
            mongodb::Client::with_options(options).map_err(|e| unreachable(e.to_string()))?;
        let db = client.database(&conf.database);
        db.run_command(doc! {"ping": 1})
            .await
            .map_err(|e| unreachable(first_line(&e.to_string())))?;
        log::debug!("connected to MongoDB at {}", conf.display_uri());
        Ok(Store {
            db,
            names: CollectionNames::new(inventory),
            server,
        })
    }

    pub fn names(&self) -> &CollectionNames {
        &self.names
    }

    pub fn database_name(&self) -> &str {
        self.db.name()
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    pub fn collection(&self, logical: Logical) -> Collection<Document> {
        self.db.collection(&self.names.physical(logical))
    }

    fn op_error(&self, logical: Logical, e: mongodb::error::Error) -> StoreError {
        StoreError::Operation {
            collection: self.names.physical(logical),
            detail: first_line(&e.to_string()),
        }
    }

    /// `find({name})` in the prefixed `environments_config`; exactly one match.
    pub async fn load_environment(&self, name: &str) -> Result<Environment, StoreError> {
        let docs = self
            .find(Logical::EnvironmentsConfig, doc! {"name": name})
            .await?;
        match docs.len() {
            0 => Err(ConfigError::EnvNotFound.into()),
            1 => Ok(Environment::from_document(
                docs.into_iter().next().unwrap_or_default(),
            )?),
            _ => Err(ConfigError::EnvAmbiguous.into()),
        }
    }

    pub async fn set_environment_fields(
        &self,
        name: &str,
        fields: Document,
    ) -> Result<(), StoreError> {
        self.collection(Logical::EnvironmentsConfig)
            .update_one(doc! {"name": name}, doc! {"$set": fields})
            .await
            .map_err(|e| self.op_error(Logical::EnvironmentsConfig, e))?;
        Ok(())
    }

    /// Raw documents of any collection (no key decoding).
    pub async fn find(
        &self,
        logical: Logical,
        filter: Document,
    ) -> Result<Vec<Document>, StoreError> {
        let cursor = self
            .collection(logical)
            .find(filter)
            .await
            .map_err(|e| self.op_error(logical, e))?;
        cursor
            .try_collect()
            .await
            .map_err(|e| self.op_error(logical, e))
    }

    pub async fn count(&self, logical: Logical, filter: Document) -> Result<u64, StoreError> {
        self.collection(logical)
            .count_documents(filter)
            .await
            .map_err(|e| self.op_error(logical, e))
    }

    /// Inventory documents matching `filter`, keys decoded.
    pub async fn find_objects(&self, filter: Document) -> Result<Vec<Object>, StoreError> {
        Ok(self
            .find(Logical::Inventory, keys::encode(&filter))
            .await?
            .iter()
            .map(keys::decode)
            .collect())
    }

    pub async fn find_object(&self, filter: Document) -> Result<Option<Object>, StoreError> {
        let found = self
            .collection(Logical::Inventory)
            .find_one(keys::encode(&filter))
            .await
            .map_err(|e| self.op_error(Logical::Inventory, e))?;
        Ok(found.as_ref().map(keys::decode))
    }

    /// The original's `get_by_id`: `{environment, id}`, any type, first match.
    pub async fn get_by_id(&self, env: &str, id: &str) -> Result<Option<Object>, StoreError> {
        self.find_object(doc! {"environment": env, "id": id}).await
    }

    /// Writes one inventory object: checks the key fields, stamps `last_scanned`, fills
    /// `object_name` from `name_path` when absent, drops `_id` and the never-stored `projects`,
    /// encodes keys and upserts on `{environment, type, id}` with `$set`.
    pub async fn upsert_object(&self, obj: &mut Object) -> Result<(), StoreError> {
        let filter = identity(obj)?;
        prepare_for_write(obj);
        let mut set = obj.clone();
        set.remove("_id");
        set.remove("projects");
        self.collection(Logical::Inventory)
            .update_one(filter, doc! {"$set": keys::encode(&set)})
            .upsert(true)
            .await
            .map_err(|e| self.op_error(Logical::Inventory, e))?;
        Ok(())
    }

    /// Deletes from each collection the documents of `env`, or all documents when `env` is
    /// `None`; returns (physical name, deleted count) per collection.
    pub async fn clear(
        &self,
        collections: &[Logical],
        env: Option<&str>,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let filter = env.map_or_else(Document::new, |e| doc! {"environment": e});
        let mut out = Vec::new();
        for &logical in collections {
            let name = self.names.physical(logical);
            log::info!("clearing collection: {}.{}", self.db.name(), name);
            let result = self
                .collection(logical)
                .delete_many(filter.clone())
                .await
                .map_err(|e| self.op_error(logical, e))?;
            out.push((name, result.deleted_count));
        }
        Ok(out)
    }

    /// Inserts one document (messages, reference data).
    pub async fn insert(&self, logical: Logical, document: Document) -> Result<(), StoreError> {
        self.collection(logical)
            .insert_one(document)
            .await
            .map_err(|e| self.op_error(logical, e))?;
        Ok(())
    }
}

/// The upsert key of an inventory object; each part must be a non-blank string.
pub fn identity(obj: &Object) -> Result<Document, StoreError> {
    let mut filter = Document::new();
    for field in ["environment", "type", "id"] {
        match str_field(obj, field) {
            Some(v) if !v.trim().is_empty() => {
                filter.insert(field, v);
            }
            _ => return Err(StoreError::MissingField(field)),
        }
    }
    Ok(filter)
}

/// The fields every write sets: `last_scanned` now (UTC) and `object_name` when absent.
pub fn prepare_for_write(obj: &mut Object) {
    obj.insert("last_scanned", Bson::DateTime(bson::DateTime::now()));
    if !obj.contains_key("object_name") {
        if let Some(path) = str_field(obj, "name_path") {
            let last = path.rsplit('/').next().unwrap_or(path).to_string();
            obj.insert("object_name", last);
        }
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).to_string()
}

/// Removes the Mongo password from a driver message, in case the driver echoes the URI.
fn scrub(text: &str, conf: &MongoConf) -> String {
    match &conf.pwd {
        Some(pwd) if !pwd.is_empty() => text.replace(pwd.expose(), "********"),
        _ => text.to_string(),
    }
}
