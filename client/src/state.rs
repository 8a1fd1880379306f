//! The one app state, changed only through [`Action`]s.

use crate::net::debug::Dir;
use msnp::message::TextFormat;
use msnp::types::Status;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use yew::Reducible;

/// `connection-status` `data-state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConnState {
    #[default]
    Offline,
    Connecting,
    Online,
    Reconnecting,
}

impl ConnState {
    pub fn attr(self) -> &'static str {
        match self {
            ConnState::Offline => "offline",
            ConnState::Connecting => "connecting",
            ConnState::Online => "online",
            ConnState::Reconnecting => "reconnecting",
        }
    }
}

/// The contact list as shown: shared rows, so that a copy of the state is
/// cheap and a row that did not change is the same row (compared by pointer
/// first), and is not drawn again.
pub type Contacts = Rc<Vec<Rc<ContactView>>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactView {
    pub email: String,
    pub name: String,
    pub status: Status,
    pub psm: String,
    pub groups: Vec<String>,
    pub blocked: bool,
    /// The SHA1D of their display picture, if they announce one.
    pub picture: Option<String>,
    /// The name in lower case, what the list is ordered by: made once with
    /// the row, not at every drawing of thousands.
    pub sort_key: String,
}

impl ContactView {
    /// A row for `email` named `name`, nothing else known yet.
    pub fn new(email: String, name: String, status: Status) -> Self {
        ContactView {
            sort_key: crate::web::lower(&name),
            email,
            name,
            status,
            psm: String::new(),
            groups: Vec::new(),
            blocked: false,
            picture: None,
        }
    }

    /// Their row waits for their picture: they announce one, it cannot be
    /// `shown` yet, and they are online to send it. Fetched once on screen.
    pub fn waits_for_picture(&self, shown: bool) -> bool {
        self.picture.is_some() && !shown && self.status != Status::Offline
    }
}

/// A passing note in the corner ("Bob has just signed in."); clicking it
/// opens a conversation with `email`.
#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub id: u64,
    pub email: String,
    pub text: String,
}

/// Who may see me and talk to me, as the settings window shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PrivacyView {
    /// Only the allowed (`BLP BL`); otherwise everyone but the blocked.
    pub only_allowed: bool,
    /// Ask me when someone adds me (`GTC A`).
    pub ask_when_added: bool,
    /// Lower-case addresses on the allow and block lists, sorted.
    pub allowed: Vec<String>,
    pub blocked: Vec<String>,
}

/// A short sound of our own making (`sound.rs` plays them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sound {
    Message,
    SignIn,
    Nudge,
}

/// Someone who added me and awaits my answer: allow (and add back) or block.
#[derive(Debug, Clone, PartialEq)]
pub struct AddRequest {
    pub email: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupView {
    pub id: String,
    pub name: String,
}

/// `message` `data-state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Pending,
    Sent,
    Failed,
    Received,
    /// From history, shown when the conversation opened again.
    History,
}

impl Delivery {
    pub fn attr(self) -> &'static str {
        match self {
            Delivery::Pending => "pending",
            Delivery::Sent => "sent",
            Delivery::Failed => "failed",
            Delivery::Received => "sent",
            Delivery::History => "history",
        }
    }
}

