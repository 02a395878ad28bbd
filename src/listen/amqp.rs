//! The broker side (listen.md §1.4–1.5): the AMQP settings of an environment, the topology we
//! declare (topic exchanges, durable queues bound with `#`, a dead-letter exchange and one
//! dead-letter queue per consumed queue), and connecting.

use super::catalog::QueueBinding;
use crate::config::Environment;
use crate::secret::Secret;
use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

/// Where rejected messages go; bound per queue with the queue's name as routing key.
pub const DEAD_LETTER_EXCHANGE: &str = "calipso.dead-letter";

/// The dead-letter queue of a consumed queue.
pub fn dead_letter_queue(queue: &str) -> String {
    format!("{queue}.dead-letter")
}

/// The environment's `AMQP` block.
#[derive(Debug, Clone)]
pub struct AmqpSettings {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub pwd: Secret,
    pub vhost: String,
}

impl AmqpSettings {
    pub fn from_env(env: &Environment) -> Result<AmqpSettings, String> {
        let section = env.section("AMQP").map_err(|e| e.to_string())?;
        let missing = |key: &str| format!("AMQP configuration incomplete: missing {key}");
        let host = section.str("host").ok_or_else(|| missing("host"))?;
        let user = section.str("user").ok_or_else(|| missing("user"))?;
        let pwd = section.secret("pwd").ok_or_else(|| missing("pwd"))?;
        let port = section
            .port("port")
            .map_err(|e| e.to_string())?
            .unwrap_or(5672);
        let vhost = section.str("vhost").unwrap_or_else(|| "/".into());
        Ok(AmqpSettings {
            host,
            port,
            user,
            pwd,
            vhost,
        })
    }

    fn host_for_url(&self) -> String {
        if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }

    /// The connection URI (credentials and vhost percent-encoded; heartbeat 60 s, 5 s timeout).
    fn uri(&self) -> String {
        let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
        format!(
            "amqp://{}:{}@{}:{}/{}?heartbeat=60&connection_timeout=5000",
            enc(&self.user),
            enc(self.pwd.expose()),
            self.host_for_url(),
            self.port,
            enc(&self.vhost)
        )
    }

    /// The URI for logs: password masked.
    pub fn display(&self) -> String {
        format!(
            "amqp://{}:**@{}:{}/{}",
            self.user,
            self.host_for_url(),
            self.port,
            self.vhost
        )
    }
}

pub async fn connect(settings: &AmqpSettings) -> Result<Connection, String> {
    log::info!("Connecting to AMQP {}", settings.display());
    // Named so an operator (or a test) can tell this listener's connection apart.
    let name = format!("calipso-listen-{}", std::process::id());
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    Connection::connect(&settings.uri(), properties)
        .await
        .map_err(|e| {
            format!(
                "cannot connect to the AMQP broker {}:{}: {}",
                settings.host,
                settings.port,
                scrub(settings, &e.to_string())
            )
        })
}

/// Removes the password from a client error, in case it echoes the URI.
pub fn scrub(settings: &AmqpSettings, text: &str) -> String {
    let pwd = settings.pwd.expose();
    if pwd.len() >= 3 {
        text.replace(pwd, "**")
    } else {
        text.to_string()
    }
}

fn is_precondition_failed(e: &lapin::Error) -> bool {
    e.to_string().contains("PRECONDITION_FAILED")
}

/// Declares the whole topology; returns the channel to consume on (a failed declaration closes
/// its channel, so a fresh one is opened after each fallback).
pub async fn declare_topology(
    conn: &Connection,
    bindings: &[QueueBinding],
) -> Result<Channel, String> {
    let err = |what: &str, e: lapin::Error| format!("cannot declare {what}: {e}");
    let mut channel = conn
        .create_channel()
        .await
        .map_err(|e| err("a channel", e))?;
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..Default::default()
    };
    channel
        .exchange_declare(
            DEAD_LETTER_EXCHANGE.into(),
            ExchangeKind::Direct,
            durable,
            FieldTable::default(),
        )
        .await
        .map_err(|e| err(&format!("exchange {DEAD_LETTER_EXCHANGE}"), e))?;
    let mut declared_queues: Vec<&str> = Vec::new();
    for b in bindings {
        channel = declare_exchange(conn, channel, &b.exchange).await?;
        if !declared_queues.contains(&b.queue.as_str()) {
            channel = declare_queue(conn, channel, &b.queue).await?;
            declared_queues.push(&b.queue);
        }
        channel
            .queue_bind(
                b.queue.as_str().into(),
                b.exchange.as_str().into(),
                "#".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(|e| err(&format!("binding {} <- {}", b.queue, b.exchange), e))?;
    }
    Ok(channel)
}

/// Topic exchange, non-durable as OpenStack declares it by default; an existing durable one
/// (`amqp_durable_queues = True`) is re-declared durable.
async fn declare_exchange(
    conn: &Connection,
    channel: Channel,
    name: &str,
) -> Result<Channel, String> {
    let declare = |channel: Channel, durable: bool| async move {
        let options = ExchangeDeclareOptions {
            durable,
            ..Default::default()
        };
        channel
            .exchange_declare(
                name.into(),
                ExchangeKind::Topic,
                options,
                FieldTable::default(),
            )
            .await
            .map(|_| channel)
    };
    match declare(channel, false).await {
        Ok(channel) => Ok(channel),
        Err(e) if is_precondition_failed(&e) => {
            log::error!("exchange {name} exists as durable: declaring it durable");
            let fresh = conn.create_channel().await.map_err(|e| e.to_string())?;
            declare(fresh, true)
                .await
                .map_err(|e| format!("cannot declare exchange {name}: {e}"))
        }
        Err(e) => Err(format!("cannot declare exchange {name}: {e}")),
    }
}

/// Our queue is durable (nothing is lost while the listener is down) and dead-letters rejected
/// messages. A queue that already exists with other arguments is used as it is.
async fn declare_queue(conn: &Connection, channel: Channel, name: &str) -> Result<Channel, String> {
    let dlq = dead_letter_queue(name);
    let durable = QueueDeclareOptions {
        durable: true,
        ..Default::default()
    };
    channel
        .queue_declare(dlq.as_str().into(), durable, FieldTable::default())
        .await
        .map_err(|e| format!("cannot declare queue {dlq}: {e}"))?;
    channel
        .queue_bind(
            dlq.as_str().into(),
            DEAD_LETTER_EXCHANGE.into(),
            name.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(|e| format!("cannot bind queue {dlq}: {e}"))?;
    let mut args = FieldTable::default();
    args.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString(DEAD_LETTER_EXCHANGE.into()),
    );
    args.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(name.into()),
    );
    match channel.queue_declare(name.into(), durable, args).await {
        Ok(_) => Ok(channel),
        Err(e) if is_precondition_failed(&e) => {
            log::error!(
                "queue {name} already exists with other settings: using it as it is (rejected messages are not dead-lettered)"
            );
            let fresh = conn.create_channel().await.map_err(|e| e.to_string())?;
            let passive = QueueDeclareOptions {
                passive: true,
                ..Default::default()
            };
            fresh
                .queue_declare(name.into(), passive, FieldTable::default())
                .await
                .map_err(|e| format!("cannot declare queue {name}: {e}"))?;
            Ok(fresh)
        }
        Err(e) => Err(format!("cannot declare queue {name}: {e}")),
    }
}
