//! The actor: the one owner of every connection, session, queue and timer.
//! It runs as one task; inputs (intents from the UI, bytes and closes from
//! sockets, Passport answers) come down one channel, and its only clock is
//! the nearest deadline it keeps (each session's `poll_timeout` and its own
//! timers): nothing ticks while nothing is due.

use super::chat::Chat;
use super::debug::{Dir, ProtocolLog};
use super::pictures::Pictures;
use super::socket::{self, Closed, Writer};
use super::{
    Defaults, HistoryIntent, Intent, closed_text, login_error_text, now_ms, perf_now, probe_refusal, relay_url,
};
use crate::settings::{Prefs, Settings};
use crate::state::{Action, Toast};
use futures::StreamExt;
use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender};
use futures::future::{Either, select};
use msnp::message::MessageBody;
use msnp::message::TextFormat;
use msnp::session::{NsConfig, NsEvent, NsSession, Request, SessionError, SignOutReason, Skipped};
use msnp::types::{Dialect, Email, GtcMode, Secret, Status, TrId};
use std::collections::HashMap;
use std::time::Duration;
use web_time::Instant;
use yew::Callback;

/// Names one socket, so that news from a socket already replaced is ignored.
pub(super) type LinkId = u64;

/// What reaches the actor.
#[derive(Debug)]
pub(super) enum Input {
    Do(Intent),
    NsData(LinkId, Vec<u8>),
    NsClosed(LinkId, Closed),
    SbData(u64, LinkId, Vec<u8>),
    SbClosed(u64, LinkId),
    Ticket(LinkId, Result<String, String>),
    /// The relay's answer to why it refused the sign-in socket.
    Refused(String),
    /// The picture cache is open.
    Store(crate::store::Store),
    /// The browser would not open the store.
    NoStore,
    /// My picture, scaled (or why it could not be).
    PictureMade(Result<Vec<u8>, String>),
    /// My picture as this browser remembers it for the account.
    PictureRemembered(Vec<u8>),
    /// A contact's picture as the cache had it (or not).
    Cached {
        owner: Email,
        object: msnp::p2p::MsnObject,
        bytes: Option<Vec<u8>>,
    },
    /// My custom emoticons as this browser remembers them for the account.
    EmoticonsRemembered(Email, Vec<(String, Vec<u8>)>),
    /// An image chosen as a custom emoticon, made to fit (or why not).
    EmoticonMade {
        shortcut: String,
        image: Result<Vec<u8>, String>,
    },
    /// A conversation's history, read back.
    HistoryRead {
        conv: u64,
        entries: Vec<crate::history::Entry>,
    },
    /// All of the account's history, for the history window.
    HistoryAll(Vec<crate::history::Entry>),
    /// Bytes of a file I send, read from disk as its transfer asked.
    FileRead {
        conv: u64,
        session: u32,
        bytes: Result<Vec<u8>, String>,
    },
    /// A picture's Blob URL, once it decoded as an image.
    Shown {
        sha1d: String,
        url: Result<String, String>,
    },
}

/// Timers of the actor's own (the sessions keep theirs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Timer {
    /// A typing indicator on screen lapses.
    TypingLapse,
    DismissToast(u64),
    Reconnect,
    IdleCheck,
    /// See again whether the people a conversation waits for are online
    /// (they may have come back while the call that missed them was on
    /// its way).
    CallAgain(u64),
}

/// Where the user is in signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lifecycle {
    /// Not signed in, and not trying.
    Out,
    /// The first sign-in is under way: a failure is told and ends it.
    SigningIn,
    /// Signed in at least once: a lost connection is retried, with the
    /// attempts since the last success.
    In { attempt: u32 },
    /// Signing out (or given up): closes are expected and quiet; the
    /// screen goes back to sign-in if it had got past it.
    Leaving { was_in: bool },
}

pub(super) struct NsLink {
    pub id: LinkId,
    pub session: NsSession,
    tx: Writer,
    /// For explaining a refusal.
    url: String,
}

