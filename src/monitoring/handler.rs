//! The check-result handler (monitoring.md §7, `calipso monitor`): one Sensu event in, the
//! object's or link's status fields and one `messages` record out.

use super::check_name::{self, dec, Target};
use crate::doc::{json_to_bson, str_field};
use crate::store::{Logical, Store, StoreError};
use bson::{doc, Bson, Document};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Setup(String),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// The parts of a Sensu 1.x event the handler uses.
#[derive(Debug, Clone)]
pub struct CheckEvent {
    pub id: String,
    pub environment: String,
    pub name: String,
    pub status: i64,
    pub output: String,
    pub executed: i64,
    /// The event's `check`, with `id` set to the event id.
    pub check: Value,
}

fn input(text: &str) -> HandlerError {
    HandlerError::Input(text.to_string())
}

impl CheckEvent {
    pub fn parse(text: &str) -> Result<CheckEvent, HandlerError> {
        if text.trim().is_empty() {
            return Err(input("No input provided on stdin"));
        }
        let event: Value = serde_json::from_str(text)
            .map_err(|e| HandlerError::Input(format!("check result is not valid JSON: {e}")))?;
        let environment = event["client"]["environment"]
            .as_str()
            .ok_or_else(|| input("Check client should contain environment name"))?;
        let id = match &event["id"] {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        let mut check = event["check"].clone();
        if !check.is_object() {
            return Err(input("check result has no check object"));
        }
        check["id"] = Value::String(id.clone());
        Ok(CheckEvent {
            name: check["name"]
                .as_str()
                .ok_or_else(|| input("check result has no check name"))?
                .to_string(),
            status: check["status"].as_i64().unwrap_or(0),
            output: check["output"].as_str().unwrap_or("").to_string(),
            executed: check["executed"].as_i64().unwrap_or(0),
            environment: environment.to_string(),
            id,
            check,
        })
    }

    fn timestamp(&self) -> String {
        chrono::DateTime::from_timestamp(self.executed, 0)
            .unwrap_or_default()
            .format("%Y-%m-%d %H:%M:%S GMT")
            .to_string()
    }

    fn level(&self) -> &'static str {
        match self.status {
            0 => "info",
            1 => "warn",
            _ => "error",
        }
    }
}

/// Status labels: the `monitoring_check_statuses` constants, else OK / Warning / Error.
async fn status_label(store: &Store, status: i64) -> Result<String, StoreError> {
    let labels = store
        .constant_values("monitoring_check_statuses")
        .await?
        .unwrap_or_else(|| {
            [("0", "OK"), ("1", "Warning"), ("2", "Error")]
                .iter()
                .map(|(v, l)| (v.to_string(), l.to_string()))
                .collect()
        });
    Ok(labels
        .into_iter()
        .find(|(v, _)| *v == status.to_string())
        .map(|(_, l)| l)
        .unwrap_or_default())
}

async fn type_list(store: &Store, name: &str, what: &str) -> Result<Vec<String>, HandlerError> {
    let values = store
        .constant_values(name)
        .await?
        .ok_or_else(|| HandlerError::Input(format!("Unable to fetch {what}")))?;
    Ok(values.into_iter().map(|(v, _)| v).collect())
}

/// Applies one event. Misses (no such object, port or link) are logged, not errors.
pub async fn handle(store: &Store, event: &CheckEvent) -> Result<(), HandlerError> {
    let object_types = type_list(store, "object_types", "object types").await?;
    let link_types = type_list(store, "link_types", "link types").await?;
    let target =
        check_name::parse(&event.name, &object_types, &link_types).map_err(HandlerError::Input)?;
    let label = status_label(store, event.status).await?;
    let mut status = doc! {
        "status": &label,
        "status_value": event.status,
        "status_timestamp": event.timestamp(),
    };
    if !event.output.is_empty() {
        status.insert("status_text", &event.output);
    }
    let env = event.environment.as_str();
    let (related, related_type, display) = match target {
        Target::Object { object_type, id } => {
            let Some((id, display)) = update_object(store, env, &object_type, &id, &status).await?
            else {
                return Ok(());
            };
            if object_type == "vedge" || object_type == "host_pnic" {
                link_interdependency(store, env, &object_type, &id).await?;
            }
            (id.clone(), object_type, display.unwrap_or(id))
        }
        Target::Link {
            link_type,
            source_id,
            target_id,
        } => {
            let filter = doc! {"environment": env, "link_type": &link_type,
            "source_id": &source_id, "target_id": &target_id};
            let Some(link) = store.find_link(filter).await? else {
                log::warn!("No matching object found with ID: {source_id}-{target_id}");
                return Ok(());
            };
            let id = link.get("_id").cloned().unwrap_or(Bson::Null);
            store.set_link_fields(&id, status.clone()).await?;
            let related = format!("link_{source_id}_{target_id}");
            (related.clone(), format!("link_{link_type}"), related)
        }
    };
    let message = doc! {
        "id": &event.id,
        "environment": env,
        "source_system": "Sensu",
        "related_object": related,
        "related_object_type": related_type,
        "display_context": display,
        "level": event.level(),
        "message": json_to_bson(&event.check),
        "timestamp": bson::DateTime::from_millis(event.executed.saturating_mul(1000)),
        "received_timestamp": Bson::Null,
        "finished_timestamp": Bson::Null,
        "viewed": false,
    };
    store.insert(Logical::Messages, message).await?;
    Ok(())
}

