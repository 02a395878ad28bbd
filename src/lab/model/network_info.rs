//! Nova's network-info cache for one instance (`instance_info_caches.network_info`), derived from
//! the instance's Neutron ports so the two always agree.

use super::{MechanismDriver, Model, Port};
use serde_json::{json, Value};

/// One VIF entry per port, in Nova's shape.
pub(crate) fn network_info(model: &Model, ports: &[&Port]) -> Value {
    Value::Array(ports.iter().map(|p| vif(model, p)).collect())
}

fn vif(model: &Model, port: &Port) -> Value {
    let driver = model.sizes.mechanism_driver;
    let network = model.network(&port.network_id);
    let subnets: Vec<Value> = port
        .fixed_ips
        .iter()
        .filter_map(|ip| model.subnet(&ip.subnet_id).map(|s| (s, ip)))
        .map(|(subnet, ip)| {
            let dhcp_server = model
                .ports
                .iter()
                .find(|p| p.network_id == subnet.network_id && p.device_owner == "network:dhcp")
                .and_then(|p| p.fixed_ips.first())
                .map(|f| f.ip_address.clone());
            json!({
                "cidr": subnet.cidr,
                "dns": [],
                "gateway": {"address": subnet.gateway_ip, "meta": {}, "type": "gateway", "version": 4},
                "ips": [{"address": ip.ip_address, "floating_ips": [], "meta": {}, "type": "fixed", "version": 4}],
                "meta": dhcp_server.map(|ip| json!({"dhcp_server": ip})).unwrap_or_else(|| json!({})),
                "routes": [],
                "version": 4
            })
        })
        .collect();
    let mut network_meta = json!({"injected": false, "tenant_id": port.project_id});
    if let Some(n) = network {
        if n.mtu != 1500 {
            network_meta["mtu"] = json!(n.mtu);
        }
    }
    let ovs_interfaceid = match driver {
        MechanismDriver::Ovs => json!(port.id),
        _ => Value::Null,
    };
    let details = vif_details(driver, &port.id);
    json!({
        "active": port.status == "ACTIVE",
        "address": port.mac_address,
        "details": details,
        "devname": port.tap_name(),
        "id": port.id,
        "meta": {},
        "network": {
            "bridge": network.and_then(|n| n.bridge.clone()),
            "id": port.network_id,
            "label": network.map(|n| n.name.clone()).unwrap_or_default(),
            "meta": network_meta,
            "subnets": subnets
        },
        "ovs_interfaceid": ovs_interfaceid,
        "preserve_on_delete": false,
        "profile": {},
        "qbg_params": null,
        "qbh_params": null,
        "type": driver.vif_type(),
        "vnic_type": "normal"
    })
}

/// Neutron's `binding:vif_details` (Nova's VIF `details`) for a port bound by `driver`.
pub fn vif_details(driver: MechanismDriver, port_id: &str) -> Value {
    match driver {
        MechanismDriver::Ovs => json!({"ovs_hybrid_plug": true, "port_filter": true}),
        MechanismDriver::Lxb => json!({"port_filter": true}),
        MechanismDriver::Vpp => json!({
            "port_filter": false,
            "vhostuser_mode": "server",
            "vhostuser_socket": format!("/tmp/{port_id}")
        }),
    }
}
