//! MSNC P2P: the formats against known answers (from the public format
//! descriptions and a real client's log), round trips, and whole transfers
//! between two links passing messages as a switchboard would.

use msnp::message::MimeMessage;
use msnp::p2p::header::app;
use msnp::p2p::object::kind;
use msnp::p2p::slp::{Dialog, EUF_FILE, EUF_OBJECT, SlpMessage, StartLine, TRANS_REQ_BODY, TRANS_RESP_BODY};
use msnp::p2p::*;
use msnp::types::Name;
use proptest::prelude::*;
use std::collections::HashMap;
use std::time::Duration;
use web_time::Instant;

#[test]
fn the_header_is_48_little_endian_bytes_and_a_big_endian_footer() {
    let mut b = Vec::new();
    b.extend_from_slice(&7u32.to_le_bytes()); // session
    b.extend_from_slice(&0x0102_0304u32.to_le_bytes()); // id
    b.extend_from_slice(&1202u64.to_le_bytes()); // offset
    b.extend_from_slice(&5000u64.to_le_bytes()); // total
    b.extend_from_slice(&3u32.to_le_bytes()); // length
    b.extend_from_slice(&0x20u32.to_le_bytes()); // flags
    b.extend_from_slice(&0xAABB_CCDDu32.to_le_bytes()); // ack id
    b.extend_from_slice(&9u32.to_le_bytes()); // ack unique id
    b.extend_from_slice(&11u64.to_le_bytes()); // ack size
    b.extend_from_slice(b"abc");
    b.extend_from_slice(&[0, 0, 0, 1]); // footer: MSN object
    let p = Packet::parse(&b).unwrap();
    assert_eq!(
        p.header,
        Header {
            session_id: 7,
            id: 0x0102_0304,
            offset: 1202,
            total: 5000,
            length: 3,
            flags: Flags::OBJECT_DATA,
            ack_id: 0xAABB_CCDD,
            ack_uid: 9,
            ack_size: 11,
        }
    );
    assert_eq!((p.data.as_slice(), p.app_id), (&b"abc"[..], app::OBJECT));
    assert_eq!(p.to_bytes(), b);
    // Bad ones are refused, never trusted.
    assert_eq!(Packet::parse(&b[..51]), Err(P2pError::TooShort(51)));
    let mut wrong_len = b.clone();
    wrong_len[24] = 4;
    assert!(matches!(Packet::parse(&wrong_len), Err(P2pError::LengthMismatch { declared: 4, actual: 3 })));
    let mut past_end = b.clone();
    past_end[8..16].copy_from_slice(&4999u64.to_le_bytes());
    assert_eq!(Packet::parse(&past_end), Err(P2pError::BadOffset));
}

#[test]
fn an_invite_is_written_as_the_format_says() {
    let d = Dialog {
        me: "alice@example.com".into(),
        peer: "bob@example.com".into(),
        call_id: "{C0FFEE00-0000-0000-0000-000000000001}".into(),
        branch: "{B0B00000-0000-0000-0000-000000000002}".into(),
    };
    let want = "INVITE MSNMSGR:bob@example.com MSNSLP/1.0\r\n\
        To: <msnmsgr:bob@example.com>\r\n\
        From: <msnmsgr:alice@example.com>\r\n\
        Via: MSNSLP/1.0/TLP ;branch={B0B00000-0000-0000-0000-000000000002}\r\n\
        CSeq: 0\r\n\
        Call-ID: {C0FFEE00-0000-0000-0000-000000000001}\r\n\
        Max-Forwards: 0\r\n\
        Content-Type: application/x-msnmsgr-sessionreqbody\r\n\
        Content-Length: 95\r\n\
        \r\n\
        EUF-GUID: {A4268EEC-FEC5-49E5-95C3-F126696BDBF6}\r\n\
        SessionID: 1234\r\n\
        AppID: 1\r\n\
        Context: Zm9v\r\n\
        \r\n\0";
    let invite = d.invite(1234, EUF_OBJECT, 1, "Zm9v");
    assert_eq!(String::from_utf8(invite.to_bytes()).unwrap(), want);
    let back = SlpMessage::parse(want.as_bytes()).unwrap();
    assert_eq!(back, invite);
    assert_eq!(back.start, StartLine::Request { method: "INVITE".into(), to: "bob@example.com".into() });
    assert_eq!((back.session_id(), back.field("EUF-GUID")), (Some(1234), Some(EUF_OBJECT)));
    let ok = SlpMessage::parse(&d.answer(1234, true).to_bytes()).unwrap();
    assert_eq!(ok.status(), Some(200));
    assert_eq!(SlpMessage::parse(&d.answer(1234, false).to_bytes()).unwrap().status(), Some(603));
    assert!(SlpMessage::parse(b"HELLO there\r\n\r\n\0").is_err());
}

