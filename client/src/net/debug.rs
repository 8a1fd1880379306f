//! The protocol log behind the debug panel (`?debug` in the page URL): the
//! lines each connection reads and writes, with what would let someone in
//! masked (the login hash or Passport ticket in `USR`, switchboard cookies).
//! It records only while the panel is on.

use crate::state::DebugLine;
use std::collections::HashMap;

/// Which way a line went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    In,
    Out,
    /// Something the client noticed (a line the session skipped).
    Note,
}

impl Dir {
    pub fn arrow(self) -> &'static str {
        match self {
            Dir::In => "<<",
            Dir::Out => ">>",
            Dir::Note => "!!",
        }
    }
}

/// Longest line kept (binary payloads would flood the panel).
const MAX_LINE: usize = 300;
/// Most bytes of an unfinished line kept per connection.
const MAX_PARTIAL: usize = 8 * 1024;
/// What stands in for a secret.
pub const MASK: &str = "***";

#[derive(Debug, Default)]
pub struct ProtocolLog {
    /// Bytes after the last line break, per connection.
    partial: HashMap<String, Vec<u8>>,
}

impl ProtocolLog {
    /// The whole lines `bytes` completes on `link`, masked.
    pub fn record(&mut self, link: &str, dir: Dir, bytes: &[u8]) -> Vec<DebugLine> {
        let buf = self.partial.entry(format!("{link}{}", dir.arrow())).or_default();
        buf.extend_from_slice(bytes);
        let mut lines = Vec::new();
        while let Some(end) = buf.iter().position(|b| *b == b'\n') {
            let raw: Vec<u8> = buf.drain(..=end).collect();
            let text = String::from_utf8_lossy(&raw);
            let text = text.trim_end_matches(['\r', '\n']);
            if !text.is_empty() {
                lines.push(DebugLine { link: link.to_owned(), dir, text: clip(&mask(text)) });
            }
        }
        if buf.len() > MAX_PARTIAL {
            buf.clear();
        }
        lines
    }

    pub fn note(&mut self, link: &str, text: &str) -> DebugLine {
        DebugLine { link: link.to_owned(), dir: Dir::Note, text: clip(&mask(text)) }
    }
}

fn clip(s: &str) -> String {
    if s.len() <= MAX_LINE {
        return s.to_owned();
    }
    let mut end = MAX_LINE;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Mask what would let someone sign in or join a conversation as me:
/// `USR t MD5|TWN S <secret>` (the hash of the password, the ticket),
/// switchboard `USR t email <cookie>`, `ANS t email <cookie> sid`, and the
/// cookies in `XFR ... CKI <cookie>` and `RNG sid addr CKI <cookie> ...`.
pub fn mask(line: &str) -> String {
    let mut t: Vec<String> = line.split(' ').map(str::to_owned).collect();
    let secret_at: Vec<usize> = match t.first().map(String::as_str) {
        Some("USR") if t.get(3).is_some_and(|s| s == "S") => vec![4],
        Some("USR") if t.len() == 4 && t[2].contains('@') => vec![3],
        Some("ANS") if t.len() >= 4 => vec![3],
        Some("XFR") | Some("RNG") => t.iter().position(|x| x == "CKI").map(|i| vec![i + 1]).unwrap_or_default(),
        _ => vec![],
    };
    for i in secret_at {
        if let Some(x) = t.get_mut(i) {
            *x = MASK.to_owned();
        }
    }
    t.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    #[test]
    fn secrets_are_masked_and_the_rest_kept() {
        assert_eq!(mask("USR 3 MD5 S 0a1b2c3d4e5f"), "USR 3 MD5 S ***");
        assert_eq!(mask("USR 4 TWN S t=abc&p=def"), "USR 4 TWN S ***");
        assert_eq!(mask("USR 3 TWN I bob@example.com"), "USR 3 TWN I bob@example.com");
        assert_eq!(mask("USR 1 bob@example.com 1234.5678"), "USR 1 bob@example.com ***");
        assert_eq!(mask("ANS 1 bob@example.com 1234.5678 99"), "ANS 1 bob@example.com *** 99");
        assert_eq!(mask("XFR 9 SB 127.0.0.1:1864 CKI 1234.5678"), "XFR 9 SB 127.0.0.1:1864 CKI ***");
        assert_eq!(mask("RNG 5 127.0.0.1:1864 CKI 17.42 bob@x.com Bob"), "RNG 5 127.0.0.1:1864 CKI *** bob@x.com Bob");
        assert_eq!(mask("MSG 5 A 120"), "MSG 5 A 120");
    }

    #[test]
    fn lines_split_across_reads_are_whole() {
        let mut log = ProtocolLog::default();
        assert!(log.record("NS", Dir::In, b"VER 1 MSN").is_empty());
        let lines = log.record("NS", Dir::In, b"P8\r\nCVR 2 x\r\n");
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["VER 1 MSNP8", "CVR 2 x"]);
    }
}
