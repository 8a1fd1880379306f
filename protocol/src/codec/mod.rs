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

/// The round-trip property the fuzz campaign checks (and its findings keep
/// checking): every server line in `data` that decodes, in any of a few
/// contexts, encodes to bytes that frame and decode to the same command
/// (or, grown past the line cap in encoding, that the framer refuses as
/// too long).
/// The first line that does not is described in the error.
pub fn check_roundtrip(data: &[u8]) -> Result<(), String> {
    use crate::types::Dialect;
    let mut f = Framer::new(Direction::ToClient, Limits::default());
    f.push(data);
    while let Ok(Some(fr)) = f.next_frame() {
        for ctx in [Context::ns(Dialect::MSNP7), Context::ns(Dialect::MSNP11), Context::sb(Dialect::MSNP12)] {
            let Ok(cmd) = decode_server(&fr, ctx) else { continue };
            let mut out = Vec::new();
            encode_server(&cmd, &mut out);
            let mut g = Framer::new(Direction::ToClient, Limits::default());
            g.push(&out);
            let back = match g.next_frame() {
                Ok(Some(again)) => decode_server(&again, ctx).ok(),
                // Text can grow in encoding (a byte that is not UTF-8 reads
                // as U+FFFD, nine bytes once escaped), so a long enough line
                // comes back over the line cap. Then the framer must refuse
                // it with its error, which it did: no sender of ours makes
                // such a line (names are capped at 129 characters by the
                // devserver and 387 encoded bytes by the session).
                Err(FrameError::LineTooLong { limit }) if out.len() > limit => continue,
                _ => None,
            };
            if back.as_ref() != Some(&cmd) {
                return Err(format!(
                    "{:?} in {ctx:?} became {:?}, which reads back as {back:?}",
                    crate::text::lossy(&fr.line),
                    crate::text::lossy(&out)
                ));
            }
        }
    }
    Ok(())
}