/// Objects as a real client (aMSN, in the MSNP9 seed log) announced them.
const LOGGED: [&str; 2] = [
    "msnobj%20Creator%3D%22sunyin%40hotmail%2Ecom%22%20Size%3D%225361%22%20Type%3D%223%22%20Location%3D%22amsn%2Etmp%22%20Friendly%3D%22AAA%3D%22%20SHA1D%3D%22P9TEjRVbrA7FyLJflMeDJetCBik%3D%22%20SHA1C%3D%22gq5y9MYYw9CGB%2FtKfzGj1lc0pjQ%3D%22%2F%3E",
    "msnobj%20Creator%3D%22caiying%40hotmail.com%22%20Size%3D%2214071%22%20Type%3D%223%22%20Location%3D%22TFR5E.dat%22%20Friendly%3D%22AAA%3D%22%20SHA1D%3D%22oQtPyUB9rQRyavuWgS6gJfdq61A%3D%22%20SHA1C%3D%22AeB6u3p1S3RXtWD25iB8bhqDHnY%3D%22%2F%3E",
];

#[test]
fn msn_objects_read_hash_and_check_like_real_clients() {
    for logged in LOGGED {
        let xml = Name::from_wire(&format!("%3C{logged}")).into_string();
        let o = MsnObject::parse(&xml).unwrap_or_else(|| panic!("{xml}"));
        assert_eq!(o.kind, kind::DISPLAY_PICTURE);
        // Our SHA1C rule gives what the real client wrote.
        assert_eq!(Some(o.fields_hash()), o.sha1c, "{xml}");
        assert_eq!(MsnObject::parse(&o.to_xml()), Some(o.clone()));
        assert_eq!(MsnObject::from_context(&o.to_context()), Some(o));
    }
    // Hashes of known data (Python's hashlib gives the same).
    let o = MsnObject::for_data("alice@example.com", kind::DISPLAY_PICTURE, "TFR1.dat", b"hello");
    assert_eq!(o.sha1d, "qvTGHdzF6KLavt4PO0gs2a6pQ00=");
    assert_eq!(o.sha1c.as_deref(), Some("p93cLHUnKj/WjvTvVb5kRg6fFrg="));
    assert!(o.matches(b"hello") && !o.matches(b"hellp") && !o.matches(b"hello!"));
    assert_eq!(MsnObject::parse("<msnobj/>"), None);
    assert_eq!(MsnObject::parse("<msnobj Creator=\"a\" Size=\"x\" Type=\"3\" SHA1D=\"y\"/>"), None);
}

#[test]
fn a_file_context_carries_name_and_size() {
    let f = FileContext { name: "holiday photo ü 📷.png".into(), size: 1 << 33 };
    let b = f.to_bytes();
    assert_eq!(b.len(), 574);
    assert_eq!(u32::from_le_bytes(b[0..4].try_into().unwrap()), 574);
    assert_eq!(FileContext::parse(&b), Some(f.clone()));
    assert_eq!(FileContext::from_context(&f.to_context()), Some(f));
    let long = FileContext { name: "x".repeat(1000), size: 1 };
    assert_eq!(FileContext::parse(&long.to_bytes()).unwrap().name.len(), 274, "cut to fit, NUL kept");
}

/// Two links and a switchboard between them that carries every message,
/// as the servers do (each `MSG` whole, in order, to the other side).
struct Pair {
    a: P2pLink,
    b: P2pLink,
    now: Instant,
    a_events: Vec<P2pEvent>,
    b_events: Vec<P2pEvent>,
    /// Messages that crossed, for the size checks.
    sizes: Vec<usize>,
    /// Files Alice offered, which her app reads as her link asks.
    files: HashMap<u32, Vec<u8>>,
    /// What Bob's app was handed of each file, in order.
    got: HashMap<u32, Vec<u8>>,
}

