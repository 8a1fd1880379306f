//! A long message, pasted as a person would: split into messages the
//! switchboard carries (its cap is 1,664 bytes on the revival server people
//! use, and ours), sent in order, shown as one message to the sender and
//! arriving whole, in order, at the other side.

use devserver::hub::Timing;
use e2e::*;

/// 20,000 characters of many scripts, emoji sequences and combining marks.
fn long_text() -> String {
    let mix = "Привет мир, 你好世界 مرحبا بالعالم שלום עולם こんにちは ελληνικά \
               👍🏽 👨\u{200D}👩\u{200D}👧 🇫🇷 café e\u{301}\u{302} नमस्ते दुनिया ";
    mix.chars().cycle().take(20_000).collect()
}

/// Paste `text` into the compose box (as a paste does: one input event).
async fn paste(b: &Browser, text: &str) {
    let js = "const [text] = arguments; const el = document.querySelector('[data-testid=compose-input]');
        el.focus(); el.value = text;
        el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));";
    b.c.execute(js, vec![text.into()]).await.unwrap();
    b.el(&tid("compose-input")).await.send_keys("\u{E007}").await.unwrap();
}

/// The texts of the messages from `from`, in order, joined.
async fn received(b: &Browser, from: &str) -> String {
    b.message_texts(from, None).await.concat()
}

async fn until_received(b: &Browser, from: &str, want: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let got = received(b, from).await;
        if got == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline && got.len() <= want.len(),
            "{} of {} bytes arrived; differs at {:?}",
            got.len(),
            want.len(),
            got.char_indices().zip(want.chars()).find(|((_, a), b)| a != b).map(|((i, _), _)| i)
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_twenty_thousand_characters_arrive_whole_and_in_order_on_msnp7_and_msnp12() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP7").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    bob.open_chat("alice@example.com").await;
    bob.say("ready").await;
    alice.until_text("[data-testid=message][data-from='bob@example.com']", "ready").await;
    let text = long_text();
    assert!(text.len() > 40_000, "well over any cap: {} bytes", text.len());

    // Alice (MSNP7) to Bob (MSNP12): one message for her, sent once all
    // its parts are acknowledged; the parts, in order, for him.
    paste(&alice, &text).await;
    alice.el("[data-testid=message][data-from='alice@example.com'][data-state=sent]").await;
    let mine = alice.c.find_all(fantoccini::Locator::Css("[data-testid=message][data-from='alice@example.com']"));
    assert_eq!(mine.await.unwrap().len(), 1, "the sender sees one message");
    until_received(&bob, "alice@example.com", &text).await;

    // And back, Bob (MSNP12) to Alice (MSNP7); chat goes on after.
    let before = received(&alice, "bob@example.com").await;
    paste(&bob, &text).await;
    until_received(&alice, "bob@example.com", &format!("{before}{text}")).await;
    bob.el("[data-testid=message][data-from='bob@example.com'][data-state=sent]:last-child").await;
    alice.say("got it all").await;
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "got it all").await;
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

/// Fifty long messages typed before the switchboard is there: they wait,
/// then go at once when it is, far more than one WebSocket message may be
/// at the relay (64 KiB). The page sends them in pieces: all arrive, none
/// fails (the relay closed the switchboard's socket before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_waiting_for_a_switchboard_go_at_once_however_many() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    alice.open_chat("bob@example.com").await;
    // In one script, before any answer can come: the switchboard is still
    // being asked for.
    let js = "const ta = document.querySelector('[data-testid=compose-input]');
        for (let i = 0; i < 50; i++) {
          ta.value = 'long ' + i + ' ' + 'x'.repeat(1400);
          ta.dispatchEvent(new InputEvent('input', { bubbles: true }));
          ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
        }";
    alice.c.execute(js, vec![]).await.unwrap();
    let want: String = (0..50).map(|i| format!("long {i} {}", "x".repeat(1400))).collect();
    until_received(&bob, "alice@example.com", &want).await;
    let failed = alice.c.find_all(fantoccini::Locator::Css("[data-testid=message][data-state=failed]"));
    assert!(failed.await.unwrap().is_empty(), "none failed");
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}
