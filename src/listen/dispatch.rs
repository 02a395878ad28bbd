//! One delivery, start to decision (listen.md §3), in steps so that the consumer can batch and
//! overlap the middle ones: `prepare` (unwrap, find the handler), `run` (the handler, `&self`,
//! so independent jobs may run together), `record` (insert the `messages` documents of several
//! handled deliveries at once) and `conclude` (retry bookkeeping and the answer to the broker).
//! Nothing here talks AMQP.

use super::catalog::{EventCatalog, HandlerKind};
use super::envelope::{self, Envelope, Notification};
use super::handlers::{self, HandlerCtx, Outcome};
use super::refresh::{GraphRefresh, PendingGraph, Rescan};
use crate::doc::json_to_bson;
use crate::store::{keys, Logical, Store};
use bson::{doc, Bson, Document};
use futures::FutureExt;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// How many times one message may find MongoDB down before it is dead-lettered.
pub const STORE_RETRY_LIMIT: u32 = 30;

/// The answer to the broker for one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Ack,
    /// Rejected without requeue: goes to our dead-letter queue.
    Reject,
    /// Rejected with requeue: a bounded retry of a handler that could not finish yet.
    Requeue,
    /// MongoDB failed: requeue, and pause consuming (`attempt` drives the back-off).
    StoreDown {
        attempt: u32,
    },
}

/// A delivery after its handler ran, before its `messages` record is written.
pub struct Handled {
    outcome: Outcome,
    key: String,
    message_id: Option<String>,
    event_type: String,
    record: Document,
}

/// What `prepare` made of a delivery.
pub enum Prepared {
    /// Answered without a handler run (malformed, not a notification, unhandled type).
    Decided(Decision),
    Job(Job),
}

/// A notification with its handler, ready to run.
pub struct Job {
    kind: HandlerKind,
    n: Notification,
    key: String,
    message_id: Option<String>,
    event_type: String,
    received: bson::DateTime,
    /// Set when the handler changes only this object's documents (see
    /// `handlers::independent_object`): such jobs on different objects may run together.
    pub object: Option<String>,
}

/// What `run` made of a job.
pub enum Ran {
    Handled(Handled),
    /// MongoDB failed during the handler: the event is retried later.
    StoreDown {
        key: String,
        event_type: String,
        id_text: String,
        detail: String,
    },
}

pub struct Dispatcher {
    pub catalog: EventCatalog,
    pub store: Store,
    pub env: String,
    pub rescan: Box<dyn Rescan>,
    pub graph: Box<dyn GraphRefresh>,
    pending_graph: PendingGraph,
    pub retry_limit: u32,
    pub consume_all: bool,
    retries: HashMap<String, u32>,
    store_failures: HashMap<String, u32>,
    ignored_types: HashSet<String>,
}

