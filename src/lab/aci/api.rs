//! The APIC REST calls a scanner makes: `aaaLogin`, `aaaRefresh`, class queries and object
//! queries, with APIC's answers (`{"totalCount", "imdata"}`), its error bodies and its cookie.

use super::fabric::Fabric;
use super::{filter, objects};
use crate::secret::Secret;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::Rng;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

pub struct AciState {
    pub fabric: Fabric,
    pub user: String,
    pub password: Secret,
    tokens: Mutex<HashSet<String>>,
}

impl AciState {
    pub fn new(fabric: Fabric, user: &str, password: Secret) -> Self {
        AciState {
            fabric,
            user: user.to_string(),
            password,
            tokens: Mutex::new(HashSet::new()),
        }
    }

    fn valid(&self, token: Option<String>) -> Option<String> {
        let token = token?;
        let tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        tokens.contains(&token).then_some(token)
    }
}

pub fn router(state: Arc<AciState>) -> Router {
    Router::new()
        .route("/api/aaaLogin.json", post(login))
        .route("/api/aaaRefresh.json", get(refresh))
        .route("/api/class/{file}", get(class_query))
        .route("/api/mo/{*path}", get(mo_query))
        .with_state(state)
}

fn imdata(items: Vec<Value>) -> Value {
    json!({"totalCount": items.len().to_string(), "imdata": items})
}

fn apic_error(status: StatusCode, text: &str) -> Response {
    let body = imdata(vec![json!({"error": {"attributes": {
        "code": status.as_u16().to_string(),
        "text": text,
    }}})]);
    (status, Json(body)).into_response()
}

fn token_invalid() -> Response {
    apic_error(
        StatusCode::FORBIDDEN,
        "Token was invalid (Error: Token timeout)",
    )
}

/// The `APIC-cookie` value of the request (the cookie name in any case).
fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| name.eq_ignore_ascii_case("APIC-cookie"))
        .map(|(_, value)| value.to_string())
}

fn new_token() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = rand::thread_rng();
    (0..172)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

fn session(user: &str, token: &str) -> Response {
    let body = imdata(vec![json!({"aaaLogin": {"attributes": {
        "token": token,
        "refreshTimeoutSeconds": "600",
        "maximumLifetimeSeconds": "86400",
        "guiIdleTimeoutSeconds": "1200",
        "restTimeoutSeconds": "90",
        "creationTime": "1519894800",
        "firstLoginTime": "1519894800",
        "userName": user,
        "remoteUser": "false",
        "unixUserId": "15374",
        "version": "3.2(2l)",
        "buildTime": "Mon Feb 26 19:29:32 PST 2018",
        "node": "topology/pod-1/node-1",
    }}})]);
    let cookie = format!("APIC-cookie={token}; path=/; HttpOnly; HttpOnly; Secure");
    ([(header::SET_COOKIE, cookie)], Json(body)).into_response()
}

async fn login(State(state): State<Arc<AciState>>, body: String) -> Response {
    let request: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let attributes = &request["aaaUser"]["attributes"];
    let (Some(name), Some(pwd)) = (attributes["name"].as_str(), attributes["pwd"].as_str()) else {
        return apic_error(StatusCode::BAD_REQUEST, "Failed to parse login request");
    };
    if name != state.user || pwd != state.password.expose() {
        return apic_error(
            StatusCode::UNAUTHORIZED,
            "Username or password is incorrect - FAILED local authentication",
        );
    }
    let token = new_token();
    state
        .tokens
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(token.clone());
    session(name, &token)
}

async fn refresh(State(state): State<Arc<AciState>>, headers: HeaderMap) -> Response {
    match state.valid(cookie_token(&headers)) {
        Some(token) => session(&state.user, &token),
        None => token_invalid(),
    }
}

/// Objects passing the request's `query-target-filter`, with children when
/// `rsp-subtree=children`.
fn answer(
    class: &str,
    found: Vec<objects::Mo>,
    params: &HashMap<String, String>,
) -> Result<Value, Box<Response>> {
    let filter = match params.get("query-target-filter") {
        Some(text) => Some(
            filter::parse(text)
                .map_err(|e| Box::new(apic_error(StatusCode::BAD_REQUEST, &e.to_string())))?,
        ),
        None => None,
    };
    let children = params.get("rsp-subtree").is_some_and(|s| s != "no");
    Ok(imdata(
        found
            .iter()
            .filter(|mo| {
                filter
                    .as_ref()
                    .is_none_or(|f| f.matches(class, &mo.attributes))
            })
            .map(|mo| mo.to_json(children))
            .collect(),
    ))
}

async fn class_query(
    State(state): State<Arc<AciState>>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if state.valid(cookie_token(&headers)).is_none() {
        return token_invalid();
    }
    let class = file.strip_suffix(".json").unwrap_or(&file);
    let Some(found) = objects::of_class(&state.fabric, class) else {
        return apic_error(
            StatusCode::BAD_REQUEST,
            &format!("Request failed, unresolved class for {class}"),
        );
    };
    match answer(class, found, &params) {
        Ok(body) => Json(body).into_response(),
        Err(response) => *response,
    }
}

async fn mo_query(
    State(state): State<Arc<AciState>>,
    headers: HeaderMap,
    Path(path): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if state.valid(cookie_token(&headers)).is_none() {
        return token_invalid();
    }
    let dn = path.strip_suffix(".json").unwrap_or(&path);
    let subtree = params.get("query-target").map(String::as_str) == Some("subtree");
    let body = match (subtree, params.get("target-subtree-class")) {
        (true, Some(class)) => {
            let Some(all) = objects::of_class(&state.fabric, class) else {
                return apic_error(
                    StatusCode::BAD_REQUEST,
                    &format!("Request failed, unresolved class for {class}"),
                );
            };
            let prefix = format!("{dn}/");
            let below = all
                .into_iter()
                .filter(|mo| mo.dn().starts_with(&prefix))
                .collect();
            match answer(class, below, &params) {
                Ok(body) => body,
                Err(response) => return *response,
            }
        }
        _ => {
            let children = params.get("rsp-subtree").is_some_and(|s| s != "no");
            let found = objects::by_dn(&state.fabric, dn).map(|mo| mo.to_json(children));
            imdata(found.into_iter().collect())
        }
    };
    Json(body).into_response()
}
