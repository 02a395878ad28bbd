//! Shared helpers of the listener tests: a unique database and unique broker names per test, the
//! environment document, notifications as OpenStack sends them, a publisher, and a TCP proxy
//! that can cut a service off (MongoDB down, broker restart).
#![allow(dead_code)]

use bson::{doc, Document};
use calipso::config::MongoConf;
use calipso::store::{Logical, Store};
use lapin::options::{
    BasicAckOptions, BasicGetOptions, BasicPublishOptions, ExchangeDeleteOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

pub const BROKER: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "lt_{tag}_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// One test's world: database, environment, queues, exchanges.
pub struct World {
    pub name: String,
    pub env: String,
    pub dir: tempfile::TempDir,
    pub mongo_conf: PathBuf,
    pub store: Store,
    pub nova_exchange: String,
    pub neutron_exchange: String,
    pub queues: Vec<String>,
}

impl World {
    /// Creates the database with an environment whose AMQP block points at `amqp_port` and
    /// whose `app_path` holds an events.json with this test's queues and exchanges.
    pub async fn new(tag: &str) -> World {
        Self::with_ports(tag, 27017, 5672).await
    }

    pub async fn with_ports(tag: &str, mongo_port: u16, amqp_port: u16) -> World {
        let name = unique(tag);
        let dir = tempfile::tempdir().unwrap();
        let mongo_conf = dir.path().join("mongo.conf");
        // The store connects directly to the configured address, so a proxy in front of the
        // server (which announces itself as a replica-set member at 127.0.0.1:27017) works.
        std::fs::write(
            &mongo_conf,
            format!("server 127.0.0.1\nport {mongo_port}\nauth_db {name}\n"),
        )
        .unwrap();
        let direct = dir.path().join("direct.conf");
        std::fs::write(
            &direct,
            format!("server 127.0.0.1\nport 27017\nauth_db {name}\n"),
        )
        .unwrap();
        let store = Store::connect(
            &MongoConf::load(direct.to_str().unwrap()).unwrap(),
            "inventory",
        )
        .await
        .unwrap();
        let nova_exchange = format!("{name}-nova");
        let neutron_exchange = format!("{name}-neutron");
        let queues = vec![format!("{name}.nova"), format!("{name}.neutron")];
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        let events: Value =
            serde_json::from_str(include_str!("../../src/listen/events.json")).unwrap();
        let mut events = events;
        events["queues"] = json!([
            {"queue": queues[0], "exchange": nova_exchange},
            {"queue": queues[1], "exchange": neutron_exchange},
        ]);
        std::fs::write(dir.path().join("config/events.json"), events.to_string()).unwrap();
        let env = format!("{name}-env");
        store
            .insert(
                Logical::EnvironmentsConfig,
                doc! {
                    "name": &env,
                    "app_path": dir.path().to_str().unwrap(),
                    "distribution": "Mirantis",
                    "distribution_version": "8.0",
                    "mechanism_drivers": ["OVS"],
                    "type_drivers": "vxlan",
                    "listen": true,
                    "scanned": true,
                    "operational": "stopped",
                    "configuration": [
                        {"name": "AMQP", "host": "127.0.0.1", "port": amqp_port as i32, "user": "guest", "pwd": "guest"}
                    ],
                },
            )
            .await
            .unwrap();
        World {
            name,
            env,
            dir,
            mongo_conf,
            store,
            nova_exchange,
            neutron_exchange,
            queues,
        }
    }

    pub fn mongo_conf(&self) -> &str {
        self.mongo_conf.to_str().unwrap()
    }

    pub async fn operational(&self) -> Option<String> {
        let docs = self
            .store
            .find(Logical::EnvironmentsConfig, doc! {"name": &self.env})
            .await
            .unwrap();
        docs.first()
            .and_then(|d| d.get_str("operational").ok().map(String::from))
    }

    /// Waits until the listener reports `operational: running`.
    pub async fn wait_running(&self) {
        wait_for("operational running", Duration::from_secs(30), || async {
            self.operational().await.as_deref() == Some("running")
        })
        .await;
    }

    pub async fn get(&self, id: &str) -> Option<Document> {
        self.store.get_by_id(&self.env, id).await.unwrap()
    }

    pub async fn insert_inventory(&self, mut obj: Document) {
        obj.insert("environment", &self.env);
        self.store.upsert_object(&mut obj).await.unwrap();
    }

    pub async fn messages(&self, filter: Document) -> Vec<Document> {
        self.store.find(Logical::Messages, filter).await.unwrap()
    }

    /// Deletes this test's queues and exchanges and drops the database.
    pub async fn cleanup(&self) {
        if let Ok(conn) = Connection::connect(BROKER, ConnectionProperties::default()).await {
            if let Ok(ch) = conn.create_channel().await {
                for q in &self.queues {
                    for name in [q.clone(), format!("{q}.dead-letter")] {
                        let _ = ch
                            .queue_delete(name.as_str().into(), QueueDeleteOptions::default())
                            .await;
                    }
                }
                for x in [&self.nova_exchange, &self.neutron_exchange] {
                    let _ = ch
                        .exchange_delete(x.as_str().into(), ExchangeDeleteOptions::default())
                        .await;
                }
            }
            let _ = conn.close(200, "done".into()).await;
        }
        for logical in Logical::ALL {
            let _ = self.store.collection(logical).drop().await;
        }
    }
}

pub async fn wait_for<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < timeout {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

/// A publishing connection.
pub struct Publisher {
    pub conn: Connection,
    pub channel: Channel,
}

impl Publisher {
    pub async fn new() -> Publisher {
        let conn = Connection::connect(BROKER, ConnectionProperties::default())
            .await
            .unwrap();
        let channel = conn.create_channel().await.unwrap();
        Publisher { conn, channel }
    }

    pub async fn raw(&self, exchange: &str, body: &[u8]) {
        self.channel
            .basic_publish(
                exchange.into(),
                "notifications.info".into(),
                BasicPublishOptions::default(),
                body,
                BasicProperties::default().with_content_type("application/json".into()),
            )
            .await
            .unwrap()
            .await
            .unwrap();
    }

    /// Publishes a notification in the oslo.messaging v2 envelope.
    pub async fn notify(&self, exchange: &str, notification: &Value) {
        let body = json!({"oslo.version": "2.0", "oslo.message": notification.to_string()});
        self.raw(exchange, body.to_string().as_bytes()).await;
    }

    /// (ready, consumers) of a queue.
    pub async fn queue_depth(&self, queue: &str) -> u32 {
        let ch = self.conn.create_channel().await.unwrap();
        let q = ch
            .queue_declare(
                queue.into(),
                QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        q.message_count()
    }

    /// Takes one message off a queue (e.g. a dead-letter queue).
    pub async fn take(&self, queue: &str) -> Option<Vec<u8>> {
        let got = self
            .channel
            .basic_get(queue.into(), BasicGetOptions::default())
            .await
            .unwrap()?;
        got.delivery.ack(BasicAckOptions::default()).await.unwrap();
        Some(got.delivery.data.clone())
    }
}

/// A notification as OpenStack's oslo.messaging sends it.
pub fn notification(event_type: &str, publisher: &str, payload: Value) -> Value {
    json!({
        "message_id": unique("msg"),
        "publisher_id": publisher,
        "event_type": event_type,
        "priority": "INFO",
        "timestamp": "2016-09-30 17:45:02.125633",
        "_context_project_id": "75c0eb79ff4a42b0ae4973c8375ddf40",
        "_context_project_name": "calipso-project",
        "_context_auth_token": "gAAAAAsecret-token",
        "_context_user_name": "admin",
        "payload": payload,
    })
}

/// The project and networks folder a scan would have stored.
pub async fn seed_project(w: &World) {
    let e = &w.env;
    let pid = "75c0eb79ff4a42b0ae4973c8375ddf40";
    w.insert_inventory(doc! {
        "id": pid, "type": "project", "name": "calipso-project",
        "id_path": format!("/{e}/{e}-projects/{pid}"),
        "name_path": format!("/{e}/Projects/calipso-project"),
        "parent_id": format!("{e}-projects"), "parent_type": "projects_folder",
    })
    .await;
}

/// A fixture inventory document, moved into this test's environment.
pub fn fixture_doc(name: &str, env: &str) -> Document {
    let text = std::fs::read_to_string(Path::new("tests/fixtures/inventory").join(name)).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    let mut d = calipso::doc::json_to_bson(&value)
        .as_document()
        .unwrap()
        .clone();
    let old_env = d.get_str("environment").unwrap().to_string();
    for key in ["id_path", "name_path"] {
        if let Ok(p) = d.get_str(key) {
            let p = p.replace(&old_env, env);
            d.insert(key, p);
        }
    }
    d.insert("environment", env);
    d.remove("_id");
    d.remove("last_scanned");
    d
}

/// A TCP forwarder to `target` that can be switched off (existing connections are cut, new
/// ones closed at once) and on again.
#[derive(Clone)]
pub struct Proxy {
    pub port: u16,
    up: Arc<AtomicBool>,
    generation: Arc<AtomicU64>,
}

impl Proxy {
    pub async fn start(target: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let proxy = Proxy {
            port,
            up: Arc::new(AtomicBool::new(true)),
            generation: Arc::new(AtomicU64::new(0)),
        };
        let p = proxy.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if !p.up.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let p2 = p.clone();
                let gen = p.generation.load(Ordering::SeqCst);
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", target)).await else {
                        return;
                    };
                    let cut = async {
                        while p2.generation.load(Ordering::SeqCst) == gen {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut => {}
                    }
                });
            }
        });
        proxy
    }

    /// Cuts every connection (after at most one 50 ms poll of the forwarders).
    pub async fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    pub fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// Rescans and graph refreshes, recorded instead of run.
