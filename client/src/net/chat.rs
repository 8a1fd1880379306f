//! Conversations: one switchboard each, messages with their delivery state,
//! invitations, typing, nudges, and what waits for a switchboard or for
//! someone to come online.

use super::*;

impl Controller {
    /// The open one-to-one conversation with `email`, or a new one.
    pub fn conversation_with(&self, email: &str, focus: bool) -> u64 {
        self.one_to_one(email, focus, |_| true)
    }

    /// Where an invitation from `email` goes: their one-to-one window if no
    /// conversation is going on in it (none yet, closed, or everyone left);
    /// otherwise a new window, so that a second session (a group chat, say)
    /// never takes over one in use.
    pub(super) fn conversation_for_invite(&self, email: &str) -> u64 {
        self.one_to_one(email, false, |c| {
            c.sb.as_ref().is_none_or(|sb| sb.session.is_closed() || sb.session.participants().next().is_none())
        })
    }

    /// The one-to-one conversation with `email` that `usable` accepts, or a new one.
    fn one_to_one(&self, email: &str, focus: bool, usable: impl Fn(&Conv) -> bool) -> u64 {
        let email = email.to_ascii_lowercase();
        let existing =
            self.0.borrow().convs.iter().find(|(_, c)| c.with == [email.clone()] && usable(c)).map(|(id, _)| *id);
        let id = match existing {
            Some(id) => id,
            None => {
                let id = self.next_id();
                self.0.borrow_mut().convs.insert(id, Conv { with: vec![email.clone()], ..Conv::default() });
                id
            }
        };
        self.dispatch(Action::Open { id, with: vec![email], focus });
        id
    }

    pub fn conversation_focus(&self, conv: u64) {
        self.dispatch(Action::Focus(conv));
    }

    /// On a narrow screen: the contact list (true) or the conversations.
    pub fn show_list(&self, show: bool) {
        self.dispatch(Action::ShowList(show));
    }

    pub fn close_conversation(&self, conv: u64) {
        if let Some(mut c) = self.0.borrow_mut().convs.remove(&conv)
            && let Some(sb) = c.sb.as_mut()
        {
            sb.session.leave();
            if let Some(b) = sb.session.poll_transmit() {
                let _ = sb.tx.unbounded_send(b);
            }
            sb.tx.close_channel();
        }
        self.dispatch(Action::Close(conv));
    }

    pub fn send_text(&self, conv: u64, text: &str) {
        let format = self.text_format();
        let id = self.next_id();
        let me = self.0.borrow().settings.email.trim().to_ascii_lowercase();
        let body = MessageBody::text(text, format.clone());
        let message = ChatMessage {
            id,
            from: me.clone(),
            from_name: me,
            kind: MessageKind::Text { text: text.to_owned(), format: Some(format) },
            delivery: Delivery::Pending,
            at: now_ms(),
        };
        self.dispatch(Action::Message { conv, message });
        self.send_body(conv, id, body);
    }

    pub fn nudge(&self, conv: u64) {
        let id = self.next_id();
        let me = self.0.borrow().settings.email.trim().to_ascii_lowercase();
        let message = ChatMessage {
            id,
            from: me.clone(),
            from_name: me,
            kind: MessageKind::Nudge,
            delivery: Delivery::Pending,
            at: now_ms(),
        };
        self.dispatch(Action::Message { conv, message });
        self.send_body(conv, id, MessageBody::Nudge);
    }

    /// Ask someone else into a conversation: now, or as soon as its
    /// switchboard is ready. With none open, they are rung with everyone else
    /// when one opens.
    pub fn invite(&self, conv: u64, email: &str) {
        let email = email.trim().to_ascii_lowercase();
        let called = {
            let mut i = self.0.borrow_mut();
            let Some(c) = i.convs.get_mut(&conv) else { return };
            if c.with.contains(&email) {
                return;
            }
            c.sb.as_mut()
                .filter(|sb| !sb.session.is_closed())
                .is_some_and(|sb| sb.session.invite_when_ready(&email).is_ok())
        };
        if called {
            self.pump_sb(conv);
        } else {
            self.change_people(conv, |with| {
                with.push(email.clone());
                true
            });
            self.ensure_switchboard(conv);
        }
    }

