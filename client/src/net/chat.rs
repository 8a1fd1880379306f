//! Conversations: one switchboard each, messages and their delivery,
//! invitations, typing, nudges, and what waits for a switchboard or for
//! someone to come online. The messages themselves live in the app state
//! (recorded once, under the id given here); a conversation keeps only what
//! is in flight.

use super::core::{Input, LinkId, Net, TYPING_EVERY, TYPING_SHOWN, Timer};
use super::debug::Dir;
use super::now_ms;
use super::pace::Pace;
use super::socket::{self, Writer};
use crate::state::{Action, ChatMessage, CustomEmoticon, Delivery, MessageKind};
use msnp::message::split::{SAFE_PAYLOAD, text_parts};
use msnp::message::{MessageBody, TextFormat};
use msnp::p2p::{MsnObject, P2pConfig, P2pEvent, P2pLink, Transfer};
use msnp::session::{MessageId, SbEvent, SbSession, SbStart};
use msnp::types::{AckMode, Dialect, Email, ErrorCode};
use std::collections::HashMap;
use std::time::Duration;
use web_time::Instant;

/// One conversation's network side.
#[derive(Default)]
pub(super) struct Chat {
    /// Who this conversation calls (the screen shows a copy, sent with
    /// [`Action::Participants`] whenever it changes here).
    pub with: Vec<Email>,
    pub sb: Option<SbLink>,
    /// Switchboards this conversation moved off (two calls crossed): we
    /// said `OUT` on them, and read them until the server closes, since
    /// what it delivered there meanwhile was acknowledged to its sender.
    retired: Vec<SbLink>,
    /// Messages waiting for a switchboard: our id and what to send.
    pub outbox: Vec<(u64, MessageBody)>,
    /// A switchboard has been asked for.
    pub requested: bool,
    last_typing: Option<Instant>,
    /// The others were offline when called: what failed goes back to the
    /// outbox, to be sent when one of them comes online.
    await_online: bool,
    /// P2P (pictures, files) with each person here, over this switchboard.
    p2p: HashMap<Email, P2pLink>,
    /// Pictures asked for: P2P session → whose and which.
    fetches: HashMap<u32, (Email, MsnObject)>,
    /// File transfers by P2P session: everything the network side keeps
    /// of each, dropped whole when it ends.
    pub transfers: HashMap<u32, super::transfers::FileTransfer>,
    /// The window is on screen. A switchboard someone rang me into stays
    /// out of sight until something worth showing arrives (a picture fetch
    /// is not), as the classic clients did.
    pub shown: bool,
    /// Opened by me only to fetch the other's picture: closed once done,
    /// unless it came to be shown.
    pub background: bool,
    /// The custom emoticons each person announced for their next message.
    announced: HashMap<Email, Vec<(String, MsnObject)>>,
    /// History not yet brought into the window, oldest first.
    pub older: Vec<crate::history::Entry>,
    /// Message ids seen from each person here, the latest few thousand: a
    /// message sent again after a lost acknowledgement is shown once.
    seen: HashMap<Email, std::collections::VecDeque<String>>,
    /// Long messages sent as several: the parts not yet acknowledged, in
    /// order, by our id. The message shows as sent once none is left, and
    /// Retry sends only these (nothing arrives twice).
    parts: HashMap<u64, Vec<MessageBody>>,
    /// Text the server acknowledged and the person has not receipted yet
    /// (see [`MessageBody::Receipt`]), in order: sent again if they leave or
    /// the switchboard closes before they do, when they are one who
    /// receipts. The newest few thousand.
    unconfirmed: std::collections::VecDeque<(u64, MessageBody)>,
    /// Someone here receipts what reaches them.
    receipts: bool,
    /// Everyone left and they were rung back: not again for every message.
    ringing: bool,
    /// Ids of messages that arrived here, to receipt once this read is done.
    to_receipt: Vec<String>,
}

pub(super) struct SbLink {
    id: LinkId,
    pub session: SbSession,
    tx: Writer,
    /// Messages in flight: the session's id to ours and the body (for a
    /// message that must wait for someone to come online). Emptied as the
    /// server answers, so it stays as small as what is in flight.
    sent: HashMap<MessageId, (u64, MessageBody)>,
    /// How many P2P messages may be in flight (follows the ACKs' delay).
    pace: Pace,
}

impl Chat {
    /// A conversation out of sight, to fetch `owner`'s picture.
    pub fn background(owner: Email) -> Chat {
        Chat { with: vec![owner], background: true, ..Chat::default() }
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        let links = self.p2p.values().filter_map(P2pLink::poll_timeout);
        let sbs = self.sb.iter().chain(&self.retired).filter_map(|sb| sb.session.poll_timeout());
        sbs.chain(links).min()
    }

    /// Time passed for the switchboard and the P2P links on it.
    pub fn handle_timeout(&mut self, now: Instant) {
        for sb in self.sb.iter_mut().chain(&mut self.retired) {
            sb.session.handle_timeout(now);
        }
        for link in self.p2p.values_mut() {
            link.handle_timeout(now);
        }
    }