/// The P2P data of an `MSG` payload, checking its envelope.
fn unwrap_envelope(payload: &[u8], dest: &str) -> Vec<u8> {
    let m = MimeMessage::parse(payload);
    assert_eq!(m.content_type(), "application/x-msnmsgrp2p");
    assert_eq!(m.header("P2P-Dest"), Some(dest));
    m.body
}

impl Pair {
    fn new() -> Pair {
        let now = Instant::now();
        Pair {
            a: P2pLink::new("alice@example.com", "bob@example.com", 0x1234_5678, P2pConfig::default()),
            b: P2pLink::new("bob@example.com", "alice@example.com", 0x9abc_def0, P2pConfig::default()),
            now,
            a_events: vec![],
            b_events: vec![],
            sizes: vec![],
            files: HashMap::new(),
            got: HashMap::new(),
        }
    }

    /// Alice offers a file, as her app does.
    fn offer(&mut self, name: &str, data: Vec<u8>) -> u32 {
        let session = self.a.offer_file(name, data.len() as u64, self.now);
        self.files.insert(session, data);
        session
    }

    /// Alice offers a file and Bob accepts it (the offer has reached him).
    fn offer_accepted(&mut self, name: &str, data: Vec<u8>) -> u32 {
        let session = self.offer(name, data);
        self.run(10);
        self.b.accept(session, self.now).unwrap();
        session
    }

    /// The file Bob received, once his link said it is all there.
    fn received(&self, session: u32) -> Option<Vec<u8>> {
        let whole = self.b_events.iter().any(|e| matches!(e, P2pEvent::Received { session: s, .. } if *s == session));
        whole.then(|| self.got.get(&session).cloned().unwrap_or_default())
    }

    /// Each side's app does what its link asks: Alice's reads the next
    /// window of a file, Bob's keeps the pieces (in order, or it fails).
    fn serve_apps(&mut self) -> bool {
        let mut gave = false;
        let a_new: Vec<P2pEvent> = std::iter::from_fn(|| self.a.poll_event()).collect();
        for e in &a_new {
            if let P2pEvent::WantData { session, offset, len } = *e {
                // What the file has, up to what was asked (a file cut
                // short on disk reads short, then empty).
                let file = &self.files[&session];
                let end = ((offset + len) as usize).min(file.len());
                let _ = self.a.give_data(session, &file[(offset as usize).min(end)..end]);
                gave = true;
            }
        }
        self.a_events.extend(a_new);
        let b_new: Vec<P2pEvent> = std::iter::from_fn(|| self.b.poll_event()).collect();
        for e in &b_new {
            if let P2pEvent::FileData { session, offset, data } = e {
                let kept = self.got.entry(*session).or_default();
                assert_eq!(kept.len() as u64, *offset, "pieces in order");
                kept.extend_from_slice(data);
            }
        }
        self.b_events.extend(b_new);
        gave
    }

    /// Carry messages both ways until nothing moves; at most `limit`.
    fn run(&mut self, limit: usize) {
        for _ in 0..limit {
            let mut moved = false;
            // Chunks already on their way when a session ends find no
            // session: refused, and nothing else.
            let ok = |r: Result<(), P2pError>| assert!(matches!(r, Ok(()) | Err(P2pError::NoSession(_))), "{r:?}");
            if let Some(m) = self.a.poll_transmit() {
                self.sizes.push(m.to_bytes().len());
                ok(self.b.handle_packet(&unwrap_envelope(&m.to_bytes(), "bob@example.com"), self.now));
                moved = true;
            }
            if let Some(m) = self.b.poll_transmit() {
                self.sizes.push(m.to_bytes().len());
                ok(self.a.handle_packet(&unwrap_envelope(&m.to_bytes(), "alice@example.com"), self.now));
                moved = true;
            }
            moved |= self.serve_apps();
            if !moved {
                return;
            }
        }
    }

    fn run_until(&mut self, mut stop: impl FnMut(&Pair) -> bool) {
        for _ in 0..100_000 {
            if stop(self) {
                return;
            }
            self.run(1);
        }
        panic!("never happened; alice: {:?}\nbob: {:?}", self.a_events, self.b_events);
    }
}

