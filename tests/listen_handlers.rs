//! Every handled event type against a real RabbitMQ and a real MongoDB-wire server: publish the
//! notification OpenStack sends, check the inventory effect. Rescans and link/clique refreshes
//! are recorded (the fetchers behind them are tested elsewhere).

mod listen_support;

use bson::{doc, oid::ObjectId, Bson};
use calipso::store::Logical;
use listen_support::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn network_create_update_delete() {
    let w = World::new("net").await;
    seed_project(&w).await;
    let l = InProcess::start(&w, w.store.clone(), 3).await;
    let p = Publisher::new().await;
    let e = w.env.clone();

    let n = notification(
        "network.create.end",
        "network.node-6.cisco.com",
        network_payload("calipso-network-add"),
    );
    let msg = send(&w, &p, &w.neutron_exchange, &n).await;
    let net = w.get(NET).await.expect("network stored");
    assert_eq!(net.get_str("type").unwrap(), "network");
    assert_eq!(
        net.get_str("id_path").unwrap(),
        format!("/{e}/{e}-projects/{PID}/{PID}-networks/{NET}")
    );
    assert_eq!(
        net.get_str("name_path").unwrap(),
        format!("/{e}/Projects/calipso-project/Networks/calipso-network-add")
    );
    assert_eq!(net.get_document("subnets").unwrap(), &doc! {});
    assert!(net.get_array("cidrs").unwrap().is_empty());
    assert_eq!(net.get_str("project").unwrap(), "calipso-project");
    assert_eq!(net.get_i32("mtu").unwrap(), 1400);
    let folder = w
        .get(&format!("{PID}-networks"))
        .await
        .expect("networks folder created as a scan would");
    assert_eq!(
        folder.get_str("name_path").unwrap(),
        format!("/{e}/Projects/calipso-project/Networks")
    );
    // The folders a scan puts below a network.
    let services = w
        .get(&format!("{NET}-network_services"))
        .await
        .expect("services folder");
    assert_eq!(services.get_str("type").unwrap(), "network_services_folder");
    assert_eq!(
        services.get_str("name_path").unwrap(),
        format!("/{e}/Projects/calipso-project/Networks/calipso-network-add/Network vServices")
    );
    let ports = w.get(&format!("{NET}-ports")).await.expect("ports folder");
    assert_eq!(
        ports.get_str("id_path").unwrap(),
        format!("/{e}/{e}-projects/{PID}/{PID}-networks/{NET}/{NET}-ports")
    );
    assert_eq!(ports.get_str("name").unwrap(), "Ports");
    assert_eq!(msg.get_str("source_system").unwrap(), "OpenStack");
    assert_eq!(msg.get_str("related_object").unwrap(), NET);
    assert_eq!(msg.get_str("level").unwrap(), "info");
    assert_eq!(msg.get_str("environment").unwrap(), e);
    assert_eq!(
        msg.get_document("message")
            .unwrap()
            .get_str("_context_auth_token")
            .unwrap(),
        "***"
    );

    // A second create of the same network is dropped, the document stays.
    let mut n2 = n.clone();
    n2["message_id"] = json!(unique("msg"));
    let again = send(&w, &p, &w.neutron_exchange, &n2).await;
    assert_eq!(again.get("related_object"), Some(&Bson::Null));

    // A port below the network, with a link and cliques referring to it.
    let port_id = "16620a58-c48c-4195-b9c1-779a8ba2e6f8";
    send(
        &w,
        &p,
        &w.neutron_exchange,
        &notification(
            "port.create.end",
            "network.node-6.cisco.com",
            port_payload(
                port_id,
                "fa:16:3e:d7:c5:16",
                "network:router_interface",
                "r1",
            ),
        ),
    )
    .await;
    let port = w.get(port_id).await.expect("port stored");
    assert_eq!(
        port.get_str("name_path").unwrap(),
        format!(
            "/{e}/Projects/calipso-project/Networks/calipso-network-add/Ports/fa:16:3e:d7:c5:16"
        )
    );
    let port_oid = port.get_object_id("_id").unwrap();
    let link_oid = ObjectId::new();
    w.store
        .insert(
            Logical::Links,
            doc! {"_id": link_oid, "environment": &e, "source": port_oid, "source_id": port_id,
            "target": ObjectId::new(), "target_id": "x", "link_type": "port-vnic"},
        )
        .await
        .unwrap();
    w.store
        .insert(
            Logical::Cliques,
            doc! {"environment": &e, "focal_point": port_oid, "links": [link_oid]},
        )
        .await
        .unwrap();
    let other = ObjectId::new();
    let kept_link = ObjectId::new();
    w.store.insert(Logical::Cliques, doc! {"_id": other, "environment": &e, "focal_point": ObjectId::new(),
        "links": [link_oid, kept_link], "links_detailed": [{"_id": link_oid}, {"_id": kept_link}]}).await.unwrap();

    // Rename: the network and everything below it move.
    let mut payload = network_payload("renamed-net");
    payload["network"]["admin_state_up"] = json!(false);
    send(
        &w,
        &p,
        &w.neutron_exchange,
        &notification("network.update.end", "network.node-6.cisco.com", payload),
    )
    .await;
    let net = w.get(NET).await.unwrap();
    assert_eq!(net.get_str("name").unwrap(), "renamed-net");
    assert_eq!(net.get_str("object_name").unwrap(), "renamed-net");
    assert!(net
        .get_str("name_path")
        .unwrap()
        .ends_with("/Networks/renamed-net"));
    assert!(!net.get_bool("admin_state_up").unwrap());
    let port = w.get(port_id).await.unwrap();
    assert!(
        port.get_str("name_path")
            .unwrap()
            .contains("/Networks/renamed-net/Ports/"),
        "{port}"
    );

    // Delete: network, its folders and port, the port's link and clique go; the other clique
    // loses only the removed link.
    let del = send(
        &w,
        &p,
        &w.neutron_exchange,
        &notification(
            "network.delete.end",
            "network.node-6.cisco.com",
            json!({"network_id": NET}),
        ),
    )
    .await;
    assert_eq!(del.get_str("related_object").unwrap(), NET);
    assert!(w.get(NET).await.is_none());
    assert!(w.get(port_id).await.is_none());
    assert!(w.get(&format!("{NET}-ports")).await.is_none());
    assert_eq!(
        w.store
            .count(Logical::Links, doc! {"environment": &e})
            .await
            .unwrap(),
        0
    );
    let cliques = w
        .store
        .find(Logical::Cliques, doc! {"environment": &e})
        .await
        .unwrap();
    assert_eq!(cliques.len(), 1);
    assert_eq!(
        cliques[0].get_array("links").unwrap(),
        &vec![Bson::ObjectId(kept_link)]
    );
    assert_eq!(cliques[0].get_array("links_detailed").unwrap().len(), 1);

    l.stop().await;
    assert_eq!(w.operational().await.as_deref(), Some("stopped"));
    w.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn subnet_create_update_delete() {
    let w = World::new("subnet").await;
    seed_project(&w).await;
    let l = InProcess::start(&w, w.store.clone(), 3).await;
    let p = Publisher::new().await;
    create_network(&w, &p).await;

    let m = send(
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
    assert_eq!(m.get_str("related_object").unwrap(), SUBNET);
    assert_eq!(m.get_str("display_context").unwrap(), NET);
    let net = w.get(NET).await.unwrap();
    assert_eq!(
        net.get_array("cidrs").unwrap(),
        &vec![Bson::String("172.16.13.0/24".into())]
    );
    assert_eq!(
        net.get_array("subnet_ids").unwrap(),
        &vec![Bson::String(SUBNET.into())]
    );
    assert_eq!(
        net.get_document("subnets")
            .unwrap()
            .get_document("sub1")
            .unwrap()
            .get_str("id")
            .unwrap(),
        SUBNET
    );
    assert!(l.recorder.take_rescans().is_empty(), "no DHCP, no rescan");

    // DHCP turned on: the publishing network node's vServices and vNICs are rescanned.
    send(
        &w,
        &p,
        &w.neutron_exchange,
        &notification(
            "subnet.update.end",
            "network.node-6.cisco.com",
            subnet_payload("sub1-renamed", true),
        ),
    )
    .await;
    let net = w.get(NET).await.unwrap();
    let subnets = net.get_document("subnets").unwrap();
    assert!(
        subnets.get("sub1").is_none() && subnets.get("sub1-renamed").is_some(),
        "{subnets}"
    );
    assert_eq!(
        l.recorder.take_rescans(),
        host_rescans(
            "node-6.cisco.com",
            &[
                "vservice",
                "vnic",
                // The DHCP tap on the host's bridges and vEdge (no region stored here, so no port
                // rescan).
                "vconnectors_folder",
                "vedges_folder",
            ],
        )
    );
    assert!(l.recorder.cliques.load(std::sync::atomic::Ordering::SeqCst) >= 1);

    // The DHCP service a scan stored, then DHCP off: the service and the DHCP port go.
    let mut dhcp = fixture_doc("vservice_qdhcp-8673c48a.json", &w.env);
    dhcp.insert("local_service_id", format!("qdhcp-{NET}"));
    w.insert_inventory(dhcp).await;
    w.insert_inventory(
        doc! {"id": "dhcp-port", "type": "port", "network_id": NET, "device_owner": "network:dhcp",
        "mac_address": "fa:16:3e:00:00:01", "id_path": "/x/dhcp-port", "name_path": "/x/p"},
    )
    .await;
    send(
        &w,
        &p,
        &w.neutron_exchange,
        &notification(
            "subnet.update.end",
            "network.node-6.cisco.com",
            subnet_payload("sub1-renamed", false),
        ),
    )
    .await;
    assert!(w
        .get("qdhcp-8673c48a-f137-4497-b25d-08b7b218fd17")
        .await
        .is_none());
    assert!(w.get("dhcp-port").await.is_none());

    // Unknown subnet: dropped with a record, nothing changes.
    let mut unknown = subnet_payload("other", false);
    unknown["subnet"]["id"] = json!("not-a-subnet");
    let m = send(
        &w,
        &p,
        &w.neutron_exchange,
        &notification("subnet.update.end", "network.node-6.cisco.com", unknown),
    )
    .await;
    assert_eq!(m.get("related_object"), Some(&Bson::Null));

    let m = send(
        &w,
        &p,
        &w.neutron_exchange,
        &notification(
            "subnet.delete.end",
            "network.node-6.cisco.com",
            json!({"subnet_id": SUBNET}),
        ),
    )
    .await;
    assert_eq!(m.get_str("related_object").unwrap(), SUBNET);
    let net = w.get(NET).await.unwrap();
    assert!(net.get_array("subnet_ids").unwrap().is_empty());
    assert!(net.get_array("cidrs").unwrap().is_empty());
    assert!(net.get_document("subnets").unwrap().is_empty());
    l.stop().await;
    w.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn port_create_update_delete() {
    let w = World::new("port").await;
    seed_project(&w).await;
    let l = InProcess::start(&w, w.store.clone(), 3).await;
    let p = Publisher::new().await;
    create_network(&w, &p).await;
    let mut instance = fixture_doc("instance_bf0cb914.json", &w.env);
    let instance_id = instance.get_str("id").unwrap().to_string();
    // The fixture's VIF, on this test's network.
    let mut vifs = instance.get_array("network_info").unwrap().clone();
    let vif0 = vifs[0].as_document_mut().unwrap();
    vif0.get_document_mut("network").unwrap().insert("id", NET);
    instance.insert("network_info", vifs);
    instance.insert("network", vec![Bson::String(NET.into())]);
    let vif = "1f72bd15-8ab2-43cb-94d7-e823dd845255";
    let mac = "fa:16:3e:e8:7f:04";
    w.insert_inventory(
        doc! {"id": "node-5.cisco.com-instances", "type": "instances_folder",
        "id_path": "/e/node-5.cisco.com-instances", "name_path": "/e/Instances"},
    )
    .await;
    w.insert_inventory(instance).await;
    w.insert_inventory(
        doc! {"id": "tap1f72bd15-8a", "type": "vnic", "mac_address": mac,
        "id_path": "/e/vnic", "name_path": "/e/vnic"},
    )
    .await;

    // A compute port: stored from the payload, then the instance is rescanned for its vNICs.
    let m = send(
        &w,
        &p,
        &w.neutron_exchange,
        &notification(
            "port.create.end",
            "network.node-6.cisco.com",
            port_payload(vif, mac, "compute:calipso-zone", &instance_id),
        ),
    )
    .await;
    assert_eq!(m.get_str("related_object").unwrap(), vif);
    assert_eq!(m.get_str("display_context").unwrap(), NET);
    let port = w.get(vif).await.expect("port stored");
    assert_eq!(port.get_str("name").unwrap(), mac);
    assert_eq!(port.get_str("parent_id").unwrap(), format!("{NET}-ports"));
    assert_eq!(port.get_str("project").unwrap(), "calipso-project");
    assert!(port
        .get_str("id_path")
        .unwrap()
        .ends_with(&format!("{NET}/{NET}-ports/{vif}")));
    assert_eq!(
        l.recorder.take_rescans(),
        [
            vec![(
                "ScanInstancesRoot".into(),
                "node-5.cisco.com-instances".into(),
                Some("instance".into()),
                Some(instance_id.clone())
            )],
            host_rescans("node-5.cisco.com", &["vconnectors_folder", "vedges_folder"],),
        ]
        .concat()
    );

    let mut update = port_payload(vif, mac, "compute:calipso-zone", &instance_id);
    update["port"]["admin_state_up"] = json!(false);
    update["port"]["binding:vnic_type"] = json!("direct");
    send(
        &w,
        &p,
        &w.neutron_exchange,
        &notification("port.update.end", "network.node-6.cisco.com", update),
    )
    .await;
    let port = w.get(vif).await.unwrap();
    assert_eq!(port.get_str("status").unwrap(), "DOWN");
    assert_eq!(port.get_str("binding:vnic_type").unwrap(), "direct");
    assert_eq!(
        port.get_str("name").unwrap(),
        mac,
        "the scan's name is kept"
    );

    // Delete: port, its vNIC and the instance's network_info entry go.
    send(
        &w,
        &p,
        &w.neutron_exchange,
        &notification(
            "port.delete.end",
            "network.node-6.cisco.com",
            json!({"port_id": vif}),
        ),
    )
    .await;
    assert!(w.get(vif).await.is_none());
    assert!(w.get("tap1f72bd15-8a").await.is_none());
    let inst = w.get(&instance_id).await.unwrap();
    assert!(inst.get_array("network_info").unwrap().is_empty());
    assert!(inst.get_array("network").unwrap().is_empty());
    assert_eq!(inst.get("mac_address"), Some(&Bson::Null));
    l.stop().await;
    w.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn instance_create_update_delete() {
    let w = World::new("inst").await;
    let l = InProcess::start(&w, w.store.clone(), 0).await;
    let p = Publisher::new().await;
    let instance = fixture_doc("instance_bf0cb914.json", &w.env);
    let id = instance.get_str("id").unwrap().to_string();
    let create = |host: &str| {
        notification(
            "compute.instance.create.end",
            "compute.node-5.cisco.com",
            json!({
            "instance_id": id, "host": host, "display_name": "test", "state": "active",
            "tenant_id": PID, "instance_type": "m1.tiny", "image_ref_url": "http://i"}),
        )
    };
    // No instances folder for that host (yet): retried, then (-r 0) dead-lettered.
    let m = send(&w, &p, &w.nova_exchange, &create("node-9.cisco.com")).await;
    assert_eq!(m.get("related_object"), Some(&Bson::Null));
    wait_for(
        "dead-lettered create",
        std::time::Duration::from_secs(10),
        || async { p.queue_depth(&format!("{}.dead-letter", w.queues[0])).await == 1 },
    )
    .await;

    w.insert_inventory(
        doc! {"id": "node-5.cisco.com-instances", "type": "instances_folder",
        "id_path": "/e/node-5.cisco.com-instances", "name_path": "/e/Instances"},
    )
    .await;
    let m = send(&w, &p, &w.nova_exchange, &create("node-5.cisco.com")).await;
    assert_eq!(m.get_str("related_object").unwrap(), id);
    assert_eq!(
        l.recorder.take_rescans(),
        [
            vec![(
                "ScanInstancesRoot".into(),
                "node-5.cisco.com-instances".into(),
                Some("instance".into()),
                Some(id.clone())
            )],
            host_rescans("node-5.cisco.com", &["vconnectors_folder", "vedges_folder"],),
        ]
        .concat()
    );
    assert!(l.recorder.links.load(std::sync::atomic::Ordering::SeqCst) >= 1);

    // What the rescan would have stored; then a rename moves the instance's subtree.
    w.insert_inventory(instance).await;
    w.insert_inventory(fixture_doc("vnics_folder_bf0cb914.json", &w.env))
        .await;
    send(
        &w,
        &p,
        &w.nova_exchange,
        &notification(
            "compute.instance.update",
            "compute.node-5.cisco.com",
            json!({
        "instance_id": id, "host": "node-5.cisco.com", "display_name": "renamed-vm",
        "state": "active", "old_state": "active", "tenant_id": PID}),
        ),
    )
    .await;
    let inst = w.get(&id).await.unwrap();
    assert!(inst
        .get_str("name_path")
        .unwrap()
        .ends_with("/Instances/renamed-vm"));
    assert_eq!(inst.get_str("object_name").unwrap(), "renamed-vm");
    let folder = w.get(&format!("{id}-vnics")).await.unwrap();
    assert!(
        folder
            .get_str("name_path")
            .unwrap()
            .ends_with("/Instances/renamed-vm/vNICs"),
        "{folder}"
    );

    send(
        &w,
        &p,
        &w.nova_exchange,
        &notification(
            "compute.instance.delete.end",
            "compute.node-5.cisco.com",
            json!({"instance_id": id, "host": "node-5.cisco.com", "state": "deleted"}),
        ),
    )
    .await;
    assert!(w.get(&id).await.is_none());
    assert!(w.get(&format!("{id}-vnics")).await.is_none());
    l.stop().await;
    w.cleanup().await;
}
