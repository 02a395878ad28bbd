//! ApiAccess over real HTTP, against the in-process stand-in of `fetchers_support::api_lab`.

mod fetchers_support;

use bson::doc;
use calipso::access::api::{ApiAccess, ApiError};
use calipso::config::Environment;
use fetchers_support::api_lab::{self, ApiLab, ADMIN_TENANT, PASSWORD};
use fetchers_support::json;
use std::sync::atomic::Ordering;

fn env_for(lab: &ApiLab, password: &str) -> Environment {
    Environment::from_document(doc! {
        "name": "api-test",
        "configuration": [api_lab::openstack_section(lab, password)],
    })
    .unwrap()
}

async fn connect(lab: &ApiLab) -> ApiAccess {
    ApiAccess::connect(&env_for(lab, PASSWORD)).await.unwrap()
}

#[tokio::test]
async fn catalog_urls_get_the_configured_host() {
    let lab = api_lab::start().await;
    let api = connect(&lab).await;
    let port = lab.port;
    assert_eq!(api.regions().len(), 1);
    assert_eq!(api.regions()[0].name, "RegionOne");
    assert_eq!(
        api.region_url("RegionOne", "nova").unwrap(),
        format!("http://127.0.0.1:{port}/v2/{ADMIN_TENANT}")
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
    assert_eq!(api.admin_token().await.unwrap().tenant_id, ADMIN_TENANT);
}

#[tokio::test]
async fn get_sends_project_and_token_and_reuses_the_token() {
    let lab = api_lab::start().await;
    let api = connect(&lab).await;
    let neutron = api.region_url_nover("RegionOne", "neutron").unwrap();
    for _ in 0..2 {
        let answer = api
            .get_as_admin(&format!("{neutron}/v2.0/networks"))
            .await
            .unwrap();
        assert_eq!(answer, json("api/neutron_networks.json"));
    }
    assert_eq!(lab.posts.load(Ordering::SeqCst), 1);
    assert_eq!(api.request_count(), 3);
}

#[tokio::test]
async fn an_expired_token_is_renewed() {
    let lab = api_lab::start().await;
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
    let lab = api_lab::start().await;
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
    let lab = api_lab::start().await;
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
    // The admin token with another project's header is refused: a status error, no crash.
    let token = api.admin_token().await.unwrap();
    let err = api
        .get_json(&format!("{base}/v2.0/networks"), Some("demo"), &token)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Status { status: 401, .. }), "{err}");
}

#[tokio::test]
async fn a_wrong_password_fails_without_showing_it() {
    let lab = api_lab::start().await;
    let wrong = "wr0ng-Passw0rd";
    let err = ApiAccess::connect(&env_for(&lab, wrong))
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
    let env = Environment::from_document(doc! {
        "name": "api-test",
        "configuration": [{"name": "OpenStack", "host": "127.0.0.1", "port": i32::from(closed),
                           "user": "admin", "pwd": PASSWORD}],
    })
    .unwrap();
    let err = ApiAccess::connect(&env).await.err().unwrap().to_string();
    assert!(
        err.contains("Authentication failed") && err.contains("cannot connect"),
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

/// The auth answers of the fixtures, read without a server.
#[test]
fn auth_answers_of_the_fixtures() {
    use calipso::access::api::keystone::token_from_auth_response;
    let cached = json("api/keystone_token_cached.json");
    let token =
        token_from_auth_response("admin", &serde_json::json!({"access": {"token": cached}}))
            .unwrap();
    // The original's epoch expiry agrees with our reading of `expires`.
    assert_eq!(
        token.expires.timestamp(),
        cached["token_expiry_time"].as_i64().unwrap()
    );
    assert_eq!(token.tenant_id, ADMIN_TENANT);
    for (file, detail) in [
        (
            "api/keystone_v2_tokens_response_error.json",
            "Keystone error",
        ),
        (
            "api/keystone_v2_tokens_response_no_token.json",
            "no access.token",
        ),
        (
            "api/keystone_v2_tokens_response_minimal_catalog.json",
            "no access.token",
        ),
    ] {
        let err = token_from_auth_response("admin", &json(file))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("Authentication failed") && err.contains(detail),
            "{file}: {err}"
        );
    }
}
