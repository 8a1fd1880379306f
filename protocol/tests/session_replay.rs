//! Captured sessions replayed through the state machines with a fixed clock.
//! The server side of a transcript is fed in order; every client line of the
//! transcript must come out of the session, either on its own (login, sync,
//! CHL answers, queued messages) or from the API call a user would make.

mod support;

use msnp::codec::*;
use msnp::message::MessageBody;
use msnp::session::*;
use msnp::types::*;
use std::collections::VecDeque;
use std::time::Duration;
use support::{Entry, Section};
use web_time::Instant;

/// An address as a server would send it (tests use short ones).
fn em(s: &str) -> msnp::types::Email {
    msnp::types::Email::from_wire(s)
}

/// One line the session wrote, decoded.
fn drain_lines(bytes: Vec<u8>, ctx: Context, into: &mut VecDeque<(ClientCommand, Vec<u8>)>) {
    let mut f = Framer::new(Direction::ToServer, Limits::default());
    f.push(&bytes);
    while let Some(frame) = f.next_frame().unwrap() {
        let mut raw = frame.line.to_vec();
        raw.extend_from_slice(b"\r\n");
        raw.extend(frame.payload.iter().flatten());
        into.push_back((decode_client(&frame, ctx).unwrap(), raw));
    }
}

/// How closely a produced client line must match the transcript's.
#[derive(Clone, Copy, PartialEq)]
enum Match {
    /// Same command and TrID (MD5 hashes, capability numbers may differ).
    NameAndTrid,
    /// Same command only (the log's client numbered from 42).
    Name,
}

fn check(expected: &Entry, got: &(ClientCommand, Vec<u8>), m: Match, exact: &[&str], where_: &str) {
    let got_line = String::from_utf8_lossy(&got.1).into_owned();
    let got_first = got_line.lines().next().unwrap_or("").to_owned();
    let name = |l: &str| l.split(' ').next().unwrap_or("").to_owned();
    assert_eq!(
        name(&got_first),
        name(&expected.line),
        "{where_}: expected {:?}, session sent {got_first:?}",
        expected.line
    );
    if m == Match::NameAndTrid {
        let trid = |l: &str| l.split(' ').nth(1).map(str::to_owned);
        assert_eq!(trid(&got_first), trid(&expected.line), "{where_}: {got_first:?} vs {:?}", expected.line);
    }
    if exact.contains(&name(&expected.line).as_str()) {
        assert_eq!(got.1, expected.bytes(), "{where_}: exact bytes");
    }
}

struct NsRun {
    s: NsSession,
    events: Vec<NsEvent>,
}

/// `user` performs the action behind a client line and returns true, or
/// returns false when the line should come from the session by itself later
/// (a real client may pipeline what we send after a reply).
fn replay_ns(
    sec: &Section,
    cfg: NsConfig,
    m: Match,
    exact: &[&str],
    mut user: impl FnMut(&mut NsSession, &Entry) -> bool,
) -> NsRun {
    let t0 = Instant::now();
    let mut s = NsSession::new(cfg);
    let mut produced = VecDeque::new();
    let mut events = Vec::new();
    let mut waiting: VecDeque<(Entry, String)> = VecDeque::new();
    s.start(t0);
    drain_lines(s.poll_transmit().unwrap_or_default(), Context::ns(s.dialect()), &mut produced);
    for (i, e) in sec.entries.iter().enumerate() {
        let now = t0 + Duration::from_millis(i as u64);
        let where_ = format!("{} line {i} {:?}", sec.name, e.line);
        match e.dir {
            Direction::ToClient => s.handle_input(&e.bytes(), now),
            Direction::ToServer => {
                // Once something waits, later lines wait behind it, in order.
                if !waiting.is_empty() || (produced.is_empty() && !user(&mut s, e)) {
                    waiting.push_back((e.clone(), where_.clone()));
                }
            }
        }
        while let Some(ev) = s.poll_event() {
            if let NsEvent::NeedTicket { .. } = ev {
                // The next client line in the transcript carries the ticket.
                let ticket = sec.entries[i + 1..].iter().find(|e| e.line.contains("TWN S")).unwrap();
                let t = ticket.line.rsplit(' ').next().unwrap();
                s.provide_ticket(Secret::new(t), now).unwrap();
            }
            events.push(ev);
        }
        if let Some(b) = s.poll_transmit() {
            drain_lines(b, Context::ns(s.dialect()), &mut produced);
        }
        if e.dir == Direction::ToServer && waiting.is_empty() {
            let got = produced.pop_front().unwrap_or_else(|| panic!("{where_}: session sent nothing"));
            check(e, &got, m, exact, &where_);
        }
        while !waiting.is_empty() && !produced.is_empty() {
            let (want, w) = waiting.pop_front().unwrap();
            check(&want, &produced.pop_front().unwrap(), m, exact, &w);
        }
    }
    assert!(waiting.is_empty(), "{}: never sent {:?}", sec.name, waiting);
    assert!(produced.is_empty(), "{}: unexpected extra lines {:?}", sec.name, produced);
    NsRun { s, events }
}

