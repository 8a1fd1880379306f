//! Display pictures and custom emoticons in the browser: set by one person,
//! fetched over a switchboard by the other (MSNSLP P2P through relay and
//! devserver), cached by SHA1D, and not fetched again after a reload.

use devserver::hub::Timing;
use e2e::*;
use fantoccini::Locator;

/// A 40x30 PNG, red on the left and blue on the right (not square: the
/// client crops it to 96x96).
const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x28\x00\x00\x00\x1e\x08\x02\x00\x00\x00\xd1\xbf\xcb\x8a\x00\x00\x00\x2f\x49\x44\x41\x54\x78\xda\xed\xcd\x31\x0d\x00\x00\x08\x03\x30\x94\x4c\x09\xfe\x83\x2c\x3c\x70\x71\x34\xe9\xdf\x9a\xe4\x2c\x3d\x67\x25\x16\x8b\xc5\x62\xb1\x58\x2c\x16\x8b\xc5\xe2\xbf\xf1\x02\x28\x61\x09\x5c\x7d\x02\x31\x9a\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

fn picture_of(email: &str, shown: bool) -> String {
    format!("[data-testid=picture][data-email='{email}'][data-default={shown_attr}]", shown_attr = !shown)
}

/// Whether any protocol line on the debug panel contains `text`.
async fn logged(b: &Browser, text: &str) -> bool {
    for e in b.c.find_all(Locator::Css(&tid("debug-line"))).await.unwrap() {
        if e.text().await.unwrap_or_default().contains(text) {
            return true;
        }
    }
    false
}

