use std::fmt;
use std::str::FromStr;

/// Presence states. `Hidden` is only sent in `CHG`; `Offline` only arrives as
/// `FLN` (sending `CHG t FLN` is error 201).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Status {
    Online,
    Busy,
    Idle,
    BeRightBack,
    Away,
    OnThePhone,
    OutToLunch,
    Hidden,
    Offline,
}

impl Status {
    /// Every state, in the order a status picker shows them.
    pub const ALL: [Status; 9] = [
        Status::Online,
        Status::Busy,
        Status::BeRightBack,
        Status::Away,
        Status::OnThePhone,
        Status::OutToLunch,
        Status::Idle,
        Status::Hidden,
        Status::Offline,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            Status::Online => "NLN",
            Status::Busy => "BSY",
            Status::Idle => "IDL",
            Status::BeRightBack => "BRB",
            Status::Away => "AWY",
            Status::OnThePhone => "PHN",
            Status::OutToLunch => "LUN",
            Status::Hidden => "HDN",
            Status::Offline => "FLN",
        }
    }

    /// Whether others can see and call this user.
    pub const fn is_visible(self) -> bool {
        !matches!(self, Status::Hidden | Status::Offline)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Status {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Status::ALL.into_iter().find(|st| st.code() == s).ok_or(())
    }
}

/// Client capability bits sent with `CHG`/`ILN`/`NLN` (MSNP8+) and on
/// switchboard `IRO`/`JOI` (MSNP12+). Kept as the raw number so that bits we
/// do not know survive a round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Capabilities(pub u32);

impl Capabilities {
    pub const WEB_CLIENT: u32 = 0x200;
    pub const MULTI_PACKET: u32 = 0x20;
    /// What this web client announces: a web client that can take
    /// multi-packet messages, P2P version MSNC1.
    pub const MSN_WEB: Capabilities = Capabilities(0x1000_0000 | Self::WEB_CLIENT | Self::MULTI_PACKET);

    pub fn has(self, bit: u32) -> bool {
        self.0 & bit == bit
    }
}

impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
