//! OpenStack API access (fetchers.md §2.1): Keystone v2.0 tokens cached per project name, the
//! service catalog of the admin project's auth answer (Quirk Q9 fixed), endpoint URLs with the
//! configured host, and a GET helper. One HTTP client (keep-alive) serves the whole scan.

pub mod catalog;
pub mod keystone;

use crate::config::{ConfigError, Environment};
use crate::secret::Secret;
pub use catalog::Region;
use chrono::Utc;
pub use keystone::Token;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;

/// Connect/read timeout of token requests (as the original).
const AUTH_TIMEOUT: Duration = Duration::from_secs(5);
/// The original has no timeout on GETs; a hung endpoint must not hang the scan forever.
const GET_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("OpenStack API: {0}")]
    Other(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("Authentication failed. Failed to obtain token for project '{project}': {detail}")]
    Auth { project: String, detail: String },
    #[error("OpenStack API: {method} {url}: {detail}")]
    Transport {
        method: &'static str,
        url: String,
        detail: String,
    },
    /// A non-200 answer (Quirk Q3: reported cleanly instead of crashing later).
    #[error("OpenStack API: GET {url} answered HTTP status {status}")]
    Status { url: String, status: u16 },
    #[error("OpenStack API: {url}: answer is not JSON: {detail}")]
    Body { url: String, detail: String },
    /// Quirk Q5: the original exits the process here.
    #[error("OpenStack API: no '{service}' endpoint with an adminURL in region '{region}' of the service catalog")]
    NoEndpoint { region: String, service: String },
}

pub struct ApiAccess {
    client: reqwest::Client,
    host: String,
    port: u16,
    user: String,
    pwd: Secret,
    admin_project: String,
    regions: Vec<Region>,
    tokens: Mutex<HashMap<String, Token>>,
    requests: AtomicU64,
}

impl ApiAccess {
    /// Authenticates for the admin project (the first external call of a scan) and keeps the
    /// regions of its service catalog.
    pub async fn connect(env: &Environment) -> Result<ApiAccess, ApiError> {
        let section = env.section("OpenStack")?;
        let host = section.required("host")?;
        let port = section
            .port("port")?
            .ok_or_else(|| section.field_error("port", "is missing"))?;
        let client = reqwest::Client::builder()
            .connect_timeout(AUTH_TIMEOUT)
            .pool_idle_timeout(Duration::from_secs(90))
            .build()
            .map_err(|e| ApiError::Other(format!("cannot build the HTTP client: {e}")))?;
        let mut api = ApiAccess {
            client,
            host,
            port,
            user: section.str("user").unwrap_or_default(),
            pwd: section.secret("pwd").unwrap_or_default(),
            admin_project: section
                .str("admin_project")
                .unwrap_or_else(|| "admin".to_string()),
            regions: Vec::new(),
            tokens: Mutex::new(HashMap::new()),
            requests: AtomicU64::new(0),
        };
        let admin = api.admin_project.clone();
        let body = api.request_token(&admin).await?;
        let token = keystone::token_from_auth_response(&admin, &body)?;
        api.regions = catalog::regions_from_auth_response(&body);
        if api.regions.is_empty() {
            log::warn!("the admin project's auth answer has no service catalog: no regions");
        }
        api.tokens.get_mut().insert(admin, token);
        Ok(api)
    }

    /// The configured `OpenStack.host`.
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn admin_project(&self) -> &str {
        &self.admin_project
    }

