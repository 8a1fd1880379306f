//! MSNSLP: the SIP-like text that negotiates P2P sessions (`INVITE`,
//! `200 OK`, `603 Decline`, `BYE`), carried as the data of P2P messages.

use super::P2pError;

/// Display pictures and custom emoticons.
pub const EUF_OBJECT: &str = "{A4268EEC-FEC5-49E5-95C3-F126696BDBF6}";
/// File transfer.
pub const EUF_FILE: &str = "{5D3E02AB-6190-11D3-BBBB-00C04F795683}";

pub const REQ_BODY: &str = "application/x-msnmsgr-sessionreqbody";
pub const CLOSE_BODY: &str = "application/x-msnmsgr-sessionclosebody";
/// A peer offering a direct connection for a session (and my answer).
pub const TRANS_REQ_BODY: &str = "application/x-msnmsgr-transreqbody";
pub const TRANS_RESP_BODY: &str = "application/x-msnmsgr-transrespbody";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    /// `INVITE MSNMSGR:bob@example.com MSNSLP/1.0`
    Request { method: String, to: String },
    /// `MSNSLP/1.0 200 OK`
    Status { code: u16, reason: String },
}

/// One MSNSLP message: start line, headers, and a body of `Name: value`
/// fields (all the bodies this client deals in are such).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlpMessage {
    pub start: StartLine,
    /// In order, without `Content-Length` (computed when written).
    pub headers: Vec<(String, String)>,
    pub body: Vec<(String, String)>,
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split("\r\n").flat_map(|l| l.split('\n')).map(|l| l.trim_end_matches('\r'))
}

fn fields(text: &str) -> Vec<(String, String)> {
    lines(text).filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect()
}

impl SlpMessage {
    /// Read a message; the text ends at the first NUL.
    pub fn parse(b: &[u8]) -> Result<SlpMessage, P2pError> {
        let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
        let text = std::str::from_utf8(&b[..end]).map_err(|_| P2pError::Slp("not UTF-8".into()))?;
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
        let mut ls = lines(head);
        let first = ls.next().unwrap_or_default();
        let start = if let Some(rest) = first.strip_prefix("MSNSLP/1.0 ") {
            let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
            let code = code.parse().map_err(|_| P2pError::Slp(format!("bad status line {first:?}")))?;
            StartLine::Status { code, reason: reason.to_owned() }
        } else {
            let mut parts = first.split(' ');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(method), Some(to), Some("MSNSLP/1.0")) if !method.is_empty() => StartLine::Request {
                    method: method.to_owned(),
                    to: to.strip_prefix("MSNMSGR:").unwrap_or(to).to_owned(),
                },
                _ => return Err(P2pError::Slp(format!("bad start line {first:?}"))),
            }
        };
        let headers = fields(&ls.collect::<Vec<_>>().join("\r\n"))
            .into_iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("Content-Length"))
            .collect();
        Ok(SlpMessage { start, headers, body: fields(body) })
    }

    /// The message as sent: `Content-Length` counts the body and its NUL.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = String::new();
        for (k, v) in &self.body {
            body.push_str(&format!("{k}: {v}\r\n"));
        }
        body.push_str("\r\n");
        let mut out = match &self.start {
            StartLine::Request { method, to } => format!("{method} MSNMSGR:{to} MSNSLP/1.0\r\n"),
            StartLine::Status { code, reason } => format!("MSNSLP/1.0 {code} {reason}\r\n"),
        };
        for (k, v) in &self.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len() + 1));
        out.push_str(&body);
        let mut bytes = out.into_bytes();
        bytes.push(0);
        bytes
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.body.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn call_id(&self) -> Option<&str> {
        self.header("Call-ID")
    }

    /// The session this message is about, from the body.
    pub fn session_id(&self) -> Option<u32> {
        self.field("SessionID").and_then(|s| s.parse().ok())
    }

    pub fn method(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { method, .. } => Some(method),
            StartLine::Status { .. } => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match &self.start {
            StartLine::Status { code, .. } => Some(*code),
            StartLine::Request { .. } => None,
        }
    }
}

/// What identifies one negotiation: both ends, the call and its branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    pub me: String,
    pub peer: String,
    pub call_id: String,
    pub branch: String,
}

impl Dialog {
    fn headers(&self, cseq: u32, content_type: &str) -> Vec<(String, String)> {
        let h = |k: &str, v: String| (k.to_owned(), v);
        vec![
            h("To", format!("<msnmsgr:{}>", self.peer)),
            h("From", format!("<msnmsgr:{}>", self.me)),
            h("Via", format!("MSNSLP/1.0/TLP ;branch={}", self.branch)),
            h("CSeq", cseq.to_string()),
            h("Call-ID", self.call_id.clone()),
            h("Max-Forwards", "0".into()),
            h("Content-Type", content_type.into()),
        ]
    }

    fn body(fields: &[(&str, String)]) -> Vec<(String, String)> {
        fields.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
    }

    /// Ask the peer for a session of `euf_guid` with this context.
    pub fn invite(&self, session: u32, euf_guid: &str, app_id: u32, context: &str) -> SlpMessage {
        SlpMessage {
            start: StartLine::Request { method: "INVITE".into(), to: self.peer.clone() },
            headers: self.headers(0, REQ_BODY),
            body: Self::body(&[
                ("EUF-GUID", euf_guid.into()),
                ("SessionID", session.to_string()),
                ("AppID", app_id.to_string()),
                ("Context", context.into()),
            ]),
        }
    }

    /// Answer a peer's offer of a direct connection: a page cannot listen,
    /// so `Listening: false` with a null nonce, and the data stays on the
    /// switchboard. Senders such as MSN 7, Kopete and Miranda ask this after
    /// the `200 OK` and send nothing until they have the answer.
    pub fn no_direct_connection(&self) -> SlpMessage {
        SlpMessage {
            start: StartLine::Status { code: 200, reason: "OK".into() },
            headers: self.headers(1, TRANS_RESP_BODY),
            body: Self::body(&[
                ("Bridge", "TCPv1".into()),
                ("Listening", "false".into()),
                ("Nonce", "{00000000-0000-0000-0000-000000000000}".into()),
            ]),
        }
    }

    /// Answer an invitation: `200 OK` or `603 Decline`.
    pub fn answer(&self, session: u32, accept: bool) -> SlpMessage {
        let (code, reason) = if accept { (200, "OK") } else { (603, "Decline") };
        SlpMessage {
            start: StartLine::Status { code, reason: reason.into() },
            headers: self.headers(1, REQ_BODY),
            body: Self::body(&[("SessionID", session.to_string())]),
        }
    }

    /// End a session (finished, or cancelled by either side).
    pub fn bye(&self, session: u32) -> SlpMessage {
        SlpMessage {
            start: StartLine::Request { method: "BYE".into(), to: self.peer.clone() },
            headers: self.headers(0, CLOSE_BODY),
            body: Self::body(&[("SessionID", session.to_string())]),
        }
    }
}
