//! Token check (what keystonemiddleware does in front of every OpenStack API) and the simulated
//! per-request latency.

use super::errors::unauthorized;
use super::state::ApiState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// Rejects requests without a valid `X-Auth-Token` with 401; passes the token on as an extension.
pub async fn require_token(
    State(state): State<Arc<ApiState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .and_then(|id| state.validate(id));
    match token {
        Some(token) => {
            request.extensions_mut().insert(token);
            next.run(request).await
        }
        None => unauthorized(),
    }
}

pub async fn delay(State(state): State<Arc<ApiState>>, request: Request, next: Next) -> Response {
    if !state.latency.is_zero() {
        tokio::time::sleep(state.latency).await;
    }
    next.run(request).await
}
