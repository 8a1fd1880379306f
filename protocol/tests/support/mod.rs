//! Loads `transcripts/*.txt` (format documented in `transcripts/convert.py`).
#![allow(dead_code)]

use msnp::codec::{Direction, Role};
use msnp::types::Dialect;

#[derive(Debug, Clone)]
pub struct Entry {
    pub dir: Direction,
    pub line: String,
    pub payload: Option<Vec<u8>>,
}

impl Entry {
    pub fn bytes(&self) -> Vec<u8> {
        let mut b = self.line.as_bytes().to_vec();
        b.extend_from_slice(b"\r\n");
        if let Some(p) = &self.payload {
            b.extend_from_slice(p);
        }
        b
    }
    pub fn command(&self) -> &str {
        self.line.split(' ').next().unwrap_or("")
    }
}

#[derive(Debug, Clone)]
pub struct Section {
    pub file: String,
    pub name: String,
    pub role: Role,
    pub dialect: Dialect,
    pub entries: Vec<Entry>,
}

impl Section {
    pub fn server_bytes(&self) -> Vec<u8> {
        self.entries.iter().filter(|e| e.dir == Direction::ToClient).flat_map(Entry::bytes).collect()
    }
    pub fn client_lines(&self) -> Vec<&Entry> {
        self.entries.iter().filter(|e| e.dir == Direction::ToServer).collect()
    }
}

fn finish(file: &str, e: &mut Entry, body: &mut Vec<String>) {
    if e.payload.is_none() {
        return;
    }
    let declared: usize = e.line.rsplit(' ').next().and_then(|n| n.parse().ok()).expect("payload length");
    let mut p = body.join("\r\n").into_bytes();
    // Logs lose trailing CRLFs; put them back up to the declared length.
    while p.len() < declared {
        p.extend_from_slice(b"\r\n");
    }
    assert!(p.len() <= declared + 1, "{file}: payload of {:?} longer than declared", e.line);
    p.truncate(declared);
    e.payload = Some(p);
    body.clear();
}

pub fn load(file: &str) -> Vec<Section> {
    let path = format!("{}/tests/transcripts/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut sections: Vec<Section> = Vec::new();
    let mut body: Vec<String> = Vec::new();
    for raw in text.lines() {
        if raw.starts_with('#') || raw.trim().is_empty() {
            continue;
        }
        if let Some(rest) = raw.strip_prefix("@ ") {
            if let Some(e) = sections.last_mut().and_then(|s| s.entries.last_mut()) {
                finish(file, e, &mut body);
            }
            let mut it = rest.split(' ');
            let name = it.next().unwrap().to_owned();
            let role = if it.next() == Some("SB") { Role::Switchboard } else { Role::Notification };
            let dialect = it.next().unwrap().parse().unwrap();
            sections.push(Section { file: file.into(), name, role, dialect, entries: vec![] });
            continue;
        }
        let sec = sections.last_mut().expect("line before first @ section");
        if let Some(p) = raw.strip_prefix('+') {
            body.push(p.strip_prefix(' ').unwrap_or(p).to_owned());
            sec.entries.last_mut().expect("payload without command").payload.get_or_insert_with(Vec::new);
            continue;
        }
        if let Some(e) = sec.entries.last_mut() {
            finish(file, e, &mut body);
        }
        let (dir, line) = match raw.split_at(3) {
            ("C: ", l) => (Direction::ToServer, l),
            ("S: ", l) => (Direction::ToClient, l),
            _ => panic!("{file}: bad line {raw:?}"),
        };
        let cmd = line.split(' ').next().unwrap_or("").as_bytes();
        // A zero-length payload has no `+` lines but is still a payload.
        let payload = msnp::codec::framer::carries_payload(cmd, dir).then(Vec::new);
        sec.entries.push(Entry { dir, line: line.to_owned(), payload });
    }
    if let Some(e) = sections.last_mut().and_then(|s| s.entries.last_mut()) {
        finish(file, e, &mut body);
    }
    sections
}

pub const FILES: &[&str] = &[
    "escargot-msnp2-two-users.txt",
    "escargot-msnp8-twn-two-users.txt",
    "amsn-msnp9-log.txt",
    "switchboard-walkthrough.txt",
    "reference-forms.txt",
];

pub fn all() -> Vec<Section> {
    FILES.iter().flat_map(|f| load(f)).collect()
}

pub fn section(file: &str, name: &str) -> Section {
    load(file).into_iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no section {name} in {file}"))
}
