//! The HTTPS targets: the ACI APIC login and the Kubernetes namespace list (connection-tests.md
//! §4.6–4.7). Certificates are not verified, as in the original: these endpoints usually have
//! self-signed certificates and the test is about reachability and credentials.

use super::checks::{http_failure, http_status_failure, url_host};
use crate::config::Section;
use serde_json::{json, Value};
use std::time::Duration;

fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .connect_timeout(timeout)
        .timeout(timeout)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// `POST https://<host>/api/aaaLogin.json?gui-token-request=yes`; success = a token in
/// `imdata[0].aaaLogin.attributes.token`.
pub async fn aci(section: &Section, timeout: Duration) -> Result<(), String> {
    let host = section.required("host").map_err(|e| e.to_string())?;
    let user = section.required("user").map_err(|e| e.to_string())?;
    let pwd = section
        .secret("pwd")
        .ok_or_else(|| section.field_error("pwd", "is missing").to_string())?;
    let url = format!(
        "https://{}/api/aaaLogin.json?gui-token-request=yes",
        url_host(&host)
    );
    let body = json!({"aaaUser": {"attributes": {"name": user, "pwd": pwd.expose()}}});
    let response = client(timeout)?
        .post(&url)
        .json(&body)
        .send()
        .await
        .map_err(|e| http_failure(&url, &e))?;
    let status = response.status();
    if status.as_u16() >= 400 {
        return Err(http_status_failure(&url, status));
    }
    let answer: Value = response
        .json()
        .await
        .map_err(|e| format!("{url}: answer is not JSON: {e}"))?;
    match answer.pointer("/imdata/0/aaaLogin/attributes/token") {
        Some(Value::String(token)) if !token.is_empty() => Ok(()),
        _ => Err(format!("{url}: the login answer has no token")),
    }
}

/// `GET https://<host>:<port>/api/v1/namespaces` with the bearer token.
pub async fn kubernetes(section: &Section, timeout: Duration) -> Result<(), String> {
    let host = section.required("host").map_err(|e| e.to_string())?;
    let port = section
        .port("port")
        .map_err(|e| e.to_string())?
        .ok_or_else(|| section.field_error("port", "is missing").to_string())?;
    let token = section
        .secret("token")
        .ok_or_else(|| section.field_error("token", "is missing").to_string())?;
    let url = format!("https://{}:{port}/api/v1/namespaces", url_host(&host));
    let response = client(timeout)?
        .get(&url)
        .bearer_auth(token.expose())
        .send()
        .await
        .map_err(|e| http_failure(&url, &e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(http_status_failure(&url, status));
    }
    Ok(())
}
