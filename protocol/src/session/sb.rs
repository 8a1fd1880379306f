//! The client side of one switchboard (conversation) connection.
//!
//! Driven like [`super::NsSession`]: `start(now)`, `handle_input(bytes, now)`,
//! `handle_timeout(now)` when `poll_timeout()` says; drain `poll_transmit`
//! and `poll_event` after each call. Time bounds what waits on the server:
//! authentication, and each message's `ACK`.

use super::trids::TrIds;
use super::{SessionError, SkipReason, Skipped};
use crate::codec::{Context, Direction, Framer, Limits, decode_server, encode_client};
use crate::message::MessageBody;
use crate::types::*;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;
use web_time::Instant;

/// How long the server may take to let us in, or to acknowledge a message,
/// before the switchboard is given up or the message counted as failed.
pub const SB_REPLY_TIMEOUT: Duration = Duration::from_secs(45);

/// How this switchboard was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SbStart {
    /// I asked for it (`XFR SB`): `USR`, then `CAL` each invitee.
    Call { cookie: String, invitees: Vec<Email> },
    /// I was invited (`RNG`): `ANS`.
    Answer { cookie: String, session_id: String },
}

/// Names one message I sent, so the app can show its delivery state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub u64);

#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SbEvent {
    /// Authenticated; for `Answer`, with the roster already known.
    Ready,
    /// `CAL t RINGING`: the invitation is on its way.
    Ringing {
        email: Email,
    },
    /// A `CAL` failed (217 offline, 216 blocked, ...).
    CallFailed {
        email: Email,
        code: ErrorCode,
    },
    Joined {
        email: Email,
        name: Name,
    },
    /// `idle` when the server dropped them for inactivity.
    Left {
        email: Email,
        idle: bool,
    },
    Message {
        email: Email,
        name: Name,
        body: MessageBody,
    },
    /// The server passed the message on (`ACK`, or handed to someone with
    /// mode `N`/`U`).
    Sent(MessageId),
    /// Not delivered: `NAK`, or the switchboard closed with it unacknowledged
    /// or still queued. The app may retry it in a new switchboard.
    Failed(MessageId),
    /// Authentication refused (bad cookie) or another fatal error.
    Error(ErrorCode),
    /// The server did not let us in within [`SB_REPLY_TIMEOUT`].
    TimedOut,
    Closed,
    /// A line read and not acted on; the session went on.
    Skipped(Skipped),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    New,
    Authenticating,
    Ready,
    /// `OUT` sent by [`SbSession::hand_over`]: nothing more goes out, but
    /// messages already on their way in are still read, until the server
    /// closes.
    Leaving,
    Closed,
}

/// One switchboard session.
#[derive(Debug)]
pub struct SbSession {
    email: Email,
    dialect: Dialect,
    start: SbStart,
    phase: Phase,
    framer: Framer,
    trids: TrIds,
    out: Vec<u8>,
    events: VecDeque<SbEvent>,
    roster: BTreeMap<Email, Name>,
    /// Messages typed before anyone joined.
    queue: VecDeque<(MessageId, MessageBody, AckMode)>,
    /// Sent, waiting for `ACK`/`NAK` until the deadline.
    unacked: HashMap<TrId, (MessageId, AckMode, Option<Instant>)>,
    /// When authentication gives up.
    auth_deadline: Option<Instant>,
    /// The last time we were told (for stamping what `send_message` sends);
    /// set by `start`, before which nothing is sent.
    now: Option<Instant>,
    cals: HashMap<TrId, Email>,
    /// Asked in before the session was ready: called once it is.
    later: Vec<Email>,
    next_id: u64,
}

impl SbSession {
    /// `email` is my own address; `dialect` what the NS negotiated.
    pub fn new(email: Email, dialect: Dialect, start: SbStart) -> Self {
        SbSession {
            email,
            dialect,
            start,
            phase: Phase::New,
            framer: Framer::new(Direction::ToClient, Limits::default()),
            trids: TrIds::default(),
            out: Vec::new(),
            events: VecDeque::new(),
            roster: BTreeMap::new(),
            queue: VecDeque::new(),
            unacked: HashMap::new(),
            cals: HashMap::new(),
            later: Vec::new(),
            next_id: 0,
            auth_deadline: None,
            now: None,
        }
    }

