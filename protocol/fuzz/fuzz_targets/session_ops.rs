//! A sequence of operations on the NS and SB sessions: input chunks, API
//! calls, timeouts. Nothing may panic, whatever the order.
#![no_main]
use libfuzzer_sys::fuzz_target;
use msnp::message::MessageBody;
use msnp::session::*;
use msnp::types::*;
use std::time::Duration;
use web_time::Instant;

/// An address as a server would send it (tests use short ones).
fn em(s: &str) -> msnp::types::Email {
    msnp::types::Email::from_wire(s)
}

fuzz_target!(|data: &[u8]| {
    let t0 = Instant::now();
    let mut ns = NsSession::new(NsConfig::new(em("a@b.c"), "pw"));
    let mut sb = SbSession::new(em("a@b.c"), Dialect::MSNP9, SbStart::Call { cookie: "k".into(), invitees: vec![em("b@c.d")] });
    ns.start(t0);
    sb.start(t0);
    let mut now = t0;
    for chunk in data.split(|b| *b == 0xFF) {
        let Some((op, rest)) = chunk.split_first() else { continue };
        match op % 12 {
            0 => ns.handle_input(rest, now),
            1 => sb.handle_input(rest, now),
            2 => { let _ = ns.set_status(Status::ALL[rest.len() % Status::ALL.len()]); }
            3 => { let _ = ns.add_to_list(List::ALL[rest.len() % 5], &em(&String::from_utf8_lossy(rest)), (rest.len() % 2 == 1).then_some("1")); }
            4 => { let _ = ns.remove_from_list(List::ALL[rest.len() % 5], &em(&String::from_utf8_lossy(rest)), None); }
            5 => { let _ = ns.provide_ticket(Secret::new(String::from_utf8_lossy(rest)), now); }
            6 => { now += Duration::from_secs(u64::from(rest.first().copied().unwrap_or(1))); ns.handle_timeout(now); sb.handle_timeout(now); }
            7 => { let _ = sb.send_message(MessageBody::Text { text: String::from_utf8_lossy(rest).into(), format: None, id: None }, AckMode::Acknowledged); }
            8 => sb.send_typing(),
            9 => { let _ = ns.set_name(&String::from_utf8_lossy(rest)); let _ = ns.set_personal_message(&String::from_utf8_lossy(rest)); }
            10 => { let _ = ns.request_switchboard(); let _ = sb.invite(&em("x@y.z")); let _ = sb.invite_when_ready(&em(&String::from_utf8_lossy(rest))); }
            _ => { sb.handle_close(); ns.handle_close(); }
        }
        while ns.poll_event().is_some() {}
        while sb.poll_event().is_some() {}
        let _ = (ns.poll_transmit(), sb.poll_transmit(), ns.poll_timeout(), sb.poll_timeout());
    }
});
