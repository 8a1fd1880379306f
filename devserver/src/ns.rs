//! Dispatch and notification server connections (the draft's DS and NS).

use crate::conn::{Flow, Handler};
use crate::forms::{self, bytes, contact_guid, group_guid, group_ref, presence};
use crate::hub::{self, Deliver, Hub, Outbox, Peer, key};
use crate::store::StoreError;
use msnp::auth::{Product, challenge_response};
use msnp::codec::{Context, Frame, decode_client};
use msnp::message::MessageBody;
use msnp::message::xml_text;
use msnp::types::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// Where in the login a connection is.
#[derive(Debug)]
enum Auth {
    None,
    Md5 { email: String, salt: String },
    Twn { email: String },
    Done { email: String },
}

#[derive(Debug)]
pub struct NsConn {
    hub: Arc<Hub>,
    conn: u64,
    tx: Outbox,
    /// A dispatch server only refers clients to the NS.
    dispatch: bool,
    dialect: Option<Dialect>,
    auth: Auth,
    chl: Option<String>,
    next_chl: Option<Instant>,
}

type R = Result<Flow, StoreError>;

const MAX_NAME: usize = 129;
const MAX_GROUP_NAME: usize = 61;
const MAX_GROUPS: usize = 30;
/// The most MSN allowed on a forward list in later versions.
const MAX_LIST: usize = 600;
/// `SYN` list versions for MSNP10+ when the client has none.
const AB_TIME: &str = "2005-04-23T18:57:44.8130000-07:00";

/// What a `SYN` reply is made of, read from the store once.
#[derive(Debug)]
struct Account {
    user: crate::store::User,
    groups: Vec<(u32, String)>,
    members: Vec<(String, u32)>,
}

impl Account {
    /// The numbered groups a contact is in.
    fn groups_of(&self, contact: &str) -> Vec<u32> {
        self.members.iter().filter(|(m, _)| key(m) == key(contact)).map(|(_, g)| *g).collect()
    }
}

/// The two per-account modes, set by `BLP` and `GTC` under one rule.
#[derive(Debug, Clone, Copy)]
enum AccountMode {
    Blp(BlpMode),
    Gtc(GtcMode),
}

/// The one rule for addresses, shared with the client's sign-in form.
fn valid_email(e: &str) -> bool {
    Email::parse(e).is_ok()
}

fn err(out: &mut Vec<u8>, code: ErrorCode, trid: TrId) {
    out.extend(bytes(&ServerCommand::Error { code, trid: Some(trid), extra: vec![] }));
}

/// Answer with an error and carry on (for handlers that return a result).
fn refuse(out: &mut Vec<u8>, code: ErrorCode, trid: TrId) -> Result<(), StoreError> {
    err(out, code, trid);
    Ok(())
}

impl NsConn {
    pub fn new(hub: Arc<Hub>, tx: Outbox, dispatch: bool) -> Self {
        let conn = hub.next_conn();
        NsConn { hub, conn, tx, dispatch, dialect: None, auth: Auth::None, chl: None, next_chl: None }
    }

    fn d(&self) -> Dialect {
        self.dialect.unwrap_or(Dialect::MSNP2)
    }

    fn me(&self) -> Option<&str> {
        match &self.auth {
            Auth::Done { email } => Some(email),
            _ => None,
        }
    }

    fn send(&self, out: &mut Vec<u8>, c: ServerCommand) {
        out.extend(bytes(&c));
    }

    fn handle(&mut self, cmd: ClientCommand, out: &mut Vec<u8>) -> R {
        use ClientCommand as C;
        // Before sign-in only the login commands (and PNG/OUT) make sense.
        let Some(me) = self.me().map(str::to_owned) else {
            return self.handle_login(cmd, out);
        };
        let me = me.as_str();
        match cmd {
            C::Ver { trid, .. }
            | C::Cvr { trid, .. }
            | C::Inf { trid }
            | C::UsrInitial { trid, .. }
            | C::UsrSubsequent { trid, .. } => {
                // Already signed in: the draft has no second login on one connection.
                err(out, ErrorCode::AlreadyLoggedIn, trid);
                Ok(Flow::Continue)
            }
            C::Syn { trid, list_version, ab_version } => {
                self.syn(me, trid, &list_version, ab_version, out)?;
                Ok(Flow::Continue)
            }
            C::Chg { trid, status, caps, msnobj } => self.chg(me, trid, status, caps, msnobj, out),
            C::Add { trid, list, email, name, group } => self.add_legacy(me, trid, list, &email, &name, group, out),
            C::Adc { trid, list, fields } => self.adc(me, trid, list, fields, out),
            C::Rem { trid, list, target, group } => {
                self.rem(me, trid, list, &target, group.as_deref(), out)?;
                Ok(Flow::Continue)
            }
            C::Blp { trid, mode } => {
                if self.set_mode(me, trid, AccountMode::Blp(mode), out)? {
                    // Who may see me has changed.
                    self.broadcast_presence(me)?;
                }
                Ok(Flow::Continue)
            }
            C::Gtc { trid, mode } => {
                self.set_mode(me, trid, AccountMode::Gtc(mode), out)?;
                Ok(Flow::Continue)
            }
            C::Rea { trid, email, name } => self.rea(me, trid, email, name, out),
            C::Prp { trid, key: k, value } => self.prp(me, trid, k, value, out),
            C::Uux { trid, payload } => self.uux(me, trid, payload, out),
            C::Adg { trid, name, .. } => {
                self.add_group(me, trid, name.as_str(), out)?;
                Ok(Flow::Continue)
            }
            C::Rmg { trid, id } => self.rmg(me, trid, id, out),
            C::Reg { trid, id, name, .. } => self.reg(me, trid, id, name, out),
            C::XfrSb { trid } => self.xfr_sb(me, trid, out),
            C::Qry { trid, product_id, response } => self.qry(trid, product_id, response, out),
            other => Ok(self.common(other, out)),
        }
    }

