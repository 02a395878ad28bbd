//! router.* and router.interface.* events against a real RabbitMQ and MongoDB (rescans recorded).

mod listen_support;

use bson::{doc, Bson};
use calipso::store::Logical;
use listen_support::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn router_and_interface_events() {
    let w = World::new("router").await;
    seed_project(&w).await;
    let l = InProcess::start(&w, w.store.clone(), 3).await;
    let p = Publisher::new().await;
    create_network(&w, &p).await;
    send(
        &w,
        &p,
        &w.neutron_exchange,
        &notification(
            "subnet.create.end",
            "network.node-6.cisco.com",
            subnet_payload("sub1", false),
        ),
    )
    .await;
    let uuid = "9ec3d703-0725-47e3-8f48-02b16236caf9";
    let ext_net = "c64adb76-ad9d-4605-9f5e-bd6dbe325cfb";
    let router_id = format!("node-6.cisco.com-qrouter-{uuid}");
    let router_payload = |gateway: serde_json::Value| {
        json!({"router": {"id": uuid, "name": "calipso-router",
        "admin_state_up": true, "status": "ACTIVE", "tenant_id": PID, "routes": [],
        "external_gateway_info": gateway}})
    };
    // What the host rescan stores for the router namespace.
    w.insert_inventory(doc! {"id": &router_id, "type": "vservice", "local_service_id": format!("qrouter-{uuid}"),
        "service_type": "router", "host": "node-6.cisco.com", "name": "qrouter-calipso-router", "gw_port_id": "gw-port",
        "id_path": format!("/e/node-6.cisco.com-vservices-routers/{router_id}"), "name_path": "/e/Gateways/qrouter-calipso-router"}).await;
    w.insert_inventory(doc! {"id": format!("{router_id}-vnics"), "type": "vnics_folder",
        "id_path": format!("/e/node-6.cisco.com-vservices-routers/{router_id}/{router_id}-vnics"), "name_path": "/e/x/vNICs"}).await;
    w.insert_inventory(doc! {"id": "gw-port", "type": "port", "network_id": ext_net, "device_owner": "network:router_gateway",
        "mac_address": "fa:16:3e:00:00:99", "id_path": "/e/gw-port", "name_path": "/e/gw"}).await;

    let gateway = json!({"network_id": ext_net, "enable_snat": true,
        "external_fixed_ips": [{"subnet_id": "s-ext", "ip_address": "10.0.0.5"}]});
    let m = send(
        &w,
        &p,
        &w.neutron_exchange,
        &notification(
            "router.create.end",
            "network.node-6.cisco.com",
            router_payload(gateway),
        ),
    )
    .await;
    assert_eq!(
        m.get_str("related_object").unwrap(),
        format!("qrouter-{uuid}")
    );
    assert_eq!(
        l.recorder.take_rescans(),
        host_rescans(
            "node-6.cisco.com",
            &["vservice", "vnic", "vconnectors_folder", "vedges_folder"],
        )
    );
    assert_eq!(
        w.get(&router_id)
            .await
            .unwrap()
            .get_array("network")
            .unwrap(),
        &vec![Bson::String(ext_net.into())]
    );

    // Interface on our subnet: the router joins the network; its host's vNICs are rescanned.
    let iface = |event: &str| {
        notification(
            event,
            "network.node-6.cisco.com",
            json!({"router_interface": {
        "id": uuid, "port_id": "qr-port", "subnet_id": SUBNET, "subnet_ids": [SUBNET], "tenant_id": PID}}),
        )
    };
    let m = send(
        &w,
        &p,
        &w.neutron_exchange,
        &iface("router.interface.create"),
    )
    .await;
    assert_eq!(m.get_str("related_object").unwrap(), uuid);
    assert_eq!(m.get_str("display_context").unwrap(), NET);
    let r = w.get(&router_id).await.unwrap();
    assert!(r
        .get_array("network")
        .unwrap()
        .contains(&Bson::String(NET.into())));
    assert_eq!(
        l.recorder.take_rescans(),
        host_rescans(
            "node-6.cisco.com",
            &["vnic", "vconnectors_folder", "vedges_folder"],
        )
    );

    w.insert_inventory(doc! {"id": "qr-port", "type": "port", "network_id": NET, "device_owner": "network:router_interface",
        "mac_address": "fa:16:3e:00:00:42", "id_path": "/e/qr-port", "name_path": "/e/qr"}).await;
    send(
        &w,
        &p,
        &w.neutron_exchange,
        &iface("router.interface.delete"),
    )
    .await;
    assert!(w.get("qr-port").await.is_none());
    assert!(!w
        .get(&router_id)
        .await
        .unwrap()
        .get_array("network")
        .unwrap()
        .contains(&Bson::String(NET.into())));

    // Gateway cleared: the gateway port goes, the router leaves the external network.
    w.store
        .insert(
            Logical::Links,
            doc! {"environment": &w.env, "source_id": &router_id, "target_id": "x"},
        )
        .await
        .unwrap();
    send(
        &w,
        &p,
        &w.neutron_exchange,
        &notification(
            "router.update.end",
            "network.node-6.cisco.com",
            router_payload(serde_json::Value::Null),
        ),
    )
    .await;
    let r = w.get(&router_id).await.unwrap();
    assert_eq!(r.get("gw_port_id"), Some(&Bson::Null));
    assert!(r.get_array("network").unwrap().is_empty());
    assert!(w.get("gw-port").await.is_none());
    assert_eq!(
        w.store
            .count(Logical::Links, doc! {"source_id": &router_id})
            .await
            .unwrap(),
        0
    );

    let m = send(
        &w,
        &p,
        &w.neutron_exchange,
        &notification(
            "router.delete.end",
            "network.node-6.cisco.com",
            json!({"router_id": uuid}),
        ),
    )
    .await;
    assert_eq!(
        m.get_str("related_object").unwrap(),
        format!("qrouter-{uuid}")
    );
    assert!(w.get(&router_id).await.is_none());
    assert!(w.get(&format!("{router_id}-vnics")).await.is_none());
    l.stop().await;
    w.cleanup().await;
}
