//! The byte pump: WebSocket frames to TCP bytes and back, nothing else.
//! Backpressure is end to end: while one side cannot take more, the pump
//! stops reading the other, so no buffer grows past `BUFFER`.

use crate::burst::BurstReader;
use crate::config::Config;
use futures_util::{FutureExt, SinkExt, StreamExt};
use std::net::SocketAddr;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_util::sync::CancellationToken;

/// WebSocket read buffer, allocated for the life of a connection: small, so
/// that idle connections stay cheap.
pub const BUFFER: usize = 4096;
/// Most bytes gathered from WebSocket frames into one TCP write. Allocated
/// per write, so it costs idle connections nothing.
pub const UP_BATCH: usize = 64 * 1024;
/// Most bytes read from TCP into one WebSocket frame. Smaller than
/// `UP_BATCH`: tungstenite keeps its write buffer's capacity after a frame,
/// so this bounds what a connection holds once traffic has passed.
pub const DOWN_BATCH: usize = 16 * 1024;

fn close(code: CloseCode, reason: &str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: reason.to_owned().into() }))
}

pub async fn run<S>(
    mut ws: WebSocketStream<BurstReader<S>>,
    targets: Option<Vec<SocketAddr>>,
    config: &Config,
    cancel: CancellationToken,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let connect = async {
        let mut last = None;
        for a in targets.into_iter().flatten() {
            match TcpStream::connect(a).await {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        Err(last.map(|e| e.to_string()).unwrap_or_else(|| "cannot resolve the target".into()))
    };
    let tcp = match tokio::time::timeout(config.connect_timeout, connect).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            tracing::info!(error = %e, "upstream connect failed");
            let _ = ws.send(close(CloseCode::Error, &format!("upstream connect failed: {e}"))).await;
            return;
        }
        Err(_) => {
            tracing::info!("upstream connect timed out");
            let _ = ws.send(close(CloseCode::Error, "upstream connect timed out")).await;
            return;
        }
    };
    let _ = tcp.set_nodelay(true);
    let (rd, mut wr) = tcp.into_split();
    let (mut up, mut down) = (0u64, 0u64);
    // The idle timer is re-armed only when it fires, from the time of the
    // last traffic: no timer work per message.
    let mut last_traffic = Instant::now();
    let idle = tokio::time::sleep(config.idle_timeout);
    tokio::pin!(idle);
    let mut ping = tokio::time::interval_at(Instant::now() + config.ping_interval, config.ping_interval);
    let reason: String = loop {
        tokio::select! {
            m = ws.next() => {
                last_traffic = Instant::now();
                match m {
                    Some(Ok(first @ (Message::Binary(_) | Message::Text(_)))) => {
                        // Gather frames that are already here into one write;
                        // a lone frame is written as it is, without first
                        // asking the socket for more (a wasted system call on
                        // every message's way).
                        let first = first.into_data();
                        let mut batch: Option<Vec<u8>> = None;
                        let mut ended = None;
                        while ws.get_ref().may_have_more() && batch.as_ref().map_or(first.len(), Vec::len) < UP_BATCH {
                            match ws.next().now_or_never() {
                                Some(Some(Ok(m @ (Message::Binary(_) | Message::Text(_))))) => {
                                    batch.get_or_insert_with(|| first.to_vec()).extend_from_slice(&m.into_data())
                                }
                                Some(Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)))) => {}
                                None => break,
                                Some(other) => { ended = Some(other); break; }
                            }
                        }
                        let bytes = batch.as_deref().unwrap_or(&first);
                        up += bytes.len() as u64;
                        if let Err(e) = wr.write_all(bytes).await { break format!("upstream write: {e}"); }
                        match ended {
                            None => {}
                            Some(Some(Err(e))) => break format!("client error: {e}"),
                            Some(_) => break "client closed".into(),
                        }
                    }
                    Some(Ok(Message::Ping(_))) => { let _ = ws.flush().await; }
                    Some(Ok(Message::Pong(_) | Message::Frame(_))) => {}
                    Some(Ok(Message::Close(_))) | None => break "client closed".into(),
                    Some(Err(e)) => {
                        let _ = ws.send(close(CloseCode::Policy, "bad WebSocket data")).await;
                        break format!("client error: {e}");
                    }
                }
            }
            r = rd.readable() => {
                if let Err(e) = r { break format!("upstream read: {e}"); }
                let mut buf = Vec::with_capacity(DOWN_BATCH);
                // One read takes whatever is waiting, up to a batch.
                match rd.try_read_buf(&mut buf) {
                    Ok(0) => {
                        let _ = ws.send(close(CloseCode::Normal, "server closed the connection")).await;
                        break "upstream closed".into();
                    }
                    Ok(n) => {
                        down += n as u64;
                        last_traffic = Instant::now();
                        if let Err(e) = ws.send(Message::Binary(buf.into())).await { break format!("client write: {e}"); }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => {
                        let _ = ws.send(close(CloseCode::Error, "upstream connection failed")).await;
                        break format!("upstream read: {e}");
                    }
                }
            }
            _ = ping.tick() => {
                if ws.send(Message::Ping(Vec::new().into())).await.is_err() { break "client gone".into(); }
            }
            _ = &mut idle => {
                let deadline = last_traffic + config.idle_timeout;
                if deadline > Instant::now() {
                    idle.as_mut().reset(deadline);
                    continue;
                }
                let _ = ws.send(close(CloseCode::Normal, "idle")).await;
                break "idle".into();
            }
            _ = cancel.cancelled() => {
                let _ = ws.send(close(CloseCode::Away, "relay shutting down")).await;
                break "shutdown".into();
            }
        }
    };
    let _ = wr.shutdown().await;
    tracing::info!(bytes_up = up, bytes_down = down, %reason, "closed");
}
