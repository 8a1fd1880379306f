//! File-transfer throughput through relay + devserver on loopback: two
//! `msnp` clients, each over WebSockets through `target/release/relay` to
//! `target/release/devserver`, move a file with MSNC P2P (`P2pLink`, chunks
//! of 1,202 bytes, at most `WINDOW` messages in flight, as the browser
//! client does). The ceiling, measured in the same run: the same bytes as
//! plain switchboard messages (`MSG A`) at the same window.
//!
//!   cargo build --release -p devserver -p relay -p bench && ./target/release/transfer_bench [--mib N]

use bench::peer::{Ns, Sb};
use bench::*;
use msnp::message::{MessageBody, TextFormat};
use msnp::p2p::{P2pConfig, P2pEvent, P2pLink};
use msnp::session::*;
use msnp::types::{AckMode, Dialect};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

/// Messages in flight on the switchboard (the browser client's window).
const WINDOW: usize = 8;

fn phase(what: &str) {
    if std::env::var("BENCH_DEBUG").is_ok() {
        eprintln!("-- {what}");
    }
}

struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Alice and Bob on one switchboard.
async fn pair(relay: u16, http: u16) -> (Sb, Sb) {
    let mut a = Ns::login(relay, http, "alice@example.com", Dialect::MSNP9).await;
    let mut b = Ns::login(relay, http, "bob@example.com", Dialect::MSNP9).await;
    let (sa, sb) = tokio::join!(a.call("bob@example.com", Dialect::MSNP9), b.answer(Dialect::MSNP9));
    phase("both on the switchboard");
    // Both NS connections stay open for the run.
    std::mem::forget((a, b));
    (sa, sb)
}

/// MB/s of a file sent with P2P from Alice to Bob, checked byte for byte.
async fn p2p(relay: u16, http: u16, data: Vec<u8>) -> f64 {
    let (mut sa, mut sb) = pair(relay, http).await;
    let mut la = P2pLink::new("alice@example.com", "bob@example.com", 7, P2pConfig::default());
    let mut lb = P2pLink::new("bob@example.com", "alice@example.com", 9, P2pConfig::default());
    la.offer_file("bench.bin", data.len() as u64, Instant::now());
    let sender = async {
        loop {
            while sa.s.in_flight() < WINDOW {
                let Some(p) = la.poll_transmit() else { break };
                sa.s.send_message(p, AckMode::Data).unwrap();
            }
            // The app reads the file a window at a time, as the link asks.
            let mut sent = false;
            while let Some(e) = la.poll_event() {
                match e {
                    P2pEvent::WantData { session, offset, len } => {
                        la.give_data(session, &data[offset as usize..(offset + len) as usize]).unwrap();
                    }
                    P2pEvent::Sent { .. } => sent = true,
                    _ => {}
                }
            }
            if sent {
                return;
            }
            for e in sa.step().await {
                if let SbEvent::Message { body: MessageBody::P2p { data, .. }, .. } = e {
                    la.handle_packet(&data, Instant::now()).unwrap();
                }
            }
        }
    };
    let receiver = async {
        let mut started = None;
        let mut got = Vec::with_capacity(data.len());
        loop {
            while sb.s.in_flight() < WINDOW {
                let Some(p) = lb.poll_transmit() else { break };
                sb.s.send_message(p, AckMode::Data).unwrap();
            }
            while let Some(e) = lb.poll_event() {
                match e {
                    P2pEvent::FileOffered { session, .. } => {
                        lb.accept(session, Instant::now()).unwrap();
                        started = Some(Instant::now());
                    }
                    P2pEvent::FileData { data: piece, .. } => got.extend_from_slice(&piece),
                    P2pEvent::Received { .. } => {
                        let secs = started.expect("accepted").elapsed().as_secs_f64();
                        assert!(got == data, "the file arrived changed");
                        sb.flush().await;
                        return secs;
                    }
                    _ => {}
                }
            }
            for e in sb.step().await {
                if let SbEvent::Message { body: MessageBody::P2p { data, .. }, .. } = e {
                    let _ = lb.handle_packet(&data, Instant::now());
                }
            }
        }
    };
    let ((), secs) = tokio::join!(sender, receiver);
    data.len() as f64 / secs / 1e6
}

/// MB/s of the same bytes as plain text messages (1,202 bytes each).
async fn plain(relay: u16, http: u16, bytes: usize) -> f64 {
    let (mut sa, mut sb) = pair(relay, http).await;
    let chunk = "x".repeat(1202);
    let n = bytes.div_ceil(chunk.len());
    let started = Instant::now();
    let sender = async {
        let mut queued = 0;
        while queued < n || sa.s.in_flight() > 0 {
            while queued < n && sa.s.in_flight() < WINDOW {
                sa.s.send_message(MessageBody::text(chunk.clone(), TextFormat::default()), AckMode::Acknowledged)
                    .unwrap();
                queued += 1;
            }
            sa.step().await;
        }
    };
    let receiver = async {
        let mut got = 0;
        while got < n {
            got += sb.step().await.iter().filter(|e| matches!(e, SbEvent::Message { .. })).count();
        }
    };
    tokio::join!(sender, receiver);
    (n * chunk.len()) as f64 / started.elapsed().as_secs_f64() / 1e6
}

#[tokio::main]
async fn main() {
    let mib: usize = bench::flag("mib", 8);
    let bin = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
    let (ns, sb, http, relay) = (free_port(), free_port(), free_port(), free_port());
    let db = std::env::temp_dir().join(format!("transfer-bench-{}.db", std::process::id()));
    let _procs = Procs(vec![
        Command::new(bin.join("devserver"))
            .args(["--no-dispatch", "--demo", "--db"])
            .arg(&db)
            .args(["--ns", &format!("127.0.0.1:{ns}"), "--sb", &format!("127.0.0.1:{sb}")])
            .args(["--http", &format!("127.0.0.1:{http}")])
            .env("RUST_LOG", if std::env::var("BENCH_DEBUG").is_ok() { "devserver=debug" } else { "warn" })
            .spawn()
            .expect("build devserver first (see the doc comment)"),
        Command::new(bin.join("relay"))
            .args(["--listen", &format!("127.0.0.1:{relay}"), "--upstream", &format!("127.0.0.1:{ns}")])
            .args(["--allow", &format!("127.0.0.1:{sb}"), "--allow-no-origin"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("build relay first"),
    ]);
    for p in [ns, http, relay] {
        assert!(wait_port(p).await, "a server did not start");
    }
    let data: Vec<u8> = (0..mib << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect();
    let ceiling = plain(relay, http, data.len()).await;
    phase("plain done");
    let p2p = p2p(relay, http, data).await;
    println!("through relay + devserver, {mib} MiB, window {WINDOW}:");
    println!("  plain switchboard messages (ceiling): {ceiling:.2} MB/s");
    println!(
        "  file transfer (MSNC P2P):             {p2p:.2} MB/s ({:.2}x the ceiling; goal >= 2 MB/s)",
        p2p / ceiling
    );
    let _ = std::fs::remove_file(&db);
}
