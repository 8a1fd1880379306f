//! Switchboard connections: one conversation, several people.

use crate::conn::{Flow, Handler};
use crate::forms::bytes;
use crate::hub::{self, Board, Deliver, Hub, Member, Outbox, Peer, key};
use msnp::codec::{Context, Frame, decode_client};
use msnp::types::*;
use std::sync::Arc;
use std::time::Instant;

/// Whether an `MSG` payload is a P2P message (its Content-Type).
fn is_p2p(payload: &[u8]) -> bool {
    msnp::message::MimeMessage::parse(payload).content_type() == "application/x-msnmsgrp2p"
}

#[derive(Debug)]
pub struct SbConn {
    hub: Arc<Hub>,
    conn: u64,
    tx: Outbox,
    /// Set once `USR`/`ANS` succeeded.
    me: Option<Member>,
    session: Option<String>,
    /// Members' queues this connection's messages left crowded.
    crowded: Vec<Outbox>,
}

fn err(out: &mut Vec<u8>, code: ErrorCode, trid: TrId) {
    out.extend(bytes(&ServerCommand::Error { code, trid: Some(trid), extra: vec![] }));
}

impl SbConn {
    pub fn new(hub: Arc<Hub>, tx: Outbox) -> Self {
        let conn = hub.next_conn();
        SbConn { hub, conn, tx, me: None, session: None, crowded: Vec::new() }
    }

    fn member(&self, email: &str) -> Option<Member> {
        let user = self.hub.store.user(email).ok().flatten()?;
        let (dialect, caps) =
            self.hub.state().online.get(&key(email)).map(|p| (p.dialect, p.caps)).unwrap_or((Dialect::MSNP8, None));
        Some(Member { conn: self.conn, email: user.email, name: user.name, caps, dialect, tx: self.tx.clone() })
    }

    /// Capabilities appear on `IRO`/`JOI` for MSNP12+ readers.
    fn caps_for(reader: Dialect, m: &Member) -> Option<Capabilities> {
        reader.roster_caps().then(|| m.caps.unwrap_or_default())
    }

    fn handle(&mut self, cmd: ClientCommand, out: &mut Vec<u8>) -> Flow {
        use ClientCommand as C;
        let Some(me) = self.me.clone() else {
            return match cmd {
                C::SbUsr { trid, email, cookie } => {
                    match (self.hub.take_xfr_cookie(&cookie, &email), self.member(&email)) {
                        (true, Some(m)) => {
                            let sid = hub::session_id();
                            self.hub
                                .state()
                                .boards
                                .insert(sid.clone(), Board { members: vec![m.clone()], last_activity: Instant::now() });
                            out.extend(bytes(&ServerCommand::UsrOk {
                                trid,
                                email: m.email.clone(),
                                name: Some(Name::new(m.name.clone())),
                                verified: None,
                                extra: None,
                            }));
                            self.me = Some(m);
                            self.session = Some(sid);
                            Flow::Continue
                        }
                        _ => {
                            err(out, ErrorCode::AuthenticationFailed, trid);
                            Flow::Close
                        }
                    }
                }
                C::Ans { trid, email, cookie, session_id } => {
                    let ok = self.hub.take_rng_cookie(&cookie, &email, &session_id);
                    let m = self.member(&email);
                    let joined = match (ok, m) {
                        (true, Some(m)) => {
                            let mut st = self.hub.state();
                            st.boards.get_mut(&session_id).map(|b| {
                                let others = b.members.clone();
                                b.members.push(m.clone());
                                b.last_activity = Instant::now();
                                (m, others)
                            })
                        }
                        _ => None,
                    };
                    let Some((m, others)) = joined else {
                        err(out, ErrorCode::AuthenticationFailed, trid);
                        return Flow::Close;
                    };
                    let total = others.len() as u32;
                    for (i, o) in others.iter().enumerate() {
                        out.extend(bytes(&ServerCommand::Iro {
                            trid,
                            index: i as u32 + 1,
                            total,
                            email: o.email.clone(),
                            name: Name::new(o.name.clone()),
                            caps: Self::caps_for(m.dialect, o),
                        }));
                        let joi = ServerCommand::Joi {
                            email: m.email.clone(),
                            name: Name::new(m.name.clone()),
                            caps: Self::caps_for(o.dialect, &m),
                        };
                        o.tx.send(Deliver::Bytes(bytes(&joi)));
                    }
                    out.extend(bytes(&ServerCommand::AnsOk { trid }));
                    self.me = Some(m);
                    self.session = Some(session_id);
                    Flow::Continue
                }
                C::Out => Flow::Close,
                other => {
                    err(out, ErrorCode::NotLoggedIn, other.trid().unwrap_or_default());
                    Flow::Continue
                }
            };
        };
        let sid = self.session.clone().unwrap_or_default();
        match cmd {
            C::Cal { trid, email } => {
                let store = &self.hub.store;
                let target = store.user(&email).ok().flatten();
                let Some(target) = target else {
                    err(out, ErrorCode::InvalidUsername, trid);
                    return Flow::Continue;
                };
                let present = self
                    .hub
                    .state()
                    .boards
                    .get(&sid)
                    .is_some_and(|b| b.members.iter().any(|m| key(&m.email) == key(&target.email)));
                if present {
                    err(out, ErrorCode::AlreadyThere, trid);
                    return Flow::Continue;
                }
                let peer = self.hub.state().online.get(&key(&target.email)).cloned();
                let Some(peer) = peer.filter(Peer::visible) else {
                    err(out, ErrorCode::NotOnline, trid);
                    return Flow::Continue;
                };
                if !self.hub.allows(&target.email, &me.email).unwrap_or(false) {
                    // Blocked: the caller learns no more than "not allowed".
                    err(out, ErrorCode::NotOnList, trid);
                    return Flow::Continue;
                }
                let cookie = self.hub.new_rng_cookie(&target.email, &sid);
                let rng = ServerCommand::Rng {
                    session_id: sid.clone(),
                    addr: self.hub.advertised.sb.clone(),
                    auth: "CKI".into(),
                    cookie,
                    email: me.email.clone(),
                    name: Name::new(me.name.clone()),
                    extra: vec![],
                };
                if !peer.tx.send(Deliver::Bytes(bytes(&rng))) {
                    // The callee's notification connection cannot take it.
                    err(out, ErrorCode::SwitchboardFailed, trid);
                    return Flow::Continue;
                }
                out.extend(bytes(&ServerCommand::CalRinging { trid, session_id: sid }));
            }
            C::Msg { trid, ack, payload } => {
                let rules = self.hub.rules;
                if payload.len() > rules.max_message {
                    tracing::info!(bytes = payload.len(), max = rules.max_message, "closing: message too large");
                    return Flow::Close;
                }
                if rules.p2p_data_only && ack != AckMode::Data && is_p2p(&payload) {
                    tracing::info!(?ack, "closing: a P2P message not sent with ack mode D");
                    return Flow::Close;
                }
                let others: Vec<Member> = {
                    let mut st = self.hub.state();
                    let Some(b) = st.boards.get_mut(&sid) else {
                        return Flow::Close;
                    };
                    // Typing notices do not keep a conversation alive.
                    if ack != AckMode::Unacknowledged {
                        b.last_activity = Instant::now();
                    }
                    b.members.iter().filter(|m| m.conn != self.conn).cloned().collect()
                };
                let line = bytes(&ServerCommand::Msg {
                    email: me.email.clone(),
                    name: Name::new(me.name.clone()),
                    payload: payload.into(),
                });
                // Delivered only if everyone got it; a member too far behind is
                // disconnected and the sender told (NAK), never silently.
                let mut all = !others.is_empty();
                for o in &others {
                    all &= o.tx.send(Deliver::Bytes(line.clone()));
                    if o.tx.crowded() && !self.crowded.iter().any(|c| c.same(&o.tx)) {
                        self.crowded.push(o.tx.clone());
                    }
                }
                match (ack, !all) {
                    (AckMode::Unacknowledged, _) => {}
                    (_, true) => out.extend(bytes(&ServerCommand::Nak { trid })),
                    (AckMode::Acknowledged | AckMode::Data, false) => out.extend(bytes(&ServerCommand::Ack { trid })),
                    (AckMode::NakOnly, false) => {}
                }
            }
            C::Out => {
                out.extend(bytes(&ServerCommand::Out { reason: None }));
                return Flow::Close;
            }
            C::SbUsr { trid, .. } | C::Ans { trid, .. } => err(out, ErrorCode::AlreadyLoggedIn, trid),
            C::Unknown { args, .. } => {
                let trid = args.first().and_then(|t| t.parse().ok()).map(TrId);
                out.extend(bytes(&ServerCommand::Error { code: ErrorCode::SyntaxError, trid, extra: vec![] }));
            }
            other => err(out, ErrorCode::SyntaxError, other.trid().unwrap_or_default()),
        }
        Flow::Continue
    }
}