fn user_actions(s: &mut NsSession, e: &Entry) -> bool {
    let args: Vec<&str> = e.line.split(' ').collect();
    match args[0] {
        "ADD" => {
            s.add_to_list(args[2].parse().unwrap(), &em(args[3]), None).unwrap();
        }
        "XFR" => {
            s.request_switchboard().unwrap();
        }
        "OUT" => s.sign_out(),
        other => panic!("no user action for {other}"),
    }
    true
}

#[test]
fn escargot_msnp2_login_sync_presence_lists() {
    for (who, me, other) in
        [("A-NS", "alice@example.com", "bob@example.com"), ("B-NS", "bob@example.com", "alice@example.com")]
    {
        let sec = support::section("escargot-msnp2-two-users.txt", who);
        let mut cfg = NsConfig::new(em(me), "password");
        cfg.dialects = vec![Dialect::MSNP2];
        let run = replay_ns(&sec, cfg, Match::NameAndTrid, &["VER", "INF", "SYN", "CHG", "ADD", "XFR"], user_actions);
        let ev = &run.events;
        assert!(ev.contains(&NsEvent::DialectChosen(Dialect::MSNP2)));
        assert!(ev.iter().any(|e| matches!(e, NsEvent::LoggedIn { email, .. } if email == me)));
        assert!(ev.contains(&NsEvent::ContactListSynced));
        assert!(ev.contains(&NsEvent::OwnStatus(Status::Online)));
        assert!(matches!(ev.last(), Some(NsEvent::SignedOut(SignOutReason::UserRequested))));
        let c = run.s.contacts().get(other).expect("contact known");
        if who == "A-NS" {
            assert!(c.on(List::Forward) && c.on(List::Allow));
            assert_eq!(c.status, Status::Online, "NLN from bob");
            assert!(ev.iter().any(|e| matches!(e, NsEvent::SwitchboardReady { addr, cookie, .. } if addr == "127.0.0.1:1864" && cookie == "00e4eece09d15ce28d5d")));
        } else {
            assert!(c.on(List::Reverse) && c.on(List::Allow));
            assert!(ev.iter().any(|e| matches!(e, NsEvent::AddedBy { email, .. } if email == other)));
            assert_eq!(run.s.contacts().awaiting_decision().count(), 0, "bob allowed alice");
            assert!(ev.iter().any(|e| matches!(e, NsEvent::Invited { session_id, email, .. } if session_id == "7c6433ca-551a-456e-acf0-89f13b156d37" && email == other)));
            assert_eq!(c.status, Status::Offline, "FLN alice at the end");
        }
    }
}

#[test]
fn escargot_msnp8_twn_login_with_ticket() {
    let sec = support::section("escargot-msnp8-twn-two-users.txt", "A-NS");
    let mut cfg = NsConfig::new(em("alice@example.com"), "unused");
    cfg.dialects = vec![Dialect::MSNP8];
    // CVR, both USRs (including the ticket) and SYN must match byte for byte.
    let run = replay_ns(&sec, cfg, Match::NameAndTrid, &["VER", "CVR", "USR", "SYN", "ADD", "XFR"], user_actions);
    assert!(run.events.iter().any(
        |e| matches!(e, NsEvent::NeedTicket { challenge } if challenge == "ct=1,rver=1,wp=FS_40SEC_0_COMPACT,lc=1,id=1")
    ));
    let bob = run.s.contacts().get("bob@example.com").unwrap();
    assert_eq!(bob.lists, ListMask(3));
    assert_eq!(bob.groups, vec!["0".to_owned()]);
    assert_eq!(run.s.contacts().groups[0].name.as_str(), "Other Contacts");
    assert_eq!(bob.status, Status::Online);
    assert_eq!(bob.caps, Some(Capabilities(0)));
}

