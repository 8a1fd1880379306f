//! Two people use the real app in two headless Chromium windows, against the
//! real relay and devserver.

use devserver::hub::Timing;
use e2e::*;
use std::time::Duration;

fn timing() -> Timing {
    // A short switchboard idle time, so the test sees one close.
    Timing { sb_idle: Duration::from_secs(3), ..Timing::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_people_sign_in_see_each_other_and_chat() {
    let mut stack = Stack::start(timing()).await;
    let driver = Driver::start().await;
    let alice = driver.browser().await;
    let bob = driver.browser().await;

    // MD5 on MSNP7 and TWN on MSNP12 (ticket fetched by the page itself).
    alice.sign_in(&stack, "alice@example.com", "alice", "MSNP7").await;
    alice.until_online().await;
    bob.sign_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    bob.until_online().await;

    // Each sees the other come online, in the demo's "Friends" group.
    alice.el("[data-testid=contact][data-email='bob@example.com'][data-status=NLN]").await;
    bob.el("[data-testid=contact][data-email='alice@example.com'][data-status=NLN]").await;
    alice.el("[data-testid=group][data-name=Friends]").await;
    alice.until_text("[data-testid=contact][data-email='bob@example.com']", "Bob").await;

    // Status and name changes show on the other side.
    bob.select("me-status", "BSY").await;
    alice.el("[data-testid=contact][data-email='bob@example.com'][data-status=BSY]").await;
    let name = bob.el(&tid("me-name")).await;
    name.clear().await.unwrap();
    name.send_keys("Bobby Tables\u{E007}").await.unwrap();
    alice.until_text("[data-testid=contact][data-email='bob@example.com']", "Bobby Tables").await;
    bob.type_into("me-psm", "on the train").await;
    bob.el(&tid("me-psm")).await.send_keys("\u{E007}").await.unwrap();
    // Alice's MSNP7 has no personal messages; bob's own field keeps the confirmed text.
    let psm = bob.el(&tid("me-psm")).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while psm.prop("value").await.unwrap().as_deref() != Some("on the train") {
        assert!(tokio::time::Instant::now() < deadline, "personal message not kept");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Alice writes first: the switchboard is set up while her message waits.
    alice.open_chat("bob@example.com").await;
    alice.say("Hello Bob, typed before you joined").await;
    alice.el("[data-testid=message][data-from='alice@example.com'][data-state=sent]").await;
    bob.el("[data-testid=conversation][data-with='alice@example.com']").await;
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "Hello Bob, typed before you joined").await;

    // Typing indicator, then a reply.
    bob.el(&tid("compose-input")).await.send_keys("Hi Al").await.unwrap();
    alice.until_text(&tid("typing-indicator"), "typing").await;
    bob.el(&tid("compose-input")).await.send_keys("ice ✓\u{E007}").await.unwrap();
    alice.until_text("[data-testid=message][data-from='bob@example.com']", "Hi Alice ✓").await;
    bob.el("[data-testid=message][data-from='bob@example.com'][data-state=sent]").await;

    // My font and colour reach the other side as style, not markup.
    alice.select("compose-font", "Comic Sans MS").await;
    alice.c.execute(
        "const e = document.querySelector('[data-testid=compose-color]'); e.value = '#ff0000'; e.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![],
    ).await.unwrap();
    alice.say("in red Comic Sans").await;
    let m = bob.until_text("[data-testid=message][data-from='alice@example.com']", "in red Comic Sans").await;
    let style =
        m.find(fantoccini::Locator::Css(".text")).await.unwrap().attr("style").await.unwrap().unwrap_or_default();
    assert!(style.contains("Comic Sans MS") && style.contains("#ff0000"), "{style}");

    // Nudge.
    bob.el(&tid("nudge")).await.click().await.unwrap();
    alice.until_text("[data-testid=message][data-from='bob@example.com']", "nudge").await;

    // The switchboard closes when idle; the next message opens a new one.
    tokio::time::sleep(Duration::from_secs(5)).await;
    alice.say("after the idle close").await;
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "after the idle close").await;

    // Markup from the network is text, never HTML.
    bob.say("<b>not bold</b><img src=x onerror=alert(1)>").await;
    let m = alice.until_text("[data-testid=message][data-from='bob@example.com']", "<b>not bold</b>").await;
    assert!(m.find_all(fantoccini::Locator::Css("b, img")).await.unwrap().is_empty());

    // Kill the relay: both see "reconnecting"; restart it: both come back,
    // with the conversation still there and status restored.
    stack.stop_relay().await;
    alice.el("[data-testid=connection-status][data-state=reconnecting]").await;
    alice.say("typed while the relay was down").await;
    alice.el("[data-testid=message][data-state=pending]").await;
    stack.start_relay().await;
    alice.until_online().await;
    bob.until_online().await;
    alice.el("[data-testid=contact][data-email='bob@example.com'][data-status=BSY]").await;
    alice.el("[data-testid=conversation][data-with='bob@example.com']").await;
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "typed while the relay was down").await;
    alice.say("still here after the relay restart").await;
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "still here after the relay restart").await;

    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_says_911() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let b = driver.browser().await;
    b.sign_in(&stack, "alice@example.com", "not-her-password", "MSNP7").await;
    b.until_text(&tid("signin-error"), "911").await;
    // TWN: the ticket endpoint refuses; the same plain message.
    b.c.goto(&stack.url()).await.unwrap();
    b.sign_in(&stack, "alice@example.com", "not-her-password", "MSNP12").await;
    b.until_text(&tid("signin-error"), "911").await;
    b.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_refusal_and_unreachable_server_are_told_plainly() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let b = driver.browser().await;
    b.c.goto(&stack.url()).await.unwrap();
    b.el(&tid("signin-advanced")).await.click().await.unwrap();
    // A server the relay does not allow.
    b.type_into("signin-server", "example.com:1863").await;
    b.type_into("signin-email", "alice@example.com").await;
    b.type_into("signin-password", "alice").await;
    b.el(&tid("signin-submit")).await.click().await.unwrap();
    b.until_text(&tid("signin-error"), "HTTP 403: target not allowed").await;
    b.el("[data-testid=connection-status][data-state=offline]").await;
    b.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_told_plainly() {
    let stack = Stack::start(Timing::default()).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    // A second relay that allows the dead address and our page's origin.
    let r2 = stack
        .extra_relay(|c| {
            c.allow.push(closed.to_string().parse().unwrap());
            c.allow_origins = vec![format!("http://{}", stack.relay_addr)];
        })
        .await;
    let driver = Driver::start().await;
    let b = driver.browser().await;
    b.c.goto(&stack.url()).await.unwrap();
    b.el(&tid("signin-advanced")).await.click().await.unwrap();
    b.type_into("signin-relay", &format!("ws://{}/ws", r2.addr)).await;
    b.type_into("signin-server", &closed.to_string()).await;
    b.type_into("signin-email", "alice@example.com").await;
    b.type_into("signin-password", "alice").await;
    b.el(&tid("signin-submit")).await.click().await.unwrap();
    b.until_text(&tid("signin-error"), "could not reach the server").await;
    b.c.close().await.unwrap();
}
