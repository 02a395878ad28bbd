//! ApiFetchNetworks (fetchers.md §3.7): Neutron networks with their subnets, placed in their
//! project's dynamic networks folder.

use super::{objects_in, ProjectIndex};
use crate::doc::{str_field, Object};
use crate::fetchers::{set_folder_parent, FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::{Bson, Document};
use serde_json::Value;
use std::collections::HashMap;

pub struct ApiFetchNetworks;

#[async_trait]
impl Fetcher for ApiFetchNetworks {
    /// Runs under every region but, as the original, always covers all regions.
    async fn get(&self, _parent_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let api = ctx.api().await?;
        let projects = ProjectIndex::load(ctx, api.admin_project()).await?;
        let mut networks = Vec::new();
        for region in api.regions() {
            let neutron = api.region_url_nover(&region.name, "neutron")?;
            let networks_answer = api
                .get_as_admin(&format!("{neutron}/v2.0/networks"))
                .await?;
            let subnets_answer = api.get_as_admin(&format!("{neutron}/v2.0/subnets")).await?;
            networks.extend(networks_from_answers(
                &networks_answer,
                &subnets_answer,
                &projects,
            ));
        }
        Ok(networks)
    }
}

/// Networks of one region. `subnets` becomes a map subnet name → subnet object (unknown ids
/// skipped), plus `cidrs` and `subnet_ids`; a network without `tenant_id` belongs to the admin
/// project.
pub fn networks_from_answers(
    networks_answer: &Value,
    subnets_answer: &Value,
    projects: &ProjectIndex,
) -> Vec<Object> {
    let Some(networks) = objects_in(networks_answer, "networks") else {
        return Vec::new();
    };
    let subnets: HashMap<String, Document> = objects_in(subnets_answer, "subnets")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| Some((str_field(&s, "id")?.to_string(), s)))
        .collect();
    networks
        .into_iter()
        .map(|mut network| {
            let project_id = match str_field(&network, "tenant_id") {
                Some(id) if !id.is_empty() => id.to_string(),
                _ => projects.admin_id().unwrap_or_default().to_string(),
            };
            let id = network.get("id").cloned().unwrap_or(Bson::Null);
            attach_subnets(&mut network, &subnets);
            set_folder_parent(&mut network, "network", "project", &project_id, None, None);
            network.insert("network", id);
            if let Some(name) = projects.name_of(&project_id) {
                network.insert("project", name);
            }
            // `set_folder_parent` appended its fields; keep `cidrs`/`subnet_ids` last as the
            // original does.
            for key in ["cidrs", "subnet_ids"] {
                if let Some(value) = network.remove(key) {
                    network.insert(key, value);
                }
            }
            network
        })
        .collect()
}

fn attach_subnets(network: &mut Object, subnets: &HashMap<String, Document>) {
    let ids: Vec<String> = match network.get("subnets") {
        Some(Bson::Array(ids)) => ids
            .iter()
            .filter_map(|id| id.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    };
    let mut by_name = Document::new();
    let mut cidrs = Vec::new();
    let mut subnet_ids = Vec::new();
    for subnet in ids.iter().filter_map(|id| subnets.get(id)) {
        let name = str_field(subnet, "name").unwrap_or("").to_string();
        cidrs.push(subnet.get("cidr").cloned().unwrap_or(Bson::Null));
        subnet_ids.push(subnet.get("id").cloned().unwrap_or(Bson::Null));
        by_name.insert(name, subnet.clone());
    }
    network.insert("subnets", by_name);
    network.insert("cidrs", cidrs);
    network.insert("subnet_ids", subnet_ids);
}