    /// `who` is here, on a switchboard ready to carry P2P.
    pub fn has_ready(&self, who: &Email) -> bool {
        self.sb.as_ref().is_some_and(|sb| sb.session.is_ready() && sb.session.participants().any(|(e, _)| e == who))
    }

    /// Move what was not receipted to the front of the outbox; whether
    /// there was any.
    fn take_unconfirmed(&mut self) -> bool {
        let any = !self.unconfirmed.is_empty();
        self.outbox.splice(0..0, self.unconfirmed.drain(..));
        any
    }

    /// Everyone left the switchboard: ring them back. Once, until someone
    /// joins or a call fails, not once per message typed meanwhile.
    fn ring_back(&mut self) {
        let Some(sb) = self.sb.as_mut().filter(|sb| !sb.session.is_closed()) else { return };
        if self.ringing || !sb.session.is_ready() || sb.session.participants().next().is_some() {
            return;
        }
        for e in &self.with {
            self.ringing |= sb.session.invite(e).is_ok();
        }
    }

    /// A switchboard that can carry a message now or soon.
    fn live_sb(&mut self) -> Option<&mut SbLink> {
        self.sb.as_mut().filter(|sb| !sb.session.is_closed())
    }
}

impl Net {
    /// The open one-to-one conversation with `email`, or a new one.
    pub(super) fn conversation_with(&mut self, email: &Email, focus: bool) -> u64 {
        let id = self.one_to_one(email, |_| true);
        self.show_chat(id, focus);
        id
    }

    /// Where an invitation from `email` goes: their one-to-one window if no
    /// conversation is going on in it (none yet, closed, or everyone left);
    /// otherwise a new window, so that a second session (a group chat, say)
    /// never takes over one in use. It shows once there is something to see.
    ///
    /// Two calls crossed (each of us rang the other at once): the one whose
    /// address sorts later answers here and leaves their own switchboard, so
    /// both end up on one; the other answers out of sight, where whatever
    /// still comes shows in this window anyway (see [`Net::window_for`]).
    pub(super) fn conversation_for_invite(&mut self, email: &Email) -> u64 {
        let give_way = self.me.as_ref().is_some_and(|me| me.folded() > email.folded());
        self.one_to_one(email, |c| match c.sb.as_ref() {
            None => true,
            Some(sb) if sb.session.is_closed() => true,
            Some(sb) if sb.session.is_calling() => give_way,
            Some(sb) => sb.session.participants().next().is_none(),
        })
    }

    /// The window a message in `conv` from `from` shows in: a one-to-one
    /// session out of sight (a crossed call, a second ring) shows in the
    /// window already open with that person, not in a second one.
    fn window_for(&self, conv: u64, from: &Email) -> u64 {
        let one_to_one = |c: &Chat| c.with.len() == 1 && c.with[0] == *from;
        match self.chats.get(&conv) {
            Some(c) if !c.shown && one_to_one(c) => {
                self.chats.iter().find(|(_, o)| o.shown && one_to_one(o)).map_or(conv, |(id, _)| *id)
            }
            _ => conv,
        }
    }

    fn one_to_one(&mut self, email: &Email, usable: impl Fn(&Chat) -> bool) -> u64 {
        let existing = self.chats.iter().find(|(_, c)| c.with == [email.clone()] && usable(c)).map(|(id, _)| *id);
        match existing {
            Some(id) => id,
            None => {
                let id = self.next_id();
                self.chats.insert(id, Chat { with: vec![email.clone()], ..Chat::default() });
                id
            }
        }
    }

    /// Put a conversation's window on screen (or bring it up); from then on
    /// it is the person's, never closed behind their back.
    fn show_chat(&mut self, conv: u64, focus: bool) {
        let Some(c) = self.chats.get_mut(&conv) else { return };
        let first = !c.shown;
        c.shown = true;
        c.background = false;
        let with = c.with.iter().map(Email::folded).collect();
        self.dispatch(Action::Open { id: conv, with, focus });
        if first {
            self.load_history(conv);
        }
    }

    /// Something worth seeing arrived in a conversation out of sight.
    pub(super) fn reveal(&mut self, conv: u64) {
        if self.chats.get(&conv).is_some_and(|c| !c.shown) {
            self.show_chat(conv, false);
        }
    }

    /// A conversation out of sight with nothing left to do goes: a
    /// background fetch that is over, or one someone rang me into and left.
    fn retire_hidden(&mut self, conv: u64) {
        let Some(c) = self.chats.get(&conv).filter(|c| !c.shown) else { return };
        let alone = c.sb.as_ref().is_none_or(|sb| sb.session.participants().next().is_none());
        let idle = c.fetches.is_empty() && c.transfers.is_empty() && c.outbox.is_empty();
        if idle && (c.background || alone) {
            self.leave_switchboard(conv);
            self.chats.remove(&conv);
            self.fetch_in_view();
        }
    }

    pub(super) fn close_conversation(&mut self, conv: u64) {
        self.end_transfers_here(conv);
        self.leave_switchboard(conv);
        self.chats.remove(&conv);
        self.dispatch(Action::Close(conv));
    }

