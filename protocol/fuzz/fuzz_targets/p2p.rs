//! The P2P layer against hostile bytes: any sequence of packets (whole or
//! mangled), with the app's answers mixed in, never panics, never holds
//! more than the limits allow, and the link keeps working.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msnp::p2p::{MsnObject, P2pConfig, P2pEvent, P2pLink};
use std::time::Duration;
use web_time::Instant;

fuzz_target!(|data: &[u8]| {
    let t0 = Instant::now();
    let config = P2pConfig { max_object: 64 * 1024, max_file: 256 * 1024, stall: Duration::from_secs(60) };
    let mut link = P2pLink::new("a@x.com", "b@x.com", 42, config);
    let mut now = t0;
    let obj = MsnObject::for_data("b@x.com", 3, "x", b"picture");
    let mut sessions = Vec::new();
    for chunk in data.split(|b| *b == 0xFE) {
        let Some((op, rest)) = chunk.split_first() else { continue };
        match op % 8 {
            0 | 1 | 2 => {
                let _ = link.handle_packet(rest, now);
            }
            3 => sessions.push(link.request_object(&obj, now)),
            4 => {
                let size = rest.first().map_or(0, |b| u64::from(*b) << 10);
                sessions.push(link.offer_file("f", size, now));
            }
            5 => {
                now += Duration::from_secs(u64::from(rest.first().copied().unwrap_or(1)));
                link.handle_timeout(now);
            }
            6 => {
                for s in &sessions {
                    let _ = link.accept(*s, now);
                    let _ = link.serve_object(*s, rest.to_vec());
                }
            }
            _ => {
                if let Some(s) = sessions.pop() {
                    let _ = link.cancel(s);
                }
            }
        }
        while let Some(e) = link.poll_event() {
            match e {
                P2pEvent::Received { ref data, .. } => assert!(data.len() <= 256 * 1024),
                P2pEvent::FileData { ref data, .. } => assert!(data.len() <= 4096),
                // The app reads the file: what this step's bytes have, up
                // to what was asked (short, or empty as a file cut short).
                P2pEvent::WantData { session, len, .. } => {
                    let n = (len as usize).min(rest.len());
                    let _ = link.give_data(session, &rest[..n]);
                }
                _ => {}
            }
            sessions.extend(match e {
                P2pEvent::ObjectRequested { session, .. } | P2pEvent::FileOffered { session, .. } => Some(session),
                _ => None,
            });
        }
        for _ in 0..64 {
            if link.poll_transmit().is_none() {
                break;
            }
        }
    }
});
