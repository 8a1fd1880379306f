//! Typed commands, one enum per sender. Each variant is one wire form; where
//! the form changed between dialects the variant holds what every form has
//! and `Option`s for the rest, so decoding then encoding gives the same line.

use super::{BlpMode, Capabilities, ErrorCode, GtcMode, List, ListMask, Name, Secret, Status, TrId};

/// The authentication package named in `USR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMethod {
    /// MSNP2-7: `md5(challenge + password)`.
    Md5,
    /// MSNP8+: Passport 1.4 ("Tweener") ticket.
    Twn,
    Other(String),
}

impl AuthMethod {
    pub fn code(&self) -> &str {
        match self {
            AuthMethod::Md5 => "MD5",
            AuthMethod::Twn => "TWN",
            AuthMethod::Other(s) => s,
        }
    }
    pub fn parse(s: &str) -> Self {
        match s {
            "MD5" => AuthMethod::Md5,
            "TWN" => AuthMethod::Twn,
            other => AuthMethod::Other(other.to_owned()),
        }
    }
}

/// `MSG` acknowledgement mode chosen by the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckMode {
    /// `U`: no reply at all (typing notices).
    Unacknowledged,
    /// `N`: `NAK` on failure only.
    NakOnly,
    /// `A`: `ACK` on success, `NAK` on failure.
    Acknowledged,
    /// `D`: P2P data (MSNP9+), acknowledged like `A`.
    Data,
}

impl AckMode {
    pub const fn code(self) -> &'static str {
        match self {
            AckMode::Unacknowledged => "U",
            AckMode::NakOnly => "N",
            AckMode::Acknowledged => "A",
            AckMode::Data => "D",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "U" => AckMode::Unacknowledged,
            "N" => AckMode::NakOnly,
            "A" => AckMode::Acknowledged,
            "D" => AckMode::Data,
            _ => return None,
        })
    }
}

/// Why the server ended the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutReason {
    /// `OTH`: the same account signed in elsewhere.
    SignedInElsewhere,
    /// `SSD`: the server is shutting down.
    ServerShutdown,
    Other(String),
}

impl OutReason {
    pub fn code(&self) -> &str {
        match self {
            OutReason::SignedInElsewhere => "OTH",
            OutReason::ServerShutdown => "SSD",
            OutReason::Other(s) => s,
        }
    }
    pub fn parse(s: &str) -> Self {
        match s {
            "OTH" => OutReason::SignedInElsewhere,
            "SSD" => OutReason::ServerShutdown,
            other => OutReason::Other(other.to_owned()),
        }
    }
}

/// `CVR` request fields: what client is connecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientVersion {
    pub locale: String,
    pub os_type: String,
    pub os_version: String,
    pub arch: String,
    pub client_name: String,
    pub client_version: String,
    pub library: String,
    /// Present in MSNP8+ logs.
    pub email: Option<String>,
}

impl Default for ClientVersion {
    /// What MSN Messenger 6.2 sends; servers check the name and version.
    fn default() -> Self {
        ClientVersion {
            locale: "0x0409".into(),
            os_type: "winnt".into(),
            os_version: "5.1".into(),
            arch: "i386".into(),
            client_name: "MSNMSGR".into(),
            client_version: "6.2.0208".into(),
            library: "MSMSGS".into(),
            email: None,
        }
    }
}

/// A contact's presence line (`ILN`, `NLN`) minus its TrID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    pub status: Status,
    pub email: String,
    pub name: Name,
    /// MSNP8+.
    pub caps: Option<Capabilities>,
    /// MSNP9+, URL-encoded `<msnobj .../>` of the display picture.
    pub msnobj: Option<Name>,
}

/// An `ADC` (MSNP10+) contact reference: any of `N=email`, `F=friendly`,
/// `C=guid`, then an optional group GUID.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdcFields {
    pub email: Option<String>,
    pub name: Option<Name>,
    pub guid: Option<String>,
    pub group: Option<String>,
}

/// One `LST` line, in each dialect's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LstForm {
    /// MSNP2-7: `LST t FL ser index total email name [gids]`; an empty list
    /// is `LST t FL ser 0 0` (`item` is `None`).
    Indexed { trid: TrId, list: List, serial: u32, index: u32, total: u32, item: Option<LstItem> },
    /// MSNP8-9: `LST email name lists [gids]`.
    Bitmask { email: String, name: Name, lists: ListMask, groups: Option<Vec<String>> },
    /// MSNP10-12: `LST N=email [F=name] [C=guid] lists [network] [gguids]`.
    Keyed {
        email: String,
        name: Option<Name>,
        guid: Option<String>,
        lists: ListMask,
        network: Option<u32>,
        groups: Option<Vec<String>>,
    },
}

/// A contact in an MSNP2-7 `LST`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LstItem {
    pub email: String,
    pub name: Name,
    /// MSNP7 forward-list lines end in group ids.
    pub groups: Option<Vec<String>>,
}