/// Whether any element matches `css` now.
async fn present(b: &Browser, css: &str) -> bool {
    b.c.find_all(Locator::Css(css)).await.map(|v| !v.is_empty()).unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_set_by_one_person_reaches_the_other_and_is_cached() {
    let stack = Stack::start(Timing::default()).await;
    // Alice's and Carol's rows in Bob's list start below the fold.
    stack.bury("bob@example.com", &["alice@example.com", "carol@example.com"]);
    let file = std::env::temp_dir().join(format!("msn-web-picture-{}.png", std::process::id()));
    std::fs::write(&file, PNG).unwrap();
    let driver = Driver::start().await;
    // Alice on MSNP9 chooses a picture: it shows at once, as hers.
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP9").await;
    alice.el(&tid("me-picture")).await.send_keys(&file.display().to_string()).await.unwrap();
    let mine = alice.el(&format!(".me {}", picture_of("alice@example.com", true))).await;
    assert!(mine.attr("src").await.unwrap().unwrap_or_default().starts_with("blob:"));

    // Bob on MSNP12 signs in: her picture is announced, but her row is out
    // of sight, so it is not fetched (never all at sign-in).
    let debug = format!("{}?debug", stack.url());
    let bob = driver.browser().await;
    bob.sign_in_at(&debug, Some(&stack.passport()), "bob@example.com", "bob", "MSNP12").await;
    bob.until_online().await;
    let her_row = "[data-testid=contact][data-email='alice@example.com']";
    bob.el(&format!("{her_row}[data-status=NLN] {}", picture_of("alice@example.com", false))).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert!(!logged(&bob, "INVITE MSNMSGR").await, "nothing fetched for a row out of sight");

    // Scrolled into view: her picture comes over a switchboard of its own,
    // with no conversation window on either side.
    bob.c.execute("document.querySelector(arguments[0]).scrollIntoView()", vec![her_row.into()]).await.unwrap();
    bob.el(&format!("{her_row} {}", picture_of("alice@example.com", true))).await;
    assert!(logged(&bob, "INVITE MSNMSGR:alice@example.com").await, "it came over P2P");
    assert!(!present(&bob, &tid("conversation")).await, "no window opened at Bob's");
    assert!(!present(&alice, &tid("conversation")).await, "no window opened at Alice's");

    // A conversation shows it large, both sides (Bob's is the default);
    // Carol's comes as soon as a window with her opens, message or not.
    let carol = driver.signed_in(&stack, "carol@example.com", "carol", "MSNP12").await;
    carol.el(&tid("me-picture")).await.send_keys(&file.display().to_string()).await.unwrap();
    carol.el(&format!(".me {}", picture_of("carol@example.com", true))).await;
    bob.open_chat("carol@example.com").await;
    bob.el(&format!("[data-testid=conversation] {}", picture_of("carol@example.com", true))).await;
    assert!(!present(&carol, &tid("conversation")).await, "no window at Carol's before a message");
    carol.c.close().await.unwrap();
    bob.open_chat("alice@example.com").await;
    bob.el(&format!("[data-testid=conversation] {}", picture_of("alice@example.com", true))).await;
    bob.say("hello with pictures").await;
    alice.until_text("[data-testid=message][data-from='bob@example.com']", "hello with pictures").await;
    alice.el(&format!("[data-testid=conversation] {}", picture_of("bob@example.com", false))).await;
    // Chat still works around it.
    alice.say("and it did not get in the way").await;
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "and it did not get in the way").await;

    // After a reload, from the cache: shown with no conversation at all,
    // and nothing crossed the network for it.
    bob.sign_in_at(&debug, Some(&stack.passport()), "bob@example.com", "bob", "MSNP12").await;
    bob.until_online().await;
    bob.el(&format!("{her_row} {}", picture_of("alice@example.com", true))).await;
    bob.c.execute("document.querySelector(arguments[0]).scrollIntoView()", vec![her_row.into()]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!logged(&bob, "INVITE MSNMSGR").await, "no transfer after the reload");

    // Alice's own, after her reload: remembered for her account.
    alice.sign_in(&stack, "alice@example.com", "alice", "MSNP9").await;
    alice.until_online().await;
    alice.el(&format!(".me {}", picture_of("alice@example.com", true))).await;
    // Signed out, the sign-in window shows the picture of the address typed.
    alice.el(".signout").await.click().await.unwrap();
    alice.type_into("signin-email", "alice@example.com").await;
    alice.el(&format!(".signin {}", picture_of("alice@example.com", true))).await;
    alice.type_into("signin-email", "bob@example.com").await;
    alice.until_gone(".signin [data-testid=picture]").await;
    let _ = std::fs::remove_file(&file);
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

/// `custom-emoticon` images drawn in the messages at `css`.
fn custom(css: &str, shortcut: &str) -> String {
    format!("{css} [data-testid=custom-emoticon][data-shortcut='{shortcut}']")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_emoticon_is_added_sent_and_drawn_for_the_receiver() {
    let stack = Stack::start(Timing::default()).await;
    let file = std::env::temp_dir().join(format!("msn-web-emoticon-{}.png", std::process::id()));
    std::fs::write(&file, PNG).unwrap();
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let debug = format!("{}?debug", stack.url());
    let bob = driver.browser().await;
    bob.sign_in_at(&debug, Some(&stack.passport()), "bob@example.com", "bob", "MSNP9").await;
    bob.until_online().await;

    // Alice adds one: an image and the characters that stand for it. A
    // shortcut with a space is refused, plainly.
    alice.el(&tid("my-emoticons")).await.click().await.unwrap();
    alice.el(&tid("my-emoticon-file")).await.send_keys(&file.display().to_string()).await.unwrap();
    alice.type_into("my-emoticon-shortcut", "a b").await;
    alice.el(&tid("my-emoticon-add")).await.click().await.unwrap();
    alice.until_text("[role=alert]", "cannot hold spaces").await;
    alice.el(&tid("my-emoticon-file")).await.send_keys(&file.display().to_string()).await.unwrap();
    alice.type_into("my-emoticon-shortcut", "[kit]").await;
    alice.el(&tid("my-emoticon-add")).await.click().await.unwrap();
    alice.el("[data-testid=my-emoticon][data-shortcut='[kit]'] img[src^='blob:']").await;

    // She picks it from the emoticon menu and sends it inside a sentence.
    alice.open_chat("bob@example.com").await;
    alice.el(&tid("compose-input")).await.send_keys("look").await.unwrap();
    alice.el(&tid("emoticon-picker")).await.click().await.unwrap();
    alice.el("[data-testid=emoticon-choice][data-code='[kit]']").await.click().await.unwrap();
    let input = alice.el(&tid("compose-input")).await;
    input.send_keys(" here\u{E007}").await.unwrap();
    // Her own message shows it, and so does Bob's window once fetched.
    let sent = "[data-testid=message][data-from='alice@example.com']";
    alice.el(&custom(sent, "[kit]")).await;
    let drawn = bob.el(&custom(sent, "[kit]")).await;
    assert!(drawn.attr("src").await.unwrap().unwrap_or_default().starts_with("blob:"));
    let text = bob.until_text(sent, "look").await.text().await.unwrap();
    assert!(text.contains("here") && !text.contains("[kit]"), "drawn in place of its shortcut: {text:?}");
    assert!(logged(&bob, "text/x-mms-emoticon").await, "announced before the text");
    assert!(logged(&bob, "INVITE MSNMSGR:alice@example.com").await, "fetched over P2P");

    // Chat goes on; the same emoticon again is drawn from what Bob has.
    alice.say("again [kit]").await;
    bob.until_text(sent, "again").await;
    let n = bob.c.find_all(Locator::Css(&custom(sent, "[kit]"))).await.unwrap().len();
    assert_eq!(n, 2, "both messages draw it");

    // After her reload it is still hers; once removed, its shortcut is
    // only text again for Bob.
    alice.sign_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    alice.until_online().await;
    alice.el(&tid("my-emoticons")).await.click().await.unwrap();
    alice.el("[data-testid=my-emoticon][data-shortcut='[kit]'] img[src^='blob:']").await;
    alice.el(&tid("my-emoticon-remove")).await.click().await.unwrap();
    alice.until_gone(&tid("my-emoticon")).await;
    alice.open_chat("bob@example.com").await;
    alice.say("plain [kit] now").await;
    let plain = bob.until_text(sent, "plain [kit] now").await;
    assert!(plain.find_all(Locator::Css(&tid("custom-emoticon"))).await.unwrap().is_empty());
    let _ = std::fs::remove_file(&file);
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

/// Drop `bytes` as a file named `name` on the element at `css`, as a person
/// dragging it from their desktop would.
async fn drop_file(b: &Browser, css: &str, name: &str, kind: &str, bytes: &[u8]) {
    let js = "const [sel, name, kind, bytes] = arguments;
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], name, { type: kind }));
        const el = document.querySelector(sel);
        for (const type of ['dragenter', 'dragover', 'drop']) {
            el.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
        }";
    b.c.execute(js, vec![css.into(), name.into(), kind.into(), serde_json::json!(bytes)]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_or_a_file_dropped_on_the_page_is_taken() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    // A picture dropped on mine becomes mine.
    drop_file(&alice, ".me-picture", "me.png", "image/png", PNG).await;
    alice.el(&format!(".me {}", picture_of("alice@example.com", true))).await;
    // Something that is not an image is refused, plainly.
    drop_file(&alice, ".me-picture", "notes.txt", "text/plain", b"not a picture").await;
    alice.until_text("[role=alert]", "cannot be used").await;
    // A file dropped on a conversation is offered.
    alice.open_chat("bob@example.com").await;
    alice.say("dropping a file").await;
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "dropping a file").await;
    let data: Vec<u8> = (0..50_000u32).map(|i| (i % 253) as u8).collect();
    drop_file(&alice, "[data-testid=conversation]", "dropped.bin", "application/octet-stream", &data).await;
    let offer = "[data-testid=transfer][data-name='dropped.bin'][data-size='50000'][data-state=offered]";
    bob.el(&format!("{offer} [data-testid=transfer-accept]")).await.click().await.unwrap();
    bob.el("[data-testid=transfer][data-name='dropped.bin'][data-state=done]").await;
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}
