//! History on the network actor's side: each message shown is written (when
//! the setting is on), a conversation that opens again gets its last
//! messages back (older ones on request), and the history window is served:
//! search, one conversation, export, delete. `crate::history` holds the
//! storage format and the search.

use super::core::{Input, Net};
use crate::history::{self, Entry, EntryKind, Index};
use crate::state::{Action, ChatMessage, Delivery, HistoryView, MessageKind};
use msnp::types::Email;
use wasm_bindgen_futures::spawn_local;

/// Messages brought back at a time into a conversation window.
const PAGE: usize = 50;
/// Search results shown at most.
const MAX_RESULTS: usize = 200;
/// Lines of one conversation drawn at a time in the history window: one
/// kept for years has tens of thousands, which would take seconds to draw
/// (and again at every key typed in the window).
const LINES: usize = 500;

/// The history window's state on the actor's side.
#[derive(Debug, Default)]
pub(super) struct HistoryWindow {
    index: Index,
    view: HistoryView,
    /// The conversation shown: its entries (places in `index.entries`,
    /// oldest first), and which of those are drawn.
    shown: Vec<usize>,
    drawn: std::ops::Range<usize>,
}

impl HistoryWindow {
    /// Show `with`'s conversation (none: the list): its last [`LINES`], or
    /// as many around the message at `hit`.
    fn show(&mut self, with: Option<String>, hit: Option<f64>) {
        let entries = &self.index.entries;
        self.shown = match &with {
            Some(w) => (0..entries.len()).filter(|&i| &entries[i].with == w).collect(),
            None => Vec::new(),
        };
        let n = self.shown.len();
        let end = match hit.and_then(|t| self.shown.iter().position(|&i| entries[i].at == t)) {
            Some(at) => (at.saturating_sub(LINES / 2) + LINES).min(n),
            None => n,
        };
        self.drawn = end.saturating_sub(LINES)..end;
        self.view.shown = with;
        self.view.hit = hit;
        self.draw_lines();
    }

    /// [`LINES`] more of the conversation shown, before or after those drawn.
    fn more(&mut self, earlier: bool) {
        let d = &mut self.drawn;
        if earlier {
            d.start = d.start.saturating_sub(LINES);
        } else {
            d.end = (d.end + LINES).min(self.shown.len());
        }
        self.draw_lines();
    }

    fn draw_lines(&mut self) {
        let v = &mut self.view;
        v.lines = self.shown[self.drawn.clone()].iter().map(|&i| self.index.entries[i].clone()).collect();
        v.earlier = self.drawn.start;
        v.later = self.shown.len() - self.drawn.end;
    }
}

fn log(text: &str) {
    web_sys::console::warn_1(&format!("msn-web: history: {text}").into());
}

/// Where history keeps a conversation: under its people.
fn conversation_key(c: &super::chat::Chat) -> String {
    history::with_key(&c.with.iter().map(Email::folded).collect::<Vec<_>>())
}

fn as_message(id: u64, e: &Entry) -> ChatMessage {
    let kind = match e.kind {
        EntryKind::Nudge => MessageKind::Nudge,
        EntryKind::Notice => MessageKind::Notice(e.text.clone()),
        EntryKind::Text => MessageKind::Text { text: e.text.clone(), format: None, emoticons: Vec::new() },
    };
    ChatMessage {
        id,
        from: e.from.clone(),
        from_name: e.from_name.clone(),
        kind,
        delivery: Delivery::History,
        at: e.at,
    }
}

impl Net {
    /// The store and whose history: the account signed in (or being), else
    /// the one the sign-in window asked for.
    fn history_account(&self) -> Option<(crate::store::Store, String)> {
        Some((self.pictures.store.clone()?, self.me.as_ref().or(self.history_for.as_ref())?.folded()))
    }

    /// Keep a message of `conv` (text, nudges, and the notices worth keeping:
    /// the caller decides), unless history is off.
    pub(super) fn record(&mut self, conv: u64, m: &ChatMessage) {
        let (text, kind) = match &m.kind {
            MessageKind::Text { text, .. } => (text.clone(), EntryKind::Text),
            MessageKind::Nudge => (String::new(), EntryKind::Nudge),
            MessageKind::Notice(text) => (text.clone(), EntryKind::Notice),
        };
        let Some(c) = self.chats.get(&conv).filter(|_| self.prefs.history) else { return };
        let Some((store, account)) = self.history_account() else { return };
        let e = Entry {
            with: conversation_key(c),
            at: m.at,
            from: m.from.clone(),
            from_name: m.from_name.clone(),
            kind,
            text,
        };
        spawn_local(async move {
            if let Err(err) = history::write(&store, &account, &e).await {
                log(&format!("not kept: {err}"));
            }
        });
    }

    /// A conversation window opened: bring back its last messages.
    pub(super) fn load_history(&mut self, conv: u64) {
        let Some(c) = self.chats.get(&conv) else { return };
        let Some((store, account)) = self.history_account() else { return };
        let with = conversation_key(c);
        let inbox = self.inbox.clone();
        spawn_local(async move {
            match history::read(&store, &account, Some(&with)).await {
                Ok(entries) => {
                    let _ = inbox.unbounded_send(Input::HistoryRead { conv, entries });
                }
                Err(e) => log(&format!("not read: {e}")),
            }
        });
    }

