use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::fmt;

/// Characters left as they are in a text parameter: the URL "unreserved" set
/// plus `@`, as MSN clients leave them. Everything else (space, `%`, markup of
/// an msnobj, every non-ASCII byte) is escaped.
const PARAM: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'@');

/// A URL-encoded text parameter (friendly name, group name, msnobj, phone
/// number), held decoded. Decoding is lenient as real servers require: raw
/// UTF-8 passes through, an invalid escape such as `%ZZ` stays literal, and
/// invalid UTF-8 is replaced rather than rejected.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Name(String);

impl Name {
    pub fn new(s: impl Into<String>) -> Self {
        Name(s.into())
    }
    /// Decode a wire parameter.
    pub fn from_wire(raw: &str) -> Self {
        Name(crate::text::percent_decode(raw))
    }
    /// Encode for the wire: never contains a space or a line break.
    pub fn to_wire(&self) -> String {
        utf8_percent_encode(&self.0, PARAM).to_string()
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}
impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl From<&str> for Name {
    fn from(s: &str) -> Self {
        Name(s.to_owned())
    }
}
impl From<String> for Name {
    fn from(s: String) -> Self {
        Name(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_escapes() {
        let n = Name::from_wire("%E8%B5%B5%E7%82%AF%7E%7E");
        assert_eq!(n.as_str(), "赵炯~~");
    }

    #[test]
    fn keeps_raw_utf8_and_invalid_escapes() {
        assert_eq!(Name::from_wire("å¨èª").as_str(), "å¨èª");
        assert_eq!(Name::from_wire("100%ZZ").as_str(), "100%ZZ");
        assert_eq!(Name::from_wire("bad%").as_str(), "bad%");
    }

    #[test]
    fn encodes_spaces_percent_and_unicode() {
        let n = Name::new("Ann 100% ✓\r\n");
        let w = n.to_wire();
        assert_eq!(w, "Ann%20100%25%20%E2%9C%93%0D%0A");
        assert_eq!(Name::from_wire(&w), n);
    }
}
