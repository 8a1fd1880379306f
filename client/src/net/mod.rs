//! The network side of the app. One task, the [`Net`](core) actor, owns
//! every connection: the notification server's socket and session, each
//! conversation's switchboard socket and session, what waits to be sent, and
//! every timer (each session's `poll_timeout`, typing indicators, toasts,
//! reconnects, auto-idle). Nothing else touches a session.
//!
//! The screen's state lives in [`crate::state::AppState`] only; the actor
//! tells it what changed through [`Action`]s. Components reach the actor
//! through [`Controller`], a cheap handle from a Yew context that sends
//! intents (`send_text`, `invite`, `block`, ...) down a channel: no borrow can
//! be held across a dispatch or an await, because there is nothing to borrow.

mod chat;
mod core;
pub mod debug;
mod emoticons;
mod history;
mod lists;
mod pace;
pub mod passport;
mod pictures;
pub mod socket;
mod transfers;

use crate::settings::Settings;
use crate::state::{Action, ChatMessage, MessageKind};
use futures::channel::mpsc::{UnboundedSender, unbounded};
use msnp::message::MessageBody;
use msnp::types::{ErrorCode, Status};
use socket::Closed;
use yew::Callback;

/// Milliseconds since the epoch: when a message was written or arrived.
pub fn now_ms() -> f64 {
    web_time::SystemTime::now().duration_since(web_time::UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

/// A monotonic clock in ms (`performance.now()`), for timings.
pub fn perf_now() -> f64 {
    gloo::utils::window().performance().map(|p| p.now()).unwrap_or(0.0)
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
        match crate::web::http("GET", "msn-web.json", &[]).await {
            Ok(r) if r.ok() => r.json().await.unwrap_or_else(|e| {
                web_sys::console::warn_1(&format!("msn-web: msn-web.json is unreadable: {e}").into());
                Defaults::default()
            }),
            _ => Defaults::default(),
        }
    }
}

/// What the user asked for, on its way to the actor.
#[derive(Debug)]
enum Intent {
    Defaults(Defaults),
    SignIn(Settings),
    SignOut,
    UserActive,
    SetStatus(Status),
    SetName(String),
    SetPersonalMessage(String),
    SetFormat {
        font: String,
        color: u32,
    },
    AddContact(String),
    Block {
        email: String,
        block: bool,
    },
    Accept(String),
    RemoveContact(String),
    AddGroup(String),
    RenameGroup {
        id: String,
        name: String,
    },
    RemoveGroup(String),
    MoveToGroup {
        email: String,
        to: String,
    },
    Open {
        email: String,
        focus: bool,
    },
    Close(u64),
    SendText {
        conv: u64,
        text: String,
    },
    Nudge(u64),
    Typing(u64),
    Invite {
        conv: u64,
        email: String,
    },
    Retry {
        conv: u64,
        id: u64,
        body: MessageBody,
    },
    /// A picture file the user chose, as read.
    SetPicture(Vec<u8>),
    /// A file chosen to send: read as its transfer goes, never whole.
    SendFile {
        conv: u64,
        file: web_sys::File,
    },
    /// Accept (`Receiving`), decline or cancel a transfer.
    AnswerTransfer {
        conv: u64,
        id: u32,
        answer: crate::state::TransferState,
    },
    /// A custom emoticon of mine: the shortcut as typed, the image as read.
    AddEmoticon {
        shortcut: String,
        image: Vec<u8>,
    },
    RemoveEmoticon(String),
    /// Contacts' rows that came into view in the list (`true`) or left it.
    InView(Vec<(String, bool)>),
    SetPrefs(crate::settings::Prefs),
    /// Who may see me and talk to me: everyone but the blocked (`AllowAll`)
    /// or only the allowed.
    SetPrivacy(msnp::types::BlpMode),
    /// Ask me when someone adds me.
    SetAddPrompt(bool),
    History(HistoryIntent),
}

/// What the user does with history.
#[derive(Debug)]
pub enum HistoryIntent {
    Open,
    /// From the sign-in window, offline too: this address's history.
    OpenFor(String),
    Close,
    Search(String),
    /// Show one conversation (none: the list), scrolled to the message at `hit`.
    Show {
        with: Option<String>,
        hit: Option<f64>,
    },
    /// More of the conversation shown: earlier messages, or later ones.
    More {
        earlier: bool,
    },
    /// The conversation shown, or all, as a file: HTML or plain text.
    Export {
        html: bool,
    },
    /// Delete the conversation shown, or all.
    Delete,
    /// Older messages into conversation window `n`.
    Older(u64),
}

/// A handle on the network actor; cheap to clone, handed to components by a
/// [`yew::ContextProvider`]. Every method only sends; what happens shows up
/// in the app state.
#[derive(Clone)]
pub struct Controller {
    tx: UnboundedSender<core::Input>,
    dispatch: Callback<Action>,
}

impl PartialEq for Controller {
    fn eq(&self, other: &Self) -> bool {
        self.tx.same_receiver(&other.tx)
    }
}

impl std::fmt::Debug for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Controller")
    }
}