/// Typing notices go out at most this often while the user types.
pub(super) const TYPING_EVERY: Duration = Duration::from_secs(4);
/// A contact's typing indicator lapses after this long without a notice.
pub(super) const TYPING_SHOWN: Duration = Duration::from_secs(6);
/// How long a toast stays.
const TOAST_FOR: Duration = Duration::from_secs(6);
/// Minutes without input before the status turns Idle, unless the
/// deployment's `msn-web.json` says otherwise.
const AUTO_IDLE_MINUTES: f64 = 5.0;

pub(super) struct Net {
    dispatch: Callback<Action>,
    /// A sender for sockets and tasks to report back on.
    pub inbox: UnboundedSender<Input>,
    log: Option<ProtocolLog>,
    defaults: Defaults,
    pub settings: Settings,
    /// The signed-in account's settings (the settings window's).
    pub prefs: Prefs,
    /// The address being signed in, checked at the sign-in form.
    pub me: Option<Email>,
    pub ns: Option<NsLink>,
    lifecycle: Lifecycle,
    pub chats: HashMap<u64, Chat>,
    /// Switchboards asked for, by the request's TrID.
    pub sb_requests: HashMap<TrId, u64>,
    next_id: u64,
    timers: Vec<(Instant, Timer)>,
    /// When the notification server's bytes being handled arrived (ms): what
    /// the contact list's drawing is timed from.
    read_at: f64,
    /// "Automatic" offers MSNP12 down to MSNP8 first (one family, so the
    /// login is pipelined: three round trips, not six); a server that takes
    /// none of them is asked again with MSNP7 down to MSNP2.
    older_dialects: bool,
    /// The contact list's rows as last shown: reused while unchanged (see
    /// [`crate::state::Contacts`]).
    pub(super) rows: super::lists::Rows,
    last_input: Instant,
    /// We set Idle ourselves and will set Online again on input.
    auto_idle: bool,
    pub pictures: Pictures,
    /// The history window's data, while it is open.
    pub history: Option<super::history::HistoryWindow>,
    /// Whose history the window shows when nobody is signed in.
    pub history_for: Option<Email>,
    /// The history window was asked for before the store was open.
    pub(super) history_waiting: bool,
    /// Random per page: our message ids are unique across pages and tabs.
    pub page_nonce: u32,
}

impl Net {
    pub fn new(dispatch: Callback<Action>, inbox: UnboundedSender<Input>, debug: bool) -> Net {
        Net {
            dispatch,
            inbox,
            log: debug.then(ProtocolLog::default),
            defaults: Defaults::default(),
            settings: Settings::default(),
            prefs: Prefs::default(),
            me: None,
            ns: None,
            lifecycle: Lifecycle::Out,
            chats: HashMap::new(),
            sb_requests: HashMap::new(),
            next_id: 0,
            timers: Vec::new(),
            read_at: 0.0,
            older_dialects: false,
            rows: Default::default(),
            last_input: Instant::now(),
            auto_idle: false,
            pictures: Pictures::default(),
            history: None,
            history_for: None,
            history_waiting: false,
            page_nonce: (js_sys::Math::random() * f64::from(u32::MAX)) as u32,
        }
    }