/// A custom emoticon a message uses: what stands for it in the text, and
/// the SHA1D its image is shown by (from [`AppState::pictures`], once it
/// decoded as an image; until then the shortcut shows as typed).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomEmoticon {
    pub shortcut: String,
    pub sha1d: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MessageKind {
    Text {
        text: String,
        format: Option<TextFormat>,
        /// The sender's custom emoticons in this text.
        emoticons: Vec<CustomEmoticon>,
    },
    Nudge,
    /// "Bob has left the conversation." and the like.
    Notice(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessage {
    /// Local id, unique in this page.
    pub id: u64,
    pub from: String,
    pub from_name: String,
    pub kind: MessageKind,
    pub delivery: Delivery,
    /// When it was written or arrived: ms since 1970, this machine's clock.
    pub at: f64,
}

/// `transfer` `data-state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferState {
    /// Offered to me: Accept or Decline.
    Offered,
    /// I offered: waiting for the answer.
    Waiting,
    Sending,
    Receiving,
    Done,
    Declined,
    Cancelled,
    Failed,
}

impl TransferState {
    pub fn attr(self) -> &'static str {
        match self {
            TransferState::Offered => "offered",
            TransferState::Waiting => "waiting",
            TransferState::Sending => "sending",
            TransferState::Receiving => "receiving",
            TransferState::Done => "done",
            TransferState::Declined => "declined",
            TransferState::Cancelled => "cancelled",
            TransferState::Failed => "failed",
        }
    }

    /// Still going: it can be cancelled.
    pub fn active(self) -> bool {
        matches!(self, TransferState::Waiting | TransferState::Sending | TransferState::Receiving)
    }

    /// Over, one way or another: it can leave the list.
    pub fn finished(self) -> bool {
        matches!(self, TransferState::Done | TransferState::Declined | TransferState::Cancelled | TransferState::Failed)
    }
}

/// A file transfer as the conversation window shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferView {
    /// Its P2P session.
    pub id: u32,
    /// As the sender named it; shown as text only.
    pub name: String,
    pub size: u64,
    pub done: u64,
    pub incoming: bool,
    pub state: TransferState,
    /// When bytes started to move, and the last progress (ms).
    pub started: Option<f64>,
    pub last: f64,
    /// A received file, to save.
    pub url: Option<String>,
    /// Why it failed, in words for the person.
    pub why: Option<String>,
}

