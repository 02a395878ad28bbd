//! The real `calipso listen` binary against the real broker and database: a sequence of Neutron
//! events applied end to end, faults that must not stop it, and a clean stop on SIGTERM.

mod listen_support;

use assert_cmd::cargo::CommandCargoExt;
use bson::{doc, Bson};
use listen_support::*;
use serde_json::json;
use std::process::Stdio;
use std::time::Duration;

const PID: &str = "75c0eb79ff4a42b0ae4973c8375ddf40";
const NET: &str = "8673c48a-f137-4497-b25d-08b7b218fd17";

fn listen(w: &World, extra: &[&str]) -> tokio::process::Child {
    let mut cmd = std::process::Command::cargo_bin("calipso").unwrap();
    cmd.args(["listen", "-m", w.mongo_conf(), "-e", &w.env])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    tokio::process::Command::from(cmd)
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

async fn finish(child: tokio::process::Child) -> (i32, String) {
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("listener exits")
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn net_payload(name: &str) -> serde_json::Value {
    json!({"network": {"id": NET, "name": name, "tenant_id": PID, "admin_state_up": true,
        "status": "ACTIVE", "subnets": [], "provider:network_type": "vxlan",
        "provider:segmentation_id": 52, "mtu": 1400, "shared": false, "router:external": false,
        "port_security_enabled": true}})
}

#[tokio::test(flavor = "multi_thread")]
async fn neutron_events_end_to_end() {
    let w = World::new("e2e").await;
    seed_project(&w).await;
    let child = listen(&w, &["--idle-exit", "3"]);
    w.wait_running().await;
    let p = Publisher::new().await;
    let x = &w.neutron_exchange;
    let host = "network.node-6.cisco.com";

    send(
        &w,
        &p,
        x,
        &notification("network.create.end", host, net_payload("25")),
    )
    .await;
    // The subnet of tests/fixtures/api/neutron_subnets.json style, without DHCP.
    send(&w, &p, x, &notification("subnet.create.end", host, json!({"subnet": {
        "id": "fcfa62ec-5ae7-46ce-9259-5f30de7af858", "name": "123e", "network_id": NET, "tenant_id": PID,
        "cidr": "172.16.13.0/24", "enable_dhcp": false, "gateway_ip": "172.16.13.1", "ip_version": 4}}))).await;
    send(&w, &p, x, &notification("port.create.end", host, json!({"port": {
        "id": "p-1", "network_id": NET, "mac_address": "fa:16:3e:13:b2:aa", "device_owner": "network:router_interface",
        "device_id": "r", "tenant_id": PID, "admin_state_up": true, "binding:host_id": "node-6.cisco.com",
        "fixed_ips": [{"subnet_id": "fcfa62ec-5ae7-46ce-9259-5f30de7af858", "ip_address": "172.16.13.1"}]}}))).await;
    send(
        &w,
        &p,
        x,
        &notification("network.update.end", host, net_payload("renamed")),
    )
    .await;

    // The inventory now matches a scan of the same cloud (fixture network document).
    let net = w.get(NET).await.unwrap();
    let fixture = fixture_doc("network_8673c48a.json", &w.env);
    for key in [
        "cidrs",
        "admin_state_up",
        "mtu",
        "provider:network_type",
        "parent_id",
        "parent_type",
        "network",
    ] {
        assert_eq!(net.get(key), fixture.get(key), "{key}");
    }
    assert_eq!(
        net.get_str("id_path").unwrap(),
        fixture.get_str("id_path").unwrap()
    );
    assert_eq!(net.get_str("name").unwrap(), "renamed");
    assert!(w
        .get("p-1")
        .await
        .unwrap()
        .get_str("name_path")
        .unwrap()
        .contains("/Networks/renamed/Ports/"));

    send(
        &w,
        &p,
        x,
        &notification("port.delete.end", host, json!({"port_id": "p-1"})),
    )
    .await;
    assert!(w.get("p-1").await.is_none());
    send(
        &w,
        &p,
        x,
        &notification("network.delete.end", host, json!({"network_id": NET})),
    )
    .await;
    assert!(w.get(NET).await.is_none());

    let (code, stderr) = finish(child).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(w.operational().await.as_deref(), Some("stopped"));
    assert!(
        stderr.contains("Got notification. Event_type: network.create.end"),
        "{stderr}"
    );
    assert!(!stderr.contains("guest@"), "no credentials in logs");
    assert_eq!(
        p.queue_depth(&w.queues[1]).await,
        0,
        "everything acknowledged"
    );
    let records = w.messages(doc! {"source_system": "OpenStack"}).await;
    assert_eq!(records.len(), 6);
    w.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_messages_do_not_stop_the_listener() {
    let w = World::new("faults").await;
    seed_project(&w).await;
    let child = listen(&w, &["--idle-exit", "3", "-r", "1"]);
    w.wait_running().await;
    let p = Publisher::new().await;
    let x = &w.neutron_exchange;
    let dead = format!("{}.dead-letter", w.queues[1]);

    p.raw(x, b"this is not json").await;
    p.raw(x, br#"{"oslo.message": "not json event_type"}"#)
        .await;
    let unknown = notification(
        "compute.instance.exists",
        "compute.node-5",
        json!({"instance_id": "i"}),
    );
    p.notify(x, &unknown).await;
    // A port we do not have: retried once (-r 1), then dead-lettered.
    let missing = notification(
        "port.update.end",
        "network.node-6",
        json!({"port": {"id": "nope", "admin_state_up": true}}),
    );
    p.notify(x, &missing).await;
    // The listener is still alive and applies a good event.
    send(
        &w,
        &p,
        x,
        &notification("network.create.end", "network.node-6", net_payload("alive")),
    )
    .await;
    assert!(w.get(NET).await.is_some());

    let (code, stderr) = finish(child).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Malformed message: body is not JSON"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Malformed message: oslo.message is not JSON"),
        "{stderr}"
    );
    let missing_id = missing["message_id"].as_str().unwrap();
    assert!(
        stderr.contains(&format!("Discarding message with id '{missing_id}'")),
        "{stderr}"
    );
    // One record per delivery of the retried message, with its event type inside.
    let retried = w.messages(doc! {"id": missing_id}).await;
    assert_eq!(retried.len(), 2);
    assert_eq!(
        retried[0]
            .get_document("message")
            .unwrap()
            .get_str("event_type")
            .unwrap(),
        "port.update.end"
    );
    // Log records reach `messages` too: the malformed bodies and the ignored type with its id.
    let logs = w.messages(doc! {"source_system": "Calipso"}).await;
    let texts: Vec<&str> = logs
        .iter()
        .filter_map(|d| d.get_str("message").ok())
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("Malformed message")),
        "{texts:?}"
    );
    let unknown_id = unknown["message_id"].as_str().unwrap();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("compute.instance.exists") && t.contains(unknown_id)),
        "{texts:?}"
    );
    assert!(logs
        .iter()
        .all(|d| d.get_str("origin_type") == Ok("event based scan")));
    // Nothing requeued forever: the main queue is empty, the three bad ones are dead-lettered.
    assert_eq!(p.queue_depth(&w.queues[1]).await, 0);
    assert_eq!(p.queue_depth(&dead).await, 3);
    assert_eq!(p.take(&dead).await.unwrap(), b"this is not json");
    assert_eq!(w.messages(doc! {"id": unknown_id}).await.len(), 0);
    assert_eq!(
        w.get(NET).await.unwrap().get("name"),
        Some(&Bson::String("alive".into()))
    );
    w.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_finishes_and_exits_zero() {
    let w = World::new("sigterm").await;
    let child = listen(&w, &[]);
    w.wait_running().await;
    let pid = child.id().unwrap() as libc::pid_t;
    // SAFETY: signalling the child this test spawned.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    let (code, stderr) = finish(child).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("SIGTERM received"), "{stderr}");
    assert_eq!(w.operational().await.as_deref(), Some("stopped"));
    w.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_broker_is_a_fatal_error() {
    let w = World::with_ports("nobroker", 27017, 1).await;
    let child = listen(&w, &["--idle-exit", "1"]);
    let (code, stderr) = finish(child).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(":**@127.0.0.1:1//"), "{stderr}");
    assert!(
        stderr.contains("cannot connect to the AMQP broker 127.0.0.1:1"),
        "{stderr}"
    );
    assert_eq!(w.operational().await.as_deref(), Some("error"));
    w.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn all_mode_follows_the_listen_flag() {
    use calipso::store::Logical;
    let w = World::new("all").await;
    w.store
        .insert(
            Logical::SupportedEnvironments,
            doc! {"environment": {"distribution": "Mirantis", "distribution_version": "8.0",
            "type_drivers": "vxlan", "mechanism_drivers": "OVS"},
            "features": {"listening": true, "scanning": true, "monitoring": false}},
        )
        .await
        .unwrap();
    let mut cmd = std::process::Command::cargo_bin("calipso").unwrap();
    cmd.args(["listen", "--all", "-i", "0.5", "-m", w.mongo_conf()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let supervisor = tokio::process::Command::from(cmd)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    w.wait_running().await;
    w.store
        .set_environment_fields(&w.env, doc! {"listen": false})
        .await
        .unwrap();
    wait_for("listener stopped", Duration::from_secs(20), || async {
        w.operational().await.as_deref() == Some("stopped")
    })
    .await;
    // SAFETY: signalling the child this test spawned.
    unsafe {
        libc::kill(supervisor.id().unwrap() as libc::pid_t, libc::SIGTERM);
    }
    let (code, stderr) = finish(supervisor).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!("Starting event listener '{}'", w.env)),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("Stopping event listener '{}'", w.env)),
        "{stderr}"
    );
    w.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn instance_add_rescans_through_the_scanner() {
    use calipso::store::Logical;
    let w = World::new("rescan").await;
    let constants: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("data/seed/constants.json").unwrap())
            .unwrap();
    let types = constants
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "scan_object_types")
        .unwrap();
    let types = calipso::doc::json_to_bson(types)
        .as_document()
        .unwrap()
        .clone();
    w.store.insert(Logical::Constants, types).await.unwrap();
    w.insert_inventory(
        doc! {"id": "node-5.cisco.com-instances", "type": "instances_folder",
        "id_path": "/e/node-5.cisco.com-instances", "name_path": "/e/Instances"},
    )
    .await;
    let child = listen(&w, &["--idle-exit", "3", "-r", "0"]);
    w.wait_running().await;
    let p = Publisher::new().await;
    let event = notification(
        "compute.instance.create.end",
        "compute.node-5.cisco.com",
        json!({"instance_id": "bf0cb914-b316-486c-a4ce-f22deb453c52", "host": "node-5.cisco.com",
               "display_name": "test", "state": "active", "tenant_id": PID}),
    );
    send(&w, &p, &w.nova_exchange, &event).await;
    let (code, stderr) = finish(child).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("rescanning ScanInstancesRoot on node-5.cisco.com-instances (child type instance, child id bf0cb914-b316-486c-a4ce-f22deb453c52)"),
        "{stderr}"
    );
    w.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn once_stops_after_one_event() {
    let w = World::new("once").await;
    seed_project(&w).await;
    let child = listen(&w, &["--once"]);
    w.wait_running().await;
    let p = Publisher::new().await;
    send(
        &w,
        &p,
        &w.neutron_exchange,
        &notification("network.create.end", "network.node-6", net_payload("one")),
    )
    .await;
    let (code, stderr) = finish(child).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("stopped (MaxEvents)"), "{stderr}");
    w.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_amqp_configuration_is_reported() {
    let w = World::new("noamqp").await;
    w.store
        .set_environment_fields(
            &w.env,
            doc! {"configuration": [{"name": "AMQP", "host": "127.0.0.1", "user": "u"}]},
        )
        .await
        .unwrap();
    let (code, stderr) = finish(listen(&w, &[])).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("AMQP configuration incomplete: missing pwd"),
        "{stderr}"
    );
    assert_eq!(w.operational().await.as_deref(), Some("error"));
    w.store
        .set_environment_fields(&w.env, doc! {"configuration": []})
        .await
        .unwrap();
    let (code, stderr) = finish(listen(&w, &[])).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("No matches for configuration component: AMQP"),
        "{stderr}"
    );
    let mut cmd = std::process::Command::cargo_bin("calipso").unwrap();
    cmd.args(["listen", "-m", w.mongo_conf(), "-e", "no-such-env"])
        .stderr(Stdio::piped());
    let child = tokio::process::Command::from(cmd).spawn().unwrap();
    let (code, stderr) = finish(child).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("use_env: could not find matching environment"),
        "{stderr}"
    );
    w.cleanup().await;
}
