//! DbFetchAggregates (fetchers.md §3.5): host aggregates, rows as they are.

use crate::doc::Object;
use crate::fetchers::{FetchError, Fetcher, ScanContext};
use async_trait::async_trait;

const AGGREGATES_SQL: &str = "SELECT id, name FROM nova.aggregates WHERE deleted = 0";

pub struct DbFetchAggregates;

#[async_trait]
impl Fetcher for DbFetchAggregates {
    async fn get(&self, _parent_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        Ok(ctx.db().await?.query(AGGREGATES_SQL, None).await?)
    }
}
