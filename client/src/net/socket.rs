//! One WebSocket to the relay = one TCP connection to an MSN server.

use futures::channel::mpsc::{UnboundedSender, unbounded};
use futures::{SinkExt, StreamExt};
use gloo::net::websocket::{Message, WebSocketError, futures::WebSocket};
use wasm_bindgen_futures::spawn_local;

/// Handle for writing; dropping it closes the socket.
pub type Writer = UnboundedSender<Vec<u8>>;

/// How a socket ended, as far as a browser can tell.
#[derive(Debug, Clone, PartialEq)]
pub struct Closed {
    pub code: Option<u16>,
    pub reason: String,
    /// Never opened: the relay refused or could not be reached.
    pub before_open: bool,
}

/// Open `url`; `on_data` gets every frame's bytes, `on_close` runs once.
pub fn open(
    url: &str,
    on_data: impl Fn(Vec<u8>) + 'static,
    on_close: impl FnOnce(Closed) + 'static,
) -> Result<Writer, String> {
    let ws = WebSocket::open(url).map_err(|e| format!("cannot open {url}: {e}"))?;
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = unbounded::<Vec<u8>>();
    spawn_local(async move {
        while let Some(bytes) = rx.next().await {
            if sink.send(Message::Bytes(bytes)).await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });
    spawn_local(async move {
        let mut got_data = false;
        let mut closed = Closed { code: None, reason: String::new(), before_open: false };
        while let Some(m) = stream.next().await {
            match m {
                Ok(Message::Bytes(b)) => {
                    got_data = true;
                    on_data(b);
                }
                Ok(Message::Text(t)) => {
                    got_data = true;
                    on_data(t.into_bytes());
                }
                Err(WebSocketError::ConnectionClose(ev)) => {
                    closed.code = Some(ev.code);
                    closed.reason = ev.reason;
                    closed.before_open = !got_data && ev.code == 1006;
                    break;
                }
                Err(e) => {
                    closed.reason = e.to_string();
                    closed.before_open = !got_data;
                    break;
                }
            }
        }
        on_close(closed);
    });
    Ok(tx)
}
