//! Conversation history, kept in this browser (IndexedDB, `store::HISTORY`)
//! per account and conversation: one record a message, keyed
//! `[account, with, at, n]` (`with`: the other people, lower-case, sorted,
//! comma-joined; `n` keeps two messages of the same millisecond apart), its
//! value the sender, their name, the kind and the text, joined by U+001F.
//! Search, export and deletion work on what is read back.

use crate::store::{HISTORY, Store};
use js_sys::Array;
use wasm_bindgen::JsValue;

/// One message as history keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub with: String,
    /// ms since 1970.
    pub at: f64,
    pub from: String,
    pub from_name: String,
    pub kind: EntryKind,
    pub text: String,
}

/// What a line of history is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Text,
    Nudge,
    /// What happened rather than what was said (a file received, say): its
    /// text is the whole line.
    Notice,
}

impl EntryKind {
    fn code(self) -> &'static str {
        match self {
            EntryKind::Text => "t",
            EntryKind::Nudge => "n",
            EntryKind::Notice => "i",
        }
    }
    /// An unknown code (a later version's) reads as text.
    fn from_code(code: &str) -> EntryKind {
        match code {
            "n" => EntryKind::Nudge,
            "i" => EntryKind::Notice,
            _ => EntryKind::Text,
        }
    }
}

impl Entry {
    /// The line as a person reads it, without its time.
    pub fn what(&self) -> String {
        match self.kind {
            EntryKind::Text => format!("{}: {}", self.from_name, self.text),
            EntryKind::Nudge => format!("{} sent a nudge.", self.from_name),
            EntryKind::Notice => self.text.clone(),
        }
    }
}

const SEP: char = '\u{1F}';

/// The key part naming a conversation: its people, sorted.
pub fn with_key<S: AsRef<str>>(people: &[S]) -> String {
    let mut v: Vec<String> = people.iter().map(|p| crate::web::lower(p.as_ref())).collect();
    crate::order::sort_by(&mut v, Ord::cmp);
    v.join(",")
}

fn encode(e: &Entry) -> String {
    format!("{}{SEP}{}{SEP}{}{SEP}{}", e.from, e.from_name, e.kind.code(), e.text)
}

fn decode(key: &Array, value: &str) -> Option<Entry> {
    let with = key.get(1).as_string()?;
    let at = key.get(2).as_f64()?;
    let mut parts = value.splitn(4, SEP);
    let (from, from_name, kind, text) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let kind = EntryKind::from_code(kind);
    Some(Entry { with, at, from: from.into(), from_name: from_name.into(), kind, text: text.into() })
}

fn prefix(account: &str, with: Option<&str>) -> Array {
    let a = Array::of1(&JsValue::from_str(account));
    if let Some(w) = with {
        a.push(&JsValue::from_str(w));
    }
    a
}

pub async fn write(store: &Store, account: &str, e: &Entry) -> Result<(), String> {
    let n = js_sys::Math::random();
    let key = Array::of4(&account.into(), &e.with.as_str().into(), &e.at.into(), &n.into());
    store.put_text(HISTORY, &key, &encode(e)).await
}

/// One conversation's messages (all of the account's with `None`), oldest first.
pub async fn read(store: &Store, account: &str, with: Option<&str>) -> Result<Vec<Entry>, String> {
    let rows = store.prefixed(HISTORY, &prefix(account, with)).await?;
    Ok(rows.iter().filter_map(|(k, v)| decode(k, v)).collect())
}

pub async fn delete(store: &Store, account: &str, with: Option<&str>) -> Result<(), String> {
    store.delete_prefixed(HISTORY, &prefix(account, with)).await
}

