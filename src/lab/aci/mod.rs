//! A simulated Cisco APIC (`calipso-lab up --aci`): the ACI fabric under the lab's hosts
//! ([`fabric`]), its managed objects ([`objects`]) and the REST calls of fetchers.md §4.4 over
//! HTTPS with a self-signed certificate ([`api`], `lab::tls`).

pub mod api;
pub mod fabric;
pub mod filter;
pub mod objects;

use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The APIC's administrator.
pub const ACI_USER: &str = "admin";

/// A running APIC; `shutdown` stops it.
pub struct RunningAci {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningAci {
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Serves the APIC on `tcp` (HTTPS) until `shutdown`.
pub fn serve(tcp: TcpListener, host: &str, state: api::AciState) -> anyhow::Result<RunningAci> {
    let listener = crate::lab::tls::TlsListener {
        tcp,
        acceptor: crate::lab::tls::acceptor(host)?,
    };
    let app = api::router(Arc::new(state));
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        let result = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
            .await;
        if let Err(e) = result {
            log::error!("APIC HTTPS server stopped: {e}");
        }
    });
    Ok(RunningAci { stop, task })
}
