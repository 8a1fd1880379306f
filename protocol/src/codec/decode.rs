//! Frame -> typed command. Never panics; a known command with the wrong shape
//! is a [`DecodeError`] naming it, an unknown command is `Unknown`.

use super::{Context, Frame, Role};
use crate::types::*;
use std::str::FromStr;

/// A known command whose arguments do not fit any of its forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed {command} line: {reason}")]
pub struct DecodeError {
    pub command: String,
    pub reason: &'static str,
    /// The TrID, when one could be read: a server answers 200/201 with it.
    pub trid: Option<TrId>,
}

/// Arguments kept inline: nearly every line has fewer (an `LST` has seven),
/// so decoding one allocates nothing for them.
const INLINE: usize = 16;

/// Token cursor over one line.
struct Args<'a> {
    command: &'a str,
    inline: [&'a str; INLINE],
    /// Arguments past the first [`INLINE`], for the rare line with more.
    spill: Vec<&'a str>,
    len: usize,
    pos: usize,
}

impl<'a> Args<'a> {
    fn new(line: &'a str) -> Self {
        let mut a = Args { command: "", inline: [""; INLINE], spill: Vec::new(), len: 0, pos: 0 };
        let mut start = 0;
        // Tokens are what lies between spaces (runs of spaces count as one).
        // Spaces are ASCII, so every cut is on a character boundary.
        for end in memchr::memchr_iter(b' ', line.as_bytes()).chain([line.len()]) {
            if end > start {
                a.push(&line[start..end]);
            }
            start = end + 1;
        }
        a
    }
    fn push(&mut self, t: &'a str) {
        if self.command.is_empty() {
            self.command = t;
            return;
        }
        match self.inline.get_mut(self.len) {
            Some(slot) => *slot = t,
            None => self.spill.push(t),
        }
        self.len += 1;
    }
    fn tok(&self, i: usize) -> Option<&'a str> {
        match i {
            i if i >= self.len => None,
            i if i < INLINE => Some(self.inline[i]),
            i => self.spill.get(i - INLINE).copied(),
        }
    }
    fn err(&self, reason: &'static str) -> DecodeError {
        let trid = self.tok(0).and_then(|t| t.parse().ok()).map(TrId);
        DecodeError { command: self.command.to_owned(), reason, trid }
    }
    fn left(&self) -> usize {
        self.len - self.pos
    }
    fn peek(&self) -> Option<&'a str> {
        self.tok(self.pos)
    }
    fn peek_at(&self, n: usize) -> Option<&'a str> {
        self.tok(self.pos + n)
    }
    fn opt(&mut self) -> Option<&'a str> {
        let t = self.peek()?;
        self.pos += 1;
        Some(t)
    }
    fn str(&mut self) -> Result<&'a str, DecodeError> {
        self.opt().ok_or_else(|| self.err("missing argument"))
    }
    fn string(&mut self) -> Result<String, DecodeError> {
        self.str().map(str::to_owned)
    }
    fn num<T: FromStr>(&mut self) -> Result<T, DecodeError> {
        let t = self.str()?;
        t.parse().map_err(|_| self.err("expected a number"))
    }
    fn trid(&mut self) -> Result<TrId, DecodeError> {
        self.num().map(TrId)
    }
    fn name(&mut self) -> Result<Name, DecodeError> {
        self.str().map(Name::from_wire)
    }
    fn parse<T: FromStr>(&mut self, what: &'static str) -> Result<T, DecodeError> {
        let t = self.str()?;
        t.parse().map_err(|_| self.err(what))
    }
    fn rest(&mut self) -> Vec<String> {
        let r = (self.pos..self.len).filter_map(|i| self.tok(i)).map(str::to_owned).collect();
        self.pos = self.len;
        r
    }
    /// Optional numeric token, consumed only if it is all digits.
    fn opt_num(&mut self) -> Option<u32> {
        let v = self.peek().filter(|t| is_digits(t))?.parse().ok()?;
        self.pos += 1;
        Some(v)
    }
    fn done<T>(&self, v: T) -> Result<T, DecodeError> {
        if self.left() == 0 { Ok(v) } else { Err(self.err("too many arguments")) }
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn groups(s: &str) -> Vec<String> {
    s.split(',').filter(|g| !g.is_empty()).map(str::to_owned).collect()
}

/// An optional group list: one with no group in it (`,`) is none at all
/// (the fuzz campaign's finding: it wrote back as nothing and read back
/// differently).
fn opt_groups(s: Option<&str>) -> Option<Vec<String>> {
    s.map(groups).filter(|g| !g.is_empty())
}

fn payload(frame: &Frame) -> Vec<u8> {
    frame.payload.as_deref().map(<[u8]>::to_vec).unwrap_or_default()
}

/// Capabilities then an optional msnobj, as in `CHG`/`ILN`/`NLN`.
fn caps_and_obj(a: &mut Args<'_>) -> Result<(Option<Capabilities>, Option<Name>), DecodeError> {
    let caps = match a.opt() {
        None => None,
        Some(t) => Some(Capabilities(t.parse().map_err(|_| a.err("bad capabilities"))?)),
    };
    let obj = a.opt().map(Name::from_wire);
    Ok((caps, obj))
}

fn presence(a: &mut Args<'_>) -> Result<Presence, DecodeError> {
    let status = a.parse("unknown status")?;
    let email = a.string()?;
    let name = a.name()?;
    let (caps, msnobj) = caps_and_obj(a)?;
    a.done(Presence { status, email, name, caps, msnobj })
}

fn unknown(a: &mut Args<'_>, frame: &Frame) -> ServerCommand {
    ServerCommand::Unknown {
        command: a.command.to_owned(),
        args: a.rest(),
        payload: frame.payload.as_deref().map(<[u8]>::to_vec),
    }
}

/// Decode a line a server sent.
pub fn decode_server(frame: &Frame, ctx: Context) -> Result<ServerCommand, DecodeError> {
    let line = crate::text::lossy(&frame.line);
    let mut a = Args::new(&line);
    use ServerCommand as S;
    let cmd = a.command;
    if cmd.len() == 3 && is_digits(cmd) {
        let code = ErrorCode::from_code(cmd.parse().unwrap_or(0));
        let trid = a.opt_num().map(TrId);
        return Ok(S::Error { code, trid, extra: a.rest() });
    }
    let c = match cmd {
        "VER" => S::Ver { trid: a.trid()?, dialects: a.rest() },
        "CVR" => {
            let trid = a.trid()?;
            let v = S::Cvr {
                trid,
                recommended: a.string()?,
                recommended_again: a.string()?,
                minimum: a.string()?,
                download_url: a.string()?,
                info_url: a.string()?,
            };
            a.done(v)?
        }
        "INF" => S::Inf { trid: a.trid()?, methods: a.rest() },
        "USR" => {
            let trid = a.trid()?;
            match a.str()? {
                "OK" => {
                    let email = a.string()?;
                    let r = a.rest();
                    let mut r = r.into_iter();
                    let keeps_name = ctx.role == Role::Switchboard || !ctx.dialect.name_in_prp();
                    let name = if keeps_name { r.next().map(|n| Name::from_wire(&n)) } else { None };
                    let (verified, extra) = (r.next(), r.next());
                    if r.next().is_some() {
                        return Err(a.err("too many arguments"));
                    }
                    S::UsrOk { trid, email, name, verified, extra }
                }
                method => {
                    let method = AuthMethod::parse(method);
                    if a.str()? != "S" {
                        return Err(a.err("expected S"));
                    }
                    let challenge = a.string()?;
                    a.done(S::UsrChallenge { trid, method, challenge })?
                }
            }
        }
        "XFR" => {
            let trid = a.trid()?;
            match a.str()? {
                "NS" => S::XfrNs { trid, addr: a.string()?, extra: a.rest() },
                "SB" => S::XfrSb { trid, addr: a.string()?, auth: a.string()?, cookie: a.string()?, extra: a.rest() },
                _ => return Err(a.err("unknown XFR kind")),
            }
        }
        "SYN" => {
            let trid = a.trid()?;
            let list_version = a.string()?;
            let ab_version = if ctx.dialect.syn_has_ab_version() { Some(a.string()?) } else { None };
            let counts = match a.left() {
                0 => None,
                2 => Some((a.num()?, a.num()?)),
                _ => return Err(a.err("expected contact and group counts")),
            };
            S::Syn { trid, list_version, ab_version, counts }
        }
        "GTC" | "BLP" => {
            let (trid, serial) = match a.left() {
                1 => (None, None),
                2 => (Some(a.trid()?), None),
                3 => (Some(a.trid()?), Some(a.num()?)),
                _ => return Err(a.err("wrong number of arguments")),
            };
            if cmd == "GTC" {
                S::Gtc { trid, serial, mode: a.parse("expected A or N")? }
            } else {
                S::Blp { trid, serial, mode: a.parse("expected AL or BL")? }
            }
        }
        "PRP" => {
            let trid = a.opt_num().map(TrId);
            let serial = if trid.is_some() { a.opt_num() } else { None };
            let key = a.string()?;
            let value = a.opt().map(Name::from_wire);
            a.done(S::Prp { trid, serial, key, value })?
        }
        "BPR" => {
            let serial = a.opt_num();
            let email = if a.peek().is_some_and(|t| t.contains('@')) { Some(a.string()?) } else { None };
            let key = a.string()?;
            let value = a.opt().map(Name::from_wire);
            a.done(S::Bpr { serial, email, key, value })?
        }
        "LSG" => S::Lsg(decode_lsg(&mut a, ctx)?),
        "LST" => S::Lst(decode_lst(&mut a)?),
        "ADD" => {
            let trid = a.trid()?;
            let list = a.parse("unknown list")?;
            // `ser email name` vs `email name gid`: a serial is digits followed by an address.
            let has_serial = a.peek().is_some_and(is_digits) && a.peek_at(1).is_some_and(|t| t.contains('@'));
            let serial = if has_serial { a.opt_num() } else { None };
            let email = a.string()?;
            // Anything else would be a serial read as an address (the fuzz
            // campaign's finding: re-encoded, it read back differently).
            if !email.contains('@') {
                return Err(a.err("not an address"));
            }
            let name = a.name()?;
            let group = a.opt().map(str::to_owned);
            a.done(S::Add { trid, list, serial, email, name, group })?
        }
        "ADC" => {
            let trid = a.trid()?;
            let list = a.parse("unknown list")?;
            S::Adc { trid, list, fields: adc_fields(&mut a)? }
        }
        "REM" => {
            let trid = a.trid()?;
            let list = a.parse("unknown list")?;
            let serial = if a.left() >= 2 && a.peek().is_some_and(is_digits) { a.opt_num() } else { None };
            let target = a.string()?;
            let group = a.opt().map(str::to_owned);
            a.done(S::Rem { trid, list, serial, target, group })?
        }
        "ADG" => {
            let trid = a.trid()?;
            let serial = if a.left() >= 4 { Some(a.num()?) } else { None };
            let name = a.name()?;
            let id = a.string()?;
            let flag = a.opt().map(str::to_owned);
            a.done(S::Adg { trid, serial, name, id, flag })?
        }
        "RMG" => {
            let trid = a.trid()?;
            let serial = if a.left() >= 2 { Some(a.num()?) } else { None };
            let id = a.string()?;
            a.done(S::Rmg { trid, serial, id })?
        }
        "REG" => {
            let trid = a.trid()?;
            let serial = if a.left() >= 3 { Some(a.num()?) } else { None };
            let layout = if ctx.dialect.group_guids() { RegLayout::NameThenId } else { RegLayout::IdThenName };
            let (id, name) = match layout {
                RegLayout::IdThenName => (a.string()?, a.name()?),
                RegLayout::NameThenId => {
                    let name = a.name()?;
                    (a.string()?, name)
                }
            };
            let flag = a.opt().map(str::to_owned);
            a.done(S::Reg { trid, serial, id, name, flag, layout })?
        }
        "REA" => {
            let trid = a.trid()?;
            let serial = if a.left() >= 3 { Some(a.num()?) } else { None };
            let v = S::Rea { trid, serial, email: a.string()?, name: a.name()? };
            a.done(v)?
        }
        "CHG" => {
            let trid = a.trid()?;
            let status = a.parse("unknown status")?;
            let (caps, msnobj) = caps_and_obj(&mut a)?;
            a.done(S::Chg { trid, status, caps, msnobj })?
        }
        "ILN" => S::Iln { trid: a.trid()?, presence: presence(&mut a)? },
        "NLN" => S::Nln(presence(&mut a)?),
        "FLN" => {
            let v = S::Fln { email: a.string()?, network: a.opt().map(str::to_owned) };
            a.done(v)?
        }
        "RNG" => S::Rng {
            session_id: a.string()?,
            addr: a.string()?,
            auth: a.string()?,
            cookie: a.string()?,
            email: a.string()?,
            name: a.name()?,
            extra: a.rest(),
        },
        "CHL" => {
            let v = S::Chl { trid: a.trid()?, challenge: a.string()? };
            a.done(v)?
        }
        "QRY" => {
            let v = S::Qry { trid: a.trid()? };
            a.done(v)?
        }
        "QNG" => {
            let v = S::Qng { next_ping: a.opt_num() };
            a.done(v)?
        }
        "OUT" => {
            let v = S::Out { reason: a.opt().map(OutReason::parse) };
            a.done(v)?
        }
        "MSG" => S::Msg { email: a.string()?, name: a.name()?, payload: frame.payload.clone().unwrap_or_default() },
        "UBX" => {
            let email = a.string()?;
            let network = if a.left() >= 2 { Some(a.string()?) } else { None };
            S::Ubx { email, network, payload: payload(frame) }
        }
        "UUX" => S::Uux { trid: a.trid()?, payload: payload(frame) },
        "GCF" => S::Gcf { trid: a.trid()?, filename: a.string()?, payload: payload(frame) },
        "NOT" => S::Not { payload: payload(frame) },
        "IPG" => S::Ipg { payload: payload(frame) },
        "URL" => {
            let v = S::Url { trid: a.trid()?, rru: a.string()?, url: a.string()?, id: a.opt().map(str::to_owned) };
            a.done(v)?
        }
        "CAL" => {
            let trid = a.trid()?;
            if a.str()? != "RINGING" {
                return Err(a.err("expected RINGING"));
            }
            let v = S::CalRinging { trid, session_id: a.string()? };
            a.done(v)?
        }
        "JOI" => {
            let email = a.string()?;
            let name = a.name()?;
            let (caps, _) = caps_and_obj(&mut a)?;
            a.done(S::Joi { email, name, caps })?
        }
        "IRO" => {
            let trid = a.trid()?;
            let (index, total) = (a.num()?, a.num()?);
            let email = a.string()?;
            let name = a.name()?;
            let (caps, _) = caps_and_obj(&mut a)?;
            a.done(S::Iro { trid, index, total, email, name, caps })?
        }
        "ANS" => {
            let trid = a.trid()?;
            if a.str()? != "OK" {
                return Err(a.err("expected OK"));
            }
            a.done(S::AnsOk { trid })?
        }
        "BYE" => {
            let v = S::Bye { email: a.string()?, reason: a.opt().map(str::to_owned) };
            a.done(v)?
        }
        "ACK" => S::Ack { trid: a.trid()? },
        "NAK" => S::Nak { trid: a.trid()? },
        _ => unknown(&mut a, frame),
    };
    Ok(c)
}

fn adc_fields(a: &mut Args<'_>) -> Result<AdcFields, DecodeError> {
    let mut f = AdcFields::default();
    while let Some(t) = a.opt() {
        if let Some(v) = t.strip_prefix("N=") {
            f.email = Some(v.to_owned());
        } else if let Some(v) = t.strip_prefix("F=") {
            f.name = Some(Name::from_wire(v));
        } else if let Some(v) = t.strip_prefix("C=") {
            f.guid = Some(v.to_owned());
        } else if f.group.is_none() {
            f.group = Some(t.to_owned());
        } else {
            return Err(a.err("too many arguments"));
        }
    }
    Ok(f)
}

fn decode_lsg(a: &mut Args<'_>, ctx: Context) -> Result<LsgForm, DecodeError> {
    if a.left() >= 4 && a.peek_at(1).is_some_and(is_digits) && a.peek_at(2).is_some_and(is_digits) {
        let (trid, serial, index, total) = (a.trid()?, a.num()?, a.num()?, a.num()?);
        let group = if a.left() == 0 { None } else { Some((a.string()?, a.name()?, a.string()?)) };
        return a.done(LsgForm::Indexed { trid, serial, index, total, group });
    }
    if ctx.dialect.group_guids() {
        let v = LsgForm::Guid { name: a.name()?, guid: a.string()?, flag: a.opt().map(str::to_owned) };
        return a.done(v);
    }
    let v = LsgForm::Numbered { id: a.string()?, name: a.name()?, flag: a.string()? };
    a.done(v)
}

fn decode_lst(a: &mut Args<'_>) -> Result<LstForm, DecodeError> {
    let first = a.peek().unwrap_or("");
    if is_digits(first) && a.peek_at(1).is_some_and(|l| List::from_str(l).is_ok()) {
        let trid = a.trid()?;
        let list = a.parse("unknown list")?;
        let (serial, index, total) = (a.num()?, a.num()?, a.num()?);
        let item = if a.left() == 0 {
            None
        } else {
            Some(LstItem { email: a.string()?, name: a.name()?, groups: opt_groups(a.opt()) })
        };
        return a.done(LstForm::Indexed { trid, list, serial, index, total, item });
    }
    if first.starts_with("N=") {
        let mut email = String::new();
        let (mut name, mut guid) = (None, None);
        while let Some(t) = a.peek() {
            if let Some(v) = t.strip_prefix("N=") {
                email = v.to_owned();
            } else if let Some(v) = t.strip_prefix("F=") {
                name = Some(Name::from_wire(v));
            } else if let Some(v) = t.strip_prefix("C=") {
                guid = Some(v.to_owned());
            } else {
                break;
            }
            a.pos += 1;
        }
        let lists = ListMask(a.num()?);
        let network = if a.left() > 0 && a.peek().is_some_and(is_digits) { a.opt_num() } else { None };
        let groups = opt_groups(a.opt());
        return a.done(LstForm::Keyed { email, name, guid, lists, network, groups });
    }
    let email = a.string()?;
    let name = a.name()?;
    let lists = ListMask(a.num()?);
    let groups = opt_groups(a.opt());
    a.done(LstForm::Bitmask { email, name, lists, groups })
}

/// Decode a line a client sent.
pub fn decode_client(frame: &Frame, ctx: Context) -> Result<ClientCommand, DecodeError> {
    let line = crate::text::lossy(&frame.line);
    let mut a = Args::new(&line);
    use ClientCommand as C;
    let c = match a.command {
        "VER" => C::Ver { trid: a.trid()?, dialects: a.rest() },
        "CVR" => {
            let trid = a.trid()?;
            let version = ClientVersion {
                locale: a.string()?,
                os_type: a.string()?,
                os_version: a.string()?,
                arch: a.string()?,
                client_name: a.string()?,
                client_version: a.string()?,
                library: a.string()?,
                email: a.opt().map(str::to_owned),
            };
            a.done(C::Cvr { trid, version })?
        }
        "INF" => {
            let v = C::Inf { trid: a.trid()? };
            a.done(v)?
        }
        "USR" if ctx.role == Role::Switchboard => {
            let v = C::SbUsr { trid: a.trid()?, email: a.string()?, cookie: a.string()? };
            a.done(v)?
        }
        "USR" => {
            let trid = a.trid()?;
            let method = AuthMethod::parse(a.str()?);
            let v = match a.str()? {
                "I" => C::UsrInitial { trid, method, email: a.string()? },
                "S" => C::UsrSubsequent { trid, method, response: Secret::new(a.string()?) },
                _ => return Err(a.err("expected I or S")),
            };
            a.done(v)?
        }
        "SYN" => {
            let trid = a.trid()?;
            let list_version = a.string()?;
            let v = C::Syn { trid, list_version, ab_version: a.opt().map(str::to_owned) };
            a.done(v)?
        }
        "CHG" => {
            let trid = a.trid()?;
            let status = a.parse("unknown status")?;
            let (caps, msnobj) = caps_and_obj(&mut a)?;
            a.done(C::Chg { trid, status, caps, msnobj })?
        }
        "GTC" => {
            let v = C::Gtc { trid: a.trid()?, mode: a.parse("expected A or N")? };
            a.done(v)?
        }
        "BLP" => {
            let v = C::Blp { trid: a.trid()?, mode: a.parse("expected AL or BL")? };
            a.done(v)?
        }
        "ADD" => {
            let v = C::Add {
                trid: a.trid()?,
                list: a.parse("unknown list")?,
                email: a.string()?,
                name: a.name()?,
                group: a.opt().map(str::to_owned),
            };
            a.done(v)?
        }
        "ADC" => C::Adc { trid: a.trid()?, list: a.parse("unknown list")?, fields: adc_fields(&mut a)? },
        "REM" => {
            let v = C::Rem {
                trid: a.trid()?,
                list: a.parse("unknown list")?,
                target: a.string()?,
                group: a.opt().map(str::to_owned),
            };
            a.done(v)?
        }
        "ADG" => {
            let v = C::Adg { trid: a.trid()?, name: a.name()?, flag: a.opt().map(str::to_owned) };
            a.done(v)?
        }
        "RMG" => {
            let v = C::Rmg { trid: a.trid()?, id: a.string()? };
            a.done(v)?
        }
        "REG" => {
            let v = C::Reg { trid: a.trid()?, id: a.string()?, name: a.name()?, flag: a.opt().map(str::to_owned) };
            a.done(v)?
        }
        "REA" => {
            let v = C::Rea { trid: a.trid()?, email: a.string()?, name: a.name()? };
            a.done(v)?
        }
        "PRP" => {
            let v = C::Prp { trid: a.trid()?, key: a.string()?, value: a.opt().map(Name::from_wire) };
            a.done(v)?
        }
        "XFR" => {
            let trid = a.trid()?;
            if a.str()? != "SB" {
                return Err(a.err("expected SB"));
            }
            a.done(C::XfrSb { trid })?
        }
        "QRY" => C::Qry { trid: a.trid()?, product_id: a.string()?, response: payload(frame) },
        "PNG" => a.done(C::Png)?,
        "UUX" => C::Uux { trid: a.trid()?, payload: payload(frame) },
        "URL" => C::Url { trid: a.trid()?, service: a.string()?, extra: a.rest() },
        "GCF" => {
            let v = C::Gcf { trid: a.trid()?, filename: a.string()? };
            a.done(v)?
        }
        "OUT" => a.done(C::Out)?,
        "CAL" => {
            let v = C::Cal { trid: a.trid()?, email: a.string()? };
            a.done(v)?
        }
        "ANS" => {
            let v = C::Ans { trid: a.trid()?, email: a.string()?, cookie: a.string()?, session_id: a.string()? };
            a.done(v)?
        }
        "MSG" => {
            let trid = a.trid()?;
            let ack = AckMode::parse(a.str()?).ok_or_else(|| a.err("unknown acknowledgement mode"))?;
            C::Msg { trid, ack, payload: payload(frame) }
        }
        _ => C::Unknown {
            command: a.command.to_owned(),
            args: a.rest(),
            payload: frame.payload.as_deref().map(<[u8]>::to_vec),
        },
    };
    Ok(c)
}
