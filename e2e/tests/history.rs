//! History, as a person uses it: conversations kept per account in the
//! browser, brought back when a conversation opens again, searched in the
//! history window (words, names, dates) with a jump to the hit, exported as
//! text and HTML, deleted, and not kept at all when the setting is off.

use devserver::hub::Timing;
use e2e::*;
use fantoccini::Locator;

async fn count(b: &Browser, css: &str) -> usize {
    b.c.find_all(Locator::Css(css)).await.unwrap().len()
}

/// The text behind a download link, fetched in the page.
async fn fetched(b: &Browser, css: &str) -> String {
    let url = b.el(css).await.attr("href").await.unwrap().unwrap();
    let js = "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.text()).then(done);";
    b.c.execute_async(js, vec![url.into()]).await.unwrap().as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversations_are_kept_searched_exported_and_deleted() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    let carol = driver.signed_in(&stack, "carol@example.com", "carol", "MSNP9").await;
    alice.open_chat("bob@example.com").await;
    for i in 0..60 {
        alice.say(&format!("line {i} for bob")).await;
    }
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "line 59 for bob").await;
    bob.say("<b>lunch</b> at noon?").await;
    alice.until_text("[data-testid=message][data-from='bob@example.com']", "lunch").await;
    alice.open_chat("carol@example.com").await;
    alice.say("the lunch is off, carol").await;
    carol.until_text("[data-testid=message][data-from='alice@example.com']", "the lunch is off").await;

    // After a reload, Bob's conversation opens with its last messages back,
    // marked as history; older ones come on request.
    alice.sign_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    alice.until_online().await;
    alice.open_chat("bob@example.com").await;
    let kept = "[data-testid=conversation] [data-testid=message][data-state=history]";
    alice.until_text(kept, "<b>lunch</b> at noon?").await;
    assert_eq!(count(&alice, kept).await, 50, "the last 50");
    // Scrolled to the top, older ones come.
    alice.c.execute("document.querySelector('.messages').scrollTop = 0; document.querySelector('.messages').dispatchEvent(new Event('scroll'))", vec![]).await.unwrap();
    alice.until_text(kept, "line 0 for bob").await;
    assert_eq!(count(&alice, kept).await, 61);
    alice.until_gone(&tid("history-older")).await;
    // New messages follow them, live.
    bob.say("still there?").await;
    alice.until_text("[data-testid=message][data-state=sent][data-from='bob@example.com']", "still there?").await;

    // The history window finds words across conversations, and jumps.
    alice.el(&tid("history")).await.click().await.unwrap();
    alice.type_into("history-search", "lunch").await;
    alice.el("[data-testid=history-result][data-with='carol@example.com']").await;
    assert_eq!(count(&alice, &tid("history-result")).await, 2);
    alice.type_into("history-search", "lunch noon").await;
    alice.until_gone("[data-testid=history-result][data-with='carol@example.com']").await;
    let today = alice.c.execute("const d = new Date(); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0')", vec![]).await.unwrap();
    alice.type_into("history-search", &format!("{} carol", today.as_str().unwrap())).await;
    alice.el("[data-testid=history-result][data-with='carol@example.com']").await.click().await.unwrap();
    alice.until_text("[data-testid=history-line][data-hit=true]", "the lunch is off, carol").await;

    // Exported: text, and HTML where what people wrote stays text.
    alice.el(&tid("history-export")).await.click().await.unwrap();
    let text = fetched(&alice, &tid("history-download")).await;
    assert!(text.contains("the lunch is off, carol") && !text.contains("line 3 for bob"), "{text}");
    alice.el("[data-testid=history-conversation][data-with='bob@example.com']").await.click().await.unwrap();
    alice.select("history-export-format", "html").await;
    alice.el(&tid("history-export")).await.click().await.unwrap();
    alice.el("[data-testid=history-download][download$='.html']").await;
    let html = fetched(&alice, &tid("history-download")).await;
    assert!(html.contains("&lt;b&gt;lunch&lt;/b&gt; at noon?") && !html.contains("<b>lunch"), "{html}");

    // Deleted: Bob's conversation (after a second click that confirms).
    alice.el(&tid("history-delete")).await.click().await.unwrap();
    alice.until_text(&tid("history-delete"), "Really delete bob@example.com?").await;
    alice.el(&tid("history-delete")).await.click().await.unwrap();
    alice.until_gone("[data-testid=history-conversation][data-with='bob@example.com']").await;
    alice.el("[data-testid=history-conversation][data-with='carol@example.com']").await;
    // And all of it.
    alice.el("[data-testid=history-conversation][data-with='carol@example.com']").await;
    alice.c.execute("document.querySelector('.history-panes nav button').click()", vec![]).await.unwrap();
    alice.until_text(&tid("history-delete"), "Delete").await;
    alice.el(&tid("history-delete")).await.click().await.unwrap();
    alice.until_text(&tid("history-delete"), "Really delete all conversations?").await;
    alice.el(&tid("history-delete")).await.click().await.unwrap();
    alice.until_gone(&tid("history-conversation")).await;

    // With history off, nothing more is written.
    alice.c.execute("document.querySelector('[data-testid=history]').click()", vec![]).await.unwrap();
    alice.el(&tid("settings")).await.click().await.unwrap();
    alice.el(&tid("setting-history")).await.click().await.unwrap();
    alice.open_chat("carol@example.com").await;
    alice.say("off the record").await;
    carol.until_text("[data-testid=message][data-from='alice@example.com']", "off the record").await;
    alice.el(&tid("history")).await.click().await.unwrap();
    alice.type_into("history-search", "record").await;
    alice.until_text(".history-results", "No message matches.").await;
    for b in [alice, bob, carol] {
        b.c.close().await.unwrap();
    }
}