    /// Serve inputs and timers until the page goes.
    pub async fn run(mut self, mut rx: UnboundedReceiver<Input>) {
        self.open_store();
        loop {
            let input = match self.next_deadline() {
                None => rx.next().await,
                Some(at) => {
                    let wait = at.saturating_duration_since(Instant::now());
                    let sleep = gloo_timers::future::sleep(wait);
                    match select(rx.next(), sleep).await {
                        Either::Left((input, _)) => input,
                        Either::Right(_) => {
                            self.on_time(Instant::now());
                            continue;
                        }
                    }
                }
            };
            match input {
                Some(i) => self.handle(i),
                None => break,
            }
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        let ns = self.ns.as_ref().and_then(|n| n.session.poll_timeout());
        let sbs = self.chats.values().filter_map(Chat::poll_timeout);
        let own = self.timers.iter().map(|(t, _)| *t);
        ns.into_iter().chain(sbs).chain(own).min()
    }

    fn on_time(&mut self, now: Instant) {
        if let Some(ns) = self.ns.as_mut() {
            ns.session.handle_timeout(now);
        }
        self.pump_ns();
        let due: Vec<u64> =
            self.chats.iter().filter(|(_, c)| c.poll_timeout().is_some_and(|t| t <= now)).map(|(id, _)| *id).collect();
        for conv in due {
            if let Some(c) = self.chats.get_mut(&conv) {
                c.handle_timeout(now);
            }
            self.pump_sb(conv);
        }
        let (fired, kept): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.timers).into_iter().partition(|(t, _)| *t <= now);
        self.timers = kept;
        for (_, timer) in fired {
            match timer {
                Timer::TypingLapse => self.dispatch(Action::Tick { now: now_ms() }),
                Timer::DismissToast(id) => self.dispatch(Action::DismissToast(id)),
                Timer::Reconnect => {
                    let server = self.settings.server.clone();
                    self.connect_ns(Some(server));
                }
                Timer::IdleCheck => self.check_idle(),
                Timer::CallAgain(conv) => {
                    let with = self.chats.get(&conv).map(|c| c.with.clone()).unwrap_or_default();
                    for email in with {
                        self.contact_maybe_back(&email);
                    }
                }
            }
        }
    }

    pub(super) fn after(&mut self, wait: Duration, timer: Timer) {
        self.timers.push((Instant::now() + wait, timer));
    }

    pub(super) fn dispatch(&self, a: Action) {
        self.dispatch.emit(a);
    }

    /// For callbacks that outlive this call (notification clicks).
    pub(super) fn dispatcher(&self) -> Callback<Action> {
        self.dispatch.clone()
    }

    pub(super) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Record protocol lines for the debug panel (when it is on).
    pub(super) fn log(&mut self, link: &str, dir: Dir, bytes: &[u8]) {
        if let Some(log) = self.log.as_mut() {
            let lines = log.record(link, dir, bytes);
            if !lines.is_empty() {
                self.dispatch.emit(Action::Protocol(lines));
            }
        }
    }

    /// A line a session did not act on: the browser console always hears
    /// of it, the debug panel too when it is open.
    pub(super) fn skipped(&mut self, link: &str, s: &Skipped) {
        let text = format!("msn-web: {link}: {s}");
        web_sys::console::warn_1(&text.into());
        if let Some(log) = self.log.as_mut() {
            let line = log.note(link, &s.to_string());
            self.dispatch.emit(Action::Protocol(vec![line]));
        }
    }

    fn handle(&mut self, input: Input) {
        match input {
            Input::Do(intent) => self.intent(intent),
            Input::NsData(link, bytes) => {
                if self.ns.as_ref().is_some_and(|n| n.id == link) {
                    self.read_at = perf_now();
                    self.log("NS", Dir::In, &bytes);
                    if let Some(ns) = self.ns.as_mut() {
                        ns.session.handle_input(&bytes, Instant::now());
                    }
                    self.pump_ns();
                }
            }
            Input::NsClosed(link, closed) => self.ns_closed(link, closed),
            Input::SbData(conv, link, bytes) => self.sb_input(conv, link, &bytes),
            Input::SbClosed(conv, link) => self.sb_closed(conv, link),
            Input::Ticket(link, ticket) => self.ticket(link, ticket),
            Input::Refused(text) => self.dispatch(Action::Failed(text)),
            Input::Store(s) => self.store_ready(Some(s)),
            Input::NoStore => self.store_ready(None),
            Input::PictureMade(png) => self.picture_made(png),
            Input::PictureRemembered(png) => {
                self.adopt_picture(png);
            }
            Input::Cached { owner, object, bytes } => self.cached(owner, object, bytes),
            Input::Shown { sha1d, url } => self.shown(sha1d, url),
            Input::EmoticonsRemembered(account, found) => self.emoticons_remembered(account, found),
            Input::EmoticonMade { shortcut, image } => self.emoticon_made(shortcut, image),
            Input::FileRead { conv, session, bytes } => self.file_read(conv, session, bytes),
            Input::HistoryRead { conv, entries } => self.history_read(conv, entries),
            Input::HistoryAll(entries) => self.history_all(entries),
        }
    }