/// One `LSG` (group) line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LsgForm {
    /// MSNP7: `LSG t ser index total gid name 0`; `LSG t ser 0 0` when empty.
    Indexed { trid: TrId, serial: u32, index: u32, total: u32, group: Option<(String, Name, String)> },
    /// MSNP8-9: `LSG gid name 0`.
    Numbered { id: String, name: Name, flag: String },
    /// MSNP10+: `LSG name guid`.
    Guid { name: Name, guid: String, flag: Option<String> },
}

/// Field order of a `REG` (rename group) reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegLayout {
    /// MSNP7-9: `REG t ser gid name 0`.
    IdThenName,
    /// MSNP10+ (Escargot): `REG t 1 name guid 0`.
    NameThenId,
}

/// Commands a server sends (notification and switchboard).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerCommand {
    /// `VER t d1 d2...`; `VER t 0` when no common dialect.
    Ver {
        trid: TrId,
        dialects: Vec<String>,
    },
    Cvr {
        trid: TrId,
        recommended: String,
        recommended_again: String,
        minimum: String,
        download_url: String,
        info_url: String,
    },
    Inf {
        trid: TrId,
        methods: Vec<String>,
    },
    /// `USR t MD5 S salt` / `USR t TWN S policy`.
    UsrChallenge {
        trid: TrId,
        method: AuthMethod,
        challenge: String,
    },
    /// `USR t OK email [name] [verified] [kid]`: which fields appear depends on
    /// dialect and on NS vs SB (see [`crate::codec::Context`]).
    UsrOk {
        trid: TrId,
        email: String,
        name: Option<Name>,
        verified: Option<String>,
        extra: Option<String>,
    },
    /// `XFR t NS host:port [0 current]`: reconnect there.
    XfrNs {
        trid: TrId,
        addr: String,
        extra: Vec<String>,
    },
    /// `XFR t SB host:port CKI cookie [...]`.
    XfrSb {
        trid: TrId,
        addr: String,
        auth: String,
        cookie: String,
        extra: Vec<String>,
    },
    /// MSNP2-9 `SYN t ser [ncontacts ngroups]`; MSNP10+ `SYN t ts1 ts2 [n g]`.
    Syn {
        trid: TrId,
        list_version: String,
        ab_version: Option<String>,
        counts: Option<(u32, u32)>,
    },
    Gtc {
        trid: Option<TrId>,
        serial: Option<u32>,
        mode: GtcMode,
    },
    Blp {
        trid: Option<TrId>,
        serial: Option<u32>,
        mode: BlpMode,
    },
    Prp {
        trid: Option<TrId>,
        serial: Option<u32>,
        key: String,
        value: Option<Name>,
    },
    Bpr {
        serial: Option<u32>,
        email: Option<String>,
        key: String,
        value: Option<Name>,
    },
    Lsg(LsgForm),
    Lst(LstForm),
    /// `ADD t list [ser] email name [gid]` (Escargot omits the serial on `ADD 0 RL`).
    Add {
        trid: TrId,
        list: List,
        serial: Option<u32>,
        email: String,
        name: Name,
        group: Option<String>,
    },
    Adc {
        trid: TrId,
        list: List,
        fields: AdcFields,
    },
    /// `REM t list [ser] email-or-guid [group]`.
    Rem {
        trid: TrId,
        list: List,
        serial: Option<u32>,
        target: String,
        group: Option<String>,
    },
    /// MSNP7-9 `ADG t ser name gid 0`; MSNP10+ `ADG t name guid [0]`.
    Adg {
        trid: TrId,
        serial: Option<u32>,
        name: Name,
        id: String,
        flag: Option<String>,
    },
    Rmg {
        trid: TrId,
        serial: Option<u32>,
        id: String,
    },
    Reg {
        trid: TrId,
        serial: Option<u32>,
        id: String,
        name: Name,
        flag: Option<String>,
        layout: RegLayout,
    },
    Rea {
        trid: TrId,
        serial: Option<u32>,
        email: String,
        name: Name,
    },
    /// Echo of my own status change.
    Chg {
        trid: TrId,
        status: Status,
        caps: Option<Capabilities>,
        msnobj: Option<Name>,
    },
    /// Initial presence of a contact, answering my first `CHG` or an `ADD`.
    Iln {
        trid: TrId,
        presence: Presence,
    },
    Nln(Presence),
    Fln {
        email: String,
        network: Option<String>,
    },
    /// Invitation to a switchboard.
    Rng {
        session_id: String,
        addr: String,
        auth: String,
        cookie: String,
        email: String,
        name: Name,
        extra: Vec<String>,
    },
    Chl {
        trid: TrId,
        challenge: String,
    },
    Qry {
        trid: TrId,
    },
    Qng {
        next_ping: Option<u32>,
    },
    Out {
        reason: Option<OutReason>,
    },
    /// A message: from a contact on a switchboard, or `Hotmail Hotmail` on the NS.
    Msg {
        email: String,
        name: Name,
        /// A view of the bytes read (no copy: a switchboard streams them).
        payload: bytes::Bytes,
    },
    Ubx {
        email: String,
        network: Option<String>,
        payload: Vec<u8>,
    },
    /// `UUX t 0`: acknowledges my personal message.
    Uux {
        trid: TrId,
        payload: Vec<u8>,
    },
    Gcf {
        trid: TrId,
        filename: String,
        payload: Vec<u8>,
    },
    Not {
        payload: Vec<u8>,
    },
    Ipg {
        payload: Vec<u8>,
    },
    Url {
        trid: TrId,
        rru: String,
        url: String,
        id: Option<String>,
    },
    /// `CAL t RINGING session`.
    CalRinging {
        trid: TrId,
        session_id: String,
    },
    Joi {
        email: String,
        name: Name,
        caps: Option<Capabilities>,
    },
    Iro {
        trid: TrId,
        index: u32,
        total: u32,
        email: String,
        name: Name,
        caps: Option<Capabilities>,
    },
    AnsOk {
        trid: TrId,
    },
    /// Someone left; `reason` `1` means dropped for idleness.
    Bye {
        email: String,
        reason: Option<String>,
    },
    Ack {
        trid: TrId,
    },
    Nak {
        trid: TrId,
    },
    /// `NNN t [...]`.
    Error {
        code: ErrorCode,
        trid: Option<TrId>,
        extra: Vec<String>,
    },
    /// Anything else, kept whole so that it is never lost.
    Unknown {
        command: String,
        args: Vec<String>,
        payload: Option<Vec<u8>>,
    },
}

