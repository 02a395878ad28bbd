//! ApiFetchAvailabilityZones (fetchers.md §3.4): the zones each project sees, fetched with
//! that project's own token, placed in the region's dynamic availability-zones folder.

use super::{has_error_status, objects_in};
use crate::access::api::ApiError;
use crate::doc::Object;
use crate::fetchers::{set_folder_parent, FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::Bson;
use serde_json::Value;

pub struct ApiFetchAvailabilityZones;

#[async_trait]
impl Fetcher for ApiFetchAvailabilityZones {
    /// `parent_id` is a project *name*.
    async fn get(&self, parent_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let api = ctx.api().await?;
        let token = match api.token(parent_id).await {
            Ok(token) => token,
            // A project the user cannot access just yields no zones.
            Err(e @ ApiError::Auth { .. }) => {
                log::warn!("no availability zones for project '{parent_id}': {e}");
                return Ok(Vec::new());
            }
            Err(e) => return Err(e.into()),
        };
        let mut zones = Vec::new();
        for region in api.regions() {
            let nova = api.region_url_nover(&region.name, "nova")?;
            let url = format!("{nova}/v2/{}/os-availability-zone/detail", token.tenant_id);
            let answer = api.get_json(&url, Some(parent_id), &token).await?;
            zones.extend(availability_zones_from_answer(&answer, &region.name));
        }
        Ok(zones)
    }
}

/// Zones of one region's `os-availability-zone/detail` answer.
pub fn availability_zones_from_answer(answer: &Value, region: &str) -> Vec<Object> {
    if has_error_status(answer) {
        return Vec::new();
    }
    let zones = objects_in(answer, "availabilityZoneInfo").unwrap_or_default();
    zones
        .into_iter()
        .map(|mut zone| {
            let name = zone.remove("zoneName").unwrap_or(Bson::Null);
            let available = match zone.remove("zoneState") {
                Some(Bson::Document(state)) => state.get("available").cloned(),
                _ => None,
            };
            zone.insert("id", name.clone());
            zone.insert("name", name);
            set_folder_parent(
                &mut zone,
                "availability_zone",
                "region",
                region,
                None,
                Some("Availability Zones"),
            );
            zone.insert("available", available.unwrap_or(Bson::Null));
            zone
        })
        .collect()
}
