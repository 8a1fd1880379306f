//! One WebSocket to the relay = one TCP connection to an MSN server.
//!
//! Writes go to the browser at once, in the caller's turn: a message typed
//! is on the wire before the screen redraws, not after (a writer task would
//! run only once the redraw queued before it had). Bytes written while the
//! socket is still opening wait for it, in order.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

/// How a socket ended, as far as a browser can tell.
#[derive(Debug, Clone, PartialEq)]
pub struct Closed {
    pub code: Option<u16>,
    pub reason: String,
    /// Never opened: the relay refused or could not be reached.
    pub before_open: bool,
}

/// Handle for writing to one socket, the only one. [`Writer::close`] closes
/// it (after what was written), and so does dropping it: a link the page
/// lets go of (a conversation closed while a switchboard was still being
/// handed over, say) does not stay open at the server.
pub struct Writer(Rc<Inner>);

impl Drop for Writer {
    fn drop(&mut self) {
        self.close();
    }
}

struct Inner {
    ws: WebSocket,
    /// Written before the socket opened (`None` once open).
    early: RefCell<Option<Vec<Vec<u8>>>>,
    /// `close` was called while it was still opening.
    close_on_open: Cell<bool>,
    /// The listeners, kept alive until the socket has closed.
    listeners: RefCell<Vec<Listener>>,
}

/// The largest WebSocket message sent. The relay refuses (and closes the
/// connection for) a message over its `--max-message`, 64 KiB by default;
/// a write can be larger (a file's window of P2P messages, a long paste's
/// parts), and the relay joins the pieces into one TCP stream again.
pub const MAX_WS_MESSAGE: usize = 16 * 1024;

/// Send `bytes` as messages of at most [`MAX_WS_MESSAGE`]; false once the
/// socket is closing or closed.
fn send_now(ws: &WebSocket, bytes: &[u8]) -> bool {
    bytes.chunks(MAX_WS_MESSAGE).all(|piece| ws.send_with_u8_array(piece).is_ok())
}

/// An event listener on a socket, with the event it is for.
type Listener = (&'static str, Closure<dyn FnMut(web_sys::Event)>);

impl Writer {
    /// Send `bytes` now, or as soon as the socket opens; false once it is
    /// closing or closed (its close is on its way to the owner).
    pub fn send(&self, bytes: Vec<u8>) -> bool {
        if let Some(early) = self.0.early.borrow_mut().as_mut() {
            early.push(bytes);
            return true;
        }
        send_now(&self.0.ws, &bytes)
    }

    /// Close the socket, once what was written has gone out.
    pub fn close(&self) {
        if self.0.early.borrow().is_some() {
            self.0.close_on_open.set(true);
        } else {
            let _ = self.0.ws.close();
        }
    }
}

/// Open `url`; `on_data` gets every frame's bytes, `on_close` runs once,
/// when the socket has closed (whichever end closed it).
pub fn open(
    url: &str,
    on_data: impl Fn(Vec<u8>) + 'static,
    on_close: impl FnOnce(Closed) + 'static,
) -> Result<Writer, String> {
    let ws = WebSocket::new(url).map_err(|e| format!("cannot open {url}: {e:?}"))?;
    ws.set_binary_type(BinaryType::Arraybuffer);
    let inner = Rc::new(Inner {
        ws: ws.clone(),
        early: RefCell::new(Some(Vec::new())),
        close_on_open: Cell::new(false),
        listeners: RefCell::new(Vec::new()),
    });
    let got_data = Rc::new(Cell::new(false));
    // The listeners hold the socket's state weakly: it lives as long as a
    // writer does, or until the socket closes.
    let weak = Rc::downgrade(&inner);
    let on_open = Closure::<dyn FnMut(web_sys::Event)>::new({
        let weak = weak.clone();
        move |_: web_sys::Event| {
            let Some(inner) = weak.upgrade() else { return };
            for bytes in inner.early.borrow_mut().take().unwrap_or_default() {
                send_now(&inner.ws, &bytes);
            }
            if inner.close_on_open.get() {
                let _ = inner.ws.close();
            }
        }
    });
    let on_message = Closure::<dyn FnMut(web_sys::Event)>::new({
        let got_data = got_data.clone();
        move |e: web_sys::Event| {
            let Ok(e) = e.dyn_into::<MessageEvent>() else { return };
            let data = e.data();
            let bytes = match data.as_string() {
                Some(text) => text.into_bytes(),
                None => js_sys::Uint8Array::new(&data).to_vec(),
            };
            got_data.set(true);
            on_data(bytes);
        }
    });
    let mut on_close = Some(on_close);
    let keep = inner.clone();
    let on_closed = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        let Some(report) = on_close.take() else { return };
        let (code, reason) = match e.dyn_ref::<CloseEvent>() {
            Some(c) => (Some(c.code()), c.reason()),
            None => (None, String::new()),
        };
        let before_open = !got_data.get() && code == Some(1006);
        // Its listeners can go now, but not from inside one of them.
        let listeners = std::mem::take(&mut *keep.listeners.borrow_mut());
        for (kind, l) in &listeners {
            let _ = keep.ws.remove_event_listener_with_callback(kind, l.as_ref().unchecked_ref());
        }
        wasm_bindgen_futures::spawn_local(async move { drop(listeners) });
        report(Closed { code, reason, before_open });
    });
    for (kind, l) in [("open", on_open), ("message", on_message), ("close", on_closed)] {
        ws.add_event_listener_with_callback(kind, l.as_ref().unchecked_ref()).map_err(|e| format!("{e:?}"))?;
        inner.listeners.borrow_mut().push((kind, l));
    }
    Ok(Writer(inner))
}
