use std::fmt;
use std::str::FromStr;

/// The per-user lists: forward (my contacts), allow, block, reverse (who has
/// me), pending (MSNP10+: asked to add me, not yet answered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum List {
    Forward,
    Allow,
    Block,
    Reverse,
    Pending,
}

impl List {
    pub const ALL: [List; 5] = [List::Forward, List::Allow, List::Block, List::Reverse, List::Pending];

    pub const fn code(self) -> &'static str {
        match self {
            List::Forward => "FL",
            List::Allow => "AL",
            List::Block => "BL",
            List::Reverse => "RL",
            List::Pending => "PL",
        }
    }
    /// The MSNP8+ `LST` bit.
    pub const fn bit(self) -> u8 {
        match self {
            List::Forward => 1,
            List::Allow => 2,
            List::Block => 4,
            List::Reverse => 8,
            List::Pending => 16,
        }
    }
}

impl fmt::Display for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
impl FromStr for List {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        List::ALL.into_iter().find(|l| l.code() == s).ok_or(())
    }
}

/// A set of lists, as the MSNP8+ `LST` bitmask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ListMask(pub u8);

impl ListMask {
    pub fn contains(self, l: List) -> bool {
        self.0 & l.bit() != 0
    }
    pub fn insert(&mut self, l: List) {
        self.0 |= l.bit();
    }
    pub fn remove(&mut self, l: List) {
        self.0 &= !l.bit();
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn lists(self) -> impl Iterator<Item = List> {
        List::ALL.into_iter().filter(move |l| self.contains(*l))
    }
}

impl FromIterator<List> for ListMask {
    fn from_iter<I: IntoIterator<Item = List>>(iter: I) -> Self {
        let mut m = ListMask::default();
        for l in iter {
            m.insert(l);
        }
        m
    }
}

/// `BLP`: what happens to people on neither the allow nor the block list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BlpMode {
    /// Allow them (the default).
    #[default]
    AllowAll,
    /// Block them.
    BlockAll,
}

impl BlpMode {
    pub const fn code(self) -> &'static str {
        match self {
            BlpMode::AllowAll => "AL",
            BlpMode::BlockAll => "BL",
        }
    }
}
impl FromStr for BlpMode {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "AL" => Ok(BlpMode::AllowAll),
            "BL" => Ok(BlpMode::BlockAll),
            _ => Err(()),
        }
    }
}

/// `GTC`: whether to ask the user when someone adds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum GtcMode {
    /// Ask ("A").
    #[default]
    Ask,
    /// Never ask ("N").
    Never,
}

impl GtcMode {
    pub const fn code(self) -> &'static str {
        match self {
            GtcMode::Ask => "A",
            GtcMode::Never => "N",
        }
    }
}
impl FromStr for GtcMode {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "A" => Ok(GtcMode::Ask),
            "N" => Ok(GtcMode::Never),
            _ => Err(()),
        }
    }
}
