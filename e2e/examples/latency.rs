//! The latency a person feels: a message typed in A to drawn in B, both in
//! headless Chromium, through the relay and the devserver, one message at a
//! time; p50 and p99 over `--messages` (default 1,000), with where the time
//! goes: the sender (key press to the bytes handed to the WebSocket), the
//! relay and server (handed over in A to arrived in B), the receiver
//! (arrived to drawn and laid out). Beside it, in the same run, the floor:
//! two native `msnp` clients over the same relay and server. Then the same
//! with `--delay-ms` (default 50) added each way by a proxy in front of the
//! relay. Also sign-in to a drawn contact list: its time and the round trips
//! it took, against the commands it sent (one round trip each, if strictly
//! sequential).
//!
//!   trunk build --release && cargo run -p e2e --example latency -- [--messages N] [--delay-ms D]

use devserver::hub::Timing;
use e2e::*;
use msnp::message::{MessageBody, TextFormat};
use msnp::types::{AckMode, Dialect};
use std::time::{Duration, Instant};

/// Timestamps (ms since the epoch, `performance.timeOrigin + now()`, so
/// comparable across the two browsers) of `LAT-<i>` messages: typed, handed
/// to a WebSocket, arrived from one, drawn.
const INSTRUMENT: &str = "const now = () => performance.timeOrigin + performance.now();
    const L = window.__lat = { typed: {}, sent: {}, recv: {}, drawn: {}, waiters: {} };
    const dec = new TextDecoder();
    const mark = (map, data) => {
      const s = typeof data === 'string' ? data : dec.decode(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
      if (!s.includes('LAT-')) return;
      const t = now();
      for (const m of s.matchAll(/LAT-(\\d+)/g)) if (!(m[1] in map)) map[m[1]] = t;
    };
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (d) { mark(L.sent, d); return send.call(this, d); };
    const add = WebSocket.prototype.addEventListener;
    WebSocket.prototype.addEventListener = function (type, f, o) {
      if (type === 'message') { const g = f; f = function (e) { mark(L.recv, e.data); return g.call(this, e); }; }
      return add.call(this, type, f, o);
    };
    // New messages are drawn last; whatever way the page changed, look there.
    new MutationObserver(() => {
      const texts = document.querySelectorAll('[data-testid=message] .text');
      for (let k = Math.max(0, texts.length - 3); k < texts.length; k++) {
        const m = /LAT-(\\d+)/.exec(texts[k].textContent);
        if (m && !(m[1] in L.drawn)) { texts[k].offsetHeight; L.drawn[m[1]] = now(); const w = L.waiters[m[1]]; if (w) w(true); }
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });";

/// With `PROFILE`: elements taken out of the page (moved ones included),
/// by kind and parent. How Yew's moving every keyed message was found.
const REMOVED: &str = "window.__removed = {};
    new MutationObserver(recs => { for (const r of recs) for (const n of r.removedNodes) {
      const k = n.nodeType === 1 ? n.tagName + '.' + n.className + '#' + (n.dataset.testid || '') + ' in ' + (r.target.className || r.target.tagName) : '#text in ' + (r.target.className || r.target.tagName);
      __removed[k] = (__removed[k] || 0) + 1; } }).observe(document.body, { subtree: true, childList: true });";

/// Type `LAT-<i>` and press Enter.
const SEND: &str = "const i = arguments[0]; const ta = document.querySelector('[data-testid=compose-input]');
    ta.value = 'LAT-' + i; ta.dispatchEvent(new InputEvent('input', { bubbles: true }));
    __lat.typed[i] = performance.timeOrigin + performance.now();
    ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));";

/// Resolve once `LAT-<i>` is drawn.
const DRAWN: &str = "const [i, done] = [arguments[0], arguments[arguments.length - 1]];
    if (i in __lat.drawn) done(true); else __lat.waiters[i] = done;";

/// Click Sign in; ms until the contact list is drawn.
const SIGN_IN: &str = "const done = arguments[arguments.length - 1]; const t0 = performance.now();
    const ok = () => document.querySelector('[data-testid=connection-status][data-state=online]') && document.querySelector('[data-testid=contact]');
    const obs = new MutationObserver(() => { if (ok()) { obs.disconnect(); done(performance.now() - t0); } });
    obs.observe(document.body, { subtree: true, childList: true, attributes: true });
    document.querySelector('[data-testid=signin-submit]').click();";

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p / 100.0).round() as usize]
}

