//! Sans-IO session state machines. The contract, as in quinn-proto and str0m:
//! mutate (feed bytes, call an action, advance time), then drain events and
//! bytes to write until each returns `None`.

pub mod contacts;
pub mod ns;
pub mod sb;
mod trids;

pub use contacts::{Contact, ContactList, Group};
pub use ns::{NsConfig, NsEvent, NsSession, Request, SignOutReason};
pub use sb::{MessageId, SbEvent, SbSession, SbStart};

use crate::codec::{DecodeError, FrameError};
use crate::types::ErrorCode;

/// Why a session cannot go on. Three kinds are kept apart: bytes we cannot
/// frame, valid commands that make no sense now, and misuse of the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("malformed data from the server: {0}")]
    Frame(#[from] FrameError),
    #[error("unexpected reply from the server: {0}")]
    Protocol(String),
    #[error("the server refused: {0}")]
    Server(ErrorCode),
    #[error("{0}")]
    Misuse(&'static str),
}

impl From<DecodeError> for SessionError {
    fn from(e: DecodeError) -> Self {
        SessionError::Protocol(e.to_string())
    }
}
