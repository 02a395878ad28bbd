//! Keystone: v2.0 password tokens with the service catalog, v2.0 tenants, v3 projects.

use super::auth::{delay, require_token};
use super::catalog::{audit_id, role_id, services, user_id};
use super::errors::{json_response, keystone_error};
use super::state::ApiState;
use crate::lab::model::Project;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use chrono::Utc;
use serde_json::{json, Value};
use std::sync::Arc;

pub fn router(state: Arc<ApiState>) -> Router {
    let protected = Router::new()
        .route("/v2.0/tenants", get(tenants))
        .route("/v3/projects", get(projects))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route("/", get(versions))
        .route("/v3", get(version_v3))
        .route("/v3/", get(version_v3))
        .route("/v2.0", get(version_v2))
        .route("/v2.0/", get(version_v2))
        .route("/v2.0/tokens", post(tokens))
        .route("/v3/auth/tokens", post(super::keystone_v3::issue))
        .merge(protected)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), delay))
        .with_state(state)
}

async fn not_found() -> Response {
    keystone_error(StatusCode::NOT_FOUND, "The resource could not be found.")
}

/// The version entries of Keystone's discovery documents.
fn version_entries(state: &ApiState) -> [Value; 2] {
    let link =
        |path: &str| json!([{"rel": "self", "href": state.url(state.ports.keystone_public, path)}]);
    let media = |v: &str| json!([{"base": "application/json", "type": format!("application/vnd.openstack.identity-{v}+json")}]);
    [
        json!({"id": "v3.8", "status": "stable", "updated": "2017-02-22T00:00:00Z",
               "links": link("/v3/"), "media-types": media("v3")}),
        json!({"id": "v2.0", "status": "deprecated", "updated": "2016-08-04T00:00:00Z",
               "links": link("/v2.0/"), "media-types": media("v2.0")}),
    ]
}

async fn versions(State(state): State<Arc<ApiState>>) -> Response {
    json_response(
        StatusCode::MULTIPLE_CHOICES,
        json!({"versions": {"values": version_entries(&state)}}),
    )
}

async fn version_v3(State(state): State<Arc<ApiState>>) -> Response {
    let [v3, _] = version_entries(&state);
    json_response(StatusCode::OK, json!({ "version": v3 }))
}

async fn version_v2(State(state): State<Arc<ApiState>>) -> Response {
    let [_, v2] = version_entries(&state);
    json_response(StatusCode::OK, json!({ "version": v2 }))
}

/// `POST /v2.0/tokens` with `passwordCredentials` and `tenantName` (or `tenantId`).
async fn tokens(State(state): State<Arc<ApiState>>, body: Option<Json<Value>>) -> Response {
    let Some(Json(body)) = body else {
        return keystone_error(
            StatusCode::BAD_REQUEST,
            "Expecting to find auth in request body.",
        );
    };
    let auth = &body["auth"];
    let credentials = &auth["passwordCredentials"];
    let (Some(user), Some(password)) = (
        credentials["username"].as_str(),
        credentials["password"].as_str(),
    ) else {
        return keystone_error(
            StatusCode::BAD_REQUEST,
            "Expecting to find passwordCredentials in auth.",
        );
    };
    if user != state.admin_user || password != state.admin_password.expose() {
        return keystone_error(
            StatusCode::UNAUTHORIZED,
            "The request you have made requires authentication.",
        );
    }
    let model = &state.model();
    let project = match (auth["tenantName"].as_str(), auth["tenantId"].as_str()) {
        (Some(name), _) => model.project_by_name(name),
        (None, Some(id)) => model.project(id),
        (None, None) => model.project_by_name("admin"),
    };
    let Some(project) = project else {
        return keystone_error(
            StatusCode::UNAUTHORIZED,
            "The request you have made requires authentication.",
        );
    };
    let (id, token) = state.issue_token(&project.id);
    let now = Utc::now();
    json_response(
        StatusCode::OK,
        json!({"access": {
            "token": {
                "issued_at": now.format("%Y-%m-%dT%H:%M:%S.000000Z").to_string(),
                "expires": token.expires.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "id": id,
                "tenant": tenant(project),
                "audit_ids": [audit_id()]
            },
            "serviceCatalog": catalog(&state, &project.id),
            "user": {
                "username": state.admin_user, "roles_links": [], "id": user_id(&state),
                "roles": [{"name": "admin"}], "name": state.admin_user
            },
            "metadata": {"is_admin": 0, "roles": [role_id(&state)]}
        }}),
    )
}

fn tenant(project: &Project) -> Value {
    json!({
        "description": project.description,
        "enabled": project.enabled,
        "id": project.id,
        "name": project.name
    })
}

/// The v2.0 `serviceCatalog`.
fn catalog(state: &ApiState, tenant_id: &str) -> Value {
    let entries: Vec<Value> = services(state, tenant_id)
        .into_iter()
        .map(|s| {
            json!({
                "endpoints": [{
                    "adminURL": s.admin_url,
                    "region": state.model().region,
                    "internalURL": s.internal_url,
                    "id": s.endpoint_ids[0],
                    "publicURL": s.public_url
                }],
                "endpoints_links": [],
                "type": s.kind,
                "name": s.name
            })
        })
        .collect();
    Value::Array(entries)
}

async fn tenants(State(state): State<Arc<ApiState>>) -> Response {
    let list: Vec<Value> = state.model().projects.iter().map(tenant).collect();
    json_response(
        StatusCode::OK,
        json!({"tenants_links": [], "tenants": list}),
    )
}

async fn projects(State(state): State<Arc<ApiState>>) -> Response {
    let base = state.url(state.ports.keystone_admin, "/v3/projects");
    let list: Vec<Value> = state
        .model()
        .projects
        .iter()
        .map(|p| {
            json!({
                "is_domain": false,
                "description": p.description,
                "links": {"self": format!("{base}/{}", p.id)},
                "tags": [],
                "enabled": p.enabled,
                "id": p.id,
                "parent_id": p.domain_id,
                "domain_id": p.domain_id,
                "name": p.name
            })
        })
        .collect();
    json_response(
        StatusCode::OK,
        json!({"links": {"self": base, "previous": null, "next": null}, "projects": list}),
    )
}
