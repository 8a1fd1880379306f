//! Passport addresses.

use std::fmt;
use std::hash::{Hash, Hasher};

/// A Passport (sign-in) address. It is checked once, where it enters
/// ([`Email::parse`] for what a person typed), and compares, orders and hashes
/// without regard to ASCII case, as MSN servers treat addresses. It is shown
/// as it was given.
#[derive(Debug, Clone)]
pub struct Email(String);

/// Why a typed address is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidEmail {
    #[error("enter an address like name@example.com")]
    Shape,
    #[error("an address has no spaces or control characters")]
    Characters,
    #[error("an address is at most {MAX_LEN} characters")]
    TooLong,
}

/// The longest address MSN accepted.
pub const MAX_LEN: usize = 129;

impl Email {
    /// Check an address a person typed: `name@domain.tld`, nothing the line
    /// protocol cannot carry, at most [`MAX_LEN`] bytes. Surrounding spaces
    /// are dropped.
    pub fn parse(s: &str) -> Result<Email, InvalidEmail> {
        let s = s.trim();
        if s.len() > MAX_LEN {
            return Err(InvalidEmail::TooLong);
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(InvalidEmail::Characters);
        }
        let shaped = s.split_once('@').is_some_and(|(user, domain)| {
            !user.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        });
        if shaped { Ok(Email(s.to_owned())) } else { Err(InvalidEmail::Shape) }
    }

    /// An address as a server sent it: taken as it is (a server's notion of
    /// an address wins over ours), still compared without regard to case.
    pub fn from_wire(s: impl Into<String>) -> Email {
        Email(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lower-case form, for keys that must be plain strings (storage).
    pub fn folded(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// Whether `other` (as a server wrote it) is this address.
    pub fn is(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl PartialEq for Email {
    fn eq(&self, other: &Self) -> bool {
        self.is(&other.0)
    }
}

impl Eq for Email {}

impl PartialEq<str> for Email {
    fn eq(&self, other: &str) -> bool {
        self.is(other)
    }
}

impl PartialEq<&str> for Email {
    fn eq(&self, other: &&str) -> bool {
        self.is(other)
    }
}

impl Hash for Email {
    fn hash<H: Hasher>(&self, h: &mut H) {
        for b in self.0.bytes() {
            h.write_u8(b.to_ascii_lowercase());
        }
        h.write_u8(0xff);
    }
}

impl PartialOrd for Email {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Email {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.bytes().map(|b| b.to_ascii_lowercase()).cmp(other.0.bytes().map(|b| b.to_ascii_lowercase()))
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Email {
    type Err = InvalidEmail;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Email::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn typed_addresses_are_checked() {
        assert_eq!(Email::parse("  Bob@Example.com ").unwrap().as_str(), "Bob@Example.com");
        for bad in
            ["", "bob", "@example.com", "bob@", "bob@example", "bob@.com", "bob@example.", "a@b@c.com", "b@x..com"]
        {
            assert_eq!(Email::parse(bad).unwrap_err(), InvalidEmail::Shape, "{bad:?}");
        }
        assert_eq!(Email::parse("bo b@example.com").unwrap_err(), InvalidEmail::Characters);
        assert_eq!(Email::parse("bob@exa\u{7}mple.com").unwrap_err(), InvalidEmail::Characters);
        let long = format!("{}@example.com", "a".repeat(MAX_LEN));
        assert_eq!(Email::parse(&long).unwrap_err(), InvalidEmail::TooLong);
    }

    #[test]
    fn case_does_not_matter_but_is_kept() {
        let a = Email::parse("Alice@Example.COM").unwrap();
        let b = Email::from_wire("alice@example.com");
        assert_eq!(a, b);
        assert!(a == "ALICE@example.com");
        assert_eq!(a.to_string(), "Alice@Example.COM");
        assert_eq!(a.folded(), "alice@example.com");
        let set: HashSet<Email> = [a, b].into_iter().collect();
        assert_eq!(set.len(), 1);
        assert!(Email::from_wire("a@x") < Email::from_wire("B@x"));
    }
}
