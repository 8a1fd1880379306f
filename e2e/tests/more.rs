//! Referrals, personal messages and a large contact list, in Chromium.

use devserver::hub::Timing;
use e2e::*;
use msnp::types::List;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_follows_the_dispatch_referral_and_shows_personal_messages() {
    let stack = Stack::start_with(Timing::default(), true).await;
    let driver = Driver::start().await;
    let carol = driver.browser().await;
    let dave = driver.browser().await;
    // Both start at the dispatch server, which sends them on with XFR NS.
    carol.sign_in(&stack, "carol@example.com", "carol", "MSNP12").await;
    carol.until_online().await;
    dave.sign_in(&stack, "dave@example.com", "dave", "auto").await;
    dave.until_online().await;
    carol.type_into("me-psm", "gone fishing").await;
    carol.el(&tid("me-psm")).await.send_keys("\u{E007}").await.unwrap();
    dave.until_text("[data-testid=contact][data-email='carol@example.com']", "gone fishing").await;
    // Enter on a focused contact opens the conversation too.
    dave.c
        .execute("document.querySelector(\"[data-testid=contact][data-email='carol@example.com']\").focus()", vec![])
        .await
        .unwrap();
    dave.el("[data-testid=contact][data-email='carol@example.com']").await.send_keys("\u{E007}").await.unwrap();
    dave.el("[data-testid=conversation][data-with='carol@example.com']").await;
    carol.c.close().await.unwrap();
    dave.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_contacts_are_drawn() {
    let stack = Stack::start(Timing::default()).await;
    let store = &stack.dev.hub.store;
    for i in 0..1000 {
        let email = format!("contact{i:04}@example.com");
        store.upsert_user(&email, "pw", Some(&format!("Contact Número {i} ✓"))).unwrap();
        store.add_entry("alice@example.com", List::Forward, &email, &format!("Contact Número {i} ✓")).unwrap();
        store.add_entry(&email, List::Reverse, "alice@example.com", "Alice").unwrap();
    }
    store.bump_serial("alice@example.com").unwrap();
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let list = alice.el(".contacts[data-draw-ms]").await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let n = alice.c.find_all(fantoccini::Locator::Css("[data-testid=contact]")).await.unwrap().len();
        if n == 1003 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{n} contacts drawn");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let ms: f64 = list.attr("data-draw-ms").await.unwrap().unwrap().parse().unwrap();
    println!("last LST to a drawn list of 1,000 contacts: {ms:.1} ms");
    assert!(ms > 0.0);
    alice.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writing_after_the_other_closed_the_window_rings_them_again() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP9").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP11").await;
    alice.open_chat("bob@example.com").await;
    alice.say("first").await;
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "first").await;
    // Bob closes his window: he leaves the switchboard.
    bob.el("[data-testid=conversation][data-with='alice@example.com']").await;
    bob.c.execute("document.querySelector('.tab .close').click()", vec![]).await.unwrap();
    bob.until_gone("[data-testid=conversation]").await;
    alice.until_text(".notice", "has left the conversation").await;
    // Shift+Enter makes a new line; Enter sends.
    let input = alice.el(&tid("compose-input")).await;
    input.send_keys("second").await.unwrap();
    alice
        .c
        .execute("document.querySelector('[data-testid=compose-input]').dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', shiftKey: true, bubbles: true}))", vec![])
        .await
        .unwrap();
    assert_eq!(
        alice
            .c
            .find_all(fantoccini::Locator::Css("[data-testid=message][data-from='alice@example.com']"))
            .await
            .unwrap()
            .len(),
        1,
        "Shift+Enter does not send"
    );
    input.send_keys("\u{E007}").await.unwrap();
    // Alice's next message rings bob again, and he gets it.
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "second").await;
    alice.el("[data-testid=message][data-state=sent]:last-of-type").await;
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_to_an_offline_contact_goes_out_when_they_sign_in() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    alice.el("[data-testid=contact][data-email='bob@example.com'][data-status=FLN]").await;
    alice.open_chat("bob@example.com").await;
    alice.say("see this when you are back").await;
    alice.until_text(".notice", "will be sent when").await;
    alice.el("[data-testid=message][data-state=pending]").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP8").await;
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "see this when you are back").await;
    alice.el("[data-testid=message][data-state=sent]").await;
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_input_turns_the_status_idle_and_input_brings_it_back() {
    let stack = Stack::start(Timing::default()).await;
    // This deployment goes idle after 3 seconds (msn-web.json in the served folder).
    let dir = std::env::temp_dir().join(format!("msn-idle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in std::fs::read_dir(dist_dir()).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), dir.join(f.file_name())).unwrap();
    }
    std::fs::write(dir.join("msn-web.json"), r#"{"idle_minutes": 0.05}"#).unwrap();
    let r = stack.extra_relay(|c| c.static_dir = Some(dir.clone())).await;
    let driver = Driver::start().await;
    let (alice, bob) = (driver.browser().await, driver.browser().await);
    alice
        .sign_in_at(&format!("http://{}/", r.addr), Some(&stack.passport()), "alice@example.com", "alice", "MSNP12")
        .await;
    alice.until_online().await;
    bob.sign_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    bob.until_online().await;
    bob.el("[data-testid=contact][data-email='alice@example.com'][data-status=IDL]").await;
    alice.el(&tid("me-psm")).await.send_keys("x").await.unwrap();
    bob.el("[data-testid=contact][data-email='alice@example.com'][data-status=NLN]").await;
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unread_conversation_shows_in_the_title_until_it_is_opened() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    alice.until_title("MSN Messenger").await;
    // Alice is talking to Carol (offline: the message waits) when Bob writes.
    alice.open_chat("carol@example.com").await;
    bob.open_chat("alice@example.com").await;
    bob.say("psst").await;
    let tab = "[data-testid=conversation-tab][data-with='bob@example.com']";
    alice.el(&format!("{tab}[data-unread=true]")).await;
    alice.until_title("(1) MSN Messenger").await;
    // Opening it clears the mark and the count.
    alice.el(tab).await.click().await.unwrap();
    alice.until_text("[data-testid=conversation][data-with='bob@example.com']", "psst").await;
    alice.el(&format!("{tab}[data-unread=false]")).await;
    alice.until_title("MSN Messenger").await;
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_the_list_and_the_conversation_take_turns() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.phone().await;
    let bob = driver.browser().await;
    alice.sign_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    alice.until_online().await;
    let width = alice.c.execute("return window.innerWidth", vec![]).await.unwrap();
    assert_eq!(width.as_u64(), Some(390), "a phone-sized page");
    bob.sign_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    bob.until_online().await;
    let bob_in_list = "[data-testid=contact][data-email='bob@example.com']";
    alice.el(bob_in_list).await;

    // Bob writes: Alice's list stays on screen, with a way to the conversation.
    bob.open_chat("alice@example.com").await;
    bob.say("hi from the desk").await;
    alice.until_text(&tid("show-conversations"), "1 unread").await;
    alice.until_title("(1) MSN Messenger").await;
    assert!(alice.el(bob_in_list).await.is_displayed().await.unwrap());
    let conv = "[data-testid=conversation][data-with='bob@example.com']";
    assert!(!alice.el(conv).await.is_displayed().await.unwrap(), "no focus theft");

    // She goes to it: the conversation fills the screen and is seen.
    alice.el(&tid("show-conversations")).await.click().await.unwrap();
    alice.until_text(conv, "hi from the desk").await;
    assert!(alice.el(conv).await.is_displayed().await.unwrap());
    assert!(!alice.el(bob_in_list).await.is_displayed().await.unwrap());
    alice.until_title("MSN Messenger").await;
    alice.say("hi from the phone").await;
    bob.until_text("[data-testid=conversation][data-with='alice@example.com']", "hi from the phone").await;

    // And back to the list.
    alice.el(&tid("show-contacts")).await.click().await.unwrap();
    assert!(alice.el(bob_in_list).await.is_displayed().await.unwrap());
    assert!(!alice.el(conv).await.is_displayed().await.unwrap());
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_refused_while_appearing_offline_is_retried_by_hand() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    // Appearing offline, Alice may not start a conversation (913).
    alice.select("me-status", "HDN").await;
    bob.el("[data-testid=contact][data-email='alice@example.com'][data-status=FLN]").await;
    alice.open_chat("bob@example.com").await;
    alice.say("are you there?").await;
    let mine = "[data-testid=message][data-from='alice@example.com']";
    alice.el(&format!("{mine}[data-state=failed]")).await;
    alice.until_text(&tid("notice"), "(913)").await;
    // Back online, Retry sends the very message.
    alice.select("me-status", "NLN").await;
    bob.el("[data-testid=contact][data-email='alice@example.com'][data-status=NLN]").await;
    alice.el(&tid("message-retry")).await.click().await.unwrap();
    alice.el(&format!("{mine}[data-state=sent]")).await;
    bob.until_text("[data-testid=conversation][data-with='alice@example.com']", "are you there?").await;
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_who_adds_me_is_asked_about_and_contacts_can_be_blocked_and_deleted() {
    let stack = Stack::start(Timing::default()).await;
    stack.dev.hub.store.upsert_user("erin@example.com", "erin", Some("Erin")).unwrap();
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let erin = driver.signed_in(&stack, "erin@example.com", "erin", "MSNP7").await;

    // Alice adds Erin; Erin is asked, and allows and adds her back.
    alice.until_text("button.link", "Add a contact").await.click().await.unwrap();
    alice.type_into("add-contact", "erin@example.com\u{E007}").await;
    let request = "[data-testid=add-request][data-email='alice@example.com']";
    erin.until_text(request, "has added you").await;
    erin.el(&format!("{request} [data-testid=add-request-allow]")).await.click().await.unwrap();
    erin.until_gone(request).await;
    let alice_at_erin = "[data-testid=contact][data-email='alice@example.com']";
    erin.el(&format!("{alice_at_erin}[data-status=NLN]")).await;
    let erin_at_alice = "[data-testid=contact][data-email='erin@example.com']";
    alice.el(&format!("{erin_at_alice}[data-status=NLN]")).await;

    // Erin blocks Alice: to Alice, Erin is offline. Unblocking brings her back.
    erin.el(&format!("{alice_at_erin} [data-testid=contact-menu]")).await.click().await.unwrap();
    erin.until_text(&tid("contact-block"), "Block").await.click().await.unwrap();
    alice.el(&format!("{erin_at_alice}[data-status=FLN]")).await;
    erin.until_text(alice_at_erin, "(blocked)").await;
    erin.el(&format!("{alice_at_erin} [data-testid=contact-menu]")).await.click().await.unwrap();
    erin.until_text(&tid("contact-block"), "Unblock").await.click().await.unwrap();
    alice.el(&format!("{erin_at_alice}[data-status=NLN]")).await;

    // And deletes her from the list.
    erin.el(&format!("{alice_at_erin} [data-testid=contact-menu]")).await.click().await.unwrap();
    erin.el(&tid("contact-delete")).await.click().await.unwrap();
    erin.until_gone(alice_at_erin).await;
    alice.c.close().await.unwrap();
    erin.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_third_person_is_invited_into_a_conversation_and_everyone_talks() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.browser().await;
    let bob = driver.browser().await;
    let carol = driver.browser().await;
    alice.sign_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    bob.sign_in(&stack, "bob@example.com", "bob", "MSNP8").await;
    carol.sign_in(&stack, "carol@example.com", "carol", "MSNP7").await;
    for b in [&alice, &bob, &carol] {
        b.until_online().await;
    }
    alice.el("[data-testid=contact][data-email='carol@example.com'][data-status=NLN]").await;
    alice.open_chat("bob@example.com").await;
    alice.say("hi bob").await;
    bob.until_text("[data-testid=conversation][data-with='alice@example.com']", "hi bob").await;

    // Alice asks Carol in: all three see the same three people.
    alice.el(&tid("invite")).await.click().await.unwrap();
    alice.select("invite-contact", "carol@example.com").await;
    let group = "[data-testid=conversation][data-with*='@'][data-with*=',']";
    alice.el("[data-testid=conversation][data-with='bob@example.com,carol@example.com']").await;
    bob.el("[data-testid=conversation][data-with='alice@example.com,carol@example.com']").await;
    carol.el("[data-testid=conversation][data-with='alice@example.com,bob@example.com']").await;
    bob.until_text(group, "Carol has joined the conversation.").await;
    carol.say("hello both").await;
    alice.until_text(group, "hello both").await;
    bob.until_text(group, "hello both").await;
    bob.say("hey carol").await;
    alice.until_text(group, "hey carol").await;
    carol.until_text(group, "hey carol").await;

    // Bob leaves: the other two carry on without him.
    bob.el("[role=tab][data-testid=conversation-tab] .close").await.click().await.unwrap();
    alice
        .until_text("[data-testid=conversation][data-with='carol@example.com']", "Bob has left the conversation.")
        .await;
    alice.say("just us now").await;
    carol.until_text("[data-testid=conversation][data-with='alice@example.com']", "just us now").await;
    for b in [alice, bob, carol] {
        b.c.close().await.unwrap();
    }
}

/// Make a group, move `contact` into it, rename it, delete an empty one, and
/// find it all again after signing in anew.
async fn manage_groups(stack: &Stack, b: &Browser, me: &str, password: &str, protocol: &str, contact: (&str, &str)) {
    let (contact, contact_name) = contact;
    b.sign_in(stack, me, password, protocol).await;
    b.until_online().await;
    b.until_text("button.link", "Add a group").await.click().await.unwrap();
    b.type_into("add-group", "Family\u{E007}").await;
    b.el("[data-testid=group][data-name=Family]").await;

    let row = format!("[data-testid=contact][data-email='{contact}']");
    b.el(&format!("{row} [data-testid=contact-menu]")).await.click().await.unwrap();
    b.el(&tid("contact-move")).await.select_by_label("Family").await.unwrap();
    // Moved, and still under their own name.
    b.until_text(&format!("[data-testid=group][data-name=Family] {row}"), contact_name).await;
    b.until_gone(&format!("[data-testid=group][data-name=Friends] {row}")).await;

    b.el("[data-testid=group][data-name=Family] [data-testid=group-menu]").await.click().await.unwrap();
    b.type_into("group-name", "Kin\u{E007}").await;
    b.el(&format!("[data-testid=group][data-name=Kin] {row}")).await;
    b.until_gone("[data-testid=group][data-name=Family]").await;

    b.el("[data-testid=group][data-name=Work] [data-testid=group-menu]").await.click().await.unwrap();
    b.el(&tid("group-delete")).await.click().await.unwrap();
    b.until_gone("[data-testid=group][data-name=Work]").await;

    // The server kept it all.
    b.el("button.signout").await.click().await.unwrap();
    b.el("[data-testid=connection-status][data-state=offline]").await;
    b.sign_in(stack, me, password, protocol).await;
    b.until_online().await;
    b.el(&format!("[data-testid=group][data-name=Kin] {row}")).await;
    b.until_gone("[data-testid=group][data-name=Work]").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_are_made_renamed_deleted_and_contacts_moved_in_old_and_new_dialects() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.browser().await;
    let carol = driver.browser().await;
    manage_groups(&stack, &alice, "alice@example.com", "alice", "MSNP12", ("bob@example.com", "Bob")).await;
    manage_groups(&stack, &carol, "carol@example.com", "carol", "MSNP8", ("dave@example.com", "Dave")).await;
    alice.c.close().await.unwrap();
    carol.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emoticons_are_shown_and_picked() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP7").await;
    bob.open_chat("alice@example.com").await;
    bob.say("great (Y) :-) see you at 8:30").await;
    let from_bob = "[data-testid=message][data-from='bob@example.com']";
    let thumbs = alice.el(&format!("{from_bob} [data-testid=emoticon][data-code='(Y)']")).await;
    assert_eq!(thumbs.attr("aria-label").await.unwrap().as_deref(), Some("Thumbs up"));
    alice.el(&format!("{from_bob} [data-testid=emoticon][data-code=':)']")).await;
    alice.until_text(from_bob, "see you at 8:30").await;
    // The classic status line says when (HH:MM, local time).
    let line = alice.until_text(&tid("last-received"), "Last message received at ").await.text().await.unwrap();
    let clock = line.trim_start_matches("Last message received at ").trim_end_matches('.');
    assert!(clock.len() == 5 && clock.as_bytes()[2] == b':' && clock.replace(':', "").parse::<u32>().is_ok(), "{line}");

    // Alice picks a heart; the code goes into what she is typing.
    alice.el(&tid("compose-input")).await.send_keys("you are a star ").await.unwrap();
    alice.el(&tid("emoticon-picker")).await.click().await.unwrap();
    alice.el("[data-testid=emoticon-choice][data-code='(L)']").await.click().await.unwrap();
    let typed = alice.el(&tid("compose-input")).await.prop("value").await.unwrap();
    assert_eq!(typed.as_deref(), Some("you are a star (L)"));
    alice.el(&tid("compose-send")).await.click().await.unwrap();
    bob.el("[data-testid=message][data-from='alice@example.com'] [data-testid=emoticon][data-code='(L)']").await;

    // Links open in a new tab, and hold no emoticons.
    bob.say("look: https://example.com/a:p (c)").await;
    let link = alice.el(&format!("{from_bob} a[href='https://example.com/a:p']")).await;
    assert_eq!(link.attr("target").await.unwrap().as_deref(), Some("_blank"));
    assert!(link.attr("rel").await.unwrap().unwrap_or_default().contains("noopener"));
    assert!(link.find_all(fantoccini::Locator::Css("[data-testid=emoticon]")).await.unwrap().is_empty());
    alice.el(&format!("{from_bob} [data-testid=emoticon][data-code='(C)']")).await;

    // Names in the list show theirs too.
    bob.type_into("me-name", "Bob (H)\u{E007}").await;
    let cool =
        alice.el("[data-testid=contact][data-email='bob@example.com'] [data-testid=emoticon][data-code='(H)']").await;
    assert_eq!(cool.attr("aria-label").await.unwrap().as_deref(), Some("Hot"));
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

/// Stand-ins the page sees instead of the real thing: a Notification class
/// that records what it is asked to show (permission granted), and a
/// document that reports itself hidden.
const HIDDEN_WITH_NOTIFICATIONS: &str = r#"
    window.__shown = [];
    window.Notification = class {
        constructor(title, options) { window.__shown.push(title + " | " + options.body); }
        static get permission() { return "granted"; }
        static requestPermission() { return Promise.resolve("granted"); }
    };
    Object.defineProperty(document, "hidden", { get: () => true, configurable: true });
    document.dispatchEvent(new Event("visibilitychange"));
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_to_a_page_in_the_background_shows_a_desktop_notification() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    alice.open_chat("bob@example.com").await;
    alice.c.execute(HIDDEN_WITH_NOTIFICATIONS, vec![]).await.unwrap();
    bob.open_chat("alice@example.com").await;
    bob.say("are you there? (Y)").await;
    bob.el(&tid("nudge")).await.click().await.unwrap();
    // A file offer waits for Alice: she is told of it too.
    let photo = std::env::temp_dir().join(format!("msn-web-notify-{}.jpg", std::process::id()));
    std::fs::write(&photo, vec![7u8; 2000]).unwrap();
    bob.el(&tid("send-file")).await.send_keys(&photo.display().to_string()).await.unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let shown = loop {
        let shown = alice.c.execute("return window.__shown", vec![]).await.unwrap();
        let shown: Vec<String> = serde_json::from_value(shown).unwrap();
        if shown.len() >= 3 || tokio::time::Instant::now() > deadline {
            break shown;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let offer = format!("Bob wants to send you a file: | {} (2.0 KB)", photo.file_name().unwrap().to_string_lossy());
    assert_eq!(shown, ["Bob says: | are you there? (Y)", "Bob | has just sent you a nudge.", offer.as_str()]);
    let _ = std::fs::remove_file(&photo);
    // Unseen even though it is the open conversation: the title says so.
    alice.until_title("(1) MSN Messenger").await;
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_signing_in_shows_a_toast_that_goes_away() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    // Carol is online before Alice arrives: no toast for her.
    let carol = driver.signed_in(&stack, "carol@example.com", "carol", "MSNP12").await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    alice.el("[data-testid=contact][data-email='carol@example.com'][data-status=NLN]").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP9").await;
    let toast = alice.until_text("[data-testid=toast][data-email='bob@example.com']", "Bob has just signed in.").await;
    let all = alice.c.find_all(fantoccini::Locator::Css("[data-testid=toast]")).await.unwrap();
    assert_eq!(all.len(), 1, "only Bob's");
    // Clicking it opens a conversation with him; on its own it fades after a few seconds.
    toast.click().await.unwrap();
    alice.el("[data-testid=conversation][data-with='bob@example.com']").await;
    alice.until_gone("[data-testid=toast]").await;
    // Busy, Alice is not told when Carol comes back.
    alice.select("me-status", "BSY").await;
    carol.el("[data-testid=contact][data-email='alice@example.com'][data-status=BSY]").await;
    carol.select("me-status", "HDN").await;
    alice.el("[data-testid=contact][data-email='carol@example.com'][data-status=FLN]").await;
    carol.select("me-status", "NLN").await;
    alice.el("[data-testid=contact][data-email='carol@example.com'][data-status=NLN]").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(alice.c.find_all(fantoccini::Locator::Css("[data-testid=toast]")).await.unwrap().is_empty());
    for b in [alice, bob, carol] {
        b.c.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nudge_shakes_the_window_for_a_moment() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    alice.open_chat("bob@example.com").await;
    bob.open_chat("alice@example.com").await;
    bob.say("hello").await;
    alice.until_text("[data-testid=conversation]", "hello").await;
    // Record whether the window ever shakes: it does so for about a second.
    let watch = r#"
        window.__shook = false;
        new MutationObserver(() => {
            if (document.querySelector("[data-testid=conversation].shake")) window.__shook = true;
        }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["class"] });
    "#;
    alice.c.execute(watch, vec![]).await.unwrap();
    assert_eq!(alice.c.execute("return window.__shook", vec![]).await.unwrap(), serde_json::json!(false));
    bob.el(&tid("nudge")).await.click().await.unwrap();
    alice.until_text("[data-testid=conversation]", "has just sent you a nudge").await;
    assert_eq!(alice.c.execute("return window.__shook", vec![]).await.unwrap(), serde_json::json!(true));
    alice.until_gone("[data-testid=conversation].shake").await;
    // Bob's own nudge does not shake his window.
    assert!(bob.c.find_all(fantoccini::Locator::Css("[data-testid=conversation].shake")).await.unwrap().is_empty());
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_invitation_gets_its_own_window_beside_a_one_to_one_in_use() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    let carol = driver.signed_in(&stack, "carol@example.com", "carol", "MSNP12").await;
    // Carol and Alice are talking one to one.
    carol.open_chat("alice@example.com").await;
    carol.say("just us").await;
    let one_to_one_at_alice = "[data-testid=conversation][data-with='carol@example.com']";
    alice.until_text(one_to_one_at_alice, "just us").await;
    // Alice, talking to Bob too, asks Carol into that conversation.
    alice.el("[data-testid=conversation-tab][data-with='carol@example.com']").await;
    alice.open_chat("bob@example.com").await;
    alice.say("hi bob").await;
    bob.until_text("[data-testid=conversation][data-with='alice@example.com']", "hi bob").await;
    alice.el(&tid("invite")).await.click().await.unwrap();
    alice.select("invite-contact", "carol@example.com").await;
    // Carol gets a second window for the group; her one-to-one stays.
    carol.el("[data-testid=conversation-tab][data-with='alice@example.com,bob@example.com']").await;
    carol.el("[data-testid=conversation-tab][data-with='alice@example.com']").await;
    alice
        .c
        .execute(
            "document.querySelector(\"[data-testid=conversation-tab][data-with='carol@example.com']\").click()",
            vec![],
        )
        .await
        .unwrap();
    alice.say("still private").await;
    carol.el("[data-testid=conversation-tab][data-with='alice@example.com']").await.click().await.unwrap();
    carol.until_text("[data-testid=conversation][data-with='alice@example.com']", "still private").await;
    for b in [alice, bob, carol] {
        b.c.close().await.unwrap();
    }
}

/// In a long conversation a new message is drawn alone: one element comes,
/// none goes and no other message changes, at the end of a block of
/// messages and at the start of the next (the conversation is drawn in
/// blocks, each redrawn only when its messages change).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_message_in_a_long_conversation_is_drawn_alone() {
    const WATCH: &str = "const list = document.querySelector('[data-testid=conversation] .messages');
        window.__seen = { added: 0, removed: 0, touched: new Set() };
        window.__watch && window.__watch.disconnect();
        window.__watch = new MutationObserver(rs => rs.forEach(r => {
          if (r.target === list) window.__seen.added += [...r.addedNodes].filter(n => n.nodeType === 1).length;
          window.__seen.removed += r.removedNodes.length;
          const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
          const m = el && el.closest('[data-testid=message]');
          if (m) window.__seen.touched.add(m);
        }));
        window.__watch.observe(list, { subtree: true, childList: true, attributes: true, characterData: true });";
    // What was added to the list itself, removed anywhere, and which other
    // messages changed (the new one is built in place, child by child).
    const SEEN: &str = "const [text] = arguments; const s = window.__seen;
        return [s.added, s.removed, [...s.touched].filter(m => !m.textContent.includes(text)).length];";
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    bob.open_chat("alice@example.com").await;
    bob.burst("m", 0, 149).await;
    alice.until_text("[data-testid=message][data-from='bob@example.com']", "m-148").await;
    assert_eq!(alice.message_texts("bob@example.com", None).await.len(), 149);
    for (i, text) in ["the 150th, last of its block", "the 151st, first of the next"].into_iter().enumerate() {
        alice.c.execute(WATCH, vec![]).await.unwrap();
        bob.say(text).await;
        alice.until_text("[data-testid=message][data-from='bob@example.com']:last-child", text).await;
        let seen = alice.c.execute(SEEN, vec![text.into()]).await.unwrap();
        assert_eq!(seen, serde_json::json!([1, 0, 0]), "message {}: elements added, removed, others changed", 150 + i);
    }
    assert_eq!(alice.message_texts("bob@example.com", None).await.len(), 151);
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

/// A section closed and opened again shows its rows as they are now: what
/// changed while it was closed (a status, a name) is drawn when it opens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_section_opens_with_its_rows_as_they_are_now() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    let row = "[data-testid=contact][data-email='bob@example.com']";
    alice.el(&format!("{row}[data-status=NLN]")).await;
    // Close the section Bob is in.
    let close = "const row = document.querySelector(arguments[0]);
        const head = row.closest('[data-testid=group]').querySelector('.group-head');
        head.click(); return row.closest('[data-testid=group]').dataset.name;";
    let section = alice.c.execute(close, vec![row.into()]).await.unwrap();
    let section = section.as_str().unwrap().to_owned();
    alice.until_gone(row).await;
    let head = format!("[data-testid=group][data-name='{section}'] .group-head");
    assert_eq!(alice.el(&head).await.attr("aria-expanded").await.unwrap().as_deref(), Some("false"));
    // While it is closed, Bob goes away and takes a new name.
    bob.select("me-status", "AWY").await;
    let name = bob.el(&tid("me-name")).await;
    name.clear().await.unwrap();
    name.send_keys("Bob Away (H)\u{E007}").await.unwrap();
    // Nothing shows it while closed; the change crosses loopback in well
    // under a millisecond.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    // Opened again: his row as it is now, once.
    alice.el(&head).await.click().await.unwrap();
    let r = alice.el(&format!("{row}[data-status=AWY]")).await;
    alice.until_text(&format!("{row} .name"), "Bob Away").await;
    assert!(r.text().await.unwrap().contains("(Away)"), "the status is shown");
    assert_eq!(alice.c.find_all(fantoccini::Locator::Css(row)).await.unwrap().len(), 1);
    alice.el(&format!("{row} .name .emoticon[data-code='(H)']")).await;
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

/// The contacts' rows on screen, once they are `want` (a search follows
/// each key typed).
async fn until_rows(b: &Browser, want: &[&str]) {
    let js = "return Array.from(document.querySelectorAll('[data-testid=contact]')).map(r => r.dataset.email)";
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let now: Vec<String> = serde_json::from_value(b.c.execute(js, vec![]).await.unwrap()).unwrap();
        if now == want {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "rows {now:?}, not {want:?}: {}", b.dump().await);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_a_contact_shows_only_them_and_enter_talks_to_them() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    alice.el("[data-testid=contact][data-email='dave@example.com']").await;
    // Friends closed: a search still finds in it.
    alice.el("[data-testid=group][data-name='Friends'] .group-head").await.click().await.unwrap();
    alice.until_gone("[data-testid=contact]").await;
    alice.type_into("contact-search", "CAR").await;
    until_rows(&alice, &["carol@example.com"]).await;
    // A group with nobody found is not shown meanwhile.
    alice.until_gone("[data-testid=group][data-name='Work']").await;
    // By address too; and a search that finds nobody says so.
    alice.type_into("contact-search", "bob@EXAMPLE").await;
    until_rows(&alice, &["bob@example.com"]).await;
    alice.type_into("contact-search", "zzz").await;
    alice.until_text(&tid("contact-search-none"), "No contact matches").await;
    until_rows(&alice, &[]).await;
    // Enter talks to the first found; Escape brings the list back as it was.
    alice.type_into("contact-search", "dav").await;
    until_rows(&alice, &["dave@example.com"]).await;
    alice.el(&tid("contact-search")).await.send_keys("\u{E007}").await.unwrap();
    alice.el("[data-testid=conversation][data-with='dave@example.com']").await;
    alice.el(&tid("contact-search")).await.send_keys("\u{E00C}").await.unwrap();
    alice.el("[data-testid=group][data-name='Work']").await;
    assert_eq!(alice.el(&tid("contact-search")).await.prop("value").await.unwrap().as_deref(), Some(""));
    until_rows(&alice, &[]).await; // Friends is still closed
    alice.c.close().await.unwrap();
}
