//! `MSG` payloads: MIME-style headers, a blank line, a body. [`MimeMessage`]
//! is the raw form (nothing lost); [`MessageBody`] is the typed reading.

pub mod personal;
pub mod split;
pub use personal::{media_text, psm_xml, xml_text};

/// Headers in order (names as sent) and the raw body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MimeMessage {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Parse `Name: value` lines (CRLF or LF) up to a blank line.
fn parse_header_lines(text: &str) -> Vec<(String, String)> {
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim_start().to_owned()))
        .collect()
}

impl MimeMessage {
    /// Never fails: a payload without a blank line is all headers.
    pub fn parse(bytes: &[u8]) -> Self {
        let (head, body) = match find(bytes, b"\r\n\r\n") {
            Some(i) => (&bytes[..i], &bytes[i + 4..]),
            None => match find(bytes, b"\n\n") {
                Some(i) => (&bytes[..i], &bytes[i + 2..]),
                None => (bytes, &[][..]),
            },
        };
        MimeMessage { headers: parse_header_lines(&crate::text::lossy(head)), body: body.to_vec() }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128 + self.body.len());
        for (k, v) in &self.headers {
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }

    /// Header value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The media type without parameters, lower-cased.
    pub fn content_type(&self) -> String {
        self.header("Content-Type").unwrap_or("text/plain").split(';').next().unwrap_or("").trim().to_ascii_lowercase()
    }

    fn with(content_type: &str, extra: Vec<(String, String)>, body: Vec<u8>) -> Self {
        let mut headers =
            vec![("MIME-Version".to_owned(), "1.0".to_owned()), ("Content-Type".to_owned(), content_type.to_owned())];
        headers.extend(extra);
        MimeMessage { headers, body }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Text effects (`EF=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Effects {
    pub bold: bool,
    pub italic: bool,
    pub underline: bool,
    pub strikethrough: bool,
}

/// `X-MMS-IM-Format`: how the sender wants their text drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextFormat {
    /// Font family, decoded.
    pub font: String,
    pub effects: Effects,
    /// Colour as 0xRRGGBB. The wire carries BGR hex (`ff` is red).
    pub color: u32,
    /// Windows charset number (`CS=`, hex on the wire).
    pub charset: u8,
    /// Pitch and family (`PF=`).
    pub pitch: u8,
    pub right_to_left: bool,
}

impl Default for TextFormat {
    fn default() -> Self {
        TextFormat {
            font: "Microsoft Sans Serif".into(),
            effects: Effects::default(),
            color: 0,
            charset: 0,
            pitch: 22,
            right_to_left: false,
        }
    }
}

fn swap_rb(c: u32) -> u32 {
    ((c & 0xFF) << 16) | (c & 0xFF00) | ((c >> 16) & 0xFF)
}

impl TextFormat {
    /// Lenient: unknown or broken fields keep their defaults.
    pub fn parse(s: &str) -> Self {
        let mut f = TextFormat::default();
        for part in s.split(';') {
            let Some((k, v)) = part.trim().split_once('=') else {
                continue;
            };
            match k {
                "FN" => f.font = crate::types::Name::from_wire(v).into_string(),
                "EF" => {
                    f.effects = Effects {
                        bold: v.contains('B'),
                        italic: v.contains('I'),
                        underline: v.contains('U'),
                        strikethrough: v.contains('S'),
                    }
                }
                "CO" => f.color = u32::from_str_radix(v, 16).map(swap_rb).unwrap_or(0) & 0xFF_FFFF,
                "CS" => f.charset = u8::from_str_radix(v, 16).unwrap_or(0),
                "PF" => f.pitch = v.parse().unwrap_or(22),
                "RL" => f.right_to_left = v == "1",
                _ => {}
            }
        }
        f
    }

    pub fn to_header(&self) -> String {
        let e = &self.effects;
        let ef: String = [(e.bold, 'B'), (e.italic, 'I'), (e.underline, 'U'), (e.strikethrough, 'S')]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, c)| *c)
            .collect();
        let mut s = format!(
            "FN={}; EF={}; CO={:x}; CS={:x}; PF={}",
            crate::types::Name::new(self.font.clone()).to_wire(),
            ef,
            swap_rb(self.color),
            self.charset,
            self.pitch
        );
        if self.right_to_left {
            s.push_str("; RL=1");
        }
        s
    }

    /// CSS `#rrggbb` for rendering.
    pub fn css_color(&self) -> String {
        format!("#{:06x}", self.color)
    }
}

/// `Invitation-Command` of a `text/x-msmsgsinvite` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteCommand {
    Invite,
    Accept,
    Cancel,
    Other(String),
}

/// The typed reading of a message payload.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageBody {
    /// `text/plain`: what a person typed. `id` (header [`MESSAGE_ID`], ours;
    /// other clients ignore it) names it, so that a message sent again after
    /// a lost acknowledgement is shown once.
    Text { text: String, format: Option<TextFormat>, id: Option<String> },
    /// `text/x-msmsgscontrol` with `TypingUser`.
    Typing { user: String },
    /// `text/x-msnmsgr-datacast` `ID: 1`.
    Nudge,
    /// Other datacasts: 2 wink, 3 voice clip, 4 action text.
    Datacast { id: u32, data: Option<String> },
    /// `text/x-msmsgsinvite` (file transfer, voice): its fields in order.
    Invite { command: InviteCommand, cookie: Option<String>, fields: Vec<(String, String)> },
    /// `text/x-msmsgsprofile`, right after login: the header fields.
    Profile { fields: Vec<(String, String)> },
    /// `text/x-msmsgsinitialemailnotification`.
    InitialEmail { inbox_unread: u32, folders_unread: u32 },
    /// `text/x-msmsgsemailnotification`: a new mail.
    NewEmail { from: String, subject: String, from_addr: Option<String> },
    /// `text/x-mms-emoticon` (MSNP9+), or `text/x-mms-animemoticon` when
    /// `animated`: the custom emoticons the next text uses, each its
    /// shortcut and its MSN object (raw XML, fetched like a display picture).
    Emoticons { animated: bool, items: Vec<(String, String)> },
    /// `application/x-msnmsgrp2p` (MSNP9+, ack mode `D`): a P2P message
    /// (see [`crate::p2p`]) for `dest` only, though everyone in the
    /// conversation receives it.
    P2p { dest: String, data: Vec<u8> },
    /// `text/x-msnweb-receipt` (ours): the ids of text messages that reached
    /// the person who sends it. A server's `ACK` says only that it handed a
    /// message to their connection, which can still die with it in flight;
    /// what is not receipted is sent again when they come back. Sent only to
    /// those whose messages carry ids ([`MESSAGE_ID`]): other clients never
    /// see one.
    Receipt { ids: Vec<String> },
    /// Any other type, kept whole.
    Other(MimeMessage),
}