/// A conversation kept for years: the window draws its last lines, earlier
/// ones on request, and a hit far back with the lines around it (and later
/// ones on request), never all of them at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_conversation_is_drawn_a_part_at_a_time() {
    const KEPT: usize = 1_300;
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    // Kept as the page keeps a message (see client/src/history.rs), written
    // straight into this browser's store: 1,300 lines with Bob, a minute apart.
    let seed = "const [n, done] = [arguments[0], arguments[arguments.length - 1]];
        const open = indexedDB.open('msn-web');
        open.onsuccess = () => {
            const tx = open.result.transaction('history', 'readwrite');
            const store = tx.objectStore('history');
            const t0 = Date.UTC(2020, 0, 1);
            for (let i = 0; i < n; i++) {
                store.put(`bob@example.com\\u001fBob\\u001ft\\u001fold line ${i} tag${i}end`, ['alice@example.com', 'bob@example.com', t0 + i * 60000, 0.5]);
            }
            tx.oncomplete = () => done(true);
            tx.onerror = () => done(String(tx.error));
        };
        open.onerror = () => done(String(open.error));";
    let seeded = alice.c.execute_async(seed, vec![KEPT.into()]).await.unwrap();
    assert_eq!(seeded, serde_json::json!(true), "seeded");
    alice.el(&tid("history")).await.click().await.unwrap();
    alice.until_text("[data-testid=history-conversation][data-with='bob@example.com']", &format!("({KEPT})")).await;
    alice.el("[data-testid=history-conversation][data-with='bob@example.com']").await.click().await.unwrap();
    let lines = "[data-testid=history-line]";
    // The last 500, and the way to the 800 before them.
    alice.until_text(&format!("{lines}:last-of-type"), "old line 1299").await;
    assert_eq!(count(&alice, lines).await, 500);
    alice.until_text(lines, "old line 800").await;
    alice.until_text(&tid("history-earlier"), "800 more").await;
    assert_eq!(count(&alice, &tid("history-later")).await, 0);
    alice.el(&tid("history-earlier")).await.click().await.unwrap();
    alice.until_text(&tid("history-earlier"), "300 more").await;
    assert_eq!(count(&alice, lines).await, 1_000);
    alice.el(&tid("history-earlier")).await.click().await.unwrap();
    alice.until_gone(&tid("history-earlier")).await;
    assert_eq!(count(&alice, lines).await, KEPT);
    // A hit far back: drawn with the lines around it, and later ones on request.
    alice.type_into("history-search", "tag42end").await;
    alice.el("[data-testid=history-result][data-with='bob@example.com']").await;
    let js = "const r = [...document.querySelectorAll('[data-testid=history-result]')].find(b => b.textContent.endsWith('tag42end')); r.click(); return !!r;";
    assert_eq!(alice.c.execute(js, vec![]).await.unwrap(), serde_json::json!(true));
    alice.until_text("[data-testid=history-line][data-hit=true]", "old line 42").await;
    assert_eq!(count(&alice, lines).await, 500, "lines 0 to 499");
    alice.until_text(&tid("history-later"), "800 more").await;
    assert_eq!(count(&alice, &tid("history-earlier")).await, 0);
    alice.el(&tid("history-later")).await.click().await.unwrap();
    alice.until_text(&tid("history-later"), "300 more").await;
    assert_eq!(count(&alice, lines).await, 1_000);
    alice.until_text("[data-testid=history-line][data-hit=true]", "old line 42").await;
    alice.c.close().await.unwrap();
}
