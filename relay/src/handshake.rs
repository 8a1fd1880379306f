//! `GET /ws[?target=HOST:PORT]`: every check happens here, before the
//! upgrade, so a refusal is a plain HTTP status a person can read in logs.

use crate::burst::BurstReader;
use crate::config::{Config, is_internal};
use crate::pump;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use percent_encoding::percent_decode_str;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// State shared by all connections.
#[derive(Debug)]
pub struct Shared {
    pub config: Config,
    pub active: AtomicUsize,
    per_ip: Mutex<HashMap<IpAddr, usize>>,
    pub tracker: TaskTracker,
    pub cancel: CancellationToken,
    next_id: AtomicU64,
}

impl Shared {
    pub fn new(config: Config) -> Shared {
        Shared {
            config,
            active: 0.into(),
            per_ip: Mutex::new(HashMap::new()),
            tracker: TaskTracker::new(),
            cancel: CancellationToken::new(),
            next_id: 1.into(),
        }
    }
}

/// A connection slot; freed when the connection ends, however it ends.
struct Slot {
    shared: Arc<Shared>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.shared.active.fetch_sub(1, Ordering::Relaxed);
        let mut m = self.shared.per_ip.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = m.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

fn take_slot(shared: &Arc<Shared>, ip: IpAddr) -> Option<Slot> {
    let mut m = shared.per_ip.lock().unwrap_or_else(|p| p.into_inner());
    let n = m.entry(ip).or_insert(0);
    if *n >= shared.config.max_per_ip || shared.active.load(Ordering::Relaxed) >= shared.config.max_connections {
        if *n == 0 {
            m.remove(&ip);
        }
        return None;
    }
    *n += 1;
    shared.active.fetch_add(1, Ordering::Relaxed);
    Some(Slot { shared: shared.clone(), ip })
}

/// The client's address: the peer, or the last `X-Forwarded-For` hop when the
/// peer is a trusted proxy.
pub fn client_ip(config: &Config, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    if config.trusted_proxies.contains(&peer.ip())
        && let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return ip;
    }
    peer.ip()
}

/// Whether the page that opens this WebSocket may: an allow-listed origin,
/// or the relay's own. Its own is the host:port the browser asked for: the
/// `Host` header, or, behind a proxy on this machine or a `--trusted-proxy`
/// (`trunk serve`, nginx), the `X-Forwarded-Host` it set. A browser cannot
/// set that header itself, so no other site's page gets in this way.
fn origin_allowed(config: &Config, peer: SocketAddr, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return config.allow_no_origin;
    };
    if config.allow_origins.iter().any(|o| o.eq_ignore_ascii_case(origin) || o == "*") {
        return true;
    }
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
    let same = |h: Option<&str>| h.is_some_and(|h| !h.is_empty() && origin_host.eq_ignore_ascii_case(h.trim()));
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    // The first hop's host: what the browser asked for.
    let forwarded = headers.get("x-forwarded-host").and_then(|h| h.to_str().ok()).and_then(|h| h.split(',').next());
    let proxied = peer.ip().is_loopback() || config.trusted_proxies.contains(&peer.ip());
    same(host) || (proxied && same(forwarded))
}

