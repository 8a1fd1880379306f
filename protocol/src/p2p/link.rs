//! One peer's P2P sessions over one switchboard, sans I/O: feed it the P2P
//! messages meant for me (`handle_packet`), time (`handle_timeout`) and the
//! app's decisions; drain `poll_transmit` (`MSG` payloads to send with ack
//! mode `D`) and `poll_event`.
//!
//! The flows, as MSN 6-7 run them (P2P v1 over the switchboard):
//! - **MSN object** (display picture, custom emoticon): the requester sends
//!   `INVITE` with the object as context; the owner answers `200 OK`, then,
//!   each after the last is acknowledged, a 4-byte data preparation and the
//!   data (flag `0x20`, footer 1); the requester checks it against `SHA1D`
//!   and says `BYE`.
//! - **File**: the sender sends `INVITE` with the file context; the receiver
//!   answers `200 OK` (or `603 Decline`); the data follows at once (flag
//!   `0x1000030`, footer 2), and the receiver says `BYE` when it has all of
//!   it. Either side ends a session early with `BYE`.
//!
//! Every whole message received is acknowledged; data is sent in chunks of
//! at most [`MAX_CHUNK`] bytes without waiting for each (the app paces them
//! to the switchboard), and control messages (acknowledgements, `BYE`) go
//! before queued data, so a cancel never waits behind a megabyte.
//!
//! A file is never held whole, either way: the sender's app reads it a
//! window at a time as the link asks ([`P2pEvent::WantData`],
//! [`P2pLink::give_data`]), and the receiver's app gets it piece by piece
//! ([`P2pEvent::FileData`]) as it arrives. A browser cannot give memory
//! back, so a gigabyte held once would stay with the page.

use super::P2pError;
use super::header::{Flags, Header, MAX_CHUNK, Packet, app};
use super::object::{FileContext, MsnObject};
use super::slp::{Dialog, EUF_FILE, EUF_OBJECT, SlpMessage, TRANS_REQ_BODY};
use crate::message::MessageBody;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;
use web_time::Instant;

/// Limits on what a peer can make us hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct P2pConfig {
    /// Largest display picture or emoticon accepted.
    pub max_object: u64,
    /// Largest file accepted (the app may refuse smaller ones).
    pub max_file: u64,
    /// A session with no traffic for this long has failed, unless it is a
    /// file offer waiting for a person to answer (see [`Session::stalls`]).
    pub stall: Duration,
}

impl Default for P2pConfig {
    fn default() -> Self {
        P2pConfig { max_object: 1 << 20, max_file: 1 << 30, stall: Duration::from_secs(60) }
    }
}

/// Largest negotiation (MSNSLP) message accepted.
const MAX_SLP: u64 = 16 * 1024;
/// Messages being reassembled at once.
const MAX_PARTIALS: usize = 16;

/// What a session moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transfer {
    Object(MsnObject),
    File(FileContext),
}

