//! The network side of the app: one NS socket and one socket per
//! conversation, each feeding an `msnp` session, whose events become
//! [`Action`]s. The controller is the only place that touches sessions.

mod chat;
mod lists;
pub mod passport;
pub mod socket;

use crate::settings::Settings;
use crate::state::{Action, AddRequest, ChatMessage, ContactView, Delivery, GroupView, MessageKind, Toast};
use gloo::timers::callback::{Interval, Timeout};
use msnp::message::{MessageBody, TextFormat};
use msnp::session::{MessageId, NsConfig, NsEvent, NsSession, SbEvent, SbSession, SbStart, SignOutReason};
use msnp::types::{AckMode, Dialect, ErrorCode, List, Secret, Status, TrId};
use socket::{Closed, Writer};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use wasm_bindgen_futures::spawn_local;
use web_time::Instant;
use yew::Callback;

/// Milliseconds since the epoch, for typing-indicator expiry.
pub fn now_ms() -> f64 {
    web_time::SystemTime::now().duration_since(web_time::UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

/// A monotonic clock in ms (`performance.now()`), for timings.
pub fn perf_now() -> f64 {
    gloo::utils::window().performance().map(|p| p.now()).unwrap_or(0.0)
}

/// Typing notices go out at most this often while the user types.
const TYPING_EVERY_MS: f64 = 4000.0;
/// A contact's typing indicator lapses after this long without a notice.
const TYPING_SHOWN_MS: f64 = 6000.0;
/// How long a toast stays, in ms.
const TOAST_MS: u32 = 6000;

struct NsConn {
    session: NsSession,
    tx: Writer,
    /// Guards against callbacks of sockets already replaced.
    socket: u64,
}

struct SbConn {
    session: SbSession,
    tx: Writer,
    socket: u64,
    /// Session message id -> our local message id.
    ids: HashMap<MessageId, u64>,
}

#[derive(Default)]
struct Conv {
    with: Vec<String>,
    sb: Option<SbConn>,
    /// Messages waiting for a switchboard.
    outbox: Vec<(u64, MessageBody)>,
    requested: bool,
    last_typing: f64,
    /// The others were offline when called: what failed goes back to the
    /// outbox, to be sent when one of them comes online.
    await_online: bool,
}

/// Deployment defaults, read from `msn-web.json` next to the page.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct Defaults {
    #[serde(default)]
    pub passport: String,
    #[serde(default)]
    pub relay: String,
    #[serde(default)]
    pub server: String,
    /// Minutes without input before the status turns Idle (default 5).
    #[serde(default)]
    pub idle_minutes: Option<f64>,
}

impl Defaults {
    /// Fetch `msn-web.json`; none is fine.
    pub async fn load() -> Defaults {
        match gloo::net::http::Request::get("msn-web.json").send().await {
            Ok(r) if r.ok() => r.json().await.unwrap_or_default(),
            _ => Defaults::default(),
        }
    }
}

struct Inner {
    dispatch: Callback<Action>,
    defaults: Defaults,
    settings: Settings,
    /// The URL of the current NS socket, for explaining a refusal.
    ns_url: String,
    ns: Option<NsConn>,
    signed_in: bool,
    /// Set when the user signs out, so a closed socket is not "lost".
    leaving: bool,
    reconnect_attempt: u32,
    convs: HashMap<u64, Conv>,
    sb_requests: HashMap<TrId, u64>,
    /// What I sent, by local id, for retries.
    sent: HashMap<u64, (u64, MessageBody)>,
    next_id: u64,
    _ticker: Option<Interval>,
    _retry: Option<Timeout>,
    /// Last keyboard or pointer input (ms), for auto-idle.
    last_input: f64,
    /// We set Idle ourselves and will set Online again on input.
    auto_idle: bool,
}

/// Minutes without input before the status turns Idle, unless the
/// deployment's `msn-web.json` says otherwise.
const AUTO_IDLE_MINUTES: f64 = 5.0;

/// Cheap to clone; shared with components through a context.
#[derive(Clone)]
pub struct Controller(Rc<RefCell<Inner>>);

impl PartialEq for Controller {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::fmt::Debug for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Controller")
    }
}