/// Sign `email` in through `url`; ms to a drawn list, and (with the
/// protocol log on: `debug`) the commands the page sent on the
/// notification connection to get there.
async fn sign_in(driver: &Driver, stack: &Stack, url: &str, email: &str, debug: bool) -> (Browser, f64, usize) {
    let b = driver.browser().await;
    b.c.goto(&if debug { format!("{url}?debug") } else { url.to_owned() }).await.unwrap();
    b.el(&tid("signin-advanced")).await.click().await.unwrap();
    b.select("signin-protocol", "MSNP12").await;
    b.type_into("signin-passport", &stack.passport()).await;
    b.type_into("signin-email", email).await;
    b.type_into("signin-password", email.split('@').next().unwrap()).await;
    let ms = b.c.execute_async(SIGN_IN, vec![]).await.unwrap().as_f64().unwrap();
    let js = "return Array.from(document.querySelectorAll('[data-testid=debug-line][data-link=NS][data-dir=\">>\"]')).filter(e => /^NS >> [A-Z]{3}( |$)/.test(e.textContent)).length";
    let commands = b.c.execute(js, vec![]).await.unwrap().as_u64().unwrap() as usize;
    (b, ms, commands)
}

struct Run {
    /// Where the receiving page's time went, from its own counters.
    work: String,
    total: Vec<f64>,
    sender: Vec<f64>,
    network: Vec<f64>,
    receiver: Vec<f64>,
}

async fn browsers(stack: &Stack, url: &str, n: usize, proxy: Option<&DelayProxy>) -> (Run, f64, usize, Option<usize>) {
    let driver = Driver::start().await;
    // Sign-in first, alone (with the protocol log on, to count commands;
    // it stays off for the messages: drawing it is work of its own).
    let (carol, sign_in_ms, commands) = sign_in(&driver, stack, url, "carol@example.com", true).await;
    // The round trips of that sign-in, counted on its notification connection.
    let trips = proxy.map(|p| {
        p.connections().iter().find(|c| c.first.starts_with(b"GET /ws")).map(|c| c.round_trips()).unwrap_or(0)
    });
    carol.c.close().await.unwrap();
    let (a, _, _) = sign_in(&driver, stack, url, "alice@example.com", false).await;
    let (b, _, _) = sign_in(&driver, stack, url, "bob@example.com", false).await;
    for x in [&a, &b] {
        x.c.execute(INSTRUMENT, vec![]).await.unwrap();
        x.script_timeout(60).await;
    }
    a.open_chat("bob@example.com").await;
    b.cdp("Performance.enable", serde_json::json!({})).await;
    let profile = std::env::var("PROFILE").is_ok();
    if profile {
        b.c.execute(REMOVED, vec![]).await.unwrap();
        b.start_profile().await;
    }
    let before = b.work().await;
    let warm = 20;
    for i in 0..n + warm {
        a.c.execute(SEND, vec![i.into()]).await.unwrap();
        if let Err(e) = b.c.execute_async(DRAWN, vec![i.into()]).await {
            let js = "return JSON.stringify([Object.keys(__lat.recv).length, Object.keys(__lat.drawn).length, Array.from(document.querySelectorAll('[data-testid=message] .text')).map(e => e.textContent).slice(-5), document.querySelectorAll('[data-testid=conversation-tab]').length])";
            let sa =
                a.c.execute(
                    "return JSON.stringify([Object.keys(__lat.typed).length, Object.keys(__lat.sent).length])",
                    vec![],
                )
                .await
                .unwrap();
            panic!("message {i} not drawn ({e}): B {} A {sa}", b.c.execute(js, vec![]).await.unwrap());
        }
    }
    let after = b.work().await;
    if std::env::var("PROFILE").is_ok() {
        println!("removed: {}", b.c.execute("return JSON.stringify(__removed)", vec![]).await.unwrap());
    }
    if profile {
        b.print_profile().await;
    }
    let per = |k: &str| (after[k] - before[k]) * 1000.0 / (n + warm) as f64;
    let work = format!(
        "receiver's page per message: script {:.1} ms, style {:.1} ms, layout {:.1} ms, other {:.1} ms (all tasks {:.1} ms)",
        per("ScriptDuration"),
        per("RecalcStyleDuration"),
        per("LayoutDuration"),
        per("TaskOtherDuration"),
        per("TaskDuration")
    );
    let get = |x: &Browser, what: &'static str| {
        let c = x.c.clone();
        async move {
            let v = c.execute(&format!("return __lat.{what}"), vec![]).await.unwrap();
            serde_json::from_value::<std::collections::HashMap<String, f64>>(v).unwrap()
        }
    };
    let (typed, sent, recv, drawn) =
        (get(&a, "typed").await, get(&a, "sent").await, get(&b, "recv").await, get(&b, "drawn").await);
    let mut run = Run { work: String::new(), total: vec![], sender: vec![], network: vec![], receiver: vec![] };
    for i in warm..n + warm {
        let k = i.to_string();
        let (t, s, r, d) = (typed[&k], sent[&k], recv[&k], drawn[&k]);
        run.total.push(d - t);
        run.sender.push(s - t);
        run.network.push(r - s);
        run.receiver.push(d - r);
    }
    a.c.close().await.unwrap();
    b.c.close().await.unwrap();
    (Run { work, ..run }, sign_in_ms, commands, trips)
}