fn get(fields: &[(String, String)], name: &str) -> Option<String> {
    fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
}

impl MessageBody {
    pub fn text(text: impl Into<String>, format: TextFormat) -> Self {
        MessageBody::Text { text: text.into(), format: Some(format), id: None }
    }

    /// Never fails; anything unrecognised is `Other`.
    pub fn parse(bytes: &[u8]) -> Self {
        let m = MimeMessage::parse(bytes);
        let body_fields = || parse_header_lines(&crate::text::lossy(&m.body));
        match m.content_type().as_str() {
            "text/plain" => MessageBody::Text {
                text: crate::text::lossy(&m.body).into_owned(),
                format: m.header("X-MMS-IM-Format").map(TextFormat::parse),
                id: m.header(MESSAGE_ID).map(|i| i.trim().to_owned()).filter(|i| !i.is_empty() && i.len() <= 64),
            },
            "text/x-msmsgscontrol" => match m.header("TypingUser") {
                Some(u) if !u.is_empty() => MessageBody::Typing { user: u.trim().to_owned() },
                _ => MessageBody::Other(m),
            },
            "text/x-msnmsgr-datacast" => {
                let f = body_fields();
                match get(&f, "ID").and_then(|v| v.trim().parse().ok()) {
                    Some(1) => MessageBody::Nudge,
                    Some(id) => MessageBody::Datacast { id, data: get(&f, "Data") },
                    None => MessageBody::Other(m),
                }
            }
            "text/x-msmsgsinvite" => {
                let fields = body_fields();
                let command = match get(&fields, "Invitation-Command").as_deref() {
                    Some("INVITE") => InviteCommand::Invite,
                    Some("ACCEPT") => InviteCommand::Accept,
                    Some("CANCEL") => InviteCommand::Cancel,
                    other => InviteCommand::Other(other.unwrap_or_default().to_owned()),
                };
                MessageBody::Invite { command, cookie: get(&fields, "Invitation-Cookie"), fields }
            }
            kind @ ("text/x-mms-emoticon" | "text/x-mms-animemoticon") => {
                let text = crate::text::lossy(&m.body);
                let parts: Vec<&str> = text.split('\t').map(|p| p.trim_matches(['\r', '\n'])).collect();
                let items: Vec<(String, String)> = parts
                    .chunks_exact(2)
                    .filter(|p| !p[0].is_empty() && p[1].trim_start().starts_with("<msnobj"))
                    .map(|p| (p[0].to_owned(), p[1].trim().to_owned()))
                    .collect();
                if items.is_empty() {
                    MessageBody::Other(m)
                } else {
                    MessageBody::Emoticons { animated: kind == "text/x-mms-animemoticon", items }
                }
            }
            RECEIPT => MessageBody::Receipt {
                ids: crate::text::lossy(&m.body)
                    .split(['\r', '\n'])
                    .map(str::trim)
                    .filter(|i| !i.is_empty() && i.len() <= 64)
                    .map(str::to_owned)
                    .collect(),
            },
            "application/x-msnmsgrp2p" => match m.header("P2P-Dest") {
                Some(dest) => MessageBody::P2p { dest: dest.trim().to_owned(), data: m.body },
                None => MessageBody::Other(m),
            },
            "text/x-msmsgsprofile" => MessageBody::Profile {
                fields: m.headers.iter().filter(|(k, _)| k != "MIME-Version" && k != "Content-Type").cloned().collect(),
            },
            "text/x-msmsgsinitialemailnotification" => {
                let f = body_fields();
                let n = |k| get(&f, k).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
                MessageBody::InitialEmail { inbox_unread: n("Inbox-Unread"), folders_unread: n("Folders-Unread") }
            }
            "text/x-msmsgsemailnotification" => {
                let f = body_fields();
                MessageBody::NewEmail {
                    from: get(&f, "From").unwrap_or_default(),
                    subject: get(&f, "Subject").unwrap_or_default(),
                    from_addr: get(&f, "From-Addr"),
                }
            }
            _ => MessageBody::Other(m),
        }
    }

