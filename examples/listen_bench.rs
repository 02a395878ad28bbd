//! Throughput of the event listener: publishes N `port.update.end` notifications for ports of
//! one network and measures how many per second the listener applies (each one: read the port,
//! upsert it, insert its `messages` record, acknowledge).
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
    let (tx, rx) = tokio::sync::watch::channel(false);
    let opts = ListenOptions {
        env: env.clone(),
        metadata_file: None,
        retry_limit: 0,
        consume_all: false,
        limits: Limits {
            max_events: Some(n),
            idle_exit: Some(Duration::from_secs(30)),
        },
        jobs: 1,
    };
    let hooks = Hooks::default();
    let listener = tokio::spawn(listen_env(store.clone(), opts, hooks, rx));
    // Wait until the topology exists.
    let started = Instant::now();
    loop {
        let envs = store
            .find(Logical::EnvironmentsConfig, doc! {"name": &env})
            .await?;
        if envs
            .first()
            .and_then(|d| d.get_str("operational").ok())
            .is_some_and(|s| s == "running")
        {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(20),
            "listener did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let conn = Connection::connect(
        "amqp://guest:guest@127.0.0.1:5672/%2f",
        ConnectionProperties::default(),
    )
    .await?;
    let channel = conn.create_channel().await?;
    let t0 = Instant::now();
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
    let published = t0.elapsed();
    let stop = listener.await??;
    let elapsed = t0.elapsed();
    let _ = tx.send(true);
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
