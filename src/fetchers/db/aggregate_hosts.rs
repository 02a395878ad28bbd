//! DbFetchAggregateHosts (fetchers.md §3.5): references from an aggregate to its hosts.

use crate::doc::{str_field, Object};
use crate::fetchers::{FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::oid::ObjectId;
use std::collections::HashMap;

const AGGREGATE_HOSTS_SQL: &str = "SELECT CONCAT('aggregate-', a.name, '-', host) AS id, \
     host AS name FROM nova.aggregate_hosts ah JOIN nova.aggregates a ON a.id = ah.aggregate_id \
     WHERE ah.deleted = 0 AND aggregate_id = %s";

pub struct DbFetchAggregateHosts;

#[async_trait]
impl Fetcher for DbFetchAggregateHosts {
    /// `parent_id` is the aggregate id.
    async fn get(&self, parent_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let rows = ctx
            .db()
            .await?
            .query(AGGREGATE_HOSTS_SQL, Some(parent_id))
            .await?;
        let mut host_ids = HashMap::new();
        for name in rows.iter().filter_map(|r| str_field(r, "name")) {
            let found = ctx.store.get_by_id(&ctx.env.name, name).await?;
            if let Some(oid) = found.and_then(|host| host.get_object_id("_id").ok()) {
                host_ids.insert(name.to_string(), oid);
            }
        }
        Ok(aggregate_host_refs(rows, &host_ids))
    }
}

/// Each row gets `ref_id` = the ObjectId of the inventory host named by the row; a host that is
/// not in the inventory is logged and its row kept without `ref_id`.
pub fn aggregate_host_refs(rows: Vec<Object>, host_ids: &HashMap<String, ObjectId>) -> Vec<Object> {
    rows.into_iter()
        .map(|mut row| {
            let name = str_field(&row, "name").unwrap_or("").to_string();
            match host_ids.get(&name) {
                Some(oid) => {
                    row.insert("ref_id", *oid);
                }
                None => log::error!("aggregate host {name} is not in the inventory"),
            }
            row
        })
        .collect()
}
