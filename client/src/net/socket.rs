//! One WebSocket to the relay = one TCP connection to an MSN server.

use futures::channel::mpsc::{UnboundedSender, unbounded};
use futures::{SinkExt, StreamExt};
use gloo::net::websocket::{Message, WebSocketError, futures::WebSocket};
use wasm_bindgen_futures::spawn_local;

/// Handle for writing; dropping or closing it closes the socket.
pub type Writer = UnboundedSender<Vec<u8>>;

/// How a socket ended, as far as a browser can tell.
#[derive(Debug, Clone, PartialEq)]
pub struct Closed {
    pub code: Option<u16>,
    pub reason: String,
    /// Never opened: the relay refused or could not be reached.
    pub before_open: bool,
}

/// Open `url`; `on_data` gets every frame's bytes, `on_close` runs once:
/// when the other end closes, or when every [`Writer`] is dropped or closed.
///
/// One task owns the socket: closing the writer must close the socket too,
/// and gloo's `close` on a sink half does nothing (only dropping the whole
/// socket closes it). A socket left open after we stopped reading it would
/// be a member the server still delivers to: messages acknowledged to the
/// sender and never shown.
pub fn open(
    url: &str,
    on_data: impl Fn(Vec<u8>) + 'static,
    on_close: impl FnOnce(Closed) + 'static,
) -> Result<Writer, String> {
    let ws = WebSocket::open(url).map_err(|e| format!("cannot open {url}: {e}"))?;
    let (tx, rx) = unbounded::<Vec<u8>>();
    spawn_local(async move {
        let (mut sink, stream) = ws.split();
        let (mut rx, mut stream) = (rx.fuse(), stream.fuse());
        let mut got_data = false;
        let mut closed = Closed { code: None, reason: String::new(), before_open: false };
        loop {
            futures::select! {
                out = rx.next() => match out {
                    Some(bytes) => {
                        if let Err(e) = sink.send(Message::Bytes(bytes)).await {
                            closed.reason = e.to_string();
                            closed.before_open = !got_data;
                            break;
                        }
                    }
                    // Closed here: dropping both halves below closes the socket.
                    None => {
                        closed.reason = "closed by this page".into();
                        break;
                    }
                },
                m = stream.next() => match m {
                    Some(Ok(Message::Bytes(b))) => {
                        got_data = true;
                        on_data(b);
                    }
                    Some(Ok(Message::Text(t))) => {
                        got_data = true;
                        on_data(t.into_bytes());
                    }
                    Some(Err(WebSocketError::ConnectionClose(ev))) => {
                        closed.code = Some(ev.code);
                        closed.reason = ev.reason;
                        closed.before_open = !got_data && ev.code == 1006;
                        break;
                    }
                    Some(Err(e)) => {
                        closed.reason = e.to_string();
                        closed.before_open = !got_data;
                        break;
                    }
                    None => break,
                },
            }
        }
        drop((sink, stream));
        on_close(closed);
    });
    Ok(tx)
}
