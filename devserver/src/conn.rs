//! The loop every TCP connection runs: read and frame bytes, hand frames to
//! a protocol handler, write what it answers, deliver what other connections
//! send it, and close on idleness, on request, or on bad input.

use crate::hub::{Deliver, Inbox};
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
    fn on_frame(&mut self, frame: Frame, out: &mut Vec<u8>) -> Flow;
    /// Called about once a second.
    fn on_tick(&mut self, _now: Instant, _out: &mut Vec<u8>) -> Flow {
        Flow::Continue
    }
    /// The server is shutting down: say goodbye (`OUT SSD`).
    fn on_shutdown(&mut self, _out: &mut Vec<u8>) {}
    /// The connection is gone, for whatever reason.
    fn on_close(&mut self);
}

/// Client lines are short; payloads are capped at what real servers allow
/// on a switchboard plus room for NS XML.
pub const LIMITS: Limits = Limits { max_line: 4096, max_payload: 8192 };

pub async fn run(
    mut stream: TcpStream,
    handler: &mut dyn Handler,
    mut inbox: Inbox,
    idle: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let mut framer = Framer::new(Direction::ToServer, LIMITS);
    let mut buf = vec![0u8; 4096];
    let mut out = Vec::new();
    let mut deadline = tokio::time::Instant::now() + idle;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let mut flow = Flow::Continue;
        tokio::select! {
            r = stream.read(&mut buf) => match r {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    deadline = tokio::time::Instant::now() + idle;
                    framer.push(&buf[..n]);
                    loop {
                        match framer.next_frame() {
                            Ok(Some(frame)) => {
                                tracing::debug!(line = %String::from_utf8_lossy(&frame.line), "<<");
                                flow = handler.on_frame(frame, &mut out);
                                if flow == Flow::Close { break; }
                            }
                            Ok(None) => break,
                            Err(e) => {
                                tracing::info!(error = %e, "closing: bad framing");
                                out.extend_from_slice(b"200 0\r\n");
                                flow = Flow::Close;
                                break;
                            }
                        }
                    }
                }
            },
            _ = inbox.kill.notified() => {
                tracing::info!("closing: not reading fast enough");
                flow = Flow::Close;
            }
            d = inbox.rx.recv() => match d {
                Some(Deliver::Bytes(b)) => out.extend_from_slice(&b),
                Some(Deliver::Close(b)) => { out.extend_from_slice(&b); flow = Flow::Close; }
                None => break,
            },
            _ = tick.tick() => { flow = handler.on_tick(Instant::now(), &mut out); }
            _ = tokio::time::sleep_until(deadline) => {
                tracing::info!("closing: idle");
                flow = Flow::Close;
            }
            _ = shutdown.changed() => {
                handler.on_shutdown(&mut out);
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
    handler.on_close();
}
