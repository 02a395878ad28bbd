//! A minimal Kubernetes API server (`calipso-lab up --kubernetes`): `GET /api/v1/namespaces`
//! and `GET /api/v1/namespaces/<name>` over HTTPS with bearer-token authentication, in the
//! shapes of Kubernetes 1.14 (`NamespaceList`, `Namespace`, `Status` errors). The namespaces
//! are the cluster's own (`default`, `kube-system`, `kube-public`) plus one per project of the
//! model, named as a DNS label.

use crate::lab::model::Model;
use crate::secret::Secret;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::net::TcpListener;

/// The Kubernetes user written to the environment's `Kubernetes` section.
pub const KUBE_USER: &str = "calipso";

#[derive(Debug, Clone, PartialEq)]
pub struct Namespace {
    pub name: String,
    pub uid: String,
    pub created: String,
}

const SYSTEM: [&str; 3] = ["default", "kube-system", "kube-public"];

fn uid(seed: u64, name: &str) -> String {
    let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d ^ u128::from(seed);
    for b in name.bytes() {
        hash = (hash ^ u128::from(b)).wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B);
    }
    let h = format!("{hash:032x}");
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// A project name as a namespace name (lower case, `-` for anything else, 63 characters).
fn dns_label(name: &str) -> String {
    let label: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    label.trim_matches('-').chars().take(63).collect()
}

pub fn namespaces(model: &Model) -> Vec<Namespace> {
    let seed = model.sizes.seed;
    let mut out: Vec<Namespace> = SYSTEM
        .iter()
        .map(|name| Namespace {
            name: name.to_string(),
            uid: uid(seed, name),
            created: "2018-03-01T09:00:00Z".into(),
        })
        .collect();
    for (i, project) in model.projects.iter().enumerate() {
        let name = dns_label(&project.name);
        if name.is_empty() || out.iter().any(|n| n.name == name) {
            continue;
        }
        out.push(Namespace {
            uid: uid(seed, &name),
            name,
            created: format!("2018-03-02T10:{:02}:00Z", i % 60),
        });
    }
    out
}

fn namespace_json(ns: &Namespace, version: usize) -> Value {
    json!({
        "metadata": {
            "name": ns.name,
            "selfLink": format!("/api/v1/namespaces/{}", ns.name),
            "uid": ns.uid,
            "resourceVersion": version.to_string(),
            "creationTimestamp": ns.created,
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    })
}

struct KubeState {
    namespaces: Vec<Namespace>,
    token: Secret,
}

fn status(code: StatusCode, reason: &str, message: &str, details: Option<Value>) -> Response {
    let mut body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code.as_u16(),
    });
    if let Some(d) = details {
        body["details"] = d;
    }
    (code, Json(body)).into_response()
}

fn authorized(state: &KubeState, headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t.trim() == state.token.expose())
}

fn unauthorized() -> Response {
    status(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        "Unauthorized",
        None,
    )
}

async fn list(State(state): State<Arc<KubeState>>, headers: HeaderMap) -> Response {
    if !authorized(&state, &headers) {
        return unauthorized();
    }
    let items: Vec<Value> = state
        .namespaces
        .iter()
        .enumerate()
        .map(|(i, ns)| namespace_json(ns, 4 + i))
        .collect();
    Json(json!({
        "kind": "NamespaceList",
        "apiVersion": "v1",
        "metadata": {"selfLink": "/api/v1/namespaces", "resourceVersion": "104857"},
        "items": items,
    }))
    .into_response()
}

async fn one(
    State(state): State<Arc<KubeState>>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    if !authorized(&state, &headers) {
        return unauthorized();
    }
    match state.namespaces.iter().position(|n| n.name == name) {
        Some(i) => {
            let mut body = namespace_json(&state.namespaces[i], 4 + i);
            body["kind"] = json!("Namespace");
            body["apiVersion"] = json!("v1");
            Json(body).into_response()
        }
        None => status(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("namespaces \"{name}\" not found"),
            Some(json!({"name": name, "kind": "namespaces"})),
        ),
    }
}

/// A running API server; `shutdown` stops it.
pub type RunningKube = crate::lab::tls::RunningHttps;

/// Serves the API on `tcp` (HTTPS) until `shutdown`.
pub fn serve(
    tcp: TcpListener,
    host: &str,
    model: &Model,
    token: Secret,
) -> anyhow::Result<RunningKube> {
    let state = Arc::new(KubeState {
        namespaces: namespaces(model),
        token,
    });
    let app = Router::new()
        .route("/api/v1/namespaces", get(list))
        .route("/api/v1/namespaces/{name}", get(one))
        .with_state(state);
    Ok(crate::lab::tls::serve_https(tcp, host, app, "Kubernetes")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_dns_labels_and_uids_stable() {
        assert_eq!(dns_label("alt_demo"), "alt-demo");
        assert_eq!(uid(1, "default"), uid(1, "default"));
        assert_ne!(uid(1, "default"), uid(2, "default"));
        assert_eq!(uid(1, "x").len(), 36);
    }
}