/// The floor: two native clients, one message at a time (ms each).
async fn native(relay: u16, http: u16, n: usize) -> Vec<f64> {
    use bench::peer::Ns;
    let mut carol = Ns::login(relay, http, "carol@example.com", Dialect::MSNP12).await;
    let mut dave = Ns::login(relay, http, "dave@example.com", Dialect::MSNP12).await;
    let (mut from, mut to) =
        tokio::join!(carol.call("dave@example.com", Dialect::MSNP12), dave.answer(Dialect::MSNP12));
    let mut out = Vec::new();
    for i in 0..n + 20 {
        let text = format!("LAT-{i}");
        let t0 = Instant::now();
        from.s.send_message(MessageBody::text(text.clone(), TextFormat::default()), AckMode::Acknowledged).unwrap();
        from.flush().await;
        to.until_said(&text).await;
        if i >= 20 {
            out.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
        // Take the ACK, so it never queues behind the next message.
        while !from.step().await.iter().any(|e| matches!(e, msnp::session::SbEvent::Sent(_))) {}
    }
    out
}

fn report(label: &str, mut r: Run, mut floor: Vec<f64>) {
    println!("{label}, {} messages, both ends headless Chromium:", r.total.len());
    let (p50, p99) = (pct(&mut r.total, 50.0), pct(&mut r.total, 99.0));
    let (f50, f99) = (pct(&mut floor, 50.0), pct(&mut floor, 99.0));
    println!("  typed in A to drawn in B: p50 {p50:.1} ms, p99 {p99:.1} ms (goal on loopback: p50 < 8, p99 < 15)");
    for (name, v) in [("sender", &mut r.sender), ("relay + server", &mut r.network), ("receiver", &mut r.receiver)] {
        println!("    {name}: p50 {:.1} ms, p99 {:.1} ms", pct(v, 50.0), pct(v, 99.0));
    }
    println!("    {}", r.work);
    println!(
        "  two native clients, same relay and server (floor): p50 {f50:.2} ms, p99 {f99:.2} ms ({:.1}x at p50)",
        p50 / f50
    );
}

#[tokio::main]
async fn main() {
    let n: usize = bench::flag("messages", 1000);
    let delay: u64 = bench::flag("delay-ms", 50);
    let stack = Stack::start(Timing::default()).await;
    let http = stack.dev.http.unwrap().port();
    // The native clients send no Origin: a relay of their own lets them in.
    let open = stack.extra_relay(|c| c.allow_no_origin = true).await;
    let floor = native(open.addr.port(), http, n).await;
    let (run, ms, commands, _) = browsers(&stack, &stack.url(), n, None).await;
    report("loopback", run, floor);
    println!("  sign-in to a drawn list: {ms:.0} ms, {commands} commands on the notification connection");

    let stack = Stack::start(Timing::default()).await;
    let proxy = DelayProxy::start(stack.relay_addr, Duration::from_millis(delay)).await;
    let open = stack.extra_relay(|c| c.allow_no_origin = true).await;
    let native_proxy = DelayProxy::start(open.addr, Duration::from_millis(delay)).await;
    let floor = native(native_proxy.addr.port(), stack.dev.http.unwrap().port(), n).await;
    let (run, ms, commands, trips) = browsers(&stack, &proxy.url(), n, Some(&proxy)).await;
    report(&format!("{delay} ms added each way"), run, floor);
    println!(
        "  sign-in to a drawn list: {ms:.0} ms; {} round trips on the notification connection (upgrade included) for {commands} commands (strictly sequential: {} round trips), plus Passport",
        trips.unwrap_or(0),
        commands + 1
    );
}