    /// `CHG`: my status, capabilities and MSN object; the first one also
    /// sends who of my contacts is online (`ILN`).
    fn chg(
        &mut self,
        me: &str,
        trid: TrId,
        status: Status,
        caps: Option<Capabilities>,
        msnobj: Option<Name>,
        out: &mut Vec<u8>,
    ) -> R {
        let d = self.d();
        if status == Status::Offline {
            err(out, ErrorCode::InvalidParameter, trid);
            return Ok(Flow::Continue);
        }
        let first = {
            let mut st = self.hub.state();
            let Some(p) = st.online.get_mut(&key(me)) else {
                return Ok(Flow::Close);
            };
            let first = p.status.is_none();
            p.status = Some(status);
            p.caps = caps;
            p.msnobj = msnobj.clone();
            first
        };
        let echo_caps = if d.has_capabilities() { Some(caps.unwrap_or_default()) } else { None };
        self.send(
            out,
            ServerCommand::Chg {
                trid,
                status,
                caps: echo_caps,
                msnobj: if d.has_msn_object() { msnobj } else { None },
            },
        );
        if first {
            self.initial_presence(me, trid, out)?;
            if d.challenged() {
                self.next_chl = Some(Instant::now());
            }
        }
        self.broadcast_presence(me)?;
        Ok(Flow::Continue)
    }

    /// `ADD` (MSNP2-9): put someone on a list, optionally in a numbered group.
    #[allow(clippy::too_many_arguments)]
    fn add_legacy(
        &mut self,
        me: &str,
        trid: TrId,
        list: List,
        email: &str,
        name: &Name,
        group: Option<String>,
        out: &mut Vec<u8>,
    ) -> R {
        let d = self.d();
        if d.uses_adc() {
            err(out, ErrorCode::CommandDisabled, trid);
        } else {
            let group = match group.as_deref().map(str::parse::<u32>) {
                None => None,
                Some(Ok(g)) => Some(g),
                Some(Err(_)) => {
                    err(out, ErrorCode::InvalidGroup, trid);
                    return Ok(Flow::Continue);
                }
            };
            self.add(me, trid, list, email, name.as_str(), group, out)?;
        }
        Ok(Flow::Continue)
    }

    /// `ADC` (MSNP10+): put someone on a list, or a known contact into a group.
    fn adc(&mut self, me: &str, trid: TrId, list: List, fields: AdcFields, out: &mut Vec<u8>) -> R {
        let d = self.d();
        let store = &self.hub.store;
        if !d.uses_adc() {
            err(out, ErrorCode::CommandDisabled, trid);
        } else if let (Some(guid), Some(g), List::Forward) = (&fields.guid, &fields.group, list) {
            // Put a contact into a group.
            let Some(email) = self.contact_by_guid(me, guid)? else {
                err(out, ErrorCode::InvalidUser, trid);
                return Ok(Flow::Continue);
            };
            let Some(gid) = self.group_by_ref(me, g)? else {
                err(out, ErrorCode::InvalidGroup, trid);
                return Ok(Flow::Continue);
            };
            if store.memberships(me)?.iter().any(|(c, id)| key(c) == key(&email) && *id == gid) {
                err(out, ErrorCode::AlreadyThere, trid);
            } else {
                store.set_membership(me, &email, gid, true)?;
                store.bump_serial(me)?;
                self.send(out, ServerCommand::Adc { trid, list, fields });
            }
        } else {
            let Some(email) = fields.email.clone() else {
                err(out, ErrorCode::InvalidParameter, trid);
                return Ok(Flow::Continue);
            };
            let name = fields.name.as_ref().map(|n| n.as_str().to_owned()).unwrap_or_else(|| email.clone());
            self.add(me, trid, list, &email, &name, None, out)?;
        }
        Ok(Flow::Continue)
    }

    /// `REA` (MSNP2-9): rename myself or a contact on my list.
    fn rea(&mut self, me: &str, trid: TrId, email: String, name: Name, out: &mut Vec<u8>) -> R {
        let d = self.d();
        let store = &self.hub.store;
        if d.uses_adc() {
            err(out, ErrorCode::CommandDisabled, trid);
        } else if name.as_str().trim().is_empty() || name.as_str().chars().count() > MAX_NAME {
            err(out, ErrorCode::InvalidFriendlyName, trid);
        } else if key(&email) == key(me) {
            store.set_name(me, name.as_str())?;
            let ser = store.bump_serial(me)?;
            self.send(out, ServerCommand::Rea { trid, serial: Some(ser), email, name });
            self.broadcast_presence(me)?;
        } else if store.on_list(me, List::Forward, &email)? {
            store.rename_entry(me, &email, name.as_str())?;
            let ser = store.bump_serial(me)?;
            self.send(out, ServerCommand::Rea { trid, serial: Some(ser), email, name });
        } else {
            err(out, ErrorCode::NotOnList, trid);
        }
        Ok(Flow::Continue)
    }

    /// `PRP`: my friendly name (`MFN`, MSNP10+) or a phone number.
    fn prp(&mut self, me: &str, trid: TrId, k: String, value: Option<Name>, out: &mut Vec<u8>) -> R {
        let d = self.d();
        let store = &self.hub.store;
        let v = value.clone().unwrap_or_default();
        if k == "MFN" {
            if !d.uses_adc() {
                err(out, ErrorCode::NotExpected, trid);
            } else if v.as_str().trim().is_empty() || v.as_str().chars().count() > MAX_NAME {
                err(out, ErrorCode::InvalidFriendlyName, trid);
            } else {
                store.set_name(me, v.as_str())?;
                self.send(out, ServerCommand::Prp { trid: Some(trid), serial: None, key: k, value });
                self.broadcast_presence(me)?;
            }
        } else {
            let ser = store.bump_serial(me)?;
            let serial = (!d.uses_adc()).then_some(ser);
            self.send(out, ServerCommand::Prp { trid: Some(trid), serial, key: k, value });
        }
        Ok(Flow::Continue)
    }