impl Dispatcher {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        catalog: EventCatalog,
        store: Store,
        env: String,
        rescan: Box<dyn Rescan>,
        graph: Box<dyn GraphRefresh>,
        retry_limit: u32,
        consume_all: bool,
    ) -> Self {
        Dispatcher {
            catalog,
            store,
            env,
            rescan,
            graph,
            pending_graph: PendingGraph::default(),
            retry_limit,
            consume_all,
            retries: HashMap::new(),
            store_failures: HashMap::new(),
            ignored_types: HashSet::new(),
        }
    }

    /// The links and cliques phases the batch's handlers asked for (`PendingGraph`).
    pub async fn refresh_graph(&self) {
        self.pending_graph.run(self.graph.as_ref()).await;
    }

    /// Inserts the `messages` records of handled deliveries in one write, stamped finished now:
    /// after the batch's graph refresh, which is part of their handling.
    pub async fn record(&self, handled: &mut [&mut Handled]) -> Result<(), String> {
        if handled.is_empty() {
            return Ok(());
        }
        let finished = bson::DateTime::now();
        for h in handled.iter_mut() {
            h.record.insert("finished_timestamp", finished);
        }
        self.store
            .collection(Logical::Messages)
            .insert_many(handled.iter().map(|h| &h.record))
            .await
            .map(|_| ())
            .map_err(|e| e.to_string().lines().next().unwrap_or_default().to_string())
    }

    /// Unwraps one delivery and finds its handler; nothing is written yet.
    pub fn prepare(&mut self, body: &[u8]) -> Prepared {
        let received = bson::DateTime::now();
        let n = match envelope::unwrap(body) {
            Envelope::Malformed(reason) => {
                log::error!("Malformed message: {reason}");
                return Prepared::Decided(Decision::Reject);
            }
            Envelope::NotANotification => {
                log::debug!("message without event_type (not a notification) acknowledged");
                return Prepared::Decided(self.unhandled());
            }
            Envelope::Notification(n) => n,
        };
        let event_type = n.event_type().to_string();
        let message_id = n.message_id().map(String::from);
        let Some(kind) = self.catalog.handler(&event_type) else {
            if self.ignored_types.insert(event_type.clone()) {
                log::warn!(
                    "Ignoring event type '{event_type}' (no handler), message_id: {}; message {}",
                    message_id.as_deref().unwrap_or("(none)"),
                    if self.consume_all {
                        "rejected"
                    } else {
                        "acknowledged"
                    }
                );
            }
            return Prepared::Decided(self.unhandled());
        };
        // Retry bookkeeping is per message id; a body hash stands in when there is none.
        let key = message_id
            .clone()
            .unwrap_or_else(|| format!("body:{:x}", body_hash(body)));
        Prepared::Job(Job {
            object: handlers::independent_object(kind, &n),
            kind,
            n,
            key,
            message_id,
            event_type,
            received,
        })
    }

    /// Runs a prepared job's handler; its `messages` record is written by `record`. Takes
    /// `&self` so that independent jobs can run at the same time.
    pub async fn run(&self, job: Job) -> Ran {
        let Job {
            kind,
            n,
            key,
            message_id,
            event_type,
            received,
            ..
        } = job;
        let id_text = message_id.as_deref().unwrap_or("(none)");
        log::info!("Got notification. Event_type: {event_type}, message_id: {id_text}");
        log::debug!("Notification: {}", Value::Object(n.body.clone()));
        let ctx = HandlerCtx {
            store: &self.store,
            env: &self.env,
            rescan: self.rescan.as_ref(),
            graph: &self.pending_graph,
        };
        // A bug in a handler must not end the listener: the event is dropped instead.
        let run = std::panic::AssertUnwindSafe(handlers::handle(kind, &ctx, &n)).catch_unwind();
        let outcome = match run.await {
            Err(_) => {
                log::error!("handler for {event_type} (message_id {id_text}) failed unexpectedly; event dropped");
                Outcome::Drop("handler failure".into())
            }
            Ok(Ok(outcome)) => outcome,
            Ok(Err(down)) => {
                return Ran::StoreDown {
                    key,
                    event_type,
                    id_text: id_text.to_string(),
                    detail: down.0,
                }
            }
        };
        let record = message_document(&self.env, &n, &outcome, received);
        Ran::Handled(Handled {
            outcome,
            key,
            message_id,
            event_type,
            record,
        })
    }

    /// The answer for a handled delivery, once its record was written (or failed to be).
    pub fn conclude(&mut self, h: Handled, record_error: Option<&String>) -> Decision {
        let id_text = h.message_id.as_deref().unwrap_or("(none)").to_string();
        if let Some(e) = record_error {
            return self.store_down(&h.key, &h.event_type, &id_text, e);
        }
        let (key, event_type) = (h.key, h.event_type);
        self.store_failures.remove(&key);
        match h.outcome {
            Outcome::Done { .. } => {
                self.retries.remove(&key);
                Decision::Ack
            }
            Outcome::Drop(reason) => {
                self.retries.remove(&key);
                log::warn!("event {event_type} (message_id {id_text}) dropped: {reason}");
                Decision::Reject
            }
            Outcome::Retry(_) if h.message_id.is_none() => Decision::Reject,
            Outcome::Retry(_) => {
                let count = self.retries.entry(key.clone()).or_insert(0);
                *count += 1;
                if *count <= self.retry_limit {
                    log::info!("Retrying handling message with id '{id_text}'");
                    Decision::Requeue
                } else {
                    self.retries.remove(&key);
                    log::warn!(
                        "Discarding message with id '{id_text}' as it's exceeded the retry limit"
                    );
                    Decision::Reject
                }
            }
        }
    }

    fn unhandled(&self) -> Decision {
        if self.consume_all {
            Decision::Reject
        } else {
            Decision::Ack
        }
    }

    /// The answer for a job whose handler found MongoDB down (`Ran::StoreDown`).
    pub fn store_down(
        &mut self,
        key: &str,
        event_type: &str,
        id_text: &str,
        detail: &str,
    ) -> Decision {
        let attempt = {
            let count = self.store_failures.entry(key.to_string()).or_insert(0);
            *count += 1;
            *count
        };
        if attempt > STORE_RETRY_LIMIT {
            self.store_failures.remove(key);
            log::error!(
                "event {event_type} (message_id {id_text}): MongoDB failed {STORE_RETRY_LIMIT} times, message dead-lettered: {detail}"
            );
            return Decision::Reject;
        }
        log::error!(
            "event {event_type} (message_id {id_text}): MongoDB unavailable, will retry: {detail}"
        );
        Decision::StoreDown { attempt }
    }
}

