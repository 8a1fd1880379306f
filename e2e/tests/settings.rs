//! The settings window, driven as a person would: notifications and sounds
//! per kind, the theme, privacy (who sees me, asking when someone adds me,
//! the allow and block lists), and mail notices from the server; all kept
//! for the account.

use devserver::hub::Timing;
use e2e::*;
use msnp::message::MessageBody;
use msnp::types::List;

/// Count the sounds the page starts (each is one oscillator).
const COUNT_SOUNDS: &str = "window.__sounds = 0;
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (...a) { window.__sounds++; return start.apply(this, a); };";

async fn sounds(b: &Browser) -> u64 {
    b.c.execute("return window.__sounds", vec![]).await.unwrap().as_u64().unwrap()
}

/// What `read` gives once `done` holds of it, or after `secs` seconds.
async fn polled<T, F: std::future::Future<Output = T>>(
    secs: u64,
    read: impl Fn() -> F,
    done: impl Fn(&T) -> bool,
) -> T {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let got = read().await;
        if done(&got) || tokio::time::Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The sounds played once `n` have, or after two seconds: a sound starts
/// in a task after the drawing that shows why (so that it never delays
/// it), and a busy machine can run WebDriver's next script first.
async fn sounds_reaching(b: &Browser, n: u64) -> u64 {
    polled(2, || sounds(b), |&got| got >= n).await
}

/// Count the audio engines the page makes, and keep the states the last
/// one went through.
const COUNT_CONTEXTS: &str = "window.__contexts = 0; window.__states = [];
    const Made = window.AudioContext;
    window.AudioContext = class extends Made { constructor(...a) { super(...a); window.__contexts++;
        window.__ctx = this; this.addEventListener('statechange', () => window.__states.push(this.state)); } };";

async fn contexts(b: &Browser) -> u64 {
    b.c.execute("return window.__contexts", vec![]).await.unwrap().as_u64().unwrap()
}

/// The states the audio engine went through, once `done` holds of them (or
/// after three seconds).
async fn audio_states(b: &Browser, done: impl Fn(&[String]) -> bool) -> Vec<String> {
    let read = || async {
        let v =
            b.c.execute("return window.__states.concat([window.__ctx ? window.__ctx.state : 'none'])", vec![]).await;
        serde_json::from_value::<Vec<String>>(v.unwrap()).unwrap()
    };
    polled(3, read, |s| done(s)).await
}

/// The audio engine is made at the person's first click or key, once: a
/// browser lets a page play sound only after one, and making the engine
/// takes tens of milliseconds, which the first sound (a hundred contacts
/// coming online, say) should not wait for. It sleeps between sounds (a
/// running one keeps the browser's audio thread busy).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audio_engine_is_made_at_the_first_click_and_kept() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.browser().await;
    // Before the page's script, which keeps the constructor it finds.
    alice.cdp("Page.addScriptToEvaluateOnNewDocument", serde_json::json!({ "source": COUNT_CONTEXTS })).await;
    alice.c.goto(&stack.url()).await.unwrap();
    alice.el(&tid("signin-email")).await;
    alice.c.execute(COUNT_SOUNDS, vec![]).await.unwrap();
    assert_eq!(contexts(&alice).await, 0, "none before the person did anything");
    alice.fill_sign_in(Some(&stack.passport()), "alice@example.com", "alice", "MSNP12").await;
    alice.until_online().await;
    assert_eq!(contexts(&alice).await, 1, "made at the first click");
    let asleep = |s: &[String]| s.last().map(String::as_str) == Some("suspended");
    let states = audio_states(&alice, asleep).await;
    assert!(asleep(&states), "asleep until a sound plays: {states:?}");
    let before = states.len() - 1;
    // The first sound plays on it, awake; then it sleeps again. No other is made.
    let _bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    alice.el("[data-testid=toast][data-email='bob@example.com']").await;
    assert_eq!(sounds_reaching(&alice, 1).await, 1);
    let woke_and_slept = |s: &[String]| s[before..].iter().any(|x| x == "running") && asleep(s);
    let states = audio_states(&alice, woke_and_slept).await;
    assert!(woke_and_slept(&states), "awake for the sound, then asleep: {states:?}");
    assert_eq!(contexts(&alice).await, 1, "kept");
}

