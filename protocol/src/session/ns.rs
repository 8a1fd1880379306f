//! The client side of a notification-server connection.
//!
//! Drive it like this: `start`, then on every read `handle_input`, on every
//! timer `handle_timeout`; after each call drain `poll_transmit` (bytes to
//! write) and `poll_event` (what the app shows). Actions such as
//! [`NsSession::set_status`] queue bytes the same way.

use super::contacts::ContactList;
use super::trids::TrIds;
use super::{SessionError, SkipReason, Skipped};
use crate::auth::{Product, challenge_response, md5_login_response};
use crate::codec::{Context, Direction, Framer, Limits, decode_server, encode_client};
use crate::message::{MessageBody, media_text, psm_xml, xml_text};
use crate::p2p::MsnObject;
use crate::types::*;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use web_time::Instant;

/// How to sign in.
#[derive(Debug, Clone)]
pub struct NsConfig {
    /// Checked where it was typed ([`Email::parse`]): it goes into `USR`.
    pub email: Email,
    /// For MD5 (MSNP2-7). TWN logins ask the app for a ticket instead.
    pub password: Secret,
    /// Dialects to offer, newest first.
    pub dialects: Vec<Dialect>,
    pub client: ClientVersion,
    pub initial_status: Status,
    pub capabilities: Capabilities,
    /// My display picture, announced in every `CHG` from MSNP9.
    pub picture: Option<MsnObject>,
    /// Time between `PNG`s once online.
    pub keepalive: Duration,
    /// How long to wait for a login step or a `QNG` before giving up.
    pub reply_timeout: Duration,
}

impl NsConfig {
    pub fn new(email: Email, password: impl Into<Secret>) -> Self {
        NsConfig {
            email,
            password: password.into(),
            dialects: Dialect::all_newest_first(),
            client: ClientVersion::default(),
            initial_status: Status::Online,
            picture: None,
            capabilities: Capabilities::MSN_WEB,
            keepalive: Duration::from_secs(45),
            reply_timeout: Duration::from_secs(20),
        }
    }
}

/// What a pending TrID was for, so that an error can say what failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    Login,
    Sync,
    SetStatus(Status),
    SetName(String),
    SetPersonalMessage,
    AddContact { list: List, email: Email },
    RemoveContact { list: List, email: Email },
    SetPrivacy,
    Switchboard,
    AddGroup(String),
    RemoveGroup(String),
    RenameGroup(String),
    Challenge,
    Other,
}

/// Why the session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignOutReason {
    /// The user asked (`OUT` sent).
    UserRequested,
    SignedInElsewhere,
    ServerShutdown,
    /// The server closed the connection, or said `OUT` with another reason.
    ServerClosed,
    /// No reply in time (login step or keep-alive).
    Timeout,
    /// The server sent bytes that cannot be framed.
    ProtocolError(String),
}

/// What the app is told.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum NsEvent {
    /// `VER` settled on a dialect.
    DialectChosen(Dialect),
    /// No common dialect: the server answered `VER t 0`.
    NoCommonDialect,
    /// The dispatch server sent us elsewhere: open a connection to `addr` and
    /// start a new session with the same config.
    Redirect {
        addr: String,
    },
    /// TWN: fetch a Passport ticket for this challenge, then call `provide_ticket`.
    NeedTicket {
        challenge: String,
    },
    /// Authentication failed (911 and friends).
    LoginFailed(ErrorCode),
    /// Signed in; the contact list sync follows.
    LoggedIn {
        email: Email,
        name: Name,
    },
    /// The contact list is complete.
    ContactListSynced,
    /// My status was confirmed by the server.
    OwnStatus(Status),
    /// My friendly name was confirmed.
    OwnName(Name),
    /// My personal message was confirmed.
    OwnPersonalMessage(String),
    /// A contact's presence, name, PSM or lists changed: read it from `contacts()`.
    ContactUpdated {
        email: Email,
    },
    ContactRemoved {
        email: Email,
    },
    /// A contact came online now (`NLN` after offline), as opposed to being
    /// online already when I signed in (`ILN`): the classic "has just signed
    /// in" toast. `ContactUpdated` follows, as for any presence.
    ContactSignedIn {
        email: Email,
    },
    GroupsChanged,
    PrivacyChanged,
    /// Someone put me on their forward list.
    AddedBy {
        email: Email,
        name: Name,
    },
    /// The switchboard I asked for (`request_switchboard`) is ready.
    SwitchboardReady {
        request: TrId,
        addr: String,
        cookie: String,
    },
    /// Someone invites me to a switchboard.
    Invited {
        session_id: String,
        addr: String,
        cookie: String,
        email: Email,
        name: Name,
    },
    /// A request failed.
    Error {
        code: ErrorCode,
        request: Option<Request>,
    },
    /// Mail and system notices from the NS.
    Notice(MessageBody),
    /// The session is over; the connection should be closed.
    SignedOut(SignOutReason),
    /// A line read and not acted on; the session went on.
    Skipped(Skipped),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    New,
    Ver,
    Cvr,
    Inf,
    UsrInitial,
    AwaitTicket,
    UsrSubsequent,
    Syncing,
    Online,
    Closed,
}

