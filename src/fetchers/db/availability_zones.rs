//! DbFetchAvailabilityZones (fetchers.md §3.4, targeted scans only): zones of the instances
//! table, rows as they are.

use crate::doc::Object;
use crate::fetchers::{FetchError, Fetcher, ScanContext};
use async_trait::async_trait;

const ZONES_SQL: &str = "SELECT DISTINCT availability_zone, availability_zone AS id, \
     COUNT(DISTINCT host) AS descendants FROM nova.instances \
     WHERE availability_zone IS NOT NULL GROUP BY availability_zone";

pub struct DbFetchAvailabilityZones;

#[async_trait]
impl Fetcher for DbFetchAvailabilityZones {
    async fn get(&self, _parent_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        Ok(ctx.db().await?.query(ZONES_SQL, None).await?)
    }
}
