//! The loop every TCP connection runs: read and frame bytes, hand frames to
//! a protocol handler, write what it answers, deliver what other connections
//! send it, and close on idleness, on request, or on bad input.
//!
//! A handler that works with the SQLite store (the notification server)
//! runs on tokio's blocking pool, so a slow disk write stalls its own
//! connection only, never the async workers every other connection needs.

use crate::hub::{Deliver, Inbox, Outbox, STUCK};
use msnp::codec::{Direction, Frame, Framer, Limits};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

/// Whether to keep the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Write what is queued, then close.
    Close,
}

pub trait Handler: Send {
    /// Whether handling a frame may wait on the disk (SQLite): then it runs
    /// off the async workers.
    fn uses_storage(&self) -> bool {
        false
    }
    fn on_frame(&mut self, frame: Frame, out: &mut Vec<u8>) -> Flow;
    /// Called about once a second.
    fn on_tick(&mut self, _now: Instant, _out: &mut Vec<u8>) -> Flow {
        Flow::Continue
    }
    /// Queues to others holding more than `hub::CROWDED` since the last call, filled by what
    /// this connection sent: it reads nothing more until they have room.
    fn crowded(&mut self) -> Vec<Outbox> {
        Vec::new()
    }
    /// The server is shutting down: say goodbye (`OUT SSD`).
    fn on_shutdown(&mut self, _out: &mut Vec<u8>) {}
    /// The connection is gone, for whatever reason.
    fn on_close(&mut self);
}

/// Client lines are short; payloads are capped at what real servers allow
/// on a switchboard plus room for NS XML.
pub const LIMITS: Limits = Limits { max_line: 4096, max_payload: 8192 };

/// Hand `frames` to the handler in order, until one asks to close.
fn handle_frames(handler: &mut dyn Handler, frames: Vec<Frame>, out: &mut Vec<u8>) -> Flow {
    for frame in frames {
        tracing::debug!(line = %String::from_utf8_lossy(&frame.line), "<<");
        if handler.on_frame(frame, out) == Flow::Close {
            return Flow::Close;
        }
    }
    Flow::Continue
}

/// Run `work` on the handler: inline, or on the blocking pool when it uses
/// the store. The handler and the output buffer travel there and back.
async fn with_handler<T: Send + 'static>(
    handler: &mut Option<Box<dyn Handler>>,
    out: &mut Vec<u8>,
    work: impl FnOnce(&mut dyn Handler, &mut Vec<u8>) -> T + Send + 'static,
) -> Option<T> {
    let mut h = handler.take()?;
    if !h.uses_storage() {
        let r = work(h.as_mut(), out);
        *handler = Some(h);
        return Some(r);
    }
    let mut o = std::mem::take(out);
    match tokio::task::spawn_blocking(move || {
        let r = work(h.as_mut(), &mut o);
        (h, o, r)
    })
    .await
    {
        Ok((h, o, r)) => {
            *handler = Some(h);
            *out = o;
            Some(r)
        }
        Err(e) => {
            tracing::error!(error = %e, "handler failed; closing the connection");
            None
        }
    }
}

/// Unsent bytes the kernel holds for a connection. What waits to go to a
/// slow reader then waits in its outbox, where the slow-reader rule sees it
/// and its senders are held back, not megabytes deep in the kernel, where
/// a chat message would queue behind a file for seconds.
pub const UNSENT: u32 = 16 * 1024;

fn little_unsent(stream: &TcpStream) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Err(e) = socket2::SockRef::from(stream).set_tcp_notsent_lowat(UNSENT) {
        tracing::warn!(error = %e, "TCP_NOTSENT_LOWAT refused: a slow reader's data may wait in the kernel");
    }
}

pub async fn run(
    mut stream: TcpStream,
    handler: Box<dyn Handler>,
    mut inbox: Inbox,
    idle: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    little_unsent(&stream);
    // `None` only while it is away on the blocking pool, or after it failed.
    let mut handler = Some(handler);
    let mut framer = Framer::new(Direction::ToServer, LIMITS);
    let mut buf = vec![0u8; 4096];
    let mut out = Vec::new();
    let mut deadline = tokio::time::Instant::now() + idle;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // While set, this connection's reading waits for the queues it filled
    // to drain (backpressure to a fast sender); it still takes and writes
    // what others send it, so two senders waiting on each other never stall.
    let kill = inbox.kill.clone();
    let mut waiting: Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>> = None;
    loop {
        let mut flow = Flow::Continue;
        tokio::select! {
            _ = async { waiting.as_mut().expect("guarded").await }, if waiting.is_some() => {
                waiting = None;
            }
            r = stream.read(&mut buf), if waiting.is_none() => match r {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    deadline = tokio::time::Instant::now() + idle;
                    framer.push(&buf[..n]);
                    let mut frames = Vec::new();
                    let bad = loop {
                        match framer.next_frame() {
                            Ok(Some(frame)) => frames.push(frame),
                            Ok(None) => break None,
                            Err(e) => break Some(e),
                        }
                    };
                    if !frames.is_empty() {
                        // The queues it crowded are asked for in the same trip
                        // (a storage handler's is a trip to the blocking pool).
                        let done = with_handler(&mut handler, &mut out, move |h, out| {
                            (handle_frames(h, frames, out), h.crowded())
                        })
                        .await;
                        let full;
                        (flow, full) = done.unwrap_or((Flow::Close, Vec::new()));
                        if !full.is_empty() {
                            waiting = Some(Box::pin(async move {
                                for o in full {
                                    o.room(STUCK).await;
                                }
                            }));
                        }
                    }
                    if let (Some(e), Flow::Continue) = (bad, flow) {
                        tracing::info!(error = %e, "closing: bad framing");
                        out.extend_from_slice(b"200 0\r\n");
                        flow = Flow::Close;
                    }
                }
            },
            _ = kill.notified() => {
                tracing::info!("closing: not reading fast enough");
                flow = Flow::Close;
            }
            d = inbox.recv() => match d {
                Some(Deliver::Bytes(b)) => out.extend_from_slice(&b),
                Some(Deliver::Close(b)) => { out.extend_from_slice(&b); flow = Flow::Close; }
                None => break,
            },
            _ = tick.tick() => {
                flow = with_handler(&mut handler, &mut out, |h, out| h.on_tick(Instant::now(), out))
                    .await
                    .unwrap_or(Flow::Close);
            }
            _ = tokio::time::sleep_until(deadline) => {
                tracing::info!("closing: idle");
                flow = Flow::Close;
            }
            _ = shutdown.changed() => {
                with_handler(&mut handler, &mut out, |h, out| h.on_shutdown(out)).await;
                flow = Flow::Close;
            }
        }
        if !out.is_empty() {
            if tracing::enabled!(tracing::Level::DEBUG) {
                for l in String::from_utf8_lossy(&out).lines().filter(|l| !l.is_empty()) {
                    tracing::debug!(line = %l, ">>");
                }
            }
            let write = tokio::time::timeout(Duration::from_secs(10), stream.write_all(&out)).await;
            out.clear();
            if !matches!(write, Ok(Ok(()))) {
                break;
            }
        }
        if flow == Flow::Close {
            let _ = stream.shutdown().await;
            break;
        }
    }
    with_handler(&mut handler, &mut Vec::new(), |h, _| h.on_close()).await;
}
