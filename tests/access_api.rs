//! ApiAccess over real HTTP: a small Keystone/Nova/Neutron stand-in (axum, 127.0.0.1:0)
//! serving the fixture bodies.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use bson::doc;
use calipso::access::api::{ApiAccess, ApiError};
use calipso::config::Environment;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const PASSWORD: &str = "s3cret-pw";

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/api")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[derive(Default)]
struct Lab {
    port: AtomicUsize,
    posts: AtomicUsize,
    gets: AtomicUsize,
    next_token_expired: AtomicBool,
    /// token id → project name
    tokens: Mutex<HashMap<String, String>>,
}

impl Lab {
    fn project_of(&self, headers: &HeaderMap) -> Option<String> {
        let token = headers.get("X-Auth-Token")?.to_str().ok()?;
        self.tokens.lock().unwrap().get(token).cloned()
    }
}

fn reply(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

async fn tokens(State(lab): State<Arc<Lab>>, headers: HeaderMap, body: String) -> Response {
    let n = lab.posts.fetch_add(1, Ordering::SeqCst) + 1;
    assert_eq!(headers["Accept"], "application/json");
    assert_eq!(headers["Content-Type"], "application/json; charset=UTF-8");
    let request: Value = serde_json::from_str(&body).unwrap();
    let auth = &request["auth"];
    if auth["passwordCredentials"]["password"] != PASSWORD
        || auth["passwordCredentials"]["username"] != "admin"
    {
        return reply(
            StatusCode::UNAUTHORIZED,
            fixture("keystone_v2_tokens_response_error.json"),
        );
    }
    let project = auth["tenantName"].as_str().unwrap().to_string();
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
    // The catalog points every service to this server under another host name, as a real
    // catalog holds internal addresses.
    let port = lab.port.load(Ordering::SeqCst);
    let catalog = regex::Regex::new(r"192\.168\.0\.2:\d+")
        .unwrap()
        .replace_all(
            &fixture("keystone_v2_tokens_response.json").to_string(),
            format!("192.0.2.10:{port}").as_str(),
        )
        .to_string();
    let mut answer: Value = serde_json::from_str(&catalog).unwrap();
    let token = &mut answer["access"]["token"];
    token["id"] = json!(id);
    token["expires"] = json!(expires);
    token["tenant"]["name"] = json!(project);
    if project != "admin" {
        token["tenant"]["id"] = json!(format!("tenant-of-{project}"));
    }
    reply(StatusCode::OK, answer)
}

async fn networks(State(lab): State<Arc<Lab>>, headers: HeaderMap) -> Response {
    lab.gets.fetch_add(1, Ordering::SeqCst);
    let header_project = headers
        .get("X-Auth-Project-Id")
        .and_then(|p| p.to_str().ok());
    match lab.project_of(&headers) {
        Some(project) if header_project == Some(project.as_str()) => {
            reply(StatusCode::OK, fixture("neutron_networks.json"))
        }
        _ => reply(StatusCode::UNAUTHORIZED, json!({"error": "bad token"})),
    }
}

async fn zones(
    State(lab): State<Arc<Lab>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Response {
    lab.gets.fetch_add(1, Ordering::SeqCst);
    match lab.project_of(&headers) {
        Some(project) if tenant == format!("tenant-of-{project}") => reply(
            StatusCode::OK,
            fixture("nova_os_availability_zone_detail.json"),
        ),
        _ => reply(StatusCode::UNAUTHORIZED, json!({"error": "bad token"})),
    }
}

async fn start_lab() -> Arc<Lab> {
    let lab = Arc::new(Lab::default());
    let app = Router::new()
        .route("/v2.0/tokens", post(tokens))
        .route("/v2.0/networks", get(networks))
        .route("/v2/{tenant}/os-availability-zone/detail", get(zones))
        .route(
            "/broken",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "oops") }),
        )
        .route("/notjson", get(|| async { "<html>hello</html>" }))
        .with_state(lab.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    lab.port.store(
        listener.local_addr().unwrap().port().into(),
        Ordering::SeqCst,
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    lab
}

fn env_for(port: usize, password: &str) -> Environment {
    Environment::from_document(doc! {
        "name": "api-test",
        "configuration": [{"name": "OpenStack", "host": "127.0.0.1", "port": port.to_string(),
                           "user": "admin", "pwd": password}],
    })
    .unwrap()
}

async fn connect(lab: &Lab) -> ApiAccess {
    ApiAccess::connect(&env_for(lab.port.load(Ordering::SeqCst), PASSWORD))
        .await
        .unwrap()
}

#[tokio::test]
async fn catalog_urls_get_the_configured_host() {
    let lab = start_lab().await;
    let api = connect(&lab).await;
    let port = lab.port.load(Ordering::SeqCst);
    assert_eq!(api.regions().len(), 1);
    assert_eq!(api.regions()[0].name, "RegionOne");
    assert_eq!(
        api.region_url("RegionOne", "nova").unwrap(),
        format!("http://127.0.0.1:{port}/v2/8c1751e0ce714736a63fee3c776164da")
    );
    assert_eq!(
        api.region_url_nover("RegionOne", "keystone").unwrap(),
        format!("http://127.0.0.1:{port}")
    );
    let missing = api.region_url("RegionTwo", "nova").unwrap_err().to_string();
    assert!(
        missing.contains("'nova'") && missing.contains("RegionTwo"),
        "{missing}"
    );
    assert_eq!(api.request_count(), 1);
    assert_eq!(
        api.admin_token().await.unwrap().tenant_id,
        "8c1751e0ce714736a63fee3c776164da"
    );
}

#[tokio::test]
async fn get_sends_project_and_token_and_reuses_the_token() {
    let lab = start_lab().await;
    let api = connect(&lab).await;
    let neutron = api.region_url_nover("RegionOne", "neutron").unwrap();
    for _ in 0..2 {
        let answer = api
            .get_as_admin(&format!("{neutron}/v2.0/networks"))
            .await
            .unwrap();
        assert_eq!(answer, fixture("neutron_networks.json"));
    }
    assert_eq!(lab.posts.load(Ordering::SeqCst), 1);
    assert_eq!(api.request_count(), 3);
}

#[tokio::test]
async fn an_expired_token_is_renewed() {
    let lab = start_lab().await;
    lab.next_token_expired.store(true, Ordering::SeqCst);
    let api = connect(&lab).await;
    let neutron = api.region_url_nover("RegionOne", "neutron").unwrap();
    let url = format!("{neutron}/v2.0/networks");
    api.get_as_admin(&url).await.unwrap();
    assert_eq!(lab.posts.load(Ordering::SeqCst), 2);
    api.get_as_admin(&url).await.unwrap();
    assert_eq!(lab.posts.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn project_tokens_are_cached_per_project_name() {
    let lab = start_lab().await;
    let api = connect(&lab).await;
    let nova = api.region_url_nover("RegionOne", "nova").unwrap();
    for _ in 0..2 {
        let token = api.token("demo").await.unwrap();
        assert_eq!(token.tenant_id, "tenant-of-demo");
        let url = format!("{nova}/v2/{}/os-availability-zone/detail", token.tenant_id);
        let answer = api.get_as_project(&url, "demo").await.unwrap();
        assert!(answer["availabilityZoneInfo"].is_array());
    }
    assert_eq!(lab.posts.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_non_200_answer_is_a_clean_error() {
    let lab = start_lab().await;
    let api = connect(&lab).await;
    let base = api.keystone_url();
    let err = api
        .get_as_admin(&format!("{base}/broken"))
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Status { status: 500, .. }));
    let text = err.to_string();
    assert!(text.contains("/broken") && text.contains("500"), "{text}");
    assert!(!text.contains("tok-"), "{text}");
    let err = api
        .get_as_admin(&format!("{base}/notjson"))
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Body { .. }), "{err}");
    // A token the server refuses is a status error too, not a crash.
    let err = api
        .get_with_token_only(&format!("{base}/v2.0/networks"))
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Status { status: 401, .. }), "{err}");
}

#[tokio::test]
async fn a_wrong_password_fails_without_showing_it() {
    let lab = start_lab().await;
    let wrong = "wr0ng-Passw0rd";
    let err = ApiAccess::connect(&env_for(lab.port.load(Ordering::SeqCst), wrong))
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.starts_with("Authentication failed"), "{err}");
    assert!(!err.contains(wrong) && !err.contains(PASSWORD), "{err}");
}

#[tokio::test]
async fn unreachable_keystone_and_bad_config_are_clear_errors() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let err = ApiAccess::connect(&env_for(closed.into(), PASSWORD))
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("Authentication failed") && err.contains("/v2.0/tokens"),
        "{err}"
    );
    assert!(!err.contains(PASSWORD));
    let no_port = Environment::from_document(doc! {
        "name": "api-test",
        "configuration": [{"name": "OpenStack", "host": "127.0.0.1"}],
    })
    .unwrap();
    let err = ApiAccess::connect(&no_port)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("port is missing"), "{err}");
}
