//! `FindLinksForInstanceVnics`: instance → vNIC, and the vNIC's `network` (§2.1).

use super::{required, Finder};
use crate::doc::Object;
use crate::links::fields::{contains, text};
use crate::links::LinkError;
use crate::links::{NewLink, Workspace};
use bson::{doc, Bson};

const ME: Finder = Finder::InstanceVnics;

pub fn run(ws: &mut Workspace) -> Result<(), LinkError> {
    log::info!("adding links of type: instance-vnic");
    for r in ws.inventory.of_type("vnic") {
        let vnic = &ws.inventory.get(r);
        if vnic.get_str("vnic_type").ok() != Some("instance_vnic") {
            continue;
        }
        let instance_id = text(vnic, "instance_id");
        let instance = &required(ws, ME, &instance_id, || {
            format!("instance of vNIC {}", text(vnic, "id"))
        })?
        .clone();
        if matches!(instance.get("network_info"), None | Some(Bson::Null)) {
            log::warn!(
                "add_link_for_vnic: network_info missing in instance: {} ",
                text(instance, "id")
            );
            continue;
        }
        let host = &required(ws, ME, &text(instance, "host"), || {
            format!("host of instance {instance_id}")
        })?;
        let host_type = host.get("host_type");
        if !contains(host_type, "Network") && !contains(host_type, "Compute") {
            continue;
        }
        let host_name = text(host, "name");
        let mut link = NewLink::between(instance, vnic, "instance-vnic").host(host_name);
        if let Some((name, network_id)) = matching_network(instance, vnic) {
            ws.inventory.set_field(r, "network", network_id.clone());
            link = link.name(name).attributes(doc! {"network": network_id});
        }
        ws.links.add(link);
    }
    Ok(())
}

/// The `network_info` entry whose device is this vNIC: (`network.label`, `network.id`).
fn matching_network(instance: &Object, vnic: &Object) -> Option<(Bson, Bson)> {
    let vnic_id = text(vnic, "id");
    let host = text(vnic, "host");
    let entries = instance.get_array("network_info").ok()?;
    entries.iter().filter_map(Bson::as_document).find_map(|n| {
        if format!("{host}-{}", text(n, "devname")) != vnic_id {
            return None;
        }
        let net = n.get_document("network").ok();
        let get = |k: &str| net.and_then(|d| d.get(k)).cloned().unwrap_or(Bson::Null);
        Some((get("label"), get("id")))
    })
}