    /// `UUX` (MSNP11+): my personal message.
    fn uux(&mut self, me: &str, trid: TrId, payload: Vec<u8>, out: &mut Vec<u8>) -> R {
        let d = self.d();
        let store = &self.hub.store;
        if !d.has_psm() {
            err(out, ErrorCode::CommandDisabled, trid);
        } else {
            let psm = xml_text(&String::from_utf8_lossy(&payload), "PSM").unwrap_or_default();
            store.set_psm(me, &psm)?;
            self.send(out, ServerCommand::Uux { trid, payload: Vec::new() });
            self.broadcast_presence(me)?;
        }
        Ok(Flow::Continue)
    }

    /// `XFR SB`: a switchboard for a new conversation, if I may be seen.
    fn xfr_sb(&mut self, me: &str, trid: TrId, out: &mut Vec<u8>) -> R {
        let visible = self.hub.state().online.get(&key(me)).is_some_and(Peer::visible);
        if !visible {
            err(out, ErrorCode::NotAllowedWhenOffline, trid);
        } else {
            let cookie = self.hub.new_xfr_cookie(me);
            let addr = self.hub.advertised.sb.clone();
            self.send(out, ServerCommand::XfrSb { trid, addr, auth: "CKI".into(), cookie, extra: vec![] });
        }
        Ok(Flow::Continue)
    }

    /// `QRY`: the answer to my last `CHL`; a wrong one ends the connection.
    fn qry(&mut self, trid: TrId, product_id: String, response: Vec<u8>, out: &mut Vec<u8>) -> R {
        let d = self.d();
        let ok = match (self.chl.take(), Product::by_id(&product_id)) {
            (Some(chl), Some(p)) => challenge_response(d, &chl, p).as_bytes() == response.as_slice(),
            _ => false,
        };
        if ok {
            self.send(out, ServerCommand::Qry { trid });
        } else {
            err(out, ErrorCode::ChallengeResponseFailed, trid);
            return Ok(Flow::Close);
        }
        Ok(Flow::Continue)
    }

    /// `RMG`: remove one of my groups (never group 0 before MSNP10).
    fn rmg(&mut self, me: &str, trid: TrId, id: String, out: &mut Vec<u8>) -> R {
        let d = self.d();
        let store = &self.hub.store;
        match self.group_by_ref(me, &id)? {
            _ if id == "0" && !d.uses_adc() => err(out, ErrorCode::CannotRemoveGroupZero, trid),
            None => err(out, ErrorCode::InvalidGroup, trid),
            Some(gid) => {
                store.remove_group(me, gid)?;
                let ser = store.bump_serial(me)?;
                let serial = Some(if d.uses_adc() { 1 } else { ser });
                self.send(out, ServerCommand::Rmg { trid, serial, id });
            }
        }
        Ok(Flow::Continue)
    }

    /// `REG`: rename one of my groups.
    fn reg(&mut self, me: &str, trid: TrId, id: String, name: Name, out: &mut Vec<u8>) -> R {
        let d = self.d();
        let store = &self.hub.store;
        match self.group_by_ref(me, &id)? {
            None => err(out, ErrorCode::InvalidGroup, trid),
            Some(_) if name.as_str().len() > MAX_GROUP_NAME => err(out, ErrorCode::GroupNameTooLong, trid),
            Some(_) if store.groups(me)?.iter().any(|(_, n)| n == name.as_str()) => {
                err(out, ErrorCode::GroupNameExists, trid)
            }
            Some(gid) => {
                store.rename_group(me, gid, name.as_str())?;
                let ser = store.bump_serial(me)?;
                let (serial, layout) =
                    if d.uses_adc() { (Some(1), RegLayout::NameThenId) } else { (Some(ser), RegLayout::IdThenName) };
                self.send(out, ServerCommand::Reg { trid, serial, id, name, flag: Some("0".into()), layout });
            }
        }
        Ok(Flow::Continue)
    }

    /// Commands that work in any state.
    fn common(&mut self, cmd: ClientCommand, out: &mut Vec<u8>) -> Flow {
        use ClientCommand as C;
        match cmd {
            C::Png => {
                let next_ping = self.d().qng_has_next_ping().then_some(60);
                self.send(out, ServerCommand::Qng { next_ping });
            }
            C::Out => {
                self.send(out, ServerCommand::Out { reason: None });
                return Flow::Close;
            }
            C::Cvr { trid, version } => {
                let v = version.client_version;
                self.send(
                    out,
                    ServerCommand::Cvr {
                        trid,
                        recommended: v.clone(),
                        recommended_again: v.clone(),
                        minimum: v,
                        download_url: "https://msn-web.invalid/".into(),
                        info_url: "https://msn-web.invalid/".into(),
                    },
                );
            }
            C::Unknown { args, .. } => {
                let trid = args.first().and_then(|t| t.parse().ok()).map(TrId);
                self.send(out, ServerCommand::Error { code: ErrorCode::SyntaxError, trid, extra: vec![] });
            }
            other => match other.trid() {
                Some(t) if self.me().is_some() => err(out, ErrorCode::CommandDisabled, t),
                Some(t) => err(out, ErrorCode::NotLoggedIn, t),
                None => err(out, ErrorCode::NotLoggedIn, TrId(0)),
            },
        }
        Flow::Continue
    }