fn body_hash(body: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    h.finish()
}

/// The `messages` record of one dispatched notification (listen.md §3.4).
pub fn message_document(
    env: &str,
    n: &Notification,
    outcome: &Outcome,
    received: bson::DateTime,
) -> Document {
    let (related, display) = match outcome {
        Outcome::Done { related, display } => (related.clone(), display.clone()),
        _ => (None, None),
    };
    let opt = |v: Option<String>| v.map_or(Bson::Null, Bson::String);
    let level = match n.str("priority").map(str::to_ascii_lowercase).as_deref() {
        Some(l @ ("info" | "warn" | "error")) => l.to_string(),
        _ => "info".to_string(),
    };
    let mut body = n.body.clone();
    if body.contains_key("_context_auth_token") {
        body.insert("_context_auth_token".into(), Value::String("***".into()));
    }
    let message = keys::encode(
        json_to_bson(&Value::Object(body))
            .as_document()
            .unwrap_or(&Document::new()),
    );
    let timestamp = n
        .str("timestamp")
        .map(|t| Bson::String(t.to_string()))
        .unwrap_or(Bson::DateTime(received));
    doc! {
        "id": opt(n.message_id().map(String::from)),
        "environment": env,
        "source_system": "OpenStack",
        "related_object": opt(related),
        "related_object_type": Bson::Null,
        "display_context": opt(display),
        "level": level,
        "message": message,
        "timestamp": timestamp,
        "received_timestamp": received,
        // Stamped again when the record is written (`record`).
        "finished_timestamp": bson::DateTime::now(),
        "viewed": false,
        "origin_type": "event based scan",
        "origin_id": Bson::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_document_hides_the_token_and_encodes_keys() {
        let Envelope::Notification(n) = envelope::unwrap(
            br#"{"event_type": "port.update.end", "message_id": "m", "priority": "WARNING",
                 "_context_auth_token": "secret-token", "payload": {"metadata": {"a.b": 1, "$c": 2}}}"#,
        ) else {
            panic!()
        };
        let d = message_document(
            "E",
            &n,
            &Outcome::Done {
                related: Some("p".into()),
                display: Some("net".into()),
            },
            bson::DateTime::now(),
        );
        assert_eq!(d.get_str("level").unwrap(), "info");
        assert_eq!(d.get_str("related_object").unwrap(), "p");
        let message = d.get_document("message").unwrap();
        assert_eq!(message.get_str("_context_auth_token").unwrap(), "***");
        let meta = message
            .get_document("payload")
            .unwrap()
            .get_document("metadata")
            .unwrap();
        assert!(meta.contains_key("a[dot]b"), "{meta}");
        assert!(!format!("{d}").contains("secret-token"));
    }
}
