//! The event metadata (`events.json`, listen.md §1.3): which event types have a handler and
//! which (queue, exchange) bindings the consumer declares.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The opnfv `events.json`, used when `<app_path>/config/events.json` does not exist.
const EMBEDDED_EVENTS: &str = include_str!("events.json");

/// The 14 handler classes of the original, as a static registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerKind {
    InstanceAdd,
    InstanceUpdate,
    InstanceDelete,
    NetworkAdd,
    NetworkUpdate,
    NetworkDelete,
    SubnetAdd,
    SubnetUpdate,
    SubnetDelete,
    PortAdd,
    PortUpdate,
    PortDelete,
    RouterAdd,
    RouterUpdate,
    RouterDelete,
    InterfaceAdd,
    InterfaceDelete,
}

impl HandlerKind {
    fn from_class(name: &str) -> Option<HandlerKind> {
        use HandlerKind::*;
        Some(match name {
            "EventInstanceAdd" => InstanceAdd,
            "EventInstanceUpdate" => InstanceUpdate,
            "EventInstanceDelete" => InstanceDelete,
            "EventNetworkAdd" => NetworkAdd,
            "EventNetworkUpdate" => NetworkUpdate,
            "EventNetworkDelete" => NetworkDelete,
            "EventSubnetAdd" => SubnetAdd,
            "EventSubnetUpdate" => SubnetUpdate,
            "EventSubnetDelete" => SubnetDelete,
            "EventPortAdd" => PortAdd,
            "EventPortUpdate" => PortUpdate,
            "EventPortDelete" => PortDelete,
            "EventRouterAdd" => RouterAdd,
            "EventRouterUpdate" => RouterUpdate,
            "EventRouterDelete" => RouterDelete,
            "EventInterfaceAdd" => InterfaceAdd,
            "EventInterfaceDelete" => InterfaceDelete,
            _ => return None,
        })
    }
}

/// One binding the consumer declares: `queue` ← `exchange` (topic, routing key `#`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueBinding {
    pub queue: String,
    pub exchange: String,
}

#[derive(Debug, Clone, Default)]
pub struct EventCatalog {
    pub handlers: BTreeMap<String, HandlerKind>,
    pub queues: Vec<QueueBinding>,
}

impl EventCatalog {
    /// The common file of `app_path` (or the embedded default), then `extra` merged over it.
    pub fn load(app_path: &str, extra: Option<&Path>) -> Result<EventCatalog, String> {
        let common = Path::new(app_path).join("config").join("events.json");
        let mut catalog = if common.is_file() {
            log::info!("Using event metadata file {}", common.display());
            Self::from_file(&common)?
        } else {
            log::info!(
                "No event metadata file {}: using the built-in events.json",
                common.display()
            );
            Self::parse(EMBEDDED_EVENTS)?
        };
        if let Some(path) = extra {
            let more = Self::from_file(path)?;
            for (event_type, kind) in more.handlers {
                if catalog.handlers.insert(event_type.clone(), kind).is_some() {
                    log::warn!(
                        "A handler is already registered for event type '{event_type}'. Overwriting"
                    );
                }
            }
            catalog.queues.extend(more.queues);
        }
        Ok(catalog)
    }

