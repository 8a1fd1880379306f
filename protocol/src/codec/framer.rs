//! Splits a byte stream into frames: one CRLF-terminated line, plus the raw
//! payload for commands whose last argument is a byte count.
//!
//! Which commands carry a payload depends on who sends them (`QRY t` from a
//! server has none, `QRY t id 32` from a client has 32 bytes), so the framer
//! is told which side's bytes it reads. Lengths are checked against limits
//! before anything is allocated: `MSG a b 4294967295` is an error.

/// Whose bytes are being framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Bytes a client sends (a server reads them).
    ToServer,
    /// Bytes a server sends (a client reads them).
    ToClient,
}

use bytes::{Bytes, BytesMut};

/// Size caps. A line or payload over its cap is an error, never an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest command line, without CRLF. An `ILN` with a long msnobj is
    /// about 600 bytes; names are at most 387 encoded bytes.
    pub max_line: usize,
    /// Largest payload. Switchboard messages are at most 1664 bytes on real
    /// servers; NS profiles, mail notices and `GCF` files are larger.
    pub max_payload: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_line: 8 * 1024, max_payload: 64 * 1024 }
    }
}

/// The one table of payload-carrying commands (MSNP2-12), by sender.
pub fn carries_payload(command: &[u8], direction: Direction) -> bool {
    match direction {
        Direction::ToServer => matches!(command, b"MSG" | b"QRY" | b"UUX"),
        Direction::ToClient => {
            matches!(command, b"MSG" | b"UBX" | b"GCF" | b"NOT" | b"IPG" | b"UUX")
        }
    }
}

/// One frame: the line without its line ending, and the payload if any.
/// Both are views of the bytes the framer was given (no copy, and no
/// allocation per frame: a switchboard streams thousands a second).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub line: Bytes,
    pub payload: Option<Bytes>,
}

impl Frame {
    /// The three-letter command (or error number), the bytes up to the first space.
    pub fn command(&self) -> &[u8] {
        self.line.split(|b| *b == b' ').next().unwrap_or(&[])
    }
}

/// Why the stream cannot be framed. Every case is fatal for the connection:
/// once a length is unknown, no later byte can be trusted to start a line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("line longer than {limit} bytes")]
    LineTooLong { limit: usize },
    #[error("payload of {len} bytes exceeds the {limit}-byte limit")]
    PayloadTooLarge { len: u64, limit: usize },
    #[error("payload command {command:?} has no valid length")]
    BadPayloadLength { command: String },
}

/// Incremental framer. Push bytes as they arrive, then pull frames until it
/// answers `Ok(None)` (needs more bytes).
#[derive(Debug)]
pub struct Framer {
    direction: Direction,
    limits: Limits,
    /// Unread bytes. Frames are split off its front (a pointer moves; the
    /// memory is shared with them), and its space is taken back once they
    /// are dropped.
    buf: BytesMut,
    /// A line whose payload has not fully arrived.
    pending: Option<(Bytes, usize)>,
    failed: Option<FrameError>,
}

