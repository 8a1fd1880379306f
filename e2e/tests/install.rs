//! Installable: a web app manifest with our own icons, and a service worker
//! that keeps the app shell, so that the app opens without the network and
//! shows the sign-in window and history; MSN traffic never goes through it.

use devserver::hub::Timing;
use e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_installs_and_opens_without_the_network() {
    let mut stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let b = driver.browser().await;
    b.c.goto(&stack.url()).await.unwrap();
    b.el(&tid("signin-submit")).await;
    // The manifest says what an installed app needs.
    let js = "const done = arguments[arguments.length - 1];
        fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json()).then(done);";
    let m = b.c.execute_async(js, vec![]).await.unwrap();
    assert_eq!(m["display"], "standalone");
    assert_eq!(m["start_url"], "./");
    let sizes: Vec<&str> = m["icons"].as_array().unwrap().iter().filter_map(|i| i["sizes"].as_str()).collect();
    assert!(sizes.contains(&"192x192") && sizes.contains(&"512x512"), "{sizes:?}");
    // The service worker takes the page, with the shell cached.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let js = "const done = arguments[arguments.length - 1];
            caches.keys().then(k => Promise.all(k.map(n => caches.open(n).then(c => c.keys()))))
              .then(all => done([!!navigator.serviceWorker.controller, all.flat().map(r => r.url)]));";
        let got = b.c.execute_async(js, vec![]).await.unwrap();
        let cached: Vec<String> = serde_json::from_value(got[1].clone()).unwrap();
        if got[0] == true && cached.iter().any(|u| u.ends_with(".wasm")) {
            assert!(
                !cached.iter().any(|u| u.contains("/ws") || u.contains("NotRST")),
                "MSN traffic cached: {cached:?}"
            );
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no service worker with the shell: {got}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // Signing in, talking and out works as ever through it.
    b.sign_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    b.until_online().await;
    b.open_chat("bob@example.com").await;
    b.say("a note kept for later").await;
    b.el(".signout").await.click().await.unwrap();
    // The network gone (the relay serves the page): the app still opens.
    stack.stop_relay().await;
    b.c.goto(&stack.url()).await.unwrap();
    b.el(&tid("signin-submit")).await;
    // History is there, offline.
    b.type_into("signin-email", "alice@example.com").await;
    b.el(&tid("signin-history")).await.click().await.unwrap();
    b.type_into("history-search", "kept for later").await;
    b.el("[data-testid=history-result][data-with='bob@example.com']").await;
    b.el(&tid("history-close")).await.click().await.unwrap();
    b.until_gone(&tid("history-window")).await;
    // Signing in then fails plainly, not silently.
    b.type_into("signin-password", "alice").await;
    b.el(&tid("signin-submit")).await.click().await.unwrap();
    b.el(&tid("signin-error")).await;
    b.c.close().await.unwrap();
}
