//! The client's ground floor: what the sign-in form refuses on its own, the
//! debug panel's protocol log, and the development loop through `trunk serve`.

use devserver::hub::Timing;
use e2e::*;
use fantoccini::Locator;
use std::time::Duration;

/// Counts the WebSockets the page opens from now on.
const COUNT_SOCKETS: &str = "window.__sockets = 0; const W = window.WebSocket; \
    window.WebSocket = function (...a) { window.__sockets += 1; return new W(...a); };";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_address_is_refused_before_any_socket_opens() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let b = driver.browser().await;
    b.c.goto(&stack.url()).await.unwrap();
    b.el(&tid("signin-email")).await;
    b.c.execute(COUNT_SOCKETS, vec![]).await.unwrap();
    for bad in ["alice", "alice@example", "ali ce@example.com"] {
        b.type_into("signin-email", bad).await;
        b.type_into("signin-password", "alice").await;
        b.el(&tid("signin-submit")).await.click().await.unwrap();
        b.until_text(&tid("signin-error"), "not an e-mail address").await;
    }
    let opened = b.c.execute("return window.__sockets", vec![]).await.unwrap();
    assert_eq!(opened, serde_json::json!(0), "no socket for an invalid address");
    assert_eq!(stack.relay.as_ref().unwrap().active(), 0);
    b.el("[data-testid=connection-status][data-state=offline]").await;
    // Corrected, it signs in.
    b.el(&tid("signin-advanced")).await.click().await.unwrap();
    b.type_into("signin-passport", &stack.passport()).await;
    b.type_into("signin-email", "alice@example.com").await;
    b.el(&tid("signin-submit")).await.click().await.unwrap();
    b.until_online().await;
    b.c.close().await.unwrap();
}

/// The protocol lines on the debug panel, as text.
async fn debug_lines(b: &Browser) -> Vec<String> {
    let mut out = Vec::new();
    for e in b.c.find_all(Locator::Css(&tid("debug-line"))).await.unwrap() {
        out.push(e.text().await.unwrap_or_default());
    }
    out
}

/// Wait until a debug line contains `text`.
async fn until_line(b: &Browser, text: &str) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let lines = debug_lines(b).await;
        if lines.iter().any(|l| l.contains(text)) {
            return lines;
        }
        assert!(tokio::time::Instant::now() < deadline, "no debug line with {text:?} in {lines:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_debug_panel_shows_the_protocol_with_secrets_masked() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let b = driver.browser().await;
    // Without ?debug there is no panel.
    b.c.goto(&stack.url()).await.unwrap();
    b.el(&tid("signin-email")).await;
    assert!(b.c.find_all(Locator::Css(&tid("debug-panel"))).await.unwrap().is_empty());

    // MD5 (MSNP7): the server's salt shows, the hash of the password does not.
    let debug = format!("{}?debug", stack.url());
    b.sign_in_at(&debug, None, "alice@example.com", "alice", "MSNP7").await;
    b.until_online().await;
    let lines = until_line(&b, "MD5 S ***").await;
    let salt = lines
        .iter()
        .find_map(|l| l.split("USR 3 MD5 S ").nth(1).filter(|_| l.contains("<<")))
        .unwrap_or_else(|| panic!("the server's challenge is logged: {lines:#?}"))
        .trim()
        .to_owned();
    let hash = msnp::auth::md5_login_response(&salt, "alice");
    assert!(!lines.iter().any(|l| l.contains(&hash)), "the login hash is masked: {lines:#?}");
    assert!(lines.iter().any(|l| l.contains("NS >> VER")), "what we sent: {lines:#?}");
    assert!(lines.iter().any(|l| l.contains("NS << SYN") || l.contains("NS << LST")), "what we read: {lines:#?}");

    // TWN (MSNP12): the Passport ticket is masked.
    b.el(".signout").await.click().await.unwrap();
    b.el(&tid("signin-submit")).await;
    b.sign_in_at(&debug, Some(&stack.passport()), "alice@example.com", "alice", "MSNP12").await;
    b.until_online().await;
    let lines = until_line(&b, "TWN S ***").await;
    for l in lines.iter().filter(|l| l.contains("NS >> USR") && l.contains("TWN S")) {
        assert!(l.ends_with("TWN S ***"), "the ticket is masked: {l}");
    }
    assert!(lines.len() <= 500, "the panel keeps the last 500 lines");
    b.c.close().await.unwrap();
}

/// A `Trunk.toml` for `trunk serve` in front of this stack, as the
/// repository's own is in front of `scripts/dev.sh`'s relay.
fn trunk_config(root: &std::path::Path, port: u16, stack: &Stack, dist: &std::path::Path) -> String {
    format!(
        r#"[build]
target = "{index}"
dist = "{dist}"
offline = true

[tools]
wasm_bindgen = "0.2.130"
wasm_opt = "version_132"

[serve]
addresses = ["127.0.0.1"]
port = {port}
open = false
no_autoreload = true

[[proxy]]
backend = "ws://{relay}/ws"
ws = true

[[proxy]]
backend = "http://{relay}/ws-refusal"

[[proxy]]
backend = "http://{passport}/NotRST.srf"
"#,
        index = root.join("index.html").display(),
        dist = dist.display(),
        relay = stack.relay_addr,
        passport = stack.dev.http.unwrap(),
    )
}

