//! Bytes <-> typed commands, with no state beyond the [`Context`] the caller
//! passes in. Framing lives in [`framer`].

mod decode;
mod encode;
pub mod framer;

pub use decode::{DecodeError, decode_client, decode_server};
pub use encode::{encode_client, encode_server};
pub use framer::{Direction, Frame, FrameError, Framer, Limits};

use crate::types::Dialect;

/// Which server a connection talks to. Some replies read differently on a
/// switchboard (`USR t OK email name` keeps the name there in MSNP10+).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Dispatch or notification server (they share one grammar).
    Notification,
    Switchboard,
}

/// What the decoder must know to read an ambiguous line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    pub dialect: Dialect,
    pub role: Role,
}

impl Context {
    pub fn ns(dialect: Dialect) -> Self {
        Context { dialect, role: Role::Notification }
    }
    pub fn sb(dialect: Dialect) -> Self {
        Context { dialect, role: Role::Switchboard }
    }
}
