//! Text off the wire, read leniently and fast: real servers and clients send
//! invalid UTF-8 and stray `%` now and then, and a 1,000-contact `SYN` is
//! thousands of these reads in one go.

use std::borrow::Cow;

/// Bytes as text, invalid UTF-8 replaced (never rejected). Valid input, the
/// usual case, is checked with the standard library's word-at-a-time
/// validator; `String::from_utf8_lossy` alone walks it a byte at a time.
pub fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// `%XX` escapes decoded; an escape that is not two hex digits (`%ZZ`, a
/// trailing `%`) stays literal, and invalid UTF-8 in the result is replaced.
/// The runs between escapes are copied whole.
pub fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let Some(first) = memchr::memchr(b'%', bytes) else {
        return raw.to_owned();
    };
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..first]);
    let mut rest = &bytes[first..];
    while let Some((&b, after)) = rest.split_first() {
        let escaped = match after {
            [h, l, ..] if b == b'%' => hex(*h).zip(hex(*l)).map(|(h, l)| h << 4 | l),
            _ => None,
        };
        match escaped {
            Some(v) => {
                out.push(v);
                rest = &after[2..];
            }
            None => {
                // Copy up to the next `%` (or the end) in one go.
                let run = memchr::memchr(b'%', after).map_or(rest.len(), |i| i + 1);
                out.extend_from_slice(&rest[..run]);
                rest = &rest[run..];
            }
        }
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use percent_encoding::percent_decode_str;
    use proptest::prelude::*;

    #[test]
    fn decodes_escapes_and_keeps_what_is_not_one() {
        assert_eq!(percent_decode("a%20b%E2%9C%93"), "a b✓");
        assert_eq!(percent_decode("100%ZZ%"), "100%ZZ%");
        assert_eq!(percent_decode("%%41%4"), "%A%4");
        assert_eq!(percent_decode("%FF"), "\u{FFFD}");
        assert_eq!(lossy(b"ok\xff"), "ok\u{FFFD}");
    }

    proptest! {
        /// The same answer as the percent-encoding crate's lenient decoder,
        /// on anything.
        #[test]
        fn agrees_with_the_percent_encoding_crate(s in "([%0-9a-fA-FzZ ]|\\PC){0,40}") {
            prop_assert_eq!(percent_decode(&s), percent_decode_str(&s).decode_utf8_lossy().into_owned());
        }

        #[test]
        fn lossy_agrees_with_std(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(lossy(&b), String::from_utf8_lossy(&b));
        }
    }
}
