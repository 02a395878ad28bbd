//! `FindLinksForVconnectors`: vNIC → vConnector (and the vConnector's `network`),
//! vConnector → host pNIC (§2.3).

use super::{missing, Finder};
use crate::doc::Object;
use crate::links::fields::{text, value};
use crate::links::{LinkError, NewLink, Workspace};
use bson::{doc, Bson};

const ME: Finder = Finder::Vconnectors;

pub fn run(ws: &mut Workspace) -> Result<(), LinkError> {
    log::info!("adding links of type: vnic-vconnector, vconnector-host_pnic");
    let drivers = ws.env.mechanism_drivers();
    let ovs = drivers.first().map(String::as_str) == Some("OVS");
    for r in ws.inventory.of_type("vconnector") {
        let vc = &ws.inventory.get(r);
        let names = match vc.get("interfaces_names") {
            Some(Bson::Array(items)) => items.clone(),
            _ => {
                return Err(missing(
                    ME,
                    format!("vConnector {} has no interfaces_names", text(vc, "id")),
                ))
            }
        };
        for iface in &names {
            let iface_name = match iface {
                Bson::Document(d) => text(d, "name"),
                other => crate::links::fields::py_str(Some(other)),
            };
            if let Some(vnic) = member_vnic(ws, vc, iface, &iface_name, ovs)? {
                let mut link = NewLink::between(&vnic, vc, "vnic-vconnector")
                    .name(value(&vnic, "mac_address"))
                    .host(text(&vnic, "host"));
                if let Some(network) = vnic.get("network") {
                    link = link.attributes(doc! {"network": network.clone()});
                    ws.inventory.set_field(r, "network", network.clone());
                }
                ws.links.add(link);
            }
            let pnic_name = iface_name.split('.').next().unwrap_or_default();
            let filter = [
                ("host", value(vc, "host")),
                ("name", Bson::String(pnic_name.to_string())),
            ];
            if let Some(pnic) = &ws.inventory.find("host_pnic", &filter) {
                let link = NewLink::between(vc, pnic, "vconnector-host_pnic")
                    .name(value(pnic, "name"))
                    .host(text(vc, "host"));
                ws.links.add(link);
            }
        }
    }
    Ok(())
}

/// The vNIC plugged into interface `iface` of the vConnector: by id `<host>-<name>` with OVS,
/// else by the MAC address of `interfaces[<name>]`. An empty MAC matches no vNIC (fix: the
/// original's query then matched any vNIC).
fn member_vnic(
    ws: &Workspace,
    vc: &Object,
    iface: &Bson,
    iface_name: &str,
    ovs: bool,
) -> Result<Option<Object>, LinkError> {
    if ovs {
        let id = format!("{}-{iface_name}", text(vc, "host"));
        return Ok(ws.inventory.by_id(&id));
    }
    let key = match iface {
        Bson::String(s) => s.clone(),
        _ => iface_name.to_string(),
    };
    let details = vc
        .get_document("interfaces")
        .ok()
        .and_then(|m| m.get(&key))
        .ok_or_else(|| {
            missing(
                ME,
                format!(
                    "vConnector {}: interface {key} missing from interfaces",
                    text(vc, "id")
                ),
            )
        })?;
    let mac = match details {
        Bson::Document(d) => text(d, "mac_address"),
        _ => String::new(),
    };
    if mac.is_empty() {
        return Ok(None);
    }
    let filter = [("mac_address", Bson::String(mac))];
    Ok(ws.inventory.find("vnic", &filter))
}
