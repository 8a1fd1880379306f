//! The P2P (MSNC v1) binary framing: a 48-byte little-endian header, the
//! data, and a 4-byte big-endian footer naming the application.

use super::P2pError;

pub const HEADER_LEN: usize = 48;
pub const FOOTER_LEN: usize = 4;
/// Most data bytes in one P2P message over a switchboard, as the classic
/// clients send them: with the header, footer and MIME envelope it stays
/// under the 1,664-byte `MSG` limit of the servers people use.
pub const MAX_CHUNK: usize = 1202;

/// The footer: which application a message belongs to.
pub mod app {
    /// Session negotiation (MSNSLP) and acknowledgements.
    pub const SLP: u32 = 0;
    /// An MSN object: display picture or custom emoticon.
    pub const OBJECT: u32 = 1;
    /// File transfer.
    pub const FILE: u32 = 2;
}

/// What kind of message this is (a bit set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Flags(pub u32);

impl Flags {
    pub const NONE: Flags = Flags(0);
    pub const NAK: Flags = Flags(0x1);
    pub const ACK: Flags = Flags(0x2);
    pub const WAIT: Flags = Flags(0x4);
    pub const ERROR: Flags = Flags(0x8);
    pub const FILE: Flags = Flags(0x10);
    /// Display picture or custom emoticon data.
    pub const OBJECT_DATA: Flags = Flags(0x20);
    pub const CLOSE: Flags = Flags(0x40);
    pub const TRANSPORT_ERROR: Flags = Flags(0x80);
    /// File data, as the classic clients flag it.
    pub const FILE_DATA: Flags = Flags(0x0100_0030);

    pub fn has(self, f: Flags) -> bool {
        self.0 & f.0 == f.0 && f.0 != 0
    }
}

/// The 48-byte header, field by field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    /// 0 while the session is negotiated (MSNSLP), then the session's id.
    pub session_id: u32,
    /// This message's identifier; every chunk of one message shares it.
    pub id: u32,
    /// Where this chunk's data starts in the whole message.
    pub offset: u64,
    /// The whole message's size.
    pub total: u64,
    /// This chunk's data size.
    pub length: u32,
    pub flags: Flags,
    /// A message's own random tag (acknowledged as `ack_uid`), or, in an
    /// acknowledgement, the id of the message acknowledged.
    pub ack_id: u32,
    pub ack_uid: u32,
    pub ack_size: u64,
}

/// One P2P message (or one chunk of one).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Packet {
    pub header: Header,
    pub data: Vec<u8>,
    /// The footer (see [`app`]).
    pub app_id: u32,
}

impl Packet {
    /// Read a packet: header, exactly `length` bytes of data, footer. A
    /// chunk must lie within its message.
    pub fn parse(b: &[u8]) -> Result<Packet, P2pError> {
        if b.len() < HEADER_LEN + FOOTER_LEN {
            return Err(P2pError::TooShort(b.len()));
        }
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        let header = Header {
            session_id: u32_at(0),
            id: u32_at(4),
            offset: u64_at(8),
            total: u64_at(16),
            length: u32_at(24),
            flags: Flags(u32_at(28)),
            ack_id: u32_at(32),
            ack_uid: u32_at(36),
            ack_size: u64_at(40),
        };
        let data = &b[HEADER_LEN..b.len() - FOOTER_LEN];
        if header.length as usize != data.len() {
            return Err(P2pError::LengthMismatch { declared: header.length, actual: data.len() });
        }
        let end = header.offset.checked_add(u64::from(header.length)).ok_or(P2pError::BadOffset)?;
        if !header.flags.has(Flags::ACK) && end > header.total {
            return Err(P2pError::BadOffset);
        }
        let footer = &b[b.len() - FOOTER_LEN..];
        Ok(Packet { header, data: data.to_vec(), app_id: u32::from_be_bytes(footer.try_into().expect("4 bytes")) })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let h = &self.header;
        let mut out = Vec::with_capacity(HEADER_LEN + self.data.len() + FOOTER_LEN);
        out.extend_from_slice(&h.session_id.to_le_bytes());
        out.extend_from_slice(&h.id.to_le_bytes());
        out.extend_from_slice(&h.offset.to_le_bytes());
        out.extend_from_slice(&h.total.to_le_bytes());
        out.extend_from_slice(&(self.data.len() as u32).to_le_bytes());
        out.extend_from_slice(&h.flags.0.to_le_bytes());
        out.extend_from_slice(&h.ack_id.to_le_bytes());
        out.extend_from_slice(&h.ack_uid.to_le_bytes());
        out.extend_from_slice(&h.ack_size.to_le_bytes());
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.app_id.to_be_bytes());
        out
    }
}