    /// Say goodbye on the conversation's switchboard, if it has one.
    pub(super) fn leave_switchboard(&mut self, conv: u64) {
        let Some(sb) = self.chats.get_mut(&conv).and_then(|c| c.sb.take()) else { return };
        let mut sb = sb;
        sb.session.leave();
        if let Some(b) = sb.session.poll_transmit() {
            let _ = sb.tx.send(b.clone());
            self.log(&format!("SB{conv}"), Dir::Out, &b);
        }
        sb.tx.close();
    }

    fn my_message(&mut self, conv: u64, kind: MessageKind) -> u64 {
        let id = self.next_id();
        let me = self.me.as_ref().map(Email::folded).unwrap_or_default();
        let from_name = self.ns.as_ref().map(|n| n.session.name().as_str().to_owned()).unwrap_or_else(|| me.clone());
        let message = ChatMessage { id, from: me, from_name, kind, delivery: Delivery::Pending, at: now_ms() };
        self.record(conv, &message);
        self.dispatch(Action::Message { conv, message });
        id
    }

    pub(super) fn send_text(&mut self, conv: u64, text: &str) {
        let format = self.text_format();
        let emoticons = self.announce_emoticons(conv, text);
        let id =
            self.my_message(conv, MessageKind::Text { text: text.to_owned(), format: Some(format.clone()), emoticons });
        let parts: Vec<MessageBody> = text_parts(text, &format, SAFE_PAYLOAD)
            .into_iter()
            .enumerate()
            .map(|(k, p)| self.text_part(id, k, p.to_owned(), Some(format.clone())))
            .collect();
        if parts.len() > 1
            && let Some(c) = self.chats.get_mut(&conv)
        {
            c.parts.insert(id, parts.clone());
        }
        for body in parts {
            self.send_body(conv, id, body);
        }
    }

    pub(super) fn nudge(&mut self, conv: u64) {
        let id = self.my_message(conv, MessageKind::Nudge);
        self.send_body(conv, id, MessageBody::Nudge);
    }

    /// Send again a message that failed; it keeps its place and id.
    pub(super) fn retry(&mut self, conv: u64, id: u64, body: MessageBody) {
        self.dispatch(Action::Delivery { conv, id, delivery: Delivery::Pending });
        if let MessageBody::Text { text, .. } = &body {
            // Its custom emoticons go before it again (a new switchboard
            // has not heard of them).
            self.announce_emoticons(conv, text);
        }
        // A long one: only its parts not yet acknowledged.
        if let Some(rest) = self.chats.get(&conv).and_then(|c| c.parts.get(&id)).cloned() {
            for part in rest {
                self.send_body(conv, id, part);
            }
            return;
        }
        // Under the id it went out with: if it did arrive, it is not shown twice.
        let body = match body {
            MessageBody::Text { text, format, .. } => self.text_part(id, 0, text, format),
            other => other,
        };
        self.send_body(conv, id, body);
    }

    /// Ask someone else into a conversation: now, or as soon as its
    /// switchboard is ready. With none open, they are rung with everyone
    /// else when one opens.
    pub(super) fn invite(&mut self, conv: u64, email: Email) {
        let Some(c) = self.chats.get_mut(&conv) else { return };
        if c.with.contains(&email) {
            return;
        }
        let called = c.live_sb().is_some_and(|sb| sb.session.invite_when_ready(&email).is_ok());
        if called {
            self.pump_sb(conv);
        } else {
            self.change_people(conv, |with| {
                with.push(email);
                true
            });
            self.ensure_switchboard(conv);
        }
    }

    /// Change who a conversation calls; when `change` says it did, the
    /// screen is told. Returns what `change` said.
    fn change_people(&mut self, conv: u64, change: impl FnOnce(&mut Vec<Email>) -> bool) -> bool {
        let Some(c) = self.chats.get_mut(&conv) else { return false };
        if !change(&mut c.with) {
            return false;
        }
        let with = c.with.iter().map(Email::folded).collect();
        self.dispatch(Action::Participants { conv, with });
        true
    }

    pub(super) fn send_body(&mut self, conv: u64, id: u64, body: MessageBody) {
        let Some(c) = self.chats.get_mut(&conv) else { return };
        let sent = match c.live_sb() {
            Some(sb) => match sb.session.send_message(body.clone(), AckMode::Acknowledged) {
                Ok(mid) => {
                    sb.sent.insert(mid, (id, body.clone()));
                    true
                }
                Err(_) => false,
            },
            None => false,
        };
        if sent {
            // If everyone left, they are rung back; the message waits for them.
            c.ring_back();
            self.pump_sb(conv);
        } else {
            c.outbox.push((id, body));
            self.ensure_switchboard(conv);
        }
    }

    /// Ask the notification server for a switchboard, unless one is open or
    /// asked for. Offline or reconnecting, the outbox waits for sign-in.
    pub(super) fn ensure_switchboard(&mut self, conv: u64) {
        let Some(c) = self.chats.get_mut(&conv) else { return };
        if c.requested || c.live_sb().is_some() {
            return;
        }
        let request = self.ns.as_mut().map(|ns| ns.session.request_switchboard());
        if let Some(Ok(trid)) = request {
            if let Some(c) = self.chats.get_mut(&conv) {
                c.requested = true;
            }
            self.sb_requests.insert(trid, conv);
            self.pump_ns();
        }
    }

