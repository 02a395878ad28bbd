//! Port extensions (a fresh scan is the truth): what a Neutron change does to the hosts' wiring
//! — ports the event implies without announcing them, bridges and vEdge ports that come and go —
//! is re-read by rescanning the hosts concerned.

use super::{find_typed, refresh_graph, rescan, HandlerCtx, Outcome, StoreDown};
use crate::doc::str_field;
use crate::listen::refresh::RescanTarget;
use crate::listen::store_ops;
use bson::doc;

/// Port extension (a fresh scan is the truth): Neutron ports the event implies without
/// announcing them (DHCP, router gateway and interface ports) come from a rescan of the
/// region's ports — then of its networks, whose folders the full scan writes after the ports —
/// and the vConnectors and vEdges of `hosts` get their new bridges and port lists.
pub(super) async fn ports_and_vedges(
    ctx: &HandlerCtx<'_>,
    hosts: &[String],
) -> Result<Vec<RescanTarget>, StoreDown> {
    let mut targets = Vec::new();
    let regions = find_typed(ctx, "region", doc! {}).await?;
    for region in regions.iter().filter_map(|r| str_field(r, "id")) {
        targets.push(RescanTarget::new("ScanRegion", region).child_type("port"));
        targets.push(RescanTarget::new("ScanRegion", region).child_type("network"));
    }
    // After the ports: vConnector interfaces take their MACs from the stored ports.
    targets.extend(wiring_targets(hosts));
    Ok(targets)
}

/// The vConnectors and vEdges of `hosts`: bridges and ports come and go with Neutron ports.
pub(super) fn wiring_targets(hosts: &[String]) -> Vec<RescanTarget> {
    let mut targets = Vec::new();
    for h in hosts {
        targets.push(RescanTarget::new("ScanHost", h).child_type("vconnectors_folder"));
        targets.push(RescanTarget::new("ScanHost", h).child_type("vedges_folder"));
    }
    targets
}

/// `host` and, with VPP (one VXLAN tunnel per network and remote host, so a host joining or
/// leaving a network changes every other host on it), the other hosts with a port on `net_id`.
pub(super) async fn hosts_wired_to(
    ctx: &HandlerCtx<'_>,
    host: &str,
    net_id: &str,
) -> Result<Vec<String>, StoreDown> {
    let mut hosts = vec![host.to_string()];
    let vpp = match ctx.store.load_environment(ctx.env).await {
        Ok(env) => env.mechanism_drivers().iter().any(|d| d == "VPP"),
        Err(e) => return Err(StoreDown(e.to_string())),
    };
    if vpp {
        for port in find_typed(ctx, "port", doc! {"network_id": net_id}).await? {
            if let Some(h) = str_field(&port, "binding:host_id").filter(|h| !h.is_empty()) {
                if !hosts.iter().any(|x| x == h) {
                    hosts.push(h.to_string());
                }
            }
        }
    }
    Ok(hosts)
}

/// The vConnectors and vEdges of `hosts` rescanned, then links and cliques.
pub(super) async fn refresh_vedges(
    ctx: &HandlerCtx<'_>,
    hosts: &[String],
) -> Result<(), StoreDown> {
    if let Some(failed) = rescan_wiring(ctx, hosts).await? {
        log::warn!("vConnectors and vEdges not refreshed: {failed:?}");
    }
    refresh_graph(ctx, true);
    Ok(())
}

/// Rescans the vConnectors and vEdges of `hosts`; a vConnector the rescan did not see again
/// (a bridge that went away with its last port) is deleted with its links and cliques.
pub(super) async fn rescan_wiring(
    ctx: &HandlerCtx<'_>,
    hosts: &[String],
) -> Result<Option<Outcome>, StoreDown> {
    if hosts.is_empty() {
        return Ok(None);
    }
    let started = bson::DateTime::now();
    if let Some(failed) = rescan(ctx, &wiring_targets(hosts)).await? {
        return Ok(Some(failed));
    }
    for host in hosts {
        let stale = find_typed(
            ctx,
            "vconnector",
            doc! {"host": host, "last_scanned": {"$lt": started}},
        )
        .await?;
        for vconnector in stale {
            log::info!(
                "vconnector {} is gone from {host}",
                str_field(&vconnector, "id").unwrap_or_default()
            );
            store_ops::delete_subtree(ctx.store, ctx.env, &vconnector).await?;
        }
    }
    Ok(None)
}
