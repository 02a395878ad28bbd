//! ApiFetchRegions (fetchers.md §3.2): one object per region of the admin project's catalog.

use crate::access::api::Region;
use crate::doc::{json_object_to_doc, Object};
use crate::fetchers::{FetchError, Fetcher, ScanContext};
use async_trait::async_trait;

pub struct ApiFetchRegions;

#[async_trait]
impl Fetcher for ApiFetchRegions {
    async fn get(&self, parent_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let api = ctx.api().await?;
        Ok(region_objects(api.regions(), parent_id))
    }
}

/// Region objects under the regions folder `folder_id` (`<env>-regions`).
pub fn region_objects(regions: &[Region], folder_id: &str) -> Vec<Object> {
    regions
        .iter()
        .map(|region| {
            let mut object = Object::new();
            object.insert("id", &region.name);
            object.insert("name", &region.name);
            object.insert("endpoints", json_object_to_doc(&region.endpoints));
            object.insert("parent_type", "regions_folder");
            object.insert("parent_id", folder_id);
            object
        })
        .collect()
}
