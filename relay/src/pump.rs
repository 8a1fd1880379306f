//! The byte pump: WebSocket frames to TCP bytes and back, nothing else.
//!
//! Each direction is its own loop, so neither ever waits on the other: a
//! server that does not read (or writes back before it reads again) stops
//! only the browser-to-server direction, and a browser that does not read
//! stops only the server-to-browser one. Backpressure stays per direction:
//! a loop reads its source only once the last batch is written to its
//! sink, so no buffer grows past `UP_BATCH` / `DOWN_BATCH` plus the kernel's.
//! Both loops run in the connection's one task (the WebSocket is split into
//! sink and stream), raced against the idle timer and the relay's shutdown;
//! whichever ends first ends the connection, and the close frame is sent
//! after both loops have stopped.

use crate::burst::{BurstReader, MoreHint};
use crate::config::Config;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{FutureExt, SinkExt, StreamExt};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
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
/// How long the close frame may take to reach a browser that has stopped
/// reading, before the connection is dropped without it.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

type Sink<S> = SplitSink<WebSocketStream<BurstReader<S>>, Message>;
type Stream<S> = SplitStream<WebSocketStream<BurstReader<S>>>;

/// Why a connection ended; each says what the browser is told.
#[derive(Debug)]
enum Ending {
    ClientClosed,
    /// The browser sent what is not a WebSocket (or over the size limit).
    ClientError(String),
    /// Writing to the browser failed: it is gone, nothing to tell it.
    ClientGone(String),
    UpstreamClosed,
    UpstreamFailed(String),
    Idle,
    Shutdown,
}

impl Ending {
    fn close_frame(&self) -> Option<Message> {
        let (code, reason) = match self {
            Ending::ClientClosed | Ending::ClientGone(_) => return None,
            Ending::ClientError(_) => (CloseCode::Policy, "bad WebSocket data"),
            Ending::UpstreamClosed => (CloseCode::Normal, "server closed the connection"),
            Ending::UpstreamFailed(_) => (CloseCode::Error, "upstream connection failed"),
            Ending::Idle => (CloseCode::Normal, "idle"),
            Ending::Shutdown => (CloseCode::Away, "relay shutting down"),
        };
        Some(close(code, reason))
    }

    fn reason(&self) -> String {
        match self {
            Ending::ClientClosed => "client closed".into(),
            Ending::ClientError(e) => format!("client error: {e}"),
            Ending::ClientGone(e) => format!("client write: {e}"),
            Ending::UpstreamClosed => "upstream closed".into(),
            Ending::UpstreamFailed(e) => format!("upstream: {e}"),
            Ending::Idle => "idle".into(),
            Ending::Shutdown => "shutdown".into(),
        }
    }
}

/// When traffic last passed either way, shared by both loops and the idle
/// timer. Milliseconds since the connection started: one store per batch.
#[derive(Debug)]
struct LastTraffic {
    start: Instant,
    ms: AtomicU64,
}

impl LastTraffic {
    fn new() -> Self {
        LastTraffic { start: Instant::now(), ms: AtomicU64::new(0) }
    }

    fn touch(&self) {
        self.ms.store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn at(&self) -> Instant {
        self.start + Duration::from_millis(self.ms.load(Ordering::Relaxed))
    }
}

fn close(code: CloseCode, reason: &str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: reason.to_owned().into() }))
}

/// Relay `ws` to the first of `targets` that answers. A plain function that
/// splits the WebSocket before any future exists: an `async fn` keeps its
/// arguments for its whole life, so the moved-out stream would stay in
/// every idle connection's memory a second time.
pub fn run<'a, S>(
    ws: WebSocketStream<BurstReader<S>>,
    targets: Option<Vec<SocketAddr>>,
    config: &'a Config,
    cancel: CancellationToken,
) -> impl std::future::Future<Output = ()> + 'a
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + 'a,
{
    let more = ws.get_ref().more_hint();
    let (sink, stream) = ws.split();
    relay(sink, stream, more, targets, config, cancel)
}

async fn relay<S>(
    mut sink: Sink<S>,
    mut stream: Stream<S>,
    more: MoreHint,
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
            let frame = close(CloseCode::Error, &format!("upstream connect failed: {e}"));
            return close_unconnected(&mut sink, &mut stream, frame).await;
        }
        Err(_) => {
            tracing::info!("upstream connect timed out");
            return close_unconnected(&mut sink, &mut stream, close(CloseCode::Error, "upstream connect timed out"))
                .await;
        }
    };
    let _ = tcp.set_nodelay(true);
    let (rd, mut wr) = tcp.into_split();
    let traffic = LastTraffic::new();
    let (mut up, mut down) = (0u64, 0u64);
    let ending = tokio::select! {
        e = browser_to_server(&mut stream, &mut wr, &more, &traffic, &mut up) => e,
        e = server_to_browser(&mut sink, &rd, config.ping_interval, &traffic, &mut down) => e,
        e = idle(&traffic, config.idle_timeout) => e,
        _ = cancel.cancelled() => Ending::Shutdown,
    };
    // Both loops have stopped: the sink is free for the close frame. A
    // browser that does not read gets a bounded wait, not a stuck task.
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        if let Some(frame) = ending.close_frame() {
            sink.send(frame).await?;
        }
        // Also flushes the reply to a close the browser started.
        sink.close().await
    })
    .await;
    let _ = wr.shutdown().await;
    if matches!(ending, Ending::ClientClosed) {
        drain_until_closed(&rd).await;
    }
    tracing::info!(bytes_up = up, bytes_down = down, reason = %ending.reason(), "closed");
}

