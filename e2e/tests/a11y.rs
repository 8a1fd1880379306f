//! Accessibility: axe-core (run inside the page) finds no serious or
//! critical violation on the sign-in window, the contact list with a
//! conversation open, history and settings, in light and dark themes; and
//! the app works from the keyboard alone.

use devserver::hub::Timing;
use e2e::*;

/// Serious and critical violations axe-core finds on the page now, as
/// `rule: targets` lines.
async fn axe(b: &Browser) -> Vec<String> {
    let src =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../tools/node_modules/axe-core/axe.min.js"))
            .expect("axe-core (scripts/tools.sh installs it)");
    b.c.execute(&format!("{src}\n;return true;"), vec![]).await.unwrap();
    let js = "const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\\s+/g, ' ')).join(' | '))));";
    serde_json::from_value(b.c.execute_async(js, vec![]).await.unwrap()).unwrap()
}

async fn check(b: &Browser, what: &str, found: &mut Vec<String>) {
    for v in axe(b).await {
        found.push(format!("{what}: {v}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_nothing_serious_in_light_and_dark() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let mut found = Vec::new();
    for dark in [false, true] {
        let theme = if dark { "dark" } else { "light" };
        let extra: &[&str] = if dark { &["--force-dark-mode"] } else { &[] };
        let alice = driver.browser_with(extra).await;
        alice.c.goto(&stack.url()).await.unwrap();
        alice.el(&tid("signin-submit")).await;
        check(&alice, &format!("{theme} sign-in"), &mut found).await;
        let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
        alice.sign_in(&stack, "alice@example.com", "alice", "MSNP12").await;
        alice.until_online().await;
        alice.open_chat("bob@example.com").await;
        alice.say("hello, checking contrast").await;
        bob.until_text("[data-testid=message][data-from='alice@example.com']", "checking contrast").await;
        bob.say("and the reply").await;
        alice.until_text("[data-testid=message][data-from='bob@example.com']", "and the reply").await;
        check(&alice, &format!("{theme} list and conversation"), &mut found).await;
        // Screen readers hear new messages and contacts signing in: both
        // are drawn inside live regions.
        let live = "return [!!document.querySelector('[data-testid=message]').closest('[aria-live]'),
            !!document.querySelector('.toasts[aria-live]')]";
        assert_eq!(alice.c.execute(live, vec![]).await.unwrap(), serde_json::json!([true, true]));
        alice.el(&tid("settings")).await.click().await.unwrap();
        alice.el(&tid("settings-panel")).await;
        check(&alice, &format!("{theme} settings"), &mut found).await;
        alice.el(&tid("settings")).await.click().await.unwrap();
        alice.el(&tid("history")).await.click().await.unwrap();
        alice.type_into("history-search", "reply").await;
        alice.el(&tid("history-result")).await;
        check(&alice, &format!("{theme} history"), &mut found).await;
        alice.c.close().await.unwrap();
        bob.c.close().await.unwrap();
    }
    assert!(found.is_empty(), "axe-core found:\n{}", found.join("\n"));
}

/// Press Tab (Shift+Tab with `back`) until the focused element matches
/// `css`; the element.
async fn tab_to(b: &Browser, css: &str) -> fantoccini::elements::Element {
    for _ in 0..80 {
        let active = b.c.active_element().await.unwrap();
        let hit = b.c.execute("return document.activeElement.matches(arguments[0])", vec![css.into()]).await.unwrap();
        if hit == serde_json::json!(true) {
            return active;
        }
        let _ = active;
        press(b, "\u{E004}").await;
    }
    panic!("Tab never reached {css}");
}

/// Keys as a keyboard sends them to whatever has the focus: each down then
/// up, except modifiers (Alt, Shift), held until the end.
async fn press(b: &Browser, keys: &str) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let modifiers = ['\u{E00A}', '\u{E008}'];
    let mut a = KeyActions::new("keyboard".into());
    for k in keys.chars() {
        a = a.then(KeyAction::Down { value: k });
        if !modifiers.contains(&k) {
            a = a.then(KeyAction::Up { value: k });
        }
    }
    for k in keys.chars().filter(|k| modifiers.contains(k)) {
        a = a.then(KeyAction::Up { value: k });
    }
    b.c.perform_actions(a).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_works_from_the_keyboard() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    let carol = driver.signed_in(&stack, "carol@example.com", "carol", "MSNP12").await;
    let alice = driver.browser().await;
    alice.c.goto(&stack.url()).await.unwrap();
    alice.el(&tid("signin-advanced")).await.send_keys("\u{E007}").await.unwrap();
    alice.type_into("signin-passport", &stack.passport()).await;
    alice.type_into("signin-email", "alice@example.com").await;
    alice.type_into("signin-password", "alice\u{E007}").await;
    alice.until_online().await;

    // To Bob's row, Enter: his conversation; to the compose box, type, Enter.
    for (who, text) in [("bob", "typed without a mouse"), ("carol", "and to carol")] {
        tab_to(&alice, &format!("[data-testid=contact][data-email='{who}@example.com']")).await;
        // The focus is visible.
        let outline = alice.c.execute("return getComputedStyle(document.activeElement).outlineStyle", vec![]).await;
        assert_ne!(outline.unwrap(), serde_json::json!("none"), "no visible focus on a contact");
        press(&alice, "\u{E007}").await;
        alice.el(&format!("[data-testid=conversation][data-with='{who}@example.com']")).await;
        tab_to(&alice, &tid("compose-input")).await;
        press(&alice, &format!("{text}\u{E007}")).await;
    }
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "typed without a mouse").await;
    carol.until_text("[data-testid=message][data-from='alice@example.com']", "and to carol").await;
    // Alt+PageUp: the other conversation; on a tab, the arrows and Delete.
    press(&alice, "\u{E00A}\u{E00E}").await;
    alice.el("[role=tab][data-with='bob@example.com'][aria-selected=true]").await;
    tab_to(&alice, "[role=tab][aria-selected=true]").await;
    press(&alice, "\u{E014}").await;
    alice.el("[role=tab][data-with='carol@example.com'][aria-selected=true]").await;
    press(&alice, "\u{E017}").await;
    alice.until_gone("[role=tab][data-with='carol@example.com']").await;
    // Settings open with Enter and close with Escape.
    tab_to(&alice, &tid("settings")).await;
    press(&alice, "\u{E007}").await;
    alice.el(&tid("settings-panel")).await;
    tab_to(&alice, &tid("setting-sounds")).await;
    press(&alice, "\u{E00C}").await;
    alice.until_gone(&tid("settings-panel")).await;
    for b in [alice, bob, carol] {
        b.c.close().await.unwrap();
    }
}