#[test]
fn msnp9_log_referral_then_sync_of_42_contacts_and_challenge() {
    let first = support::section("amsn-msnp9-log.txt", "amsn-ns");
    let mut cfg = NsConfig::new(em("sunyin@hotmail.com"), "unused");
    cfg.dialects = vec![Dialect::MSNP9, Dialect::MSNP8];
    cfg.client =
        ClientVersion { os_version: "6.0".into(), client_version: "6.0.0602".into(), ..ClientVersion::default() };
    let run = replay_ns(&first, cfg.clone(), Match::Name, &[], |_, e| panic!("no user action expected: {}", e.line));
    assert!(run.events.contains(&NsEvent::Redirect { addr: "207.46.107.67:1863".into() }));
    assert!(run.s.is_closed());

    let second = support::section("amsn-msnp9-log.txt", "amsn-ns-referred");
    // QRY must be the known answer, byte for byte apart from the TrID.
    // The 2003 client sent CHG before the SYN reply; ours sends it once synced.
    let run = replay_ns(&second, cfg, Match::Name, &[], |_, e| {
        assert!(e.line.starts_with("CHG"), "no user action expected: {}", e.line);
        false
    });
    let ev = &run.events;
    assert!(ev.iter().any(|e| matches!(e, NsEvent::LoggedIn { name, .. } if name.as_str() == ":) (h)")));
    assert!(ev.contains(&NsEvent::ContactListSynced));
    let cl = run.s.contacts();
    assert_eq!(cl.contacts.len(), 42);
    assert_eq!(cl.groups.len(), 5);
    assert_eq!(cl.get("yulei716@hotmail.com").unwrap().status, Status::Away);
    assert_eq!(cl.get("caiying@hotmail.com").unwrap().caps, Some(Capabilities(536870948)));
    assert_eq!(cl.get("jiong_zhao@hotmail.com").unwrap().phones.get("PHM").map(String::as_str), Some("86 13816884612"));
    assert!(ev.iter().any(|e| matches!(e, NsEvent::Notice(MessageBody::Profile { .. }))));
    assert!(ev.contains(&NsEvent::Notice(MessageBody::InitialEmail { inbox_unread: 0, folders_unread: 138 })));
}

#[test]
fn msnp9_challenge_answer_is_exact() {
    let sec = support::section("amsn-msnp9-log.txt", "amsn-ns-referred");
    let chl = sec.entries.iter().find(|e| e.command() == "CHL").unwrap();
    let qry = sec.entries.iter().find(|e| e.command() == "QRY" && e.dir == Direction::ToServer).unwrap();
    // Bring a session online quickly, then feed the CHL.
    let mut cfg = NsConfig::new(em("sunyin@hotmail.com"), "x");
    cfg.dialects = vec![Dialect::MSNP9];
    let t = Instant::now();
    let mut s = NsSession::new(cfg);
    s.start(t);
    for l in ["VER 1 MSNP9", "CVR 2 a b c d e", "USR 3 TWN S x"] {
        s.handle_input(format!("{l}\r\n").as_bytes(), t);
    }
    s.provide_ticket(Secret::new("t"), t).unwrap();
    s.handle_input(b"USR 4 OK sunyin@hotmail.com x 1 0\r\nSYN 5 1 0 0\r\n", t);
    assert!(s.is_online());
    s.poll_transmit();
    s.handle_input(&chl.bytes(), t);
    let out = String::from_utf8(s.poll_transmit().unwrap()).unwrap();
    let want = String::from_utf8(qry.bytes()).unwrap().replacen("QRY 51", "QRY 7", 1);
    assert_eq!(out, want);
}

struct SbRun {
    events: Vec<SbEvent>,
}

fn replay_sb(
    sec: &Section,
    me: &str,
    start: SbStart,
    mut user: impl FnMut(&mut SbSession, &Entry),
    before: impl FnOnce(&mut SbSession),
) -> SbRun {
    let mut s = SbSession::new(em(me), sec.dialect, start);
    s.start(Instant::now());
    before(&mut s);
    let mut produced = VecDeque::new();
    let mut events = Vec::new();
    drain_lines(s.poll_transmit().unwrap_or_default(), Context::sb(sec.dialect), &mut produced);
    for (i, e) in sec.entries.iter().enumerate() {
        let where_ = format!("{} line {i} {:?}", sec.name, e.line);
        match e.dir {
            Direction::ToClient => s.handle_input(&e.bytes(), Instant::now()),
            Direction::ToServer if produced.is_empty() => user(&mut s, e),
            Direction::ToServer => {}
        }
        events.extend(std::iter::from_fn(|| s.poll_event()));
        if let Some(b) = s.poll_transmit() {
            drain_lines(b, Context::sb(sec.dialect), &mut produced);
        }
        if e.dir == Direction::ToServer {
            let got = produced.pop_front().unwrap_or_else(|| panic!("{where_}: session sent nothing"));
            // Switchboard lines are fully determined: compare every byte.
            assert_eq!(String::from_utf8_lossy(&got.1), String::from_utf8_lossy(&e.bytes()), "{where_}");
        }
    }
    assert!(produced.is_empty(), "{}: extra {:?}", sec.name, produced);
    SbRun { events }
}

fn arial(text: &str) -> MessageBody {
    MessageBody::text(text, msnp::message::TextFormat { font: "Arial".into(), ..Default::default() })
}