    fn intent(&mut self, intent: Intent) {
        match intent {
            Intent::Defaults(d) => self.defaults = d,
            Intent::SignIn(s) => self.sign_in(s),
            Intent::SignOut => self.sign_out(),
            Intent::UserActive => {
                self.last_input = Instant::now();
                if std::mem::take(&mut self.auto_idle) {
                    self.set_status(Status::Online);
                }
            }
            Intent::SetStatus(st) => {
                self.set_status(st);
                // A status the user picked is theirs, not ours to undo on input.
                self.auto_idle = false;
            }
            Intent::SetName(name) => self.on_ns(|s| s.set_name(&name)),
            Intent::SetPersonalMessage(psm) => self.on_ns(|s| s.set_personal_message(&psm)),
            Intent::SetFormat { font, color } => {
                self.settings.font = font;
                self.settings.color = color;
                self.settings.save();
                self.dispatch(Action::Format(self.text_format()));
            }
            Intent::AddContact(e) => self.add_contact(&e),
            Intent::Block { email, block } => self.block(&email, block),
            Intent::Accept(e) => self.accept(&e),
            Intent::RemoveContact(e) => self.remove_contact(&e),
            Intent::AddGroup(name) => self.on_ns(|s| s.add_group(name.trim())),
            Intent::RenameGroup { id, name } => self.on_ns(|s| s.rename_group(&id, name.trim())),
            Intent::RemoveGroup(id) => self.on_ns(|s| s.remove_group(&id)),
            Intent::MoveToGroup { email, to } => self.move_to_group(&email, &to),
            Intent::Open { email, focus } => {
                let conv = self.conversation_with(&Email::from_wire(email), focus);
                self.fetch_on_open(conv);
            }
            Intent::Close(conv) => self.close_conversation(conv),
            Intent::SendText { conv, text } => self.send_text(conv, &text),
            Intent::Nudge(conv) => self.nudge(conv),
            Intent::Typing(conv) => self.typing(conv),
            Intent::Invite { conv, email } => self.invite(conv, Email::from_wire(email)),
            Intent::Retry { conv, id, body } => self.retry(conv, id, body),
            Intent::SetPicture(file) => self.choose_picture(file),
            Intent::SendFile { conv, file } => self.send_file(conv, file),
            Intent::AnswerTransfer { conv, id, answer } => self.answer_transfer(conv, id, answer),
            Intent::AddEmoticon { shortcut, image } => self.add_emoticon(shortcut, image),
            Intent::RemoveEmoticon(shortcut) => self.remove_emoticon(&shortcut),
            Intent::InView(rows) => self.in_view(rows),
            Intent::SetPrivacy(mode) => self.on_ns(|s| s.set_privacy(mode)),
            Intent::History(h) => match h {
                HistoryIntent::Open => self.history_open(),
                HistoryIntent::OpenFor(email) => {
                    self.history_for = Email::parse(&email).ok();
                    self.history_open();
                }
                HistoryIntent::Close => self.history_close(),
                HistoryIntent::Search(q) => self.history_search(q),
                HistoryIntent::Show { with, hit } => self.history_show(with, hit),
                HistoryIntent::More { earlier } => self.history_more(earlier),
                HistoryIntent::Export { html } => self.history_export(html),
                HistoryIntent::Delete => self.history_delete(),
                HistoryIntent::Older(conv) => self.older_history(conv),
            },
            Intent::SetAddPrompt(ask) => {
                self.on_ns(|s| s.set_add_prompt(if ask { GtcMode::Ask } else { GtcMode::Never }))
            }
            Intent::SetPrefs(p) => {
                self.prefs = p.checked();
                if let Some(me) = &self.me {
                    self.prefs.save(me.as_str());
                }
                self.dispatch(Action::Prefs(self.prefs.clone()));
            }
        }
    }

    /// The font and colour my messages are sent with.
    pub(super) fn text_format(&self) -> TextFormat {
        let s = &self.settings;
        TextFormat {
            font: if s.font.is_empty() { "Segoe UI".into() } else { s.font.clone() },
            color: s.color,
            ..TextFormat::default()
        }
    }

