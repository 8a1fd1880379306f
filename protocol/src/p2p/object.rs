//! MSN objects (`<msnobj .../>`): what names a display picture or custom
//! emoticon, with the SHA-1 of its data (`SHA1D`) and of its own fields
//! (`SHA1C`), so that a picture can be cached by content and checked.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha1::{Digest, Sha1};

/// `Type` values.
pub mod kind {
    pub const EMOTICON: u32 = 2;
    pub const DISPLAY_PICTURE: u32 = 3;
    pub const BACKGROUND: u32 = 5;
    pub const WINK: u32 = 8;
    pub const VOICE_CLIP: u32 = 11;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsnObject {
    pub creator: String,
    /// Bytes of data it names.
    pub size: u64,
    pub kind: u32,
    pub location: String,
    pub friendly: String,
    /// Base64 SHA-1 of the data: the cache key, and what received data is
    /// checked against.
    pub sha1d: String,
    /// Base64 SHA-1 of the fields; absent in the oldest clients' objects.
    pub sha1c: Option<String>,
}

fn attr<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = xml;
    loop {
        let i = rest.find(name)?;
        let before_ok = i == 0 || rest.as_bytes()[i - 1].is_ascii_whitespace();
        let after = rest[i + name.len()..].trim_start();
        if before_ok && let Some(v) = after.strip_prefix('=') {
            let v = v.trim_start();
            let q = v.chars().next()?;
            if q == '"' || q == '\'' {
                let end = v[1..].find(q)?;
                return Some(&v[1..1 + end]);
            }
        }
        rest = &rest[i + name.len()..];
    }
}

fn b64_sha1(parts: &[&[u8]]) -> String {
    let mut h = Sha1::new();
    for p in parts {
        h.update(p);
    }
    B64.encode(h.finalize())
}

impl MsnObject {
    /// Read `<msnobj .../>` (already URL-decoded); attribute order and
    /// quoting vary between clients. `None` when a required field is
    /// missing or malformed; `<msnobj/>` (no object) is `None` too.
    pub fn parse(xml: &str) -> Option<MsnObject> {
        let xml = xml.trim();
        if !xml.starts_with("<msnobj") {
            return None;
        }
        Some(MsnObject {
            creator: attr(xml, "Creator")?.to_owned(),
            size: attr(xml, "Size")?.parse().ok()?,
            kind: attr(xml, "Type")?.parse().ok()?,
            location: attr(xml, "Location").unwrap_or("0").to_owned(),
            friendly: attr(xml, "Friendly").unwrap_or("AAA=").to_owned(),
            sha1d: attr(xml, "SHA1D").filter(|s| !s.is_empty())?.to_owned(),
            sha1c: attr(xml, "SHA1C").map(str::to_owned),
        })
    }

    /// The object for `data`, with both hashes computed.
    pub fn for_data(creator: &str, kind: u32, location: &str, data: &[u8]) -> MsnObject {
        let mut o = MsnObject {
            creator: creator.to_owned(),
            size: data.len() as u64,
            kind,
            location: location.to_owned(),
            friendly: "AAA=".to_owned(),
            sha1d: b64_sha1(&[data]),
            sha1c: None,
        };
        o.sha1c = Some(o.fields_hash());
        o
    }

    /// SHA1C: the hash of the fields, names and values run together.
    pub fn fields_hash(&self) -> String {
        let (size, kind) = (self.size.to_string(), self.kind.to_string());
        b64_sha1(&[
            b"Creator",
            self.creator.as_bytes(),
            b"Size",
            size.as_bytes(),
            b"Type",
            kind.as_bytes(),
            b"Location",
            self.location.as_bytes(),
            b"Friendly",
            self.friendly.as_bytes(),
            b"SHA1D",
            self.sha1d.as_bytes(),
        ])
    }

    /// Whether `data` is what this object names (size and SHA1D).
    pub fn matches(&self, data: &[u8]) -> bool {
        data.len() as u64 == self.size && b64_sha1(&[data]) == self.sha1d
    }

    pub fn to_xml(&self) -> String {
        let mut s = format!(
            "<msnobj Creator=\"{}\" Size=\"{}\" Type=\"{}\" Location=\"{}\" Friendly=\"{}\" SHA1D=\"{}\"",
            self.creator, self.size, self.kind, self.location, self.friendly, self.sha1d
        );
        if let Some(c) = &self.sha1c {
            s.push_str(&format!(" SHA1C=\"{c}\""));
        }
        s.push_str("/>");
        s
    }

    /// The object as an SLP `Context`: base64 of its XML with a NUL.
    pub fn to_context(&self) -> String {
        let mut x = self.to_xml().into_bytes();
        x.push(0);
        B64.encode(x)
    }

    pub fn from_context(context: &str) -> Option<MsnObject> {
        let raw = B64.decode(context.trim()).ok()?;
        let end = raw.iter().position(|b| *b == 0).unwrap_or(raw.len());
        MsnObject::parse(std::str::from_utf8(&raw[..end]).ok()?)
    }
}

/// The `Context` of a file-transfer invitation: the file's name and size
/// (and room for a preview this client neither sends nor shows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileContext {
    pub name: String,
    pub size: u64,
}

/// The name field: 550 bytes of UTF-16LE, NUL-padded.
const NAME_BYTES: usize = 550;
/// Header (20) + name + 4 trailing bytes: what the classic clients send.
const CONTEXT_LEN: usize = 20 + NAME_BYTES + 4;

impl FileContext {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(CONTEXT_LEN);
        out.extend_from_slice(&(CONTEXT_LEN as u32).to_le_bytes());
        out.extend_from_slice(&2u32.to_le_bytes());
        out.extend_from_slice(&self.size.to_le_bytes());
        // 1: no preview follows.
        out.extend_from_slice(&1u32.to_le_bytes());
        let mut name: Vec<u8> = self.name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        // Keep whole UTF-16 units and room for the NUL.
        name.truncate((NAME_BYTES - 2) & !1);
        name.resize(NAME_BYTES, 0);
        out.extend_from_slice(&name);
        out.extend_from_slice(&[0xff; 4]);
        out
    }

    pub fn parse(b: &[u8]) -> Option<FileContext> {
        if b.len() < 20 + 2 {
            return None;
        }
        let size = u64::from_le_bytes(b[8..16].try_into().ok()?);
        let name_end = b.len().min(20 + NAME_BYTES);
        let units: Vec<u16> =
            b[20..name_end].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).take_while(|u| *u != 0).collect();
        Some(FileContext { name: String::from_utf16_lossy(&units), size })
    }

    pub fn to_context(&self) -> String {
        B64.encode(self.to_bytes())
    }

    pub fn from_context(context: &str) -> Option<FileContext> {
        FileContext::parse(&B64.decode(context.trim()).ok()?)
    }
}