/// The relay's WebSocket URL, with `?target=` when a server is named.
pub fn relay_url(relay: &str, target: Option<&str>) -> String {
    let base = if relay.trim().is_empty() {
        let loc = gloo::utils::window().location();
        let proto = if loc.protocol().unwrap_or_default() == "https:" { "wss" } else { "ws" };
        format!("{proto}://{}/ws", loc.host().unwrap_or_default())
    } else {
        relay.trim().to_owned()
    };
    match target.map(str::trim).filter(|t| !t.is_empty()) {
        None => base,
        Some(t) => {
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}target={}", t.replace(':', "%3A"))
        }
    }
}

/// The sentence shown for a failed sign-in or a lost connection.
pub fn login_error_text(code: ErrorCode) -> String {
    match code {
        ErrorCode::AuthenticationFailed => "Wrong e-mail address or password (911).".into(),
        other => format!("Sign-in failed: {other}."),
    }
}

fn closed_text(c: &Closed, what: &str) -> String {
    match c.code {
        Some(1011) => format!(
            "The relay could not reach the {what}: {}",
            if c.reason.is_empty() { "connection failed" } else { &c.reason }
        ),
        _ if c.before_open => {
            format!("Could not connect to the relay (it refused the connection or is not running). {}", c.reason)
        }
        _ => format!("The connection to the {what} was lost."),
    }
}

/// GET the relay URL over HTTP: the relay answers with the status it would
/// have refused the WebSocket with.
async fn probe_refusal(ws_url: &str) -> String {
    let http = ws_url.replacen("ws://", "http://", 1).replacen("wss://", "https://", 1);
    // POST, because browsers send Origin on it even to the same origin.
    match gloo::net::http::Request::post(&http).send().await {
        Ok(r) if r.status() == 426 => "Could not connect through the relay.".into(),
        Ok(r) => {
            let why = r.text().await.unwrap_or_default();
            format!("The relay refused the connection (HTTP {}: {}).", r.status(), why.trim())
        }
        Err(_) => format!("Could not reach the relay at {ws_url} (is it running?)."),
    }
}

fn dialects(protocol: &str) -> Vec<Dialect> {
    match protocol.parse::<Dialect>() {
        Ok(d) => vec![d],
        Err(_) => Dialect::all_newest_first(),
    }
}

impl Controller {
    pub fn new(dispatch: Callback<Action>) -> Self {
        let c = Controller(Rc::new(RefCell::new(Inner {
            dispatch,
            defaults: Defaults::default(),
            settings: Settings::default(),
            ns_url: String::new(),
            ns: None,
            signed_in: false,
            leaving: false,
            reconnect_attempt: 0,
            convs: HashMap::new(),
            sb_requests: HashMap::new(),
            sent: HashMap::new(),
            next_id: 0,
            _ticker: None,
            _retry: None,
            last_input: now_ms(),
            auto_idle: false,
        })));
        let weak = Rc::downgrade(&c.0);
        let ticker = Interval::new(1000, move || {
            if let Some(inner) = weak.upgrade() {
                Controller(inner).tick();
            }
        });
        c.0.borrow_mut()._ticker = Some(ticker);
        c
    }

    fn weak(&self) -> Weak<RefCell<Inner>> {
        Rc::downgrade(&self.0)
    }

    fn dispatch(&self, a: Action) {
        let d = self.0.borrow().dispatch.clone();
        d.emit(a);
    }

    fn next_id(&self) -> u64 {
        let mut i = self.0.borrow_mut();
        i.next_id += 1;
        i.next_id
    }

    pub fn set_defaults(&self, d: Defaults) {
        self.0.borrow_mut().defaults = d;
    }

    /// Start signing in with these settings; empty fields take the
    /// deployment defaults.
    pub fn sign_in(&self, mut settings: Settings) {
        settings.save();
        crate::notify::ask_permission();
        {
            let d = &self.0.borrow().defaults;
            for (field, default) in [
                (&mut settings.passport, &d.passport),
                (&mut settings.relay, &d.relay),
                (&mut settings.server, &d.server),
            ] {
                if field.trim().is_empty() {
                    field.clone_from(default);
                }
            }
        }
        {
            let mut i = self.0.borrow_mut();
            i.settings = settings;
            i.leaving = false;
            i.signed_in = false;
            i.reconnect_attempt = 0;
        }
        self.dispatch(Action::Connecting { reconnecting: false });
        let server = self.0.borrow().settings.server.clone();
        self.connect_ns(Some(server));
    }