fn picture(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

#[test]
fn a_display_picture_is_requested_served_and_checked() {
    let mut p = Pair::new();
    let data = picture(20_000);
    let object = MsnObject::for_data("bob@example.com", kind::DISPLAY_PICTURE, "TFR1.dat", &data);
    let session = p.a.request_object(&object, p.now);
    p.run(10);
    let asked = p.b_events.iter().find_map(|e| match e {
        P2pEvent::ObjectRequested { session, object } => Some((*session, object.clone())),
        _ => None,
    });
    assert_eq!(asked, Some((session, object.clone())), "{:?}", p.b_events);
    p.b.serve_object(session, data.clone()).unwrap();
    p.run(1000);
    let got = p.a_events.iter().find_map(|e| match e {
        P2pEvent::Received { data, transfer, .. } => Some((data.clone(), transfer.clone())),
        _ => None,
    });
    assert_eq!(got, Some((data, Transfer::Object(object))));
    assert!(p.b_events.contains(&P2pEvent::Sent { session }), "{:?}", p.b_events);
    assert!(p.a.is_idle() && p.b.is_idle(), "both ends finished");
    // Every message fits the switchboard's limit.
    assert!(p.sizes.iter().all(|s| *s <= 1664), "{:?}", p.sizes.iter().max());
}

#[test]
fn a_file_is_offered_accepted_and_arrives_with_progress() {
    let mut p = Pair::new();
    let data = picture(1 << 20);
    let session = p.offer("big file.bin", data.clone());
    p.run(10);
    assert!(p.b_events.iter().any(|e| matches!(e, P2pEvent::FileOffered { file, .. }
        if file.name == "big file.bin" && file.size == 1 << 20)));
    p.b.accept(session, p.now).unwrap();
    p.run(5000);
    assert!(p.a_events.contains(&P2pEvent::Accepted { session }));
    let progress: Vec<u64> = p
        .b_events
        .iter()
        .filter_map(|e| match e {
            P2pEvent::Progress { done, .. } => Some(*done),
            _ => None,
        })
        .collect();
    assert!(progress.len() > 800 && progress.windows(2).all(|w| w[0] < w[1]), "progress in steps");
    assert_eq!(p.received(session), Some(data), "byte-identical");
    assert!(p.a_events.contains(&P2pEvent::Sent { session }));
    assert!(p.sizes.iter().all(|s| *s <= 1664));
}

#[test]
fn a_declined_file_ends_on_both_sides() {
    let mut p = Pair::new();
    let session = p.offer("nope.txt", b"nope".to_vec());
    p.run(10);
    p.b.decline(session).unwrap();
    p.run(10);
    assert!(p.a_events.contains(&P2pEvent::Declined { session }));
    assert!(p.a.is_idle() && p.b.is_idle());
}

#[test]
fn either_side_can_cancel_half_way() {
    for receiver_cancels in [false, true] {
        let mut p = Pair::new();
        let session = p.offer_accepted("half.bin", picture(200_000));
        // Half-way through.
        p.run_until(|p| p.b_events.iter().any(|e| matches!(e, P2pEvent::Progress { done, .. } if *done >= 100_000)));
        if receiver_cancels {
            p.b.cancel(session).unwrap();
        } else {
            p.a.cancel(session).unwrap();
        }
        p.run(1000);
        let (canceller, other) = if receiver_cancels { (&p.b_events, &p.a_events) } else { (&p.a_events, &p.b_events) };
        assert!(canceller.contains(&P2pEvent::Cancelled { session, by_peer: false }));
        assert!(other.contains(&P2pEvent::Cancelled { session, by_peer: true }), "{other:?}");
        assert!(!p.a_events.iter().chain(&p.b_events).any(|e| matches!(e, P2pEvent::Received { .. })));
        assert!(p.a.is_idle() && p.b.is_idle(), "nothing left queued after a cancel");
    }
}

#[test]
fn several_sessions_at_once_on_one_link() {
    let mut p = Pair::new();
    let files: Vec<Vec<u8>> = (0..3).map(|i| picture(30_000 + i * 1000)).collect();
    let sessions: Vec<u32> = files.iter().enumerate().map(|(i, f)| p.offer(&format!("f{i}"), f.clone())).collect();
    let pic = picture(5000);
    let object = MsnObject::for_data("alice@example.com", kind::DISPLAY_PICTURE, "x", &pic);
    let dp = p.b.request_object(&object, p.now);
    p.run(20);
    for s in &sessions {
        p.b.accept(*s, p.now).unwrap();
    }
    p.a.serve_object(dp, pic.clone()).unwrap();
    p.run(10_000);
    for (s, f) in sessions.iter().zip(&files) {
        assert_eq!(p.received(*s).as_ref(), Some(f));
    }
    assert!(
        p.b_events
            .iter()
            .any(|e| matches!(e, P2pEvent::Received { session, data, .. } if *session == dp && *data == pic))
    );
}

#[test]
fn what_does_not_match_its_announcement_fails() {
    let mut p = Pair::new();
    let object = MsnObject::for_data("bob@example.com", kind::DISPLAY_PICTURE, "x", b"the real picture");
    let session = p.a.request_object(&object, p.now);
    p.run(10);
    // Bob serves other bytes of the same size: refused at Alice's end.
    p.b.serve_object(session, b"a forged picture".to_vec()).unwrap();
    p.run(100);
    assert!(p.a_events.iter().any(|e| matches!(e, P2pEvent::Failed { .. })), "{:?}", p.a_events);
    assert!(!p.a_events.iter().any(|e| matches!(e, P2pEvent::Received { .. })));
}

#[test]
fn a_silent_peer_times_out() {
    // An offer, or a picture asked for, that the peer's client never
    // acknowledges: failed after the stall time.
    let mut p = Pair::new();
    let session = p.offer("x", b"x".to_vec());
    let picture = p.a.request_object(&MsnObject::for_data("bob@example.com", kind::DISPLAY_PICTURE, "x", b"x"), p.now);
    while p.a.poll_transmit().is_some() {}
    assert_eq!(p.a.poll_timeout(), Some(p.now + Duration::from_secs(60)));
    p.a.handle_timeout(p.now + Duration::from_secs(61));
    let failed: Vec<u32> = std::iter::from_fn(|| p.a.poll_event())
        .filter_map(|e| if let P2pEvent::Failed { session, .. } = e { Some(session) } else { None })
        .collect();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(failed.contains(&session) && failed.contains(&picture));
}

#[test]
fn an_offer_waits_for_the_person_however_long_then_the_data_has_its_stall_clock() {
    let mut p = Pair::new();
    let data = picture(50_000);
    let session = p.offer("later.bin", data.clone());
    p.run(10);
    assert!(p.b_events.iter().any(|e| matches!(e, P2pEvent::FileOffered { .. })));
    // Bob's client has it (it acknowledged it): neither side counts the
    // minutes Bob takes to answer.
    assert_eq!((p.a.poll_timeout(), p.b.poll_timeout()), (None, None));
    let later = p.now + Duration::from_secs(600);
    p.a.handle_timeout(later);
    p.b.handle_timeout(later);
    p.now = later;
    p.b.accept(session, later).unwrap();
    // From the answer on, a minute of silence is a failure again.
    assert_eq!(p.b.poll_timeout(), Some(later + Duration::from_secs(60)));
    p.run(1000);
    assert_eq!(p.received(session), Some(data));
    assert!(p.a_events.contains(&P2pEvent::Sent { session }), "{:?}", p.a_events);
    assert!(!p.a_events.iter().chain(&p.b_events).any(|e| matches!(e, P2pEvent::Failed { .. })));
}

#[test]
fn accepted_data_that_stops_coming_fails() {
    let mut p = Pair::new();
    let session = p.offer_accepted("stuck.bin", picture(50_000));
    // Bob's 200 OK never reaches Alice: Bob waits a minute for data.
    while p.b.poll_transmit().is_some() {}
    p.b.handle_timeout(p.now + Duration::from_secs(61));
    assert!(
        std::iter::from_fn(|| p.b.poll_event())
            .any(|e| matches!(e, P2pEvent::Failed { session: s, .. } if s == session))
    );
}

#[test]
fn hostile_sizes_and_strangers_are_refused() {
    let mut p = Pair::new();
    // A data message for a session that does not exist.
    let stray = Packet {
        header: Header { session_id: 99, id: 5, total: 10, length: 10, flags: Flags::FILE_DATA, ..Header::default() },
        data: vec![0; 10],
        app_id: app::FILE,
    };
    assert_eq!(p.a.handle_packet(&stray.to_bytes(), p.now), Err(P2pError::NoSession(99)));
    // A negotiation message claiming a gigabyte.
    let huge = Packet {
        header: Header { id: 6, total: 1 << 30, length: 4, ..Header::default() },
        data: vec![b'x'; 4],
        app_id: app::SLP,
    };
    assert_eq!(p.a.handle_packet(&huge.to_bytes(), p.now), Err(P2pError::TooLarge(1 << 30)));
    // A file offer over the limit is declined without asking the app.
    let mut small = P2pLink::new("b@x.com", "a@x.com", 3, P2pConfig { max_file: 100, ..P2pConfig::default() });
    let session = p.a.offer_file("big", 101, p.now);
    while let Some(m) = p.a.poll_transmit() {
        small.handle_packet(&unwrap_envelope(&m.to_bytes(), "bob@example.com"), p.now).unwrap();
    }
    assert!(!std::iter::from_fn(|| small.poll_event()).any(|e| matches!(e, P2pEvent::FileOffered { .. })));
    while let Some(m) = small.poll_transmit() {
        p.a.handle_packet(&unwrap_envelope(&m.to_bytes(), "a@x.com"), p.now).unwrap();
    }
    assert!(std::iter::from_fn(|| p.a.poll_event()).any(|e| e == P2pEvent::Declined { session }));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any payload, sent as chunks, arrives whole and equal.
    #[test]
    fn any_file_arrives_equal(data in proptest::collection::vec(any::<u8>(), 0..20_000), seed in any::<u64>()) {
        let mut p = Pair::new();
        p.a = P2pLink::new("alice@example.com", "bob@example.com", seed, P2pConfig::default());
        let session = p.offer_accepted("f", data.clone());
        p.run(10_000);
        prop_assert_eq!(p.received(session), Some(data));
    }

    /// Packets round-trip, and parsing any bytes never panics.
    #[test]
    fn packets_round_trip_and_garbage_is_refused(
        session_id in any::<u32>(), id in any::<u32>(), data in proptest::collection::vec(any::<u8>(), 0..1202),
        garbage in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let p = Packet { header: Header { session_id, id, total: data.len() as u64, length: data.len() as u32, ..Header::default() }, data, app_id: 1 };
        prop_assert_eq!(Packet::parse(&p.to_bytes()), Ok(p));
        let _ = Packet::parse(&garbage);
        let _ = SlpMessage::parse(&garbage);
        let _ = FileContext::parse(&garbage);
        let mut link = P2pLink::new("a@x.com", "b@x.com", 1, P2pConfig::default());
        let _ = link.handle_packet(&garbage, Instant::now());
    }
}

#[test]
fn custom_emoticons_are_announced_as_shortcut_and_object_pairs() {
    // As the format's public description shows it: shortcut TAB msnobj TAB ...
    let tux = "<msnobj Creator=\"alice@example.com\" Size=\"978\" Type=\"2\" Location=\"TFRC5.dat\" Friendly=\"AAA=\" SHA1D=\"Uz3MQadmIWHed3saSdwcTo/Tc7U=\" SHA1C=\"e7vZQCbXV30xf3gngY3P3slZhts=\"/>";
    let baaha = "<msnobj Creator=\"alice@example.com\" Size=\"691\" Type=\"2\" Location=\"TFR3FA.dat\" Friendly=\"AAA=\" SHA1D=\"as1WxRoW0FXQFVrERtCC1Hec8i8=\" SHA1C=\"AeZUBbzp5rI7tlZJ++ikrO4SeUk=\"/>";
    let raw = format!("MIME-Version: 1.0\r\nContent-Type: text/x-mms-emoticon\r\n\r\n(tux)\t{tux}\t(baaha)\t{baaha}\t");
    let body = msnp::message::MessageBody::parse(raw.as_bytes());
    let msnp::message::MessageBody::Emoticons { animated, items } = &body else { panic!("{body:?}") };
    assert!(!animated);
    assert_eq!(items, &[("(tux)".to_owned(), tux.to_owned()), ("(baaha)".to_owned(), baaha.to_owned())]);
    for (_, object) in items {
        let o = MsnObject::parse(object).unwrap();
        assert_eq!((o.kind, o.creator.as_str()), (kind::EMOTICON, "alice@example.com"));
    }
    // Written back the same way, and read back equal.
    assert_eq!(msnp::message::MessageBody::parse(&body.to_bytes()), body);
    assert!(String::from_utf8(body.to_bytes()).unwrap().ends_with(&format!("(tux)\t{tux}\t(baaha)\t{baaha}\t")));
    // Animated ones, and nothing usable (kept whole, never lost).
    let anim = raw.replace("x-mms-emoticon", "x-mms-animemoticon");
    assert!(matches!(
        msnp::message::MessageBody::parse(anim.as_bytes()),
        msnp::message::MessageBody::Emoticons { animated: true, .. }
    ));
    let junk = b"MIME-Version: 1.0\r\nContent-Type: text/x-mms-emoticon\r\n\r\nno pairs here";
    assert!(matches!(msnp::message::MessageBody::parse(junk), msnp::message::MessageBody::Other(_)));
}

#[test]
fn a_file_is_read_a_window_at_a_time_and_handed_on_as_it_arrives() {
    let mut p = Pair::new();
    let data = picture(1 << 20);
    let session = p.offer_accepted("big.bin", data.clone());
    // Carried step by step: what Alice's app gave, and what was sent.
    let (mut given, mut most_held, mut sent) = (0u64, 0u64, 0u64);
    for _ in 0..20_000 {
        let seen = p.a_events.len();
        p.run(1);
        for e in &p.a_events[seen..] {
            match *e {
                P2pEvent::WantData { offset, len, .. } => {
                    assert_eq!(offset, given, "asked in order");
                    assert!(len <= 64 * 1024);
                    given += len;
                }
                P2pEvent::Progress { done, .. } => sent = done,
                _ => {}
            }
        }
        most_held = most_held.max(given - sent);
        if p.received(session).is_some() {
            break;
        }
    }
    assert_eq!(p.received(session), Some(data), "byte-identical");
    assert!(most_held <= 96 * 1024, "at most a window and a half held, not the file: {most_held}");
    let pieces: Vec<usize> = p
        .b_events
        .iter()
        .filter_map(|e| if let P2pEvent::FileData { data, .. } = e { Some(data.len()) } else { None })
        .collect();
    assert!(pieces.len() > 800 && pieces.iter().all(|n| *n <= 1202), "handed on chunk by chunk");
    // Object data is still given whole, in `Received`.
    assert!(!p.b_events.iter().any(|e| matches!(e, P2pEvent::Received { data, .. } if !data.is_empty())));
}

#[test]
fn a_file_that_shrank_on_disk_fails_at_both_ends() {
    let mut p = Pair::new();
    let data = picture(100_000);
    let session = p.offer("shrinks.bin", data);
    // The file is cut to 70,000 bytes after it was offered: the read at
    // 70,000 comes back empty.
    p.files.get_mut(&session).unwrap().truncate(70_000);
    p.run(10);
    p.b.accept(session, p.now).unwrap();
    p.run(10_000);
    assert!(p.a_events.iter().any(|e| matches!(e, P2pEvent::Failed { reason, .. } if reason.contains("changed"))));
    assert!(p.b_events.iter().any(|e| matches!(e, P2pEvent::Cancelled { session: s, by_peer: true } if *s == session)));
    assert_eq!(p.received(session), None);
    assert!(p.a.is_idle() && p.b.is_idle());
}

#[test]
fn a_file_sent_twice_at_once_fails() {
    let mut p = Pair::new();
    let session = p.offer_accepted("twice.bin", picture(10_000));
    let piece = |id| Packet {
        header: Header {
            session_id: session,
            id,
            total: 10_000,
            length: 100,
            flags: Flags::FILE_DATA,
            ..Header::default()
        },
        data: vec![7; 100],
        app_id: app::FILE,
    };
    assert_eq!(p.b.handle_packet(&piece(1000).to_bytes(), p.now), Ok(()));
    assert_eq!(p.b.handle_packet(&piece(2000).to_bytes(), p.now), Err(P2pError::BadOffset));
    assert!(
        std::iter::from_fn(|| p.b.poll_event())
            .any(|e| matches!(e, P2pEvent::Failed { session: s, .. } if s == session))
    );
}

#[test]
fn a_direct_connection_offered_is_answered_no_and_the_file_comes_over_the_switchboard() {
    // A sender as MSN 7, Kopete or Miranda: after Bob's 200 OK it offers a
    // direct connection on the same call, and sends nothing until answered.
    let d = Dialog {
        me: "alice@example.com".into(),
        peer: "bob@example.com".into(),
        call_id: "{C0FFEE00-0000-0000-0000-000000000003}".into(),
        branch: "{B0B00000-0000-0000-0000-000000000004}".into(),
    };
    let now = Instant::now();
    let mut bob = P2pLink::new("bob@example.com", "alice@example.com", 11, P2pConfig::default());
    let slp = |id: u32, m: &SlpMessage| {
        let data = m.to_bytes();
        let header = Header { id, total: data.len() as u64, length: data.len() as u32, ..Header::default() };
        Packet { header, data, app_id: app::SLP }.to_bytes()
    };
    let file = FileContext { name: "direct.bin".into(), size: 3 };
    bob.handle_packet(&slp(100, &d.invite(77, EUF_FILE, app::FILE, &file.to_context())), now).unwrap();
    assert!(std::iter::from_fn(|| bob.poll_event()).any(|e| matches!(e, P2pEvent::FileOffered { session: 77, .. })));
    bob.accept(77, now).unwrap();
    while bob.poll_transmit().is_some() {}
    let mut transreq = d.invite(77, EUF_FILE, app::FILE, "");
    transreq.headers.retain(|(k, _)| k != "Content-Type");
    transreq.headers.push(("Content-Type".into(), TRANS_REQ_BODY.into()));
    transreq.body = ["Bridges: TCPv1", "NetID: 0", "Conn-Type: Direct-Connect", "UPnPNat: false", "ICF: false"]
        .iter()
        .map(|l| l.split_once(": ").map(|(k, v)| (k.to_owned(), v.to_owned())).unwrap())
        .collect();
    bob.handle_packet(&slp(101, &transreq), now).unwrap();
    let answers: Vec<SlpMessage> = std::iter::from_fn(|| bob.poll_transmit())
        .filter_map(|m| Packet::parse(&unwrap_envelope(&m.to_bytes(), "alice@example.com")).ok())
        .filter(|p| p.header.flags == Flags::NONE)
        .filter_map(|p| SlpMessage::parse(&p.data).ok())
        .collect();
    assert_eq!(answers.len(), 1, "{answers:?}");
    let a = &answers[0];
    assert_eq!(a.status(), Some(200));
    assert_eq!(a.header("Content-Type"), Some(TRANS_RESP_BODY));
    assert_eq!(a.call_id(), Some("{C0FFEE00-0000-0000-0000-000000000003}"));
    assert_eq!((a.field("Listening"), a.field("Bridge")), (Some("false"), Some("TCPv1")));
    // No new session came of it, and the data, when it comes, is taken.
    assert!(!std::iter::from_fn(|| bob.poll_event()).any(|e| matches!(e, P2pEvent::FileOffered { .. })));
    let data = Packet {
        header: Header { session_id: 77, id: 102, total: 3, length: 3, flags: Flags::FILE_DATA, ..Header::default() },
        data: b"abc".to_vec(),
        app_id: app::FILE,
    };
    bob.handle_packet(&data.to_bytes(), now).unwrap();
    assert!(std::iter::from_fn(|| bob.poll_event()).any(|e| matches!(e, P2pEvent::Received { session: 77, .. })));
    // An invitation it cannot place is refused with why (the app logs it),
    // not dropped without a word.
    transreq.headers.retain(|(k, _)| k != "Content-Type");
    transreq.headers.push(("Content-Type".into(), "application/x-msnmsgr-transudpswitch".into()));
    assert!(
        matches!(bob.handle_packet(&slp(103, &transreq), now), Err(P2pError::Slp(why)) if why.contains("transudpswitch"))
    );
}
