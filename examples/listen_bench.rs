//! Throughput of the event listener: queues N `port.update.end` notifications for 100 ports,
//! then times a listener run that applies them all (per event: unwrap, update the port in one
//! findAndModify, its `messages` record in a batched insert, acknowledge).
//!
//! Needs RabbitMQ on 127.0.0.1:5672 (guest/guest) and MongoDB on 127.0.0.1:27017.
//! `cargo run --example listen_bench -- [N]` (default 5000). Prints `events/s: <n>`.

use bson::doc;
use calipso::config::MongoConf;
use calipso::listen::{listen_env, Hooks, Limits, ListenOptions};
use calipso::store::{Logical, Store};
use lapin::options::{BasicPublishOptions, QueueDeleteOptions};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use serde_json::json;
use std::time::{Duration, Instant};

const PORTS: usize = 100;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5000);
    let name = format!("listen_bench_{}", std::process::id());
    let dir = tempfile::tempdir()?;
    let conf_path = dir.path().join("mongo.conf");
    std::fs::write(&conf_path, format!("server 127.0.0.1\nauth_db {name}\n"))?;
    let store = Store::connect(
        &MongoConf::load(conf_path.to_str().unwrap_or_default())?,
        "inventory",
    )
    .await?;
    let exchange = format!("{name}-neutron");
    let queue = format!("{name}.neutron");
    std::fs::create_dir_all(dir.path().join("config"))?;
    std::fs::write(
        dir.path().join("config/events.json"),
        json!({"handlers_package": "bench", "queues": [{"queue": queue, "exchange": exchange}],
               "event_handlers": {"port.update.end": "EventPortUpdate"}})
        .to_string(),
    )?;
    let env = format!("{name}-env");
    store.insert(Logical::EnvironmentsConfig, doc! {
        "name": &env, "app_path": dir.path().to_str().unwrap_or_default(),
        "configuration": [{"name": "AMQP", "host": "127.0.0.1", "port": 5672, "user": "guest", "pwd": "guest"}],
    }).await?;
    for i in 0..PORTS {
        let mut port = doc! {"environment": &env, "type": "port", "id": format!("port-{i}"),
        "network_id": "net", "mac_address": format!("fa:16:3e:00:00:{i:02x}"),
        "id_path": format!("/{env}/port-{i}"), "name_path": format!("/{env}/port-{i}")};
        store.upsert_object(&mut port).await?;
    }
    let options = |max_events: u64| ListenOptions {
        env: env.clone(),
        metadata_file: None,
        retry_limit: 0,
        consume_all: false,
        limits: Limits {
            max_events: Some(max_events),
            idle_exit: Some(Duration::from_secs(30)),
        },
        jobs: 1,
    };
    let (_tx, rx) = tokio::sync::watch::channel(false);
    // A first run with no events only declares the durable queue; the events then wait in it.
    listen_env(store.clone(), options(0), Hooks::default(), rx.clone()).await?;
    let conn = Connection::connect(
        "amqp://guest:guest@127.0.0.1:5672/%2f",
        ConnectionProperties::default(),
    )
    .await?;
    let channel = conn.create_channel().await?;
    let t_publish = Instant::now();
    let mut confirms = Vec::with_capacity(n as usize);
    for i in 0..n {
        let body = json!({"message_id": format!("bench-{i}"), "event_type": "port.update.end",
            "publisher_id": "network.node-6", "priority": "INFO", "timestamp": "2016-09-30 17:45:02.125633",
            "payload": {"port": {"id": format!("port-{}", i as usize % PORTS), "admin_state_up": i % 2 == 0,
                                 "binding:vnic_type": "normal"}}});
        let wrapped = json!({"oslo.version": "2.0", "oslo.message": body.to_string()});
        confirms.push(
            channel
                .basic_publish(
                    exchange.as_str().into(),
                    "notifications.info".into(),
                    BasicPublishOptions::default(),
                    wrapped.to_string().as_bytes(),
                    BasicProperties::default().with_content_type("application/json".into()),
                )
                .await?,
        );
    }
    for confirm in confirms {
        confirm.await?;
    }
    let published = t_publish.elapsed();
    // The timed run: connect, consume and apply all N events.
    let t0 = Instant::now();
    let stop = listen_env(store.clone(), options(n), Hooks::default(), rx).await?;
    let elapsed = t0.elapsed();
    let applied = store
        .count(Logical::Messages, doc! {"source_system": "OpenStack"})
        .await?;
    println!(
        "published {n} events in {:.2} s; listener stopped ({stop:?}) after {applied} events in {:.2} s",
        published.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    println!("events/s: {:.0}", applied as f64 / elapsed.as_secs_f64());
    let _ = channel
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await;
    let _ = channel
        .queue_delete(
            format!("{queue}.dead-letter").as_str().into(),
            QueueDeleteOptions::default(),
        )
        .await;
    let _ = channel
        .exchange_delete(exchange.as_str().into(), Default::default())
        .await;
    for logical in Logical::ALL {
        let _ = store.collection(logical).drop().await;
    }
    Ok(())
}