#[test]
fn escargot_caller_switchboard_queues_until_join() {
    for file in ["escargot-msnp2-two-users.txt", "escargot-msnp8-twn-two-users.txt"] {
        let sec = support::section(file, "A-SB");
        let cookie = sec.entries[0].line.rsplit(' ').next().unwrap().to_owned();
        let run = replay_sb(
            &sec,
            "alice@example.com",
            SbStart::Call { cookie, invitees: vec![em("bob@example.com")] },
            |s, e| match e.command() {
                "MSG" => s.send_typing(),
                "OUT" => s.leave(),
                other => panic!("{other}"),
            },
            // Typed before anyone joined: must wait for bob's JOI.
            |s| {
                s.send_message(arial("Hello Bob"), AckMode::Acknowledged).unwrap();
            },
        );
        let ev = &run.events;
        assert!(ev.contains(&SbEvent::Ringing { email: em("bob@example.com") }));
        assert!(ev.contains(&SbEvent::Sent(MessageId(1))), "ACK 3 confirms the queued message");
        assert!(
            ev.iter().any(
                |e| matches!(e, SbEvent::Message { body: MessageBody::Text { text, .. }, .. } if text == "Hi Alice")
            )
        );
        assert!(ev.contains(&SbEvent::Left { email: em("bob@example.com"), idle: false }));
        assert_eq!(ev.last(), Some(&SbEvent::Closed));
    }
}

#[test]
fn escargot_answerer_switchboard_ignores_own_join() {
    let sec = support::section("escargot-msnp2-two-users.txt", "B-SB");
    let ans = &sec.entries[0].line;
    let parts: Vec<&str> = ans.split(' ').collect();
    let start = SbStart::Answer { cookie: parts[3].into(), session_id: parts[4].into() };
    let run = replay_sb(
        &sec,
        "bob@example.com",
        start,
        |s, e| match e.command() {
            "MSG" => {
                s.send_message(MessageBody::Text { text: "Hi Alice".into(), format: None, id: None }, AckMode::NakOnly)
                    .unwrap();
            }
            "OUT" => s.leave(),
            other => panic!("{other}"),
        },
        |_| {},
    );
    let joined: Vec<_> = run
        .events
        .iter()
        .filter_map(|e| if let SbEvent::Joined { email, .. } = e { Some(email.as_str()) } else { None })
        .collect();
    assert_eq!(joined, ["alice@example.com"], "Escargot's JOI of ourselves is not a participant");
    assert!(run.events.iter().any(
        |e| matches!(e, SbEvent::Message { body: MessageBody::Typing { user }, .. } if user == "alice@example.com")
    ));
}

#[test]
fn closing_with_unacked_and_queued_messages_reports_them_failed() {
    let mut s =
        SbSession::new(em("a@x"), Dialect::MSNP8, SbStart::Call { cookie: "c".into(), invitees: vec![em("b@x")] });
    s.start(Instant::now());
    s.handle_input(b"USR 1 OK a@x a\r\nCAL 2 RINGING 1\r\nJOI b@x b\r\n", Instant::now());
    let sent = s.send_message(arial("one"), AckMode::Acknowledged).unwrap();
    s.handle_input(b"BYE b@x 1\r\n", Instant::now());
    let queued = s.send_message(arial("two"), AckMode::Acknowledged).unwrap();
    s.handle_close();
    let ev: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert!(ev.contains(&SbEvent::Left { email: em("b@x"), idle: true }));
    assert!(ev.contains(&SbEvent::Failed(sent)));
    assert!(ev.contains(&SbEvent::Failed(queued)));
    assert_eq!(ev.last(), Some(&SbEvent::Closed));
}

#[test]
fn a_switchboard_handed_over_still_gives_what_was_delivered_until_the_server_closes() {
    let t = Instant::now();
    let mut s =
        SbSession::new(em("a@x"), Dialect::MSNP8, SbStart::Call { cookie: "c".into(), invitees: vec![em("b@x")] });
    s.start(t);
    assert!(s.is_calling(), "a call nobody has answered yet");
    s.handle_input(b"USR 1 OK a@x a\r\nCAL 2 RINGING 1\r\n", t);
    let queued = s.send_message(arial("waiting"), AckMode::Acknowledged).unwrap();
    s.handle_input(b"JOI b@x b\r\n", t);
    assert!(!s.is_calling());
    let unacked = s.send_message(arial("in flight"), AckMode::Acknowledged).unwrap();
    std::iter::from_fn(|| s.poll_event()).for_each(drop);
    s.poll_transmit();
    s.hand_over();
    assert_eq!(s.poll_transmit().as_deref(), Some(&b"OUT\r\n"[..]));
    assert!(s.is_closed(), "nothing more goes out on it");
    assert!(s.send_message(arial("late"), AckMode::Acknowledged).is_err());
    let ev: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert_eq!(ev, vec![SbEvent::Failed(queued), SbEvent::Failed(unacked)], "what was ours fails at once");
    // The server had delivered this before it read our OUT: it still comes.
    s.handle_input(b"ACK 4\r\nJOI c@x c\r\nMSG b@x b 2\r\nhi", t);
    let ev: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert!(matches!(&ev[0], SbEvent::Message { email, .. } if *email == em("b@x")), "{ev:?}");
    s.handle_input(b"OUT\r\n", t);
    assert_eq!(std::iter::from_fn(|| s.poll_event()).collect::<Vec<_>>(), vec![SbEvent::Closed]);
    // A server that never closes: the session ends by itself, without a word.
    let mut quiet =
        SbSession::new(em("a@x"), Dialect::MSNP8, SbStart::Answer { cookie: "k".into(), session_id: "9".into() });
    quiet.start(t);
    quiet.handle_input(b"IRO 1 1 1 b@x b\r\nANS 1 OK\r\n", t);
    assert!(!quiet.is_calling(), "answering is not calling");
    std::iter::from_fn(|| quiet.poll_event()).for_each(drop);
    quiet.hand_over();
    assert_eq!(quiet.poll_timeout(), Some(t + SB_REPLY_TIMEOUT));
    quiet.handle_timeout(t + SB_REPLY_TIMEOUT);
    assert_eq!(std::iter::from_fn(|| quiet.poll_event()).collect::<Vec<_>>(), vec![SbEvent::Closed]);
}