#[derive(Debug, Default)]
struct SyncProgress {
    contacts: Option<u32>,
    groups: Option<u32>,
    seen_contacts: u32,
    seen_groups: u32,
    /// MSNP2-7: lists whose last `LST` has arrived.
    lists_done: Vec<List>,
    /// Where `BPR` lines without an address belong.
    last_contact: Option<String>,
}

/// The longest friendly name servers take, URL-encoded (bytes).
pub const MAX_NAME_WIRE: usize = 387;
/// The longest personal message the classic clients let people type.
pub const MAX_PSM_CHARS: usize = 129;

/// A notification-server session.
#[derive(Debug)]
pub struct NsSession {
    config: NsConfig,
    dialect: Dialect,
    phase: Phase,
    framer: Framer,
    trids: TrIds,
    out: Vec<u8>,
    events: VecDeque<NsEvent>,
    pending: HashMap<TrId, Request>,
    contacts: ContactList,
    sync: SyncProgress,
    status: Status,
    name: Name,
    psm: String,
    /// When the next `PNG` is due (online) or when the current step times out.
    next_ping: Option<Instant>,
    qng_deadline: Option<Instant>,
    step_deadline: Option<Instant>,
    /// Every dialect offered is of one family (all TWN, or all MD5), so the
    /// login commands that wait on no answer went out with the one before:
    /// `CVR`/`INF` and `USR I` with `VER`; `SYN` and `CHG` with `USR S`.
    /// Three round trips instead of six; the server reads them in order.
    pipelined: bool,
}