async fn click_setting(b: &Browser, testid: &str) {
    b.el(&tid(testid)).await.click().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_sounds_theme_and_mail_follow_the_settings_and_are_kept() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    alice.c.execute(COUNT_SOUNDS, vec![]).await.unwrap();

    // A contact signing in: a toast and a sound.
    let carol = driver.signed_in(&stack, "carol@example.com", "carol", "MSNP12").await;
    alice.el("[data-testid=toast][data-email='carol@example.com']").await;
    assert_eq!(sounds_reaching(&alice, 1).await, 1);
    // A message in a conversation that is not in front: a sound.
    alice.open_chat("carol@example.com").await;
    bob.open_chat("alice@example.com").await;
    bob.say("psst").await;
    alice.el("[data-testid=conversation-tab][data-with='bob@example.com'][data-unread=true]").await;
    assert_eq!(sounds_reaching(&alice, 2).await, 2);
    // A nudge and a message at once (in one go: two WebDriver steps can be
    // further apart than a sound is long): one sound, never two on top.
    // After the message's sound (0.23 s) has ended: while it plays, any
    // other is rightly dropped.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let both = "document.querySelector('[data-testid=nudge]').click();
        const ta = document.querySelector('[data-testid=compose-input]'); ta.value = 'wake up';
        ta.dispatchEvent(new InputEvent('input', { bubbles: true }));
        ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));";
    bob.c.execute(both, vec![]).await.unwrap();
    alice.el("[data-testid=conversation-tab][data-with='bob@example.com']").await.click().await.unwrap();
    alice.until_text("[data-testid=conversation][data-with='bob@example.com']", "wake up").await;
    assert_eq!(sounds_reaching(&alice, 3).await, 3);

    // Sounds off, sign-in notifications off: silence, and no toast.
    click_setting(&alice, "settings").await;
    click_setting(&alice, "setting-sounds").await;
    click_setting(&alice, "setting-notify-signin").await;
    bob.el(&tid("nudge")).await.click().await.unwrap();
    alice.until_text("[data-testid=conversation][data-with='bob@example.com']", "Bob has just sent you a nudge.").await;
    let _dave = driver.signed_in(&stack, "dave@example.com", "dave", "MSNP12").await;
    alice.el("[data-testid=contact][data-email='dave@example.com'][data-status=NLN]").await;
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(sounds(&alice).await, 3, "no sound with sounds off");
    let toast = alice.c.find_all(fantoccini::Locator::Css("[data-testid=toast][data-email='dave@example.com']"));
    assert!(toast.await.unwrap().is_empty(), "no toast for Dave");

    // Every colour the stylesheet names is a colour (one defined by itself
    // is none: the light theme's warnings once had no background).
    const UNSET: &str = "const root = getComputedStyle(document.documentElement); \
        const names = Array.from(document.styleSheets).flatMap(s => Array.from(s.cssRules)) \
          .flatMap(r => r.style ? Array.from(r.style).filter(p => p.startsWith('--')) : []); \
        return [...new Set(names)].filter(n => root.getPropertyValue(n).trim() === '');";
    assert_eq!(alice.c.execute(UNSET, vec![]).await.unwrap(), serde_json::json!([]), "light");
    // Dark, forced: the page's colours change.
    let surface = "return getComputedStyle(document.querySelector('.window')).backgroundColor";
    let light = alice.c.execute(surface, vec![]).await.unwrap();
    alice.select("setting-theme", "dark").await;
    alice.el("html[data-theme=dark]").await;
    let dark = alice.c.execute(surface, vec![]).await.unwrap();
    assert_ne!(light, dark, "the theme changed nothing");
    assert_eq!(dark, serde_json::json!("rgb(19, 26, 35)"));
    assert_eq!(alice.c.execute(UNSET, vec![]).await.unwrap(), serde_json::json!([]), "dark");

    // The server's mail notices are shown, not dropped.
    let hub = &stack.dev.hub;
    assert!(hub.mail("alice@example.com", &MessageBody::InitialEmail { inbox_unread: 3, folders_unread: 0 }));
    alice.el("[data-testid=mail][data-unread='3']").await;
    let new = MessageBody::NewEmail {
        from: "Eve <script>".into(),
        subject: "Lunch?".into(),
        from_addr: Some("eve@example.com".into()),
    };
    assert!(hub.mail("alice@example.com", &new));
    alice.until_text("[data-testid=mail][data-unread='4'] [data-testid=new-mail]", "Eve <script>: Lunch?").await;

    // All kept for Alice's account, after a reload.
    alice.sign_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    alice.until_online().await;
    alice.el("html[data-theme=dark]").await;
    click_setting(&alice, "settings").await;
    assert_eq!(alice.el(&tid("setting-sounds")).await.prop("checked").await.unwrap().as_deref(), Some("false"));
    assert_eq!(alice.el(&tid("setting-notify-signin")).await.prop("checked").await.unwrap().as_deref(), Some("false"));
    assert_eq!(alice.el(&tid("setting-notify-messages")).await.prop("checked").await.unwrap().as_deref(), Some("true"));
    alice.select("setting-theme", "system").await;
    alice.until_gone("html[data-theme]").await;
    for b in [alice, bob, carol] {
        b.c.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privacy_is_set_in_the_settings_window() {
    let stack = Stack::start(Timing::default()).await;
    // Eve has Alice on her list; Alice has never heard of her.
    let store = &stack.dev.hub.store;
    store.upsert_user("eve@example.com", "eve", Some("Eve")).unwrap();
    store.add_entry("eve@example.com", List::Forward, "alice@example.com", "Alice").unwrap();
    store.add_entry("alice@example.com", List::Reverse, "eve@example.com", "Eve").unwrap();
    store.bump_serial("eve@example.com").unwrap();
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let carol = driver.signed_in(&stack, "carol@example.com", "carol", "MSNP9").await;
    let eve = driver.signed_in(&stack, "eve@example.com", "eve", "MSNP12").await;
    let alice_at = "[data-testid=contact][data-email='alice@example.com']";
    eve.el(&format!("{alice_at}[data-status=NLN]")).await;
    carol.el(&format!("{alice_at}[data-status=NLN]")).await;

    // The lists as the server keeps them.
    alice.el(&tid("settings")).await.click().await.unwrap();
    let carol_allowed = "[data-testid=privacy-entry][data-list=AL][data-email='carol@example.com']";
    alice.el(carol_allowed).await;
    // Carol moves to the block list: she no longer sees Alice.
    alice.el(&format!("{carol_allowed} [data-testid=privacy-move]")).await.click().await.unwrap();
    alice.el("[data-testid=privacy-entry][data-list=BL][data-email='carol@example.com']").await;
    carol.el(&format!("{alice_at}[data-status=FLN]")).await;
    // Only the allowed: Eve, on neither list, no longer sees Alice either.
    alice.select("privacy-mode", "BL").await;
    eve.el(&format!("{alice_at}[data-status=FLN]")).await;
    // Do not ask when someone adds me.
    let prompt = alice.el(&tid("privacy-prompt")).await;
    assert_eq!(prompt.prop("checked").await.unwrap().as_deref(), Some("true"));
    prompt.click().await.unwrap();

    // The server kept it all: after a reload the window says the same.
    alice.sign_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    alice.until_online().await;
    alice.el(&tid("settings")).await.click().await.unwrap();
    alice.el("[data-testid=privacy-entry][data-list=BL][data-email='carol@example.com']").await;
    let mode = alice.el(&tid("privacy-mode")).await.prop("value").await.unwrap();
    assert_eq!(mode.as_deref(), Some("BL"));
    let prompt = alice.el(&tid("privacy-prompt")).await.prop("checked").await.unwrap();
    assert_eq!(prompt.as_deref(), Some("false"));
    // Back to everyone but the blocked, Carol allowed again: both see her.
    alice.select("privacy-mode", "AL").await;
    eve.el(&format!("{alice_at}[data-status=NLN]")).await;
    alice
        .el("[data-testid=privacy-entry][data-list=BL][data-email='carol@example.com'] [data-testid=privacy-move]")
        .await
        .click()
        .await
        .unwrap();
    carol.el(&format!("{alice_at}[data-status=NLN]")).await;
    for b in [alice, carol, eve] {
        b.c.close().await.unwrap();
    }
}