    fn connect_ns(&self, target: Option<String>) {
        let s = self.0.borrow().settings.clone();
        let mut cfg = NsConfig::new(s.email.trim(), Secret::new(s.password.clone()));
        cfg.dialects = dialects(&s.protocol);
        cfg.initial_status = s.status.parse().unwrap_or(Status::Online);
        let url = relay_url(&s.relay, target.as_deref());
        self.0.borrow_mut().ns_url = url.clone();
        let socket = self.next_id();
        let (w1, w2) = (self.weak(), self.weak());
        let tx = socket::open(
            &url,
            move |bytes| {
                if let Some(i) = w1.upgrade() {
                    Controller(i).ns_input(socket, &bytes);
                }
            },
            move |closed| {
                if let Some(i) = w2.upgrade() {
                    Controller(i).ns_closed(socket, closed);
                }
            },
        );
        match tx {
            Ok(tx) => {
                let mut session = NsSession::new(cfg);
                session.start(Instant::now());
                self.0.borrow_mut().ns = Some(NsConn { session, tx, socket });
                self.pump_ns();
            }
            Err(e) => self.dispatch(Action::Failed(e)),
        }
    }

    fn ns_input(&self, socket: u64, bytes: &[u8]) {
        {
            let mut i = self.0.borrow_mut();
            let Some(ns) = i.ns.as_mut().filter(|n| n.socket == socket) else {
                return;
            };
            ns.session.handle_input(bytes, Instant::now());
        }
        self.pump_ns();
    }

    fn ns_closed(&self, socket: u64, closed: Closed) {
        let current = self.0.borrow().ns.as_ref().is_some_and(|n| n.socket == socket);
        if !current {
            return;
        }
        let was_closed = self.0.borrow().ns.as_ref().is_some_and(|n| n.session.is_closed());
        {
            let mut i = self.0.borrow_mut();
            if let Some(ns) = i.ns.as_mut() {
                ns.session.handle_close();
            }
        }
        if !was_closed {
            // The session did not end on its own terms: say why, from the socket.
            let signed_in = self.0.borrow().signed_in;
            if !signed_in {
                self.0.borrow_mut().ns = None;
                if closed.before_open {
                    // Ask the relay why: a refused handshake's status is hidden from pages.
                    let url = self.0.borrow().ns_url.clone();
                    let me = self.clone();
                    spawn_local(async move { me.dispatch(Action::Failed(probe_refusal(&url).await)) });
                } else {
                    self.dispatch(Action::Failed(closed_text(&closed, "server")));
                }
                return;
            }
        }
        self.pump_ns();
    }

    /// Write what the NS session queued and act on its events.
    fn pump_ns(&self) {
        let mut events = Vec::new();
        {
            let mut i = self.0.borrow_mut();
            let Some(ns) = i.ns.as_mut() else { return };
            if let Some(bytes) = ns.session.poll_transmit() {
                let _ = ns.tx.unbounded_send(bytes);
            }
            while let Some(e) = ns.session.poll_event() {
                events.push(e);
            }
        }
        let mut contacts_changed = false;
        for e in events {
            match e {
                NsEvent::ContactUpdated { email } => {
                    contacts_changed = true;
                    self.contact_maybe_back(&email);
                }
                NsEvent::ContactRemoved { .. } | NsEvent::GroupsChanged | NsEvent::PrivacyChanged => {
                    contacts_changed = true
                }
                other => self.ns_event(other),
            }
        }
        if contacts_changed {
            self.publish_contacts();
        }
        // Events may have queued more bytes (QRY, CHG after sync...).
        let more = {
            let mut i = self.0.borrow_mut();
            i.ns.as_mut().and_then(|ns| ns.session.poll_transmit().map(|b| (b, ns.tx.clone())))
        };
        if let Some((b, tx)) = more {
            let _ = tx.unbounded_send(b);
        }
    }

