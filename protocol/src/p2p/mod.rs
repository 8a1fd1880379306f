//! MSNC P2P over the switchboard: display pictures, custom emoticons and
//! file transfer, as MSNP9-12 clients move them (`MSG t D` with
//! `application/x-msnmsgrp2p`, one `P2P-Dest`: `MessageBody::P2p`). Sans I/O like the rest:
//! [`P2pLink`] is the state machine for one peer; [`header`], [`slp`] and
//! [`object`] are the formats it speaks.

pub mod header;
mod link;
pub mod object;
pub mod slp;

pub use header::{Flags, Header, MAX_CHUNK, Packet};
pub use link::{P2pConfig, P2pEvent, P2pLink, Transfer};
pub use object::{FileContext, MsnObject};

/// Why a P2P message was refused. The link goes on; the app logs it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum P2pError {
    #[error("a P2P message of {0} bytes is shorter than its header and footer")]
    TooShort(usize),
    #[error("the header says {declared} bytes of data, the message has {actual}")]
    LengthMismatch { declared: u32, actual: usize },
    #[error("a chunk lies outside its message, or out of order")]
    BadOffset,
    #[error("no session {0}")]
    NoSession(u32),
    #[error("session {0} is not receiving")]
    Unexpected(u32),
    #[error("a message of {0} bytes is more than allowed")]
    TooLarge(u64),
    #[error("too many messages half-received at once")]
    TooMany,
    #[error("unreadable MSNSLP: {0}")]
    Slp(String),
}
