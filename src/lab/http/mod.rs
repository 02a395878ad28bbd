//! The OpenStack HTTP APIs of the lab: Keystone (public and admin ports), Nova and Neutron, each on
//! its usual port, all rendered from the model.

mod auth;
mod catalog;
mod errors;
mod keystone;
mod keystone_v3;
pub(crate) mod neutron;
mod nova;
mod state;

pub use state::{ApiState, HttpPorts};

use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Listeners bound before anything else starts, so a port in use fails `up` at once.
pub struct BoundApis {
    listeners: Vec<(&'static str, TcpListener)>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr} ({service}): {source}")]
pub struct BindError {
    pub service: &'static str,
    pub addr: SocketAddr,
    pub source: std::io::Error,
}

pub async fn bind(host: std::net::IpAddr, ports: &HttpPorts) -> Result<BoundApis, BindError> {
    let mut listeners = Vec::new();
    for (service, port) in ports.named() {
        let addr = SocketAddr::new(host, port);
        let listener = TcpListener::bind(addr).await.map_err(|source| BindError {
            service,
            addr,
            source,
        })?;
        listeners.push((service, listener));
    }
    Ok(BoundApis { listeners })
}

/// The running HTTP servers; `shutdown` stops them all.
pub struct RunningApis {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningApis {
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

fn router_for(service: &str, state: Arc<ApiState>) -> Router {
    match service {
        HttpPorts::KEYSTONE_PUBLIC | HttpPorts::KEYSTONE_ADMIN => keystone::router(state),
        HttpPorts::NOVA => nova::router(state),
        _ => neutron::router(state),
    }
}

pub fn serve(bound: BoundApis, state: Arc<ApiState>) -> RunningApis {
    let (stop, _) = watch::channel(false);
    let tasks = bound
        .listeners
        .into_iter()
        .map(|(service, listener)| {
            let app = router_for(service, state.clone());
            let mut stopped = stop.subscribe();
            tokio::spawn(async move {
                let result = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.wait_for(|s| *s).await;
                    })
                    .await;
                if let Err(e) = result {
                    log::error!("{service} HTTP server stopped: {e}");
                }
            })
        })
        .collect();
    RunningApis { stop, tasks }
}
