//! `FindLinksForOteps`: vEdge → OTEP, OTEP → vConnector, OTEP → host pNIC (§2.2).

use super::{required, Finder};
use crate::doc::truthy;
use crate::links::fields::{text, value};
use crate::links::{LinkError, NewLink, Workspace};

const ME: Finder = Finder::Oteps;

pub fn run(ws: &mut Workspace) -> Result<(), LinkError> {
    log::info!("adding link types: vedge-otep, otep-vconnector, otep-host_pnic");
    for r in ws.inventory.of_type("otep") {
        let otep = &ws.inventory.get(r);
        let host = text(otep, "host");
        let vedge = &required(ws, ME, &text(otep, "parent_id"), || {
            format!("vEdge (parent) of OTEP {}", text(otep, "id"))
        })?;
        let mut new = vec![NewLink::between(vedge, otep, "vedge-otep")
            .name(format!("{}-otep", text(vedge, "name")))
            .host(text(vedge, "host"))];
        if truthy(otep.get("vconnector")) {
            let filter = [
                ("host", value(otep, "host")),
                ("name", value(otep, "vconnector")),
            ];
            if let Some(vc) = &ws.inventory.find("vconnector", &filter) {
                new.push(
                    NewLink::between(otep, vc, "otep-vconnector")
                        .name(format!(
                            "{}-{}",
                            text(otep, "name"),
                            text(otep, "vconnector")
                        ))
                        .host(host.clone()),
                );
            }
        }
        let filter = [
            ("host", value(otep, "host")),
            ("IP Address", value(otep, "ip_address")),
        ];
        if let Some(pnic) = &ws.inventory.find("host_pnic", &filter) {
            // Name concatenated without separators, as the original does.
            new.push(
                NewLink::between(otep, pnic, "otep-host_pnic")
                    .name(format!("{host}pnic{}", text(pnic, "name")))
                    .host(host.clone()),
            );
        }
        for link in new {
            ws.links.add(link);
        }
    }
    Ok(())
}
