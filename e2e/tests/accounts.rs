//! Several accounts in one browser: two tabs of the app signed in to two
//! accounts do not interfere (storage is keyed by account; nothing is
//! shared at page level that one could overwrite for the other).

use devserver::hub::Timing;
use e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_signed_in_to_two_accounts_keep_apart() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let b = driver.browser().await;
    // Tab one: Alice.
    b.sign_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    b.until_online().await;
    let alice_tab = b.c.window().await.unwrap();
    // Tab two, the same browser: Bob.
    let bob_tab = b.c.new_window(true).await.unwrap().handle;
    b.c.switch_to_window(bob_tab.clone()).await.unwrap();
    b.sign_in(&stack, "bob@example.com", "bob", "MSNP9").await;
    b.until_online().await;
    // Bob turns his theme dark and his sounds off; he talks to Alice.
    b.el(&tid("settings")).await.click().await.unwrap();
    b.select("setting-theme", "dark").await;
    b.el(&tid("setting-sounds")).await.click().await.unwrap();
    b.open_chat("alice@example.com").await;
    b.say("from the other tab").await;

    // Alice's tab: still Alice, still online, her own settings, his message.
    b.c.switch_to_window(alice_tab.clone()).await.unwrap();
    b.el("[data-testid=connection-status][data-state=online]").await;
    assert_eq!(b.el(&tid("me-name")).await.prop("value").await.unwrap().as_deref(), Some("Alice"));
    b.until_text("[data-testid=message][data-from='bob@example.com']", "from the other tab").await;
    b.say("heard you").await;
    b.until_gone("html[data-theme=dark]").await;
    b.el(&tid("settings")).await.click().await.unwrap();
    assert_eq!(b.el(&tid("setting-sounds")).await.prop("checked").await.unwrap().as_deref(), Some("true"));
    // Her history holds her conversation with Bob, under her account only.
    b.el(&tid("history")).await.click().await.unwrap();
    b.type_into("history-search", "other tab").await;
    b.el("[data-testid=history-result][data-with='bob@example.com']").await;

    // Bob's tab: still Bob, dark, with Alice's answer; his history his own.
    b.c.switch_to_window(bob_tab).await.unwrap();
    b.el("html[data-theme=dark]").await;
    assert_eq!(b.el(&tid("me-name")).await.prop("value").await.unwrap().as_deref(), Some("Bob"));
    b.until_text("[data-testid=message][data-from='alice@example.com']", "heard you").await;
    b.el(&tid("history")).await.click().await.unwrap();
    b.type_into("history-search", "heard").await;
    b.el("[data-testid=history-result][data-with='alice@example.com']").await;
    b.until_gone("[data-testid=history-result][data-with='bob@example.com']").await;
    b.c.close().await.unwrap();
}
