//! KubeFetchNamespaces (fetchers.md §3.18): the namespaces of a Kubernetes environment
//! (`GET /api/v1/namespaces`): `name`, `status` (phase), `creation_timestamp` (a date, as the
//! Kubernetes client parses it), `self_link`, `uid`, and `id` = uid.

use super::{FetchError, Fetcher, ScanContext};
use crate::doc::Object;
use async_trait::async_trait;
use bson::{doc, Bson};
use serde_json::Value;

pub struct KubeFetchNamespaces;

pub fn create(name: &str) -> Option<Box<dyn Fetcher>> {
    match name {
        "KubeFetchNamespaces" => Some(Box::new(KubeFetchNamespaces)),
        _ => None,
    }
}

fn text_or_null(value: &Value) -> Bson {
    value
        .as_str()
        .map_or(Bson::Null, |s| Bson::String(s.into()))
}

/// An RFC 3339 time as a date; other text kept as it is; absent → null.
fn timestamp(value: &Value) -> Bson {
    match value.as_str() {
        Some(text) => match chrono::DateTime::parse_from_rfc3339(text) {
            Ok(t) => Bson::DateTime(bson::DateTime::from_millis(t.timestamp_millis())),
            Err(_) => Bson::String(text.into()),
        },
        None => Bson::Null,
    }
}

/// The namespaces of a `NamespaceList`; an answer without `items` is an error naming it.
pub fn namespaces(list: &Value) -> Result<Vec<Object>, FetchError> {
    let items = list["items"].as_array().ok_or_else(|| {
        FetchError::Data("Kubernetes /api/v1/namespaces: the answer has no items list".into())
    })?;
    Ok(items
        .iter()
        .map(|ns| {
            let meta = &ns["metadata"];
            let uid = text_or_null(&meta["uid"]);
            doc! {
                "name": text_or_null(&meta["name"]),
                "status": text_or_null(&ns["status"]["phase"]),
                "creation_timestamp": timestamp(&meta["creationTimestamp"]),
                "self_link": text_or_null(&meta["selfLink"]),
                "uid": uid.clone(),
                "id": uid,
            }
        })
        .collect())
}

#[async_trait]
impl Fetcher for KubeFetchNamespaces {
    async fn get(&self, _parent_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let list = ctx.kube().await?.get("/api/v1/namespaces").await?;
        namespaces(&list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn namespace_fields() {
        let list = json!({"kind": "NamespaceList", "items": [{
            "metadata": {"name": "default", "uid": "u-1", "selfLink": "/api/v1/namespaces/default",
                         "creationTimestamp": "2018-03-01T09:00:00Z"},
            "status": {"phase": "Active"}
        }, {"metadata": {"name": "x"}}]});
        let found = namespaces(&list).unwrap();
        assert_eq!(found[0].get_str("id").unwrap(), "u-1");
        assert_eq!(found[0].get_str("status").unwrap(), "Active");
        assert!(matches!(
            found[0].get("creation_timestamp"),
            Some(Bson::DateTime(_))
        ));
        assert_eq!(found[1].get("id"), Some(&Bson::Null));
        assert!(namespaces(&json!({"kind": "Status"})).is_err());
    }
}