    fn handle_login(&mut self, cmd: ClientCommand, out: &mut Vec<u8>) -> R {
        use ClientCommand as C;
        match cmd {
            C::Ver { trid, dialects } => {
                let best =
                    dialects.iter().filter_map(|s| s.parse::<Dialect>().ok()).filter(|d| *d <= self.hub.newest).max();
                match best {
                    Some(d) => {
                        self.dialect = Some(d);
                        self.send(out, ServerCommand::Ver { trid, dialects: vec![d.to_string()] });
                    }
                    None => {
                        self.send(out, ServerCommand::Ver { trid, dialects: vec!["0".into()] });
                        return Ok(Flow::Close);
                    }
                }
            }
            _ if self.dialect.is_none() && !matches!(cmd, C::Png | C::Out | C::Unknown { .. }) => {
                // VER comes first (draft 7.1).
                if let Some(t) = cmd.trid() {
                    err(out, ErrorCode::NotLoggedIn, t);
                }
            }
            C::Inf { trid } => {
                if self.d().uses_twn() {
                    err(out, ErrorCode::SyntaxError, trid);
                } else {
                    self.send(out, ServerCommand::Inf { trid, methods: vec!["MD5".into()] });
                }
            }
            C::UsrInitial { trid, method, email } => {
                let want = if self.d().uses_twn() { AuthMethod::Twn } else { AuthMethod::Md5 };
                if method != want || !valid_email(&email) {
                    err(out, ErrorCode::AuthenticationFailed, trid);
                    return Ok(Flow::Continue);
                }
                if self.dispatch {
                    let addr = self.hub.advertised.ns.clone();
                    let extra = if self.d().xfr_ns_has_current() { vec!["0".into(), addr.clone()] } else { vec![] };
                    self.send(out, ServerCommand::XfrNs { trid, addr, extra });
                    return Ok(Flow::Close);
                }
                let challenge = match method {
                    AuthMethod::Md5 => {
                        // Fresh per login, in the shape MSN used: seconds.digits.
                        let salt = format!("{}.{}", hub::unix_time(), hub::digits(9));
                        self.auth = Auth::Md5 { email, salt: salt.clone() };
                        salt
                    }
                    _ => {
                        self.auth = Auth::Twn { email };
                        format!(
                            "lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct={},kpp=1,kv=5,ver=2.1.0173.1,tpf={}",
                            hub::unix_time(),
                            hub::token(32)
                        )
                    }
                };
                self.send(out, ServerCommand::UsrChallenge { trid, method, challenge });
            }
            C::UsrSubsequent { trid, response, .. } => {
                let ok_email = match std::mem::replace(&mut self.auth, Auth::None) {
                    Auth::Md5 { email, salt } => {
                        let user = self.hub.store.user(&email)?;
                        user.filter(|u| msnp::auth::md5_login_response(&salt, &u.password) == response.expose())
                            .map(|u| u.email)
                    }
                    Auth::Twn { email } => {
                        if self.hub.take_ticket(response.expose(), &email) {
                            self.hub.store.user(&email)?.map(|u| u.email)
                        } else {
                            None
                        }
                    }
                    _ => None,
                };
                match ok_email {
                    Some(email) => self.signed_in(trid, email, out)?,
                    None => err(out, ErrorCode::AuthenticationFailed, trid),
                }
            }
            other => return Ok(self.common(other, out)),
        }
        Ok(Flow::Continue)
    }

