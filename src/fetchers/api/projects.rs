//! ApiFetchProjects (fetchers.md §3.3): Keystone v2 tenants per region, filtered by the v3
//! project names when that list is available.

use super::objects_in;
use crate::access::api::ApiError;
use crate::doc::{str_field, Object};
use crate::fetchers::{FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use serde_json::Value;

/// The service tenant is never shown as a project.
const SERVICES_TENANT: &str = "services";

pub struct ApiFetchProjects;

#[async_trait]
impl Fetcher for ApiFetchProjects {
    async fn get(&self, _parent_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let api = ctx.api().await?;
        let mut tenant_answers = Vec::new();
        let mut last_keystone = None;
        for region in api.regions() {
            let keystone = api.region_url_nover(&region.name, "keystone")?;
            if let Some(answer) =
                no_data_on_status(api.get_as_admin(&format!("{keystone}/v2.0/tenants")).await)?
            {
                tenant_answers.push(answer);
            }
            last_keystone = Some(keystone);
        }
        let v3_answer = match last_keystone {
            Some(keystone) => {
                no_data_on_status(api.get_as_admin(&format!("{keystone}/v3/projects")).await)?
            }
            None => None,
        };
        Ok(projects_from_answers(&tenant_answers, v3_answer.as_ref()))
    }
}

/// As the original: a non-200 answer to these calls is "no data" (already logged).
fn no_data_on_status(answer: Result<Value, ApiError>) -> Result<Option<Value>, ApiError> {
    match answer {
        Ok(value) => Ok(Some(value)),
        Err(ApiError::Status { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Tenants of every region's answer without `services`; only those named in the v3 `projects`
/// list when that list exists.
pub fn projects_from_answers(tenant_answers: &[Value], v3_answer: Option<&Value>) -> Vec<Object> {
    let allowed: Option<Vec<String>> = v3_answer
        .and_then(|answer| objects_in(answer, "projects"))
        .map(|projects| {
            projects
                .iter()
                .filter_map(|p| str_field(p, "name").map(String::from))
                .collect()
        });
    tenant_answers
        .iter()
        .filter_map(|answer| objects_in(answer, "tenants"))
        .flatten()
        .filter(|tenant| str_field(tenant, "name") != Some(SERVICES_TENANT))
        .filter(|tenant| match (&allowed, str_field(tenant, "name")) {
            (None, _) => true,
            (Some(names), Some(name)) => names.iter().any(|n| n == name),
            (Some(_), None) => false,
        })
        .collect()
}
