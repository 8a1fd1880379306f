use std::fmt;

/// Transaction id: the client numbers its requests and the server echoes the
/// number in replies and errors. `0` marks server-initiated lines (`ADD 0 RL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TrId(pub u32);

impl TrId {
    /// The id servers use for asynchronous notices.
    pub const ASYNC: TrId = TrId(0);
}

impl fmt::Display for TrId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
