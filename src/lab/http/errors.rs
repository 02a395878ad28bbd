//! Error bodies in the shapes each OpenStack service uses.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

pub fn json_response(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// Keystone's (and keystonemiddleware's) error body: `{"error": {code, title, message}}`.
pub fn keystone_error(status: StatusCode, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    json_response(
        status,
        json!({"error": {"code": status.as_u16(), "title": title, "message": message}}),
    )
}

pub fn unauthorized() -> Response {
    keystone_error(
        StatusCode::UNAUTHORIZED,
        "The request you have made requires authentication.",
    )
}

/// Nova's fault body, e.g. `{"itemNotFound": {"code": 404, "message": ...}}`.
pub fn nova_fault(status: StatusCode, message: &str) -> Response {
    let kind = match status {
        StatusCode::NOT_FOUND => "itemNotFound",
        StatusCode::BAD_REQUEST => "badRequest",
        StatusCode::FORBIDDEN => "forbidden",
        _ => "computeFault",
    };
    json_response(
        status,
        json!({kind: {"code": status.as_u16(), "message": message}}),
    )
}

/// Neutron's error body: `{"NeutronError": {type, message, detail}}`.
pub fn neutron_error(status: StatusCode, kind: &str, message: &str) -> Response {
    json_response(
        status,
        json!({"NeutronError": {"type": kind, "message": message, "detail": ""}}),
    )
}