    pub fn from_file(path: &Path) -> Result<EventCatalog, String> {
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            return Err(format!(
                "event metadata file {}: the file name must end in .json",
                path.display()
            ));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("event metadata file {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("event metadata file {}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<EventCatalog, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
        let Value::Object(map) = value else {
            return Err("metadata needs to be a valid dict".into());
        };
        if !map.contains_key("handlers_package") || !map.contains_key("event_handlers") {
            return Err("Metadata json should contain all the following fields: handlers_package, event_handlers".into());
        }
        let mut errors = Vec::new();
        match map.get("handlers_package") {
            Some(Value::String(s)) if !s.is_empty() => {}
            other => errors.push(format!(
                "Handlers package '{}' is invalid",
                other.map(Value::to_string).unwrap_or_default()
            )),
        }
        let mut handlers = BTreeMap::new();
        match map.get("event_handlers") {
            Some(Value::Object(h)) if !h.is_empty() => {
                for (event_type, class) in h {
                    let class = class.as_str().unwrap_or_default();
                    match HandlerKind::from_class(class) {
                        Some(kind) => {
                            handlers.insert(event_type.clone(), kind);
                        }
                        None => {
                            return Err(format!(
                                "unknown event handler {class} for event type {event_type}"
                            ))
                        }
                    }
                }
            }
            _ => errors.push(
                "Event handlers attribute is invalid or empty(should be a non-empty dict)".into(),
            ),
        }
        let mut queues = Vec::new();
        if let Some(Value::Array(items)) = map.get("queues") {
            for item in items {
                let field = |k: &str| item.get(k).and_then(Value::as_str).map(String::from);
                match (field("queue"), field("exchange")) {
                    (Some(queue), Some(exchange)) => queues.push(QueueBinding { queue, exchange }),
                    _ => {
                        errors.push("Queues variable has invalid format".into());
                        break;
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(format!(
                "Errors encountered during metadata file parsing:\n{}",
                errors.join("\n")
            ));
        }
        Ok(EventCatalog { handlers, queues })
    }

    pub fn handler(&self, event_type: &str) -> Option<HandlerKind> {
        self.handlers.get(event_type).copied()
    }

    /// Distinct queue names, in first-seen order (each consumed once).
    pub fn queue_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for q in &self.queues {
            if !names.contains(&q.queue) {
                names.push(q.queue.clone());
            }
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_has_every_handler_and_binding() {
        let c = EventCatalog::parse(EMBEDDED_EVENTS).unwrap();
        assert_eq!(c.handlers.len(), 31);
        assert_eq!(c.handler("port.delete.end"), Some(HandlerKind::PortDelete));
        assert_eq!(c.queues.len(), 4);
        assert_eq!(
            c.queue_names(),
            vec![
                "notifications.nova",
                "notifications.neutron",
                "notifications.info"
            ]
        );
    }

    #[test]
    fn invalid_metadata_is_reported() {
        for (text, expected) in [
            ("[]", "metadata needs to be a valid dict"),
            ("{\"queues\": []}", "should contain all the following fields"),
            (
                "{\"handlers_package\": \"\", \"event_handlers\": {}}",
                "Handlers package '\"\"' is invalid\nEvent handlers attribute is invalid",
            ),
            (
                "{\"handlers_package\": \"p\", \"event_handlers\": {\"a\": \"Nope\"}}",
                "unknown event handler Nope for event type a",
            ),
            (
                "{\"handlers_package\": \"p\", \"event_handlers\": {\"a\": \"EventPortAdd\"}, \"queues\": [{\"queue\": \"q\"}]}",
                "Queues variable has invalid format",
            ),
        ] {
            let err = EventCatalog::parse(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn extra_metadata_file_is_merged_over_the_common_one() {
        let dir = tempfile::tempdir().unwrap();
        let extra = dir.path().join("extra.json");
        std::fs::write(
            &extra,
            r#"{"handlers_package": "x", "event_handlers": {"port.update.end": "EventPortAdd",
                "floatingip.create.end": "EventPortUpdate"},
                "queues": [{"queue": "mine", "exchange": "neutron", "extra": 1}]}"#,
        )
        .unwrap();
        // No `config/events.json` under this app_path: the built-in one is the base.
        let c = EventCatalog::load(dir.path().to_str().unwrap(), Some(&extra)).unwrap();
        assert_eq!(c.handler("port.update.end"), Some(HandlerKind::PortAdd));
        assert_eq!(
            c.handler("floatingip.create.end"),
            Some(HandlerKind::PortUpdate)
        );
        assert_eq!(
            c.handler("network.create.end"),
            Some(HandlerKind::NetworkAdd)
        );
        assert_eq!(c.queues.len(), 5);
        assert_eq!(c.queue_names().last().map(String::as_str), Some("mine"));
        let wrong = dir.path().join("extra.txt");
        std::fs::write(&wrong, "{}").unwrap();
        assert!(EventCatalog::load("/nonexistent", Some(&wrong))
            .unwrap_err()
            .contains("must end in .json"));
    }
}