    fn ns_event(&self, e: NsEvent) {
        match e {
            NsEvent::NeedTicket { .. } => {
                let s = self.0.borrow().settings.clone();
                let url =
                    if s.passport.trim().is_empty() { "/NotRST.srf".to_owned() } else { s.passport.trim().to_owned() };
                let me = self.clone();
                spawn_local(async move {
                    match passport::fetch_ticket(&url, s.email.trim(), &s.password).await {
                        Ok(ticket) => {
                            let r =
                                me.0.borrow_mut()
                                    .ns
                                    .as_mut()
                                    .map(|ns| ns.session.provide_ticket(Secret::new(ticket), Instant::now()));
                            if let Some(Err(e)) = r {
                                me.dispatch(Action::Failed(e.to_string()));
                            }
                            me.pump_ns();
                        }
                        Err(msg) => {
                            me.0.borrow_mut().leaving = true;
                            if let Some(ns) = me.0.borrow_mut().ns.take() {
                                ns.tx.close_channel();
                            }
                            me.dispatch(Action::Failed(msg));
                        }
                    }
                });
            }
            NsEvent::Redirect { addr } => {
                if let Some(ns) = self.0.borrow_mut().ns.take() {
                    ns.tx.close_channel();
                }
                self.connect_ns(Some(addr));
            }
            NsEvent::LoginFailed(code) => {
                self.0.borrow_mut().leaving = true;
                self.dispatch(Action::Failed(login_error_text(code)));
            }
            NsEvent::NoCommonDialect => {
                self.0.borrow_mut().leaving = true;
                self.dispatch(Action::Failed("The server does not support the protocol version chosen.".into()));
            }
            NsEvent::LoggedIn { email, name } => {
                let psm = self.0.borrow().ns.as_ref().is_some_and(|n| n.session.dialect().has_psm());
                self.0.borrow_mut().signed_in = true;
                self.dispatch(Action::SignedIn {
                    email: email.to_ascii_lowercase(),
                    name: name.into_string(),
                    supports_psm: psm,
                });
            }
            NsEvent::ContactListSynced => {
                self.0.borrow_mut().reconnect_attempt = 0;
                self.dispatch(Action::ListComplete { at: perf_now() });
                self.dispatch(Action::Online);
                self.publish_contacts();
                // Messages typed while offline or reconnecting go out now.
                let waiting: Vec<u64> =
                    self.0.borrow().convs.iter().filter(|(_, c)| !c.outbox.is_empty()).map(|(id, _)| *id).collect();
                for conv in waiting {
                    self.ensure_switchboard(conv);
                }
            }
            NsEvent::OwnStatus(st) => self.dispatch(Action::Me { name: None, status: Some(st), psm: None }),
            NsEvent::OwnName(n) => self.dispatch(Action::Me { name: Some(n.into_string()), status: None, psm: None }),
            NsEvent::OwnPersonalMessage(p) => self.dispatch(Action::Me { name: None, status: None, psm: Some(p) }),
            NsEvent::SwitchboardReady { request, addr, cookie } => {
                let conv = self.0.borrow_mut().sb_requests.remove(&request);
                if let Some(conv) = conv {
                    let with = self.0.borrow().convs.get(&conv).map(|c| c.with.clone()).unwrap_or_default();
                    self.open_sb(conv, &addr, SbStart::Call { cookie, invitees: with });
                }
            }
            NsEvent::Invited { session_id, addr, cookie, email, .. } => {
                let conv = self.conversation_for_invite(&email);
                self.open_sb(conv, &addr, SbStart::Answer { cookie, session_id });
            }
            NsEvent::Error { code, request } => {
                use msnp::session::Request;
                if let Some(Request::Switchboard) = request {
                    // Say so where it matters, and fail what was waiting
                    // (each message keeps its Retry).
                    let waiting: Vec<u64> =
                        self.0.borrow().convs.iter().filter(|(_, c)| c.requested).map(|(id, _)| *id).collect();
                    for conv in waiting {
                        self.notice(conv, format!("The conversation could not be started: {code}."));
                        self.fail_outbox(conv);
                    }
                } else {
                    self.dispatch(Action::Failed(format!("{code}")));
                }
            }
            NsEvent::SignedOut(reason) => self.signed_out(reason),
            NsEvent::ContactSignedIn { email } => self.signed_in_toast(email),
            _ => {}
        }
    }

    fn signed_out(&self, reason: SignOutReason) {
        let (leaving, signed_in) = {
            let i = self.0.borrow();
            (i.leaving, i.signed_in)
        };
        if let Some(ns) = self.0.borrow_mut().ns.take() {
            ns.tx.close_channel();
        }
        let text = match &reason {
            SignOutReason::UserRequested => None,
            SignOutReason::SignedInElsewhere => Some("You were signed out because you signed in from another place."),
            SignOutReason::ServerShutdown => Some("The server is shutting down."),
            SignOutReason::Timeout => Some("The server stopped answering."),
            SignOutReason::ServerClosed => Some("The server closed the connection."),
            SignOutReason::ProtocolError(_) => Some("The server sent data that could not be read."),
        };
        let retry =
            signed_in && !leaving && !matches!(reason, SignOutReason::UserRequested | SignOutReason::SignedInElsewhere);
        if retry {
            self.schedule_reconnect();
        } else if leaving || !signed_in {
            if let Some(t) = text
                && !leaving
            {
                self.dispatch(Action::Failed(t.into()));
            }
            if signed_in {
                self.dispatch(Action::SignedOut);
            }
        } else {
            if let Some(t) = text {
                self.dispatch(Action::Failed(t.into()));
            }
            self.dispatch(Action::SignedOut);
        }
    }