    pub(super) fn fail_outbox(&mut self, conv: u64) {
        let Some(c) = self.chats.get_mut(&conv) else { return };
        c.requested = false;
        let failed: Vec<u64> = c.outbox.drain(..).map(|(id, _)| id).collect();
        for id in failed {
            self.dispatch(Action::Delivery { conv, id, delivery: Delivery::Failed });
        }
    }

    /// The switchboard I asked for is ready: call everyone in. Unless the
    /// conversation found one meanwhile (someone rang me first): then the
    /// new one is not needed, and going to it would only leave theirs.
    pub(super) fn open_sb(&mut self, conv: u64, addr: &str, cookie: String) {
        if let Some(c) = self.chats.get_mut(&conv)
            && c.live_sb().is_some()
        {
            c.requested = false;
            web_sys::console::info_1(&format!("msn-web: SB{conv}: already on a switchboard; {addr} not used").into());
            return;
        }
        let invitees = self.chats.get(&conv).map(|c| c.with.clone()).unwrap_or_default();
        self.connect_sb(conv, addr, SbStart::Call { cookie, invitees });
    }

    /// Join a switchboard I was invited to.
    pub(super) fn answer_sb(&mut self, conv: u64, addr: &str, cookie: String, session_id: String) {
        self.connect_sb(conv, addr, SbStart::Answer { cookie, session_id });
    }

    fn connect_sb(&mut self, conv: u64, addr: &str, start: SbStart) {
        let Some(me) = self.me.clone() else { return };
        let dialect = self.ns.as_ref().map(|n| n.session.dialect()).unwrap_or(Dialect::MSNP8);
        let link = self.next_id();
        let (data, closed) = (self.inbox.clone(), self.inbox.clone());
        let tx = socket::open(
            &super::relay_url(&self.settings.relay, Some(addr)),
            move |bytes| {
                let _ = data.unbounded_send(Input::SbData(conv, link, bytes));
            },
            move |_| {
                let _ = closed.unbounded_send(Input::SbClosed(conv, link));
            },
        );
        let Ok(tx) = tx else {
            self.fail_outbox(conv);
            return;
        };
        let mut session = SbSession::new(me, dialect, start);
        session.start(Instant::now());
        let Some(c) = self.chats.get_mut(&conv) else {
            tx.close();
            return;
        };
        c.requested = false;
        let mut farewell = None;
        if let Some(mut old) = c.sb.take() {
            // What was in flight on the switchboard this one replaces goes
            // out again first, in order (ids keep a message that did arrive
            // from showing twice): dropped, it would stay "sending" for ever.
            let mut inflight: Vec<(MessageId, (u64, MessageBody))> = old.sent.drain().collect();
            crate::order::sort_by_key(&mut inflight, |(mid, _)| *mid);
            c.outbox.splice(0..0, inflight.into_iter().map(|(_, m)| m));
            // Leave it, but read it until the server closes it.
            old.session.hand_over();
            std::iter::from_fn(|| old.session.poll_event()).for_each(drop);
            farewell = old.session.poll_transmit();
            if let Some(b) = &farewell {
                let _ = old.tx.send(b.clone());
            }
            c.retired.push(old);
        }
        let mut sent = HashMap::new();
        for (id, body) in c.outbox.drain(..) {
            if let Ok(mid) = session.send_message(body.clone(), AckMode::Acknowledged) {
                sent.insert(mid, (id, body));
            }
        }
        c.ringing = false;
        c.sb = Some(SbLink { id: link, session, tx, sent, pace: Pace::default() });
        if let Some(b) = farewell {
            self.log(&format!("SB{conv}"), Dir::Out, &b);
        }
        self.pump_sb(conv);
    }

    /// The current switchboard of `conv` if it is `link`, or one it moved off.
    fn any_sb_mut(&mut self, conv: u64, link: LinkId) -> Option<&mut SbLink> {
        let c = self.chats.get_mut(&conv)?;
        c.sb.iter_mut().chain(&mut c.retired).find(|sb| sb.id == link)
    }

    pub(super) fn sb_input(&mut self, conv: u64, link: LinkId, bytes: &[u8]) {
        let Some(sb) = self.any_sb_mut(conv, link) else {
            // Its conversation was closed with it: the socket is on its way down.
            web_sys::console::info_1(&format!("msn-web: SB{conv}: {} bytes after it was left", bytes.len()).into());
            return;
        };
        sb.session.handle_input(bytes, Instant::now());
        self.log(&format!("SB{conv}"), Dir::In, bytes);
        self.pump_sb(conv);
        self.send_receipts(conv);
    }

    /// Receipt what arrived in `conv` in this read, in one message (`U`:
    /// a lost receipt only means the message comes again, shown once).
    fn send_receipts(&mut self, conv: u64) {
        let Some(c) = self.chats.get_mut(&conv) else { return };
        if c.to_receipt.is_empty() {
            return;
        }
        let ids = std::mem::take(&mut c.to_receipt);
        let Some(sb) = c.live_sb().filter(|sb| sb.session.is_ready()) else { return };
        let _ = sb.session.send_message(MessageBody::Receipt { ids }, AckMode::Unacknowledged);
        self.pump_sb(conv);
    }

