//! DbFetchInstances (fetchers.md §3.9): Nova DB rows merged into the API's instances.

use super::parse_json_text;
use crate::doc::{str_field, Object};
use crate::fetchers::FetchError;
use bson::Bson;
use std::collections::HashMap;

/// Each row whose `id` is one of `instances` is merged into it after: `network_info` parsed,
/// `network` = distinct network ids of it, `type`/`parent_type`/`parent_id` of the host's
/// instances folder, and `project` turned into `in_project-<name>: "1"`.
pub fn merge_instance_rows(instances: &mut [Object], rows: &[Object]) -> Result<(), FetchError> {
    let position: HashMap<String, usize> = instances
        .iter()
        .enumerate()
        .rev() // the first instance of an id wins, as a linear search would find it
        .filter_map(|(i, instance)| Some((str_field(instance, "id")?.to_string(), i)))
        .collect();
    for row in rows {
        let id = str_field(row, "id").unwrap_or("").to_string();
        let Some(instance) = position.get(&id).and_then(|&i| instances.get_mut(i)) else {
            continue;
        };
        let mut row = row.clone();
        let network_info = match parse_json_text(
            row.get("network_info"),
            &format!("instance_info_caches.network_info of instance {id}"),
        )? {
            Bson::Null => Bson::Array(Vec::new()),
            parsed => parsed,
        };
        let mut networks: Vec<Bson> = Vec::new();
        if let Bson::Array(vifs) = &network_info {
            for vif in vifs.iter().filter_map(Bson::as_document) {
                let network_id = vif.get_document("network").ok().and_then(|n| n.get("id"));
                if let Some(network_id) = network_id.filter(|n| !matches!(n, Bson::Null)) {
                    if !networks.contains(network_id) {
                        networks.push(network_id.clone());
                    }
                }
            }
        }
        let host = str_field(&row, "host")
            .or_else(|| str_field(instance, "host"))
            .unwrap_or("")
            .to_string();
        row.insert("network_info", network_info);
        row.insert("network", networks);
        row.insert("type", "instance");
        row.insert("parent_type", "instances_folder");
        row.insert("parent_id", format!("{host}-instances"));
        if let Some(project) = row.remove("project") {
            let name = crate::doc::id_string(&project).unwrap_or_default();
            row.insert(format!("in_project-{name}"), "1");
        }
        instance.extend(row);
    }
    Ok(())
}