    /// Lost the NS while signed in: reconnect with backoff, keeping
    /// conversations, status and anything typed.
    fn schedule_reconnect(&self) {
        let attempt = {
            let mut i = self.0.borrow_mut();
            i.reconnect_attempt += 1;
            i.signed_in = true;
            // Switchboard requests died with the old connection.
            i.sb_requests.clear();
            for c in i.convs.values_mut() {
                c.requested = false;
            }
            i.reconnect_attempt
        };
        self.dispatch(Action::Connecting { reconnecting: true });
        let delay = (500u32 << attempt.min(6)).min(30_000);
        let weak = self.weak();
        let t = Timeout::new(delay, move || {
            if let Some(i) = weak.upgrade() {
                let c = Controller(i);
                let server = c.0.borrow().settings.server.clone();
                c.connect_ns(Some(server));
            }
        });
        self.0.borrow_mut()._retry = Some(t);
    }

    pub fn sign_out(&self) {
        let mut i = self.0.borrow_mut();
        i.leaving = true;
        for conv in i.convs.values_mut() {
            if let Some(sb) = conv.sb.as_mut() {
                sb.session.leave();
                if let Some(b) = sb.session.poll_transmit() {
                    let _ = sb.tx.unbounded_send(b);
                }
                sb.tx.close_channel();
            }
        }
        i.convs.clear();
        if let Some(ns) = i.ns.as_mut() {
            ns.session.sign_out();
        }
        drop(i);
        self.pump_ns();
    }

    /// The user typed or moved the pointer.
    pub fn user_active(&self) {
        let back = {
            let mut i = self.0.borrow_mut();
            i.last_input = now_ms();
            std::mem::take(&mut i.auto_idle)
        };
        if back {
            self.set_status(Status::Online);
        }
    }

    fn check_idle(&self) {
        let go_idle = {
            let i = self.0.borrow();
            let online = i.ns.as_ref().is_some_and(|n| n.session.is_online() && n.session.status() == Status::Online);
            let minutes = i.defaults.idle_minutes.unwrap_or(AUTO_IDLE_MINUTES);
            online && !i.auto_idle && now_ms() - i.last_input > minutes * 60_000.0
        };
        if go_idle {
            self.set_status(Status::Idle);
            self.0.borrow_mut().auto_idle = true;
        }
    }

    /// The font and colour my messages are sent with.
    pub fn text_format(&self) -> TextFormat {
        let s = &self.0.borrow().settings;
        TextFormat {
            font: if s.font.is_empty() { "Segoe UI".into() } else { s.font.clone() },
            color: s.color,
            ..TextFormat::default()
        }
    }

    pub fn set_text_format(&self, font: &str, color: u32) {
        let s = {
            let mut i = self.0.borrow_mut();
            i.settings.font = font.to_owned();
            i.settings.color = color;
            i.settings.clone()
        };
        s.save();
    }

    fn tick(&self) {
        self.check_idle();
        {
            let mut i = self.0.borrow_mut();
            if let Some(ns) = i.ns.as_mut() {
                ns.session.handle_timeout(Instant::now());
            }
        }
        self.pump_ns();
        self.dispatch(Action::Tick { now: now_ms() });
    }

    pub fn set_status(&self, st: Status) {
        self.on_ns(|s| s.set_status(st));
        let mut i = self.0.borrow_mut();
        i.settings.status = st.code().into();
        // A status the user picked is theirs, not ours to undo on input.
        if st != Status::Idle {
            i.auto_idle = false;
        }
    }

    pub fn set_name(&self, name: &str) {
        self.on_ns(|s| s.set_name(name));
    }

    pub fn set_personal_message(&self, psm: &str) {
        self.on_ns(|s| s.set_personal_message(psm));
    }

    /// Ask the notification session for something the user did; a refusal
    /// is told to the user, and whatever it queued goes out.
    fn on_ns<T>(&self, f: impl FnOnce(&mut NsSession) -> Result<T, msnp::session::SessionError>) {
        let r = self.0.borrow_mut().ns.as_mut().map(|n| f(&mut n.session));
        if let Some(Err(e)) = r {
            self.dispatch(Action::Failed(e.to_string()));
        }
        self.pump_ns();
    }
}
