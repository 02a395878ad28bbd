//! Services going away under a running listener: MongoDB down (the event waits, is not lost)
//! and the broker connection lost (reconnect, resume from the durable queue). A TCP proxy in
//! front of the real service plays the outage.

mod listen_support;

use calipso::config::MongoConf;
use calipso::store::Store;
use listen_support::*;
use serde_json::json;
use std::time::Duration;

fn network(id: &str) -> serde_json::Value {
    notification(
        "network.create.end",
        "network.node-6.cisco.com",
        json!({"network": {"id": id, "name": id, "tenant_id": "75c0eb79ff4a42b0ae4973c8375ddf40",
            "admin_state_up": true, "status": "ACTIVE", "subnets": []}}),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn mongodb_down_keeps_the_event_until_it_is_back() {
    let proxy = Proxy::start(27017).await;
    let w = World::with_ports("mongodown", proxy.port, 5672).await;
    let via_proxy = Store::connect(&MongoConf::load(w.mongo_conf()).unwrap(), "inventory")
        .await
        .unwrap();
    let l = InProcess::start(&w, via_proxy, 3).await;
    let p = Publisher::new().await;

    proxy.down().await;
    let event = network("net-during-outage");
    p.notify(&w.neutron_exchange, &event).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(w.get("net-during-outage").await.is_none());
    assert!(!l.task.is_finished(), "the listener keeps running");

    proxy.up();
    wait_for(
        "event applied after MongoDB is back",
        Duration::from_secs(60),
        || async { w.get("net-during-outage").await.is_some() },
    )
    .await;
    // The requeued delivery was handled once it could be recorded.
    wait_message(&w, event["message_id"].as_str().unwrap()).await;
    l.stop().await;
    w.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn broker_connection_lost_reconnects_and_resumes() {
    let proxy = Proxy::start(5672).await;
    let w = World::with_ports("brokerdown", 27017, proxy.port).await;
    let l = InProcess::start(&w, w.store.clone(), 3).await;
    let p = Publisher::new().await;
    send(&w, &p, &w.neutron_exchange, &network("before")).await;

    proxy.down().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Published while the listener is cut off: kept by the durable queue.
    let during = network("during");
    p.notify(&w.neutron_exchange, &during).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(w.get("during").await.is_none());
    proxy.up();
    wait_message(&w, during["message_id"].as_str().unwrap()).await;
    assert!(w.get("during").await.is_some());
    send(&w, &p, &w.neutron_exchange, &network("after")).await;
    l.stop().await;
    w.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn existing_openstack_topology_is_accepted() {
    use lapin::options::{ExchangeDeclareOptions, QueueDeclareOptions};
    use lapin::types::FieldTable;
    let w = World::new("topology").await;
    let p = Publisher::new().await;
    // As OpenStack with amqp_durable_queues = True declares its exchange, and a queue some other
    // consumer declared without our dead-letter arguments.
    p.channel
        .exchange_declare(
            w.neutron_exchange.as_str().into(),
            lapin::ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    p.channel
        .queue_declare(
            w.queues[1].as_str().into(),
            QueueDeclareOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let l = InProcess::start(&w, w.store.clone(), 3).await;
    send(
        &w,
        &p,
        &w.neutron_exchange,
        &network("through-durable-exchange"),
    )
    .await;
    assert!(w.get("through-durable-exchange").await.is_some());
    l.stop().await;
    w.cleanup().await;
}
