//! The monitoring collections (monitoring.md §3, §4.1): `monitoring_config_templates` (never
//! prefixed, read only) and `monitoring_config` (prefixed per `-y`, keys `[dot]`-encoded).

use super::{keys, Logical, Store, StoreError};
use bson::{doc, Document};

impl Store {
    /// Templates of one `side` and `type`, sorted by `order` (stable; strings and numbers
    /// compared by their text, as the seed's string orders sort).
    pub async fn monitoring_templates(
        &self,
        side: &str,
        file_type: &str,
    ) -> Result<Vec<Document>, StoreError> {
        let mut docs = self
            .find(
                Logical::MonitoringConfigTemplates,
                doc! {"side": side, "type": file_type},
            )
            .await?;
        docs.sort_by_key(|d| order_key(d.get("order")));
        Ok(docs)
    }

    /// The `type` of every server-side template, in natural order.
    pub async fn monitoring_server_files(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .find(Logical::MonitoringConfigTemplates, doc! {"side": "server"})
            .await?
            .iter()
            .filter_map(|d| d.get_str("type").ok().map(String::from))
            .collect())
    }

    /// The stored `config` of one (environment, host, file), keys decoded.
    pub async fn monitoring_config(
        &self,
        env: &str,
        host: &str,
        file_type: &str,
    ) -> Result<Option<Document>, StoreError> {
        let found = self
            .collection(Logical::MonitoringConfig)
            .find_one(doc! {"environment": env, "host": host, "type": file_type})
            .await
            .map_err(|e| self.op_error(Logical::MonitoringConfig, e))?;
        Ok(found.and_then(|d| d.get_document("config").ok().map(keys::decode)))
    }

    /// Upserts one file's document with `$set {environment, host, type, config}`.
    pub async fn set_monitoring_config(
        &self,
        env: &str,
        host: &str,
        file_type: &str,
        config: &Document,
    ) -> Result<(), StoreError> {
        let filter = doc! {"environment": env, "host": host, "type": file_type};
        let set = doc! {
            "environment": env, "host": host, "type": file_type, "config": keys::encode(config)
        };
        self.collection(Logical::MonitoringConfig)
            .update_one(filter, doc! {"$set": set})
            .upsert(true)
            .await
            .map_err(|e| self.op_error(Logical::MonitoringConfig, e))?;
        Ok(())
    }

    /// Every `monitoring_config` document of the environment, keys decoded.
    pub async fn monitoring_configs(&self, env: &str) -> Result<Vec<Document>, StoreError> {
        Ok(self
            .find(Logical::MonitoringConfig, doc! {"environment": env})
            .await?
            .iter()
            .map(keys::decode)
            .collect())
    }

    /// Link documents of one type in the environment.
    pub async fn links_of_type(
        &self,
        env: &str,
        link_type: &str,
    ) -> Result<Vec<Document>, StoreError> {
        self.find(
            Logical::Links,
            doc! {"environment": env, "link_type": link_type},
        )
        .await
    }
}

impl Store {
    /// `data[].value` of a `constants` document, `None` when the document is missing.
    pub async fn constant_values(
        &self,
        name: &str,
    ) -> Result<Option<Vec<(String, String)>>, StoreError> {
        let docs = self.find(Logical::Constants, doc! {"name": name}).await?;
        Ok(docs.first().map(|d| {
            d.get_array("data")
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|i| {
                            let i = i.as_document()?;
                            let value = crate::monitoring::templates::python_str(i.get("value")?)?;
                            let label = i.get_str("label").unwrap_or("").to_string();
                            Some((value, label))
                        })
                        .collect()
                })
                .unwrap_or_default()
        }))
    }

    /// The first link matching `filter`.
    pub async fn find_link(&self, filter: Document) -> Result<Option<Document>, StoreError> {
        self.collection(Logical::Links)
            .find_one(filter)
            .await
            .map_err(|e| self.op_error(Logical::Links, e))
    }

    /// `$set` on one link, by `_id`.
    pub async fn set_link_fields(
        &self,
        id: &bson::Bson,
        fields: Document,
    ) -> Result<(), StoreError> {
        self.collection(Logical::Links)
            .update_one(doc! {"_id": id.clone()}, doc! {"$set": fields})
            .await
            .map_err(|e| self.op_error(Logical::Links, e))?;
        Ok(())
    }
}

fn order_key(order: Option<&bson::Bson>) -> String {
    match order {
        Some(bson::Bson::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}