#[test]
fn wrong_password_is_login_failed_911() {
    let mut cfg = NsConfig::new(em("a@x.com"), "bad");
    cfg.dialects = vec![Dialect::MSNP7];
    let t = Instant::now();
    let mut s = NsSession::new(cfg);
    s.start(t);
    s.handle_input(b"VER 1 MSNP7\r\nINF 2 MD5\r\nUSR 3 MD5 S 123.456\r\n911 4\r\n", t);
    let ev: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert!(ev.contains(&NsEvent::LoginFailed(ErrorCode::AuthenticationFailed)));
    assert!(s.is_closed());
}

/// A TWN session in `dialect` through VER, CVR and the ticket; then the
/// server says `after_ticket` (USR OK, SYN and the list).
fn twn_session(mut cfg: NsConfig, dialect: Dialect, after_ticket: &[u8], t: Instant) -> NsSession {
    cfg.dialects = vec![dialect];
    let mut s = NsSession::new(cfg);
    s.start(t);
    s.handle_input(format!("VER 1 {dialect}\r\nCVR 2 a b c d e\r\nUSR 3 TWN S x\r\n").as_bytes(), t);
    s.provide_ticket(Secret::new("t"), t).unwrap();
    s.handle_input(after_ticket, t);
    s
}

#[test]
fn keepalive_ping_and_missing_qng_times_out() {
    let mut cfg = NsConfig::new(em("a@x.com"), "p");
    cfg.keepalive = Duration::from_secs(30);
    cfg.reply_timeout = Duration::from_secs(10);
    let t = Instant::now();
    let mut s = twn_session(cfg, Dialect::MSNP9, b"USR 4 OK a@x.com a 1 0\r\nSYN 5 1 0 0\r\n", t);
    s.poll_transmit();
    assert_eq!(s.poll_timeout(), Some(t + Duration::from_secs(30)));
    s.handle_timeout(t + Duration::from_secs(30));
    assert_eq!(s.poll_transmit().unwrap(), b"PNG\r\n");
    s.handle_input(b"QNG 50\r\n", t + Duration::from_secs(31));
    s.handle_timeout(t + Duration::from_secs(61));
    assert_eq!(s.poll_transmit().unwrap(), b"PNG\r\n");
    s.handle_timeout(t + Duration::from_secs(72));
    assert!(s.is_closed());
    assert!(std::iter::from_fn(|| s.poll_event()).any(|e| e == NsEvent::SignedOut(SignOutReason::Timeout)));
}

#[test]
fn login_step_times_out_when_server_stays_silent() {
    // Escargot closes or ignores misused commands: never wait forever.
    let t = Instant::now();
    let mut s = NsSession::new(NsConfig::new(em("a@x.com"), "p"));
    s.start(t);
    let deadline = s.poll_timeout().unwrap();
    s.handle_timeout(deadline);
    assert!(s.is_closed());
}

#[test]
fn no_common_dialect_is_reported() {
    let mut cfg = NsConfig::new(em("a@x.com"), "p");
    cfg.dialects = vec![Dialect::MSNP2];
    let t = Instant::now();
    let mut s = NsSession::new(cfg);
    s.start(t);
    s.handle_input(b"VER 1 0\r\n", t);
    let ev: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert!(ev.contains(&NsEvent::NoCommonDialect));
    assert!(s.is_closed());
}

/// The commands a write holds, by name.
fn commands(bytes: Option<Vec<u8>>) -> Vec<String> {
    let text = String::from_utf8(bytes.unwrap_or_default()).unwrap();
    text.lines().map(|l| l.split(' ').next().unwrap().to_owned()).collect()
}