impl TransferView {
    pub fn new(id: u32, name: String, size: u64, incoming: bool, state: TransferState) -> TransferView {
        TransferView { id, name, size, done: 0, incoming, state, started: None, last: 0.0, url: None, why: None }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub id: u64,
    /// The other people, lower-case addresses.
    pub with: Vec<String>,
    /// Shared, so that copying the state copies pointers, and a message that
    /// did not change is not drawn again.
    pub messages: Vec<Rc<ChatMessage>>,
    /// Who is typing, with the time (ms) their indicator lapses.
    pub typing: Vec<(String, f64)>,
    pub unread: bool,
    pub transfers: Vec<TransferView>,
    /// History has older messages than those shown.
    pub history_more: bool,
}

impl Conversation {
    /// The window goes: the files received in it, held by the browser for
    /// its Save links, go too (a Blob lives as long as its URL).
    fn let_go(&self) {
        self.transfers.iter().for_each(TransferView::let_go);
    }
}

impl TransferView {
    /// It leaves the screen: a received file goes with its Save link.
    fn let_go(&self) {
        if let Some(url) = &self.url {
            let _ = web_sys::Url::revoke_object_url(url);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Me {
    pub email: String,
    pub name: String,
    pub status: Option<Status>,
    pub psm: String,
    /// The SHA1D of my display picture.
    pub picture: Option<String>,
}

/// One protocol line for the debug panel (secrets already masked).
#[derive(Debug, Clone, PartialEq)]
pub struct DebugLine {
    /// `NS`, or `SB<n>` for conversation n's switchboard.
    pub link: String,
    pub dir: Dir,
    pub text: String,
}

/// Protocol lines the debug panel keeps.
pub const DEBUG_LINES: usize = 500;

/// How many of the oldest to let go from a list of `len` that keeps `max`:
/// none until it is over, then a quarter of `max` at once. The lists drawn
/// this way are drawn by place (see [`crate::view::room_to_grow`]), so
/// letting the first go draws every element again: one at a time, that was
/// all of them at every new one.
fn overflow(len: usize, max: usize) -> usize {
    if len > max { len - (max - max / 4) } else { 0 }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AppState {
    pub conn: ConnState,
    /// What went wrong, in words a person understands.
    pub error: Option<String>,
    pub signed_in: bool,
    pub me: Me,
    pub supports_psm: bool,
    pub contacts: Contacts,
    pub groups: Vec<GroupView>,
    pub requests: Vec<AddRequest>,
    pub toasts: Vec<Toast>,
    pub conversations: Vec<Conversation>,
    pub active: Option<u64>,
    /// When the contact list finished syncing (ms), to measure drawing it.
    pub synced_at: Option<f64>,
    /// When the bytes behind the contact list as it is arrived (ms).
    pub contacts_at: f64,
    /// The tab is in the background: a message even in the open
    /// conversation has not been seen.
    pub page_hidden: bool,
    /// A phone-sized screen: the contact list and the conversations take
    /// turns instead of sitting side by side.
    pub narrow: bool,
    /// On a narrow screen, the contact list is what shows.
    pub showing_list: bool,
    /// The font and colour my messages go out in.
    pub format: TextFormat,
    /// The last protocol lines, when the debug panel is on (`?debug`).
    pub debug: Option<VecDeque<DebugLine>>,
    /// Display pictures and custom emoticons that can be shown: SHA1D →
    /// Blob URL (made only once the bytes decoded as an image). Kept across
    /// sign-outs.
    pub pictures: HashMap<String, String>,
    /// My custom emoticons, in the order I added them.
    pub my_emoticons: Vec<CustomEmoticon>,
    /// The account's settings, as the settings window shows them.
    pub prefs: crate::settings::Prefs,
    pub privacy: PrivacyView,
    /// Unread e-mails as the server last said, and the newest mail's
    /// sender and subject.
    pub mail_unread: Option<u32>,
    pub new_mail: Option<(String, String)>,
    /// The sound to play now, numbered so that each plays once.
    pub cue: Option<(u64, Sound)>,
    /// The history window, while open.
    pub history: Option<HistoryView>,
}

/// The history window: conversations kept, a search and its results, one
/// conversation shown (scrolled to a hit), an export ready to save.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistoryView {
    /// Each conversation kept: its people and how many messages.
    pub conversations: Vec<(String, usize)>,
    pub query: String,
    pub results: Vec<crate::history::Entry>,
    /// The conversation shown, the messages of it drawn, and the hit's time.
    pub shown: Option<String>,
    pub lines: Vec<crate::history::Entry>,
    pub hit: Option<f64>,
    /// How many of its messages come before those drawn, and after.
    pub earlier: usize,
    pub later: usize,
    /// A Blob URL and file name to save.
    pub export: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Connecting {
        reconnecting: bool,
    },
    Failed(String),
    SignedIn {
        email: String,
        name: String,
        supports_psm: bool,
    },
    Online,
    SignedOut,
    /// Contacts' rows only (presence, names, pictures): nobody's lists changed.
    Rows {
        contacts: Contacts,
        /// When the bytes behind this change arrived (ms).
        at: f64,
    },
    Contacts {
        contacts: Contacts,
        groups: Vec<GroupView>,
        requests: Vec<AddRequest>,
        privacy: PrivacyView,
        /// When the bytes behind this change arrived (ms).
        at: f64,
    },
    /// What the server says of my mailbox: the unread count, a new mail.
    Mail {
        unread: Option<u32>,
        new: Option<(String, String)>,
    },
    /// The server finished sending the list (its last LST), at this time (ms).
    ListComplete {
        at: f64,
    },
    Me {
        name: Option<String>,
        status: Option<Status>,
        psm: Option<String>,
    },
    /// Open a conversation with these people, or find the open one.
    Open {
        id: u64,
        with: Vec<String>,
        focus: bool,
    },
    Focus(u64),
    /// The next (1) or previous (-1) conversation, round the end.
    FocusStep(i32),
    Close(u64),
    /// Who else is in a conversation now (someone joined or left).
    Participants {
        conv: u64,
        with: Vec<String>,
    },
    Message {
        conv: u64,
        message: ChatMessage,
    },
    Delivery {
        conv: u64,
        id: u64,
        delivery: Delivery,
    },
    Typing {
        conv: u64,
        email: String,
        until: f64,
    },
    /// Drop typing indicators older than `now`.
    Tick {
        now: f64,
    },
    /// The page went to the background (true) or came back (false).
    PageHidden(bool),
    Toast(Toast),
    DismissToast(u64),
    /// The screen became phone-sized (true) or wide (false).
    Narrow(bool),
    /// On a narrow screen: show the contact list (true) or the conversations.
    ShowList(bool),
    /// My messages' font and colour changed.
    Format(TextFormat),
    /// Turn the debug panel on.
    Debug,
    /// Protocol lines for the debug panel.
    Protocol(Vec<DebugLine>),
    /// A display picture can be shown.
    Picture {
        sha1d: String,
        url: String,
    },
    MyPicture(Option<String>),
    MyEmoticons(Vec<CustomEmoticon>),
    /// Messages from history for a conversation that opened again (older
    /// ones first), and whether there are older still.
    History {
        conv: u64,
        messages: Vec<ChatMessage>,
        more: bool,
    },
    /// The history window as it is now (`None`: closed).
    HistoryView(Option<HistoryView>),
    Prefs(crate::settings::Prefs),
    TransferNew {
        conv: u64,
        view: TransferView,
    },
    TransferProgress {
        conv: u64,
        id: u32,
        done: u64,
        at: f64,
    },
    TransferState {
        conv: u64,
        id: u32,
        state: TransferState,
        url: Option<String>,
        /// Why it failed (only with `Failed`).
        why: Option<String>,
    },
    /// A finished transfer leaves the list (its line in the conversation stays).
    TransferDismiss {
        conv: u64,
        id: u32,
    },
}

/// Messages a conversation window keeps.
pub const MAX_SHOWN_MESSAGES: usize = 2000;

/// Toasts on screen at once.
pub const MAX_TOASTS: usize = 4;

impl AppState {
    pub fn conversation(&self, id: u64) -> Option<&Conversation> {
        self.conversations.iter().find(|c| c.id == id)
    }
    fn conv_mut(&mut self, id: u64) -> Option<&mut Conversation> {
        self.conversations.iter_mut().find(|c| c.id == id)
    }

    /// The conversation on screen now, if any: open, in a visible page, and
    /// not covered by the contact list on a narrow screen.
    pub fn on_screen(&self) -> Option<u64> {
        let covered = self.narrow && self.showing_list;
        self.active.filter(|_| !(self.page_hidden || covered))
    }

    /// Play `sound` next, if sounds are on.
    fn cue_sound(&mut self, sound: Sound) {
        if self.prefs.sounds {
            let n = self.cue.map_or(0, |(n, _)| n + 1);
            self.cue = Some((n, sound));
        }
    }

    /// Conversations with messages not yet seen.
    pub fn unread_count(&self) -> usize {
        self.conversations.iter().filter(|c| c.unread).count()
    }

    /// The page title: the unread count first, so it shows in the tab strip.
    pub fn title(&self) -> String {
        match self.unread_count() {
            0 => "MSN Messenger".into(),
            n => format!("({n}) MSN Messenger"),
        }
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Connecting { reconnecting } => {
                s.conn = if reconnecting { ConnState::Reconnecting } else { ConnState::Connecting };
                if !reconnecting {
                    s.error = None;
                }
            }
            Action::Failed(msg) => {
                s.error = Some(msg);
                if !s.signed_in {
                    s.conn = ConnState::Offline;
                }
            }
            Action::SignedIn { email, name, supports_psm } => {
                s.signed_in = true;
                s.error = None;
                s.me.email = email;
                s.me.name = name;
                s.supports_psm = supports_psm;
            }
            Action::Online => {
                s.conn = ConnState::Online;
                s.error = None;
            }
            Action::SignedOut => {
                s.conversations.iter().for_each(Conversation::let_go);
                return Rc::new(AppState {
                    conn: ConnState::Offline,
                    error: s.error,
                    page_hidden: s.page_hidden,
                    narrow: s.narrow,
                    debug: s.debug,
                    pictures: s.pictures,
                    prefs: s.prefs,
                    ..AppState::default()
                });
            }
            Action::Rows { contacts, at } => {
                s.contacts = contacts;
                s.contacts_at = at;
            }
            Action::Contacts { contacts, groups, requests, privacy, at } => {
                s.contacts = contacts;
                s.contacts_at = at;
                s.groups = groups;
                s.requests = requests;
                s.privacy = privacy;
            }
            Action::Mail { unread, new } => {
                if unread.is_some() {
                    s.mail_unread = unread;
                }
                if new.is_some() {
                    s.mail_unread = Some(s.mail_unread.unwrap_or(0) + 1);
                    s.new_mail = new;
                }
            }
            Action::ListComplete { at } => s.synced_at = Some(at),
            Action::Me { name, status, psm } => {
                if let Some(n) = name {
                    s.me.name = n;
                }
                if status.is_some() {
                    s.me.status = status;
                }
                if let Some(p) = psm {
                    s.me.psm = p;
                }
            }
            Action::Open { id, with, focus } => {
                if s.conv_mut(id).is_none() {
                    s.conversations.push(Conversation {
                        id,
                        with,
                        messages: vec![],
                        typing: vec![],
                        unread: !focus,
                        transfers: vec![],
                        history_more: false,
                    });
                }
                if focus {
                    s.active = Some(id);
                    s.showing_list = false;
                } else if s.active.is_none() {
                    // Shown beside the list on a wide screen; on a narrow one
                    // the list stays: no focus theft.
                    s.active = Some(id);
                    s.showing_list = true;
                }
            }
            Action::PageHidden(hidden) => s.page_hidden = hidden,
            Action::Narrow(narrow) => s.narrow = narrow,
            Action::Toast(t) => {
                s.cue_sound(Sound::SignIn);
                // The newest few; an old one goes when a fifth arrives.
                s.toasts.retain(|o| o.email != t.email);
                s.toasts.push(t);
                let extra = s.toasts.len().saturating_sub(MAX_TOASTS);
                s.toasts.drain(..extra);
            }
            Action::DismissToast(id) => s.toasts.retain(|t| t.id != id),
            Action::ShowList(show) => s.showing_list = show,
            Action::Format(f) => s.format = f,
            Action::Picture { sha1d, url } => {
                s.pictures.insert(sha1d, url);
            }
            Action::MyPicture(p) => s.me.picture = p,
            Action::MyEmoticons(list) => s.my_emoticons = list,
            Action::History { conv, messages, more } => {
                if let Some(c) = s.conv_mut(conv) {
                    // Only what is older than what the window shows already
                    // (a message that opened it is in history too).
                    let first = c.messages.first().map_or(f64::INFINITY, |m| m.at);
                    let older: Vec<Rc<ChatMessage>> =
                        messages.into_iter().filter(|m| m.at < first).map(Rc::new).collect();
                    c.messages.splice(0..0, older);
                    c.history_more = more;
                }
            }
            Action::HistoryView(v) => s.history = v,
            Action::Prefs(p) => s.prefs = p,
            Action::TransferNew { conv, view } => {
                if let Some(c) = s.conv_mut(conv) {
                    c.unread |= view.incoming;
                    c.transfers.push(view);
                }
            }
            Action::TransferProgress { conv, id, done, at } => {
                if let Some(t) = s.conv_mut(conv).and_then(|c| c.transfers.iter_mut().find(|t| t.id == id)) {
                    t.started.get_or_insert(at);
                    t.done = done;
                    t.last = at;
                    if t.state == TransferState::Waiting {
                        t.state = TransferState::Sending;
                    }
                }
            }
            Action::TransferState { conv, id, state, url, why } => {
                if let Some(t) = s.conv_mut(conv).and_then(|c| c.transfers.iter_mut().find(|t| t.id == id)) {
                    t.state = state;
                    if state == TransferState::Done {
                        t.done = t.size;
                    }
                    if url.is_some() {
                        t.url = url;
                    }
                    t.why = why;
                }
            }
            Action::TransferDismiss { conv, id } => {
                if let Some(c) = s.conv_mut(conv) {
                    let gone = |t: &TransferView| t.id == id && t.state.finished();
                    c.transfers.iter().filter(|t| gone(t)).for_each(TransferView::let_go);
                    c.transfers.retain(|t| !gone(t));
                }
            }
            Action::Debug => {
                s.debug.get_or_insert_with(VecDeque::new);
            }
            Action::Protocol(lines) => {
                let Some(log) = s.debug.as_mut() else { return self };
                log.extend(lines);
                log.drain(..overflow(log.len(), DEBUG_LINES));
            }
            Action::Focus(id) => {
                s.active = Some(id);
                s.showing_list = false;
            }
            Action::FocusStep(step) => {
                let n = s.conversations.len() as i32;
                if n == 0 {
                    return self;
                }
                let at = s.active.and_then(|a| s.conversations.iter().position(|c| c.id == a)).map_or(0, |i| i as i32);
                s.active = Some(s.conversations[(at + step).rem_euclid(n) as usize].id);
                s.showing_list = false;
            }
            Action::Close(id) => {
                s.conversations.iter().filter(|c| c.id == id).for_each(Conversation::let_go);
                s.conversations.retain(|c| c.id != id);
                if s.active == Some(id) {
                    s.active = s.conversations.last().map(|c| c.id);
                }
            }
            Action::Participants { conv, with } => {
                if let Some(c) = s.conv_mut(conv) {
                    c.with = with;
                }
            }
            Action::Message { conv, message } => {
                let mine = message.from.eq_ignore_ascii_case(&s.me.email);
                let sound = match message.kind {
                    MessageKind::Nudge => Some(Sound::Nudge),
                    MessageKind::Text { .. } if s.on_screen() != Some(conv) => Some(Sound::Message),
                    _ => None,
                };
                if let Some(sound) = sound.filter(|_| !mine && message.delivery == Delivery::Received) {
                    s.cue_sound(sound);
                }
                if let Some(c) = s.conv_mut(conv) {
                    c.typing.retain(|(e, _)| !e.eq_ignore_ascii_case(&message.from));
                    c.messages.push(Rc::new(message));
                    c.unread |= !mine;
                    // The window keeps the latest; older ones scroll away for good.
                    c.messages.drain(..overflow(c.messages.len(), MAX_SHOWN_MESSAGES));
                }
            }
            Action::Delivery { conv, id, delivery } => {
                if let Some(m) = s.conv_mut(conv).and_then(|c| c.messages.iter_mut().rev().find(|m| m.id == id)) {
                    Rc::make_mut(m).delivery = delivery;
                }
            }
            Action::Typing { conv, email, until } => {
                if let Some(c) = s.conv_mut(conv) {
                    c.typing.retain(|(e, _)| *e != email);
                    c.typing.push((email, until));
                }
            }
            Action::Tick { now } => {
                if !s.conversations.iter().any(|c| c.typing.iter().any(|(_, t)| *t <= now)) {
                    return self;
                }
                for c in &mut s.conversations {
                    c.typing.retain(|(_, t)| *t > now);
                }
            }
        }
        // Whatever is on screen now has been seen.
        if let Some(c) = s.on_screen().and_then(|id| s.conv_mut(id)) {
            c.unread = false;
        }
        Rc::new(s)
    }
}
