//! ApiFetchHostInstances (fetchers.md §3.9): the servers of a Compute host's hypervisor,
//! enriched with their Nova DB rows (DbFetchInstances).

use super::objects_in;
use crate::doc::{str_field, Object};
use crate::fetchers::db::merge_instance_rows;
use crate::fetchers::{host_of_folder, FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::Bson;
use serde_json::Value;

const INSTANCES_SQL: &str = "SELECT DISTINCT i.uuid AS id, i.display_name AS name, \
     i.host AS host, host_ip AS ip_address, network_info, project_id, \
     IF(p.name IS NULL, \"Unknown\", p.name) AS project \
     FROM nova.instances i \
     LEFT JOIN keystone.project p ON p.id = i.project_id \
     JOIN nova.instance_info_caches ic ON i.uuid = ic.instance_uuid \
     JOIN nova.compute_nodes cn ON i.node = cn.hypervisor_hostname \
     WHERE i.deleted = 0";

pub struct ApiFetchHostInstances;

#[async_trait]
impl Fetcher for ApiFetchHostInstances {
    /// `parent_id` is `<host>-instances`. Quirk Q1 fixed: under `<host>-vservices` (where the
    /// original scanner also sends this fetcher) nothing is fetched a second time.
    async fn get(&self, parent_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        if parent_id.ends_with("-vservices") {
            log::debug!("instances are not fetched again under {parent_id}");
            return Ok(Vec::new());
        }
        let host_id = host_of_folder(parent_id);
        let is_compute = match ctx.store.get_by_id(&ctx.env.name, host_id).await? {
            Some(host) => match host.get("host_type") {
                Some(Bson::Array(types)) => types.iter().any(|t| t.as_str() == Some("Compute")),
                _ => false,
            },
            None => false,
        };
        if !is_compute {
            return Ok(Vec::new());
        }
        let api = ctx.api().await?;
        let token = api.admin_token().await?;
        let url = format!(
            "{}/v2/{}/os-hypervisors/{host_id}/servers",
            api.nova_servers_base_url(),
            token.tenant_id
        );
        let answer = api.get_json(&url, None, &token).await?;
        let mut instances = instances_from_servers(&answer, host_id);
        if instances.is_empty() {
            return Ok(instances);
        }
        // The same rows for every host: queried once per run (the original asks per host).
        let rows = ctx.rows_once(INSTANCES_SQL).await?;
        merge_instance_rows(&mut instances, &rows)?;
        Ok(instances)
    }
}

/// Instances of the first hypervisor entry: `uuid`, `id` = uuid, `host`, `local_name` (the
/// libvirt name).
pub fn instances_from_servers(answer: &Value, host_id: &str) -> Vec<Object> {
    let Some(first) = objects_in(answer, "hypervisors").and_then(|h| h.into_iter().next()) else {
        return Vec::new();
    };
    let Ok(servers) = first.get_array("servers") else {
        return Vec::new();
    };
    servers
        .iter()
        .filter_map(Bson::as_document)
        .map(|server| {
            let uuid = server.get("uuid").cloned().unwrap_or(Bson::Null);
            let mut instance = Object::new();
            instance.insert("uuid", uuid.clone());
            instance.insert("id", uuid);
            instance.insert("host", host_id);
            if let Some(name) = str_field(server, "name") {
                instance.insert("local_name", name);
            }
            instance
        })
        .collect()
}