    /// The next time [`SbSession::handle_timeout`] has work to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let acks = self.unacked.values().filter_map(|(_, _, deadline)| *deadline);
        self.auth_deadline.into_iter().chain(acks).min()
    }

    /// Time passed: give up authentication, or messages, whose server
    /// reply is overdue.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = Some(now);
        if self.phase == Phase::Closed {
            return;
        }
        if self.auth_deadline.is_some_and(|d| now >= d) {
            // A server that never closes after our OUT is not worth a word.
            if self.phase != Phase::Leaving {
                self.events.push_back(SbEvent::TimedOut);
            }
            self.close();
            return;
        }
        let mut overdue: Vec<(TrId, MessageId)> = self
            .unacked
            .iter()
            .filter(|(_, (_, _, d))| d.is_some_and(|d| now >= d))
            .map(|(t, (id, _, _))| (*t, *id))
            .collect();
        overdue.sort();
        for (trid, id) in overdue {
            self.unacked.remove(&trid);
            self.events.push_back(SbEvent::Failed(id));
        }
    }

    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if self.out.is_empty() { None } else { Some(std::mem::take(&mut self.out)) }
    }
    pub fn poll_event(&mut self) -> Option<SbEvent> {
        self.events.pop_front()
    }
    /// Who else is here.
    pub fn participants(&self) -> impl Iterator<Item = (&Email, &Name)> {
        self.roster.iter()
    }
    /// Messages sent or queued and not yet answered by the server: what an
    /// app that streams (P2P data) keeps below a window.
    pub fn in_flight(&self) -> usize {
        self.unacked.len() + self.queue.len()
    }

    pub fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }
    /// Closed, or leaving: it carries nothing more of ours.
    pub fn is_closed(&self) -> bool {
        matches!(self.phase, Phase::Closed | Phase::Leaving)
    }

    /// A switchboard this session opened to call someone, still waiting for
    /// anyone to join.
    pub fn is_calling(&self) -> bool {
        matches!(self.start, SbStart::Call { .. })
            && matches!(self.phase, Phase::New | Phase::Authenticating | Phase::Ready)
            && self.roster.is_empty()
    }

    fn send(&mut self, cmd: ClientCommand) {
        encode_client(&cmd, &mut self.out);
    }

    pub fn start(&mut self, now: Instant) {
        if self.phase != Phase::New {
            return;
        }
        self.now = Some(now);
        self.auth_deadline = Some(now + SB_REPLY_TIMEOUT);
        let trid = self.trids.next();
        let email = self.email.to_string();
        let cmd = match &self.start {
            SbStart::Call { cookie, .. } => ClientCommand::SbUsr { trid, email, cookie: cookie.clone() },
            SbStart::Answer { cookie, session_id } => {
                ClientCommand::Ans { trid, email, cookie: cookie.clone(), session_id: session_id.clone() }
            }
        };
        self.send(cmd);
        self.phase = Phase::Authenticating;
    }

    /// Invite someone (`CAL`).
    pub fn invite(&mut self, email: &Email) -> Result<TrId, SessionError> {
        if self.phase != Phase::Ready {
            return Err(SessionError::Misuse("the switchboard is not ready"));
        }
        let trid = self.trids.next();
        self.cals.insert(trid, email.clone());
        self.send(ClientCommand::Cal { trid, email: email.to_string() });
        Ok(trid)
    }

    /// Invite someone now if the session is ready, or as soon as it is;
    /// `Err` only once it has closed.
    pub fn invite_when_ready(&mut self, email: &Email) -> Result<(), SessionError> {
        match self.phase {
            Phase::Ready => self.invite(email).map(|_| ()),
            Phase::Leaving | Phase::Closed => Err(SessionError::Misuse("the switchboard is closed")),
            Phase::New | Phase::Authenticating => {
                self.later.push(email.clone());
                Ok(())
            }
        }
    }

    fn call_later(&mut self) {
        for e in std::mem::take(&mut self.later) {
            let _ = self.invite(&e);
        }
    }

    /// Send a message. Before anyone has joined it is queued and goes out on
    /// the first `JOI`/`IRO`; nothing is dropped.
    pub fn send_message(&mut self, body: MessageBody, ack: AckMode) -> Result<MessageId, SessionError> {
        if self.is_closed() {
            return Err(SessionError::Misuse("the switchboard is closed"));
        }
        self.next_id += 1;
        let id = MessageId(self.next_id);
        if self.phase == Phase::Ready && !self.roster.is_empty() {
            self.transmit(id, body, ack);
        } else {
            self.queue.push_back((id, body, ack));
        }
        Ok(id)
    }

    /// Typing notice: unacknowledged, and not worth queueing.
    pub fn send_typing(&mut self) {
        if self.phase == Phase::Ready && !self.roster.is_empty() {
            let payload = MessageBody::Typing { user: self.email.to_string() }.to_bytes();
            let trid = self.trids.next();
            self.send(ClientCommand::Msg { trid, ack: AckMode::Unacknowledged, payload });
        }
    }

    fn transmit(&mut self, id: MessageId, body: MessageBody, ack: AckMode) {
        let trid = self.trids.next();
        self.send(ClientCommand::Msg { trid, ack, payload: body.to_bytes() });
        let deadline = self.now.map(|n| n + SB_REPLY_TIMEOUT);
        match ack {
            AckMode::Acknowledged | AckMode::Data => {
                self.unacked.insert(trid, (id, ack, deadline));
            }
            // No ACK will come; the server took it.
            AckMode::NakOnly | AckMode::Unacknowledged => {
                if ack == AckMode::NakOnly {
                    self.unacked.insert(trid, (id, ack, deadline));
                }
                self.events.push_back(SbEvent::Sent(id));
            }
        }
    }

    fn flush_queue(&mut self) {
        if self.phase != Phase::Ready || self.roster.is_empty() {
            return;
        }
        while let Some((id, body, ack)) = self.queue.pop_front() {
            self.transmit(id, body, ack);
        }
    }

    /// Leave politely.
    pub fn leave(&mut self) {
        if !self.is_closed() {
            self.send(ClientCommand::Out);
        }
        self.close();
    }

    /// Leave for another switchboard (two calls crossed, say): `OUT`, and
    /// what was waiting fails at once, as with [`SbSession::leave`]; but
    /// messages the server delivered here before it read our `OUT` still
    /// come out as events, until it closes (or does not within the reply
    /// timeout). Acknowledged to their sender, they must not be lost.
    pub fn hand_over(&mut self) {
        if self.is_closed() {
            return;
        }
        self.send(ClientCommand::Out);
        self.fail_pending();
        self.phase = Phase::Leaving;
        self.cals.clear();
        self.later.clear();
        self.auth_deadline = self.now.map(|n| n + SB_REPLY_TIMEOUT);
    }

    pub fn handle_close(&mut self) {
        self.close();
    }

    fn close(&mut self) {
        if self.phase == Phase::Closed {
            return;
        }
        self.phase = Phase::Closed;
        self.auth_deadline = None;
        self.fail_pending();
        self.events.push_back(SbEvent::Closed);
    }

    /// Every message not yet answered by the server fails, in order.
    fn fail_pending(&mut self) {
        let mut failed: Vec<MessageId> = self
            .unacked
            .drain()
            .filter(|(_, (_, mode, _))| matches!(mode, AckMode::Acknowledged | AckMode::Data))
            .map(|(_, (id, _, _))| id)
            .collect();
        failed.extend(self.queue.drain(..).map(|(id, _, _)| id));
        failed.sort();
        self.events.extend(failed.into_iter().map(SbEvent::Failed));
    }

    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        self.now = Some(now);
        if self.phase == Phase::Closed {
            return;
        }
        self.framer.push(bytes);
        loop {
            match self.framer.next_frame() {
                Ok(Some(frame)) => {
                    let skipped = match decode_server(&frame, Context::sb(self.dialect)) {
                        Ok(cmd) => self.handle_command(cmd),
                        Err(e) => Some(SkipReason::Malformed(e.to_string())),
                    };
                    if let Some(reason) = skipped {
                        self.events.push_back(SbEvent::Skipped(Skipped::new(&frame, reason)));
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    self.close();
                    break;
                }
            }
            if self.phase == Phase::Closed {
                break;
            }
        }
    }

    /// Act on one command; what was not acted on comes back with why.
    fn handle_command(&mut self, cmd: ServerCommand) -> Option<SkipReason> {
        use ServerCommand as S;
        if self.phase == Phase::Leaving && !matches!(cmd, S::Msg { .. } | S::Out { .. }) {
            return None;
        }
        match cmd {
            S::UsrOk { .. } if self.phase == Phase::Authenticating => {
                self.phase = Phase::Ready;
                self.auth_deadline = None;
                self.events.push_back(SbEvent::Ready);
                if let SbStart::Call { invitees, .. } = self.start.clone() {
                    for e in invitees {
                        let _ = self.invite(&e);
                    }
                }
                self.call_later();
            }
            // Escargot also announces our own arrival; we are not a participant.
            S::Iro { email, .. } | S::Joi { email, .. } if self.email.is(&email) => {}
            S::Iro { email, name, .. } => {
                let email = Email::from_wire(email);
                self.roster.insert(email.clone(), name.clone());
                self.events.push_back(SbEvent::Joined { email, name });
            }
            S::AnsOk { .. } if self.phase == Phase::Authenticating => {
                self.phase = Phase::Ready;
                self.auth_deadline = None;
                self.events.push_back(SbEvent::Ready);
                self.call_later();
                self.flush_queue();
            }
            S::CalRinging { trid, .. } => {
                if let Some(email) = self.cals.remove(&trid) {
                    self.events.push_back(SbEvent::Ringing { email });
                }
            }
            S::Joi { email, name, .. } => {
                let email = Email::from_wire(email);
                self.roster.insert(email.clone(), name.clone());
                self.events.push_back(SbEvent::Joined { email, name });
                self.flush_queue();
            }
            S::Bye { email, reason } => {
                let email = Email::from_wire(email);
                self.roster.remove(&email);
                self.events.push_back(SbEvent::Left { email, idle: reason.as_deref() == Some("1") });
            }
            S::Msg { email, name, payload } => {
                let body = MessageBody::parse(&payload);
                self.events.push_back(SbEvent::Message { email: Email::from_wire(email), name, body });
            }
            S::Ack { trid } => {
                if let Some((id, mode, _)) = self.unacked.remove(&trid) {
                    if mode != AckMode::NakOnly {
                        self.events.push_back(SbEvent::Sent(id));
                    }
                }
            }
            S::Nak { trid } => {
                if let Some((id, _, _)) = self.unacked.remove(&trid) {
                    self.events.push_back(SbEvent::Failed(id));
                }
            }
            S::Error { code, trid, .. } => {
                if let Some(email) = trid.and_then(|t| self.cals.remove(&t)) {
                    self.events.push_back(SbEvent::CallFailed { email, code });
                } else if let Some((id, _, _)) = trid.and_then(|t| self.unacked.remove(&t)) {
                    self.events.push_back(SbEvent::Failed(id));
                } else {
                    self.events.push_back(SbEvent::Error(code));
                    if self.phase == Phase::Authenticating {
                        self.close();
                    }
                }
            }
            S::Out { .. } => self.close(),
            S::UsrOk { .. } | S::AnsOk { .. } => return Some(SkipReason::OutOfPhase),
            _ => return Some(SkipReason::NotHandled),
        }
        None
    }
}
