//! Linux bridge agent devices: one `brq<network>` per network with ports on the host.

use super::wiring::{derived_mac, namespace_of, networks_on, ports_on, short, tap_mac, Kind, Link};
use crate::lab::model::{Host, HostNics, Model};

/// Linux bridge agent: one `brq<network>` per network with ports here, holding the ports' taps
/// and the segment's uplink (`vxlan-<vni>`, `<data nic>.<vlan>`, or the external NIC).
pub fn add_links(model: &Model, host: &Host, nics: &HostNics, links: &mut Vec<Link>) {
    for network in networks_on(model, host) {
        let bridge = network
            .bridge
            .clone()
            .unwrap_or_else(|| format!("brq{}", short(&network.id)));
        let mut members = Vec::new();
        match (network.external, network.segmentation_id) {
            (true, _) | (false, None) => {
                if let Some(nic) = links.iter_mut().find(|l| l.name == nics.external) {
                    nic.master = Some(bridge.clone());
                }
            }
            (false, Some(seg)) if model.sizes.type_driver.is_tunnel() => {
                let name = format!("vxlan-{seg}");
                let kind = Kind::Vxlan {
                    vni: seg,
                    dev: nics.data.clone(),
                    local: host.tunnel_ip.clone(),
                };
                let mac = derived_mac(&host.name, &name);
                members.push(Link::new(name, kind, mac, network.mtu).with_master(&bridge));
            }
            (false, Some(seg)) => {
                let name = format!("{}.{seg}", nics.data);
                let mac = links
                    .iter()
                    .find(|l| l.name == nics.data)
                    .map(|l| l.mac.clone())
                    .unwrap_or_default();
                let mut vlan =
                    Link::new(name, Kind::Vlan { id: seg }, mac, 1500).with_master(&bridge);
                vlan.link_to = Some(nics.data.clone());
                members.push(vlan);
            }
        }
        for port in ports_on(model, host).filter(|p| p.network_id == network.id) {
            let tap = port.tap_name();
            let link = if namespace_of(port).is_some() {
                Link::new(
                    tap,
                    Kind::Veth,
                    derived_mac(&host.name, &port.id),
                    network.mtu,
                )
            } else {
                Link::new(tap, Kind::Tap, tap_mac(port), network.mtu)
            };
            members.push(link.with_master(&bridge));
        }
        let mac = members
            .iter()
            .map(|l| l.mac.clone())
            .chain(
                links
                    .iter()
                    .filter(|l| l.master.as_deref() == Some(bridge.as_str()))
                    .map(|l| l.mac.clone()),
            )
            .min()
            .unwrap_or_else(|| derived_mac(&host.name, &bridge));
        links.push(Link::new(bridge, Kind::LinuxBridge, mac, network.mtu));
        links.extend(members);
    }
}
