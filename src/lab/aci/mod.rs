//! A simulated Cisco APIC (`calipso-lab up --aci`): the ACI fabric under the lab's hosts
//! ([`fabric`]), its managed objects ([`objects`]) and the REST calls of fetchers.md §4.4 over
//! HTTPS with a self-signed certificate ([`api`], `lab::tls`).

pub mod api;
pub mod fabric;
pub mod filter;
pub mod objects;

use std::sync::Arc;
use tokio::net::TcpListener;

/// The APIC's administrator.
pub const ACI_USER: &str = "admin";

/// A running APIC; `shutdown` stops it.
pub type RunningAci = crate::lab::tls::RunningHttps;

/// Serves the APIC on `tcp` (HTTPS) until `shutdown`.
pub fn serve(tcp: TcpListener, host: &str, state: api::AciState) -> anyhow::Result<RunningAci> {
    let app = api::router(Arc::new(state));
    Ok(crate::lab::tls::serve_https(tcp, host, app, "APIC")?)
}