impl Controller {
    /// Start the actor. With `debug`, it also records the protocol lines
    /// both ways for the debug panel (`?debug` in the page URL).
    pub fn start(dispatch: Callback<Action>, debug: bool) -> Controller {
        let (tx, rx) = unbounded();
        let net = core::Net::new(dispatch.clone(), tx.clone(), debug);
        wasm_bindgen_futures::spawn_local(net.run(rx));
        Controller { tx, dispatch }
    }

    fn send(&self, i: Intent) {
        // Fails only once the actor has stopped, with the page.
        let _ = self.tx.unbounded_send(core::Input::Do(i));
    }

    pub fn set_defaults(&self, d: Defaults) {
        self.send(Intent::Defaults(d));
    }
    /// Start signing in; empty fields take the deployment defaults.
    pub fn sign_in(&self, settings: Settings) {
        crate::notify::ask_permission();
        self.send(Intent::SignIn(settings));
    }
    pub fn sign_out(&self) {
        self.send(Intent::SignOut);
    }
    /// The user typed or moved the pointer (auto-idle ends).
    pub fn user_active(&self) {
        self.send(Intent::UserActive);
    }
    pub fn set_status(&self, st: Status) {
        self.send(Intent::SetStatus(st));
    }
    pub fn set_name(&self, name: &str) {
        self.send(Intent::SetName(name.to_owned()));
    }
    pub fn set_personal_message(&self, psm: &str) {
        self.send(Intent::SetPersonalMessage(psm.to_owned()));
    }
    /// The font and colour my messages go out in (remembered with the settings).
    pub fn set_text_format(&self, font: &str, color: u32) {
        self.send(Intent::SetFormat { font: font.to_owned(), color });
    }
    pub fn add_contact(&self, email: &str) {
        self.send(Intent::AddContact(email.to_owned()));
    }
    pub fn block(&self, email: &str, block: bool) {
        self.send(Intent::Block { email: email.to_owned(), block });
    }
    /// Answer someone who added me: allow them and add them back.
    pub fn accept(&self, email: &str) {
        self.send(Intent::Accept(email.to_owned()));
    }
    /// Take someone off my contact list (they stay allowed or blocked).
    pub fn remove_contact(&self, email: &str) {
        self.send(Intent::RemoveContact(email.to_owned()));
    }
    pub fn add_group(&self, name: &str) {
        self.send(Intent::AddGroup(name.to_owned()));
    }
    pub fn rename_group(&self, id: &str, name: &str) {
        self.send(Intent::RenameGroup { id: id.to_owned(), name: name.to_owned() });
    }
    pub fn remove_group(&self, id: &str) {
        self.send(Intent::RemoveGroup(id.to_owned()));
    }
    /// Put a contact in group `to` instead of the groups it is in now.
    pub fn move_to_group(&self, email: &str, to: &str) {
        self.send(Intent::MoveToGroup { email: email.to_owned(), to: to.to_owned() });
    }
    /// Open (or bring up) the one-to-one conversation with `email`.
    pub fn conversation_with(&self, email: &str, focus: bool) {
        self.send(Intent::Open { email: email.to_owned(), focus });
    }
    pub fn conversation_focus(&self, conv: u64) {
        self.dispatch.emit(Action::Focus(conv));
    }
    /// Tell the person something went wrong, in these words.
    pub fn tell(&self, what: &str) {
        self.dispatch.emit(Action::Failed(what.to_owned()));
    }
    /// Bring up the next (1) or previous (-1) conversation.
    pub fn conversation_step(&self, step: i32) {
        self.dispatch.emit(Action::FocusStep(step));
    }
    /// On a narrow screen: the contact list (true) or the conversations.
    pub fn show_list(&self, show: bool) {
        self.dispatch.emit(Action::ShowList(show));
    }
    pub fn close_conversation(&self, conv: u64) {
        self.send(Intent::Close(conv));
    }
    pub fn send_text(&self, conv: u64, text: &str) {
        self.send(Intent::SendText { conv, text: text.to_owned() });
    }
    pub fn nudge(&self, conv: u64) {
        self.send(Intent::Nudge(conv));
    }
    /// The user is typing in `conv`.
    pub fn typing(&self, conv: u64) {
        self.send(Intent::Typing(conv));
    }
    /// Ask someone else into a conversation.
    pub fn invite(&self, conv: u64, email: &str) {
        self.send(Intent::Invite { conv, email: email.to_owned() });
    }
    /// Make this picture (any image file's bytes) my display picture.
    pub fn set_picture(&self, file: Vec<u8>) {
        self.send(Intent::SetPicture(file));
    }