/// A refusal with its reason. Any page may read it (a page on another
/// origin most of all needs to learn that its origin is the problem); the
/// reasons say nothing about the relay that its allow-lists do not.
fn refuse(status: StatusCode, why: &'static str) -> Response {
    (status, [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")], format!("{why}\n")).into_response()
}

fn target_of(config: &Config, query: Option<&str>) -> String {
    query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|kv| kv.strip_prefix("target="))
        .map(|t| percent_decode_str(t).decode_utf8_lossy().into_owned())
        .unwrap_or_else(|| config.upstream.clone())
}

/// Resolve `host:port`, and check every address against the policy.
async fn resolve(config: &Config, host: &str, port: u16) -> Result<Vec<SocketAddr>, Refusal> {
    let literal_allowed: Vec<IpAddr> =
        config.allow.iter().filter(|p| p.matches(host, port)).filter_map(|p| p.literal_ip()).collect();
    let addrs: Vec<SocketAddr> =
        match tokio::time::timeout(config.connect_timeout, tokio::net::lookup_host((host, port))).await {
            Ok(Ok(a)) => a.collect(),
            _ => return Err(Refusal::Unresolvable),
        };
    // "localhost" counts as an explicit allowance of loopback.
    let named_local = host.eq_ignore_ascii_case("localhost");
    let ok: Vec<SocketAddr> = addrs
        .into_iter()
        .filter(|a| {
            config.allow_private
                || !is_internal(a.ip())
                || literal_allowed.contains(&a.ip())
                || (named_local && a.ip().is_loopback())
        })
        .collect();
    if ok.is_empty() { Err(Refusal::InternalAddress) } else { Ok(ok) }
}

enum Refusal {
    Unresolvable,
    InternalAddress,
}

/// `/ws`: a WebSocket to relay, or a probe (a plain request).
pub async fn ws(state: State<Arc<Shared>>, peer: ConnectInfo<SocketAddr>, req: Request) -> Response {
    handle(state, peer, req, true).await
}

/// `POST /ws-refusal?target=...`: the status and reason a WebSocket to
/// `/ws?target=...` would get, through any plain HTTP proxy (`trunk serve`
/// carries only GET upgrades on its WebSocket route). Never upgrades.
pub async fn probe(state: State<Arc<Shared>>, peer: ConnectInfo<SocketAddr>, req: Request) -> Response {
    handle(state, peer, req, false).await
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    may_upgrade: bool,
) -> Response {
    let config = &shared.config;
    let ip = client_ip(config, peer, req.headers());
    let headers = req.headers();
    let is_upgrade = may_upgrade
        && headers
            .get(header::UPGRADE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let key = headers.get(header::SEC_WEBSOCKET_KEY).cloned().filter(|_| is_upgrade);
    // A plain request is a probe: browsers cannot read the status of a
    // refused WebSocket handshake, so the client asks again (with POST, which
    // carries Origin) and gets the same answer. Probes without an Origin
    // header skip that check; nothing is opened for them.
    if (key.is_some() || headers.contains_key(header::ORIGIN)) && !origin_allowed(config, peer, headers) {
        tracing::warn!(%ip, origin = ?headers.get(header::ORIGIN), "refused: origin not allowed");
        return refuse(StatusCode::FORBIDDEN, "origin not allowed");
    }
    let target = target_of(config, req.uri().query());
    let Some((host, port)) = target
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h.trim_start_matches('[').trim_end_matches(']').to_owned(), p.parse::<u16>().ok()?)))
    else {
        return refuse(StatusCode::BAD_REQUEST, "target must be HOST:PORT");
    };
    if !config.allow.iter().any(|p| p.matches(&host, port)) {
        tracing::warn!(%ip, %target, "refused: target not allowed");
        return refuse(StatusCode::FORBIDDEN, "target not allowed");
    }
    let Some(slot) = take_slot(&shared, ip) else {
        tracing::warn!(%ip, "refused: connection limit");
        return refuse(StatusCode::TOO_MANY_REQUESTS, "too many connections");
    };
    let Some(key) = key else {
        return refuse(StatusCode::UPGRADE_REQUIRED, "this endpoint speaks WebSocket");
    };
    let resolved = resolve(config, &host, port).await;
    if let Err(Refusal::InternalAddress) = resolved {
        tracing::warn!(%ip, %target, "refused: resolves to an internal address");
        return refuse(StatusCode::FORBIDDEN, "target not allowed");
    }
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let on_upgrade = hyper::upgrade::on(&mut req);
    let ws_config = WebSocketConfig::default()
        .read_buffer_size(pump::BUFFER)
        .write_buffer_size(0)
        // Must hold one whole batched message, or sends fail.
        .max_write_buffer_size(pump::DOWN_BATCH * 2)
        .max_message_size(Some(config.max_message))
        .max_frame_size(Some(config.max_message));
    let task_shared = shared.clone();
    shared.tracker.spawn(async move {
        let _slot = slot;
        let span = tracing::info_span!("ws", id, client = %ip, %target);
        let Ok(upgraded) = on_upgrade.await else {
            return;
        };
        let ws =
            WebSocketStream::from_raw_socket(BurstReader::new(TokioIo::new(upgraded)), Role::Server, Some(ws_config))
                .await;
        use tracing::Instrument;
        pump::run(ws, resolved.ok(), &task_shared.config, task_shared.cancel.clone()).instrument(span).await;
    });
    let accept = derive_accept_key(key.as_bytes());
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::SEC_WEBSOCKET_ACCEPT, HeaderValue::from_str(&accept).expect("base64"));
    resp
}
