//! How long a person waits for a contact's display picture: from opening a
//! conversation (a double-click on a contact whose picture this browser
//! has never seen) to the picture drawn in the window, through relay +
//! devserver on loopback, both people in headless Chromium. Measured in the
//! page (`performance.now()`), beside the floor in the same run: the same
//! click to the conversation window drawn. Each run Alice sets a new
//! picture, so Bob's cache never has it.
//!
//!   trunk build --release && cargo run -p e2e --example picture_timing -- [--runs N]

use devserver::hub::Timing;
use e2e::*;
use std::time::Duration;

/// Alice's picture becomes a new one, drawn in her page (run `i`'s colour).
const NEW_PICTURE: &str = "const [i, done] = [arguments[0], arguments[arguments.length - 1]];
    const c = document.createElement('canvas'); c.width = 64; c.height = 64;
    const g = c.getContext('2d'); g.fillStyle = `hsl(${(i * 47) % 360}, 70%, 50%)`; g.fillRect(0, 0, 64, 64);
    g.fillStyle = '#fff'; g.font = '20px sans-serif'; g.fillText(String(i), 8, 40);
    c.toBlob(b => {
      const dt = new DataTransfer(); dt.items.add(new File([b], 'p.png', { type: 'image/png' }));
      const input = document.querySelector('[data-testid=me-picture]'); input.files = dt.files;
      input.dispatchEvent(new Event('change', { bubbles: true })); done(true);
    }, 'image/png');";

/// Double-click Alice's row; ms to the window drawn and to her picture in it.
const OPEN_AND_TIME: &str = "const done = arguments[arguments.length - 1];
    const t0 = performance.now(); let win = null;
    const check = () => {
      if (win === null && document.querySelector(\"[data-testid=conversation][data-with='alice@example.com']\")) win = performance.now() - t0;
      if (document.querySelector(\"[data-testid=conversation] [data-testid=picture][data-email='alice@example.com'][data-default=false]\")) {
        obs.disconnect(); done([win, performance.now() - t0]);
      }
    };
    const obs = new MutationObserver(check);
    obs.observe(document.body, { subtree: true, childList: true, attributes: true });
    document.querySelector(\"[data-testid=contact][data-email='alice@example.com']\")
      .dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));";

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let runs: u32 = bench::flag("runs", 10);
    let stack = Stack::start(Timing::default()).await;
    // Her row is out of sight, so only the conversation fetches her picture.
    stack.bury("bob@example.com", &["alice@example.com"]);
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    bob.el("[data-testid=contact][data-email='alice@example.com'][data-status=NLN]").await;
    let (mut window, mut picture) = (Vec::new(), Vec::new());
    for i in 0..runs {
        alice.c.execute_async(NEW_PICTURE, vec![i.into()]).await.unwrap();
        // Her new picture is announced to Bob (and the last switchboard gone).
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let got = bob.c.execute_async(OPEN_AND_TIME, vec![]).await.expect("her picture drawn");
        let (w, p) = (got[0].as_f64().unwrap(), got[1].as_f64().unwrap());
        window.push(w);
        picture.push(p);
        bob.el("[data-testid=conversation-tab] .close").await.click().await.unwrap();
        bob.until_gone(&tid("conversation")).await;
    }
    let (w, p) = (median(&mut window), median(&mut picture));
    let max = picture.iter().copied().fold(0.0, f64::max);
    println!(
        "opening a conversation to the contact's picture drawn, {runs} runs, relay + devserver, headless Chromium:"
    );
    println!("  window drawn (floor):  p50 {w:.1} ms");
    println!("  picture drawn:         p50 {p:.1} ms, max {max:.1} ms ({:.1}x the floor)", p / w.max(0.1));
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}
