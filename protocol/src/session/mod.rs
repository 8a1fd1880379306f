//! Sans-IO session state machines. The contract, as in quinn-proto and str0m:
//! mutate (feed bytes, call an action, advance time), then drain events and
//! bytes to write until each returns `None`.

pub mod contacts;
pub mod ns;
pub mod sb;
mod trids;

pub use contacts::{Contact, ContactList, Group};
pub use ns::{NsConfig, NsEvent, NsSession, Request, SignOutReason};
pub use sb::{MessageId, SB_REPLY_TIMEOUT, SbEvent, SbSession, SbStart};

use crate::codec::Frame;
use std::fmt;

pub use skipped::{SkipReason, Skipped};

/// Misuse of a session's API: an action that makes no sense now (not
/// signed in, switchboard closed, no ticket asked for). What the server
/// sends that cannot be used is never an error: it is a [`Skipped`] event,
/// or the session's end with its reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    #[error("{0}")]
    Misuse(&'static str),
}

mod skipped {
    use super::*;

    /// A line the session read and did not act on. The session carries on;
    /// the app logs it, so nothing a server says is dropped unseen (real
    /// servers differ from the documents, and this is where it shows).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Skipped {
        /// The command line as received; a payload is told by its length.
        pub line: String,
        pub reason: SkipReason,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    #[non_exhaustive]
    pub enum SkipReason {
        /// A known command in a shape we cannot read, with the decoder's word.
        Malformed(String),
        /// A valid reply that makes no sense in the session's phase.
        OutOfPhase,
        /// A command this session does not act on.
        NotHandled,
    }

    impl Skipped {
        pub(crate) fn new(frame: &Frame, reason: SkipReason) -> Skipped {
            let mut line = crate::text::lossy(&frame.line).into_owned();
            if let Some(p) = &frame.payload {
                line.push_str(&format!(" [{} bytes of payload]", p.len()));
            }
            Skipped { line, reason }
        }
    }

    impl fmt::Display for Skipped {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match &self.reason {
                SkipReason::Malformed(why) => write!(f, "unreadable line ({why}): {}", self.line),
                SkipReason::OutOfPhase => write!(f, "reply out of phase: {}", self.line),
                SkipReason::NotHandled => write!(f, "not acted on: {}", self.line),
            }
        }
    }
}