    /// `from` has these of our messages: they need not go again.
    fn receipted(&mut self, from: &Email, ids: &[String]) {
        for c in self.chats.values_mut().filter(|c| c.with.contains(from)) {
            c.receipts = true;
            c.unconfirmed.retain(|(_, b)| !matches!(b, MessageBody::Text { id: Some(i), .. } if ids.contains(i)));
        }
    }

    pub(super) fn sb_closed(&mut self, conv: u64, link: LinkId) {
        if let Some(sb) = self.any_sb_mut(conv, link) {
            sb.session.handle_close();
            self.pump_sb(conv);
        }
    }

    /// Act on what the switchboards `conv` moved off still say: messages
    /// delivered there before the server read our `OUT`; and their close.
    fn pump_retired(&mut self, conv: u64) {
        let Some(c) = self.chats.get_mut(&conv) else { return };
        let mut events = Vec::new();
        c.retired.retain_mut(|sb| {
            let mut open = true;
            for e in std::iter::from_fn(|| sb.session.poll_event()) {
                open &= e != SbEvent::Closed;
                events.push(e);
            }
            if !open {
                sb.tx.close();
            }
            open
        });
        for e in events {
            match e {
                SbEvent::Message { email, body: MessageBody::P2p { dest, data }, .. } => {
                    self.p2p_message(conv, &email, &dest, &data)
                }
                SbEvent::Message { email, name, body } => self.incoming(conv, &email, name.into_string(), body),
                // Ours failed there already went out again on the new one.
                _ => {}
            }
        }
    }

    /// Write what the switchboard session queued and act on its events,
    /// until it has nothing more to say.
    pub(super) fn pump_sb(&mut self, conv: u64) {
        self.pump_retired(conv);
        loop {
            let Some(sb) = self.chats.get_mut(&conv).and_then(|c| c.sb.as_mut()) else { return };
            let bytes = sb.session.poll_transmit();
            let events: Vec<SbEvent> = std::iter::from_fn(|| sb.session.poll_event()).collect();
            if let Some(b) = &bytes {
                let _ = sb.tx.send(b.clone());
            }
            let wrote = bytes.is_some();
            if let Some(b) = bytes {
                self.log(&format!("SB{conv}"), Dir::Out, &b);
            }
            let busy = !events.is_empty();
            for e in events {
                self.sb_event(conv, e);
            }
            if !wrote && !busy && !self.p2p_step(conv) {
                return;
            }
        }
    }

    /// Move what the P2P links have to say into the switchboard (up to the
    /// window) and act on their events; whether anything happened.
    fn p2p_step(&mut self, conv: u64) -> bool {
        let Some(c) = self.chats.get_mut(&conv) else { return false };
        let mut events = Vec::new();
        let mut sent = false;
        if let Some(sb) = c.sb.as_mut().filter(|sb| sb.session.is_ready()) {
            for (peer, link) in c.p2p.iter_mut() {
                while sb.session.in_flight() < sb.pace.window() {
                    let Some(body) = link.poll_transmit() else { break };
                    if let Ok(mid) = sb.session.send_message(body, AckMode::Data) {
                        sb.pace.sent(mid, Instant::now());
                        sent = true;
                    }
                }
                events.extend(std::iter::from_fn(|| link.poll_event()).map(|e| (peer.clone(), e)));
            }
        }
        let busy = !events.is_empty();
        for (peer, e) in events {
            self.p2p_event(conv, peer, e);
        }
        sent || busy
    }

    /// Leaving: what the P2P links have to say goes now, up to `extra`
    /// messages each past the window (a cancel's `BYE` waits behind data
    /// in flight otherwise, and would be lost with the switchboard).
    pub(super) fn flush_p2p(&mut self, conv: u64, extra: usize) {
        let Some(c) = self.chats.get_mut(&conv) else { return };
        let Some(sb) = c.sb.as_mut().filter(|sb| sb.session.is_ready()) else { return };
        for link in c.p2p.values_mut() {
            for body in std::iter::from_fn(|| link.poll_transmit()).take(extra) {
                let _ = sb.session.send_message(body, AckMode::Data);
            }
        }
        self.pump_sb(conv);
    }

    fn p2p_event(&mut self, conv: u64, peer: Email, e: P2pEvent) {
        if let P2pEvent::FileOffered { session, file } = e {
            return self.file_offered(conv, peer, session, file);
        }
        let Some(e) = self.transfer_event(conv, e) else { return };
        // Only my current picture and emoticons are served.
        let served = match &e {
            P2pEvent::ObjectRequested { object, .. } => self.my_object(&object.sha1d),
            _ => None,
        };
        let Some(c) = self.chats.get_mut(&conv) else { return };
        let Some(link) = c.p2p.get_mut(&peer) else { return };
        match e {
            P2pEvent::ObjectRequested { session, .. } => {
                let _ = match served {
                    Some(data) => link.serve_object(session, data),
                    None => link.decline(session),
                };
            }
            P2pEvent::Received { session, transfer: Transfer::Object(object), data } => {
                c.fetches.remove(&session);
                self.picture_received(object, data);
                self.retire_hidden(conv);
            }
            P2pEvent::Failed { session, .. } | P2pEvent::Cancelled { session, .. } | P2pEvent::Declined { session } => {
                if let Some((owner, object)) = c.fetches.remove(&session) {
                    web_sys::console::info_1(&format!("msn-web: SB{conv}: {owner}'s picture did not come").into());
                    self.picture_failed(owner, object);
                    self.retire_hidden(conv);
                }
            }
            _ => {}
        }
    }

