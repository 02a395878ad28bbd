//! HTTPS for the lab's APIC and Kubernetes API: a self-signed certificate made at start (both
//! ship one, which is why scanners do not verify it) and a listener that hands axum TLS streams.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// A client that does not finish its TLS handshake in this time is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TlsError(String);

/// A TLS acceptor with a new self-signed certificate for `host`.
pub fn acceptor(host: &str) -> Result<TlsAcceptor, TlsError> {
    let certified = rcgen::generate_simple_self_signed(vec![host.to_string(), "apic".into()])
        .map_err(|e| TlsError(format!("lab certificate: {e}")))?;
    let cert: CertificateDer<'static> = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(format!("lab TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(|e| TlsError(format!("lab TLS: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Binds a lab HTTPS service's port (`service` names it in the error).
pub async fn bind(addr: SocketAddr, service: &str) -> Result<TcpListener, TlsError> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| TlsError(format!("cannot listen on {addr} ({service}): {e}")))
}

/// TCP connections that have completed a TLS handshake.
pub struct TlsListener {
    pub tcp: TcpListener,
    pub acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (socket, peer) = match self.tcp.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    log::warn!("HTTPS accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, self.acceptor.accept(socket)).await {
                Ok(Ok(stream)) => return (stream, peer),
                Ok(Err(e)) => log::debug!("TLS handshake with {peer} failed: {e}"),
                Err(_) => log::debug!("TLS handshake with {peer} timed out"),
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// An HTTPS server of the lab (the APIC, the Kubernetes API), running until `shutdown`.
pub struct RunningHttps {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningHttps {
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Serves `app` over HTTPS on `tcp` with a certificate for `host`; `what` names the server in
/// the log when it stops on an error.
pub fn serve_https(
    tcp: tokio::net::TcpListener,
    host: &str,
    app: axum::Router,
    what: &'static str,
) -> Result<RunningHttps, TlsError> {
    let listener = TlsListener {
        tcp,
        acceptor: acceptor(host)?,
    };
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        let result = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
            .await;
        if let Err(e) = result {
            log::error!("{what} HTTPS server stopped: {e}");
        }
    });
    Ok(RunningHttps { stop, task })
}