/// The browser has gone; the server has its last bytes and our FIN. Read
/// (and drop) what the server still sends until it closes, within the grace
/// period: a socket dropped with unread bytes is reset, and a reset throws
/// away what the server had not read yet. A server holding this connection
/// back (for a slow reader elsewhere) would lose the browser's last words:
/// a file's cancel, and its `OUT`.
async fn drain_until_closed(rd: &OwnedReadHalf) {
    let mut buf = [0u8; BUFFER];
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        loop {
            if rd.readable().await.is_err() {
                return;
            }
            match rd.try_read(&mut buf) {
                Ok(0) => return, // the server closed
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return,
            }
        }
    })
    .await;
}

/// Close a WebSocket whose server could not be reached, with why. What the
/// browser already sent (a client writes its first command as soon as the
/// socket opens) is read and dropped, and its close answered, within the
/// grace period: a socket closed with unread bytes is reset, and a browser
/// that sees a reset reports code 1006 and loses our reason.
async fn close_unconnected<S>(sink: &mut Sink<S>, stream: &mut Stream<S>, frame: Message)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        if sink.send(frame).await.is_ok() {
            while let Some(Ok(_)) = stream.next().await {}
        }
        let _ = sink.close().await;
    })
    .await;
}

/// Browser frames to upstream bytes. Frames that are already here are
/// gathered into one write; a lone frame is written as it is, without first
/// asking the socket for more (a wasted system call on every message's way).
async fn browser_to_server<S>(
    stream: &mut Stream<S>,
    wr: &mut OwnedWriteHalf,
    more: &MoreHint,
    traffic: &LastTraffic,
    count: &mut u64,
) -> Ending
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        let first = match stream.next().await {
            Some(Ok(m @ (Message::Binary(_) | Message::Text(_)))) => m.into_data(),
            // tungstenite queues the pong itself and sends it on the next read.
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {
                traffic.touch();
                continue;
            }
            Some(Ok(Message::Close(_))) | None => return Ending::ClientClosed,
            Some(Err(e)) => return Ending::ClientError(e.to_string()),
        };
        traffic.touch();
        let mut batch: Option<Vec<u8>> = None;
        let mut ended = None;
        while more.get() && batch.as_ref().map_or(first.len(), Vec::len) < UP_BATCH {
            match stream.next().now_or_never() {
                Some(Some(Ok(m @ (Message::Binary(_) | Message::Text(_))))) => {
                    batch.get_or_insert_with(|| first.to_vec()).extend_from_slice(&m.into_data())
                }
                Some(Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)))) => {}
                None => break,
                Some(Some(Ok(Message::Close(_))) | None) => {
                    ended = Some(Ending::ClientClosed);
                    break;
                }
                Some(Some(Err(e))) => {
                    ended = Some(Ending::ClientError(e.to_string()));
                    break;
                }
            }
        }
        let bytes = batch.as_deref().unwrap_or(&first);
        *count += bytes.len() as u64;
        if let Err(e) = wr.write_all(bytes).await {
            return Ending::UpstreamFailed(format!("write: {e}"));
        }
        if let Some(e) = ended {
            return e;
        }
    }
}

/// Upstream bytes to browser frames, one frame per read of up to
/// `DOWN_BATCH`, and the keep-alive pings (they queue behind data, as they
/// should: a browser that reads nothing answers none).
async fn server_to_browser<S>(
    sink: &mut Sink<S>,
    rd: &OwnedReadHalf,
    ping_every: Duration,
    traffic: &LastTraffic,
    count: &mut u64,
) -> Ending
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut ping = tokio::time::interval_at(Instant::now() + ping_every, ping_every);
    loop {
        tokio::select! {
            r = rd.readable() => {
                if let Err(e) = r {
                    return Ending::UpstreamFailed(format!("read: {e}"));
                }
                let mut buf = Vec::with_capacity(DOWN_BATCH);
                // One read takes whatever is waiting, up to a batch.
                match rd.try_read_buf(&mut buf) {
                    Ok(0) => return Ending::UpstreamClosed,
                    Ok(n) => {
                        *count += n as u64;
                        traffic.touch();
                        if let Err(e) = sink.send(Message::Binary(buf.into())).await {
                            return Ending::ClientGone(e.to_string());
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => return Ending::UpstreamFailed(format!("read: {e}")),
                }
            }
            _ = ping.tick() => {
                if let Err(e) = sink.send(Message::Ping(Vec::new().into())).await {
                    return Ending::ClientGone(e.to_string());
                }
            }
        }
    }
}

/// Ends when no traffic has passed either way for `timeout`. The timer is
/// re-armed only when it fires, from the time of the last traffic: no timer
/// work per message.
async fn idle(traffic: &LastTraffic, timeout: Duration) -> Ending {
    let mut deadline = Instant::now() + timeout;
    loop {
        tokio::time::sleep_until(deadline).await;
        deadline = traffic.at() + timeout;
        if deadline <= Instant::now() {
            return Ending::Idle;
        }
    }
}
