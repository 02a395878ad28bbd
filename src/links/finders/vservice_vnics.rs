//! `FindLinksForVserviceVnics`: vService → vNIC (§2.5).

use super::{missing, required, Finder};
use crate::doc::truthy;
use crate::links::fields::{contains, text};
use crate::links::{LinkError, NewLink, Workspace};
use bson::doc;

const ME: Finder = Finder::VserviceVnics;

pub fn run(ws: &mut Workspace) -> Result<(), LinkError> {
    log::info!("adding links of type: vservice-vnic");
    for r in ws.inventory.of_type("vnic") {
        let vnic = &ws.inventory.get(r);
        if vnic.get_str("vnic_type").ok() != Some("vservice_vnic") {
            continue;
        }
        let vnic_id = text(vnic, "id");
        let host = &required(ws, ME, &text(vnic, "host"), || {
            format!("host of vNIC {vnic_id}")
        })?;
        if !contains(host.get("host_type"), "Network") {
            continue;
        }
        // The parent is the `<vservice id>-vnics` folder.
        let parent = text(vnic, "parent_id");
        let vservice_id = match parent.rfind('-') {
            Some(cut) => &parent[..cut],
            None => {
                return Err(missing(
                    ME,
                    format!(
                        "vNIC {vnic_id}: parent_id '{parent}' is not a <vservice>-vnics folder"
                    ),
                ))
            }
        };
        let vservice = &required(ws, ME, vservice_id, || {
            format!("vService of vNIC {vnic_id}")
        })?;
        let mut link = NewLink::between(vservice, vnic, "vservice-vnic").host(text(vnic, "host"));
        if truthy(vnic.get("network")) {
            let network_id = text(vnic, "network");
            let network = &required(ws, ME, &network_id, || format!("network of vNIC {vnic_id}"))?;
            link = link
                .name(network.get("name").cloned().unwrap_or_default())
                .attributes(doc! {"network": vnic.get("network").cloned().unwrap_or_default()});
        } else {
            link = link.name(format!(
                "{}-{}",
                text(vservice, "object_name"),
                text(vnic, "object_name")
            ));
        }
        ws.links.add(link);
    }
    Ok(())
}