/// The README's pictures, taken from the real app: the contact list and a
/// conversation, light and dark (`docs/screenshots/`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_for_the_readme() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    let carol = driver.signed_in(&stack, "carol@example.com", "carol", "MSNP12").await;
    carol.type_into("me-psm", "Back at 5 :)\u{E007}").await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    alice.c.set_window_size(1100, 700).await.unwrap();
    alice.el("[data-testid=contact][data-email='carol@example.com'][data-status=NLN]").await;
    for theme in ["light", "dark"] {
        alice.el(&tid("settings")).await.click().await.unwrap();
        alice.select("setting-theme", theme).await;
        alice.el(&tid("settings")).await.click().await.unwrap();
        alice.until_gone(&tid("settings-panel")).await;
        if theme == "light" {
            std::fs::write(dir.join("contact-list-light.png"), alice.c.screenshot().await.unwrap()).unwrap();
            alice.open_chat("bob@example.com").await;
            alice.say("Hi Bob! Coming to the game tonight? (Y)").await;
            bob.until_text("[data-testid=message][data-from='alice@example.com']", "Coming to the game").await;
            bob.say("Sure :D see you at 8").await;
            alice.until_text("[data-testid=message][data-from='bob@example.com']", "see you at 8").await;
        } else {
            alice.el("html[data-theme=dark]").await;
            alice.el("[role=tab][data-testid=conversation-tab] .close").await.click().await.unwrap();
            alice.until_gone(&tid("conversation")).await;
            std::fs::write(dir.join("contact-list-dark.png"), alice.c.screenshot().await.unwrap()).unwrap();
            // Opened again: the conversation comes back from history.
            alice.open_chat("bob@example.com").await;
            alice.until_text("[data-testid=message][data-state=history]", "see you at 8").await;
        }
        std::fs::write(dir.join(format!("conversation-{theme}.png")), alice.c.screenshot().await.unwrap()).unwrap();
    }
    for b in [alice, bob, carol] {
        b.c.close().await.unwrap();
    }
}
