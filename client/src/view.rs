//! Pure helpers for rendering: no DOM, so they are unit-tested natively.

use crate::state::{ContactView, GroupView};
use msnp::types::Status;
use std::rc::Rc;

/// A file name from someone else, made safe to save as: no folders, no
/// control or direction-changing characters, no leading dots, not too long.
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(*c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
        })
        .map(|c| if matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|') { '_' } else { c })
        .collect();
    let trimmed: String = clean.trim().trim_start_matches('.').chars().take(200).collect();
    if trimmed.trim().is_empty() { "file".to_owned() } else { trimmed }
}

/// A size as a person reads it: 1,234 bytes, 12.3 KB, 4.5 MB.
pub fn human_size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} bytes"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// A transfer's speed and time left, once bytes move.
pub fn transfer_rate(done: u64, size: u64, started: f64, last: f64) -> Option<String> {
    let secs = (last - started) / 1000.0;
    if secs <= 0.0 || done == 0 {
        return None;
    }
    let rate = done as f64 / secs;
    let left = (size.saturating_sub(done)) as f64 / rate;
    Some(format!("{}/s, {} s left", human_size(rate as u64), left.ceil() as u64))
}

/// A status as a person reads it (the protocol has only the three-letter codes).
pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::Online => "Online",
        Status::Busy => "Busy",
        Status::Idle => "Idle",
        Status::BeRightBack => "Be Right Back",
        Status::Away => "Away",
        Status::OnThePhone => "On the Phone",
        Status::OutToLunch => "Out to Lunch",
        Status::Hidden => "Appear Offline",
        Status::Offline => "Offline",
        // A status added to the protocol later: its code until it has words.
        other => other.code(),
    }
}

/// A contact list section: a group, or Online/Offline when there are none.
#[derive(Debug, Clone, PartialEq)]
pub struct Section<'a> {
    /// The server's group id; `None` for the sections we make up.
    pub id: Option<String>,
    pub name: String,
    pub contacts: Vec<&'a Rc<ContactView>>,
    pub online: usize,
}

impl Section<'_> {
    /// Which section this is, across drawings: a group by its id (it keeps
    /// it when renamed), the others by name.
    pub fn key(&self) -> String {
        match &self.id {
            Some(id) => format!("group {id}"),
            None => self.name.clone(),
        }
    }
}

/// Online people first, each part by name. The rows come in name order (the
/// network actor keeps them so), which is only checked here: sorting
/// thousands of rows at every drawing was a tenth of a presence change.
fn online_first(mut v: Vec<&Rc<ContactView>>) -> Vec<&Rc<ContactView>> {
    if !v.is_sorted_by(|a, b| a.sort_key <= b.sort_key) {
        crate::order::sort_by(&mut v, |a, b| a.sort_key.cmp(&b.sort_key));
    }
    let (on, off): (Vec<_>, Vec<_>) = v.into_iter().partition(|c| c.status != Status::Offline);
    on.into_iter().chain(off).collect()
}

/// Groups in server order, contacts with no group last ("Other Contacts");
/// without groups (MSNP2-6), "Online" and "Offline".
pub fn sections<'a>(contacts: &'a [Rc<ContactView>], groups: &[GroupView]) -> Vec<Section<'a>> {
    let count = |v: &[&Rc<ContactView>]| v.iter().filter(|c| c.status != Status::Offline).count();
    if groups.is_empty() {
        let (on, off): (Vec<_>, Vec<_>) = contacts.iter().partition(|c| c.status != Status::Offline);
        let on = online_first(on);
        let off = online_first(off);
        let n = on.len();
        return vec![
            Section { id: None, name: "Online".into(), contacts: on, online: n },
            Section { id: None, name: "Offline".into(), contacts: off, online: 0 },
        ];
    }
    let mut out: Vec<Section<'a>> = groups
        .iter()
        .map(|g| {
            let v = online_first(contacts.iter().filter(|c| c.groups.contains(&g.id)).collect());
            Section { id: Some(g.id.clone()), name: g.name.clone(), online: count(&v), contacts: v }
        })
        .collect();
    let known: Vec<&String> = groups.iter().map(|g| &g.id).collect();
    let rest = online_first(contacts.iter().filter(|c| !c.groups.iter().any(|g| known.contains(&g))).collect());
    if !rest.is_empty() {
        out.push(Section { id: None, name: "Other Contacts".into(), online: count(&rest), contacts: rest });
    }
    out
}