impl NsSession {
    pub fn new(config: NsConfig) -> Self {
        let dialect = config.dialects.first().copied().unwrap_or(Dialect::NEWEST);
        NsSession {
            dialect,
            phase: Phase::New,
            framer: Framer::new(Direction::ToClient, Limits::default()),
            trids: TrIds::default(),
            out: Vec::new(),
            events: VecDeque::new(),
            pending: HashMap::new(),
            contacts: ContactList::default(),
            sync: SyncProgress::default(),
            status: Status::Offline,
            name: Name::new(config.email.as_str()),
            psm: String::new(),
            next_ping: None,
            qng_deadline: None,
            step_deadline: None,
            pipelined: false,
            config,
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }
    pub fn contacts(&self) -> &ContactList {
        &self.contacts
    }
    pub fn status(&self) -> Status {
        self.status
    }
    pub fn name(&self) -> &Name {
        &self.name
    }
    pub fn personal_message(&self) -> &str {
        &self.psm
    }
    pub fn email(&self) -> &Email {
        &self.config.email
    }
    pub fn is_online(&self) -> bool {
        self.phase == Phase::Online
    }
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// Bytes to write to the server, if any.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if self.out.is_empty() { None } else { Some(std::mem::take(&mut self.out)) }
    }
    pub fn poll_event(&mut self) -> Option<NsEvent> {
        self.events.pop_front()
    }
    /// When `handle_timeout` should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.next_ping, self.qng_deadline, self.step_deadline].into_iter().flatten().min()
    }

    fn send(&mut self, cmd: ClientCommand) {
        encode_client(&cmd, &mut self.out);
    }

    fn request(&mut self, req: Request, build: impl FnOnce(TrId) -> ClientCommand) -> TrId {
        let trid = self.trids.next();
        self.pending.insert(trid, req);
        let cmd = build(trid);
        self.send(cmd);
        trid
    }

    fn step(&mut self, phase: Phase, now: Instant) {
        self.phase = phase;
        self.step_deadline = Some(now + self.config.reply_timeout);
    }

    /// Open the conversation with `VER`.
    pub fn start(&mut self, now: Instant) {
        if self.phase != Phase::New {
            return;
        }
        let mut dialects: Vec<String> = self.config.dialects.iter().map(ToString::to_string).collect();
        dialects.push("CVR0".into());
        self.request(Request::Login, |trid| ClientCommand::Ver { trid, dialects });
        let d = &self.config.dialects;
        let twn = d.iter().all(|d| d.uses_twn());
        self.pipelined = !d.is_empty() && (twn || d.iter().all(|d| !d.uses_twn()));
        if self.pipelined {
            if twn {
                self.send_cvr();
            } else {
                self.send_inf();
            }
            self.send_usr_i(if twn { AuthMethod::Twn } else { AuthMethod::Md5 });
        }
        self.step(Phase::Ver, now);
    }

    fn send_cvr(&mut self) {
        let version = ClientVersion { email: Some(self.config.email.to_string()), ..self.config.client.clone() };
        self.request(Request::Login, |trid| ClientCommand::Cvr { trid, version });
    }

    fn send_inf(&mut self) {
        self.request(Request::Login, |trid| ClientCommand::Inf { trid });
    }

    fn send_usr_i(&mut self, method: AuthMethod) {
        let email = self.config.email.to_string();
        self.request(Request::Login, |trid| ClientCommand::UsrInitial { trid, method, email });
    }

    /// After `USR S`: the list, and (pipelined) my status with it.
    fn send_syn(&mut self) {
        let (list_version, ab_version) =
            if self.dialect.uses_adc() { ("0".to_owned(), Some("0".to_owned())) } else { ("0".to_owned(), None) };
        self.request(Request::Sync, |trid| ClientCommand::Syn { trid, list_version, ab_version });
        if self.pipelined {
            let status = self.config.initial_status;
            self.send_chg(status);
        }
    }

    /// Hand over the Passport ticket after [`NsEvent::NeedTicket`].
    pub fn provide_ticket(&mut self, ticket: Secret, now: Instant) -> Result<(), SessionError> {
        if self.phase != Phase::AwaitTicket {
            return Err(SessionError::Misuse("no ticket was asked for"));
        }
        self.request(Request::Login, |trid| ClientCommand::UsrSubsequent {
            trid,
            method: AuthMethod::Twn,
            response: ticket,
        });
        if self.pipelined {
            self.send_syn();
        }
        self.step(Phase::UsrSubsequent, now);
        Ok(())
    }

    /// Feed bytes read from the connection.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        if self.phase == Phase::Closed {
            return;
        }
        self.framer.push(bytes);
        loop {
            match self.framer.next_frame() {
                Ok(Some(frame)) => {
                    // A line we cannot read or use is told, never fatal: one
                    // odd line must not kill a working session.
                    let skipped = match decode_server(&frame, Context::ns(self.dialect)) {
                        Ok(cmd) => self.handle_command(cmd, now),
                        Err(e) => Some(SkipReason::Malformed(e.to_string())),
                    };
                    if let Some(reason) = skipped {
                        self.events.push_back(NsEvent::Skipped(Skipped::new(&frame, reason)));
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    self.close(SignOutReason::ProtocolError(e.to_string()));
                    break;
                }
            }
            if self.phase == Phase::Closed {
                break;
            }
        }
    }

    /// The connection was closed by the other side.
    pub fn handle_close(&mut self) {
        if self.phase != Phase::Closed {
            self.close(SignOutReason::ServerClosed);
        }
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        if self.phase == Phase::Closed {
            return;
        }
        if self.step_deadline.is_some_and(|d| now >= d) {
            if self.phase == Phase::Syncing {
                // Some servers miscount; do not hang the sign-in on it.
                self.finish_sync(now);
            } else if self.phase != Phase::AwaitTicket {
                self.close(SignOutReason::Timeout);
                return;
            } else {
                self.step_deadline = None;
            }
        }
        if self.qng_deadline.is_some_and(|d| now >= d) {
            self.close(SignOutReason::Timeout);
            return;
        }
        if self.next_ping.is_some_and(|d| now >= d) {
            self.send(ClientCommand::Png);
            self.next_ping = Some(now + self.config.keepalive);
            if self.qng_deadline.is_none() {
                self.qng_deadline = Some(now + self.config.reply_timeout);
            }
        }
    }

    fn close(&mut self, reason: SignOutReason) {
        self.phase = Phase::Closed;
        self.next_ping = None;
        self.qng_deadline = None;
        self.step_deadline = None;
        self.status = Status::Offline;
        self.events.push_back(NsEvent::SignedOut(reason));
    }

    /// Sign out politely.
    pub fn sign_out(&mut self) {
        if self.phase != Phase::Closed {
            self.send(ClientCommand::Out);
            self.close(SignOutReason::UserRequested);
        }
    }

    fn require_online(&self) -> Result<(), SessionError> {
        if self.phase == Phase::Online { Ok(()) } else { Err(SessionError::Misuse("not signed in yet")) }
    }

    pub fn set_status(&mut self, status: Status) -> Result<TrId, SessionError> {
        self.require_online()?;
        if status == Status::Offline {
            return Err(SessionError::Misuse("use sign_out to go offline"));
        }
        Ok(self.send_chg(status))
    }

    fn send_chg(&mut self, status: Status) -> TrId {
        let caps = self.dialect.has_capabilities().then_some(self.config.capabilities);
        let msnobj =
            self.config.picture.as_ref().filter(|_| self.dialect.has_msn_object()).map(|o| Name::new(o.to_xml()));
        self.request(Request::SetStatus(status), |trid| ClientCommand::Chg { trid, status, caps, msnobj })
    }

    /// My display picture (or none): announced now when online (with my
    /// status, in `CHG`), and in every `CHG` after. Before MSNP9 nobody
    /// learns of it.
    pub fn set_picture(&mut self, picture: Option<MsnObject>) {
        self.config.picture = picture;
        if self.phase == Phase::Online && self.dialect.has_msn_object() {
            let status = self.status;
            self.send_chg(status);
        }
    }

    pub fn picture(&self) -> Option<&MsnObject> {
        self.config.picture.as_ref()
    }

    /// Change my friendly name: `REA` before MSNP10, `PRP MFN` after.
    pub fn set_name(&mut self, name: &str) -> Result<TrId, SessionError> {
        self.require_online()?;
        let n = Name::new(name);
        // Servers refuse longer names (ours closes on a long line).
        if n.to_wire().len() > MAX_NAME_WIRE {
            return Err(SessionError::Misuse("that name is too long (at most 387 bytes once encoded)"));
        }
        let req = Request::SetName(name.to_owned());
        Ok(if self.dialect.name_in_prp() {
            self.request(req, |trid| ClientCommand::Prp { trid, key: "MFN".into(), value: Some(n) })
        } else {
            let email = self.config.email.to_string();
            self.request(req, |trid| ClientCommand::Rea { trid, email, name: n })
        })
    }

    /// Set my personal message (MSNP11+; older dialects have none).
    pub fn set_personal_message(&mut self, psm: &str) -> Result<TrId, SessionError> {
        self.require_online()?;
        if !self.dialect.has_psm() {
            return Err(SessionError::Misuse("personal messages need MSNP11 or later"));
        }
        if psm.chars().count() > MAX_PSM_CHARS {
            return Err(SessionError::Misuse("a personal message has at most 129 characters"));
        }
        let payload = psm_xml(psm).into_bytes();
        self.psm = psm.to_owned();
        Ok(self.request(Request::SetPersonalMessage, |trid| ClientCommand::Uux { trid, payload }))
    }

    /// Add to a list (FL to add a contact, AL/BL to allow or block).
    pub fn add_to_list(&mut self, list: List, who: &Email, group: Option<&str>) -> Result<TrId, SessionError> {
        self.require_online()?;
        if list == List::Reverse || list == List::Pending {
            return Err(SessionError::Misuse("the server keeps the reverse and pending lists"));
        }
        let req = Request::AddContact { list, email: who.clone() };
        let email = who.as_str();
        let group = group.map(str::to_owned);
        Ok(if self.dialect.uses_adc() {
            let existing_guid = self.contacts.get(email).and_then(|c| c.guid.clone());
            let fields = match (list, group, existing_guid) {
                (List::Forward, Some(g), Some(guid)) => {
                    AdcFields { guid: Some(guid), group: Some(g), ..Default::default() }
                }
                (List::Forward, _, _) => {
                    AdcFields { email: Some(email.into()), name: Some(Name::new(email)), ..Default::default() }
                }
                _ => AdcFields { email: Some(email.into()), ..Default::default() },
            };
            self.request(req, |trid| ClientCommand::Adc { trid, list, fields })
        } else {
            // The name goes back to us in the reply: a known contact keeps theirs.
            let name = self.contacts.get(email).map_or_else(|| Name::new(email), |c| c.name.clone());
            let email = email.to_owned();
            self.request(req, |trid| ClientCommand::Add { trid, list, email, name, group })
        })
    }

    pub fn remove_from_list(&mut self, list: List, who: &Email, group: Option<&str>) -> Result<TrId, SessionError> {
        self.require_online()?;
        let email = who.as_str();
        let target = match (self.dialect.uses_adc(), list) {
            (true, List::Forward) => self
                .contacts
                .get(email)
                .and_then(|c| c.guid.clone())
                .ok_or(SessionError::Misuse("not on the contact list"))?,
            _ => email.to_owned(),
        };
        let req = Request::RemoveContact { list, email: who.clone() };
        let group = group.map(str::to_owned);
        Ok(self.request(req, |trid| ClientCommand::Rem { trid, list, target, group }))
    }

    /// On `list` as far as we know: confirmed, or an add still awaiting its reply.
    fn on_or_joining(&self, list: List, who: &Email) -> bool {
        self.contacts.get(who.as_str()).is_some_and(|c| c.on(list))
            || self
                .pending
                .values()
                .any(|r| matches!(r, Request::AddContact { list: l, email: e } if *l == list && e == who))
    }

    /// Block: off the allow list, onto the block list (the server refuses a
    /// contact on both with 219).
    pub fn block(&mut self, email: &Email) -> Result<(), SessionError> {
        if self.on_or_joining(List::Allow, email) {
            self.remove_from_list(List::Allow, email, None)?;
        }
        self.add_to_list(List::Block, email, None)?;
        Ok(())
    }

    pub fn unblock(&mut self, email: &Email) -> Result<(), SessionError> {
        if self.on_or_joining(List::Block, email) {
            self.remove_from_list(List::Block, email, None)?;
        }
        self.add_to_list(List::Allow, email, None)?;
        Ok(())
    }

    pub fn set_privacy(&mut self, blp: BlpMode) -> Result<TrId, SessionError> {
        self.require_online()?;
        Ok(self.request(Request::SetPrivacy, |trid| ClientCommand::Blp { trid, mode: blp }))
    }

    pub fn set_add_prompt(&mut self, gtc: GtcMode) -> Result<TrId, SessionError> {
        self.require_online()?;
        Ok(self.request(Request::SetPrivacy, |trid| ClientCommand::Gtc { trid, mode: gtc }))
    }

    pub fn add_group(&mut self, name: &str) -> Result<TrId, SessionError> {
        self.require_online()?;
        let flag = (!self.dialect.uses_adc()).then(|| "0".to_owned());
        let n = Name::new(name);
        Ok(self.request(Request::AddGroup(name.into()), |trid| ClientCommand::Adg { trid, name: n, flag }))
    }

    pub fn remove_group(&mut self, id: &str) -> Result<TrId, SessionError> {
        self.require_online()?;
        let id = id.to_owned();
        Ok(self.request(Request::RemoveGroup(id.clone()), |trid| ClientCommand::Rmg { trid, id }))
    }

    pub fn rename_group(&mut self, id: &str, name: &str) -> Result<TrId, SessionError> {
        self.require_online()?;
        let flag = (!self.dialect.uses_adc()).then(|| "0".to_owned());
        let (id, n) = (id.to_owned(), Name::new(name));
        Ok(self.request(Request::RenameGroup(name.into()), |trid| ClientCommand::Reg { trid, id, name: n, flag }))
    }

    /// Ask for a switchboard; [`NsEvent::SwitchboardReady`] carries this TrID.
    pub fn request_switchboard(&mut self) -> Result<TrId, SessionError> {
        self.require_online()?;
        Ok(self.request(Request::Switchboard, |trid| ClientCommand::XfrSb { trid }))
    }

    /// Act on one command; what was not acted on comes back with why.
    fn handle_command(&mut self, cmd: ServerCommand, now: Instant) -> Option<SkipReason> {
        use ServerCommand as S;
        match cmd {
            S::Ver { trid, dialects } if self.phase == Phase::Ver => {
                self.pending.remove(&trid);
                let chosen =
                    self.config.dialects.iter().copied().find(|d| dialects.iter().any(|s| *s == d.to_string()));
                match chosen {
                    Some(d) => {
                        self.dialect = d;
                        self.events.push_back(NsEvent::DialectChosen(d));
                        if d.uses_twn() {
                            if !self.pipelined {
                                self.send_cvr();
                            }
                            self.step(Phase::Cvr, now);
                        } else {
                            if !self.pipelined {
                                self.send_inf();
                            }
                            self.step(Phase::Inf, now);
                        }
                    }
                    None => {
                        self.events.push_back(NsEvent::NoCommonDialect);
                        self.close(SignOutReason::ServerClosed);
                    }
                }
            }
            S::Cvr { trid, .. } if self.phase == Phase::Cvr => {
                self.pending.remove(&trid);
                self.send_usr_initial(AuthMethod::Twn, now);
            }
            S::Inf { trid, methods } if self.phase == Phase::Inf => {
                self.pending.remove(&trid);
                if methods.iter().any(|m| m == "MD5") {
                    self.send_usr_initial(AuthMethod::Md5, now);
                } else {
                    self.events.push_back(NsEvent::LoginFailed(ErrorCode::AuthenticationFailed));
                    self.close(SignOutReason::ServerClosed);
                }
            }
            S::XfrNs { addr, .. } if matches!(self.phase, Phase::UsrInitial | Phase::Cvr | Phase::Inf | Phase::Ver) => {
                self.events.push_back(NsEvent::Redirect { addr });
                self.phase = Phase::Closed;
                self.step_deadline = None;
            }
            S::XfrNs { addr, .. } if self.phase == Phase::Online => {
                // Asynchronous referral: this server wants us elsewhere.
                self.events.push_back(NsEvent::Redirect { addr });
                self.close(SignOutReason::ServerClosed);
            }
            S::UsrChallenge { trid, method, challenge } if self.phase == Phase::UsrInitial => {
                self.pending.remove(&trid);
                match method {
                    AuthMethod::Md5 => {
                        let response = Secret::new(md5_login_response(&challenge, self.config.password.expose()));
                        self.request(Request::Login, |trid| ClientCommand::UsrSubsequent {
                            trid,
                            method: AuthMethod::Md5,
                            response,
                        });
                        if self.pipelined {
                            self.send_syn();
                        }
                        self.step(Phase::UsrSubsequent, now);
                    }
                    _ => {
                        self.events.push_back(NsEvent::NeedTicket { challenge });
                        self.phase = Phase::AwaitTicket;
                        self.step_deadline = None;
                    }
                }
            }
            S::UsrOk { trid, email, name, .. } if self.phase == Phase::UsrSubsequent => {
                self.pending.remove(&trid);
                self.name = name.unwrap_or_else(|| Name::new(email.clone()));
                self.events.push_back(NsEvent::LoggedIn { email: Email::from_wire(email), name: self.name.clone() });
                if !self.pipelined {
                    self.send_syn();
                }
                self.step(Phase::Syncing, now);
            }
            S::Syn { trid, list_version, counts, .. } => {
                self.pending.remove(&trid);
                self.contacts.version = list_version.clone();
                match counts {
                    Some((c, g)) => {
                        self.sync.contacts = Some(c);
                        self.sync.groups = Some(g);
                    }
                    // MSNP2-7: serial 0 means nothing follows.
                    None if list_version == "0" => {
                        self.sync.lists_done = vec![List::Forward, List::Allow, List::Block, List::Reverse]
                    }
                    None => {}
                }
                self.check_sync(now);
            }
            S::Gtc { mode, .. } => {
                self.contacts.gtc = mode;
                self.events.push_back(NsEvent::PrivacyChanged);
            }
            S::Blp { mode, .. } => {
                self.contacts.blp = mode;
                self.events.push_back(NsEvent::PrivacyChanged);
            }
            S::Prp { trid, key, value, .. } => {
                if let Some(t) = trid {
                    self.pending.remove(&t);
                }
                if key == "MFN" {
                    if let Some(v) = value {
                        self.name = v.clone();
                        self.events.push_back(NsEvent::OwnName(v));
                    }
                }
            }
            S::Bpr { email, key, value, .. } => {
                let who = email.or_else(|| self.sync.last_contact.clone());
                if let Some(who) = who {
                    if let Some(c) = self.contacts.get_mut(&who) {
                        c.phones.insert(key, value.map(Name::into_string).unwrap_or_default());
                    }
                }
            }
            S::Lsg(form) => {
                match form {
                    LsgForm::Indexed { group: Some((id, name, _)), .. } | LsgForm::Numbered { id, name, .. } => {
                        self.upsert_group(id, name)
                    }
                    LsgForm::Guid { name, guid, .. } => self.upsert_group(guid, name),
                    LsgForm::Indexed { group: None, .. } => {}
                }
                self.sync.seen_groups += 1;
                self.check_sync(now);
            }
            S::Lst(form) => {
                self.apply_lst(form);
                self.check_sync(now);
            }
            S::Add { trid, list, email, name, group, .. } => {
                self.pending.remove(&trid);
                self.apply_add(list, &email, Some(name), group, None);
            }
            S::Adc { trid, list, fields } => {
                self.pending.remove(&trid);
                let email = fields.email.clone().or_else(|| {
                    fields.guid.as_deref().and_then(|g| self.contacts.by_guid(g)).map(|c| c.email.to_string())
                });
                if let Some(email) = email {
                    // No `N=`/`F=` (a known contact added to a group): the
                    // name we have stands.
                    self.apply_add(list, &email, fields.name.clone(), fields.group, fields.guid);
                }
            }
            S::Rem { trid, list, target, group, .. } => {
                let req = self.pending.remove(&trid);
                let email = match req {
                    Some(Request::RemoveContact { email, .. }) => email,
                    _ => self
                        .contacts
                        .by_guid(&target)
                        .map(|c| c.email.clone())
                        .unwrap_or(Email::from_wire(target.clone())),
                };
                self.contacts.remove_from(&target, list, group.as_deref());
                if self.contacts.get(&email).is_some() {
                    self.events.push_back(NsEvent::ContactUpdated { email });
                } else {
                    self.events.push_back(NsEvent::ContactRemoved { email });
                }
            }
            S::Adg { trid, name, id, .. } => {
                self.pending.remove(&trid);
                self.upsert_group(id, name);
            }
            S::Rmg { trid, id, .. } => {
                self.pending.remove(&trid);
                self.contacts.groups.retain(|g| g.id != id);
                for c in self.contacts.contacts.values_mut() {
                    c.groups.retain(|g| *g != id);
                }
                self.events.push_back(NsEvent::GroupsChanged);
            }
            S::Reg { trid, id, name, .. } => {
                self.pending.remove(&trid);
                self.upsert_group(id, name);
            }
            S::Rea { trid, email, name, .. } => {
                self.pending.remove(&trid);
                if self.config.email.is(&email) {
                    self.name = name.clone();
                    self.events.push_back(NsEvent::OwnName(name));
                } else {
                    self.contacts.entry(&email, Some(&name));
                    self.events.push_back(NsEvent::ContactUpdated { email: Email::from_wire(email) });
                }
            }
            S::Chg { trid, status, .. } => {
                self.pending.remove(&trid);
                self.status = status;
                self.events.push_back(NsEvent::OwnStatus(status));
            }
            S::Iln { trid, presence } => {
                self.pending.remove(&trid);
                self.apply_presence(presence);
            }
            S::Nln(p) => {
                let was_offline = self.contacts.get(&p.email).is_none_or(|c| c.status == Status::Offline);
                if was_offline {
                    self.events.push_back(NsEvent::ContactSignedIn { email: Email::from_wire(p.email.clone()) });
                }
                self.apply_presence(p);
            }
            S::Fln { email, .. } => {
                if let Some(c) = self.contacts.get_mut(&email) {
                    c.status = Status::Offline;
                    self.events.push_back(NsEvent::ContactUpdated { email: Email::from_wire(email) });
                }
            }
            S::Ubx { email, payload, .. } => {
                let xml = crate::text::lossy(&payload);
                let c = self.contacts.entry(&email, None);
                c.psm = xml_text(&xml, "PSM").unwrap_or_default();
                c.media = xml_text(&xml, "CurrentMedia").map(|m| media_text(&m)).unwrap_or_default();
                self.events.push_back(NsEvent::ContactUpdated { email: Email::from_wire(email) });
            }
            S::Uux { trid, .. } => {
                self.pending.remove(&trid);
                self.events.push_back(NsEvent::OwnPersonalMessage(self.psm.clone()));
            }
            S::XfrSb { trid, addr, cookie, .. } => {
                self.pending.remove(&trid);
                self.events.push_back(NsEvent::SwitchboardReady { request: trid, addr, cookie });
            }
            S::Rng { session_id, addr, cookie, email, name, .. } => {
                self.events.push_back(NsEvent::Invited {
                    session_id,
                    addr,
                    cookie,
                    email: Email::from_wire(email),
                    name,
                });
            }
            S::Chl { challenge, .. } => {
                let product = Product::for_dialect(self.dialect);
                let response = challenge_response(self.dialect, &challenge, product).into_bytes();
                let product_id = product.id.to_owned();
                self.request(Request::Challenge, |trid| ClientCommand::Qry { trid, product_id, response });
            }
            S::Qry { trid } => {
                self.pending.remove(&trid);
            }
            S::Qng { next_ping } => {
                self.qng_deadline = None;
                if let (Some(secs), Phase::Online) = (next_ping, &self.phase) {
                    // The server says when it wants the next ping; stay a little early.
                    let secs = u64::from(secs.clamp(5, 300));
                    self.next_ping = Some(now + Duration::from_secs(secs).min(self.config.keepalive));
                }
            }
            S::Out { reason } => {
                let r = match reason {
                    Some(OutReason::SignedInElsewhere) => SignOutReason::SignedInElsewhere,
                    Some(OutReason::ServerShutdown) => SignOutReason::ServerShutdown,
                    _ => SignOutReason::ServerClosed,
                };
                self.close(r);
            }
            S::Msg { payload, .. } => self.events.push_back(NsEvent::Notice(MessageBody::parse(&payload))),
            S::Error { code, trid, .. } => {
                let request = trid.and_then(|t| self.pending.remove(&t));
                if matches!(
                    self.phase,
                    Phase::Ver
                        | Phase::Cvr
                        | Phase::Inf
                        | Phase::UsrInitial
                        | Phase::UsrSubsequent
                        | Phase::AwaitTicket
                ) {
                    self.events.push_back(NsEvent::LoginFailed(code));
                    self.close(SignOutReason::ServerClosed);
                } else {
                    if let Some(Request::SetPersonalMessage) = request {
                        self.psm.clear();
                    }
                    self.events.push_back(NsEvent::Error { code, request });
                }
            }
            // Login replies in the wrong phase, and commands we do not act
            // on (SBS, GCF, NOT, URL...).
            S::Ver { .. }
            | S::Cvr { .. }
            | S::Inf { .. }
            | S::XfrNs { .. }
            | S::UsrChallenge { .. }
            | S::UsrOk { .. } => {
                return Some(SkipReason::OutOfPhase);
            }
            _ => return Some(SkipReason::NotHandled),
        }
        None
    }

    fn send_usr_initial(&mut self, method: AuthMethod, now: Instant) {
        if !self.pipelined {
            self.send_usr_i(method);
        }
        self.step(Phase::UsrInitial, now);
    }

    fn upsert_group(&mut self, id: String, name: Name) {
        match self.contacts.groups.iter_mut().find(|g| g.id == id) {
            Some(g) => g.name = name,
            None => self.contacts.groups.push(super::Group { id, name }),
        }
        self.events.push_back(NsEvent::GroupsChanged);
    }

    fn apply_lst(&mut self, form: LstForm) {
        match form {
            LstForm::Indexed { list, index, total, item, .. } => {
                if let Some(i) = item {
                    let c = self.contacts.entry(&i.email, Some(&i.name));
                    c.lists.insert(list);
                    if list == List::Forward {
                        c.groups = i.groups.unwrap_or_default();
                    }
                    self.sync.last_contact = Some(i.email.clone());
                    self.events.push_back(NsEvent::ContactUpdated { email: Email::from_wire(i.email) });
                }
                if index >= total && !self.sync.lists_done.contains(&list) {
                    self.sync.lists_done.push(list);
                }
            }
            LstForm::Bitmask { email, name, lists, groups } => {
                self.lst_bitmask(&email, Some(&name), lists, groups, None);
            }
            LstForm::Keyed { email, name, guid, lists, groups, .. } => {
                self.lst_bitmask(&email, name.as_ref(), lists, groups, guid);
            }
        }
    }

    fn lst_bitmask(
        &mut self,
        email: &str,
        name: Option<&Name>,
        lists: ListMask,
        groups: Option<Vec<String>>,
        guid: Option<String>,
    ) {
        let c = self.contacts.entry(email, name);
        c.lists = lists;
        c.groups = groups.unwrap_or_default();
        if guid.is_some() {
            c.guid = guid;
        }
        self.sync.seen_contacts += 1;
        self.sync.last_contact = Some(email.to_owned());
        self.events.push_back(NsEvent::ContactUpdated { email: Email::from_wire(email) });
    }

    fn apply_add(&mut self, list: List, email: &str, name: Option<Name>, group: Option<String>, guid: Option<String>) {
        let c = self.contacts.entry(email, name.as_ref());
        c.lists.insert(list);
        if let Some(g) = group {
            if !c.groups.contains(&g) {
                c.groups.push(g);
            }
        }
        if guid.is_some() {
            c.guid = guid;
        }
        if list == List::Reverse {
            let name = c.name.clone();
            self.events.push_back(NsEvent::AddedBy { email: Email::from_wire(email), name });
        }
        self.events.push_back(NsEvent::ContactUpdated { email: Email::from_wire(email) });
    }

    fn apply_presence(&mut self, p: Presence) {
        let c = self.contacts.entry(&p.email, Some(&p.name));
        c.status = p.status;
        c.caps = p.caps;
        c.msnobj = p.msnobj;
        self.events.push_back(NsEvent::ContactUpdated { email: Email::from_wire(p.email) });
    }

    fn check_sync(&mut self, now: Instant) {
        if self.phase != Phase::Syncing {
            return;
        }
        let s = &self.sync;
        let done = match (s.contacts, s.groups) {
            (Some(c), Some(g)) => s.seen_contacts >= c && s.seen_groups >= g,
            _ => [List::Forward, List::Allow, List::Block, List::Reverse].iter().all(|l| s.lists_done.contains(l)),
        };
        if done {
            self.finish_sync(now);
        }
    }

    fn finish_sync(&mut self, now: Instant) {
        self.phase = Phase::Online;
        self.step_deadline = None;
        self.events.push_back(NsEvent::ContactListSynced);
        if !self.pipelined {
            let status = self.config.initial_status;
            self.send_chg(status);
        }
        self.next_ping = Some(now + self.config.keepalive);
    }
}