    /// Change who is in a conversation; when `change` says it did, the
    /// view is told. Returns what `change` said.
    fn change_people(&self, conv: u64, change: impl FnOnce(&mut Vec<String>) -> bool) -> bool {
        let with = self.0.borrow_mut().convs.get_mut(&conv).and_then(|c| change(&mut c.with).then(|| c.with.clone()));
        let changed = with.is_some();
        if let Some(with) = with {
            self.dispatch(Action::Participants { conv, with });
        }
        changed
    }

    /// Send again a message that failed.
    pub fn retry(&self, conv: u64, id: u64) {
        let body = self.0.borrow().sent.get(&id).map(|(_, b)| b.clone());
        if let Some(body) = body {
            self.dispatch(Action::Delivery { conv, id, delivery: Delivery::Pending });
            self.send_body(conv, id, body);
        }
    }

    pub(super) fn send_body(&self, conv: u64, id: u64, body: MessageBody) {
        self.0.borrow_mut().sent.insert(id, (conv, body.clone()));
        let sent = {
            let mut i = self.0.borrow_mut();
            let Some(c) = i.convs.get_mut(&conv) else {
                return;
            };
            let with = c.with.clone();
            match c.sb.as_mut().filter(|sb| !sb.session.is_closed()) {
                Some(sb) => match sb.session.send_message(body.clone(), AckMode::Acknowledged) {
                    Ok(mid) => {
                        sb.ids.insert(mid, id);
                        // Everyone left: ring them again; the message waits for them.
                        if sb.session.is_ready() && sb.session.participants().next().is_none() {
                            for e in &with {
                                let _ = sb.session.invite(e);
                            }
                        }
                        true
                    }
                    Err(_) => false,
                },
                None => false,
            }
        };
        if sent {
            self.pump_sb(conv);
        } else {
            if let Some(c) = self.0.borrow_mut().convs.get_mut(&conv) {
                c.outbox.push((id, body))
            }
            self.ensure_switchboard(conv);
        }
    }

    pub(super) fn ensure_switchboard(&self, conv: u64) {
        let r = {
            let mut i = self.0.borrow_mut();
            let Some(c) = i.convs.get_mut(&conv) else {
                return;
            };
            if c.requested || c.sb.as_ref().is_some_and(|sb| !sb.session.is_closed()) {
                return;
            }
            c.requested = true;
            i.ns.as_mut().map(|ns| ns.session.request_switchboard())
        };
        match r {
            Some(Ok(trid)) => {
                self.0.borrow_mut().sb_requests.insert(trid, conv);
                self.pump_ns();
            }
            // Offline or reconnecting: the outbox waits for the next sign-in.
            _ => {
                if let Some(c) = self.0.borrow_mut().convs.get_mut(&conv) {
                    c.requested = false;
                }
            }
        }
    }

    pub(super) fn fail_outbox(&self, conv: u64) {
        let failed: Vec<u64> = {
            let mut i = self.0.borrow_mut();
            let Some(c) = i.convs.get_mut(&conv) else {
                return;
            };
            c.requested = false;
            c.outbox.drain(..).map(|(id, _)| id).collect()
        };
        for id in failed {
            self.dispatch(Action::Delivery { conv, id, delivery: Delivery::Failed });
        }
    }