impl Handler for SbConn {
    fn on_frame(&mut self, frame: Frame, out: &mut Vec<u8>) -> Flow {
        match decode_client(&frame, Context::sb(Dialect::NEWEST)) {
            Ok(cmd) => self.handle(cmd, out),
            // Escargot drops a switchboard client that sends a bad MSG.
            Err(e) if e.command == "MSG" => {
                tracing::info!(line = %String::from_utf8_lossy(&frame.line), error = %e, "unreadable MSG: closing");
                Flow::Close
            }
            Err(e) => {
                tracing::info!(line = %String::from_utf8_lossy(&frame.line), error = %e, "unreadable line");
                out.extend(bytes(&ServerCommand::Error {
                    code: ErrorCode::InvalidParameter,
                    trid: e.trid,
                    extra: vec![],
                }));
                Flow::Continue
            }
        }
    }

    fn crowded(&mut self) -> Vec<Outbox> {
        std::mem::take(&mut self.crowded)
    }

    fn on_close(&mut self) {
        let (Some(me), Some(sid)) = (self.me.take(), self.session.take()) else {
            return;
        };
        let others = {
            let mut st = self.hub.state();
            let Some(b) = st.boards.get_mut(&sid) else {
                return;
            };
            b.members.retain(|m| m.conn != self.conn);
            let others = b.members.clone();
            if others.is_empty() {
                st.boards.remove(&sid);
            }
            others
        };
        let bye = bytes(&ServerCommand::Bye { email: me.email, reason: None });
        for o in others {
            o.tx.send(Deliver::Bytes(bye.clone()));
        }
    }
}

/// Close switchboards that have been quiet for too long.
pub fn reap_idle(hub: &Hub) {
    let idle = hub.timing.sb_idle;
    let mut st = hub.state();
    let stale: Vec<String> =
        st.boards.iter().filter(|(_, b)| b.last_activity.elapsed() >= idle).map(|(k, _)| k.clone()).collect();
    for sid in stale {
        if let Some(b) = st.boards.remove(&sid) {
            tracing::info!(session = %sid, "closing idle switchboard");
            for m in b.members {
                m.tx.send(Deliver::Close(Vec::new()));
            }
        }
    }
}