    /// Offer a file in a conversation.
    pub fn send_file(&self, conv: u64, file: web_sys::File) {
        self.send(Intent::SendFile { conv, file });
    }

    /// Accept, decline or cancel a file transfer.
    pub fn answer_transfer(&self, conv: u64, id: u32, answer: crate::state::TransferState) {
        self.send(Intent::AnswerTransfer { conv, id, answer });
    }
    /// Take a finished transfer off the list (a received file's Save link goes with it).
    pub fn dismiss_transfer(&self, conv: u64, id: u32) {
        self.dispatch.emit(Action::TransferDismiss { conv, id });
    }

    /// Add a custom emoticon of mine (or replace the one with this shortcut).
    pub fn add_emoticon(&self, shortcut: &str, image: Vec<u8>) {
        self.send(Intent::AddEmoticon { shortcut: shortcut.to_owned(), image });
    }

    pub fn remove_emoticon(&self, shortcut: &str) {
        self.send(Intent::RemoveEmoticon(shortcut.to_owned()));
    }

    /// Contacts' rows came into view in the list (`true`) or left it: a
    /// picture not yet here is fetched only for those in view.
    pub fn in_view(&self, rows: Vec<(String, bool)>) {
        self.send(Intent::InView(rows));
    }

    /// Change the signed-in account's settings (kept for that account).
    pub fn set_prefs(&self, prefs: crate::settings::Prefs) {
        self.send(Intent::SetPrefs(prefs));
    }

    pub fn history(&self, h: HistoryIntent) {
        self.send(Intent::History(h));
    }

    pub fn set_privacy(&self, mode: msnp::types::BlpMode) {
        self.send(Intent::SetPrivacy(mode));
    }

    pub fn set_add_prompt(&self, ask: bool) {
        self.send(Intent::SetAddPrompt(ask));
    }

    /// Send a failed message again, as it was.
    pub fn retry(&self, conv: u64, message: &ChatMessage) {
        let body = match &message.kind {
            // The id is the actor's to give back (the same as the first time).
            MessageKind::Text { text, format, .. } => {
                MessageBody::Text { text: text.clone(), format: format.clone(), id: None }
            }
            MessageKind::Nudge => MessageBody::Nudge,
            MessageKind::Notice(_) => return,
        };
        self.send(Intent::Retry { conv, id: message.id, body });
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
        _ => format!("The connection to the {what} was lost."),
    }
}

/// Why the relay refused a WebSocket, in words: a page cannot see a refused
/// handshake's status, so it asks the relay over plain HTTP, which answers
/// with the status and reason the WebSocket would have had.
pub async fn probe_refusal(ws_url: &str) -> String {
    let http = ws_url.replacen("ws://", "http://", 1).replacen("wss://", "https://", 1);
    // `/ws-refusal` passes through any HTTP proxy (`trunk serve` carries
    // only upgrades on `/ws`); a relay behind a path of its own may answer
    // only on the WebSocket's URL. POST, because browsers send Origin on it
    // even to the same origin.
    let (path, query) = http.split_once('?').map_or((http.as_str(), ""), |(p, q)| (p, q));
    let probe = match path.strip_suffix("/ws") {
        Some(base) if query.is_empty() => format!("{base}/ws-refusal"),
        Some(base) => format!("{base}/ws-refusal?{query}"),
        None => http.clone(),
    };
    let mut answer = crate::web::http("POST", &probe, &[]).await;
    if probe != http && answer.as_ref().is_ok_and(|r| matches!(r.status(), 404 | 405)) {
        answer = crate::web::http("POST", &http, &[]).await;
    }
    match answer {
        Ok(r) if r.status() == 426 => "Could not connect through the relay.".into(),
        Ok(r) => refusal_text(r.status(), r.text().await.unwrap_or_default().trim()),
        Err(_) => format!("Could not reach the relay at {ws_url} (is it running?)."),
    }
}

/// A relay refusal (status and the relay's reason) as a sentence that says
/// what it means and what to do about it.
pub fn refusal_text(status: u16, reason: &str) -> String {
    let origin = gloo::utils::window().location().origin().unwrap_or_default();
    let advice = match (status, reason) {
        (_, r) if r.contains("origin not allowed") => format!(
            ": it does not serve pages from {origin} (start the relay with --allow-origin {origin}, or open the page the relay serves)"
        ),
        (_, r) if r.contains("target not allowed") => {
            ": it may not connect to that server (the relay's --allow list decides)".to_owned()
        }
        (429, _) => ": it has too many connections from here right now; try again in a moment".to_owned(),
        _ => String::new(),
    };
    let reason = if reason.is_empty() { "no reason given" } else { reason };
    format!("The relay refused the connection (HTTP {status}: {reason}){advice}.")
}