    /// A desktop notification for `conv`, when the page is out of sight;
    /// clicking it brings the conversation up.
    pub(super) fn notify_out_of_sight(&self, conv: u64, title: &str, body: &str) {
        if crate::notify::page_hidden() {
            let dispatch = self.dispatcher();
            crate::notify::show(&format!("conversation-{conv}"), title, body, move || {
                dispatch.emit(Action::Focus(conv))
            });
        }
    }

    /// The P2P link to `peer` in `conv`, made on first use.
    pub(super) fn link_to(&mut self, conv: u64, peer: &Email) -> Option<&mut P2pLink> {
        let me = self.me.clone()?;
        let c = self.chats.get_mut(&conv)?;
        Some(c.p2p.entry(peer.clone()).or_insert_with(|| new_link(&me, peer)))
    }

    pub(super) fn track_transfer(&mut self, conv: u64, session: u32, t: super::transfers::FileTransfer) {
        if let Some(c) = self.chats.get_mut(&conv) {
            c.transfers.insert(session, t);
        }
    }

    /// Ask `owner`, in conversation `conv`, for one of their objects.
    pub(super) fn request_object(&mut self, conv: u64, owner: &Email, object: &MsnObject) {
        let Some(session) = self.link_to(conv, owner).map(|l| l.request_object(object, Instant::now())) else {
            return;
        };
        if let Some(c) = self.chats.get_mut(&conv) {
            c.fetches.insert(session, (owner.clone(), object.clone()));
        }
        self.pump_sb(conv);
    }

    /// A P2P message someone here sent: mine to handle, or someone else's
    /// (everyone in a conversation receives every one) to ignore.
    fn p2p_message(&mut self, conv: u64, from: &Email, dest: &str, data: &[u8]) {
        if !self.me.as_ref().is_some_and(|me| me.is(dest)) {
            return;
        }
        let Some(link) = self.link_to(conv, from) else { return };
        if let Err(e) = link.handle_packet(data, Instant::now()) {
            web_sys::console::warn_1(&format!("msn-web: SB{conv}: P2P from {from} refused: {e}").into());
        }
    }

