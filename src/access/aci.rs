//! The APIC REST API (fetchers.md §2.5): `https://<ACI.host>/api`, TLS not verified, a token
//! from `aaaLogin` sent as the `APIC-Cookie` cookie and refreshed (`aaaRefresh`) before every
//! query; class queries (`class/<class>.json`) and object queries (`mo/topology/<dn>.json`).

use crate::config::{ConfigError, Environment};
use crate::secret::Secret;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum AciError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("ACI {what}: {detail}")]
    Request { what: String, detail: String },
}

pub struct AciAccess {
    base: String,
    user: String,
    pwd: Secret,
    client: reqwest::Client,
    token: tokio::sync::Mutex<Option<Secret>>,
}

impl AciAccess {
    /// Reads the `ACI` section (`host` — optionally `host:port` — `user`, `pwd`).
    pub fn new(env: &Environment) -> Result<AciAccess, AciError> {
        let section = env.section("ACI")?;
        let host = section.required("host")?;
        let user = section.required("user")?;
        let pwd = Secret::new(section.required("pwd")?);
        let client = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| AciError::Request {
                what: "client".into(),
                detail: e.to_string(),
            })?;
        Ok(AciAccess {
            base: format!("https://{host}/api"),
            user,
            pwd,
            client,
            token: tokio::sync::Mutex::new(None),
        })
    }

    /// `imdata[*].<class>` of a class query.
    pub async fn class_query(
        &self,
        class: &str,
        params: &[(&str, &str)],
    ) -> Result<Vec<Value>, AciError> {
        let body = self.get(&format!("class/{class}.json"), params).await?;
        Ok(objects_of_class(&body, class))
    }

    /// The whole answer of an object query on `topology/<dn>`.
    pub async fn mo_query(&self, dn: &str, params: &[(&str, &str)]) -> Result<Value, AciError> {
        self.get(&format!("mo/topology/{dn}.json"), params).await
    }

    async fn get(&self, path: &str, params: &[(&str, &str)]) -> Result<Value, AciError> {
        let token = self.fresh_token().await?;
        let url = format!("{}/{path}", self.base);
        let request = self
            .client
            .get(&url)
            .query(params)
            .header("Cookie", format!("APIC-Cookie={}", token.expose()));
        let (status, body) = self.send(path, request).await?;
        if status != StatusCode::OK {
            return Err(self.failure(path, status, &body));
        }
        Ok(body)
    }

    /// The token to use now: a login the first time, else a refresh (a refused refresh logs
    /// in again).
    async fn fresh_token(&self) -> Result<Secret, AciError> {
        let mut token = self.token.lock().await;
        let next = match token.as_ref() {
            None => self.login().await?,
            Some(current) => {
                let request = self
                    .client
                    .get(format!("{}/aaaRefresh.json", self.base))
                    .header("Cookie", format!("APIC-Cookie={}", current.expose()));
                let (status, body) = self.send("aaaRefresh", request).await?;
                match status {
                    StatusCode::OK => token_of(&body).ok_or_else(|| self.no_token("aaaRefresh"))?,
                    StatusCode::FORBIDDEN => self.login().await?,
                    other => return Err(self.failure("aaaRefresh", other, &body)),
                }
            }
        };
        *token = Some(next.clone());
        Ok(next)
    }

    async fn login(&self) -> Result<Secret, AciError> {
        let body =
            json!({"aaaUser": {"attributes": {"name": self.user, "pwd": self.pwd.expose()}}});
        let request = self
            .client
            .post(format!("{}/aaaLogin.json", self.base))
            .json(&body);
        let (status, answer) = self.send("aaaLogin", request).await?;
        if status != StatusCode::OK {
            return Err(self.failure("aaaLogin", status, &answer));
        }
        token_of(&answer).ok_or_else(|| self.no_token("aaaLogin"))
    }

    async fn send(
        &self,
        what: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, Value), AciError> {
        crate::access::metrics::record(crate::access::metrics::Protocol::Http);
        let failed = |e: reqwest::Error| AciError::Request {
            what: format!("{}/{what}", self.base),
            detail: e.without_url().to_string(),
        };
        let response = request.send().await.map_err(failed)?;
        let status = response.status();
        let text = response.text().await.map_err(failed)?;
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        if body.is_null() && status == StatusCode::OK {
            return Err(AciError::Request {
                what: format!("{}/{what}", self.base),
                detail: "the answer is not JSON".into(),
            });
        }
        Ok((status, body))
    }

    fn failure(&self, what: &str, status: StatusCode, body: &Value) -> AciError {
        AciError::Request {
            what: format!("{}/{what}", self.base),
            detail: match error_text(body) {
                Some(text) => format!("HTTP {status}: {text}"),
                None => format!("HTTP {status}"),
            },
        }
    }

    fn no_token(&self, what: &str) -> AciError {
        AciError::Request {
            what: format!("{}/{what}", self.base),
            detail: "no imdata[0].aaaLogin.attributes.token in the answer".into(),
        }
    }
}

/// `imdata[0].aaaLogin.attributes.token`.
pub fn token_of(body: &Value) -> Option<Secret> {
    body["imdata"][0]["aaaLogin"]["attributes"]["token"]
        .as_str()
        .map(Secret::new)
}

/// APIC's error text: `imdata[0].error.attributes.text`.
pub fn error_text(body: &Value) -> Option<&str> {
    body["imdata"][0]["error"]["attributes"]["text"].as_str()
}

/// `imdata[*].<class>` (items without that class are skipped).
pub fn objects_of_class(body: &Value, class: &str) -> Vec<Value> {
    body["imdata"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i.get(class).cloned()).collect())
        .unwrap_or_default()
}

/// An ACI dn as a Calipso id part: `topology/` removed, `/` → `__`.
pub fn encode_dn(dn: &str) -> String {
    dn.replace("topology/", "").replace('/', "__")
}

pub fn decode_dn(id: &str) -> String {
    id.replace("__", "/")
}