/// Commands a client sends (notification and switchboard).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientCommand {
    Ver {
        trid: TrId,
        dialects: Vec<String>,
    },
    Cvr {
        trid: TrId,
        version: ClientVersion,
    },
    Inf {
        trid: TrId,
    },
    /// `USR t MD5|TWN I email`.
    UsrInitial {
        trid: TrId,
        method: AuthMethod,
        email: String,
    },
    /// `USR t MD5|TWN S response`: the MD5 hash or the Passport ticket.
    UsrSubsequent {
        trid: TrId,
        method: AuthMethod,
        response: Secret,
    },
    /// Switchboard `USR t email cookie`.
    SbUsr {
        trid: TrId,
        email: String,
        cookie: String,
    },
    Syn {
        trid: TrId,
        list_version: String,
        ab_version: Option<String>,
    },
    Chg {
        trid: TrId,
        status: Status,
        caps: Option<Capabilities>,
        msnobj: Option<Name>,
    },
    Gtc {
        trid: TrId,
        mode: GtcMode,
    },
    Blp {
        trid: TrId,
        mode: BlpMode,
    },
    Add {
        trid: TrId,
        list: List,
        email: String,
        name: Name,
        group: Option<String>,
    },
    Adc {
        trid: TrId,
        list: List,
        fields: AdcFields,
    },
    Rem {
        trid: TrId,
        list: List,
        target: String,
        group: Option<String>,
    },
    Adg {
        trid: TrId,
        name: Name,
        flag: Option<String>,
    },
    Rmg {
        trid: TrId,
        id: String,
    },
    Reg {
        trid: TrId,
        id: String,
        name: Name,
        flag: Option<String>,
    },
    Rea {
        trid: TrId,
        email: String,
        name: Name,
    },
    Prp {
        trid: TrId,
        key: String,
        value: Option<Name>,
    },
    XfrSb {
        trid: TrId,
    },
    Qry {
        trid: TrId,
        product_id: String,
        response: Vec<u8>,
    },
    Png,
    Uux {
        trid: TrId,
        payload: Vec<u8>,
    },
    Url {
        trid: TrId,
        service: String,
        extra: Vec<String>,
    },
    Gcf {
        trid: TrId,
        filename: String,
    },
    Out,
    Cal {
        trid: TrId,
        email: String,
    },
    Ans {
        trid: TrId,
        email: String,
        cookie: String,
        session_id: String,
    },
    Msg {
        trid: TrId,
        ack: AckMode,
        payload: Vec<u8>,
    },
    Unknown {
        command: String,
        args: Vec<String>,
        payload: Option<Vec<u8>>,
    },
}

impl ClientCommand {
    /// The TrID the server will echo, if this command has one.
    pub fn trid(&self) -> Option<TrId> {
        use ClientCommand::*;
        match self {
            Ver { trid, .. }
            | Cvr { trid, .. }
            | Inf { trid }
            | UsrInitial { trid, .. }
            | UsrSubsequent { trid, .. }
            | SbUsr { trid, .. }
            | Syn { trid, .. }
            | Chg { trid, .. }
            | Gtc { trid, .. }
            | Blp { trid, .. }
            | Add { trid, .. }
            | Adc { trid, .. }
            | Rem { trid, .. }
            | Adg { trid, .. }
            | Rmg { trid, .. }
            | Reg { trid, .. }
            | Rea { trid, .. }
            | Prp { trid, .. }
            | XfrSb { trid }
            | Qry { trid, .. }
            | Uux { trid, .. }
            | Url { trid, .. }
            | Gcf { trid, .. }
            | Cal { trid, .. }
            | Ans { trid, .. }
            | Msg { trid, .. } => Some(*trid),
            Png | Out | Unknown { .. } => None,
        }
    }
}
