//! The lab's control endpoint: `POST /events` with a [`LabEvent`] as JSON, on a free port of the
//! bind address recorded in `lab.json` (`control_port`); and the client `calipso-lab event` uses.

use super::{LabEvent, LabEvents};
use crate::lab::files::read_lab_info;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub struct ControlServer {
    pub port: u16,
    task: JoinHandle<()>,
}

impl ControlServer {
    pub async fn start(bind: IpAddr, events: Arc<LabEvents>) -> anyhow::Result<ControlServer> {
        let addr = SocketAddr::new(bind, 0);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr} (control endpoint): {e}"))?;
        let port = listener.local_addr()?.port();
        let app = Router::new()
            .route("/events", post(apply))
            .with_state(events);
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                log::error!("control endpoint stopped: {e}");
            }
        });
        Ok(ControlServer { port, task })
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

async fn apply(
    State(events): State<Arc<LabEvents>>,
    Json(event): Json<LabEvent>,
) -> (StatusCode, Json<Value>) {
    match events.apply(&event).await {
        Ok(notifications) => (StatusCode::OK, Json(Value::Array(notifications))),
        Err(e) => {
            log::warn!("event refused: {e}");
            (StatusCode::CONFLICT, Json(json!({"error": e.to_string()})))
        }
    }
}

/// Sends `event` to the lab running from `dir`; returns the notifications it published.
pub async fn send(dir: &Path, event: &LabEvent) -> anyhow::Result<Vec<Value>> {
    let info = read_lab_info(dir)
        .ok_or_else(|| anyhow::anyhow!("no lab is running in {} (no lab.json)", dir.display()))?;
    let port = info
        .control_port
        .ok_or_else(|| anyhow::anyhow!("the lab in {} has no control endpoint", dir.display()))?;
    let url = format!("http://{}:{port}/events", info.bind);
    let response = reqwest::Client::new()
        .post(&url)
        .json(event)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("the lab's control endpoint {url} does not answer: {e}"))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|e| anyhow::anyhow!("bad answer from {url}: {e}"))?;
    if !status.is_success() {
        let reason = body["error"].as_str().unwrap_or("refused");
        anyhow::bail!("the lab refused the event: {reason}");
    }
    match body {
        Value::Array(list) => Ok(list),
        other => anyhow::bail!("bad answer from {url}: {other}"),
    }
}