    fn sign_in(&mut self, mut settings: Settings) {
        // The form checks the address too; this is the rule's one owner.
        let me = match Email::parse(&settings.email) {
            Ok(e) => e,
            Err(e) => {
                self.dispatch(Action::Failed(format!("That is not an e-mail address: {e}.")));
                return;
            }
        };
        settings.save();
        self.older_dialects = false;
        for (field, default) in [
            (&mut settings.passport, &self.defaults.passport),
            (&mut settings.relay, &self.defaults.relay),
            (&mut settings.server, &self.defaults.server),
        ] {
            if field.trim().is_empty() {
                field.clone_from(default);
            }
        }
        self.settings = settings;
        if self.me.as_ref() != Some(&me) {
            // Another account: its own picture, not the last one's.
            self.pictures.mine = None;
            self.pictures.emoticons.clear();
            self.dispatch(Action::MyEmoticons(Vec::new()));
        }
        self.prefs = Prefs::load(me.as_str());
        self.dispatch(Action::Prefs(self.prefs.clone()));
        self.me = Some(me);
        self.load_my_picture();
        self.load_my_emoticons();
        self.lifecycle = Lifecycle::SigningIn;
        self.dispatch(Action::Connecting { reconnecting: false });
        self.dispatch(Action::Format(self.text_format()));
        let server = self.settings.server.clone();
        self.connect_ns(Some(server));
    }

    fn connect_ns(&mut self, target: Option<String>) {
        let Some(me) = self.me.clone() else { return };
        let s = &self.settings;
        let mut cfg = NsConfig::new(me, Secret::new(s.password.clone()));
        cfg.dialects = match s.protocol.parse::<Dialect>() {
            Ok(d) => vec![d],
            Err(_) => {
                let older = self.older_dialects;
                Dialect::all_newest_first().into_iter().filter(|d| d.uses_twn() != older).collect()
            }
        };
        cfg.initial_status = s.status.parse().unwrap_or(Status::Online);
        cfg.picture = self.pictures.mine.as_ref().map(|(o, _)| o.clone());
        let url = relay_url(&s.relay, target.as_deref());
        let link = self.next_id();
        let (data, closed) = (self.inbox.clone(), self.inbox.clone());
        let tx = socket::open(
            &url,
            move |bytes| {
                let _ = data.unbounded_send(Input::NsData(link, bytes));
            },
            move |c| {
                let _ = closed.unbounded_send(Input::NsClosed(link, c));
            },
        );
        match tx {
            Ok(tx) => {
                let mut session = NsSession::new(cfg);
                session.start(Instant::now());
                self.ns = Some(NsLink { id: link, session, tx, url });
                self.pump_ns();
            }
            Err(e) => self.dispatch(Action::Failed(e)),
        }
    }

    /// Drop the notification connection, politely or not.
    fn drop_ns(&mut self) {
        if let Some(ns) = self.ns.take() {
            ns.tx.close();
        }
    }

