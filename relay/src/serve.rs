//! The HTTP accept loop. `axum::serve` installs no timer, so hyper's header
//! read timeout never fires there: a client that opens a connection and
//! dribbles its request head (slowloris) would hold it, and a descriptor,
//! for ever. Here every connection has `header_timeout` to finish its
//! request head, and a plain HTTP connection (static files, probes) at most
//! `lifetime` in all, so one left idle on keep-alive is not kept for ever
//! either. After the upgrade the WebSocket has its own idle timeout.

use axum::Router;
use axum::extract::ConnectInfo;
use axum::serve::Listener;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Serve `app` on `listener` until `cancel`; connections still reading a
/// request finish it, then close.
pub async fn serve<L>(
    mut listener: L,
    app: Router,
    header_timeout: Duration,
    lifetime: Duration,
    cancel: CancellationToken,
) where
    L: Listener<Addr = SocketAddr>,
{
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(header_timeout);
    loop {
        let (io, peer) = tokio::select! {
            conn = listener.accept() => conn,
            _ = cancel.cancelled() => return,
        };
        // The handshake reads the peer address as axum's ConnectInfo.
        let svc = tower::ServiceBuilder::new()
            .map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            })
            .service(app.clone());
        let (builder, cancel) = (builder.clone(), cancel.clone());
        tokio::spawn(async move {
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), TowerToHyperService::new(svc));
            tokio::pin!(conn);
            // An upgraded connection's HTTP part ends at the upgrade.
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = cancel.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
                _ = tokio::time::sleep(lifetime) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
}
