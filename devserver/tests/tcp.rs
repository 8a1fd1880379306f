//! The devserver driven over real TCP, with the `msnp` sessions as clients.

mod support;

use msnp::message::{MessageBody, TextFormat};
use msnp::session::*;
use msnp::types::*;
use support::*;

fn said(ev: &SbEvent, text: &str) -> bool {
    matches!(ev, SbEvent::Message { body: MessageBody::Text { text: t, .. }, .. } if t == text)
}

/// `a` adds `b` (and `b` adds `a`): both see each other online afterwards.
async fn befriend(a: &mut Ns, b: &mut Ns) {
    let (ea, eb) = (a.s.email().to_owned(), b.s.email().to_owned());
    a.s.add_to_list(List::Forward, &eb, None).unwrap();
    a.flush().await;
    a.s.add_to_list(List::Allow, &eb, None).unwrap();
    a.flush().await;
    b.until(|e| matches!(e, NsEvent::AddedBy { email, .. } if *email == ea)).await;
    b.s.add_to_list(List::Forward, &ea, None).unwrap();
    b.flush().await;
    b.s.add_to_list(List::Allow, &ea, None).unwrap();
    b.flush().await;
    a.until(|e| matches!(e, NsEvent::AddedBy { email, .. } if *email == eb)).await;
    a.until_contact(&eb, |c| c.status == Status::Online && c.on(List::Allow) && c.on(List::Reverse)).await;
    b.until_contact(&ea, |c| c.status == Status::Online && c.on(List::Allow) && c.on(List::Reverse)).await;
}

/// Ask the NS for a switchboard and open it, inviting `invitees`; also
/// returns its address and the (now used) cookie.
async fn switchboard(ns: &mut Ns, invitees: &[&str]) -> (Sb, String, String) {
    let req = ns.s.request_switchboard().unwrap();
    let NsEvent::SwitchboardReady { addr, cookie, .. } =
        ns.until(|e| matches!(e, NsEvent::SwitchboardReady { request, .. } if *request == req)).await
    else {
        unreachable!()
    };
    let invitees = invitees.iter().map(|s| Email::from_wire(*s)).collect();
    let start = SbStart::Call { cookie: cookie.clone(), invitees };
    (Sb::open(&addr, ns.s.email(), ns.s.dialect(), start).await, addr, cookie)
}