/// Sets the status on the object (an OTEP: on its port, then the aggregate). Returns the
/// decoded id and, for ports, the network as display context; `None` when nothing matched.
async fn update_object(
    store: &Store,
    env: &str,
    object_type: &str,
    id: &str,
    status: &Document,
) -> Result<Option<(String, Option<String>)>, HandlerError> {
    let (id, port) = match object_type {
        "otep" => match id.split_once('_') {
            Some((otep, port)) => (dec(otep), Some(port.to_string())),
            None => (dec(id), None),
        },
        _ => (check_name::object_id(object_type, id), None),
    };
    let Some(mut object) = store.get_by_id(env, &id).await? else {
        log::warn!("No matching object found with ID: {id}");
        return Ok(None);
    };
    match port {
        Some(port) => {
            let Ok(ports) = object.get_document_mut("ports") else {
                log::error!("Port not found: {port}");
                return Ok(None);
            };
            let Some(Bson::Document(entry)) = ports.get_mut(&port) else {
                log::error!("Port not found: {port}");
                return Ok(None);
            };
            entry.extend(status.clone());
            let (value, label) = otep_aggregate(ports);
            object.insert("status_value", value);
            object.insert("status", label);
            object.insert(
                "status_timestamp",
                status
                    .get("status_timestamp")
                    .cloned()
                    .unwrap_or(Bson::Null),
            );
        }
        None => object.extend(status.clone()),
    }
    let display = (object_type == "port")
        .then(|| str_field(&object, "network_id").map(String::from))
        .flatten();
    store.upsert_object(&mut object).await?;
    Ok(Some((id, display)))
}

/// 2 when no port is OK, 1 when some port is not OK (fix: any non-OK status), else 0.
fn otep_aggregate(ports: &Document) -> (i32, &'static str) {
    let statuses: Vec<&str> = ports
        .values()
        .filter_map(Bson::as_document)
        .filter_map(|p| str_field(p, "status"))
        .collect();
    if !statuses.contains(&"OK") {
        (2, "Error")
    } else if statuses.iter().any(|s| *s != "OK") {
        (1, "Warning")
    } else {
        (0, "OK")
    }
}

/// OVS only: the `vedge-host_pnic` link between a vEdge and a pNIC gets OK when both ends
/// are OK, else Warning, once both have a status.
async fn link_interdependency(
    store: &Store,
    env: &str,
    object_type: &str,
    id: &str,
) -> Result<(), HandlerError> {
    let environment = store.load_environment(env).await.ok();
    let ovs = environment.is_some_and(|e| e.mechanism_drivers().iter().any(|d| d == "OVS"));
    if !ovs {
        return Ok(());
    }
    let end = if object_type == "vedge" {
        "source_id"
    } else {
        "target_id"
    };
    let filter = doc! {"environment": env, "link_type": "vedge-host_pnic", end: id};
    let Some(link) = store.find_link(filter).await? else {
        log::error!("check_link_interdependency: failed to find link for {object_type} {id}");
        return Ok(());
    };
    let mut ends = Vec::new();
    for key in ["source_id", "target_id"] {
        let other = str_field(&link, key).unwrap_or("");
        match store.get_by_id(env, other).await? {
            Some(o) => ends.push(o),
            None => {
                log::error!("check_link_interdependency: failed to find object {other}");
                return Ok(());
            }
        }
    }
    let statuses: Vec<(&str, &str)> = ends
        .iter()
        .filter_map(|o| {
            Some((
                str_field(o, "status")?,
                str_field(o, "status_timestamp").unwrap_or(""),
            ))
        })
        .collect();
    if statuses.len() < 2 {
        return Ok(());
    }
    let label = if statuses.iter().all(|(s, _)| *s == "OK") {
        "OK"
    } else {
        "Warning"
    };
    let latest = statuses.iter().map(|(_, t)| *t).max().unwrap_or("");
    let link_id = link.get("_id").cloned().unwrap_or(Bson::Null);
    store
        .set_link_fields(&link_id, doc! {"status": label, "status_timestamp": latest})
        .await?;
    Ok(())
}
