//! The notification OpenStack's oslo.messaging notifier sends (messaging v2 envelope, the
//! `notifications.info` topic on the service's control exchange) and its publication.

use super::apply::Change;
use crate::lab::model::ids::IdGen;
use crate::lab::model::Model;
use lapin::options::{BasicPublishOptions, ExchangeDeclareOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use serde_json::{json, Value};
use tokio::sync::Mutex;

pub const ROUTING_KEY: &str = "notifications.info";

#[derive(Debug, Clone, Copy)]
pub enum Service {
    Nova,
    Neutron,
}

/// The control exchanges of Nova and Neutron (`control_exchange`, default `nova` / `neutron`).
#[derive(Debug, Clone)]
pub struct Exchanges {
    pub nova: String,
    pub neutron: String,
}

/// Builds the oslo v2 envelope of `change`: `{"oslo.version": "2.0", "oslo.message": "<json>"}`.
pub fn notification(model: &Model, change: &Change, ids: &mut IdGen) -> Value {
    let now = chrono::Utc::now();
    let prefix = match change.service {
        Service::Nova => "compute",
        Service::Neutron => "network",
    };
    let project_name = model
        .project(&change.project_id)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let request_id = format!("req-{}", ids.uuid());
    let message = json!({
        "message_id": ids.uuid(),
        "publisher_id": format!("{prefix}.{}", change.host),
        "event_type": change.event_type,
        "priority": "INFO",
        "timestamp": now.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
        "payload": change.payload,
        "_unique_id": ids.hex32(),
        "_context_request_id": request_id,
        "_context_project_id": change.project_id,
        "_context_project_name": project_name,
        "_context_tenant_id": change.project_id,
        "_context_tenant_name": project_name,
        "_context_tenant": change.project_id,
        "_context_user_id": model.admin_user_id,
        "_context_user_name": "admin",
        "_context_user": model.admin_user_id,
        "_context_is_admin": true,
        "_context_roles": ["admin"],
        "_context_read_only": false,
        "_context_show_deleted": false,
        "_context_auth_token": format!("gAAAAAB{}", ids.hex32()),
        "_context_timestamp": now.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
    });
    json!({"oslo.version": "2.0", "oslo.message": message.to_string()})
}

/// Publishes on the broker given to `up --amqp` (user guest), reconnecting when needed.
pub struct Notifier {
    uri: String,
    exchanges: Exchanges,
    channel: Mutex<Option<(Connection, Channel)>>,
}

impl Notifier {
    pub fn new(host: &str, port: u16, exchanges: Exchanges) -> Self {
        Notifier {
            uri: format!("amqp://guest:guest@{host}:{port}/%2f"),
            exchanges,
            channel: Mutex::new(None),
        }
    }

    pub async fn publish(&self, service: Service, envelope: &Value) -> Result<(), lapin::Error> {
        let exchange = match service {
            Service::Nova => &self.exchanges.nova,
            Service::Neutron => &self.exchanges.neutron,
        };
        let body = envelope.to_string();
        let mut slot = self.channel.lock().await;
        // One retry on a fresh connection: the broker may have restarted since the last event.
        for attempt in 0..2 {
            if slot.as_ref().is_none_or(|(c, _)| !c.status().connected()) {
                *slot = Some(self.open().await?);
            }
            let Some((_, channel)) = slot.as_ref() else {
                continue;
            };
            match send(channel, exchange, body.as_bytes(), attempt == 0).await {
                Ok(()) => return Ok(()),
                Err(e) if attempt == 1 => return Err(e),
                Err(_) => *slot = None,
            }
        }
        Ok(())
    }

    async fn open(&self) -> Result<(Connection, Channel), lapin::Error> {
        let conn = Connection::connect(&self.uri, ConnectionProperties::default()).await?;
        let channel = conn.create_channel().await?;
        Ok((conn, channel))
    }
}

/// `declare`: first declare the exchange as oslo.messaging with amqp_durable_queues = False
/// does (skipped on the retry, in case it exists with other arguments).
async fn send(
    channel: &Channel,
    exchange: &str,
    body: &[u8],
    declare: bool,
) -> Result<(), lapin::Error> {
    if declare {
        channel
            .exchange_declare(
                exchange.into(),
                ExchangeKind::Topic,
                ExchangeDeclareOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    let properties = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_content_encoding("utf-8".into())
        .with_delivery_mode(2);
    channel
        .basic_publish(
            exchange.into(),
            ROUTING_KEY.into(),
            BasicPublishOptions::default(),
            body,
            properties,
        )
        .await?
        .await?;
    Ok(())
}