/// `from` starts a conversation with `to` and they exchange a message each
/// way, with typing and a nudge. The first message is typed before `to` joins.
async fn chat(from: &mut Ns, to: &mut Ns) -> (Sb, Sb) {
    let (ef, et) = (from.s.email().to_owned(), to.s.email().to_owned());
    let (mut a, _, _) = switchboard(from, &[et.as_str()]).await;
    let early =
        a.s.send_message(MessageBody::text("typed before you joined", TextFormat::default()), AckMode::Acknowledged)
            .unwrap();
    a.until(|e| matches!(e, SbEvent::Ringing { email } if *email == et)).await;
    let NsEvent::Invited { session_id, addr, cookie, email, .. } =
        to.until(|e| matches!(e, NsEvent::Invited { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(email, ef);
    let mut b = Sb::open(&addr, &et, to.s.dialect(), SbStart::Answer { cookie, session_id }).await;
    b.until(|e| matches!(e, SbEvent::Joined { email, .. } if *email == ef)).await;
    // The caller learns of the join and only then sends what was queued.
    a.until(|e| matches!(e, SbEvent::Joined { email, .. } if *email == et)).await;
    b.until(|e| said(e, "typed before you joined")).await;
    a.until(|e| *e == SbEvent::Sent(early)).await;
    b.s.send_typing();
    b.flush().await;
    a.until(|e| matches!(e, SbEvent::Message { body: MessageBody::Typing { user }, .. } if et.is(user))).await;
    b.s.send_message(
        MessageBody::text(
            "hello back ✓",
            TextFormat { font: "Comic Sans MS".into(), color: 0xff0000, ..TextFormat::default() },
        ),
        AckMode::NakOnly,
    )
    .unwrap();
    b.flush().await;
    let got = a.until(|e| said(e, "hello back ✓")).await;
    let SbEvent::Message { body: MessageBody::Text { format: Some(f), .. }, .. } = got else { unreachable!() };
    assert_eq!((f.font.as_str(), f.color), ("Comic Sans MS", 0xff0000));
    a.s.send_message(MessageBody::Nudge, AckMode::Acknowledged).unwrap();
    a.flush().await;
    b.until(|e| matches!(e, SbEvent::Message { body: MessageBody::Nudge, .. })).await;
    (a, b)
}

#[tokio::test]
async fn md5_msnp2_and_msnp7_presence_and_chat() {
    let srv = server().await;
    // Bob comes through the dispatch server and is referred to the NS.
    let mut disp = Ns::connect(srv.dispatch.unwrap(), None, "bob@example.com", "bob-pw", Dialect::MSNP7).await;
    let NsEvent::Redirect { addr } = disp.until(|e| matches!(e, NsEvent::Redirect { .. })).await else {
        unreachable!()
    };
    assert_eq!(addr, srv.ns.to_string());
    let mut bob = Ns::connect(addr.parse().unwrap(), None, "bob@example.com", "bob-pw", Dialect::MSNP7).await;
    bob.until(|e| matches!(e, NsEvent::OwnStatus(Status::Online))).await;
    let mut alice = Ns::login(&srv, "alice@example.com", Dialect::MSNP2).await;
    befriend(&mut alice, &mut bob).await;
    assert_eq!(alice.contact("bob@example.com").unwrap().name.as_str(), "bob@example.com");
    chat(&mut alice, &mut bob).await;

    // Status and name changes reach the other side.
    bob.s.set_status(Status::Busy).unwrap();
    bob.flush().await;
    alice.until_contact("bob@example.com", |c| c.status == Status::Busy).await;
    bob.s.set_name("Bob B.").unwrap();
    bob.flush().await;
    bob.until(|e| matches!(e, NsEvent::OwnName(n) if n.as_str() == "Bob B.")).await;
    alice.until_contact("bob@example.com", |c| c.name.as_str() == "Bob B.").await;
    bob.s.sign_out();
    bob.flush().await;
    alice.until_contact("bob@example.com", |c| c.status == Status::Offline).await;
    srv.shutdown().await;
}

#[tokio::test]
async fn twn_msnp8_and_msnp12_with_http_ticket() {
    let srv = server().await;
    let mut alice = Ns::login(&srv, "alice@example.com", Dialect::MSNP8).await;
    let mut carol = Ns::login(&srv, "carol@example.com", Dialect::MSNP12).await;
    assert!(carol.events.iter().any(|e| matches!(e, NsEvent::NeedTicket { .. })));
    befriend(&mut alice, &mut carol).await;
    // MSNP12 has contact GUIDs and a personal message.
    assert!(carol.contact("alice@example.com").unwrap().guid.is_some());
    carol.s.set_personal_message("at the beach & sunny").unwrap();
    carol.flush().await;
    carol.until(|e| matches!(e, NsEvent::OwnPersonalMessage(_))).await;
    carol.s.set_name("Carol ☀").unwrap();
    carol.flush().await;
    carol.until(|e| matches!(e, NsEvent::OwnName(_))).await;
    alice.until_contact("carol@example.com", |c| c.name.as_str() == "Carol ☀").await;
    let mut dave = Ns::login(&srv, "dave@example.com", Dialect::MSNP11).await;
    befriend(&mut dave, &mut carol).await;
    dave.until_contact("carol@example.com", |c| c.psm == "at the beach & sunny").await;
    chat(&mut carol, &mut alice).await;
    srv.shutdown().await;
}

#[tokio::test]
async fn ticket_endpoint_refuses_bad_password_and_tickets_are_single_use() {
    let srv = server().await;
    let http = srv.http.unwrap();
    assert_eq!(not_rst(http, "alice@example.com", "wrong").await, (401, None));
    let (st, t) = not_rst(http, "alice@example.com", "alice-pw").await;
    assert_eq!(st, 200);
    let t = t.unwrap();
    let mut r = Raw::connect(srv.ns).await;
    r.ask("VER 1 MSNP8 CVR0").await;
    r.ask("USR 2 TWN I alice@example.com").await;
    assert!(r.ask(&format!("USR 3 TWN S {t}")).await.starts_with("USR 3 OK alice@example.com"));
    let mut r2 = Raw::connect(srv.ns).await;
    r2.ask("VER 1 MSNP8 CVR0").await;
    r2.ask("USR 2 TWN I alice@example.com").await;
    assert_eq!(r2.ask(&format!("USR 3 TWN S {t}")).await, "911 3", "a ticket works once");
    // The ticket of one account does not open another.
    let (_, tb) = not_rst(http, "bob@example.com", "bob-pw").await;
    let mut r3 = Raw::connect(srv.ns).await;
    r3.ask("VER 1 MSNP12 CVR0").await;
    r3.ask("USR 2 TWN I alice@example.com").await;
    assert_eq!(r3.ask(&format!("USR 3 TWN S t={}&p=", tb.unwrap())).await, "911 3");
    srv.shutdown().await;
}

#[tokio::test]
async fn three_party_conversation() {
    let srv = server().await;
    let mut a = Ns::login(&srv, "alice@example.com", Dialect::MSNP9).await;
    let mut b = Ns::login(&srv, "bob@example.com", Dialect::MSNP12).await;
    let mut c = Ns::login(&srv, "carol@example.com", Dialect::MSNP5).await;
    befriend(&mut a, &mut b).await;
    befriend(&mut a, &mut c).await;
    let (mut sa, mut sb) = chat(&mut a, &mut b).await;
    sa.s.invite(&Email::from_wire("carol@example.com")).unwrap();
    sa.until(|e| matches!(e, SbEvent::Ringing { .. })).await;
    let NsEvent::Invited { session_id, addr, cookie, .. } = c.until(|e| matches!(e, NsEvent::Invited { .. })).await
    else {
        unreachable!()
    };
    let mut sc =
        Sb::open(&addr, &Email::from_wire("carol@example.com"), Dialect::MSNP5, SbStart::Answer { cookie, session_id })
            .await;
    sc.until(|e| *e == SbEvent::Ready).await;
    let roster: Vec<String> = sc.s.participants().map(|(e, _)| e.to_string()).collect();
    assert_eq!(roster, ["alice@example.com", "bob@example.com"]);
    sb.until(|e| matches!(e, SbEvent::Joined { email, .. } if email == "carol@example.com")).await;
    sa.s.send_message(MessageBody::text("hi both", TextFormat::default()), AckMode::Acknowledged).unwrap();
    sa.flush().await;
    sb.until(|e| said(e, "hi both")).await;
    sc.until(|e| said(e, "hi both")).await;
    sb.s.leave();
    sb.flush().await;
    sa.until(|e| matches!(e, SbEvent::Left { email, .. } if email == "bob@example.com")).await;
    sc.until(|e| matches!(e, SbEvent::Left { email, .. } if email == "bob@example.com")).await;
    srv.shutdown().await;
}

#[tokio::test]
async fn block_and_unblock() {
    let srv = server().await;
    let mut a = Ns::login(&srv, "alice@example.com", Dialect::MSNP8).await;
    let mut b = Ns::login(&srv, "bob@example.com", Dialect::MSNP10).await;
    befriend(&mut a, &mut b).await;
    b.s.block(&Email::from_wire("alice@example.com")).unwrap();
    b.flush().await;
    a.until_contact("bob@example.com", |c| c.status == Status::Offline).await;
    // A blocked caller cannot ring.
    let (mut sa, _, _) = switchboard(&mut a, &["bob@example.com"]).await;
    let ev = sa.until(|e| matches!(e, SbEvent::CallFailed { .. })).await;
    assert_eq!(ev, SbEvent::CallFailed { email: Email::from_wire("bob@example.com"), code: ErrorCode::NotOnList });
    b.s.unblock(&Email::from_wire("alice@example.com")).unwrap();
    b.flush().await;
    a.until_contact("bob@example.com", |c| c.status == Status::Online).await;
    // BLP BL blocks everyone not on the allow list.
    b.s.remove_from_list(List::Allow, &Email::from_wire("alice@example.com"), None).unwrap();
    b.flush().await;
    b.s.set_privacy(BlpMode::BlockAll).unwrap();
    b.flush().await;
    a.until_contact("bob@example.com", |c| c.status == Status::Offline).await;
    srv.shutdown().await;
}

#[tokio::test]
async fn wrong_password_is_911_and_nothing_else_leaks() {
    let srv = server().await;
    let mut r = Raw::connect(srv.ns).await;
    r.ask("VER 1 MSNP7 CVR0").await;
    assert_eq!(r.ask("INF 2").await, "INF 2 MD5");
    let chal = r.ask("USR 3 MD5 I alice@example.com").await;
    assert!(chal.starts_with("USR 3 MD5 S "));
    assert_eq!(r.ask("USR 4 MD5 S 00000000000000000000000000000000").await, "911 4");
    // An unknown account gets a challenge too, then the same 911.
    let chal2 = r.ask("USR 5 MD5 I nobody@example.com").await;
    assert!(chal2.starts_with("USR 5 MD5 S "));
    assert_ne!(chal, chal2, "a fresh challenge each time");
    assert_eq!(r.ask("USR 6 MD5 S 00000000000000000000000000000000").await, "911 6");
    let mut n = Ns::connect(srv.ns, None, "alice@example.com", "nope", Dialect::MSNP7).await;
    let e = n.until(|e| matches!(e, NsEvent::LoginFailed(_))).await;
    assert_eq!(e, NsEvent::LoginFailed(ErrorCode::AuthenticationFailed));
    srv.shutdown().await;
}

#[tokio::test]
async fn errors_from_the_draft() {
    let srv = server().await;
    let mut r = Raw::connect(srv.ns).await;
    assert_eq!(r.ask("VER 1 MSNP99 CVR0").await, "VER 1 0", "no common dialect");
    assert!(r.closed().await);

    let mut r = Raw::connect(srv.ns).await;
    r.ask("VER 1 MSNP7 CVR0").await;
    assert_eq!(r.ask("SYN 2 0").await, "302 2", "commands before sign-in");
    assert_eq!(r.ask("XFR 3 SB").await, "302 3");
    drop(r);

    let mut r = Raw::login_md5(srv.ns, "alice@example.com", "alice-pw", "MSNP7").await;
    assert_eq!(r.ask("FOO 5 bar").await, "200 5", "unknown command");
    assert_eq!(r.ask("CHG 6 FLN").await, "201 6", "FLN is not a state you can set");
    assert_eq!(r.ask("CHG 7 XYZ").await, "201 7", "malformed");
    assert_eq!(r.ask("XFR 8 SB").await, "913 8", "no switchboard before the first CHG");
    assert_eq!(r.ask("ADD 9 FL nobody@example.com nobody").await, "205 9", "no such user");
    assert!(r.ask("ADD 10 FL bob@example.com bob").await.starts_with("ADD 10 FL "));
    assert_eq!(r.ask("ADD 11 FL bob@example.com bob").await, "215 11", "already on the list");
    assert_eq!(r.ask("REM 12 AL carol@example.com").await, "216 12", "not on the list");
    assert_eq!(r.ask("BLP 13 AL").await, "218 13", "already in that mode");
    assert!(r.ask("ADD 14 BL carol@example.com carol").await.starts_with("ADD 14 BL"));
    assert_eq!(r.ask("ADD 15 AL carol@example.com carol").await, "219 15", "on the opposite list");
    assert_eq!(r.ask(&format!("REA 16 alice@example.com {}", "x".repeat(200))).await, "209 16", "name too long");
    assert_eq!(r.ask(&format!("ADG 17 {} 0", "g".repeat(80))).await, "229 17");
    assert_eq!(r.ask("RMG 18 0").await, "230 18");
    assert_eq!(r.ask("RMG 19 42").await, "224 19");
    assert!(r.ask("CHG 20 HDN").await.starts_with("CHG 20 HDN"));
    assert_eq!(r.ask("XFR 21 SB").await, "913 21", "invisible users cannot start conversations");
    assert_eq!(r.ask("PNG").await, "QNG");
    drop(r);

    // MSNP10+: ADC, and 208 for an unknown user.
    let mut r = Raw::connect(srv.ns).await;
    r.ask("VER 1 MSNP10 CVR0").await;
    r.ask("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 7.0.0816 MSMSGS bob@example.com").await;
    r.ask("USR 3 TWN I bob@example.com").await;
    let (_, t) = not_rst(srv.http.unwrap(), "bob@example.com", "bob-pw").await;
    assert!(r.ask(&format!("USR 4 TWN S {}", t.unwrap())).await.starts_with("USR 4 OK bob@example.com 1 0"));
    r.expect("MSG Hotmail Hotmail").await;
    r.send("ADC 5 FL N=nobody@example.com F=x").await;
    r.expect("208 5").await;
    assert_eq!(r.ask("REA 6 bob@example.com x").await, "502 6", "REA is gone in MSNP10");
    assert_eq!(r.ask("PNG").await, "QNG 60");
    srv.shutdown().await;
}

#[tokio::test]
async fn calling_someone_offline_is_217() {
    let srv = server().await;
    let mut a = Ns::login(&srv, "alice@example.com", Dialect::MSNP8).await;
    let (mut sa, addr, cookie) = switchboard(&mut a, &["bob@example.com", "ghost@example.com"]).await;
    assert_eq!(
        sa.until(|e| matches!(e, SbEvent::CallFailed { email, .. } if email == "bob@example.com")).await,
        SbEvent::CallFailed { email: Email::from_wire("bob@example.com"), code: ErrorCode::NotOnline }
    );
    assert_eq!(
        sa.until(|e| matches!(e, SbEvent::CallFailed { email, .. } if email == "ghost@example.com")).await,
        SbEvent::CallFailed { email: Email::from_wire("ghost@example.com"), code: ErrorCode::InvalidUsername }
    );
    // A used cookie does not open a second switchboard.
    let mut raw = Raw::connect(addr.parse().unwrap()).await;
    assert_eq!(raw.ask(&format!("USR 1 alice@example.com {cookie}")).await, "911 1");
    assert!(raw.closed().await);
    // A message with nobody else present is not delivered.
    let id = sa.s.send_message(MessageBody::text("anyone?", TextFormat::default()), AckMode::Acknowledged).unwrap();
    sa.flush().await;
    assert!(sa.s.participants().next().is_none());
    sa.s.leave();
    sa.flush().await;
    assert!(sa.events.iter().all(|e| *e != SbEvent::Sent(id)));
    srv.shutdown().await;
}

#[tokio::test]
async fn signing_in_elsewhere_ends_the_old_session() {
    let srv = server().await;
    let mut first = Ns::login(&srv, "alice@example.com", Dialect::MSNP9).await;
    let _second = Ns::login(&srv, "alice@example.com", Dialect::MSNP9).await;
    first.until(|e| *e == NsEvent::SignedOut(SignOutReason::SignedInElsewhere)).await;
    srv.shutdown().await;
}

#[tokio::test]
async fn challenges_are_checked() {
    let srv = server().await;
    // The msnp session answers CHL by itself and stays online.
    let mut a = Ns::login(&srv, "alice@example.com", Dialect::MSNP11).await;
    a.s.set_status(Status::Away).unwrap();
    a.flush().await;
    a.until(|e| *e == NsEvent::OwnStatus(Status::Away)).await;
    // A wrong answer gets 540 and the connection closes.
    let mut r = Raw::connect(srv.ns).await;
    r.ask("VER 1 MSNP9 CVR0").await;
    r.ask("USR 2 TWN I bob@example.com").await;
    let (_, t) = not_rst(srv.http.unwrap(), "bob@example.com", "bob-pw").await;
    r.ask(&format!("USR 3 TWN S {}", t.unwrap())).await;
    r.send("SYN 4 0").await;
    r.send("CHG 5 NLN 0").await;
    r.expect("CHL 0 ").await;
    r.send("QRY 6 PROD0061VRRZH@4F 32\r\n00000000000000000000000000000000").await;
    r.expect("540 6").await;
    assert!(r.closed().await);
    srv.shutdown().await;
}

#[tokio::test]
async fn idle_switchboards_close_and_the_next_message_opens_a_new_one() {
    let srv = server_with(|c| c.timing.sb_idle = std::time::Duration::from_secs(1)).await;
    let mut a = Ns::login(&srv, "alice@example.com", Dialect::MSNP8).await;
    let mut b = Ns::login(&srv, "bob@example.com", Dialect::MSNP8).await;
    befriend(&mut a, &mut b).await;
    let (mut sa, mut sb) = chat(&mut a, &mut b).await;
    sa.until(|e| *e == SbEvent::Closed).await;
    sb.until(|e| *e == SbEvent::Closed).await;
    // A fresh conversation works.
    chat(&mut a, &mut b).await;
    srv.shutdown().await;
}

#[tokio::test]
async fn bad_bytes_close_one_client_and_disturb_no_one() {
    let srv = server().await;
    let mut a = Ns::login(&srv, "alice@example.com", Dialect::MSNP8).await;
    let mut b = Ns::login(&srv, "bob@example.com", Dialect::MSNP8).await;
    befriend(&mut a, &mut b).await;
    let mut evil = Raw::connect(srv.ns).await;
    evil.send(&format!("{}\r\n", "A".repeat(10_000))).await;
    assert!(evil.closed().await, "an oversized line closes the connection");
    let mut evil = Raw::connect(srv.ns).await;
    evil.ask("VER 1 MSNP8 CVR0").await;
    evil.send("UUX 2 4294967295").await;
    assert!(evil.closed().await, "an oversized payload closes the connection");
    let mut evil = Raw::connect(srv.ns).await;
    evil.send("\u{0}\u{1}\u{2}\u{ff}garbage\r\n").await;
    assert!(evil.line().await.unwrap().starts_with("200"));
    // Others carry on.
    a.s.set_status(Status::BeRightBack).unwrap();
    a.flush().await;
    b.until_contact("alice@example.com", |c| c.status == Status::BeRightBack).await;
    srv.shutdown().await;
}

#[tokio::test]
async fn state_survives_a_restart() {
    let path = std::env::temp_dir().join(format!("msn-devserver-restart-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let db = path.to_str().unwrap().to_owned();
    let srv = server_with(|c| c.db = db.clone()).await;
    let mut a = Ns::login(&srv, "alice@example.com", Dialect::MSNP7).await;
    let mut b = Ns::login(&srv, "bob@example.com", Dialect::MSNP7).await;
    befriend(&mut a, &mut b).await;
    a.s.add_group("Pals").unwrap();
    a.flush().await;
    a.until(|e| *e == NsEvent::GroupsChanged).await;
    a.s.set_name("Alice Restarted").unwrap();
    a.flush().await;
    a.until(|e| matches!(e, NsEvent::OwnName(_))).await;
    a.s.set_privacy(BlpMode::BlockAll).unwrap();
    a.flush().await;
    a.until(|e| *e == NsEvent::PrivacyChanged).await;
    drop((a, b));
    srv.shutdown().await;

    let srv = server_with(|c| c.db = db.clone()).await;
    let a = Ns::login(&srv, "alice@example.com", Dialect::MSNP9).await;
    let bob = a.contact("bob@example.com").expect("bob still listed");
    assert!(bob.on(List::Forward) && bob.on(List::Allow) && bob.on(List::Reverse));
    assert!(a.s.contacts().groups.iter().any(|g| g.name.as_str() == "Pals"));
    assert_eq!(a.s.contacts().blp, BlpMode::BlockAll);
    assert_eq!(a.s.name().as_str(), "Alice Restarted");
    srv.shutdown().await;
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn demo_accounts_sync_in_every_dialect() {
    let srv = server_with(|c| c.demo = true).await;
    let users = ["alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com"];
    for (i, d) in [Dialect::MSNP2, Dialect::MSNP7, Dialect::MSNP9, Dialect::MSNP12].into_iter().enumerate() {
        let me = users[i];
        // The test server re-keys accounts to NAME-pw.
        let pw = format!("{}-pw", me.split('@').next().unwrap());
        let mut a = Ns::connect(srv.ns, srv.http, me, &pw, d).await;
        a.until(|e| matches!(e, NsEvent::OwnStatus(_))).await;
        let fl: Vec<&str> = a.s.contacts().forward().map(|c| c.email.as_str()).collect();
        let others: Vec<&str> = users.iter().copied().filter(|u| *u != me).collect();
        assert_eq!(fl, others, "{me} on {d}");
        assert!(others.iter().all(|o| a.contact(o).unwrap().on(List::Reverse)), "{me} on {d}");
        if d.has_groups() {
            assert!(a.s.contacts().groups.iter().any(|g| g.name.as_str() == "Friends"), "{d}");
            assert!(!a.contact(others[0]).unwrap().groups.is_empty(), "{d}");
        }
        a.s.sign_out();
        a.flush().await;
    }
    srv.shutdown().await;
}

/// Raw HTTP GET with headers; returns the whole response.
async fn http_get(addr: std::net::SocketAddr, path: &str, headers: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Connection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut r = String::new();
    s.read_to_string(&mut r).await.unwrap();
    r
}

#[tokio::test]
async fn passport_1_4_flow_gives_a_ticket_the_ns_accepts() {
    let srv = server().await;
    let http = srv.http.unwrap();
    let nexus = http_get(http, "/rdr/pprdr.asp", "").await;
    let urls = nexus.lines().find_map(|l| l.strip_prefix("passporturls: ")).expect("PassportURLs header");
    let dalogin = urls.split(',').find_map(|kv| kv.strip_prefix("DALogin=")).unwrap();
    let path = &dalogin[dalogin.find('/').unwrap()..];
    assert_eq!(path, "/login2.srf");
    let mut r = Raw::connect(srv.ns).await;
    r.ask("VER 1 MSNP9 CVR0").await;
    r.ask("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0208 MSMSGS alice@example.com").await;
    let chal = r.ask("USR 3 TWN I alice@example.com").await;
    let policy = chal.rsplit(' ').next().unwrap();
    let auth = |pw: &str| {
        format!(
            "Authorization: Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,sign-in=alice%40example.com,pwd={pw},{policy}\r\n"
        )
    };
    let bad = http_get(http, path, &auth("nope")).await;
    assert!(bad.starts_with("HTTP/1.1 401") && bad.contains("da-status=failed"), "{bad}");
    let ok = http_get(http, path, &auth("alice-pw")).await;
    let info = ok.lines().find_map(|l| l.strip_prefix("authentication-info: ")).expect("Authentication-Info");
    let ticket = info.split("from-PP='").nth(1).and_then(|t| t.split('\'').next()).unwrap();
    assert!(ticket.starts_with("t="));
    assert!(
        r.ask(&format!("USR 4 TWN S {ticket}")).await.starts_with("USR 4 OK alice@example.com alice@example.com 1 0")
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn ticket_endpoint_answers_cors_preflight() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let srv = server().await;
    let mut s = tokio::net::TcpStream::connect(srv.http.unwrap()).await.unwrap();
    s.write_all(b"OPTIONS /NotRST.srf HTTP/1.1\r\nHost: x\r\nOrigin: http://page.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: x-user, x-password\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut r = String::new();
    s.read_to_string(&mut r).await.unwrap();
    assert!(r.starts_with("HTTP/1.1 204"), "{r}");
    assert!(r.contains("access-control-allow-origin: http://page.example"));
    assert!(r.to_ascii_lowercase().contains("access-control-allow-headers: x-user, x-password"));
    assert!(r.contains("access-control-expose-headers: X-Token"));
    srv.shutdown().await;
}

#[tokio::test]
async fn shutdown_says_out_ssd() {
    let srv = server().await;
    let mut a = Ns::login(&srv, "alice@example.com", Dialect::MSNP8).await;
    let stop = tokio::spawn(srv.shutdown());
    a.until(|e| *e == NsEvent::SignedOut(SignOutReason::ServerShutdown)).await;
    stop.await.unwrap();
}

#[tokio::test]
async fn silent_clients_are_timed_out() {
    let srv = server_with(|c| c.timing.ns_idle = std::time::Duration::from_secs(1)).await;
    let mut r = Raw::connect(srv.ns).await;
    r.ask("VER 1 MSNP8 CVR0").await;
    let t = std::time::Instant::now();
    assert!(r.closed().await);
    assert!(t.elapsed() < std::time::Duration::from_secs(4));
    srv.shutdown().await;
}

#[tokio::test]
async fn a_switchboard_member_who_stops_reading_is_dropped_and_the_sender_told() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let srv = server().await;
    let mut a = Ns::login(&srv, "alice@example.com", Dialect::MSNP8).await;
    let mut b = Ns::login(&srv, "bob@example.com", Dialect::MSNP8).await;
    befriend(&mut a, &mut b).await;
    let (mut sa, sb) = chat(&mut a, &mut b).await;
    // Bob's client freezes: it never reads its switchboard again.
    let _frozen = sb;
    let body = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n".to_owned() + &"x".repeat(1200);
    let (r, mut w) = sa.stream.into_split();
    let writer = tokio::spawn(async move {
        for i in 0..20_000u32 {
            let line = format!("MSG {} A {}\r\n{body}", 100 + i, body.len());
            if w.write_all(line.as_bytes()).await.is_err() {
                break;
            }
        }
        w
    });
    let mut r = BufReader::new(r);
    let (mut acks, mut nak, mut bye) = (0, false, false);
    let mut line = String::new();
    // Bob is dropped (his own writes time out, or his senders stop waiting
    // for him): Alice sees BYE, and NAK for what could not reach him, in
    // either order; nothing is acknowledged once either came.
    while !(nak && bye) {
        line.clear();
        let n = tokio::time::timeout(std::time::Duration::from_secs(20), r.read_line(&mut line))
            .await
            .expect("answers keep coming")
            .unwrap();
        assert!(n > 0, "alice's switchboard stays open");
        if line.starts_with("ACK") {
            assert!(!(nak || bye), "nothing is acknowledged once bob is dropped: {line}");
            acks += 1;
        }
        nak |= line.starts_with("NAK");
        bye |= line.starts_with("BYE bob@example.com");
    }
    assert!(acks > 0, "messages went through while bob kept up");
    writer.abort();
    sa.events.clear();
    srv.shutdown().await;
}

/// Bob reads, but far slower than Alice sends (a phone sent a file from a
/// desktop): Alice is held back (her ACKs come as Bob takes her messages)
/// instead of Bob being dropped, and every message reaches him once.
#[tokio::test]
async fn a_slow_reader_holds_the_sender_back_and_is_never_dropped() {
    use msnp::codec::{Direction, Framer, Limits};
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let srv = server().await;
    let mut a = Ns::login(&srv, "alice@example.com", Dialect::MSNP8).await;
    let mut b = Ns::login(&srv, "bob@example.com", Dialect::MSNP8).await;
    befriend(&mut a, &mut b).await;
    let (sa, sb) = chat(&mut a, &mut b).await;
    // 12,000 messages of 1.3 KB (16 MB): more than the kernel's socket
    // buffers and Bob's queue together.
    const N: u32 = 12_000;
    let body = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n".to_owned() + &"x".repeat(1200);
    let (r, mut w) = sa.stream.into_split();
    let writer = tokio::spawn(async move {
        for i in 0..N {
            let line = format!("MSG {} A {}\r\n{body}", 100 + i, body.len());
            w.write_all(line.as_bytes()).await.unwrap();
        }
        w
    });
    // Bob takes 64 KB every 16 ms: about 4 MB/s.
    let mut bob = sb.stream;
    let reader = tokio::spawn(async move {
        let mut framer = Framer::new(Direction::ToClient, Limits::default());
        let (mut msgs, mut buf) = (0u32, vec![0u8; 64 * 1024]);
        while msgs < N {
            let n = tokio::time::timeout(std::time::Duration::from_secs(20), bob.read(&mut buf))
                .await
                .expect("bob's messages keep coming")
                .unwrap();
            assert!(n > 0, "bob's switchboard stays open");
            framer.push(&buf[..n]);
            while let Some(f) = framer.next_frame().unwrap() {
                assert_ne!(f.command(), b"BYE", "alice stays");
                msgs += u32::from(f.command() == b"MSG");
            }
            tokio::time::sleep(std::time::Duration::from_millis(16)).await;
        }
        msgs
    });
    let mut r = BufReader::new(r);
    let (mut acks, mut line) = (0, String::new());
    while acks < N {
        line.clear();
        let n = tokio::time::timeout(std::time::Duration::from_secs(20), r.read_line(&mut line))
            .await
            .expect("answers keep coming")
            .unwrap();
        assert!(n > 0, "alice's switchboard stays open");
        assert!(line.starts_with("ACK"), "every message is acknowledged, bob is never dropped: {line}");
        acks += 1;
    }
    assert_eq!(reader.await.unwrap(), N, "each message reached bob once");
    writer.await.unwrap();
    srv.shutdown().await;
}

/// Both send as fast as they can and both read slowly: each connection
/// waits for the other's queue, and neither stalls the other (a waiting
/// connection still writes what it is sent). Every message arrives once,
/// every one is acknowledged.
#[tokio::test]
async fn two_slow_readers_sending_to_each_other_both_finish() {
    use msnp::codec::{Direction, Framer, Limits};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let srv = server().await;
    let mut a = Ns::login(&srv, "alice@example.com", Dialect::MSNP8).await;
    let mut b = Ns::login(&srv, "bob@example.com", Dialect::MSNP8).await;
    befriend(&mut a, &mut b).await;
    let (sa, sb) = chat(&mut a, &mut b).await;
    const N: u32 = 8_000;
    let side = |stream: tokio::net::TcpStream| {
        let (mut r, mut w) = stream.into_split();
        let writer = tokio::spawn(async move {
            let body =
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n".to_owned() + &"y".repeat(1200);
            for i in 0..N {
                w.write_all(format!("MSG {} A {}\r\n{body}", 100 + i, body.len()).as_bytes()).await.unwrap();
            }
            w
        });
        let reader = tokio::spawn(async move {
            let mut framer = Framer::new(Direction::ToClient, Limits::default());
            let (mut msgs, mut acks, mut buf) = (0u32, 0u32, vec![0u8; 64 * 1024]);
            while msgs < N || acks < N {
                let n = tokio::time::timeout(std::time::Duration::from_secs(20), r.read(&mut buf))
                    .await
                    .expect("traffic keeps coming both ways")
                    .unwrap();
                assert!(n > 0, "the switchboard stays open");
                framer.push(&buf[..n]);
                while let Some(f) = framer.next_frame().unwrap() {
                    match f.command() {
                        b"MSG" => msgs += 1,
                        // Of these messages (the set-up had its own).
                        b"ACK" => {
                            let trid: u32 = String::from_utf8_lossy(&f.line[4..]).parse().unwrap();
                            acks += u32::from((100..100 + N).contains(&trid));
                        }
                        other => panic!("only messages and ACKs: {}", String::from_utf8_lossy(other)),
                    }
                }
                tokio::time::sleep(std::time::Duration::from_millis(16)).await;
            }
            (msgs, acks)
        });
        (writer, reader)
    };
    let (wa, ra) = side(sa.stream);
    let (wb, rb) = side(sb.stream);
    assert_eq!(ra.await.unwrap(), (N, N));
    assert_eq!(rb.await.unwrap(), (N, N));
    let _ = (wa.await.unwrap(), wb.await.unwrap());
    srv.shutdown().await;
}

#[tokio::test]
async fn calling_someone_whose_connection_is_stuck_is_280() {
    use msnp::types::List;
    let srv = server().await;
    let store = &srv.hub.store;
    store.add_entry("bob@example.com", List::Forward, "alice@example.com", "alice").unwrap();
    store.add_entry("alice@example.com", List::Reverse, "bob@example.com", "bob").unwrap();
    // Bob signs in, goes online, then his client hangs and never reads again.
    let mut bob = Raw::connect(srv.ns).await;
    bob.ask("VER 1 MSNP11 CVR0").await;
    bob.ask("USR 2 TWN I bob@example.com").await;
    let (_, t) = not_rst(srv.http.unwrap(), "bob@example.com", "bob-pw").await;
    bob.send(&format!("USR 3 TWN S {}", t.unwrap())).await;
    bob.expect("USR 3 OK").await;
    bob.send("CHG 4 NLN 0").await;
    bob.expect("CHG 4").await;
    // Alice changes her personal message until bob's queue is full.
    let mut alice = Raw::connect(srv.ns).await;
    alice.ask("VER 1 MSNP11 CVR0").await;
    alice.ask("USR 2 TWN I alice@example.com").await;
    let (_, t) = not_rst(srv.http.unwrap(), "alice@example.com", "alice-pw").await;
    alice.send(&format!("USR 3 TWN S {}", t.unwrap())).await;
    alice.expect("USR 3 OK").await;
    alice.send("CHG 4 NLN 0").await;
    alice.expect("CHG 4").await;
    let psm = "z".repeat(7000);
    let mut burst = String::new();
    for i in 0..1500 {
        let body = format!("<Data><PSM>{psm}{i}</PSM><CurrentMedia></CurrentMedia></Data>");
        burst.push_str(&format!("UUX {} {}\r\n{body}", 10 + i, body.len()));
    }
    alice.send(&burst).await;
    alice.expect("UUX 1509 0").await;
    // Alice starts a conversation: bob is online but cannot be rung.
    alice.send("XFR 2000 SB").await;
    let xfr = alice.expect("XFR 2000 SB").await;
    let f: Vec<&str> = xfr.split(' ').collect();
    let mut sb = Raw::connect(f[3].parse().unwrap()).await;
    assert!(sb.ask(&format!("USR 1 alice@example.com {}", f[5])).await.starts_with("USR 1 OK"));
    assert_eq!(sb.ask("CAL 2 bob@example.com").await, "280 2");
    srv.shutdown().await;
}

#[tokio::test]
async fn removing_from_a_group_and_from_the_list() {
    for d in [Dialect::MSNP7, Dialect::MSNP12] {
        let srv = server().await;
        let mut a = Ns::login(&srv, "alice@example.com", d).await;
        let mut b = Ns::login(&srv, "bob@example.com", Dialect::MSNP9).await;
        befriend(&mut a, &mut b).await;
        a.s.add_group("Pals").unwrap();
        a.flush().await;
        a.until(|e| *e == NsEvent::GroupsChanged).await;
        let gid = a.s.contacts().groups.iter().find(|g| g.name.as_str() == "Pals").unwrap().id.clone();
        a.s.add_to_list(List::Forward, &Email::from_wire("bob@example.com"), Some(&gid)).unwrap();
        a.flush().await;
        a.until_contact("bob@example.com", |c| c.groups.contains(&gid)).await;
        // Out of the group only: still a contact.
        a.s.remove_from_list(List::Forward, &Email::from_wire("bob@example.com"), Some(&gid)).unwrap();
        a.flush().await;
        a.until_contact("bob@example.com", |c| !c.groups.contains(&gid)).await;
        assert!(a.contact("bob@example.com").unwrap().on(List::Forward), "{d}");
        // Off the forward list: bob learns he is off alice's list (REM 0 RL).
        a.s.remove_from_list(List::Forward, &Email::from_wire("bob@example.com"), None).unwrap();
        a.flush().await;
        a.until_contact("bob@example.com", |c| !c.on(List::Forward)).await;
        loop {
            b.until(|e| matches!(e, NsEvent::ContactUpdated { email } | NsEvent::ContactRemoved { email } if email == "alice@example.com")).await;
            if b.contact("alice@example.com").is_none_or(|c| !c.on(List::Reverse)) {
                break;
            }
        }
        srv.shutdown().await;
    }
}

/// A P2P message as a client sends one (an acknowledgement, 52 bytes).
fn p2p_payload(dest: &str) -> MessageBody {
    let ack = msnp::p2p::Packet {
        header: msnp::p2p::Header { id: 7, flags: msnp::p2p::Flags::ACK, ack_id: 3, ..Default::default() },
        data: vec![],
        app_id: 0,
    };
    MessageBody::parse(&MessageBody::P2p { dest: dest.to_owned(), data: ack.to_bytes() }.to_bytes())
}

#[tokio::test]
async fn p2p_goes_through_with_ack_mode_d_and_closes_the_switchboard_otherwise() {
    let srv = server().await;
    let mut a = Ns::login(&srv, "alice@example.com", Dialect::MSNP9).await;
    let mut b = Ns::login(&srv, "bob@example.com", Dialect::MSNP12).await;
    befriend(&mut a, &mut b).await;
    let (mut sa, mut sb) = chat(&mut a, &mut b).await;
    let body = p2p_payload("bob@example.com");
    assert!(matches!(&body, MessageBody::P2p { dest, data } if dest == "bob@example.com" && data.len() == 52));
    let sent = sa.s.send_message(body.clone(), AckMode::Data).unwrap();
    sa.flush().await;
    sb.until(|e| matches!(e, SbEvent::Message { body: b, .. } if *b == body)).await;
    sa.until(|e| *e == SbEvent::Sent(sent)).await;
    // The same with ack mode A: the server closes the switchboard.
    sa.s.send_message(body.clone(), AckMode::Acknowledged).unwrap();
    sa.flush().await;
    sa.until(|e| *e == SbEvent::Closed).await;
    srv.shutdown().await;
}

#[tokio::test]
async fn a_message_over_the_limit_closes_the_switchboard_and_the_limit_is_a_flag() {
    let long = MessageBody::text("x".repeat(1700), TextFormat::default());
    for (limit, delivered) in [(None, false), (Some(4096), true)] {
        let srv = server_with(|c| {
            if let Some(l) = limit {
                c.sb_rules.max_message = l;
            }
        })
        .await;
        let mut a = Ns::login(&srv, "alice@example.com", Dialect::MSNP8).await;
        let mut b = Ns::login(&srv, "bob@example.com", Dialect::MSNP8).await;
        befriend(&mut a, &mut b).await;
        let (mut sa, mut sb) = chat(&mut a, &mut b).await;
        let id = sa.s.send_message(long.clone(), AckMode::Acknowledged).unwrap();
        sa.flush().await;
        if delivered {
            sb.until(|e| matches!(e, SbEvent::Message { body, .. } if *body == long)).await;
            sa.until(|e| *e == SbEvent::Sent(id)).await;
        } else {
            sa.until(|e| *e == SbEvent::Closed).await;
            assert!(sa.events.contains(&SbEvent::Failed(id)), "{:?}", sa.events);
        }
        srv.shutdown().await;
    }
}

/// Command lines a fuzzer starts from, each then mutated: the notification
/// and switchboard commands of every dialect, with payload lengths that lie.
const SEEDS: &[&str] = &[
    "VER 1 MSNP12 MSNP8 CVR0",
    "VER 1 MSNP2",
    "CVR 2 0x0409 win 4.10 i386 MSNMSGR 6.0.0602 MSMSGS a@b.c",
    "USR 3 MD5 I fuzz@example.com",
    "USR 3 TWN I fuzz@example.com",
    "USR 4 TWN S t=bad&p=x",
    "SYN 5 0",
    "SYN 5 2005-04-23T18:57:44.8130000-07:00 2005-04-23T18:57:44.8130000-07:00",
    "CHG 6 NLN 268435456",
    "CHG 6 XYZ -1 %3Cmsnobj/%3E",
    "ADD 7 FL bob@example.com Bob",
    "ADC 7 FL N=bob@example.com F=Bob",
    "ADC 7 FL C=00000000-0000-0000-0000-000000000000 1",
    "REM 8 AL bob@example.com",
    "REM 8 FL 9999",
    "BLP 9 BL",
    "GTC 10 N",
    "XFR 11 SB",
    "XFR 11 NS",
    "REA 12 fuzz@example.com %FF%FE",
    "PRP 12 MFN %E0%A4%A",
    "PNG",
    "QRY 13 msmsgs@msnmsgr.com 32\r\n00000000000000000000000000000000",
    "UUX 14 5\r\n<Data",
    "UUX 14 99999",
    "ADG 15 %00 0",
    "RMG 16 0",
    "REG 17 1 new",
    "SBP 18 00000000 MFN x",
    "OUT",
    "MSG 19 A 10\r\nMIME-Version",
    "MSG 19 D 5000",
    "MSG 19 N 0\r\n",
    "MSG 19 Z 3\r\nabc",
    "CAL 20 bob@example.com",
    "CAL 20 fuzz@example.com",
    "ANS 21 fuzz@example.com 1 2",
    "USR 22 fuzz@example.com 1.2.3",
    "IRO 1 1 1 x y",
    "BYE",
    "JOI a b",
    "NLN NLN a@b.c x 0",
    "FLN",
    "UBX a@b.c 3\r\nxyz",
    "LST 1 2 3 4 5 6 7 8 9",
    "001 2 3",
];

/// Bytes a hostile or broken client might send, from `seed`.
fn fuzz_stream(rng: &mut impl rand::Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.random_range(1..40) {
        let mut line: Vec<u8> = SEEDS[rng.random_range(0..SEEDS.len())].as_bytes().to_vec();
        match rng.random_range(0..8) {
            0 => {
                // Flip some bytes.
                for _ in 0..rng.random_range(1..6) {
                    let i = rng.random_range(0..line.len());
                    line[i] = rng.random();
                }
            }
            1 => line.truncate(rng.random_range(0..line.len())),
            2 => {
                // Numbers at their limits.
                let n = ["0", "-1", "4294967295", "18446744073709551616", "999999999999"][rng.random_range(0..5)];
                line.extend_from_slice(b" ");
                line.extend_from_slice(n.as_bytes());
            }
            3 => line = (0..rng.random_range(0..300)).map(|_| rng.random()).collect(),
            4 => {
                let copy = line.clone();
                line.extend_from_slice(b" ");
                line.extend_from_slice(&copy);
            }
            _ => {}
        }
        out.extend_from_slice(&line);
        out.extend_from_slice(if rng.random_bool(0.9) { b"\r\n" } else { b"\n" });
    }
    out
}

/// One fuzzing connection to `addr`: signs in first (half the time, so that
/// the commands after login are reached), then writes mutated streams
/// while reading whatever comes back, until the server closes or time is up.
async fn fuzz_connection(srv_ns: std::net::SocketAddr, seed: u64, until: tokio::time::Instant) -> usize {
    use rand::{Rng, SeedableRng};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut sent = 0;
    while tokio::time::Instant::now() < until {
        let Ok(mut s) = tokio::net::TcpStream::connect(srv_ns).await else { continue };
        if rng.random_bool(0.5) {
            // MSNP7 with MD5, as a demo account: real sessions to disturb.
            let user = ["carol@example.com", "dave@example.com"][rng.random_range(0..2)];
            let pass = user.split('@').next().unwrap();
            let _ = s
                .write_all(
                    format!("VER 1 MSNP7 CVR0\r\nCVR 2 0x0409 w 4 i386 M 5 M {user}\r\nUSR 3 MD5 I {user}\r\n")
                        .as_bytes(),
                )
                .await;
            let mut buf = vec![0; 4096];
            let mut got = String::new();
            let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(2);
            while !got.contains("USR 3 MD5 S ") && tokio::time::Instant::now() < deadline {
                match tokio::time::timeout(std::time::Duration::from_millis(500), s.read(&mut buf)).await {
                    Ok(Ok(n)) if n > 0 => got.push_str(&String::from_utf8_lossy(&buf[..n])),
                    _ => break,
                }
            }
            if let Some(salt) = got.split("USR 3 MD5 S ").nth(1).and_then(|r| r.split("\r\n").next()) {
                use md5::{Digest, Md5};
                let hash: String = Md5::digest(format!("{salt}{pass}")).iter().map(|b| format!("{b:02x}")).collect();
                let _ = s.write_all(format!("USR 4 MD5 S {hash}\r\nSYN 5 0\r\nCHG 6 NLN\r\n").as_bytes()).await;
            }
        }
        let (mut r, mut w) = s.into_split();
        let reader = tokio::spawn(async move {
            let mut buf = vec![0; 16384];
            while let Ok(Ok(n)) = tokio::time::timeout(std::time::Duration::from_secs(1), r.read(&mut buf)).await {
                if n == 0 {
                    break;
                }
            }
        });
        for _ in 0..rng.random_range(1..20) {
            let bytes = fuzz_stream(&mut rng);
            sent += bytes.len();
            if w.write_all(&bytes).await.is_err() {
                break;
            }
        }
        drop(w);
        let _ = reader.await;
    }
    sent
}

/// Many connections at once write random and mutated command streams, some
/// after signing in; the server never falls over, and people signed in
/// carry on: they talk, see presence, and new people sign in. The seed is
/// fixed here (`FUZZ_SEED`, `FUZZ_SECS` and `FUZZ_CONNS` for a longer run).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzed_command_streams_from_many_connections_disturb_no_one() {
    let env = |k: &str, d: u64| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
    let (seed, secs, conns) = (env("FUZZ_SEED", 1863), env("FUZZ_SECS", 3), env("FUZZ_CONNS", 16));
    let srv = server().await;
    let mut a = Ns::login(&srv, "alice@example.com", Dialect::MSNP12).await;
    let mut b = Ns::login(&srv, "bob@example.com", Dialect::MSNP9).await;
    befriend(&mut a, &mut b).await;
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    let fuzzers: Vec<_> =
        (0..conns).map(|i| tokio::spawn(fuzz_connection(srv.ns, seed.wrapping_add(i), until))).collect();
    // While they write, Alice and Bob talk and change their status, every
    // second (which also keeps their connections from going idle in a long
    // run).
    let (mut sa, mut sb) = chat(&mut a, &mut b).await;
    let mut round = 0;
    while tokio::time::Instant::now() < until {
        round += 1;
        let text = format!("during the storm {round}");
        sa.s.send_message(MessageBody::text(&text, TextFormat::default()), AckMode::Acknowledged).unwrap();
        sa.flush().await;
        sb.until(|e| said(e, &text)).await;
        let st = if round % 2 == 0 { Status::Online } else { Status::Busy };
        a.s.set_status(st).unwrap();
        a.flush().await;
        b.until_contact("alice@example.com", |c| c.status == st).await;
        b.s.set_status(st).unwrap();
        b.flush().await;
        a.until_contact("bob@example.com", |c| c.status == st).await;
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    let mut bytes = 0;
    for f in fuzzers {
        bytes += f.await.expect("a fuzzer task panicked");
    }
    assert!(bytes > 0);
    sa.s.send_message(MessageBody::text("after the storm", TextFormat::default()), AckMode::Acknowledged).unwrap();
    sa.flush().await;
    sb.until(|e| said(e, "after the storm")).await;
    a.s.set_status(Status::Away).unwrap();
    a.flush().await;
    b.until_contact("alice@example.com", |c| c.status == Status::Away).await;
    // Someone new signs in as ever.
    let _late = Ns::login(&srv, "carol@example.com", Dialect::MSNP12).await;
    eprintln!(
        "fuzzed the devserver with {bytes} bytes over {conns} connections for {secs} s (seed {seed}); Alice and Bob carried on through {round} rounds"
    );
    srv.shutdown().await;
}
