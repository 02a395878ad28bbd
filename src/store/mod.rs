//! The inventory store: the only module that talks to MongoDB.
//!
//! Writes are upserts with `$set`, keyed as the original keys them; nothing is deleted except by
//! an explicit clear, so a failed scan never loses what an earlier scan wrote.

mod batch_write;
pub mod graph;
mod group_commit;
pub mod keys;
mod monitoring;
pub mod naming;
mod path_rename;
pub mod reference;

use crate::config::{ConfigError, Environment, MongoConf};
use crate::doc::{str_field, Object};
use bson::{doc, Bson, Document};
use futures::TryStreamExt;
use mongodb::options::ClientOptions;
use mongodb::{Collection, Database};
use std::collections::BTreeMap;
use std::time::Duration;

pub use naming::{CollectionNames, Logical};
pub use path_rename::prefix_range;

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

impl StoreError {
    /// The same error again, for each caller of one shared write.
    fn duplicate(&self) -> StoreError {
        match self {
            StoreError::Unreachable {
                server,
                database,
                detail,
            } => StoreError::Unreachable {
                server: server.clone(),
                database: database.clone(),
                detail: detail.clone(),
            },
            StoreError::Operation { collection, detail } => StoreError::Operation {
                collection: collection.clone(),
                detail: detail.clone(),
            },
            StoreError::MissingField(field) => StoreError::MissingField(field),
            StoreError::Config(e) => StoreError::Operation {
                collection: "inventory".into(),
                detail: e.to_string(),
            },
        }
    }
}

/// A handle on one database with the collection names of one `-y` value. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Database,
    names: CollectionNames,
    server: String,
    /// Whether the inventory has the unique `{environment, type, id}` index (asked once): bulk
    /// inserts rely on it to turn a concurrent insert of one key into an update.
    unique_keys: std::sync::Arc<tokio::sync::OnceCell<bool>>,
    /// Whether the server runs aggregation-pipeline updates (asked once, path_rename.rs).
    pipeline_updates: std::sync::Arc<tokio::sync::OnceCell<bool>>,
    /// Inventory writes waiting to travel together (group_commit.rs).
    writes: std::sync::Arc<group_commit::WriteQueue>,
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
            .map_err(|e| unreachable(connection_problem(&e.to_string())))?;
        log::debug!("connected to MongoDB at {}", conf.display_uri());
        Ok(Store {
            db,
            names: CollectionNames::new(inventory),
            server,
            unique_keys: Default::default(),
            pipeline_updates: Default::default(),
            writes: Default::default(),
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

    /// A collection by its exact physical name (for daemons told the name by a flag).
    pub fn plain_collection(&self, name: &str) -> Collection<Document> {
        self.db.collection(name)
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
        self.find_as(logical, filter).await
    }

    /// [`Store::find`] with the documents read as `T` (`Document`, or `RawDocumentBuf` to keep
    /// them serialized).
    pub async fn find_as<T>(&self, logical: Logical, filter: Document) -> Result<Vec<T>, StoreError>
    where
        T: serde::de::DeserializeOwned + Send + Sync,
    {
        let cursor = self
            .collection(logical)
            .clone_with_type::<T>()
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
        self.upsert_objects(std::slice::from_mut(obj)).await
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

    /// Documents of `env` in a collection, counted per value of `field` (e.g. `type`).
    pub async fn count_by(
        &self,
        logical: Logical,
        env: &str,
        field: &str,
    ) -> Result<BTreeMap<String, u64>, StoreError> {
        let pipeline = vec![
            doc! {"$match": {"environment": env}},
            doc! {"$group": {"_id": format!("${field}"), "n": {"$sum": 1}}},
        ];
        let cursor = self
            .collection(logical)
            .aggregate(pipeline)
            .await
            .map_err(|e| self.op_error(logical, e))?;
        let rows: Vec<Document> = cursor
            .try_collect()
            .await
            .map_err(|e| self.op_error(logical, e))?;
        Ok(rows
            .iter()
            .map(|r| {
                let key = r
                    .get("_id")
                    .and_then(crate::doc::id_string)
                    .unwrap_or_else(|| "(none)".into());
                let n = match r.get("n") {
                    Some(Bson::Int32(n)) => *n as u64,
                    Some(Bson::Int64(n)) => *n as u64,
                    _ => 0,
                };
                (key, n)
            })
            .collect())
    }

    /// Whether the environment's distribution/version/drivers support a feature (`scanning`,
    /// `monitoring`, `listening`) per `supported_environments` (mongo-and-collections.md §5.6).
    pub async fn is_feature_supported(
        &self,
        env: &Environment,
        feature: &str,
    ) -> Result<bool, StoreError> {
        let first_driver = env.mechanism_drivers().into_iter().next();
        let opt = |v: &str| {
            if v.is_empty() {
                Bson::Null
            } else {
                Bson::String(v.to_string())
            }
        };
        let filter = doc! {
            "environment.distribution": opt(env.distribution()),
            "environment.distribution_version": opt(env.distribution_version()),
            "environment.type_drivers": opt(env.type_drivers()),
            "environment.mechanism_drivers": first_driver.map_or(Bson::Null, Bson::String),
        };
        let found = self
            .collection(Logical::SupportedEnvironments)
            .find_one(filter)
            .await
            .map_err(|e| self.op_error(Logical::SupportedEnvironments, e))?;
        Ok(found
            .and_then(|d| {
                d.get_document("features")
                    .ok()
                    .and_then(|f| f.get_bool(feature).ok())
            })
            .unwrap_or(false))
    }

    /// The `scan_object_types` constants list, or `None` when that document is missing
    /// (scanners.json is validated against it).
    pub async fn scan_object_types(&self) -> Result<Option<Vec<String>>, StoreError> {
        let docs = self
            .find(Logical::Constants, doc! {"name": "scan_object_types"})
            .await?;
        Ok(docs.first().map(|d| {
            d.get_array("data")
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|i| i.as_document()?.get_str("value").ok().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        }))
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

/// The useful part of a driver connection error.
fn connection_problem(message: &str) -> String {
    for (needle, meaning) in [
        ("Connection refused", "connection refused"),
        ("Authentication failed", "authentication failed"),
        ("auth", "authentication failed"),
        ("failed to lookup address", "unknown host name"),
        ("timed out", "no answer within 5 s"),
        ("Server selection timeout", "no answer within 5 s"),
    ] {
        if message.contains(needle) {
            return meaning.to_string();
        }
    }
    first_line(message).chars().take(200).collect()
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
