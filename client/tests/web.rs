//! Reducer and view-helper tests, run in headless Chromium with
//! wasm-bindgen-test (`cargo test -p client --target wasm32-unknown-unknown`).

use client::state::*;
use client::view::{matching, sections, typing_text};
use msnp::types::Status;
use std::rc::Rc;
use wasm_bindgen_test::*;
use yew::Reducible;

wasm_bindgen_test_configure!(run_in_browser);

fn reduce(s: AppState, actions: Vec<Action>) -> AppState {
    actions.into_iter().fold(Rc::new(s), |s, a| s.reduce(a)).as_ref().clone()
}

fn text(id: u64, from: &str, t: &str, delivery: Delivery) -> ChatMessage {
    ChatMessage {
        id,
        from: from.into(),
        from_name: from.into(),
        kind: MessageKind::Text { text: t.into(), format: None, emoticons: vec![] },
        delivery,
        at: 0.0,
    }
}

#[wasm_bindgen_test]
fn a_long_conversation_lets_its_oldest_go_a_quarter_of_the_window_at_a_time() {
    let max = MAX_SHOWN_MESSAGES as u64;
    let say = |i: u64| Action::Message { conv: 1, message: text(i, "bob@x.com", &i.to_string(), Delivery::Received) };
    let open = Action::Open { id: 1, with: vec!["bob@x.com".into()], focus: true };
    let s = reduce(AppState::default(), std::iter::once(open).chain((0..max).map(say)).collect());
    let ids = |s: &AppState| s.conversation(1).unwrap().messages.iter().map(|m| m.id).collect::<Vec<_>>();
    assert_eq!(ids(&s), (0..max).collect::<Vec<_>>(), "a full window keeps every message");
    // One more: the oldest quarter goes at once, not one per message (each
    // drop draws every message again), and the newest are all there.
    let s = reduce(s, vec![say(max)]);
    let kept = max - max / 4;
    assert_eq!(ids(&s), (max + 1 - kept..=max).collect::<Vec<_>>());
    let s = reduce(s, vec![say(max + 1)]);
    assert_eq!(ids(&s).len() as u64, kept + 1, "nothing more goes until the window is full again");
    assert_eq!(ids(&s).last(), Some(&(max + 1)));
}

#[wasm_bindgen_test]
fn the_protocol_log_lets_its_oldest_go_a_quarter_at_a_time() {
    let line = |i: usize| DebugLine { link: "NS".into(), dir: client::net::debug::Dir::In, text: i.to_string() };
    let texts =
        |s: &AppState| s.debug.as_ref().unwrap().iter().map(|l| l.text.parse().unwrap()).collect::<Vec<usize>>();
    let s = reduce(AppState::default(), vec![Action::Debug, Action::Protocol((0..DEBUG_LINES).map(line).collect())]);
    assert_eq!(texts(&s), (0..DEBUG_LINES).collect::<Vec<_>>());
    let s = reduce(s, vec![Action::Protocol(vec![line(DEBUG_LINES)])]);
    let kept = DEBUG_LINES - DEBUG_LINES / 4;
    assert_eq!(texts(&s), (DEBUG_LINES + 1 - kept..=DEBUG_LINES).collect::<Vec<_>>());
}

#[wasm_bindgen_test]
fn sign_in_then_failure_keeps_the_message() {
    let s = reduce(
        AppState::default(),
        vec![
            Action::Connecting { reconnecting: false },
            Action::Failed("Wrong e-mail address or password (911).".into()),
        ],
    );
    assert_eq!(s.conn, ConnState::Offline);
    assert_eq!(s.error.as_deref(), Some("Wrong e-mail address or password (911)."));
    let s = reduce(s, vec![Action::Connecting { reconnecting: false }]);
    assert_eq!(s.error, None, "a new attempt clears the old error");
}

#[wasm_bindgen_test]
fn messages_get_delivery_states_and_unread_marks() {
    let s = reduce(
        AppState::default(),
        vec![
            Action::Open { id: 1, with: vec!["bob@x.com".into()], focus: true },
            Action::Open { id: 2, with: vec!["carol@x.com".into()], focus: false },
            Action::Message { conv: 1, message: text(10, "me@x.com", "hi", Delivery::Pending) },
            Action::Delivery { conv: 1, id: 10, delivery: Delivery::Failed },
            Action::Message { conv: 2, message: text(11, "carol@x.com", "yo", Delivery::Received) },
        ],
    );
    assert_eq!(s.active, Some(1), "an invitation does not steal focus");
    assert_eq!(s.conversation(1).unwrap().messages[0].delivery, Delivery::Failed);
    assert!(s.conversation(2).unwrap().unread);
    let s = reduce(s, vec![Action::Focus(2)]);
    assert!(!s.conversation(2).unwrap().unread);
}

