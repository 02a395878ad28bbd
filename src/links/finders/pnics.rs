//! `FindLinksForPnics`: host pNIC → network, host pNIC → switch pNIC, switch → switch pNIC,
//! leaf switch pNIC → spine switch pNIC (§2.6).

use super::{link_detected, missing, Finder};
use crate::doc::Object;
use crate::links::fields::{py_str, text, value};
use crate::links::{LinkError, NewLink, Workspace};
use crate::serialized::field as raw_field;
use bson::{doc, Bson};
use std::collections::HashSet;

const ME: Finder = Finder::Pnics;

pub fn run(ws: &mut Workspace) -> Result<(), LinkError> {
    log::info!("adding links of type: pnic-network, host_pnic-switch_pnic, switch-host_pnic");
    let vlan = ws.env.type_drivers() == "vlan";
    let used_by_vedges = if vlan {
        vedge_pnics(ws)
    } else {
        HashSet::new()
    };
    for r in ws.inventory.of_type("host_pnic") {
        let pnic = &ws.inventory.get(r);
        let mut new = Vec::new();
        if !vlan
            || used_by_vedges.contains(&(format!("{:?}", value(pnic, "host")), text(pnic, "id")))
        {
            network_links(ws, pnic, &mut new);
        }
        // Fix: a pNIC without a MAC (VPP VLAN sub-interface) gets no switch link.
        let mac = text(pnic, "mac_address");
        if !mac.is_empty() {
            let filter = [("mac_address", Bson::String(mac))];
            if let Some(sp) = &ws.inventory.find("switch_pnic", &filter) {
                new.push(
                    NewLink::between(pnic, sp, "host_pnic-switch_pnic")
                        .name(format!("{}-{}", text(pnic, "host"), text(sp, "parent_id")))
                        .up(link_detected(pnic))
                        .host(text(pnic, "host")),
                );
            }
        }
        for link in new {
            ws.links.add(link);
        }
    }
    log::info!("adding links of type: switch_pnic-switch_pnic, switch-switch_pnic");
    for r in ws.inventory.of_type("switch_pnic") {
        let links = switch_links(ws, &ws.inventory.get(r))?;
        for link in links {
            ws.links.add(link);
        }
    }
    Ok(())
}

/// (host, pNIC id) of every `vedge-host_pnic` link: in VLAN environments a pNIC gets network
/// links only if a vEdge uses it. (This finder adds no such link, so one pass suffices.)
fn vedge_pnics(ws: &Workspace) -> HashSet<(String, String)> {
    ws.links
        .all()
        .iter()
        .filter(|l| l.get_str("link_type").ok() == Some("vedge-host_pnic"))
        .map(|l| {
            // The host compared as a value (a missing host equals a null one).
            let host = format!("{:?}", raw_field(l, "host").unwrap_or(Bson::Null));
            (host, l.get_str("target_id").unwrap_or_default().to_string())
        })
        .collect()
}

/// One link to each network that has a port bound to the pNIC's host.
fn network_links(ws: &Workspace, pnic: &Object, out: &mut Vec<NewLink>) {
    let filter = [("binding:host_id", value(pnic, "host"))];
    let mut network_ids: Vec<String> = Vec::new();
    for port in &ws.inventory.find_all("port", &filter) {
        let id = text(port, "network_id");
        if !network_ids.contains(&id) {
            network_ids.push(id);
        }
    }
    for id in network_ids {
        // Quirk kept: a missing network ends this pNIC's network links (not just this one).
        let Some(network) = &ws.inventory.by_id(&id) else {
            return;
        };
        let mut attributes = doc! {"network": value(network, "id")};
        if pnic.contains_key("port_id") {
            attributes.insert("source_label", format!("port-{}", text(pnic, "port_id")));
        }
        let segment = py_str(network.get("provider:segmentation_id"));
        out.push(
            NewLink::between(pnic, network, "host_pnic-network")
                .name(format!("Segment-{segment}"))
                .up(link_detected(pnic))
                .host(text(pnic, "host"))
                .attributes(attributes),
        );
    }
}

fn switch_links(ws: &Workspace, sp: &Object) -> Result<Vec<NewLink>, LinkError> {
    let mut out = Vec::new();
    let sp_type = text(sp, "type");
    if let Some(switch) = &ws.inventory.by_id(&text(sp, "parent_id")) {
        out.push(
            NewLink::between(switch, sp, &format!("switch-{sp_type}"))
                .name(format!(
                    "{}={}",
                    text(switch, "object_name"),
                    text(sp, "object_name")
                ))
                .switch(text(switch, "id")),
        );
    }
    let sp_id = text(sp, "id");
    let role = match sp.get("role") {
        Some(r) => py_str(Some(r)),
        None => return Err(missing(ME, format!("switch pNIC {sp_id} has no role"))),
    };
    if role == "uplink" {
        if let Some(spine) = &ws.inventory.by_id(&text(sp, "connected_to")) {
            let Some(at) = sp_id.find("eth") else {
                return Err(missing(
                    ME,
                    format!("uplink switch pNIC id {sp_id} has no 'eth' part"),
                ));
            };
            out.push(
                NewLink::between(sp, spine, "switch_pnic-switch_pnic")
                    .name(sp_id[at..].replace("__", "/"))
                    .switch(text(sp, "switch")),
            );
        }
    }
    Ok(out)
}
