use std::fmt;
use std::str::FromStr;

/// A protocol dialect, as negotiated with `VER`. Ordered so that `>=` reads
/// as "this version or later".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dialect(u8);

/// A `VER` token that is not `MSNP2`..`MSNP12`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported protocol dialect {0:?}")]
pub struct UnknownDialect(pub String);

impl Dialect {
    pub const MSNP2: Dialect = Dialect(2);
    pub const MSNP3: Dialect = Dialect(3);
    pub const MSNP5: Dialect = Dialect(5);
    pub const MSNP6: Dialect = Dialect(6);
    pub const MSNP7: Dialect = Dialect(7);
    pub const MSNP8: Dialect = Dialect(8);
    pub const MSNP9: Dialect = Dialect(9);
    pub const MSNP10: Dialect = Dialect(10);
    pub const MSNP11: Dialect = Dialect(11);
    pub const MSNP12: Dialect = Dialect(12);
    /// Oldest and newest dialect this crate speaks.
    pub const OLDEST: Dialect = Dialect(2);
    pub const NEWEST: Dialect = Dialect(12);

    /// `Some` for 2..=12.
    pub const fn new(n: u8) -> Option<Dialect> {
        if n >= 2 && n <= 12 { Some(Dialect(n)) } else { None }
    }

    pub const fn number(self) -> u8 {
        self.0
    }

    /// Every supported dialect, newest first: the default `VER` offer.
    pub fn all_newest_first() -> Vec<Dialect> {
        (2..=12).rev().map(Dialect).collect()
    }

    /// MSNP8 replaced MD5 with Passport (TWN) and dropped `INF`.
    pub fn uses_twn(self) -> bool {
        self.0 >= 8
    }
    /// MSNP8 dropped TrIDs and serials from `SYN` replies (`LST`, `GTC`, ...).
    pub fn bitmask_lists(self) -> bool {
        self.0 >= 8
    }
    /// MSNP10 moved to `ADC`, contact GUIDs and `N=`/`F=`/`C=` fields.
    pub fn uses_adc(self) -> bool {
        self.0 >= 10
    }
    /// MSNP7 introduced groups.
    pub fn has_groups(self) -> bool {
        self.0 >= 7
    }
    /// MSNP11 introduced personal messages (`UUX`/`UBX`) and the new `QRY`.
    pub fn has_psm(self) -> bool {
        self.0 >= 11
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MSNP{}", self.0)
    }
}

impl FromStr for Dialect {
    type Err = UnknownDialect;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.strip_prefix("MSNP")
            .and_then(|n| n.parse::<u8>().ok())
            .and_then(Dialect::new)
            .ok_or_else(|| UnknownDialect(s.to_owned()))
    }
}
