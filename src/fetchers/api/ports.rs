//! ApiFetchPorts (fetchers.md §3.8): Neutron ports, placed in their network's dynamic ports
//! folder and named by MAC address.

use super::{objects_in, ProjectIndex};
use crate::doc::{str_field, Object};
use crate::fetchers::{set_folder_parent, FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::{doc, Bson};
use serde_json::Value;
use std::collections::HashSet;

pub struct ApiFetchPorts;

#[async_trait]
impl Fetcher for ApiFetchPorts {
    async fn get(&self, _parent_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let api = ctx.api().await?;
        let projects = ProjectIndex::load(ctx, api.admin_project()).await?;
        let known_networks: HashSet<String> = ctx
            .store
            .find_objects(doc! {"environment": &ctx.env.name, "type": "network"})
            .await?
            .iter()
            .filter_map(|n| str_field(n, "id").map(String::from))
            .collect();
        let mut ports = Vec::new();
        for region in api.regions() {
            let neutron = api.region_url_nover(&region.name, "neutron")?;
            let answer = api.get_as_admin(&format!("{neutron}/v2.0/ports")).await?;
            ports.extend(ports_from_answer(&answer, &known_networks, &projects));
        }
        Ok(ports)
    }
}

/// Ports of one answer. `name` = the MAC address when the port's network is in the inventory,
/// else the port id (the Neutron name is always replaced).
pub fn ports_from_answer(
    answer: &Value,
    known_networks: &HashSet<String>,
    projects: &ProjectIndex,
) -> Vec<Object> {
    objects_in(answer, "ports")
        .unwrap_or_default()
        .into_iter()
        .map(|mut port| {
            let network_id = str_field(&port, "network_id").unwrap_or("").to_string();
            let name = if known_networks.contains(&network_id) {
                port.get("mac_address").cloned()
            } else {
                port.get("id").cloned()
            };
            port.insert("name", name.unwrap_or(Bson::Null));
            set_folder_parent(&mut port, "port", "network", &network_id, None, None);
            let project = str_field(&port, "tenant_id").and_then(|id| projects.name_of(id));
            if let Some(project) = project.map(String::from) {
                port.insert("project", project);
            }
            port
        })
        .collect()
}
