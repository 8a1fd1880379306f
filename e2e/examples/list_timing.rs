//! How fast a big contact list is drawn, in headless Chromium through the
//! relay and the devserver: from the bytes of the last `LST` arriving to the
//! list laid out on screen, for 1,000 and 5,000 contacts; then a hundred
//! contacts coming online in one read (one frame is 16.7 ms). The floor,
//! measured in the same page: the same names drawn by a plain `ul`.
//!
//!   trunk build --release && cargo run -p e2e --example list_timing -- [--contacts N] [--runs R]

use devserver::hub::Timing;
use e2e::*;
use msnp::codec::encode_server;
use msnp::types::{Capabilities, Name, Presence, ServerCommand, Status};

/// The floor: a plain list of the same names, built and laid out (ms).
const FLOOR: &str = "const n = arguments[0]; const t0 = performance.now();
    const ul = document.createElement('ul');
    for (let i = 0; i < n; i++) { const li = document.createElement('li'); li.textContent = 'Contact Número ' + i + ' ✓'; ul.appendChild(li); }
    document.body.appendChild(ul); ul.offsetHeight; const ms = performance.now() - t0; ul.remove(); return ms;";

fn email(i: usize) -> String {
    format!("contact{i:05}@example.com")
}

async fn run(n: usize, runs: usize) {
    let mut sync = Vec::new();
    let mut burst = Vec::new();
    let mut burst_dom = Vec::new();
    let mut floor = Vec::new();
    for _ in 0..runs {
        let stack = Stack::start(Timing::default()).await;
        let store = &stack.dev.hub.store;
        for i in 0..n {
            let name = format!("Contact Número {i} ✓");
            store.upsert_user(&email(i), "pw", Some(&name)).unwrap();
            store.add_entry("alice@example.com", msnp::types::List::Forward, &email(i), &name).unwrap();
            store.add_entry(&email(i), msnp::types::List::Reverse, "alice@example.com", "Alice").unwrap();
        }
        store.bump_serial("alice@example.com").unwrap();
        let driver = Driver::start().await;
        let alice = driver.browser().await;
        alice.cdp("Performance.enable", serde_json::json!({})).await;
        alice.sign_in_at(&stack.url(), Some(&stack.passport()), "alice@example.com", "alice", "MSNP12").await;
        alice.until_online().await;
        let before = alice.work().await;
        let list = alice.el(".contacts[data-draw-ms]").await;
        sync.push(list.attr("data-draw-ms").await.unwrap().unwrap().parse::<f64>().unwrap());
        if std::env::var("PROFILE").is_ok() {
            eprintln!("sign-in work (s): {before:?}");
        }
        // A hundred contacts online in one read.
        let mut bytes = Vec::new();
        for i in (0..n).step_by(n / 100).take(100) {
            let p = Presence {
                status: Status::Online,
                email: email(i),
                name: Name::new(format!("Contact Número {i} ✓")),
                caps: Some(Capabilities(0)),
                msnobj: None,
            };
            encode_server(&ServerCommand::Nln(p), &mut bytes);
        }
        let profile = std::env::var("PROFILE").is_ok();
        if profile {
            alice.start_profile().await;
        }
        alice.c.execute("document.querySelector('.contacts').removeAttribute('data-update-ms'); window.__moved = 0; new MutationObserver(r => r.forEach(m => window.__moved += m.removedNodes.length)).observe(document.querySelector('.contacts'), { subtree: true, childList: true });", vec![]).await.unwrap();
        assert!(stack.dev.hub.raw("alice@example.com", bytes));
        let work0 = alice.work().await;
        let updated = alice.el(".contacts[data-update-ms]").await;
        if std::env::var("PROFILE").is_ok() {
            let w = alice.work().await;
            let d: Vec<String> = w.iter().map(|(k, v)| format!("{k} {:.1} ms", (v - work0[k]) * 1000.0)).collect();
            eprintln!("burst work: {d:?}");
        }
        if profile {
            alice.print_profile().await;
        }
        if std::env::var("PROFILE").is_ok() {
            eprintln!("moved or removed: {}", alice.c.execute("return window.__moved", vec![]).await.unwrap());
        }
        let online =
            alice.c.find_all(fantoccini::Locator::Css("[data-testid=contact][data-status=NLN]")).await.unwrap();
        assert_eq!(online.len(), 100, "a hundred drawn online");
        burst.push(updated.attr("data-update-ms").await.unwrap().unwrap().parse::<f64>().unwrap());
        burst_dom.push(updated.attr("data-update-dom-ms").await.unwrap().unwrap().parse::<f64>().unwrap());
        floor.push(alice.c.execute(FLOOR, vec![n.into()]).await.unwrap().as_f64().unwrap());
        alice.c.close().await.unwrap();
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (s, b, f, d) = (median(&mut sync), median(&mut burst), median(&mut floor), median(&mut burst_dom));
    println!("{n} contacts, headless Chromium, median of {runs}:");
    println!(
        "  last LST to the list drawn: {s:.1} ms; a plain ul of the same names (floor): {f:.1} ms ({:.1}x)",
        s / f
    );
    println!(
        "  100 contacts online in one read to drawn: {b:.1} ms (one frame: 16.7 ms): {d:.1} ms to the page's elements changed, {:.1} ms the browser's style and layout",
        b - d
    );
}

#[tokio::main]
async fn main() {
    let only: usize = bench::flag("contacts", 0);
    let runs: usize = bench::flag("runs", 3);
    let sizes = if only > 0 { vec![only] } else { vec![1000, 5000] };
    for n in sizes {
        run(n, runs).await;
    }
}