#[test]
fn login_pipelines_what_waits_on_no_answer_when_the_dialect_family_is_known() {
    let t = Instant::now();
    // TWN: VER, CVR and USR I in one write; USR S, SYN and CHG in the next.
    let mut cfg = NsConfig::new(em("a@x.com"), "p");
    cfg.dialects = vec![Dialect::MSNP12, Dialect::MSNP11];
    let mut s = NsSession::new(cfg);
    s.start(t);
    assert_eq!(commands(s.poll_transmit()), ["VER", "CVR", "USR"]);
    s.handle_input(b"VER 1 MSNP12 CVR0\r\nCVR 2 1 1 1 x x\r\nUSR 3 TWN S lc=1033,id=507\r\n", t);
    assert_eq!(s.poll_transmit(), None, "nothing sent again");
    assert!(std::iter::from_fn(|| s.poll_event()).any(|e| matches!(e, NsEvent::NeedTicket { .. })));
    s.provide_ticket(Secret::new("t=1"), t).unwrap();
    assert_eq!(commands(s.poll_transmit()), ["USR", "SYN", "CHG"]);
    s.handle_input(b"USR 4 OK a@x.com 1 0\r\nSYN 5 1 1 0 0\r\nCHG 6 NLN 0\r\n", t);
    let ev: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert!(ev.contains(&NsEvent::ContactListSynced) && ev.contains(&NsEvent::OwnStatus(Status::Online)), "{ev:?}");
    assert!(s.is_online());
    assert_eq!(s.poll_transmit(), None, "CHG is not sent twice");
    // MD5: VER, INF and USR I together; USR S, SYN and CHG together.
    let mut cfg = NsConfig::new(em("a@x.com"), "p");
    cfg.dialects = vec![Dialect::MSNP7, Dialect::MSNP5];
    let mut s = NsSession::new(cfg);
    s.start(t);
    assert_eq!(commands(s.poll_transmit()), ["VER", "INF", "USR"]);
    s.handle_input(b"VER 1 MSNP7\r\nINF 2 MD5\r\nUSR 3 MD5 S 1013928519.693957190\r\n", t);
    assert_eq!(commands(s.poll_transmit()), ["USR", "SYN", "CHG"]);
    // Both families offered: the second command depends on the answer.
    let mut cfg = NsConfig::new(em("a@x.com"), "p");
    cfg.dialects = Dialect::all_newest_first();
    let mut s = NsSession::new(cfg);
    s.start(t);
    assert_eq!(commands(s.poll_transmit()), ["VER"]);
    s.handle_input(b"VER 1 MSNP7\r\n", t);
    assert_eq!(commands(s.poll_transmit()), ["INF"]);
}

#[test]
fn adding_a_known_contact_to_a_group_keeps_their_name() {
    // MSNP12: `ADC t FL C=guid group` names nobody; Bob stays "Bob".
    let t = Instant::now();
    let mut s = twn_session(
        NsConfig::new(em("a@x.com"), "p"),
        Dialect::MSNP12,
        b"USR 4 OK a@x.com 1 0\r\nSYN 5 2006-01-01T00:00:00.0-00:00 2006-01-01T00:00:00.0-00:00 1 2\r\nGTC A\r\nBLP AL\r\n\
          LSG Friends g1\r\nLSG Family g2\r\nLST N=bob@x.com F=Bob C=guid1 11 g1\r\n",
        t,
    );
    assert_eq!(s.contacts().get("bob@x.com").unwrap().name.as_str(), "Bob");
    let trid = s.add_to_list(List::Forward, &em("bob@x.com"), Some("g2")).unwrap();
    s.handle_input(format!("ADC {} FL C=guid1 g2\r\n", trid.0).as_bytes(), t);
    let bob = s.contacts().get("bob@x.com").unwrap();
    assert_eq!(bob.name.as_str(), "Bob");
    assert_eq!(bob.groups, ["g1", "g2"]);
}

#[test]
fn adding_a_known_contact_to_a_group_sends_their_name_before_msnp10() {
    // MSNP8: `ADD t FL email name group` echoes the name we send.
    let t = Instant::now();
    let mut s = twn_session(
        NsConfig::new(em("a@x.com"), "p"),
        Dialect::MSNP8,b"USR 4 OK a@x.com a 1\r\nSYN 5 1 1 2\r\nGTC 5 1 A\r\nBLP 5 1 AL\r\nLSG 0 Other 0\r\nLSG 1 Kin 0\r\nLST dave@x.com Dave 11 0\r\n", t);
    while s.poll_transmit().is_some() {}
    assert_eq!(s.contacts().get("dave@x.com").unwrap().name.as_str(), "Dave");
    let trid = s.add_to_list(List::Forward, &em("dave@x.com"), Some("1")).unwrap();
    let sent = String::from_utf8(s.poll_transmit().unwrap()).unwrap();
    assert_eq!(sent, format!("ADD {} FL dave@x.com Dave 1\r\n", trid.0));
    s.handle_input(format!("ADD {} FL 2 dave@x.com Dave 1\r\n", trid.0).as_bytes(), t);
    let dave = s.contacts().get("dave@x.com").unwrap();
    assert_eq!(dave.name.as_str(), "Dave");
    assert_eq!(dave.groups, ["0", "1"]);
}