/// `at` as this machine's local date and time, `YYYY-MM-DD HH:MM`.
pub fn stamp(at: f64) -> String {
    let d = js_sys::Date::new(&at.into());
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// What a search looks at, lower-cased once: the text, the sender's name
/// and address, the conversation, and the date (`YYYY-MM-DD HH:MM`).
#[derive(Debug, Default)]
pub struct Index {
    pub entries: Vec<Entry>,
    hay: Vec<String>,
}

impl Index {
    pub fn new(entries: Vec<Entry>) -> Index {
        let hay = entries
            .iter()
            .map(|e| {
                crate::web::lower(&format!("{}\n{}\n{}\n{}\n{}", e.text, e.from_name, e.from, e.with, stamp(e.at)))
            })
            .collect();
        Index { entries, hay }
    }

    /// The newest `limit` entries holding every word of `query` (a word is
    /// a piece of text, a name or address, or a date such as 2026-11-29).
    pub fn search(&self, query: &str, limit: usize) -> Vec<usize> {
        let words: Vec<String> = query.split_whitespace().map(crate::web::lower).collect();
        if words.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<usize> =
            (0..self.hay.len()).filter(|&i| words.iter().all(|w| self.hay[i].contains(w.as_str()))).collect();
        crate::order::sort_by(&mut hits, |a, b| self.entries[*b].at.total_cmp(&self.entries[*a].at));
        hits.truncate(limit);
        hits
    }

    /// Conversations with how many messages each and the newest's time,
    /// newest first.
    pub fn conversations(&self) -> Vec<(String, usize, f64)> {
        let mut map: std::collections::BTreeMap<&str, (usize, f64)> = std::collections::BTreeMap::new();
        for e in &self.entries {
            let c = map.entry(e.with.as_str()).or_default();
            c.0 += 1;
            c.1 = c.1.max(e.at);
        }
        let mut v: Vec<(String, usize, f64)> = map.into_iter().map(|(w, (n, at))| (w.to_owned(), n, at)).collect();
        crate::order::sort_by(&mut v, |a, b| b.2.total_cmp(&a.2));
        v
    }
}

fn line(e: &Entry) -> String {
    format!("{} {}", stamp(e.at), e.what())
}

/// Plain text, a line a message, conversations one after the other.
pub fn export_text(entries: &[&Entry]) -> String {
    let mut out = String::new();
    let mut last = "";
    for e in entries {
        if e.with != last {
            out.push_str(&format!("\n== Conversation with {} ==\n", e.with));
            last = &e.with;
        }
        out.push_str(&line(e));
        out.push('\n');
    }
    out.trim_start().to_owned()
}

/// HTML, every piece of text escaped: what people wrote stays text.
pub fn export_html(entries: &[&Entry]) -> String {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let mut out = String::from(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>MSN Messenger history</title></head><body>\n",
    );
    let mut last = "";
    for e in entries {
        if e.with != last {
            if !last.is_empty() {
                out.push_str("</ul>\n");
            }
            out.push_str(&format!("<h2>Conversation with {}</h2>\n<ul>\n", esc(&e.with)));
            last = &e.with;
        }
        out.push_str(&format!("<li>{}</li>\n", esc(&line(e))));
    }
    if !last.is_empty() {
        out.push_str("</ul>\n");
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn e(with: &str, at: f64, text: &str) -> Entry {
        Entry {
            with: with.into(),
            at,
            from: "bob@x.com".into(),
            from_name: "Bob".into(),
            kind: EntryKind::Text,
            text: text.into(),
        }
    }

    #[test]
    fn search_needs_every_word_and_gives_the_newest_first() {
        let ix = Index::new(vec![
            e("bob@x.com", 1.0, "lunch at noon"),
            e("bob@x.com", 2.0, "Lunch tomorrow?"),
            e("carol@x.com", 3.0, "dinner"),
        ]);
        assert_eq!(ix.search("lunch", 10), vec![1, 0]);
        assert_eq!(ix.search("LUNCH noon", 10), vec![0]);
        assert_eq!(ix.search("carol", 10), vec![2]);
        assert!(ix.search("   ", 10).is_empty());
        assert_eq!(ix.conversations().first().map(|c| c.0.as_str()), Some("carol@x.com"));
    }

    #[test]
    fn the_html_export_keeps_text_text() {
        let x = e("bob@x.com", 1.0, "<script>alert(1)</script> & \"so\"");
        let html = export_html(&[&x]);
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;so&quot;"), "{html}");
        assert!(!html.contains("<script>"));
        assert!(export_text(&[&x]).contains("Bob: <script>alert(1)</script>"));
    }

    #[test]
    fn every_kind_of_line_is_kept_as_it_was_and_read_as_a_person_would() {
        let key = Array::of4(&"me".into(), &"bob@x.com".into(), &JsValue::from_f64(5.0), &JsValue::from_f64(0.0));
        for (kind, text, line) in [
            (EntryKind::Text, "hi: there", "Bob: hi: there"),
            (EntryKind::Nudge, "", "Bob sent a nudge."),
            (EntryKind::Notice, "You received a.jpg (2.0 KB) from Bob.", "You received a.jpg (2.0 KB) from Bob."),
        ] {
            let x = Entry { kind, text: text.into(), at: 5.0, ..e("bob@x.com", 5.0, "") };
            let back = decode(&key, &encode(&x)).unwrap();
            assert_eq!(back, x);
            assert_eq!(back.what(), line);
        }
        // A kind written by a later version reads as text, not as nothing.
        let later = format!("bob@x.com{SEP}Bob{SEP}z{SEP}something new");
        assert_eq!(decode(&key, &later).unwrap().kind, EntryKind::Text);
    }

    #[test]
    fn a_conversation_is_named_by_its_people_in_order() {
        assert_eq!(with_key(&["Carol@x.com", "bob@x.com"]), "bob@x.com,carol@x.com");
    }
}