    pub fn to_mime(&self) -> MimeMessage {
        let kv = |k: &str, v: String| (k.to_owned(), v);
        let lines =
            |f: &[(String, String)]| f.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect::<String>().into_bytes();
        match self {
            MessageBody::Text { text, format, id } => MimeMessage::with(
                "text/plain; charset=UTF-8",
                format
                    .iter()
                    .map(|f| kv("X-MMS-IM-Format", f.to_header()))
                    .chain(id.iter().map(|i| kv(MESSAGE_ID, i.clone())))
                    .collect(),
                text.as_bytes().to_vec(),
            ),
            MessageBody::Typing { user } => {
                MimeMessage::with("text/x-msmsgscontrol", vec![kv("TypingUser", user.clone())], Vec::new())
            }
            MessageBody::Nudge => MimeMessage::with("text/x-msnmsgr-datacast", vec![], b"ID: 1\r\n\r\n".to_vec()),
            MessageBody::Datacast { id, data } => {
                let mut f = vec![kv("ID", id.to_string())];
                f.extend(data.iter().map(|d| kv("Data", d.clone())));
                let mut body = lines(&f);
                body.extend_from_slice(b"\r\n");
                MimeMessage::with("text/x-msnmsgr-datacast", vec![], body)
            }
            MessageBody::Invite { fields, .. } => {
                let mut body = lines(fields);
                body.extend_from_slice(b"\r\n");
                MimeMessage::with("text/x-msmsgsinvite; charset=UTF-8", vec![], body)
            }
            MessageBody::Profile { fields } => {
                MimeMessage::with("text/x-msmsgsprofile; charset=UTF-8", fields.clone(), Vec::new())
            }
            MessageBody::InitialEmail { inbox_unread, folders_unread } => {
                let f =
                    [kv("Inbox-Unread", inbox_unread.to_string()), kv("Folders-Unread", folders_unread.to_string())];
                let mut body = lines(&f);
                body.extend_from_slice(b"\r\n");
                MimeMessage::with("text/x-msmsgsinitialemailnotification; charset=UTF-8", vec![], body)
            }
            MessageBody::NewEmail { from, subject, from_addr } => {
                let mut f = vec![kv("From", from.clone()), kv("Subject", subject.clone())];
                f.extend(from_addr.iter().map(|a| kv("From-Addr", a.clone())));
                let mut body = lines(&f);
                body.extend_from_slice(b"\r\n");
                MimeMessage::with("text/x-msmsgsemailnotification; charset=UTF-8", vec![], body)
            }
            MessageBody::Emoticons { animated, items } => {
                let body: String = items.iter().map(|(shortcut, object)| format!("{shortcut}\t{object}\t")).collect();
                let kind = if *animated { "text/x-mms-animemoticon" } else { "text/x-mms-emoticon" };
                MimeMessage::with(kind, vec![], body.into_bytes())
            }
            MessageBody::P2p { dest, data } => {
                MimeMessage::with("application/x-msnmsgrp2p", vec![kv("P2P-Dest", dest.clone())], data.clone())
            }
            MessageBody::Receipt { ids } => MimeMessage::with(
                RECEIPT,
                vec![],
                ids.iter().map(|i| format!("{i}\r\n")).collect::<String>().into_bytes(),
            ),
            MessageBody::Other(m) => m.clone(),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_mime().to_bytes()
    }
}

/// The header naming a text message, so that the receiver shows a message
/// sent again (its acknowledgement was lost) only once.
pub const MESSAGE_ID: &str = "X-MsnWeb-Message-Id";

/// The content type of a [`MessageBody::Receipt`].
pub const RECEIPT: &str = "text/x-msnweb-receipt";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_message_id_goes_and_comes_back_and_others_have_none() {
        let body = MessageBody::Text { text: "hi".into(), format: None, id: Some("0123abcd.0".into()) };
        let bytes = body.to_bytes();
        assert!(crate::text::lossy(&bytes).contains("X-MsnWeb-Message-Id: 0123abcd.0\r\n"));
        assert_eq!(MessageBody::parse(&bytes), body);
        let plain = MessageBody::parse(b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhi");
        assert!(matches!(plain, MessageBody::Text { id: None, .. }));
    }

    #[test]
    fn capture_text_message_is_122_bytes_and_parses() {
        let body = MessageBody::Text {
            text: "Hello Bob".into(),
            format: Some(TextFormat { font: "Arial".into(), ..TextFormat::default() }),
            id: None,
        };
        let bytes = body.to_bytes();
        // Matches `MSG 3 A 122` in the Escargot captures byte for byte.
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=22\r\n\r\nHello Bob"
        );
        assert_eq!(bytes.len(), 122);
        assert_eq!(MessageBody::parse(&bytes), body);
    }