/// The development loop as the README writes it: `trunk serve` serves the
/// page on its own origin and proxies `/ws` to a relay started with only
/// `--upstream`; signing in works, and a refusal says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_through_trunk_serve_works_and_a_refusal_says_why() {
    let stack = Stack::start(Timing::default()).await;
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap();
    let tmp = std::env::temp_dir().join(format!("msn-web-trunk-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let port = free_port();
    let config = tmp.join("Trunk.toml");
    std::fs::write(&config, trunk_config(&root, port, &stack, &tmp.join("dist"))).unwrap();
    let mut trunk = std::process::Command::new("trunk")
        .args(["serve", "--release", "--config"])
        .arg(&config)
        .current_dir(&root)
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("trunk on PATH (scripts/tools.sh installs it)");
    let page = format!("http://127.0.0.1:{port}/");
    // The first build takes a while.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
    loop {
        let up = reqwest_like_get(&page).await;
        if up {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "trunk serve did not come up");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let driver = Driver::start().await;
    let b = driver.browser().await;
    b.sign_in_at(&page, Some("/NotRST.srf"), "alice@example.com", "alice", "MSNP12").await;
    b.until_online().await;
    b.el(".signout").await.click().await.unwrap();
    b.el(&tid("signin-submit")).await;
    // A server the relay may not reach: the page says so, and why.
    b.c.goto(&page).await.unwrap();
    b.el(&tid("signin-advanced")).await.click().await.unwrap();
    b.type_into("signin-server", "example.com:1863").await;
    b.type_into("signin-email", "alice@example.com").await;
    b.type_into("signin-password", "alice").await;
    b.el(&tid("signin-submit")).await.click().await.unwrap();
    b.until_text(&tid("signin-error"), "HTTP 403: target not allowed").await;
    b.c.close().await.unwrap();
    let _ = trunk.kill();
    let _ = trunk.wait();
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Whether `url` answers 200 (a bare HTTP/1.1 GET; no client crate needed).
async fn reqwest_like_get(url: &str) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let Ok(mut s) = tokio::net::TcpStream::connect(addr).await else { return false };
    let req = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).await.is_err() {
        return false;
    }
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    buf.starts_with(b"HTTP/1.1 200") && String::from_utf8_lossy(&buf).contains("<html")
}

/// A relay refuses a page from another origin, and the page names the
/// origin and the flag that would let it in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_from_another_origin_is_told_how_to_get_in() {
    let stack = Stack::start(Timing::default()).await;
    // A second relay that does not serve the page and allows no other origin.
    let r2 = stack.extra_relay(|_| {}).await;
    let driver = Driver::start().await;
    let b = driver.browser().await;
    b.c.goto(&stack.url()).await.unwrap();
    b.el(&tid("signin-advanced")).await.click().await.unwrap();
    b.type_into("signin-relay", &format!("ws://{}/ws", r2.addr)).await;
    b.type_into("signin-email", "alice@example.com").await;
    b.type_into("signin-password", "alice").await;
    b.el(&tid("signin-submit")).await.click().await.unwrap();
    let e = b.until_text(&tid("signin-error"), "origin not allowed").await;
    let text = e.text().await.unwrap();
    assert!(text.contains(&format!("--allow-origin http://{}", stack.relay_addr)), "{text}");
    b.c.close().await.unwrap();
}

/// A relay at its connection limit says so, on the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_relay_is_told_plainly() {
    let stack = Stack::start(Timing::default()).await;
    let full = stack
        .extra_relay(|c| {
            c.max_per_ip = 0;
            c.allow_origins = vec![format!("http://{}", stack.relay_addr)];
        })
        .await;
    let driver = Driver::start().await;
    let b = driver.browser().await;
    b.c.goto(&stack.url()).await.unwrap();
    b.el(&tid("signin-advanced")).await.click().await.unwrap();
    b.type_into("signin-relay", &format!("ws://{}/ws", full.addr)).await;
    b.type_into("signin-email", "alice@example.com").await;
    b.type_into("signin-password", "alice").await;
    b.el(&tid("signin-submit")).await.click().await.unwrap();
    let e = b.until_text(&tid("signin-error"), "HTTP 429: too many connections").await;
    assert!(e.text().await.unwrap().contains("try again in a moment"));
    b.c.close().await.unwrap();
}

/// "Automatic" signs in with MSNP12 down to MSNP8 pipelined: the WebSocket
/// upgrade, then VER+CVR+USR, then USR+SYN+CHG (three round trips, where a
/// strictly sequential login takes seven). A server that speaks only up to
/// MSNP7 is asked again with MSNP7 down to MSNP2, and the sign-in works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic_sign_in_is_pipelined_and_falls_back_to_older_servers() {
    let stack = Stack::start(Timing::default()).await;
    let line = DelayProxy::start(stack.relay_addr, std::time::Duration::ZERO).await;
    let driver = Driver::start().await;
    let alice = driver.browser().await;
    alice.sign_in_at(&line.url(), Some(&stack.passport()), "alice@example.com", "alice", "auto").await;
    alice.until_online().await;
    alice.el("[data-testid=contact]").await;
    let ns =
        line.connections().into_iter().find(|c| c.first.starts_with(b"GET /ws")).expect("a notification connection");
    assert_eq!(ns.round_trips(), 3, "upgrade, VER+CVR+USR, USR+SYN+CHG");
    alice.c.close().await.unwrap();

    let old =
        Stack::start_configured(Timing::default(), false, |c| c.newest_dialect = msnp::types::Dialect::MSNP7).await;
    let bob = driver.browser().await;
    bob.sign_in_at(&old.url(), Some(&old.passport()), "bob@example.com", "bob", "auto").await;
    bob.until_online().await;
    // MSNP7 has no personal messages: the box says so.
    bob.el("[data-testid=me-psm][disabled]").await;
    bob.c.close().await.unwrap();
}