#[test]
fn signing_in_is_told_for_nln_after_offline_only() {
    let t = Instant::now();
    let mut s = twn_session(
        NsConfig::new(em("a@x.com"), "p"),
        Dialect::MSNP8,
        b"USR 4 OK a@x.com a 1\r\nSYN 5 1 2 1\r\nGTC 5 1 A\r\nBLP 5 1 AL\r\nLSG 0 Other 0\r\n\
          LST b@x.com B 11 0\r\nLST c@x.com C 11 0\r\n",
        t,
    );
    let signed_in = |s: &mut NsSession| -> Vec<String> {
        std::iter::from_fn(|| s.poll_event())
            .filter_map(|e| match e {
                NsEvent::ContactSignedIn { email } => Some(email.to_string()),
                _ => None,
            })
            .collect()
    };
    signed_in(&mut s);
    // Already online when I arrived (ILN): no toast.
    s.handle_input(b"ILN 6 NLN b@x.com B\r\n", t);
    assert!(signed_in(&mut s).is_empty());
    // B changes status, C signs in, C goes away, C comes back online.
    s.handle_input(b"NLN BSY b@x.com B\r\nNLN NLN c@x.com C\r\nNLN AWY c@x.com C\r\n", t);
    assert_eq!(signed_in(&mut s), ["c@x.com"]);
    s.handle_input(b"FLN c@x.com\r\nNLN NLN c@x.com C\r\n", t);
    assert_eq!(signed_in(&mut s), ["c@x.com"]);
}

#[test]
fn someone_asked_in_before_the_switchboard_is_ready_is_called_once_it_is() {
    let mut s =
        SbSession::new(em("a@x"), Dialect::MSNP8, SbStart::Call { cookie: "c".into(), invitees: vec![em("b@x")] });
    s.start(Instant::now());
    assert_eq!(s.poll_transmit().unwrap(), b"USR 1 a@x c\r\n");
    s.invite_when_ready(&em("c@x")).unwrap();
    assert_eq!(s.poll_transmit(), None, "not before the server let us in");
    s.handle_input(b"USR 1 OK a@x a\r\n", Instant::now());
    assert_eq!(s.poll_transmit().unwrap(), b"CAL 2 b@x\r\nCAL 3 c@x\r\n");
    // Answering: called after ANS's OK.
    let mut s =
        SbSession::new(em("a@x"), Dialect::MSNP8, SbStart::Answer { cookie: "k".into(), session_id: "9".into() });
    s.start(Instant::now());
    s.poll_transmit();
    s.invite_when_ready(&em("c@x")).unwrap();
    s.handle_input(b"IRO 1 1 1 b@x b\r\nANS 1 OK\r\n", Instant::now());
    assert_eq!(s.poll_transmit().unwrap(), b"CAL 2 c@x\r\n");
    s.handle_close();
    assert!(s.invite_when_ready(&em("d@x")).is_err());
}

#[test]
fn lines_the_session_cannot_use_are_told_and_it_carries_on() {
    let t = Instant::now();
    let mut s =
        twn_session(NsConfig::new(em("a@x.com"), "p"), Dialect::MSNP9, b"USR 4 OK a@x.com a 1 0\r\nSYN 5 1 0 0\r\n", t);
    std::iter::from_fn(|| s.poll_event()).for_each(drop);
    s.handle_input(b"ILN notanumber NLN\r\nVER 9 MSNP9\r\nSBS 0 null\r\nCHG 6 BSY 0\r\n", t);
    let ev: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    let skipped: Vec<&Skipped> =
        ev.iter().filter_map(|e| if let NsEvent::Skipped(k) = e { Some(k) } else { None }).collect();
    assert_eq!(skipped.len(), 3, "{ev:?}");
    assert_eq!(skipped[0].line, "ILN notanumber NLN");
    assert!(matches!(skipped[0].reason, SkipReason::Malformed(_)), "{:?}", skipped[0]);
    assert_eq!((skipped[1].line.as_str(), &skipped[1].reason), ("VER 9 MSNP9", &SkipReason::OutOfPhase));
    assert_eq!((skipped[2].line.as_str(), &skipped[2].reason), ("SBS 0 null", &SkipReason::NotHandled));
    // The line after them still counts: the session went on.
    assert_eq!(ev.last(), Some(&NsEvent::OwnStatus(Status::Busy)));
    assert!(!s.is_closed());
    // Switchboards likewise.
    let mut sb =
        SbSession::new(em("a@x"), Dialect::MSNP9, SbStart::Answer { cookie: "k".into(), session_id: "9".into() });
    sb.start(t);
    sb.handle_input(b"IRO 1 1 1 b@x b\r\nANS 1 OK\r\nJOI\r\nMSG b@x b 2\r\nhi", t);
    let ev: Vec<_> = std::iter::from_fn(|| sb.poll_event()).collect();
    assert!(
        ev.iter().any(
            |e| matches!(e, SbEvent::Skipped(k) if k.line == "JOI" && matches!(k.reason, SkipReason::Malformed(_)))
        ),
        "{ev:?}"
    );
    assert!(ev.iter().any(|e| matches!(e, SbEvent::Message { .. })), "went on after it: {ev:?}");
    assert!(sb.is_ready());
}