#[wasm_bindgen_test]
fn a_background_tab_counts_unread_in_the_title_until_it_is_seen() {
    let me = AppState { me: Me { email: "me@x.com".into(), ..Me::default() }, ..AppState::default() };
    let s = reduce(
        me,
        vec![
            Action::Open { id: 1, with: vec!["bob@x.com".into()], focus: true },
            Action::Message { conv: 1, message: text(1, "bob@x.com", "seen", Delivery::Received) },
        ],
    );
    assert_eq!(s.title(), "MSN Messenger", "a message in the open conversation of a visible page is seen");
    let s = reduce(
        s,
        vec![
            Action::PageHidden(true),
            Action::Message { conv: 1, message: text(2, "bob@x.com", "while away", Delivery::Received) },
            Action::Open { id: 2, with: vec!["carol@x.com".into()], focus: false },
            Action::Message { conv: 2, message: text(3, "carol@x.com", "hello?", Delivery::Received) },
        ],
    );
    assert_eq!(s.unread_count(), 2);
    assert_eq!(s.title(), "(2) MSN Messenger");
    // Coming back shows the open conversation; the other stays unread.
    let s = reduce(s, vec![Action::PageHidden(false)]);
    assert_eq!(s.title(), "(1) MSN Messenger");
    // What I send myself is never unread, and visibility survives signing out.
    let s = reduce(
        s,
        vec![
            Action::Focus(2),
            Action::PageHidden(true),
            Action::Message { conv: 2, message: text(4, "ME@x.com", "back", Delivery::Pending) },
        ],
    );
    assert_eq!(s.unread_count(), 0);
    let s = reduce(s, vec![Action::SignedOut]);
    assert!(s.page_hidden);
}

#[wasm_bindgen_test]
fn a_narrow_screen_shows_the_list_or_a_conversation_and_never_steals_the_view() {
    let s = reduce(AppState::default(), vec![Action::Narrow(true)]);
    // An invitation while the list shows: the list stays, the conversation is unread.
    let s = reduce(
        s,
        vec![
            Action::Open { id: 1, with: vec!["bob@x.com".into()], focus: false },
            Action::Message { conv: 1, message: text(1, "bob@x.com", "hi", Delivery::Received) },
        ],
    );
    assert!(s.showing_list);
    assert_eq!(s.on_screen(), None);
    assert_eq!(s.unread_count(), 1);
    // Going to the conversations shows it and marks it seen.
    let s = reduce(s, vec![Action::ShowList(false)]);
    assert_eq!(s.on_screen(), Some(1));
    assert_eq!(s.unread_count(), 0);
    // Back to the list: what arrives now is unread; opening a chat shows it.
    let s = reduce(
        s,
        vec![
            Action::ShowList(true),
            Action::Message { conv: 1, message: text(2, "bob@x.com", "?", Delivery::Received) },
        ],
    );
    assert_eq!(s.unread_count(), 1);
    let s = reduce(s, vec![Action::Open { id: 2, with: vec!["carol@x.com".into()], focus: true }]);
    assert_eq!(s.on_screen(), Some(2));
    assert!(!s.showing_list);
    // The same invitation on a wide screen sits beside the list, seen.
    let s = reduce(
        AppState::default(),
        vec![
            Action::Open { id: 1, with: vec!["bob@x.com".into()], focus: false },
            Action::Message { conv: 1, message: text(1, "bob@x.com", "hi", Delivery::Received) },
        ],
    );
    assert_eq!(s.on_screen(), Some(1));
    assert_eq!(s.unread_count(), 0);
}

#[wasm_bindgen_test]
fn toasts_keep_the_newest_one_per_person_and_a_few_at_most() {
    let t = |id: u64, email: &str| {
        Action::Toast(Toast { id, email: email.into(), text: format!("{email} has just signed in.") })
    };
    let s = reduce(AppState::default(), vec![t(1, "a@x"), t(2, "b@x"), t(3, "a@x")]);
    let ids: Vec<u64> = s.toasts.iter().map(|t| t.id).collect();
    assert_eq!(ids, [2, 3], "a's newer toast replaces the older");
    let s = reduce(s, vec![t(4, "c@x"), t(5, "d@x"), t(6, "e@x")]);
    assert_eq!(s.toasts.len(), MAX_TOASTS);
    assert_eq!(s.toasts[0].id, 3, "the oldest went");
    let s = reduce(s, vec![Action::DismissToast(4)]);
    assert!(s.toasts.iter().all(|t| t.id != 4));
}

