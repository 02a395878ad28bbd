//! `FindLinksForVedges`: vNIC → vEdge, vConnector → vEdge, vEdge → host pNIC (§2.4).

use super::{link_detected, missing, Finder};
use crate::doc::Object;
use crate::links::fields::{text, value};
use crate::links::{LinkError, NewLink, Workspace};
use bson::{doc, Bson, Document};

const ME: Finder = Finder::Vedges;

pub fn run(ws: &mut Workspace) -> Result<(), LinkError> {
    log::info!("adding link types: vnic-vedge, vconnector-vedge, vedge-host_pnic");
    for r in ws.inventory.of_type("vedge") {
        let vedge = &ws.inventory.get(r);
        let ports: Vec<Document> = match vedge.get("ports") {
            Some(Bson::Document(map)) => map
                .values()
                .filter_map(|p| p.as_document().cloned())
                .collect(),
            _ => {
                return Err(missing(
                    ME,
                    format!("vEdge {} has no ports", text(vedge, "id")),
                ))
            }
        };
        for port in &ports {
            let links = port_links(ws, vedge, port)?;
            for link in links {
                ws.links.add(link);
            }
        }
    }
    Ok(())
}

fn port_links(ws: &Workspace, vedge: &Object, port: &Document) -> Result<Vec<NewLink>, LinkError> {
    let host = text(vedge, "host");
    let port_name = text(port, "name");
    let tag = match port.get("tag") {
        Some(t) => format!("-{}", crate::links::fields::py_str(Some(t))),
        None => String::new(),
    };
    if let Some(vnic) = &ws.inventory.by_id(&format!("{host}-{port_name}")) {
        let attributes =
            doc! {"source_label": value(vnic, "mac_address"), "target_label": value(port, "id")};
        let link = NewLink::between(vnic, vedge, "vnic-vedge")
            .name(format!(
                "{}-{}{tag}",
                text(vnic, "name"),
                text(vedge, "name")
            ))
            .host(host)
            .attributes(attributes);
        return Ok(vec![link]);
    }
    let mut out = Vec::new();
    let interface = if has_vpp(ws)? {
        Some(port_name.clone())
    } else {
        port_name
            .strip_prefix("qv")
            .map(|_| format!("qvb{}", port_name.get(3..).unwrap_or("")))
    };
    if let Some(q) = interface {
        let filter = [
            ("host", value(vedge, "host")),
            ("interfaces_names", Bson::String(q.clone())),
        ];
        if let Some(vc) = &ws.inventory.find("vconnector", &filter) {
            let mut attributes = doc! {
                "mac_address": interface_mac(vc, &q),
                "source_label": &q,
                "target_label": &port_name,
            };
            if let Some(network) = vc.get("network") {
                attributes.insert("network", network.clone());
            }
            out.push(
                NewLink::between(vc, vedge, "vconnector-vedge")
                    .name(format!("port-{}{tag}", text(port, "id")))
                    .host(host.clone())
                    .attributes(attributes),
            );
        }
    }
    let pnic_filter_applies = match vedge.get("pnic") {
        Some(p) if !matches!(p, Bson::Null) => text(vedge, "pnic") == port_name,
        _ => true,
    };
    if pnic_filter_applies {
        let filter = [
            ("host", value(vedge, "host")),
            ("name", Bson::String(port_name.clone())),
        ];
        if let Some(pnic) = &ws.inventory.find("host_pnic", &filter) {
            if !pnic.contains_key("Link detected") {
                return Err(missing(
                    ME,
                    format!(
                        "host pNIC {} has no 'Link detected' field",
                        text(pnic, "id")
                    ),
                ));
            }
            out.push(
                NewLink::between(vedge, pnic, "vedge-host_pnic")
                    .name(format!("Port-{}", text(port, "id")))
                    .up(link_detected(pnic))
                    .host(host),
            );
        }
    }
    Ok(out)
}

/// `"VPP" in env.mechanism_drivers`; the original fails when the field is absent.
fn has_vpp(ws: &Workspace) -> Result<bool, LinkError> {
    if !ws.env.doc.contains_key("mechanism_drivers") {
        log::error!(
            "Environment missing mechanism_drivers definition: {}",
            ws.env.name
        );
        return Err(missing(
            ME,
            format!(
                "Environment missing mechanism_drivers definition: {}",
                ws.env.name
            ),
        ));
    }
    Ok(ws.env.mechanism_drivers().iter().any(|d| d == "VPP"))
}

/// MAC of the first `interfaces` value named `name` that has one, else `Unknown`.
fn interface_mac(vc: &Object, name: &str) -> Bson {
    vc.get_document("interfaces")
        .ok()
        .and_then(|m| {
            m.values().filter_map(Bson::as_document).find_map(|i| {
                (i.get_str("name").ok() == Some(name))
                    .then(|| i.get("mac_address").cloned())
                    .flatten()
            })
        })
        .unwrap_or_else(|| Bson::String("Unknown".into()))
}