impl Framer {
    pub fn new(direction: Direction, limits: Limits) -> Self {
        Framer { direction, limits, buf: BytesMut::new(), pending: None, failed: None }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes received but not yet returned in a frame.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let r = self.next_inner();
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    fn next_inner(&mut self) -> Result<Option<Frame>, FrameError> {
        if self.pending.is_none() {
            let Some(nl) = memchr::memchr(b'\n', &self.buf) else {
                if self.buf.len() > self.limits.max_line + 1 {
                    return Err(FrameError::LineTooLong { limit: self.limits.max_line });
                }
                return Ok(None);
            };
            let ending = if nl > 0 && self.buf[nl - 1] == b'\r' { 2 } else { 1 };
            if nl + 1 - ending > self.limits.max_line {
                return Err(FrameError::LineTooLong { limit: self.limits.max_line });
            }
            let mut line = self.buf.split_to(nl + 1).freeze();
            line.truncate(nl + 1 - ending);
            let command = line.split(|b| *b == b' ').next().unwrap_or(&[]);
            if !carries_payload(command, self.direction) {
                return Ok(Some(Frame { line, payload: None }));
            }
            let len = self.payload_len(&line)?;
            self.pending = Some((line, len));
        }
        let (_, len) = self.pending.as_ref().expect("pending set above");
        let len = *len;
        if self.buf.len() < len {
            return Ok(None);
        }
        let payload = self.buf.split_to(len).freeze();
        let (line, _) = self.pending.take().expect("pending set above");
        Ok(Some(Frame { line, payload: Some(payload) }))
    }

    fn payload_len(&self, line: &[u8]) -> Result<usize, FrameError> {
        let bad = || FrameError::BadPayloadLength {
            command: String::from_utf8_lossy(line.split(|b| *b == b' ').next().unwrap_or(&[])).into_owned(),
        };
        let last = line.split(|b| *b == b' ').filter(|t| !t.is_empty()).skip(1).last().ok_or_else(bad)?;
        if last.is_empty() || last.len() > 20 || !last.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        let len: u64 = std::str::from_utf8(last).ok().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        if len > self.limits.max_payload as u64 {
            return Err(FrameError::PayloadTooLarge { len, limit: self.limits.max_payload });
        }
        Ok(len as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(dir: Direction, input: &[u8]) -> Vec<Frame> {
        let mut f = Framer::new(dir, Limits::default());
        f.push(input);
        std::iter::from_fn(|| f.next_frame().unwrap()).collect()
    }

    #[test]
    fn splits_lines_and_payloads() {
        let fr = frames(Direction::ToClient, b"ACK 3\r\nMSG a b 5\r\nhi\r\nxNLN NLN a b\r\n");
        assert_eq!(fr.len(), 3);
        assert_eq!(fr[1].payload.as_deref(), Some(&b"hi\r\nx"[..]));
        assert_eq!(fr[2].line, &b"NLN NLN a b"[..]);
    }

    #[test]
    fn qry_payload_depends_on_direction() {
        assert_eq!(frames(Direction::ToClient, b"QRY 51\r\n")[0].payload, None);
        let c = frames(Direction::ToServer, b"QRY 51 PROD0061VRRZH@4F 32\r\n5b0151b7fd3b704f8a05f5cbd39a20d2");
        assert_eq!(c[0].payload.as_ref().unwrap().len(), 32);
    }

    #[test]
    fn huge_length_is_an_error_not_an_allocation() {
        let mut f = Framer::new(Direction::ToClient, Limits::default());
        f.push(b"MSG a b 4294967295\r\n");
        assert!(matches!(f.next_frame(), Err(FrameError::PayloadTooLarge { .. })));
        // The framer stays failed: later bytes cannot be trusted.
        f.push(b"ACK 1\r\n");
        assert!(f.next_frame().is_err());
    }

    #[test]
    fn long_line_without_newline_is_an_error() {
        let mut f = Framer::new(Direction::ToClient, Limits { max_line: 16, max_payload: 16 });
        f.push(&[b'A'; 40]);
        assert_eq!(f.next_frame(), Err(FrameError::LineTooLong { limit: 16 }));
    }

    #[test]
    fn non_numeric_length_is_an_error() {
        let mut f = Framer::new(Direction::ToClient, Limits::default());
        f.push(b"MSG a b -1\r\n");
        assert!(matches!(f.next_frame(), Err(FrameError::BadPayloadLength { .. })));
    }

    #[test]
    fn waits_for_the_whole_payload() {
        let mut f = Framer::new(Direction::ToClient, Limits::default());
        f.push(b"MSG a b 4\r\nab");
        assert_eq!(f.next_frame(), Ok(None));
        f.push(b"cd");
        assert_eq!(f.next_frame().unwrap().unwrap().payload.unwrap(), &b"abcd"[..]);
    }
}
