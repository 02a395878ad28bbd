//! Keystone: v2.0 password tokens with the service catalog, v2.0 tenants, v3 projects.

use super::auth::{delay, require_token};
use super::errors::{json_response, keystone_error};
use super::state::ApiState;
use crate::lab::model::ids::IdGen;
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
        .route("/v2.0/tokens", post(tokens))
        .merge(protected)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), delay))
        .with_state(state)
}

async fn not_found() -> Response {
    keystone_error(StatusCode::NOT_FOUND, "The resource could not be found.")
}

async fn versions(State(state): State<Arc<ApiState>>) -> Response {
    let link =
        |path: &str| json!([{"rel": "self", "href": state.url(state.ports.keystone_public, path)}]);
    let media = |v: &str| json!([{"base": "application/json", "type": format!("application/vnd.openstack.identity-{v}+json")}]);
    json_response(
        StatusCode::MULTIPLE_CHOICES,
        json!({"versions": {"values": [
            {"id": "v3.8", "status": "stable", "updated": "2017-02-22T00:00:00Z",
             "links": link("/v3/"), "media-types": media("v3")},
            {"id": "v2.0", "status": "deprecated", "updated": "2016-08-04T00:00:00Z",
             "links": link("/v2.0/"), "media-types": media("v2.0")}
        ]}}),
    )
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
    let model = &state.model;
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

fn audit_id() -> String {
    use rand::distributions::Alphanumeric;
    use rand::Rng;
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(22)
        .map(char::from)
        .collect()
}

/// Stable ids derived from the seed (a separate stream from the model's ids).
fn derived_ids(state: &ApiState) -> IdGen {
    IdGen::new(state.model.sizes.seed ^ 0x6b65_7973_746f_6e65)
}

pub(super) fn user_id(state: &ApiState) -> String {
    state.model.admin_user_id.clone()
}

fn role_id(state: &ApiState) -> String {
    derived_ids(state).hex32()
}

fn tenant(project: &Project) -> Value {
    json!({
        "description": project.description,
        "enabled": project.enabled,
        "id": project.id,
        "name": project.name
    })
}

/// The RegionOne catalog; every URL carries an explicit port.
fn catalog(state: &ApiState, tenant_id: &str) -> Value {
    let p = &state.ports;
    let services: Vec<(&str, &str, u16, u16, String)> = vec![
        (
            "nova",
            "compute",
            p.nova,
            p.nova,
            format!("/v2/{tenant_id}"),
        ),
        ("neutron", "network", p.neutron, p.neutron, String::new()),
        ("cinder", "volume", 8776, 8776, format!("/v1/{tenant_id}")),
        (
            "cinderv2",
            "volumev2",
            8776,
            8776,
            format!("/v2/{tenant_id}"),
        ),
        ("glance", "image", 9292, 9292, String::new()),
        ("placement", "placement", 8778, 8778, "/placement".into()),
        (
            "keystone",
            "identity",
            p.keystone_admin,
            p.keystone_public,
            "/v2.0".into(),
        ),
    ];
    let mut ids = derived_ids(state);
    ids.hex32();
    let entries: Vec<Value> = services
        .into_iter()
        .map(|(name, kind, admin_port, public_port, path)| {
            json!({
                "endpoints": [{
                    "adminURL": state.url(admin_port, &path),
                    "region": state.model.region,
                    "internalURL": state.url(public_port, &path),
                    "id": ids.hex32(),
                    "publicURL": state.url(public_port, &path)
                }],
                "endpoints_links": [],
                "type": kind,
                "name": name
            })
        })
        .collect();
    Value::Array(entries)
}

async fn tenants(State(state): State<Arc<ApiState>>) -> Response {
    let list: Vec<Value> = state.model.projects.iter().map(tenant).collect();
    json_response(
        StatusCode::OK,
        json!({"tenants_links": [], "tenants": list}),
    )
}

async fn projects(State(state): State<Arc<ApiState>>) -> Response {
    let base = state.url(state.ports.keystone_admin, "/v3/projects");
    let list: Vec<Value> = state
        .model
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
