//! The Kubernetes API (fetchers.md §2.6): `https://<host>:<port>` of the `Kubernetes` section,
//! bearer `token`, TLS not verified. (The original built this configuration but, by mistake,
//! never handed it to its client — quirk Q8; the port uses it.)

use crate::config::{ConfigError, Environment};
use crate::secret::Secret;
use serde_json::Value;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("Kubernetes {url}: {detail}")]
    Request { url: String, detail: String },
}

pub struct KubeAccess {
    base: String,
    token: Secret,
    client: reqwest::Client,
}

impl KubeAccess {
    pub fn new(env: &Environment) -> Result<KubeAccess, KubeError> {
        let section = env.section("Kubernetes")?;
        let host = section.required("host")?;
        let port = section
            .port("port")?
            .ok_or_else(|| section.field_error("port", "is missing"))?;
        let token = Secret::new(section.required("token")?);
        let client = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| KubeError::Request {
                url: host.clone(),
                detail: e.to_string(),
            })?;
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host
        };
        Ok(KubeAccess {
            base: format!("https://{host}:{port}"),
            token,
            client,
        })
    }

    /// `GET <path>` as JSON; a non-2xx answer is an error with the API's `Status` message.
    pub async fn get(&self, path: &str) -> Result<Value, KubeError> {
        crate::access::metrics::record(crate::access::metrics::Protocol::Http);
        let url = format!("{}{path}", self.base);
        let failed = |detail: String| KubeError::Request {
            url: url.clone(),
            detail,
        };
        let response = self
            .client
            .get(&url)
            .bearer_auth(self.token.expose())
            .send()
            .await
            .map_err(|e| failed(e.without_url().to_string()))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| failed(e.without_url().to_string()))?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(failed(match body["message"].as_str() {
                Some(message) => format!("HTTP {status}: {message}"),
                None => format!("HTTP {status}"),
            }));
        }
        if body.is_null() {
            return Err(failed("the answer is not JSON".into()));
        }
        Ok(body)
    }
}