/// The sections with only the contacts whose name or address contains
/// `query` (any case; blank: all of them), and without those left empty.
pub fn matching<'a>(sections: Vec<Section<'a>>, query: &str) -> Vec<Section<'a>> {
    let q = crate::web::lower(query.trim());
    if q.is_empty() {
        return sections;
    }
    sections
        .into_iter()
        .filter_map(|mut s| {
            s.contacts.retain(|c| c.sort_key.contains(&q) || c.email.contains(&q));
            s.online = s.contacts.iter().filter(|c| c.status != Status::Offline).count();
            (!s.contacts.is_empty()).then_some(s)
        })
        .collect()
}

/// Empty places after the `shown` elements of a list that keeps up to
/// `max`. Yew matches an unkeyed list from its end, and moved every element
/// of a keyed one when an element was appended (measured: all of them, on
/// each message); with the list always this long, a new element fills the
/// next place and nothing else is touched.
pub fn room_to_grow(shown: usize, max: usize) -> impl Iterator<Item = yew::Html> {
    std::iter::repeat_with(yew::Html::default).take(max.saturating_sub(shown))
}

/// "alice is typing..." for one or more people.
pub fn typing_text(names: &[String]) -> Option<String> {
    match names {
        [] => None,
        [one] => Some(format!("{one} is typing a message...")),
        many => Some(format!("{} are typing...", many.join(", "))),
    }
}

/// Colour class for a status icon.
pub fn status_class(s: Status) -> &'static str {
    match s {
        Status::Online => "st-online",
        Status::Busy | Status::OnThePhone => "st-busy",
        Status::Idle | Status::BeRightBack | Status::Away | Status::OutToLunch => "st-away",
        _ => "st-offline",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    fn c(email: &str, st: Status, groups: &[&str]) -> Rc<ContactView> {
        Rc::new(ContactView {
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            ..ContactView::new(email.into(), email.into(), st)
        })
    }

    #[test]
    fn file_names_are_made_safe_to_save() {
        assert_eq!(safe_file_name("holiday.jpg"), "holiday.jpg");
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("C:\\Windows\\evil.exe"), "evil.exe");
        assert_eq!(safe_file_name(".bashrc"), "bashrc");
        assert_eq!(safe_file_name("photo\u{202e}gpj.exe"), "photogpj.exe");
        assert_eq!(safe_file_name("a\nb\u{0}c?.txt"), "abc_.txt");
        assert_eq!(safe_file_name("..."), "file");
        assert_eq!(safe_file_name(&"x".repeat(500)).chars().count(), 200);
        assert_eq!(human_size(512), "512 bytes");
        assert_eq!(human_size(1536), "1.5 KB");
        assert_eq!(human_size(3 << 20), "3.0 MB");
        assert_eq!(transfer_rate(1 << 20, 2 << 20, 0.0, 1000.0).as_deref(), Some("1.0 MB/s, 1 s left"));
        assert_eq!(transfer_rate(0, 10, 0.0, 0.0), None);
    }

    #[test]
    fn online_offline_without_groups() {
        let cs = [c("b@x", Status::Offline, &[]), c("a@x", Status::Away, &[])];
        let s = sections(&cs, &[]);
        assert_eq!(s[0].name, "Online");
        assert_eq!(s[0].contacts[0].email, "a@x");
        assert_eq!(s[1].contacts[0].email, "b@x");
    }

    #[test]
    fn groups_count_online_and_keep_ungrouped() {
        let cs = [c("a@x", Status::Online, &["1"]), c("b@x", Status::Offline, &["1"]), c("z@x", Status::Busy, &[])];
        let gs = [GroupView { id: "1".into(), name: "Friends".into() }];
        let s = sections(&cs, &gs);
        assert_eq!((s[0].name.as_str(), s[0].online, s[0].contacts.len()), ("Friends", 1, 2));
        assert_eq!(s[0].id.as_deref(), Some("1"));
        assert_eq!((s[1].name.as_str(), s[1].id.as_deref()), ("Other Contacts", None));
    }

    #[test]
    fn typing_sentence() {
        assert_eq!(typing_text(&[]), None);
        assert_eq!(typing_text(&["Bob".into()]).unwrap(), "Bob is typing a message...");
    }
}
