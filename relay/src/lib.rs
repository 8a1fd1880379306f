//! A WebSocket-to-TCP byte relay. One WebSocket is one TCP connection; the
//! relay never parses what flows through it. It is meant to face the
//! internet: targets and origins are allow-listed, connections are limited
//! per client and in total, and every buffer is bounded.
#![forbid(unsafe_code)]

pub mod burst;
pub mod config;
pub mod handshake;
pub mod pump;
pub mod serve;
pub mod tls;

pub use config::{Config, TargetPattern};

use axum::Router;
use axum::routing::{get, post};
use handshake::Shared;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// A running relay.
#[derive(Debug)]
pub struct Relay {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Relay {
    /// Open WebSocket connections right now.
    pub fn active(&self) -> usize {
        self.shared.active.load(Ordering::Relaxed)
    }

    /// Stop accepting, close every connection with 1001, and wait at most
    /// the drain timeout for them to finish.
    pub async fn shutdown(self) {
        self.shared.cancel.cancel();
        self.shared.tracker.close();
        let _ = tokio::time::timeout(self.shared.config.drain_timeout, self.shared.tracker.wait()).await;
        let _ = tokio::time::timeout(self.shared.config.drain_timeout, self.server).await;
    }
}

pub fn router(shared: Arc<Shared>) -> Router {
    let mut r = Router::new()
        .route("/ws", get(handshake::ws).post(handshake::ws))
        .route("/ws-refusal", post(handshake::probe))
        .route("/healthz", get(|| async { "ok\n" }));
    if let Some(dir) = &shared.config.static_dir {
        r = r.fallback_service(tower_http::services::ServeDir::new(dir));
    }
    r.with_state(shared)
}

/// Start serving `config`; with `tls` (see [`tls::acceptor`]) the relay
/// speaks HTTPS/WSS itself.
pub async fn start(config: Config) -> std::io::Result<Relay> {
    start_with_tls(config, None).await
}

pub async fn start_with_tls(config: Config, tls: Option<tls::Acceptor>) -> std::io::Result<Relay> {
    use axum::serve::ListenerExt;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared::new(config));
    let app = router(shared.clone());
    let cancel = shared.cancel.clone();
    let (header_timeout, lifetime) = (shared.config.header_timeout, shared.config.http_lifetime);
    let server = match tls {
        None => {
            // Small MSN lines must not wait for Nagle: no delay toward the
            // browser (the pump sets it toward the server).
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
                little_unsent(tcp);
            });
            tokio::spawn(serve::serve(listener, app, header_timeout, lifetime, cancel))
        }
        Some(acceptor) => {
            let listener = tls::TlsListener::new(listener, acceptor, cancel.clone())?;
            tokio::spawn(serve::serve(listener, app, header_timeout, lifetime, cancel))
        }
    };
    Ok(Relay { addr, shared, server })
}

/// Unsent bytes the kernel may hold toward a browser. Past that the pump
/// stops reading the server, so what waits for a slow browser waits at the
/// server (which holds its senders back), not megabytes deep in our kernel
/// buffers, where a chat message would queue behind a file for seconds.
pub const UNSENT: u32 = 16 * 1024;

/// Set [`UNSENT`] on a browser's connection (Linux; elsewhere the kernel's
/// default stays).
pub(crate) fn little_unsent(tcp: &tokio::net::TcpStream) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Err(e) = socket2::SockRef::from(tcp).set_tcp_notsent_lowat(UNSENT) {
        tracing::warn!(error = %e, "TCP_NOTSENT_LOWAT refused: a slow browser's data may wait in the kernel");
    }
}