    pub(super) fn history_read(&mut self, conv: u64, entries: Vec<Entry>) {
        if let Some(c) = self.chats.get_mut(&conv) {
            c.older = entries;
        }
        self.older_history(conv);
    }

    /// The next page of older messages into the window.
    pub(super) fn older_history(&mut self, conv: u64) {
        let Some(c) = self.chats.get_mut(&conv) else { return };
        let take = c.older.len().saturating_sub(PAGE);
        let page: Vec<Entry> = c.older.drain(take..).collect();
        let more = !c.older.is_empty();
        let messages = page.iter().map(|e| (e, self.next_id())).map(|(e, id)| as_message(id, e)).collect();
        self.dispatch(Action::History { conv, messages, more });
    }

    /// Open the history window: everything of this account's, read once.
    pub(super) fn history_open(&mut self) {
        // The store opens with the page: a person quicker than it waits
        // for it (`store_ready` comes back here).
        if self.pictures.store.is_none() && !self.pictures.store_failed {
            self.history_waiting = true;
            return;
        }
        self.history_waiting = false;
        let Some((store, account)) = self.history_account() else {
            return self
                .dispatch(Action::Failed("History needs this browser's storage, which is not available.".into()));
        };
        let inbox = self.inbox.clone();
        spawn_local(async move {
            match history::read(&store, &account, None).await {
                Ok(entries) => {
                    let _ = inbox.unbounded_send(Input::HistoryAll(entries));
                }
                Err(e) => log(&format!("not read: {e}")),
            }
        });
    }

    pub(super) fn history_all(&mut self, entries: Vec<Entry>) {
        let index = Index::new(entries);
        let view = HistoryView {
            conversations: index.conversations().into_iter().map(|(w, n, _)| (w, n)).collect(),
            ..HistoryView::default()
        };
        let query = self.history.as_ref().map(|h| h.view.query.clone()).unwrap_or_default();
        self.history = Some(HistoryWindow { index, view, ..HistoryWindow::default() });
        self.history_search(query);
    }

    fn publish_history(&self) {
        self.dispatch(Action::HistoryView(self.history.as_ref().map(|h| h.view.clone())));
    }

    pub(super) fn history_close(&mut self) {
        self.history = None;
        self.history_for = None;
        self.history_waiting = false;
        self.publish_history();
    }

    /// Search; a new search shows its results in place of a conversation.
    pub(super) fn history_search(&mut self, query: String) {
        let Some(h) = self.history.as_mut() else { return };
        if !query.trim().is_empty() && query != h.view.query {
            h.show(None, None);
        }
        let hits = h.index.search(&query, MAX_RESULTS);
        h.view.results = hits.into_iter().map(|i| h.index.entries[i].clone()).collect();
        h.view.query = query;
        self.publish_history();
    }

    /// Show one conversation in the window, scrolled to the message at `hit`.
    pub(super) fn history_show(&mut self, with: Option<String>, hit: Option<f64>) {
        let Some(h) = self.history.as_mut() else { return };
        h.show(with, hit);
        self.publish_history();
    }

    /// More of the conversation shown: earlier lines, or later ones.
    pub(super) fn history_more(&mut self, earlier: bool) {
        let Some(h) = self.history.as_mut() else { return };
        h.more(earlier);
        self.publish_history();
    }

    /// The conversation shown (or all) as a file to save.
    pub(super) fn history_export(&mut self, html: bool) {
        let Some(h) = self.history.as_mut() else { return };
        let chosen: Vec<&Entry> =
            h.index.entries.iter().filter(|e| h.view.shown.as_ref().is_none_or(|w| &e.with == w)).collect();
        let (body, kind, ext) = if html {
            (history::export_html(&chosen), "text/html", "html")
        } else {
            (history::export_text(&chosen), "text/plain", "txt")
        };
        let what = h.view.shown.clone().unwrap_or_else(|| "all".into());
        let name = crate::view::safe_file_name(&format!("msn-history-{what}.{ext}"));
        match crate::picture::blob_url(body.as_bytes(), kind) {
            Ok(url) => h.view.export = Some((url, name)),
            Err(e) => log(&format!("no export: {e}")),
        }
        self.publish_history();
    }

    /// Delete the conversation shown, or all of this account's history.
    pub(super) fn history_delete(&mut self) {
        let Some((store, account)) = self.history_account() else { return };
        let with = self.history.as_ref().and_then(|h| h.view.shown.clone());
        let inbox = self.inbox.clone();
        spawn_local(async move {
            if let Err(e) = history::delete(&store, &account, with.as_deref()).await {
                log(&format!("not deleted: {e}"));
            }
            // Read back what is left.
            if let Ok(entries) = history::read(&store, &account, None).await {
                let _ = inbox.unbounded_send(Input::HistoryAll(entries));
            }
        });
        if let Some(h) = self.history.as_mut() {
            h.show(None, None);
        }
    }
}