    fn sb_event(&mut self, conv: u64, e: SbEvent) {
        match e {
            SbEvent::Message { email, body: MessageBody::P2p { dest, data }, .. } => {
                self.p2p_message(conv, &email, &dest, &data)
            }
            SbEvent::Message { email, name, body } => self.incoming(conv, &email, name.into_string(), body),
            SbEvent::Sent(mid) => {
                if let Some(sb) = self.chats.get_mut(&conv).and_then(|c| c.sb.as_mut()) {
                    sb.pace.answered(mid, Instant::now());
                }
                let Some((id, body)) = self.sb_sent(conv, mid) else { return };
                if let (Some(c), MessageBody::Text { id: Some(_), .. }) = (self.chats.get_mut(&conv), &body) {
                    if c.unconfirmed.len() >= SEEN_IDS {
                        c.unconfirmed.pop_front();
                    }
                    c.unconfirmed.push_back((id, body.clone()));
                }
                if let Some(c) = self.chats.get_mut(&conv)
                    && let Some(rest) = c.parts.get_mut(&id)
                {
                    if let Some(i) = rest.iter().position(|p| *p == body) {
                        rest.remove(i);
                    }
                    if !rest.is_empty() {
                        return;
                    }
                    c.parts.remove(&id);
                }
                self.dispatch(Action::Delivery { conv, id, delivery: Delivery::Sent });
            }
            SbEvent::Failed(mid) => {
                if let Some(sb) = self.chats.get_mut(&conv).and_then(|c| c.sb.as_mut()) {
                    sb.pace.lost(mid);
                }
                let Some((id, body)) = self.sb_sent(conv, mid) else { return };
                match self.chats.get_mut(&conv) {
                    Some(c) if c.await_online => c.outbox.push((id, body)),
                    _ => self.dispatch(Action::Delivery { conv, id, delivery: Delivery::Failed }),
                }
            }
            SbEvent::Joined { email, .. } => {
                if let Some(c) = self.chats.get_mut(&conv) {
                    c.ringing = false;
                }
                let new = self.change_people(conv, |with| {
                    let new = !with.contains(&email);
                    if new {
                        with.push(email.clone());
                    }
                    new
                });
                // Two others or more: a group conversation, worth a window.
                if self.chats.get(&conv).is_some_and(|c| c.with.len() > 1) {
                    self.reveal(conv);
                }
                if new {
                    let name = self.display_name(&email);
                    self.notice(conv, format!("{name} has joined the conversation."));
                }
                // With them here, what is wanted of theirs can come.
                self.fetch_wanted(&email);
                self.retire_hidden(conv);
            }
            SbEvent::Left { email, idle } => {
                // What may not have reached them goes again (it waits for
                // them to be rung back; ids keep it from showing twice).
                if let Some(c) = self.chats.get_mut(&conv).filter(|c| c.receipts && c.with == [email.clone()])
                    && let Some(sb) = c.sb.as_mut().filter(|sb| sb.session.is_ready())
                {
                    for (id, body) in c.unconfirmed.drain(..) {
                        if let Ok(mid) = sb.session.send_message(body.clone(), AckMode::Acknowledged) {
                            sb.sent.insert(mid, (id, body));
                        }
                    }
                    if !sb.sent.is_empty() {
                        c.ring_back();
                    }
                }
                let name = self.display_name(&email);
                let why = if idle { " (idle)" } else { "" };
                self.notice(conv, format!("{name} has left the conversation{why}."));
                // Someone who chose to leave a group conversation is no
                // longer rung for it; one-to-one, or idle, they are.
                self.change_people(conv, |with| {
                    let gone = !idle && with.len() > 1;
                    if gone {
                        with.retain(|e| *e != email);
                    }
                    gone
                });
                self.retire_hidden(conv);
            }
            // Already here (two calls crossed): nothing went wrong.
            SbEvent::CallFailed { code: ErrorCode::AlreadyThere, .. } => {}
            SbEvent::CallFailed { email, code } => {
                let name = self.display_name(&email);
                let Some(c) = self.chats.get_mut(&conv) else { return };
                c.ringing = false;
                if c.background {
                    // Not there after all: the picture waits.
                    self.leave_switchboard(conv);
                    self.chats.remove(&conv);
                    return;
                }
                let alone = c.sb.as_ref().is_some_and(|sb| sb.session.participants().next().is_none());
                if alone && code == ErrorCode::NotOnline {
                    c.await_online = true;
                    if let Some(sb) = c.sb.as_mut() {
                        // Nobody to talk to: close it; its messages return to
                        // the outbox (its events follow in this pump).
                        sb.session.leave();
                    }
                    self.notice(
                        conv,
                        format!("{name} is not online. Your messages will be sent when {name} comes online."),
                    );
                } else {
                    self.notice(conv, format!("{name} could not be invited: {code}."));
                }
            }
            SbEvent::TimedOut => self.notice(conv, "The conversation server did not answer.".into()),
            SbEvent::Closed => {
                // The next message starts a new switchboard; P2P sessions
                // end with this one, and pictures on their way are wanted
                // again.
                let Some(c) = self.chats.get_mut(&conv) else { return };
                if let Some(sb) = c.sb.take() {
                    sb.tx.close();
                }
                let again = c.receipts && c.take_unconfirmed();
                c.p2p.clear();
                let lost: Vec<(Email, MsnObject)> = c.fetches.drain().map(|(_, f)| f).collect();
                let hidden = !c.shown;
                if c.await_online {
                    // They may have come back while the call was on its way.
                    self.after(Duration::from_secs(1), Timer::CallAgain(conv));
                }
                for (owner, object) in lost {
                    self.picture_failed(owner, object);
                }
                self.transfers_lost(conv);
                if hidden {
                    self.chats.remove(&conv);
                    self.fetch_in_view();
                } else if again {
                    self.ensure_switchboard(conv);
                }
            }
            SbEvent::Skipped(s) => self.skipped(&format!("SB{conv}"), &s),
            // Ready, Ringing, and errors the session already turned into
            // failed messages or a close.
            _ => {}
        }
    }

    /// Take a message's entry off the in-flight list.
    fn sb_sent(&mut self, conv: u64, mid: MessageId) -> Option<(u64, MessageBody)> {
        self.chats.get_mut(&conv)?.sb.as_mut()?.sent.remove(&mid)
    }

    pub(super) fn notice(&mut self, conv: u64, text: String) {
        let message = self.notice_message(text);
        self.dispatch(Action::Message { conv, message });
    }

    /// A notice the conversation's history keeps too: what happened to a
    /// file, say, where what the connection did is of the moment only.
    pub(super) fn kept_notice(&mut self, conv: u64, text: String) {
        let message = self.notice_message(text);
        self.record(conv, &message);
        self.dispatch(Action::Message { conv, message });
    }

    fn notice_message(&mut self, text: String) -> ChatMessage {
        let id = self.next_id();
        let (from, from_name) = (String::new(), String::new());
        ChatMessage { id, from, from_name, kind: MessageKind::Notice(text), delivery: Delivery::Received, at: now_ms() }
    }