    fn ns_closed(&mut self, link: LinkId, closed: Closed) {
        let Some(ns) = self.ns.as_mut().filter(|n| n.id == link) else { return };
        let ended_itself = ns.session.is_closed();
        ns.session.handle_close();
        if !ended_itself && self.lifecycle == Lifecycle::SigningIn {
            // The session did not end on its own terms: say why, from the socket.
            let url = ns.url.clone();
            self.ns = None;
            self.lifecycle = Lifecycle::Out;
            if closed.before_open {
                // A refused handshake's status is hidden from pages: ask the relay.
                let inbox = self.inbox.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = inbox.unbounded_send(Input::Refused(probe_refusal(&url).await));
                });
            } else {
                self.dispatch(Action::Failed(closed_text(&closed, "server")));
            }
            return;
        }
        self.pump_ns();
    }

    /// Write what the NS session queued and act on its events, until it has
    /// nothing more to say.
    pub(super) fn pump_ns(&mut self) {
        loop {
            let Some(ns) = self.ns.as_mut() else { return };
            let link = ns.id;
            let bytes = ns.session.poll_transmit();
            let events: Vec<NsEvent> = std::iter::from_fn(|| ns.session.poll_event()).collect();
            if let Some(b) = bytes {
                let _ = ns.tx.send(b.clone());
                self.log("NS", Dir::Out, &b);
            } else if events.is_empty() {
                return;
            }
            let mut contacts_changed = false;
            // Whose rows changed; `None`: anything may have (a group, a removal).
            let mut changed: Option<std::collections::HashSet<Email>> = Some(Default::default());
            for e in events {
                if self.ns.as_ref().is_none_or(|n| n.id != link) {
                    // A redirect replaced this session: the rest of its
                    // events (its own end) are not the new one's.
                    break;
                }
                match e {
                    NsEvent::ContactUpdated { email } => {
                        contacts_changed = true;
                        self.contact_maybe_back(&email);
                        if let Some(c) = changed.as_mut() {
                            c.insert(email);
                        }
                    }
                    NsEvent::ContactRemoved { .. } | NsEvent::GroupsChanged | NsEvent::PrivacyChanged => {
                        contacts_changed = true;
                        changed = None;
                    }
                    // It draws the whole list itself.
                    NsEvent::ContactListSynced => {
                        contacts_changed = false;
                        self.ns_event(e);
                    }
                    other => self.ns_event(other),
                }
            }
            if contacts_changed {
                self.publish_contacts(self.read_at, changed.as_ref());
            }
        }
    }

    fn ns_event(&mut self, e: NsEvent) {
        match e {
            NsEvent::NeedTicket { .. } => {
                let Some(link) = self.ns.as_ref().map(|n| n.id) else { return };
                let s = &self.settings;
                let url =
                    if s.passport.trim().is_empty() { "/NotRST.srf".to_owned() } else { s.passport.trim().to_owned() };
                let (email, password, inbox) = (s.email.trim().to_owned(), s.password.clone(), self.inbox.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let t = super::passport::fetch_ticket(&url, &email, &password).await;
                    let _ = inbox.unbounded_send(Input::Ticket(link, t));
                });
            }
            NsEvent::Redirect { addr } => {
                self.drop_ns();
                self.connect_ns(Some(addr));
            }
            NsEvent::LoginFailed(code) => {
                self.leave();
                self.dispatch(Action::Failed(login_error_text(code)));
            }
            NsEvent::NoCommonDialect if self.settings.protocol.parse::<Dialect>().is_err() && !self.older_dialects => {
                self.older_dialects = true;
                self.drop_ns();
                self.connect_ns(None);
            }
            NsEvent::NoCommonDialect => {
                self.leave();
                self.dispatch(Action::Failed("The server does not support the protocol version chosen.".into()));
            }
            NsEvent::LoggedIn { email, name } => {
                let psm = self.ns.as_ref().is_some_and(|n| n.session.dialect().has_psm());
                if !matches!(self.lifecycle, Lifecycle::In { .. }) {
                    self.lifecycle = Lifecycle::In { attempt: 0 };
                }
                self.dispatch(Action::SignedIn { email: email.folded(), name: name.into_string(), supports_psm: psm });
            }
            NsEvent::ContactListSynced => {
                self.lifecycle = Lifecycle::In { attempt: 0 };
                self.publish_contacts(self.read_at, None);
                self.dispatch(Action::ListComplete { at: self.read_at });
                self.dispatch(Action::Online);
                self.schedule_idle_check();
                // Messages typed while offline or reconnecting go out now.
                let waiting: Vec<u64> =
                    self.chats.iter().filter(|(_, c)| !c.outbox.is_empty()).map(|(id, _)| *id).collect();
                for conv in waiting {
                    self.ensure_switchboard(conv);
                }
            }
            NsEvent::OwnStatus(st) => self.dispatch(Action::Me { name: None, status: Some(st), psm: None }),
            NsEvent::OwnName(n) => self.dispatch(Action::Me { name: Some(n.into_string()), status: None, psm: None }),
            NsEvent::OwnPersonalMessage(p) => self.dispatch(Action::Me { name: None, status: None, psm: Some(p) }),
            NsEvent::SwitchboardReady { request, addr, cookie } => {
                if let Some(conv) = self.sb_requests.remove(&request) {
                    self.open_sb(conv, &addr, cookie);
                }
            }
            NsEvent::Invited { session_id, addr, cookie, email, .. } => {
                let conv = self.conversation_for_invite(&email);
                self.answer_sb(conv, &addr, cookie, session_id);
            }
            NsEvent::Error { code, request } => {
                if let Some(Request::Switchboard) = request {
                    // Say so where it matters, and fail what was waiting
                    // (each message keeps its Retry).
                    let waiting: Vec<u64> = self.chats.iter().filter(|(_, c)| c.requested).map(|(id, _)| *id).collect();
                    self.sb_requests.retain(|_, conv| !waiting.contains(conv));
                    for conv in waiting {
                        self.notice(conv, format!("The conversation could not be started: {code}."));
                        self.fail_outbox(conv);
                    }
                } else {
                    self.dispatch(Action::Failed(format!("{code}")));
                }
            }
            NsEvent::SignedOut(reason) => self.signed_out(reason),
            NsEvent::ContactSignedIn { email } => self.signed_in_toast(&email),
            NsEvent::Notice(MessageBody::InitialEmail { inbox_unread, .. }) => {
                self.dispatch(Action::Mail { unread: Some(inbox_unread), new: None })
            }
            NsEvent::Notice(MessageBody::NewEmail { from, subject, .. }) => {
                self.dispatch(Action::Mail { unread: None, new: Some((from, subject)) })
            }
            NsEvent::Skipped(s) => self.skipped("NS", &s),
            // Mail notices, dialect choice, adds by others (the list shows
            // them): nothing more to do here.
            _ => {}
        }
    }

    fn ticket(&mut self, link: LinkId, ticket: Result<String, String>) {
        if self.ns.as_ref().is_none_or(|n| n.id != link) {
            return;
        }
        match ticket {
            Ok(t) => {
                let r = self.ns.as_mut().map(|ns| ns.session.provide_ticket(Secret::new(t), Instant::now()));
                if let Some(Err(e)) = r {
                    self.dispatch(Action::Failed(e.to_string()));
                }
                self.pump_ns();
            }
            Err(msg) => {
                self.leave();
                self.drop_ns();
                self.dispatch(Action::Failed(msg));
            }
        }
    }

    fn signed_out(&mut self, reason: SignOutReason) {
        self.drop_ns();
        let text = match &reason {
            SignOutReason::UserRequested => None,
            SignOutReason::SignedInElsewhere => Some("You were signed out because you signed in from another place."),
            SignOutReason::ServerShutdown => Some("The server is shutting down."),
            SignOutReason::Timeout => Some("The server stopped answering."),
            SignOutReason::ServerClosed => Some("The server closed the connection."),
            SignOutReason::ProtocolError(_) => Some("The server sent data that could not be read."),
        };
        let final_reason = matches!(reason, SignOutReason::UserRequested | SignOutReason::SignedInElsewhere);
        match self.lifecycle {
            Lifecycle::In { attempt } if !final_reason => self.schedule_reconnect(attempt + 1),
            Lifecycle::Leaving { was_in } => {
                self.lifecycle = Lifecycle::Out;
                if was_in {
                    self.dispatch(Action::SignedOut);
                }
            }
            Lifecycle::In { .. } => {
                self.lifecycle = Lifecycle::Out;
                if let Some(t) = text {
                    self.dispatch(Action::Failed(t.into()));
                }
                self.dispatch(Action::SignedOut);
            }
            Lifecycle::SigningIn | Lifecycle::Out => {
                self.lifecycle = Lifecycle::Out;
                if let Some(t) = text {
                    self.dispatch(Action::Failed(t.into()));
                }
            }
        }
    }

    /// Lost the NS while signed in: reconnect with backoff, keeping
    /// conversations, status and anything typed.
    fn schedule_reconnect(&mut self, attempt: u32) {
        self.lifecycle = Lifecycle::In { attempt };
        // Switchboard requests died with the old connection.
        self.sb_requests.clear();
        for c in self.chats.values_mut() {
            c.requested = false;
        }
        self.dispatch(Action::Connecting { reconnecting: true });
        let delay = (500u64 << attempt.min(6)).min(30_000);
        self.timers.retain(|(_, t)| *t != Timer::Reconnect);
        self.after(Duration::from_millis(delay), Timer::Reconnect);
    }

    /// Stop: what closes from now on is expected.
    fn leave(&mut self) {
        let was_in = matches!(self.lifecycle, Lifecycle::In { .. } | Lifecycle::Leaving { was_in: true });
        self.lifecycle = Lifecycle::Leaving { was_in };
    }

    fn sign_out(&mut self) {
        self.leave();
        self.timers.retain(|(_, t)| *t != Timer::Reconnect);
        for conv in self.chats.keys().copied().collect::<Vec<_>>() {
            self.leave_switchboard(conv);
        }
        self.chats.clear();
        match self.ns.as_mut() {
            Some(ns) => {
                ns.session.sign_out();
                self.pump_ns();
            }
            None => {
                self.lifecycle = Lifecycle::Out;
                self.dispatch(Action::SignedOut);
            }
        }
    }

    fn set_status(&mut self, st: Status) {
        self.on_ns(|s| s.set_status(st));
        self.settings.status = st.code().into();
    }

    fn schedule_idle_check(&mut self) {
        let minutes = self.defaults.idle_minutes.unwrap_or(AUTO_IDLE_MINUTES);
        self.timers.retain(|(_, t)| *t != Timer::IdleCheck);
        let due = self.last_input + Duration::from_secs_f64(minutes.max(0.0) * 60.0);
        self.timers.push((due, Timer::IdleCheck));
    }

    /// Turn Idle after a while without input; look again later otherwise.
    fn check_idle(&mut self) {
        let online = self.ns.as_ref().is_some_and(|n| n.session.is_online());
        if !online {
            return;
        }
        let minutes = self.defaults.idle_minutes.unwrap_or(AUTO_IDLE_MINUTES);
        let quiet = self.last_input.elapsed().as_secs_f64() >= minutes * 60.0;
        let status = self.ns.as_ref().map(|n| n.session.status());
        if quiet && status == Some(Status::Online) && !self.auto_idle {
            self.set_status(Status::Idle);
            self.auto_idle = true;
        }
        self.schedule_idle_check();
    }

    /// Ask the notification session for something the user did; a refusal
    /// is told to the user, and whatever it queued goes out.
    pub(super) fn on_ns<T>(&mut self, f: impl FnOnce(&mut NsSession) -> Result<T, SessionError>) {
        let r = self.ns.as_mut().map(|n| f(&mut n.session));
        if let Some(Err(e)) = r {
            self.dispatch(Action::Failed(e.to_string()));
        }
        self.pump_ns();
    }

    /// "Bob has just signed in.": a toast for a few seconds, and a desktop
    /// notification when the page is out of sight. Not while I am Busy: the
    /// classic client kept quiet then too.
    fn signed_in_toast(&mut self, email: &Email) {
        let busy = self.ns.as_ref().is_some_and(|n| n.session.status() == Status::Busy);
        if busy || !self.prefs.notify_signin {
            return;
        }
        let name = self.display_name(email);
        let id = self.next_id();
        self.dispatch(Action::Toast(Toast { id, email: email.folded(), text: format!("{name} has just signed in.") }));
        self.after(TOAST_FOR, Timer::DismissToast(id));
        if crate::notify::page_hidden() {
            let (inbox, e) = (self.inbox.clone(), email.to_string());
            crate::notify::show(&format!("signed-in-{}", email.folded()), &name, "has just signed in.", move || {
                let _ = inbox.unbounded_send(Input::Do(Intent::Open { email: e, focus: true }));
            });
        }
    }

    /// A contact's friendly name, or the address.
    pub(super) fn display_name(&self, email: &Email) -> String {
        self.ns
            .as_ref()
            .and_then(|n| n.session.contacts().get(email))
            .map(|c| c.name.as_str().to_owned())
            .unwrap_or_else(|| email.to_string())
    }
}