    fn signed_in(&mut self, trid: TrId, email: String, out: &mut Vec<u8>) -> Result<(), StoreError> {
        let d = self.d();
        let user = self.hub.store.user(&email)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        let old = self.hub.state().online.insert(
            key(&email),
            Peer { conn: self.conn, tx: self.tx.clone(), dialect: d, status: None, caps: None, msnobj: None },
        );
        if let Some(old) = old {
            // The same account signed in elsewhere: the old session ends.
            old.tx.send(Deliver::Close(bytes(&ServerCommand::Out { reason: Some(OutReason::SignedInElsewhere) })));
        }
        tracing::info!(%email, dialect = %d, "signed in");
        let name = Name::new(user.name.clone());
        let fields = d.usr_ok_fields();
        let (name, verified, extra) = (
            fields.name.then_some(name),
            fields.verified.then(|| "1".to_owned()),
            fields.extra.then(|| "0".to_owned()),
        );
        self.send(out, ServerCommand::UsrOk { trid, email: user.email.clone(), name, verified, extra });
        if d.has_psm() {
            self.send(
                out,
                ServerCommand::Unknown { command: "SBS".into(), args: vec!["0".into(), "null".into()], payload: None },
            );
        }
        if d.sends_profile() {
            let now = hub::unix_time();
            let profile = MessageBody::Profile {
                fields: [
                    ("LoginTime", now.to_string()),
                    ("EmailEnabled", "0".into()),
                    ("MemberIdHigh", "0".into()),
                    ("MemberIdLow", "0".into()),
                    ("lang_preference", "1033".into()),
                    ("preferredEmail", user.email.clone()),
                    ("country", String::new()),
                    ("Kid", "0".into()),
                    ("Flags", "1073".into()),
                    ("sid", "507".into()),
                    ("kv", "5".into()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            };
            self.send(
                out,
                ServerCommand::Msg {
                    email: "Hotmail".into(),
                    name: Name::new("Hotmail"),
                    payload: profile.to_bytes().into(),
                },
            );
        }
        self.auth = Auth::Done { email: user.email };
        Ok(())
    }

    /// Contacts on any list, with their list mask, in first-listed order.
    fn masks(&self, me: &str) -> Result<Vec<(String, String, ListMask)>, StoreError> {
        let mut order: Vec<String> = Vec::new();
        let mut map: BTreeMap<String, (String, String, ListMask)> = BTreeMap::new();
        for e in self.hub.store.entries(me)? {
            let k = key(&e.contact);
            let entry = map.entry(k.clone()).or_insert_with(|| {
                order.push(k.clone());
                (e.contact.clone(), e.name.clone(), ListMask::default())
            });
            entry.2.insert(e.list);
            if e.list == List::Forward {
                entry.1 = e.name.clone();
            }
        }
        Ok(order.into_iter().filter_map(|k| map.remove(&k)).collect())
    }

    /// `SYN`: the whole contact list, in the form the dialect reads.
    fn syn(
        &mut self,
        me: &str,
        trid: TrId,
        version: &str,
        ab: Option<String>,
        out: &mut Vec<u8>,
    ) -> Result<(), StoreError> {
        let store = &self.hub.store;
        let account = Account {
            user: store.user(me)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?,
            groups: store.groups(me)?,
            members: store.memberships(me)?,
        };
        let d = self.d();
        if !d.bitmask_lists() {
            self.syn_indexed(me, trid, version, &account, out)
        } else if d.uses_adc() {
            self.syn_keyed(me, trid, version, ab, &account, out)
        } else {
            self.syn_bitmask(me, trid, &account, out)
        }
    }

    /// MSNP2-7: `SYN t serial`, then (unless the client is up to date)
    /// every list and group line with the TrID, serial and index/total.
    fn syn_indexed(
        &mut self,
        me: &str,
        trid: TrId,
        version: &str,
        account: &Account,
        out: &mut Vec<u8>,
    ) -> Result<(), StoreError> {
        let d = self.d();
        let (user, groups) = (&account.user, &account.groups);
        let groups_of = |c: &str| account.groups_of(c);
        let ser = user.serial;
        self.send(out, ServerCommand::Syn { trid, list_version: ser.to_string(), ab_version: None, counts: None });
        if version == ser.to_string() {
            return Ok(());
        }
        self.send(out, ServerCommand::Gtc { trid: Some(trid), serial: Some(ser), mode: user.gtc });
        self.send(out, ServerCommand::Blp { trid: Some(trid), serial: Some(ser), mode: user.blp });
        if d.has_groups() {
            let all: Vec<(u32, String)> =
                std::iter::once((0, "Other Contacts".to_owned())).chain(groups.iter().cloned()).collect();
            let total = all.len() as u32;
            for (i, (id, name)) in all.into_iter().enumerate() {
                self.send(
                    out,
                    ServerCommand::Lsg(LsgForm::Indexed {
                        trid,
                        serial: ser,
                        index: i as u32 + 1,
                        total,
                        group: Some((id.to_string(), Name::new(name), "0".into())),
                    }),
                );
            }
        }
        let entries = self.hub.store.entries(me)?;
        for list in [List::Forward, List::Allow, List::Block, List::Reverse] {
            let items: Vec<_> = entries.iter().filter(|e| e.list == list).collect();
            let total = items.len() as u32;
            if items.is_empty() {
                self.send(
                    out,
                    ServerCommand::Lst(LstForm::Indexed { trid, list, serial: ser, index: 0, total: 0, item: None }),
                );
            }
            for (i, e) in items.into_iter().enumerate() {
                let groups = (list == List::Forward && d.has_groups()).then(|| {
                    let g = groups_of(&e.contact);
                    if g.is_empty() { vec!["0".to_owned()] } else { g.iter().map(u32::to_string).collect() }
                });
                let item = LstItem { email: e.contact.clone(), name: Name::new(e.name.clone()), groups };
                self.send(
                    out,
                    ServerCommand::Lst(LstForm::Indexed {
                        trid,
                        list,
                        serial: ser,
                        index: i as u32 + 1,
                        total,
                        item: Some(item),
                    }),
                );
            }
        }
        Ok(())
    }

    /// MSNP10+: `SYN` with list and address-book versions and counts, then
    /// `PRP MFN`, GUID-named groups and `N=`/`F=`/`C=` contacts.
    fn syn_keyed(
        &mut self,
        me: &str,
        trid: TrId,
        version: &str,
        ab: Option<String>,
        account: &Account,
        out: &mut Vec<u8>,
    ) -> Result<(), StoreError> {
        let d = self.d();
        let (user, groups) = (&account.user, &account.groups);
        let groups_of = |c: &str| account.groups_of(c);
        let contacts = self.masks(me)?;
        let (v1, v2) = if version == "0" {
            (AB_TIME.to_owned(), AB_TIME.to_owned())
        } else {
            (version.to_owned(), ab.unwrap_or_else(|| AB_TIME.into()))
        };
        self.send(
            out,
            ServerCommand::Syn {
                trid,
                list_version: v1,
                ab_version: Some(v2),
                counts: Some((contacts.len() as u32, groups.len() as u32)),
            },
        );
        self.send(out, ServerCommand::Gtc { trid: None, serial: None, mode: user.gtc });
        self.send(out, ServerCommand::Blp { trid: None, serial: None, mode: user.blp });
        self.send(
            out,
            ServerCommand::Prp {
                trid: None,
                serial: None,
                key: "MFN".into(),
                value: Some(Name::new(user.name.clone())),
            },
        );
        for (id, name) in groups {
            self.send(
                out,
                ServerCommand::Lsg(LsgForm::Guid {
                    name: Name::new(name.clone()),
                    guid: group_guid(me, *id),
                    flag: None,
                }),
            );
        }
        for (email, name, lists) in contacts {
            let fl = lists.contains(List::Forward);
            let g: Vec<String> = groups_of(&email).into_iter().map(|g| group_guid(me, g)).collect();
            self.send(
                out,
                ServerCommand::Lst(LstForm::Keyed {
                    name: fl.then(|| Name::new(name)),
                    guid: fl.then(|| contact_guid(&email)),
                    email,
                    lists,
                    network: d.has_network_id().then_some(1),
                    groups: (fl && !g.is_empty()).then_some(g),
                }),
            );
        }
        Ok(())
    }

    /// MSNP8-9: `SYN` with counts, then numbered groups and contacts with
    /// their list bitmask, none with a TrID.
    fn syn_bitmask(&mut self, me: &str, trid: TrId, account: &Account, out: &mut Vec<u8>) -> Result<(), StoreError> {
        let (user, groups) = (&account.user, &account.groups);
        let groups_of = |c: &str| account.groups_of(c);
        let contacts = self.masks(me)?;
        self.send(
            out,
            ServerCommand::Syn {
                trid,
                list_version: user.serial.to_string(),
                ab_version: None,
                counts: Some((contacts.len() as u32, groups.len() as u32 + 1)),
            },
        );
        self.send(out, ServerCommand::Gtc { trid: None, serial: None, mode: user.gtc });
        self.send(out, ServerCommand::Blp { trid: None, serial: None, mode: user.blp });
        self.send(
            out,
            ServerCommand::Lsg(LsgForm::Numbered {
                id: "0".into(),
                name: Name::new("Other Contacts"),
                flag: "0".into(),
            }),
        );
        for (id, name) in groups {
            self.send(
                out,
                ServerCommand::Lsg(LsgForm::Numbered {
                    id: id.to_string(),
                    name: Name::new(name.clone()),
                    flag: "0".into(),
                }),
            );
        }
        for (email, name, lists) in contacts {
            let groups = lists.contains(List::Forward).then(|| {
                let g = groups_of(&email);
                if g.is_empty() { vec!["0".to_owned()] } else { g.iter().map(u32::to_string).collect() }
            });
            self.send(out, ServerCommand::Lst(LstForm::Bitmask { email, name: Name::new(name), lists, groups }));
        }
        Ok(())
    }

    /// After the first `CHG`: `ILN` for every contact I may see.
    fn initial_presence(&self, me: &str, trid: TrId, out: &mut Vec<u8>) -> Result<(), StoreError> {
        let d = self.d();
        let fl: Vec<String> =
            self.hub.store.entries(me)?.into_iter().filter(|e| e.list == List::Forward).map(|e| e.contact).collect();
        for c in fl {
            let peer = self.hub.state().online.get(&key(&c)).cloned();
            let Some(p) = peer.filter(Peer::visible) else {
                continue;
            };
            if !self.hub.allows(&c, me)? {
                continue;
            }
            let u = self.hub.store.user(&c)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            let pres = presence(d, p.status.unwrap_or(Status::Online), &u.email, &u.name, p.caps, p.msnobj.as_ref());
            self.send(out, ServerCommand::Iln { trid, presence: pres });
            if d.has_psm() && !u.psm.is_empty() {
                self.send(out, forms::ubx(&u.email, &u.psm));
            }
        }
        Ok(())
    }

    /// Tell everyone who has me on their forward list what they may see of me now.
    fn broadcast_presence(&self, me: &str) -> Result<(), StoreError> {
        broadcast_presence(&self.hub, me)
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &self,
        me: &str,
        trid: TrId,
        list: List,
        email: &str,
        name: &str,
        group: Option<u32>,
        out: &mut Vec<u8>,
    ) -> Result<(), StoreError> {
        let d = self.d();
        let store = &self.hub.store;
        let unknown_user = if d.uses_adc() { ErrorCode::InvalidUsername } else { ErrorCode::InvalidUser };
        if matches!(list, List::Reverse | List::Pending) {
            return refuse(out, ErrorCode::InvalidParameter, trid);
        }
        if !valid_email(email) {
            return refuse(out, ErrorCode::InvalidParameter, trid);
        }
        let Some(target) = store.user(email)? else {
            return refuse(out, unknown_user, trid);
        };
        let opposite = match list {
            List::Allow => Some(List::Block),
            List::Block => Some(List::Allow),
            _ => None,
        };
        if let Some(o) = opposite
            && store.on_list(me, o, email)?
        {
            return refuse(out, ErrorCode::AlreadyInOppositeList, trid);
        }
        let already = store.on_list(me, list, email)?;
        if already {
            // Adding an FL contact to another group is allowed (MSNP7-9).
            match (list, group) {
                (List::Forward, Some(g)) if g != 0 => {
                    if !store.groups(me)?.iter().any(|(id, _)| *id == g) {
                        return refuse(out, ErrorCode::InvalidGroup, trid);
                    }
                    if store.memberships(me)?.iter().any(|(c, id)| key(c) == key(email) && *id == g) {
                        return refuse(out, ErrorCode::AlreadyThere, trid);
                    }
                    store.set_membership(me, email, g, true)?;
                    let ser = store.bump_serial(me)?;
                    self.send(
                        out,
                        ServerCommand::Add {
                            trid,
                            list,
                            serial: Some(ser),
                            email: target.email,
                            name: Name::new(name),
                            group: Some(g.to_string()),
                        },
                    );
                    return Ok(());
                }
                _ => {
                    return refuse(out, ErrorCode::AlreadyThere, trid);
                }
            }
        }
        if list == List::Forward && store.entries(me)?.iter().filter(|e| e.list == List::Forward).count() >= MAX_LIST {
            return refuse(out, ErrorCode::ListFull, trid);
        }
        if let Some(g) = group.filter(|g| *g != 0)
            && !store.groups(me)?.iter().any(|(id, _)| *id == g)
        {
            return refuse(out, ErrorCode::InvalidGroup, trid);
        }
        let shown_name = if list == List::Forward { target.name.clone() } else { name.to_owned() };
        store.add_entry(me, list, &target.email, &shown_name)?;
        if let Some(g) = group.filter(|g| *g != 0) {
            store.set_membership(me, &target.email, g, true)?;
        }
        let ser = store.bump_serial(me)?;
        if d.uses_adc() {
            let fields = AdcFields {
                email: Some(target.email.clone()),
                name: (list == List::Forward).then(|| Name::new(shown_name.clone())),
                guid: (list == List::Forward).then(|| contact_guid(&target.email)),
                group: None,
            };
            self.send(out, ServerCommand::Adc { trid, list, fields });
        } else {
            self.send(
                out,
                ServerCommand::Add {
                    trid,
                    list,
                    serial: Some(ser),
                    email: target.email.clone(),
                    name: Name::new(shown_name),
                    group: group.map(|g| g.to_string()),
                },
            );
        }
        if list == List::Forward {
            let me_user = store.user(me)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            if !store.on_list(&target.email, List::Reverse, me)? {
                store.add_entry(&target.email, List::Reverse, me, &me_user.name)?;
                let their_ser = store.bump_serial(&target.email)?;
                let peer = self.hub.state().online.get(&key(&target.email)).cloned();
                if let Some(p) = peer {
                    p.tx.send(Deliver::Bytes(bytes(&forms::reverse_add(
                        p.dialect,
                        their_ser,
                        &me_user.email,
                        &me_user.name,
                    ))));
                }
            }
            // Draft 7.8: if the new contact is online I learn it at once.
            let peer = self.hub.state().online.get(&key(&target.email)).cloned();
            if let Some(p) = peer.filter(Peer::visible)
                && self.hub.allows(&target.email, me)?
            {
                let pres = presence(
                    d,
                    p.status.unwrap_or(Status::Online),
                    &target.email,
                    &target.name,
                    p.caps,
                    p.msnobj.as_ref(),
                );
                self.send(out, ServerCommand::Iln { trid, presence: pres });
                if d.has_psm() && !target.psm.is_empty() {
                    self.send(out, forms::ubx(&target.email, &target.psm));
                }
            }
        } else {
            // Allow/block changes what that person sees of me.
            presence_for(&self.hub, me, &target.email)?;
        }
        Ok(())
    }

    fn rem(
        &self,
        me: &str,
        trid: TrId,
        list: List,
        target: &str,
        group: Option<&str>,
        out: &mut Vec<u8>,
    ) -> Result<(), StoreError> {
        let d = self.d();
        let store = &self.hub.store;
        let email = if d.uses_adc() && list == List::Forward {
            match self.contact_by_guid(me, target)? {
                Some(e) => e,
                None => return refuse(out, ErrorCode::NotOnList, trid),
            }
        } else {
            target.to_owned()
        };
        if matches!(list, List::Reverse | List::Pending) {
            return refuse(out, ErrorCode::InvalidParameter, trid);
        }
        if !store.on_list(me, list, &email)? {
            return refuse(out, ErrorCode::NotOnList, trid);
        }
        // With a group (FL only), only that membership goes; otherwise the entry.
        let from_group = match (list, group) {
            (List::Forward, Some(g)) => {
                let Some(gid) = self.group_by_ref(me, g)? else {
                    return refuse(out, ErrorCode::InvalidGroup, trid);
                };
                if !store.memberships(me)?.iter().any(|(c, id)| key(c) == key(&email) && *id == gid) {
                    return refuse(out, ErrorCode::UserNotInGroup, trid);
                }
                store.set_membership(me, &email, gid, false)?;
                Some(g.to_owned())
            }
            _ => {
                store.remove_entry(me, list, &email)?;
                None
            }
        };
        let ser = store.bump_serial(me)?;
        let whole_entry = from_group.is_none();
        let serial = (!d.uses_adc()).then_some(ser);
        self.send(out, ServerCommand::Rem { trid, list, serial, target: target.to_owned(), group: from_group });
        if !whole_entry {
            return Ok(());
        }
        if list == List::Forward {
            if store.on_list(&email, List::Reverse, me)? {
                store.remove_entry(&email, List::Reverse, me)?;
                let their_ser = store.bump_serial(&email)?;
                let peer = self.hub.state().online.get(&key(&email)).cloned();
                if let Some(p) = peer {
                    p.tx.send(Deliver::Bytes(bytes(&forms::reverse_remove(p.dialect, their_ser, me))));
                }
            }
        } else {
            presence_for(&self.hub, me, &email)?;
        }
        Ok(())
    }

    fn add_group(&self, me: &str, trid: TrId, name: &str, out: &mut Vec<u8>) -> Result<(), StoreError> {
        let d = self.d();
        let store = &self.hub.store;
        if !d.has_groups() {
            return refuse(out, ErrorCode::CommandDisabled, trid);
        }
        let groups = store.groups(me)?;
        if name.trim().is_empty() {
            return refuse(out, ErrorCode::InvalidParameter, trid);
        }
        if Name::new(name).to_wire().len() > MAX_GROUP_NAME {
            return refuse(out, ErrorCode::GroupNameTooLong, trid);
        }
        if groups.iter().any(|(_, n)| n == name) || name == "Other Contacts" {
            return refuse(out, ErrorCode::GroupNameExists, trid);
        }
        if groups.len() >= MAX_GROUPS {
            return refuse(out, ErrorCode::TooManyGroups, trid);
        }
        let id = store.add_group(me, name)?;
        let ser = store.bump_serial(me)?;
        let id_ref = group_ref(d, me, id);
        let (serial, flag) = if d.uses_adc() { (None, None) } else { (Some(ser), Some("0".into())) };
        self.send(out, ServerCommand::Adg { trid, serial, name: Name::new(name), id: id_ref, flag });
        Ok(())
    }

    /// `BLP` and `GTC` follow one rule: 218 when unchanged, else store it,
    /// bump the serial and echo it (with the serial before MSNP10). Whether
    /// it changed comes back.
    fn set_mode(&self, me: &str, trid: TrId, mode: AccountMode, out: &mut Vec<u8>) -> Result<bool, StoreError> {
        let store = &self.hub.store;
        let user = store.user(me)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        let unchanged = match mode {
            AccountMode::Blp(m) => user.blp == m,
            AccountMode::Gtc(m) => user.gtc == m,
        };
        if unchanged {
            err(out, ErrorCode::AlreadyInMode, trid);
            return Ok(false);
        }
        match mode {
            AccountMode::Blp(m) => store.set_blp(me, m)?,
            AccountMode::Gtc(m) => store.set_gtc(me, m)?,
        }
        let serial = (!self.d().uses_adc()).then_some(store.bump_serial(me)?);
        let trid = Some(trid);
        self.send(
            out,
            match mode {
                AccountMode::Blp(mode) => ServerCommand::Blp { trid, serial, mode },
                AccountMode::Gtc(mode) => ServerCommand::Gtc { trid, serial, mode },
            },
        );
        Ok(true)
    }

    fn contact_by_guid(&self, me: &str, guid: &str) -> Result<Option<String>, StoreError> {
        Ok(self.hub.store.entries(me)?.into_iter().map(|e| e.contact).find(|c| contact_guid(c) == guid))
    }

    fn group_by_ref(&self, me: &str, r: &str) -> Result<Option<u32>, StoreError> {
        let groups = self.hub.store.groups(me)?;
        Ok(groups.into_iter().map(|(id, _)| id).find(|id| group_ref(self.d(), me, *id) == r))
    }
}

/// What `watcher` should see of `me` now: `NLN` (+`UBX`) or `FLN`.
fn presence_line(hub: &Hub, me: &str, watcher: &Peer, watcher_email: &str) -> Result<Vec<u8>, StoreError> {
    let peer = hub.state().online.get(&key(me)).cloned();
    let user = hub.store.user(me)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    let d = watcher.dialect;
    match peer.filter(Peer::visible) {
        Some(p) if hub.allows(me, watcher_email)? => {
            let mut b = bytes(&ServerCommand::Nln(presence(
                d,
                p.status.unwrap_or(Status::Online),
                &user.email,
                &user.name,
                p.caps,
                p.msnobj.as_ref(),
            )));
            if d.has_psm() {
                b.extend(bytes(&forms::ubx(&user.email, &user.psm)));
            }
            Ok(b)
        }
        _ => Ok(bytes(&ServerCommand::Fln { email: user.email, network: None })),
    }
}

/// Re-send my presence to one person who has me on their forward list.
pub fn presence_for(hub: &Hub, me: &str, watcher: &str) -> Result<(), StoreError> {
    if !hub.store.on_list(watcher, List::Forward, me)? {
        return Ok(());
    }
    let Some(w) = hub.state().online.get(&key(watcher)).cloned() else {
        return Ok(());
    };
    if w.status.is_none() {
        return Ok(());
    }
    let line = presence_line(hub, me, &w, watcher)?;
    w.tx.send(Deliver::Bytes(line));
    Ok(())
}

pub fn broadcast_presence(hub: &Hub, me: &str) -> Result<(), StoreError> {
    let watchers: Vec<String> =
        hub.store.entries(me)?.into_iter().filter(|e| e.list == List::Reverse).map(|e| e.contact).collect();
    for w in watchers {
        presence_for(hub, me, &w)?;
    }
    Ok(())
}

impl Handler for NsConn {
    fn uses_storage(&self) -> bool {
        true
    }

    fn on_frame(&mut self, frame: Frame, out: &mut Vec<u8>) -> Flow {
        let ctx = Context::ns(self.d());
        let cmd = match decode_client(&frame, ctx) {
            Ok(c) => c,
            Err(e) => {
                // A known command with bad arguments: 201 (the draft's
                // "invalid parameter"), never a crash; and a log line.
                tracing::info!(line = %String::from_utf8_lossy(&frame.line), error = %e, "unreadable line");
                let code = if e.trid.is_some() { ErrorCode::InvalidParameter } else { ErrorCode::SyntaxError };
                self.send(out, ServerCommand::Error { code, trid: e.trid, extra: vec![] });
                return Flow::Continue;
            }
        };
        match self.handle(cmd, out) {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "storage failure");
                self.send(
                    out,
                    ServerCommand::Error { code: ErrorCode::DatabaseServerError, trid: None, extra: vec![] },
                );
                Flow::Close
            }
        }
    }

    fn on_tick(&mut self, now: Instant, out: &mut Vec<u8>) -> Flow {
        if self.next_chl.is_some_and(|t| now >= t) && self.chl.is_none() {
            let c = hub::challenge();
            self.send(out, ServerCommand::Chl { trid: TrId::ASYNC, challenge: c.clone() });
            self.chl = Some(c);
            self.next_chl = self.hub.timing.challenge_every.map(|e| now + e);
        }
        Flow::Continue
    }

    fn on_shutdown(&mut self, out: &mut Vec<u8>) {
        if self.me().is_some() {
            self.send(out, ServerCommand::Out { reason: Some(OutReason::ServerShutdown) });
        }
    }

    fn on_close(&mut self) {
        let Some(me) = self.me().map(str::to_owned) else {
            return;
        };
        let removed = {
            let mut st = self.hub.state();
            match st.online.get(&key(&me)) {
                Some(p) if p.conn == self.conn => st.online.remove(&key(&me)),
                _ => None,
            }
        };
        if removed.is_some() {
            tracing::info!(email = %me, "signed out");
            if let Err(e) = broadcast_presence(&self.hub, &me) {
                tracing::error!(error = %e, "presence fan-out failed");
            }
        }
    }
}