#[test]
fn a_switchboard_that_never_lets_us_in_times_out() {
    let t = Instant::now();
    let mut s =
        SbSession::new(em("a@x"), Dialect::MSNP8, SbStart::Call { cookie: "c".into(), invitees: vec![em("b@x")] });
    s.start(t);
    let queued = s.send_message(arial("hello"), AckMode::Acknowledged).unwrap();
    assert_eq!(s.poll_timeout(), Some(t + SB_REPLY_TIMEOUT));
    s.handle_timeout(t + SB_REPLY_TIMEOUT - Duration::from_secs(1));
    assert!(!s.is_closed());
    s.handle_timeout(t + SB_REPLY_TIMEOUT);
    assert!(s.is_closed());
    let ev: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert_eq!(ev, vec![SbEvent::TimedOut, SbEvent::Failed(queued), SbEvent::Closed]);
}

#[test]
fn a_message_the_server_never_acknowledges_fails_in_time() {
    let t = Instant::now();
    let mut s =
        SbSession::new(em("a@x"), Dialect::MSNP8, SbStart::Call { cookie: "c".into(), invitees: vec![em("b@x")] });
    s.start(t);
    s.handle_input(b"USR 1 OK a@x a\r\nCAL 2 RINGING 1\r\nJOI b@x b\r\n", t);
    assert_eq!(s.poll_timeout(), None, "nothing waits on the server");
    let t1 = t + Duration::from_secs(5);
    s.handle_input(b"", t1);
    let lost = s.send_message(arial("one"), AckMode::Acknowledged).unwrap();
    let acked = s.send_message(arial("two"), AckMode::Acknowledged).unwrap();
    s.handle_input(b"ACK 4\r\n", t1);
    assert_eq!(s.poll_timeout(), Some(t1 + SB_REPLY_TIMEOUT));
    s.handle_timeout(t1 + SB_REPLY_TIMEOUT);
    let ev: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert!(ev.contains(&SbEvent::Sent(acked)) && ev.ends_with(&[SbEvent::Failed(lost)]), "{ev:?}");
    assert!(s.is_ready(), "one lost message does not end the conversation");
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn my_picture_rides_on_every_chg_from_msnp9() {
    let t = Instant::now();
    let pic = msnp::p2p::MsnObject::for_data("a@x.com", 3, "0", b"png bytes");
    for (dialect, carries) in [(Dialect::MSNP8, false), (Dialect::MSNP9, true), (Dialect::MSNP12, true)] {
        let after = if dialect == Dialect::MSNP12 {
            &b"USR 4 OK a@x.com 1 0\r\nSYN 5 2005-04-23T18:57:44.8130000-07:00 2005-04-23T18:57:44.8130000-07:00 0 0\r\n"[..]
        } else {
            &b"USR 4 OK a@x.com a 1 0\r\nSYN 5 1 0 0\r\n"[..]
        };
        let mut s = twn_session(NsConfig::new(em("a@x.com"), "p"), dialect, after, t);
        s.poll_transmit();
        s.set_picture(Some(pic.clone()));
        if !carries {
            assert_eq!(s.poll_transmit(), None, "before MSNP9 there is nothing to announce");
            continue;
        }
        let line = String::from_utf8(s.poll_transmit().expect("a CHG")).unwrap();
        assert!(line.starts_with("CHG "), "{dialect}: {line}");
        let encoded = Name::new(pic.to_xml()).to_wire();
        assert_eq!(line.contains(&encoded), carries, "{dialect}: {line}");
        // And a contact's announced picture reads back.
        let nln = format!("NLN NLN b@x.com B 268435456 {encoded}\r\n");
        s.handle_input(nln.as_bytes(), t);
        if carries {
            assert_eq!(s.contacts().get("b@x.com").and_then(|c| c.picture()), Some(pic.clone()));
        }
    }
}

#[test]
fn names_and_personal_messages_servers_would_refuse_are_refused_here() {
    let t = Instant::now();
    let cfg = NsConfig::new(em("a@x.com"), "p");
    let after =
        b"USR 4 OK a@x.com 1 0\r\nSYN 5 2005-04-23T18:57:44.8130000-07:00 2005-04-23T18:57:44.8130000-07:00 0 0\r\n";
    let mut s = twn_session(cfg, Dialect::MSNP12, after, t);
    while s.poll_transmit().is_some() {}
    // 43 characters of 9 encoded bytes each: 387, the most a server takes.
    assert!(s.set_name(&"\u{200B}".repeat(43)).is_ok());
    assert!(s.set_name(&"\u{200B}".repeat(44)).is_err());
    assert!(s.set_name(&"W".repeat(387)).is_ok());
    assert!(s.set_personal_message(&"é".repeat(129)).is_ok());
    assert!(s.set_personal_message(&"é".repeat(130)).is_err());
}