    #[test]
    fn typing_message_matches_capture_length() {
        let r = MessageBody::Receipt { ids: vec!["1a.0".into(), "1b.2".into()] };
        assert_eq!(MessageBody::parse(&r.to_bytes()), r, "a receipt reads back");
        let b = MessageBody::Typing { user: "alice@example.com".into() }.to_bytes();
        assert_eq!(b.len(), 88);
        assert_eq!(MessageBody::parse(&b), MessageBody::Typing { user: "alice@example.com".into() });
    }

    #[test]
    fn colour_is_bgr_on_the_wire() {
        let f = TextFormat::parse("FN=Comic%20Sans%20MS; EF=BI; CO=ff; CS=0; PF=0");
        assert_eq!(f.color, 0xFF0000, "ff on the wire is red");
        assert_eq!(f.font, "Comic Sans MS");
        assert!(f.effects.bold && f.effects.italic && !f.effects.underline);
        assert_eq!(TextFormat::parse(&f.to_header()), f);
        assert_eq!(f.css_color(), "#ff0000");
    }

    #[test]
    fn nudge_and_unknown_types() {
        assert_eq!(MessageBody::parse(&MessageBody::Nudge.to_bytes()), MessageBody::Nudge);
        let raw = b"MIME-Version: 1.0\r\nContent-Type: application/x-weird\r\nX: y\r\n\r\nbody";
        match MessageBody::parse(raw) {
            MessageBody::Other(m) => assert_eq!(m.to_bytes(), raw.to_vec()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn seed_log_notifications() {
        let email = b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinitialemailnotification; charset=UTF-8\r\n\r\nInbox-Unread: 0\r\nFolders-Unread: 138\r\nInbox-URL: /cgi-bin/HoTMaiL\r\n\r\n";
        assert_eq!(MessageBody::parse(email), MessageBody::InitialEmail { inbox_unread: 0, folders_unread: 138 });
        let invite = b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\nInvitation-Command: CANCEL\r\nCancel-Code: TIMEOUT\r\nInvitation-Cookie: 106932\r\n\r\n";
        match MessageBody::parse(invite) {
            MessageBody::Invite { command, cookie, .. } => {
                assert_eq!(command, InviteCommand::Cancel);
                assert_eq!(cookie.as_deref(), Some("106932"));
            }
            other => panic!("{other:?}"),
        }
    }
}
