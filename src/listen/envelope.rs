//! Unwrapping a delivered body into an OpenStack notification (listen.md §3.1).

use serde_json::{Map, Value};

/// What a body turned out to be.
#[derive(Debug, PartialEq)]
pub enum Envelope {
    /// A notification: the oslo v1 body itself or the parsed `oslo.message` of a v2 body.
    Notification(Notification),
    /// JSON without `event_type` (oslo RPC traffic on the same exchanges).
    NotANotification,
    /// Not something we can read at all; the reason names what is wrong.
    Malformed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub body: Map<String, Value>,
}

impl Notification {
    pub fn event_type(&self) -> &str {
        self.str("event_type").unwrap_or_default()
    }

    pub fn message_id(&self) -> Option<&str> {
        self.str("message_id")
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.body.get(key).and_then(Value::as_str)
    }

    pub fn payload(&self) -> &Value {
        static NULL: Value = Value::Null;
        self.body.get("payload").unwrap_or(&NULL)
    }

    /// `publisher_id` without its first `network.` (Neutron's `network.<host>`).
    pub fn publisher_host(&self) -> Option<String> {
        self.str("publisher_id")
            .map(|p| p.replacen("network.", "", 1))
    }
}

pub fn unwrap(body: &[u8]) -> Envelope {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return Envelope::Malformed(format!("body is not JSON: {e}")),
    };
    let Value::Object(outer) = value else {
        return Envelope::Malformed("body is not a JSON object".into());
    };
    if outer.contains_key("event_type") {
        return Envelope::Notification(Notification { body: outer });
    }
    match outer.get("oslo.message") {
        Some(Value::String(inner)) if inner.contains("event_type") => {
            match serde_json::from_str::<Value>(inner) {
                Ok(Value::Object(body)) if body.contains_key("event_type") => {
                    Envelope::Notification(Notification { body })
                }
                Ok(Value::Object(_)) => {
                    Envelope::Malformed("oslo.message has no event_type".into())
                }
                Ok(_) => Envelope::Malformed("oslo.message is not a JSON object".into()),
                Err(e) => Envelope::Malformed(format!("oslo.message is not JSON: {e}")),
            }
        }
        _ => Envelope::NotANotification,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes() {
        let v2 = serde_json::json!({"oslo.version": "2.0", "oslo.message":
            "{\"message_id\": \"m1\", \"event_type\": \"network.create.end\", \"publisher_id\": \"network.node-6\", \"payload\": {}}"})
        .to_string();
        let Envelope::Notification(n) = unwrap(v2.as_bytes()) else {
            panic!()
        };
        assert_eq!(n.event_type(), "network.create.end");
        assert_eq!(n.message_id(), Some("m1"));
        assert_eq!(n.publisher_host().as_deref(), Some("node-6"));
        let v1 = br#"{"event_type": "port.delete.end", "payload": {"port_id": "p"}}"#;
        assert!(matches!(unwrap(v1), Envelope::Notification(_)));
        assert_eq!(
            unwrap(br#"{"method": "sync_state", "args": {}}"#),
            Envelope::NotANotification
        );
        for bad in [
            &b"not json"[..],
            b"[1,2]",
            b"\"text\"",
            br#"{"oslo.message": "not json event_type"}"#,
            br#"{"oslo.message": "{\"x_event_type\": 1}"}"#,
        ] {
            assert!(
                matches!(unwrap(bad), Envelope::Malformed(_)),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
