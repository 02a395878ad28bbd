//! ACI fetchers (fetchers.md §2.5, §3.17): the leaf switch port each host pNIC is cabled to,
//! and the leaf-to-spine links. Without `aci_enabled` they return nothing, without any I/O.
//! The switches they meet are handed to the scanner ([`ScanContext::save_aside`]) to be saved
//! under the region, as the original saved them.

pub mod leaf_to_spine;
pub mod switch_pnic;

use super::{FetchError, Fetcher, ScanContext};
use crate::doc::{json_to_bson, str_field, Object};
use bson::{doc, Bson};
use serde_json::Value;

/// The fetcher of this family named `name` in `scanners.json`.
pub fn create(name: &str) -> Option<Box<dyn Fetcher>> {
    match name {
        "AciFetchSwitchPnic" => Some(Box::new(switch_pnic::AciFetchSwitchPnic)),
        "AciFetchLeafToSpinePnics" => Some(Box::new(leaf_to_spine::AciFetchLeafToSpinePnics)),
        _ => None,
    }
}

/// The path part after `part` in a name path (`/e/Regions/RegionOne/...`, `Regions` →
/// `RegionOne`).
pub fn path_part_after<'a>(name_path: &'a str, part: &str) -> Option<&'a str> {
    let mut parts = name_path.split('/');
    parts.find(|p| *p == part)?;
    parts.next().filter(|p| !p.is_empty())
}

/// A switch document: `switch-<encoded dn>-<role>` (+ `ip_address` when the APIC gives one).
pub fn switch_document(id: &str, attributes: &Value, with_address: bool) -> Object {
    let mut switch = doc! {"id": id};
    if with_address {
        if let Some(address) = attributes.get("address").and_then(Value::as_str) {
            switch.insert("ip_address", address);
        }
    }
    switch.insert("type", "switch");
    switch.insert("switch", id);
    switch.insert("aci_document", json_to_bson(attributes));
    switch
}

/// Hands a switch to the scanner unless it is already in the inventory; its parent is the
/// region named in `name_path` of the object that led to it.
pub async fn save_switch_if_new(
    ctx: &ScanContext,
    switch: Object,
    name_path: &str,
) -> Result<(), FetchError> {
    let Some(id) = str_field(&switch, "id").map(String::from) else {
        return Ok(());
    };
    if ctx.store.get_by_id(&ctx.env.name, &id).await?.is_some() {
        return Ok(());
    }
    let region_id = path_part_after(name_path, "Regions").unwrap_or_default();
    let region = ctx
        .store
        .get_by_id(&ctx.env.name, region_id)
        .await?
        .unwrap_or_else(|| doc! {"id": region_id, "type": "region"});
    ctx.save_aside("switch", switch, region);
    Ok(())
}

/// The `attributes` of each object.
pub fn attributes(objects: &[Value]) -> Vec<Value> {
    objects
        .iter()
        .filter_map(|o| o.get("attributes").cloned())
        .collect()
}

/// `attributes` of every `<class>` object in an answer's `imdata`.
pub fn answer_attributes(answer: &Value, class: &str) -> Vec<Value> {
    attributes(&crate::access::aci::objects_of_class(answer, class))
}

/// A JSON object as a document (other values give an empty one).
pub fn as_object(value: &Value) -> Object {
    match json_to_bson(value) {
        Bson::Document(d) => d,
        _ => Object::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_from_name_path() {
        assert_eq!(
            path_part_after("/lab/Regions/RegionOne/Availability Zones/x", "Regions"),
            Some("RegionOne")
        );
        assert_eq!(path_part_after("/lab/Regions", "Regions"), None);
        assert_eq!(path_part_after("/lab/x", "Regions"), None);
    }
}
