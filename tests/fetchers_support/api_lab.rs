//! A small Keystone/Nova/Neutron stand-in on 127.0.0.1:<random port> serving the fixture
//! bodies. Its catalog points every service back to itself under another host name, as a real
//! catalog holds internal addresses.

use super::json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub const PASSWORD: &str = "s3cret-pw";
pub const ADMIN_TENANT: &str = "8c1751e0ce714736a63fee3c776164da";

#[derive(Default)]
pub struct ApiLab {
    pub port: u16,
    pub posts: AtomicUsize,
    pub next_token_expired: AtomicBool,
    /// token id → project name
    tokens: Mutex<HashMap<String, String>>,
    /// Paths of the GETs answered with 200.
    pub served: Mutex<Vec<String>>,
}

/// The tenant id the lab gives to a project's tokens.
pub fn tenant_of(project: &str) -> String {
    if project == "admin" {
        ADMIN_TENANT.to_string()
    } else {
        format!("tenant-of-{project}")
    }
}

fn reply(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

async fn tokens(State(lab): State<Arc<ApiLab>>, headers: HeaderMap, body: String) -> Response {
    let n = lab.posts.fetch_add(1, Ordering::SeqCst) + 1;
    assert_eq!(headers["Accept"], "application/json");
    assert_eq!(headers["Content-Type"], "application/json; charset=UTF-8");
    let request: Value = serde_json::from_str(&body).unwrap();
    let credentials = &request["auth"]["passwordCredentials"];
    if credentials["password"] != PASSWORD || credentials["username"] != "admin" {
        return reply(
            StatusCode::UNAUTHORIZED,
            json("api/keystone_v2_tokens_response_error.json"),
        );
    }
    let project = request["auth"]["tenantName"].as_str().unwrap().to_string();
    let id = format!("tok-{n}-{project}");
    lab.tokens
        .lock()
        .unwrap()
        .insert(id.clone(), project.clone());
    let expires = if lab.next_token_expired.swap(false, Ordering::SeqCst) {
        "2001-01-01T00:00:00Z"
    } else {
        "2099-01-01T00:00:00.000000Z"
    };
    let catalog = regex::Regex::new(r"192\.168\.0\.2:\d+")
        .unwrap()
        .replace_all(
            &json("api/keystone_v2_tokens_response.json").to_string(),
            format!("192.0.2.10:{}", lab.port).as_str(),
        )
        .to_string();
    let mut answer: Value = serde_json::from_str(&catalog).unwrap();
    let token = &mut answer["access"]["token"];
    token["id"] = json!(id);
    token["expires"] = json!(expires);
    token["tenant"]["name"] = json!(project);
    token["tenant"]["id"] = json!(tenant_of(&project));
    reply(StatusCode::OK, answer)
}

/// Every GET: the token must be one the lab issued, and a project header must name the
/// token's project.
async fn answer_get(State(lab): State<Arc<ApiLab>>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().to_string();
    match path.as_str() {
        "/broken" => return (StatusCode::INTERNAL_SERVER_ERROR, "oops").into_response(),
        "/notjson" => return "<html>hello</html>".into_response(),
        _ => {}
    }
    let token = headers.get("X-Auth-Token").and_then(|t| t.to_str().ok());
    let project = token.and_then(|t| lab.tokens.lock().unwrap().get(t).cloned());
    let header_project = headers
        .get("X-Auth-Project-Id")
        .and_then(|p| p.to_str().ok());
    let Some(project) = project else {
        return reply(StatusCode::UNAUTHORIZED, json!({"error": "bad token"}));
    };
    if header_project.is_some_and(|p| p != project) {
        return reply(StatusCode::UNAUTHORIZED, json!({"error": "wrong project"}));
    }
    let tenant_prefix = format!("/v2/{}/", tenant_of(&project));
    let file = match path.as_str() {
        "/v2.0/networks" => "api/neutron_networks.json",
        "/v2.0/subnets" => "api/neutron_subnets.json",
        "/v2.0/ports" => "api/neutron_ports.json",
        "/v2.0/tenants" => "api/keystone_v2_tenants_detailed.json",
        "/v3/projects" => "api/keystone_v3_projects.json",
        p if p.starts_with(&tenant_prefix) && p.ends_with("/os-availability-zone/detail") => {
            "api/nova_os_availability_zone_detail_no_services.json"
        }
        p if p.starts_with(&tenant_prefix) && p.ends_with("/servers") => {
            "api/nova_os_hypervisors_servers_no_servers.json"
        }
        _ => return reply(StatusCode::NOT_FOUND, json!({"error": "no such path"})),
    };
    lab.served.lock().unwrap().push(path);
    reply(StatusCode::OK, json(file))
}

pub async fn start() -> Arc<ApiLab> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let lab = Arc::new(ApiLab {
        port: listener.local_addr().unwrap().port(),
        ..ApiLab::default()
    });
    let app = Router::new()
        .route("/v2.0/tokens", post(tokens))
        .fallback(answer_get)
        .with_state(lab.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    lab
}

/// The `OpenStack` configuration section for this lab.
pub fn openstack_section(lab: &ApiLab, password: &str) -> bson::Document {
    bson::doc! {"name": "OpenStack", "host": "127.0.0.1", "port": lab.port.to_string(),
    "user": "admin", "pwd": password}
}