    pub(super) fn open_sb(&self, conv: u64, addr: &str, start: SbStart) {
        let s = self.0.borrow().settings.clone();
        let dialect = self.0.borrow().ns.as_ref().map(|n| n.session.dialect()).unwrap_or(Dialect::MSNP8);
        let socket = self.next_id();
        let (w1, w2) = (self.weak(), self.weak());
        let tx = socket::open(
            &relay_url(&s.relay, Some(addr)),
            move |bytes| {
                if let Some(i) = w1.upgrade() {
                    Controller(i).sb_input(conv, socket, &bytes);
                }
            },
            move |_| {
                if let Some(i) = w2.upgrade() {
                    Controller(i).sb_closed(conv, socket);
                }
            },
        );
        let Ok(tx) = tx else {
            self.fail_outbox(conv);
            return;
        };
        let mut session = SbSession::new(s.email.trim(), dialect, start);
        session.start(Instant::now());
        let mut ids = HashMap::new();
        {
            let mut i = self.0.borrow_mut();
            let Some(c) = i.convs.get_mut(&conv) else {
                return;
            };
            c.requested = false;
            for (id, body) in c.outbox.drain(..) {
                if let Ok(mid) = session.send_message(body, AckMode::Acknowledged) {
                    ids.insert(mid, id);
                }
            }
            if let Some(old) = c.sb.take() {
                old.tx.close_channel();
            }
            c.sb = Some(SbConn { session, tx, socket, ids });
        }
        self.pump_sb(conv);
    }

    pub(super) fn sb_input(&self, conv: u64, socket: u64, bytes: &[u8]) {
        {
            let mut i = self.0.borrow_mut();
            let Some(sb) = i.convs.get_mut(&conv).and_then(|c| c.sb.as_mut()).filter(|sb| sb.socket == socket) else {
                return;
            };
            sb.session.handle_input(bytes, Instant::now());
        }
        self.pump_sb(conv);
    }

    pub(super) fn sb_closed(&self, conv: u64, socket: u64) {
        {
            let mut i = self.0.borrow_mut();
            let Some(sb) = i.convs.get_mut(&conv).and_then(|c| c.sb.as_mut()).filter(|sb| sb.socket == socket) else {
                return;
            };
            sb.session.handle_close();
        }
        self.pump_sb(conv);
    }

    pub(super) fn pump_sb(&self, conv: u64) {
        let (events, ids) = {
            let mut i = self.0.borrow_mut();
            let Some(sb) = i.convs.get_mut(&conv).and_then(|c| c.sb.as_mut()) else {
                return;
            };
            if let Some(b) = sb.session.poll_transmit() {
                let _ = sb.tx.unbounded_send(b);
            }
            (std::iter::from_fn(|| sb.session.poll_event()).collect::<Vec<_>>(), sb.ids.clone())
        };
        for e in events {
            match e {
                SbEvent::Message { email, name, body } => self.incoming(conv, email, name.into_string(), body),
                SbEvent::Sent(mid) => {
                    if let Some(id) = ids.get(&mid) {
                        self.dispatch(Action::Delivery { conv, id: *id, delivery: Delivery::Sent });
                    }
                }
                SbEvent::Failed(mid) => {
                    let Some(id) = ids.get(&mid).copied() else { continue };
                    let requeued = {
                        let mut i = self.0.borrow_mut();
                        let body = i.sent.get(&id).map(|(_, b)| b.clone());
                        match (i.convs.get_mut(&conv), body) {
                            (Some(c), Some(b)) if c.await_online => {
                                c.outbox.push((id, b));
                                true
                            }
                            _ => false,
                        }
                    };
                    if !requeued {
                        self.dispatch(Action::Delivery { conv, id, delivery: Delivery::Failed });
                    }
                }
                SbEvent::Joined { email, .. } => {
                    let email = email.to_ascii_lowercase();
                    let new = self.change_people(conv, |with| {
                        let new = !with.contains(&email);
                        if new {
                            with.push(email.clone());
                        }
                        new
                    });
                    if new {
                        self.notice(conv, format!("{} has joined the conversation.", self.display_name(&email)));
                    }
                }
                SbEvent::Left { email, idle } => {
                    let name = self.display_name(&email);
                    let why = if idle { " (idle)" } else { "" };
                    self.notice(conv, format!("{name} has left the conversation{why}."));
                    // Someone who chose to leave a group conversation is no
                    // longer rung for it; one-to-one, or idle, they are.
                    let email = email.to_ascii_lowercase();
                    self.change_people(conv, |with| {
                        let gone = !idle && with.len() > 1;
                        if gone {
                            with.retain(|e| *e != email);
                        }
                        gone
                    });
                }
                SbEvent::CallFailed { email, code } => {
                    let name = self.display_name(&email);
                    let alone = {
                        let mut i = self.0.borrow_mut();
                        let c = i.convs.get_mut(&conv);
                        let alone = c
                            .as_ref()
                            .and_then(|c| c.sb.as_ref())
                            .is_some_and(|sb| sb.session.participants().next().is_none());
                        if let (Some(c), true, ErrorCode::NotOnline) = (c, alone, code) {
                            c.await_online = true;
                            if let Some(sb) = c.sb.as_mut() {
                                // Nobody to talk to: close it; its messages return to the outbox.
                                sb.session.leave();
                            }
                        }
                        alone
                    };
                    if alone && code == ErrorCode::NotOnline {
                        self.notice(
                            conv,
                            format!("{name} is not online. Your messages will be sent when {name} comes online."),
                        );
                        // Closing queued the rest of the events; handle them now.
                        self.pump_sb(conv);
                    } else {
                        self.notice(conv, format!("{name} could not be invited: {code}."));
                    }
                }
                SbEvent::Closed => {
                    // The next message starts a new switchboard.
                    if let Some(c) = self.0.borrow_mut().convs.get_mut(&conv)
                        && let Some(sb) = c.sb.take()
                    {
                        sb.tx.close_channel();
                    }
                }
                _ => {}
            }
        }
    }