    fn incoming(&mut self, conv: u64, email: &Email, name: String, body: MessageBody) {
        match &body {
            // Receipted on the switchboard it came by, seen before or not.
            MessageBody::Text { id: Some(wire), .. } => {
                if let Some(c) = self.chats.get_mut(&conv) {
                    c.to_receipt.push(wire.clone());
                }
            }
            MessageBody::Receipt { ids } => return self.receipted(email, ids),
            _ => {}
        }
        let conv = self.window_for(conv, email);
        let kind = match body {
            MessageBody::Text { id: Some(wire), .. } if !self.first_sight(conv, email, &wire) => {
                web_sys::console::info_1(&format!("msn-web: SB{conv}: {email} sent {wire} again; shown once").into());
                return;
            }
            MessageBody::Text { text, format, .. } => {
                let announced = self.chats.get_mut(&conv).and_then(|c| c.announced.remove(email)).unwrap_or_default();
                let emoticons = announced
                    .into_iter()
                    .filter(|(shortcut, _)| text.contains(shortcut.as_str()))
                    .map(|(shortcut, o)| CustomEmoticon { shortcut, sha1d: o.sha1d })
                    .collect();
                MessageKind::Text { text, format, emoticons }
            }
            MessageBody::Emoticons { items, .. } => {
                let items = self.their_emoticons(email, items);
                if let Some(c) = self.chats.get_mut(&conv) {
                    c.announced.insert(email.clone(), items);
                }
                return;
            }
            MessageBody::Nudge => MessageKind::Nudge,
            MessageBody::Typing { .. } => {
                if self.chats.get(&conv).is_some_and(|c| !c.shown) {
                    return;
                }
                let until = now_ms() + TYPING_SHOWN.as_millis() as f64;
                self.dispatch(Action::Typing { conv, email: email.folded(), until });
                self.after(TYPING_SHOWN + Duration::from_millis(50), Timer::TypingLapse);
                return;
            }
            // Invitations, winks, voice clips: told, not played.
            MessageBody::Invite { .. } => {
                MessageKind::Notice(format!("{name} sent an invitation this client cannot accept yet."))
            }
            MessageBody::Datacast { id: 2, .. } => MessageKind::Notice(format!("{name} sent you a wink.")),
            MessageBody::Datacast { id: 3, .. } => MessageKind::Notice(format!("{name} sent you a voice clip.")),
            other => {
                let kind = match &other {
                    MessageBody::Datacast { id, .. } => format!("datacast {id}"),
                    MessageBody::Other(m) => m.content_type(),
                    _ => "notification".to_owned(),
                };
                web_sys::console::info_1(&format!("msn-web: SB{conv}: not shown: a {kind} message").into());
                return;
            }
        };
        // Out of sight: a desktop notification, if the user allowed them
        // (the browser, and this kind in the settings).
        let toast = match &kind {
            MessageKind::Text { text, .. } if self.prefs.notify_messages => {
                Some((format!("{name} says:"), text.clone()))
            }
            MessageKind::Nudge if self.prefs.notify_nudges => {
                Some((name.clone(), "has just sent you a nudge.".to_owned()))
            }
            _ => None,
        };
        if let Some((title, body)) = toast {
            self.notify_out_of_sight(conv, &title, &body);
        }
        self.reveal(conv);
        let id = self.next_id();
        let message =
            ChatMessage { id, from: email.folded(), from_name: name, kind, delivery: Delivery::Received, at: now_ms() };
        self.record(conv, &message);
        self.dispatch(Action::Message { conv, message });
    }

    /// The user is typing in `conv`: tell the others, at most every few seconds.
    pub(super) fn typing(&mut self, conv: u64) {
        let Some(c) = self.chats.get_mut(&conv) else { return };
        if c.last_typing.is_some_and(|t| t.elapsed() < TYPING_EVERY) {
            return;
        }
        let Some(sb) = c.sb.as_mut().filter(|sb| sb.session.is_ready()) else { return };
        sb.session.send_typing();
        c.last_typing = Some(Instant::now());
        self.pump_sb(conv);
    }

    /// Someone's presence changed: if they are online now, send what was
    /// waiting for them.
    pub(super) fn contact_maybe_back(&mut self, email: &Email) {
        let online =
            self.ns.as_ref().and_then(|n| n.session.contacts().get(email)).is_some_and(|c| c.status.is_visible());
        if !online {
            return;
        }
        let waiting: Vec<u64> = self
            .chats
            .iter_mut()
            .filter(|(_, c)| c.await_online && c.with.contains(email))
            .map(|(id, c)| {
                c.await_online = false;
                *id
            })
            .collect();
        for conv in waiting {
            self.ensure_switchboard(conv);
        }
    }
}

/// Message ids remembered per person in a conversation.
const SEEN_IDS: usize = 4096;

impl Net {
    /// Part `part` of our text message `id` as it goes out, under its wire
    /// id: the same every time it is sent (so that one sent again after a
    /// lost acknowledgement is shown once), unique to this page. The one
    /// place a message of ours gets its id.
    fn text_part(&self, id: u64, part: usize, text: String, format: Option<TextFormat>) -> MessageBody {
        MessageBody::Text { text, format, id: Some(format!("{:08x}{id:x}.{part}", self.page_nonce)) }
    }

    /// Whether `wire` from `from` is new in `conv` (and remember it).
    fn first_sight(&mut self, conv: u64, from: &Email, wire: &str) -> bool {
        let Some(c) = self.chats.get_mut(&conv) else { return true };
        let seen = c.seen.entry(from.clone()).or_default();
        if seen.iter().any(|s| s == wire) {
            return false;
        }
        if seen.len() >= SEEN_IDS {
            seen.pop_front();
        }
        seen.push_back(wire.to_owned());
        true
    }
}

/// A P2P link to `peer`, seeded from the browser's generator.
fn new_link(me: &Email, peer: &Email) -> P2pLink {
    let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64 ^ (now_ms() as u64).rotate_left(32);
    P2pLink::new(me.as_str(), peer.as_str(), seed, P2pConfig::default())
}
