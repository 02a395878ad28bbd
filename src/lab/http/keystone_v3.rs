//! Keystone v3 password authentication: `POST /v3/auth/tokens`, the token id in the
//! `X-Subject-Token` header, the catalog in `token.catalog`.

use super::catalog::{audit_id, role_id, services, user_id};
use super::errors::keystone_error;
use super::state::ApiState;
use crate::lab::model::Project;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value};
use std::sync::Arc;

const TIME: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

fn unauthorized() -> Response {
    keystone_error(
        StatusCode::UNAUTHORIZED,
        "The request you have made requires authentication.",
    )
}

/// The domain named or identified in a `{"domain": {"id"|"name"}}` member; Keystone's only
/// domain here is `default` / `Default`.
fn is_default_domain(holder: &Value) -> bool {
    let domain = &holder["domain"];
    domain.is_null() || domain["id"] == "default" || domain["name"] == "Default"
}

pub async fn issue(State(state): State<Arc<ApiState>>, body: Option<Json<Value>>) -> Response {
    let Some(Json(body)) = body else {
        return keystone_error(
            StatusCode::BAD_REQUEST,
            "Expecting to find auth in request body.",
        );
    };
    let identity = &body["auth"]["identity"];
    let methods_ok = identity["methods"]
        .as_array()
        .is_some_and(|m| m.iter().any(|x| x == "password"));
    let user = &identity["password"]["user"];
    if !methods_ok || !user.is_object() {
        return keystone_error(
            StatusCode::BAD_REQUEST,
            "Expecting to find identity in auth.",
        );
    }
    let name_ok =
        user["name"] == state.admin_user.as_str() || user["id"] == user_id(&state).as_str();
    let password_ok = user["password"] == state.admin_password.expose();
    if !name_ok || !password_ok || !is_default_domain(user) {
        return unauthorized();
    }
    let scope = &body["auth"]["scope"]["project"];
    let model = state.model();
    let project = if scope.is_null() {
        None
    } else {
        let found = match (scope["id"].as_str(), scope["name"].as_str()) {
            (Some(id), _) => model.project(id),
            (None, Some(name)) if is_default_domain(scope) => model.project_by_name(name),
            _ => None,
        };
        match found {
            Some(p) => Some(p),
            None => return unauthorized(),
        }
    };
    let (id, issued) = state.issue_token(project.map(|p| p.id.as_str()).unwrap_or(""));
    let domain = json!({"id": "default", "name": "Default"});
    let mut token = json!({
        "methods": ["password"],
        "user": {"domain": domain, "id": user_id(&state), "name": state.admin_user, "password_expires_at": null},
        "audit_ids": [audit_id()],
        "expires_at": issued.expires.format(TIME).to_string(),
        "issued_at": Utc::now().format(TIME).to_string(),
    });
    if let Some(project) = project {
        token["project"] = project_ref(project);
        token["is_domain"] = json!(false);
        token["roles"] = json!([{"id": role_id(&state), "name": "admin"}]);
        token["catalog"] = catalog(&state, &project.id);
    }
    let mut response = (StatusCode::CREATED, Json(json!({ "token": token }))).into_response();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("X-Subject-Token", value);
    }
    response
}

fn project_ref(project: &Project) -> Value {
    json!({"domain": {"id": "default", "name": "Default"}, "id": project.id, "name": project.name})
}

fn catalog(state: &ApiState, tenant_id: &str) -> Value {
    let region = &state.model().region;
    let entries: Vec<Value> = services(state, tenant_id)
        .into_iter()
        .map(|s| {
            let urls = [("admin", &s.admin_url), ("internal", &s.internal_url), ("public", &s.public_url)];
            let endpoints: Vec<Value> = urls
                .iter()
                .zip(&s.endpoint_ids)
                .map(|((interface, url), id)| {
                    json!({"id": id, "interface": interface, "region": region, "region_id": region, "url": url})
                })
                .collect();
            json!({"endpoints": endpoints, "id": s.service_id, "type": s.kind, "name": s.name})
        })
        .collect();
    Value::Array(entries)
}