#[derive(Clone, Default)]
pub struct Recorder {
    pub rescans: Arc<std::sync::Mutex<Vec<calipso::listen::refresh::RescanTarget>>>,
    pub links: Arc<AtomicU64>,
    pub cliques: Arc<AtomicU64>,
}

#[async_trait::async_trait]
impl calipso::listen::refresh::Rescan for Recorder {
    async fn rescan(
        &self,
        targets: &[calipso::listen::refresh::RescanTarget],
    ) -> Result<(), calipso::listen::refresh::RescanError> {
        self.rescans.lock().unwrap().extend(targets.iter().cloned());
        Ok(())
    }
}

#[async_trait::async_trait]
impl calipso::listen::refresh::GraphRefresh for Recorder {
    async fn links(&self) -> Result<(), String> {
        self.links.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    async fn cliques(&self) -> Result<(), String> {
        self.cliques.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

impl Recorder {
    pub fn take_rescans(&self) -> Vec<(String, String, Option<String>, Option<String>)> {
        std::mem::take(&mut *self.rescans.lock().unwrap())
            .into_iter()
            .map(|t| (t.scanner, t.root_id, t.child_type, t.child_id))
            .collect()
    }
}

/// A listener running inside the test process, with recorded rescans.
pub struct InProcess {
    pub shutdown: tokio::sync::watch::Sender<bool>,
    pub task: tokio::task::JoinHandle<Result<calipso::listen::Stop, calipso::listen::ListenError>>,
    pub recorder: Recorder,
}

impl InProcess {
    pub async fn start(w: &World, store: Store, retry_limit: u32) -> InProcess {
        let recorder = Recorder::default();
        let (tx, rx) = tokio::sync::watch::channel(false);
        let opts = calipso::listen::ListenOptions {
            env: w.env.clone(),
            metadata_file: None,
            retry_limit,
            consume_all: false,
            limits: calipso::listen::Limits::default(),
            jobs: 1,
        };
        let hooks = calipso::listen::Hooks {
            rescan: Some(Box::new(recorder.clone())),
            graph: Some(Box::new(recorder.clone())),
        };
        let task = tokio::spawn(calipso::listen::listen_env(store, opts, hooks, rx));
        let running = InProcess {
            shutdown: tx,
            task,
            recorder,
        };
        w.wait_running().await;
        running
    }

    pub async fn stop(self) -> calipso::listen::Stop {
        self.shutdown.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(20), self.task)
            .await
            .expect("listener stops")
            .unwrap()
            .expect("listener ends without error")
    }
}

/// Publishes a notification and waits until its `messages` record exists (it was handled).
pub async fn send(w: &World, p: &Publisher, exchange: &str, n: &Value) -> Document {
    p.notify(exchange, n).await;
    wait_message(w, n["message_id"].as_str().unwrap()).await
}

/// The `messages` record with this id, once it exists.
pub async fn wait_message(w: &World, id: &str) -> Document {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if let Some(d) = w.messages(doc! {"id": id}).await.into_iter().next() {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no messages record with id {id}");
}

// Payloads of the Neutron events of the handler tests (shapes of listen.md §6).

pub const PID: &str = "75c0eb79ff4a42b0ae4973c8375ddf40";
pub const NET: &str = "a8226605-40d0-4111-93bd-11ffa5b2d1d7";
pub const SUBNET: &str = "fcfa62ec-5ae7-46ce-9259-5f30de7af858";

pub fn network_payload(name: &str) -> serde_json::Value {
    json!({"network": {"id": NET, "name": name, "tenant_id": PID, "admin_state_up": true,
        "status": "ACTIVE", "subnets": [], "provider:network_type": "vxlan",
        "provider:segmentation_id": 8, "mtu": 1400, "shared": false, "router:external": false}})
}

pub fn subnet_payload(name: &str, dhcp: bool) -> serde_json::Value {
    json!({"subnet": {"id": SUBNET, "name": name, "network_id": NET, "tenant_id": PID,
        "cidr": "172.16.13.0/24", "enable_dhcp": dhcp, "gateway_ip": "172.16.13.1", "ip_version": 4,
        "allocation_pools": [{"start": "172.16.13.2", "end": "172.16.13.254"}],
        "dns_nameservers": [], "host_routes": [], "ipv6_ra_mode": null, "ipv6_address_mode": null}})
}

pub fn port_payload(id: &str, mac: &str, owner: &str, device: &str) -> serde_json::Value {
    json!({"port": {"id": id, "name": "", "network_id": NET, "tenant_id": PID, "mac_address": mac,
        "admin_state_up": true, "status": "DOWN", "device_owner": owner, "device_id": device,
        "binding:host_id": "node-5.cisco.com", "binding:vif_type": "ovs", "binding:vnic_type": "normal",
        "fixed_ips": [{"subnet_id": SUBNET, "ip_address": "172.16.13.4"}], "security_groups": []}})
}

pub async fn create_network(w: &World, p: &Publisher) {
    send(
        w,
        p,
        &w.neutron_exchange,
        &notification(
            "network.create.end",
            "network.node-6.cisco.com",
            network_payload("calipso-network-add"),
        ),
    )
    .await;
}

/// The rescans of `ScanHost` on `host`, one per child type, as the recorder lists them.
pub fn host_rescans(
    host: &str,
    types: &[&str],
) -> Vec<(String, String, Option<String>, Option<String>)> {
    types
        .iter()
        .map(|t| ("ScanHost".into(), host.into(), Some(t.to_string()), None))
        .collect()
}