    /// `http://<host>:<port>`, the Keystone public API.
    pub fn keystone_url(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// Quirk Q4 (kept): the per-host servers list goes to the Keystone base URL with `:5000`
    /// replaced by `:8774`, not to the catalog's Nova endpoint.
    pub fn nova_servers_base_url(&self) -> String {
        self.keystone_url().replace(":5000", ":8774")
    }

    /// Regions of the admin project's service catalog, in catalog order.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// HTTP requests sent so far (token POSTs and GETs).
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The `adminURL` of `service` in `region`, its host replaced by `OpenStack.host`.
    pub fn region_url(&self, region: &str, service: &str) -> Result<String, ApiError> {
        self.regions
            .iter()
            .find(|r| r.name == region)
            .and_then(|r| r.admin_url(service))
            .map(|url| catalog::replace_host(url, &self.host))
            .ok_or_else(|| ApiError::NoEndpoint {
                region: region.to_string(),
                service: service.to_string(),
            })
    }

    /// [`Self::region_url`] without the version path (`http://10.0.0.1:8774`).
    pub fn region_url_nover(&self, region: &str, service: &str) -> Result<String, ApiError> {
        Ok(catalog::strip_version(&self.region_url(region, service)?))
    }

    /// The token of `project` (tenantName), from the cache until it expires.
    pub async fn token(&self, project: &str) -> Result<Token, ApiError> {
        let mut tokens = self.tokens.lock().await;
        if let Some(token) = tokens.get(project) {
            if token.is_valid_at(Utc::now()) {
                return Ok(token.clone());
            }
            log::debug!("token of project '{project}' expired, authenticating again");
            tokens.remove(project);
        }
        let body = self.request_token(project).await?;
        let token = keystone::token_from_auth_response(project, &body).inspect_err(|e| {
            log::error!("{e}");
        })?;
        tokens.insert(project.to_string(), token.clone());
        Ok(token)
    }

    pub async fn admin_token(&self) -> Result<Token, ApiError> {
        self.token(&self.admin_project).await
    }

    /// GET with `X-Auth-Project-Id: <admin project>` and the admin token.
    pub async fn get_as_admin(&self, url: &str) -> Result<Value, ApiError> {
        let token = self.admin_token().await?;
        self.get_json(url, Some(&self.admin_project), &token).await
    }

    /// GET with `X-Auth-Project-Id: <project>` and that project's own token.
    pub async fn get_as_project(&self, url: &str, project: &str) -> Result<Value, ApiError> {
        let token = self.token(project).await?;
        self.get_json(url, Some(project), &token).await
    }

    /// GET with only `X-Auth-Token` (the admin token).
    pub async fn get_with_token_only(&self, url: &str) -> Result<Value, ApiError> {
        let token = self.admin_token().await?;
        self.get_json(url, None, &token).await
    }

    /// GET `url`; 200 → the parsed JSON, any other status → [`ApiError::Status`] (logged).
    pub async fn get_json(
        &self,
        url: &str,
        project_header: Option<&str>,
        token: &Token,
    ) -> Result<Value, ApiError> {
        let mut request = self
            .client
            .get(url)
            .timeout(GET_TIMEOUT)
            .header("X-Auth-Token", token.id.expose());
        if let Some(project) = project_header {
            request = request.header("X-Auth-Project-Id", project);
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        super::metrics::record(super::metrics::Protocol::Http);
        log::debug!("GET {url}");
        let response = request
            .send()
            .await
            .map_err(|e| transport("GET", url, &e))?;
        let status = response.status().as_u16();
        if status != 200 {
            log::error!("GET {url}: HTTP status {status}");
            return Err(ApiError::Status {
                url: url.to_string(),
                status,
            });
        }
        read_json(url, response).await
    }

    /// `POST /v2.0/tokens` for `project`; the whole JSON answer (errors included).
    async fn request_token(&self, project: &str) -> Result<Value, ApiError> {
        let url = format!("{}/v2.0/tokens", self.keystone_url());
        self.requests.fetch_add(1, Ordering::Relaxed);
        super::metrics::record(super::metrics::Protocol::Http);
        log::debug!("POST {url} (project '{project}')");
        let response = self
            .client
            .post(&url)
            .timeout(AUTH_TIMEOUT)
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/json; charset=UTF-8")
            .body(keystone::auth_request_body(&self.user, &self.pwd, project).to_string())
            .send()
            .await
            .map_err(|e| ApiError::Auth {
                project: project.to_string(),
                detail: transport("POST", &url, &e).to_string(),
            })?;
        read_json(&url, response).await.map_err(|e| ApiError::Auth {
            project: project.to_string(),
            detail: e.to_string(),
        })
    }
}

async fn read_json(url: &str, response: reqwest::Response) -> Result<Value, ApiError> {
    let text = response
        .text()
        .await
        .map_err(|e| transport("GET", url, &e))?;
    serde_json::from_str(&text).map_err(|e| ApiError::Body {
        url: url.to_string(),
        detail: e.to_string(),
    })
}

/// A transport error with its causes (reqwest's own text repeats the URL and stops at
/// "error sending request").
fn transport(method: &'static str, url: &str, error: &reqwest::Error) -> ApiError {
    let mut detail = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else if error.is_body() || error.is_decode() {
        "cannot read the answer"
    } else {
        "request failed"
    }
    .to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    ApiError::Transport {
        method,
        url: url.to_string(),
        detail,
    }
}