    pub(super) fn notice(&self, conv: u64, text: String) {
        let id = self.next_id();
        let message = ChatMessage {
            id,
            from: String::new(),
            from_name: String::new(),
            kind: MessageKind::Notice(text),
            delivery: Delivery::Received,
            at: now_ms(),
        };
        self.dispatch(Action::Message { conv, message });
    }

    pub(super) fn incoming(&self, conv: u64, email: String, name: String, body: MessageBody) {
        let email = email.to_ascii_lowercase();
        let kind = match body {
            MessageBody::Text { text, format } => MessageKind::Text { text, format },
            MessageBody::Nudge => MessageKind::Nudge,
            MessageBody::Typing { .. } => {
                self.dispatch(Action::Typing { conv, email, until: now_ms() + TYPING_SHOWN_MS });
                return;
            }
            // Invitations, winks, P2P: not supported yet; say so rather than drop it.
            MessageBody::Invite { .. } => {
                MessageKind::Notice(format!("{name} sent an invitation this client cannot accept yet."))
            }
            _ => return,
        };
        // Out of sight: a desktop notification, if the user allowed them.
        let toast = match &kind {
            MessageKind::Text { text, .. } => Some((format!("{name} says:"), text.clone())),
            MessageKind::Nudge => Some((name.clone(), "has just sent you a nudge.".to_owned())),
            MessageKind::Notice(_) => None,
        };
        if let Some((title, body)) = toast.filter(|_| crate::notify::page_hidden()) {
            let me = self.clone();
            crate::notify::show(&format!("conversation-{conv}"), &title, &body, move || me.conversation_focus(conv));
        }
        let id = self.next_id();
        self.dispatch(Action::Message {
            conv,
            message: ChatMessage { id, from: email, from_name: name, kind, delivery: Delivery::Received, at: now_ms() },
        });
    }

    /// The user is typing in `conv`: tell the others, at most every few seconds.
    pub fn typing(&self, conv: u64) {
        let now = now_ms();
        {
            let mut i = self.0.borrow_mut();
            let Some(c) = i.convs.get_mut(&conv) else {
                return;
            };
            if now - c.last_typing < TYPING_EVERY_MS {
                return;
            }
            let Some(sb) = c.sb.as_mut().filter(|sb| sb.session.is_ready()) else {
                return;
            };
            c.last_typing = now;
            sb.session.send_typing();
        }
        self.pump_sb(conv);
    }
}
