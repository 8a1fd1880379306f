//! File-transfer throughput between two people in headless Chromium, through
//! relay + devserver on loopback: from Bob's Accept to the file whole at
//! his side (`performance.now()` in his page), checked byte for byte. Its
//! peer, the same transfer between two native `msnp` clients, is
//! `target/release/transfer_bench`; `bench/media.sh` runs both.
//!
//! With `--delay-ms D` (each way) or `--down-kbps K` (bytes a second / 1000),
//! the receiver's page is behind a proxy that delays and paces what it is
//! sent: a long or slow line. `--sender-delay-ms D` puts the sender D ms
//! (each way) from the server.
//!
//!   trunk build --release && cargo run -p e2e --example transfer_timing -- [--mib N] [--delay-ms D] [--down-kbps K] [--sender-delay-ms D]

use devserver::hub::Timing;
use e2e::*;

/// Accept the offer; ms until the transfer is done at this side.
const ACCEPT_AND_TIME: &str = "const done = arguments[arguments.length - 1];
    const t0 = performance.now();
    const check = () => {
      if (document.querySelector('[data-testid=transfer][data-state=done]')) { obs.disconnect(); done(performance.now() - t0); }
    };
    const obs = new MutationObserver(check);
    obs.observe(document.body, { subtree: true, childList: true, attributes: true });
    document.querySelector('[data-testid=transfer-accept]').click();";

/// In the receiver's page: note when the chat message arrives.
const WATCH_CHAT: &str = "window.pingAt = null;
    new MutationObserver(() => {
      if (window.pingAt === null && [...document.querySelectorAll('[data-testid=message]')].some(m => m.textContent.includes('ping during the file'))) window.pingAt = Date.now();
    }).observe(document.body, { subtree: true, childList: true, characterData: true });";
const SEEN_AT: &str = "return window.pingAt;";

/// In the sender's page: send the chat message now; when (ms).
const SAY_NOW: &str = "const ta = document.querySelector('[data-testid=compose-input]');
    ta.value = 'ping during the file';
    ta.dispatchEvent(new InputEvent('input', { bubbles: true }));
    const at = Date.now();
    ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    return at;";

#[tokio::main]
async fn main() {
    let mib: usize = bench::flag("mib", 8);
    let delay: u64 = bench::flag("delay-ms", 0);
    let kbps: u64 = bench::flag("down-kbps", 0);
    let stack = Stack::start(Timing::default()).await;
    let line = DelayProxy::shaped(
        stack.relay_addr,
        std::time::Duration::from_millis(delay),
        (kbps > 0).then_some(kbps * 1000),
    )
    .await;
    let sender_delay: u64 = bench::flag("sender-delay-ms", 0);
    let far = DelayProxy::start(stack.relay_addr, std::time::Duration::from_millis(sender_delay)).await;
    let driver = Driver::start().await;
    let alice = driver.browser().await;
    // Straight to the relay unless far: the proxy itself adds a little to
    // each round trip, and 8 messages in flight make a file feel it.
    let alice_url = if sender_delay > 0 { far.url() } else { stack.url() };
    alice.sign_in_at(&alice_url, Some(&stack.passport()), "alice@example.com", "alice", "MSNP12").await;
    alice.until_online().await;
    let bob = driver.browser().await;
    let bob_url = if delay > 0 || kbps > 0 { line.url() } else { stack.url() };
    bob.sign_in_at(&bob_url, Some(&stack.passport()), "bob@example.com", "bob", "MSNP12").await;
    bob.until_online().await;
    alice.open_chat("bob@example.com").await;
    alice.say("a file is coming").await;
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "a file is coming").await;
    let data: Vec<u8> = (0..mib << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let path = std::env::temp_dir().join(format!("msn-web-timing-{}.bin", std::process::id()));
    std::fs::write(&path, &data).unwrap();
    alice.el(&tid("send-file")).await.send_keys(&path.display().to_string()).await.unwrap();
    bob.el("[data-testid=transfer][data-state=offered]").await;
    // Script timeouts default to 30 s; a slow transfer gets more.
    bob.script_timeout(600).await;
    bob.c.execute(WATCH_CHAT, vec![]).await.unwrap();
    // A chat message while the file is a third of the way: how long it
    // waits behind the file's data (the pages share the machine's clock).
    let chat = async {
        let bar = alice.el("[data-testid=transfer] [data-testid=transfer-progress]").await;
        loop {
            let done: u64 = bar.attr("value").await.ok().flatten().and_then(|v| v.parse().ok()).unwrap_or(0);
            if done * 3 >= data.len() as u64 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        alice.c.execute(SAY_NOW, vec![]).await.unwrap().as_f64().unwrap()
    };
    let (ms, sent_at) =
        tokio::join!(async { bob.c.execute_async(ACCEPT_AND_TIME, vec![]).await.unwrap().as_f64().unwrap() }, chat);
    let seen_at = bob.c.execute(SEEN_AT, vec![]).await.unwrap().as_f64();
    let url = bob.el("[data-testid=transfer-save]").await.attr("href").await.unwrap().unwrap();
    let js = "const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => done(b.byteLength));";
    let len = bob.c.execute_async(js, vec![url.into()]).await.unwrap().as_u64().unwrap();
    assert_eq!(len as usize, data.len(), "the whole file arrived");
    let _ = std::fs::remove_file(&path);
    let receiver = match (delay, kbps) {
        (0, 0) => "the receiver on loopback".to_owned(),
        _ => format!(
            "the receiver {delay} ms away each way, its line {}",
            if kbps > 0 { format!("{kbps} kB/s") } else { "unpaced".into() }
        ),
    };
    println!(
        "file transfer between two browsers, {mib} MiB, relay + devserver, headless Chromium ({receiver}, the sender {sender_delay} ms away each way):"
    );
    println!("  {:.2} MB/s (accept to whole file at the receiver: {ms:.0} ms)", data.len() as f64 / ms / 1e3);
    match seen_at {
        Some(at) => {
            println!("  a chat message sent a third of the way through reached the receiver in {:.0} ms", at - sent_at)
        }
        None => {
            println!("  a chat message sent a third of the way through had not reached the receiver when the file had")
        }
    }
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}