#[wasm_bindgen_test]
fn typing_indicators_lapse_and_end_with_a_message() {
    let s = reduce(
        AppState::default(),
        vec![
            Action::Open { id: 1, with: vec!["bob@x.com".into()], focus: true },
            Action::Typing { conv: 1, email: "bob@x.com".into(), until: 100.0 },
        ],
    );
    assert_eq!(s.conversation(1).unwrap().typing.len(), 1);
    assert_eq!(reduce(s.clone(), vec![Action::Tick { now: 50.0 }]).conversation(1).unwrap().typing.len(), 1);
    assert!(reduce(s.clone(), vec![Action::Tick { now: 150.0 }]).conversation(1).unwrap().typing.is_empty());
    let s = reduce(s, vec![Action::Message { conv: 1, message: text(1, "bob@x.com", "done", Delivery::Received) }]);
    assert!(s.conversation(1).unwrap().typing.is_empty());
}

#[wasm_bindgen_test]
fn sign_out_clears_everything_but_the_error() {
    let s = reduce(
        AppState::default(),
        vec![
            Action::SignedIn { email: "a@x.com".into(), name: "A".into(), supports_psm: true },
            Action::Failed("The server is shutting down.".into()),
            Action::SignedOut,
        ],
    );
    assert!(!s.signed_in);
    assert!(s.contacts.is_empty());
    assert_eq!(s.error.as_deref(), Some("The server is shutting down."));
}

/// The browser's lower case (what sort keys, history search and storage
/// keys use) is the standard library's, on text from anywhere.
#[wasm_bindgen_test]
fn lower_case_is_the_browsers_and_the_same_as_rusts() {
    for s in ["Alice", "ÀÉÎÕÜ Ÿ", "ΟΔΟΣ ΑΣ Σ", "İstanbul", "ǅ ǈ", "ẞ straße", "ＡＢＣ", "Привет МИР", "🙂 (H) 123", ""]
    {
        assert_eq!(client::web::lower(s), s.to_lowercase(), "{s}");
    }
}

#[wasm_bindgen_test]
fn view_helpers() {
    let c = |e: &str, st| std::rc::Rc::new(ContactView::new(e.into(), e.into(), st));
    let cs = [c("b@x", Status::Offline), c("a@x", Status::Busy)];
    let s = sections(&cs, &[]);
    assert_eq!((s[0].name.as_str(), s[0].online), ("Online", 1));
    assert_eq!(typing_text(&["Bob".into(), "Carol".into()]).unwrap(), "Bob, Carol are typing...");
}

/// Finding a contact: by any part of the name or address, in any case;
/// sections with nobody found go, and count only who is left.
#[wasm_bindgen_test]
fn a_search_keeps_the_contacts_it_names() {
    let c = |e: &str, n: &str, st| Rc::new(ContactView::new(e.into(), n.into(), st));
    let cs = [
        c("carol@x.com", "Carol Ünal", Status::Online),
        c("dave@x.com", "Dave", Status::Offline),
        c("bob@y.com", "Bob (CAROL's brother)", Status::Offline),
    ];
    let names = |q: &str| -> Vec<(String, usize, Vec<String>)> {
        matching(sections(&cs, &[]), q)
            .into_iter()
            .map(|s| (s.name, s.online, s.contacts.iter().map(|c| c.email.clone()).collect()))
            .collect()
    };
    assert_eq!(names("  "), names(""), "blank: everyone");
    assert_eq!(names("").iter().map(|s| s.2.len()).sum::<usize>(), 3);
    assert_eq!(
        names("CAROL"),
        [("Online".into(), 1, vec!["carol@x.com".into()]), ("Offline".into(), 0, vec!["bob@y.com".into()])]
    );
    assert_eq!(names("ünal"), [("Online".into(), 1, vec!["carol@x.com".into()])]);
    assert_eq!(names("@X.COM").iter().map(|s| s.2.len()).sum::<usize>(), 2, "by address too");
    assert!(names("zzz").is_empty());
}

/// Settings go to localStorage as JSON and come back the same; what
/// another version wrote (extra fields, nulls) still reads; what is not
/// JSON of that shape reads as nothing (and is logged), never a panic.
#[wasm_bindgen_test]
fn settings_survive_local_storage_as_json() {
    use client::settings::Settings;
    let key = "msn-web.test.settings";
    let s = Settings {
        email: "ann@example.com".into(),
        protocol: "MSNP12".into(),
        remember: true,
        color: 0x3a6ea5,
        ..Settings::default()
    };
    client::web::store(key, &s);
    assert_eq!(client::web::stored::<Settings>(key), Some(s.clone()));
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let raw = storage.get_item(key).unwrap().unwrap();
    assert!(raw.contains("\"email\":\"ann@example.com\""), "plain JSON: {raw}");
    storage.set_item(key, &raw.replacen('{', "{\"from_a_later_version\":null,", 1)).unwrap();
    assert_eq!(client::web::stored::<Settings>(key), Some(s));
    storage.set_item(key, "{\"email\": 12").unwrap();
    assert_eq!(client::web::stored::<Settings>(key), None);
    storage.set_item(key, "[1, 2]").unwrap();
    assert_eq!(client::web::stored::<Settings>(key), None);
    client::web::forget(key);
    assert_eq!(storage.get_item(key).unwrap(), None);
}