impl Transfer {
    fn size(&self) -> u64 {
        match self {
            Transfer::Object(o) => o.size,
            Transfer::File(f) => f.size,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum P2pEvent {
    /// The peer asks for one of my objects: answer with
    /// [`P2pLink::serve_object`] or [`P2pLink::decline`].
    ObjectRequested {
        session: u32,
        object: MsnObject,
    },
    /// The peer offers a file: [`P2pLink::accept`] or [`P2pLink::decline`].
    FileOffered {
        session: u32,
        file: FileContext,
    },
    /// The peer accepted what I offered or asked for.
    Accepted {
        session: u32,
    },
    Declined {
        session: u32,
    },
    /// I am sending a file: give the link its bytes from `offset`, at most
    /// `len` of them ([`P2pLink::give_data`]), or give up on it.
    WantData {
        session: u32,
        offset: u64,
        len: u64,
    },
    /// I am receiving a file: these are its bytes at `offset`, in order.
    FileData {
        session: u32,
        offset: u64,
        data: Vec<u8>,
    },
    /// Bytes moved so far, either way.
    Progress {
        session: u32,
        done: u64,
        total: u64,
    },
    /// Everything arrived, and checked (size; `SHA1D` for objects). `data`
    /// is an object's bytes; a file's came before, in `FileData`.
    Received {
        session: u32,
        transfer: Transfer,
        data: Vec<u8>,
    },
    /// The peer has everything I sent.
    Sent {
        session: u32,
    },
    Cancelled {
        session: u32,
        by_peer: bool,
    },
    Failed {
        session: u32,
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Sending,
    Receiving,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// I invited; waiting for the answer.
    Invited,
    /// They invited; waiting for the app.
    Asked,
    /// Agreed: data flows.
    Flowing,
}

#[derive(Debug)]
struct Session {
    dialog: Dialog,
    transfer: Transfer,
    role: Role,
    phase: Phase,
    /// An object I serve, until it is queued (a file's bytes come from the
    /// app a window at a time).
    data: Vec<u8>,
    last_activity: Instant,
    /// My invitation reached the peer's client (it acknowledged it).
    heard: bool,
}

impl Session {
    /// Whether silence for the stall time means it failed. A file offer the
    /// peer's client has, or one put to my person, waits for a person's
    /// answer however long it takes (MSN never gave up on one by itself);
    /// software answers (acknowledgements, data, a served picture) do not
    /// take a minute.
    fn stalls(&self) -> bool {
        let file = matches!(self.transfer, Transfer::File(_));
        !(file && (self.phase == Phase::Asked || (self.phase == Phase::Invited && self.heard)))
    }
}

/// What to do when the peer acknowledges one of my messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnAck {
    Nothing,
    /// The `200 OK` for an object: send the data preparation.
    SendPreparation(u32),
    /// The data preparation: send the object.
    SendObject(u32),
    /// The data: the session has delivered everything.
    Delivered(u32),
    /// My invitation: the peer's client has it.
    Heard(u32),
}

/// A whole message on its way out, sent chunk by chunk. Offsets are in the
/// whole message; `data` holds its bytes from `base` on.
#[derive(Debug)]
struct Outgoing {
    header: Header,
    data: Vec<u8>,
    base: u64,
    app_id: u32,
    /// Bytes of the message sent.
    sent: u64,
    /// A file's data, read by the app a window at a time.
    streamed: bool,
    /// A window is asked of the app and not given yet.
    asked: bool,
}

impl Outgoing {
    fn new(header: Header, data: Vec<u8>, app_id: u32) -> Outgoing {
        Outgoing { header, data, base: 0, app_id, sent: 0, streamed: false, asked: false }
    }
    /// The message's size: what it will have sent in all.
    fn end(&self) -> u64 {
        if self.streamed { self.header.total } else { self.data.len() as u64 }
    }
    fn buffered_end(&self) -> u64 {
        self.base + self.data.len() as u64
    }
    /// Has bytes to send now (an empty message is one chunk of none).
    fn ready(&self) -> bool {
        self.sent < self.buffered_end() || self.end() == 0
    }
    /// The next window to ask the app for, if it is time.
    fn wants(&self) -> Option<(u64, u64)> {
        let from = self.buffered_end();
        let time = self.streamed && !self.asked && from < self.end() && from - self.sent < LOW_WATER;
        time.then(|| (from, (self.end() - from).min(WINDOW)))
    }
}

/// A file's bytes are asked of the app this many at a time...
const WINDOW: u64 = 64 * 1024;
/// ...when fewer than this many are left to send.
const LOW_WATER: u64 = 32 * 1024;

#[derive(Debug)]
struct Partial {
    header: Header,
    /// What has arrived; a file's is handed on at once, and only counted.
    data: Vec<u8>,
    got: u64,
    /// Handed on as it arrives (a file's data).
    streamed: bool,
}

/// One peer's P2P link. See the module docs for the flows.
#[derive(Debug)]
pub struct P2pLink {
    me: String,
    peer: String,
    config: P2pConfig,
    /// xorshift state for ids, sessions and GUIDs (no randomness source
    /// here: the app seeds it).
    rng: u64,
    next_id: u32,
    control: VecDeque<Outgoing>,
    bulk: VecDeque<Outgoing>,
    partials: HashMap<u32, Partial>,
    sessions: BTreeMap<u32, Session>,
    awaiting_ack: HashMap<u32, OnAck>,
    events: VecDeque<P2pEvent>,
    now: Option<Instant>,
}

impl P2pLink {
    /// `seed` should be random (the browser's or the OS's generator).
    pub fn new(me: &str, peer: &str, seed: u64, config: P2pConfig) -> P2pLink {
        let mut link = P2pLink {
            me: me.to_owned(),
            peer: peer.to_owned(),
            config,
            rng: seed | 1,
            next_id: 0,
            control: VecDeque::new(),
            bulk: VecDeque::new(),
            partials: HashMap::new(),
            sessions: BTreeMap::new(),
            awaiting_ack: HashMap::new(),
            events: VecDeque::new(),
            now: None,
        };
        // A base identifier well away from 0 and from wrapping.
        link.next_id = (link.random() % 0x7fff_0000) as u32 + 4;
        link
    }

    pub fn peer(&self) -> &str {
        &self.peer
    }

    fn random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn guid(&mut self) -> String {
        let (a, b) = (self.random(), self.random());
        format!(
            "{{{:08X}-{:04X}-{:04X}-{:04X}-{:012X}}}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }

    fn next_msg_id(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        id
    }

    /// Queue a whole message; `then` says what its acknowledgement means.
    fn queue(&mut self, session_id: u32, flags: Flags, app_id: u32, data: Vec<u8>, bulk: bool, then: OnAck) {
        let id = self.next_msg_id();
        let tag = self.random() as u32;
        let header = Header { session_id, id, total: data.len() as u64, flags, ack_id: tag, ..Header::default() };
        if then != OnAck::Nothing {
            self.awaiting_ack.insert(id, then);
        }
        let out = Outgoing::new(header, data, app_id);
        if bulk { self.bulk.push_back(out) } else { self.control.push_back(out) }
    }

    fn queue_slp(&mut self, msg: SlpMessage, then: OnAck) {
        self.queue(0, Flags::NONE, app::SLP, msg.to_bytes(), false, then);
    }

    fn dialog(&mut self) -> Dialog {
        let (call_id, branch) = (self.guid(), self.guid());
        Dialog { me: self.me.clone(), peer: self.peer.clone(), call_id, branch }
    }

    fn new_session_id(&mut self) -> u32 {
        loop {
            let id = (self.random() as u32) & 0x7fff_ffff;
            if id != 0 && !self.sessions.contains_key(&id) {
                return id;
            }
        }
    }

    fn start(&mut self, transfer: Transfer, role: Role, data: Vec<u8>, now: Instant) -> u32 {
        self.now = Some(now);
        let session = self.new_session_id();
        let dialog = self.dialog();
        let (euf, app_id, context) = match &transfer {
            Transfer::Object(o) => (EUF_OBJECT, app::OBJECT, o.to_context()),
            Transfer::File(f) => (EUF_FILE, app::FILE, f.to_context()),
        };
        let invite = dialog.invite(session, euf, app_id, &context);
        self.sessions.insert(
            session,
            Session { dialog, transfer, role, phase: Phase::Invited, data, last_activity: now, heard: false },
        );
        self.queue_slp(invite, OnAck::Heard(session));
        session
    }

    /// Ask the peer for one of their objects (a display picture, say).
    pub fn request_object(&mut self, object: &MsnObject, now: Instant) -> u32 {
        self.start(Transfer::Object(object.clone()), Role::Receiving, Vec::new(), now)
    }

    /// Offer the peer a file of `size` bytes; once they accept, the link
    /// asks for its bytes ([`P2pEvent::WantData`]).
    pub fn offer_file(&mut self, name: &str, size: u64, now: Instant) -> u32 {
        let file = FileContext { name: name.to_owned(), size };
        self.start(Transfer::File(file), Role::Sending, Vec::new(), now)
    }

    /// The bytes [`P2pEvent::WantData`] asked for (fewer is fine: the rest
    /// is asked again). None at all, before the end, fails the session: the
    /// file is shorter than it was when offered.
    pub fn give_data(&mut self, session: u32, bytes: &[u8]) -> Result<(), P2pError> {
        let out = self
            .bulk
            .iter_mut()
            .find(|o| o.streamed && o.asked && o.header.session_id == session)
            .ok_or(P2pError::NoSession(session))?;
        let have = out.buffered_end();
        if bytes.is_empty() || have + bytes.len() as u64 > out.end() {
            let (have, end) = (have, out.end());
            self.fail(session, format!("the file changed on disk (read {have} of {end} bytes, then {})", bytes.len()));
            return Err(P2pError::TooLarge(have + bytes.len() as u64));
        }
        // What was sent is let go before the window is added.
        out.data.drain(..(out.sent - out.base) as usize);
        out.base = out.sent;
        out.data.extend_from_slice(bytes);
        out.asked = false;
        self.ask_for_data();
        Ok(())
    }

    /// The app cannot go on with a session (a file it cannot read, say):
    /// it ends at both sides, and fails with `reason`.
    pub fn give_up(&mut self, session: u32, reason: &str) {
        self.fail(session, reason);
    }

    /// Ask the app for the next window of each file that is running low.
    fn ask_for_data(&mut self) {
        for out in self.bulk.iter_mut() {
            if let Some((offset, len)) = out.wants() {
                out.asked = true;
                self.events.push_back(P2pEvent::WantData { session: out.header.session_id, offset, len });
            }
        }
    }

    /// Give the peer the object it asked for.
    pub fn serve_object(&mut self, session: u32, data: Vec<u8>) -> Result<(), P2pError> {
        let s = self.sessions.get_mut(&session).ok_or(P2pError::NoSession(session))?;
        if s.phase != Phase::Asked || s.role != Role::Sending {
            return Err(P2pError::NoSession(session));
        }
        s.phase = Phase::Flowing;
        s.data = data;
        let ok = s.dialog.answer(session, true);
        self.queue_slp(ok, OnAck::SendPreparation(session));
        Ok(())
    }

    /// Accept a file the peer offered, `now` (the offer may have waited for
    /// minutes: the data's stall clock starts here).
    pub fn accept(&mut self, session: u32, now: Instant) -> Result<(), P2pError> {
        self.now = Some(now);
        let s = self.sessions.get_mut(&session).ok_or(P2pError::NoSession(session))?;
        if s.phase != Phase::Asked || s.role != Role::Receiving {
            return Err(P2pError::NoSession(session));
        }
        s.phase = Phase::Flowing;
        s.last_activity = now;
        let ok = s.dialog.answer(session, true);
        self.queue_slp(ok, OnAck::Nothing);
        Ok(())
    }

    /// Say no to what the peer asked for or offered.
    pub fn decline(&mut self, session: u32) -> Result<(), P2pError> {
        let s = self.sessions.remove(&session).ok_or(P2pError::NoSession(session))?;
        if s.phase != Phase::Asked {
            self.sessions.insert(session, s);
            return Err(P2pError::NoSession(session));
        }
        self.queue_slp(s.dialog.answer(session, false), OnAck::Nothing);
        Ok(())
    }

    /// End a session now, from my side.
    pub fn cancel(&mut self, session: u32) -> Result<(), P2pError> {
        let s = self.sessions.remove(&session).ok_or(P2pError::NoSession(session))?;
        self.forget(session);
        self.queue_slp(s.dialog.bye(session), OnAck::Nothing);
        self.events.push_back(P2pEvent::Cancelled { session, by_peer: false });
        Ok(())
    }

    /// Drop what is queued or half-received for a session that ended.
    fn forget(&mut self, session: u32) {
        self.bulk.retain(|o| o.header.session_id != session);
        self.partials.retain(|_, p| p.header.session_id != session);
        self.awaiting_ack.retain(|_, a| match a {
            OnAck::SendPreparation(s) | OnAck::SendObject(s) | OnAck::Delivered(s) | OnAck::Heard(s) => *s != session,
            OnAck::Nothing => true,
        });
    }

    fn fail(&mut self, session: u32, reason: impl Into<String>) {
        if let Some(s) = self.sessions.remove(&session) {
            self.forget(session);
            self.queue_slp(s.dialog.bye(session), OnAck::Nothing);
            self.events.push_back(P2pEvent::Failed { session, reason: reason.into() });
        }
    }

    /// Nothing going on: the app may drop the link.
    pub fn is_idle(&self) -> bool {
        self.sessions.is_empty() && self.control.is_empty() && self.bulk.is_empty()
    }

    pub fn poll_event(&mut self) -> Option<P2pEvent> {
        self.events.pop_front()
    }

    /// The next `MSG` body to send (ack mode `D`): control messages first,
    /// then data, one chunk at a time. A typed body, so that the switchboard
    /// session writes it once.
    pub fn poll_transmit(&mut self) -> Option<MessageBody> {
        let from_control = !self.control.is_empty();
        let queue = if from_control { &mut self.control } else { &mut self.bulk };
        // A file waiting for its next window holds up no other message.
        let i = queue.iter().position(Outgoing::ready)?;
        let out = &mut queue[i];
        let start = out.sent;
        let end = (start + MAX_CHUNK as u64).min(out.buffered_end());
        let (from, to) = ((start - out.base) as usize, (end - out.base) as usize);
        let packet = Packet {
            header: Header { offset: start, length: (end - start) as u32, ..out.header },
            data: out.data[from..to].to_vec(),
            app_id: out.app_id,
        };
        out.sent = end;
        let (session, total) = (out.header.session_id, out.header.total);
        if out.sent >= out.end() {
            queue.remove(i);
        }
        if !from_control {
            self.ask_for_data();
            if let Some(s) = self.sessions.get_mut(&session) {
                s.last_activity = self.now.unwrap_or(s.last_activity);
                self.events.push_back(P2pEvent::Progress { session, done: end, total });
            }
        }
        Some(MessageBody::P2p { dest: self.peer.clone(), data: packet.to_bytes() })
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.sessions.values().filter(|s| s.stalls()).map(|s| s.last_activity + self.config.stall).min()
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = Some(now);
        let stalled: Vec<u32> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.stalls() && now >= s.last_activity + self.config.stall)
            .map(|(id, _)| *id)
            .collect();
        for session in stalled {
            self.fail(session, "the other side stopped answering");
        }
    }

    /// A P2P message from the peer (the body of an `MSG` whose `P2P-Dest`
    /// is me). A bad one is refused with the reason; the link goes on.
    pub fn handle_packet(&mut self, bytes: &[u8], now: Instant) -> Result<(), P2pError> {
        self.now = Some(now);
        let p = Packet::parse(bytes)?;
        let h = p.header;
        if let Some(s) = self.sessions.get_mut(&h.session_id) {
            s.last_activity = now;
        }
        if h.flags.has(Flags::ACK) {
            self.acknowledged(h.ack_id);
            return Ok(());
        }
        if h.flags.has(Flags::NAK) || h.flags.has(Flags::ERROR) || h.flags.has(Flags::TRANSPORT_ERROR) {
            self.fail(h.session_id, "the other side reported an error");
            return Ok(());
        }
        // The largest message this session may send us, and whether it is
        // a file's data (handed on as it comes).
        let (limit, streamed) = match self.sessions.get(&h.session_id) {
            None if h.session_id == 0 => (MAX_SLP, false),
            None => return Err(P2pError::NoSession(h.session_id)),
            // The data, or a 4-byte data preparation.
            Some(s) if s.role == Role::Receiving && s.phase == Phase::Flowing => {
                let file = matches!(s.transfer, Transfer::File(_)) && h.flags != Flags::NONE;
                (s.transfer.size().max(4), file)
            }
            Some(_) => return Err(P2pError::Unexpected(h.session_id)),
        };
        if h.total > limit {
            self.fail(h.session_id, "the other side sent more than it announced");
            return Err(P2pError::TooLarge(h.total));
        }
        if h.offset == 0 && !self.partials.contains_key(&h.id) {
            if self.partials.len() >= MAX_PARTIALS {
                return Err(P2pError::TooMany);
            }
            // One file's data comes as one message: pieces of two at once
            // could not be told apart by the app.
            if streamed && self.partials.values().any(|p| p.streamed && p.header.session_id == h.session_id) {
                self.fail(h.session_id, "the other side sent the file twice at once");
                return Err(P2pError::BadOffset);
            }
            let cap = if streamed { 0 } else { (h.total as usize).min(64 * 1024) };
            self.partials.insert(h.id, Partial { header: h, data: Vec::with_capacity(cap), got: 0, streamed });
        }
        let Some(partial) = self.partials.get_mut(&h.id) else {
            return Err(P2pError::BadOffset);
        };
        if h.offset != partial.got || h.total != partial.header.total {
            self.partials.remove(&h.id);
            return Err(P2pError::BadOffset);
        }
        partial.got += p.data.len() as u64;
        let done = partial.got;
        if partial.streamed {
            self.events.push_back(P2pEvent::FileData { session: h.session_id, offset: h.offset, data: p.data });
        } else {
            partial.data.extend_from_slice(&p.data);
        }
        if h.session_id != 0 && h.flags.0 != 0 {
            self.events.push_back(P2pEvent::Progress { session: h.session_id, done, total: h.total });
        }
        if done < h.total {
            return Ok(());
        }
        let whole = self.partials.remove(&h.id).expect("just used");
        self.send_ack(&whole.header);
        if h.session_id == 0 {
            let msg = SlpMessage::parse(&whole.data)?;
            self.handle_slp(msg, now)?;
        } else {
            self.data_arrived(whole);
        }
        Ok(())
    }

    fn send_ack(&mut self, of: &Header) {
        let id = self.next_msg_id();
        let header = Header {
            session_id: of.session_id,
            id,
            total: of.total,
            flags: Flags::ACK,
            ack_id: of.id,
            ack_uid: of.ack_id,
            ack_size: of.total,
            ..Header::default()
        };
        self.control.push_back(Outgoing::new(header, Vec::new(), app::SLP));
    }

    fn acknowledged(&mut self, my_id: u32) {
        match self.awaiting_ack.remove(&my_id) {
            Some(OnAck::SendPreparation(session)) => {
                self.queue(session, Flags::NONE, app::OBJECT, vec![0; 4], false, OnAck::SendObject(session));
            }
            Some(OnAck::SendObject(session)) => {
                if let Some(s) = self.sessions.get_mut(&session) {
                    let data = std::mem::take(&mut s.data);
                    self.queue(session, Flags::OBJECT_DATA, app::OBJECT, data, true, OnAck::Delivered(session));
                }
            }
            Some(OnAck::Delivered(session)) => {
                // Delivered: the session is over (the receiver's BYE that
                // follows finds nothing, as it should).
                if self.sessions.remove(&session).is_some() {
                    self.events.push_back(P2pEvent::Sent { session });
                }
            }
            Some(OnAck::Heard(session)) => {
                if let Some(s) = self.sessions.get_mut(&session) {
                    s.heard = true;
                }
            }
            Some(OnAck::Nothing) | None => {}
        }
    }

    fn session_of(&self, msg: &SlpMessage) -> Option<u32> {
        let by_call = msg.call_id().and_then(|c| {
            self.sessions.iter().find(|(_, s)| s.dialog.call_id.eq_ignore_ascii_case(c)).map(|(id, _)| *id)
        });
        by_call.or_else(|| msg.session_id().filter(|id| self.sessions.contains_key(id)))
    }

    /// An error for what cannot be placed (the app logs it); the link goes on.
    fn handle_slp(&mut self, msg: SlpMessage, now: Instant) -> Result<(), P2pError> {
        match (msg.method(), msg.status()) {
            (Some("INVITE"), _) => return self.invited(msg, now),
            (Some("BYE"), _) => {
                let Some(session) = self.session_of(&msg) else { return Ok(()) };
                // A delivered session has ended already: a BYE that finds
                // one still going is the peer giving up.
                self.sessions.remove(&session);
                self.forget(session);
                self.events.push_back(P2pEvent::Cancelled { session, by_peer: true });
            }
            (_, Some(code)) => {
                let Some(session) = self.session_of(&msg) else { return Ok(()) };
                let Some(s) = self.sessions.get_mut(&session).filter(|s| s.phase == Phase::Invited) else {
                    return Ok(());
                };
                match code {
                    200 => {
                        s.phase = Phase::Flowing;
                        s.last_activity = now;
                        self.events.push_back(P2pEvent::Accepted { session });
                        if s.role == Role::Sending
                            && let Transfer::File(f) = &s.transfer
                        {
                            let size = f.size;
                            self.queue(
                                session,
                                Flags::FILE_DATA,
                                app::FILE,
                                Vec::new(),
                                true,
                                OnAck::Delivered(session),
                            );
                            if let Some(out) = self.bulk.back_mut() {
                                out.header.total = size;
                                out.streamed = true;
                            }
                            self.ask_for_data();
                        }
                    }
                    603 => {
                        self.sessions.remove(&session);
                        self.events.push_back(P2pEvent::Declined { session });
                    }
                    other => {
                        self.sessions.remove(&session);
                        let reason = format!("the other side answered {other}");
                        self.events.push_back(P2pEvent::Failed { session, reason });
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn invited(&mut self, msg: SlpMessage, now: Instant) -> Result<(), P2pError> {
        let call_id = msg.call_id().unwrap_or_default().to_owned();
        let branch =
            msg.header("Via").and_then(|v| v.split("branch=").nth(1)).map(|b| b.trim().to_owned()).unwrap_or_default();
        let dialog = Dialog { me: self.me.clone(), peer: self.peer.clone(), call_id, branch };
        if msg.header("Content-Type").is_some_and(|t| t.eq_ignore_ascii_case(TRANS_REQ_BODY)) {
            // A direct connection offered for a session of ours: no, the
            // data goes over the switchboard (whichever side sends it).
            self.queue_slp(dialog.no_direct_connection(), OnAck::Nothing);
            return Ok(());
        }
        let Some(session) = msg.session_id().filter(|id| *id != 0 && !self.sessions.contains_key(id)) else {
            let why = format!("an INVITE ({}) with no new session", msg.header("Content-Type").unwrap_or("no type"));
            return Err(P2pError::Slp(why));
        };
        let context = msg.field("Context").unwrap_or_default();
        let euf = msg.field("EUF-GUID").unwrap_or_default();
        // Webcam, games, ...: not this client's; nor what is over the limits.
        let wanted = if euf.eq_ignore_ascii_case(EUF_OBJECT) {
            MsnObject::from_context(context)
                .filter(|o| o.size <= self.config.max_object)
                .map(|o| (Transfer::Object(o), Role::Sending))
        } else if euf.eq_ignore_ascii_case(EUF_FILE) {
            FileContext::from_context(context)
                .filter(|f| f.size <= self.config.max_file)
                .map(|f| (Transfer::File(f), Role::Receiving))
        } else {
            None
        };
        let Some((transfer, role)) = wanted else {
            self.queue_slp(dialog.answer(session, false), OnAck::Nothing);
            return Ok(());
        };
        self.events.push_back(match &transfer {
            Transfer::Object(object) => P2pEvent::ObjectRequested { session, object: object.clone() },
            Transfer::File(file) => P2pEvent::FileOffered { session, file: file.clone() },
        });
        self.sessions.insert(
            session,
            Session { dialog, transfer, role, phase: Phase::Asked, data: Vec::new(), last_activity: now, heard: true },
        );
        Ok(())
    }

    fn data_arrived(&mut self, whole: Partial) {
        let session = whole.header.session_id;
        // A data preparation (flags 0, 4 bytes) only says data follows.
        if whole.header.flags == Flags::NONE {
            return;
        }
        let Some(s) = self.sessions.remove(&session) else { return };
        self.forget(session);
        let ok = match &s.transfer {
            Transfer::Object(o) => o.matches(&whole.data),
            Transfer::File(f) => whole.streamed && whole.got == f.size,
        };
        self.queue_slp(s.dialog.bye(session), OnAck::Nothing);
        self.events.push_back(if ok {
            P2pEvent::Received { session, transfer: s.transfer, data: whole.data }
        } else {
            P2pEvent::Failed { session, reason: "what arrived is not what was announced".into() }
        });
    }
}
