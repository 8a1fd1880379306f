//! File transfer in the browser, over the switchboard (MSNSLP P2P) through
//! relay and devserver: offered, accepted, received byte-identical; declined;
//! cancelled half-way from either side; chat goes on around all of them.

use devserver::hub::Timing;
use e2e::*;
use sha1::{Digest, Sha1};
use std::path::PathBuf;

fn file_of(name: &str, len: usize) -> (PathBuf, Vec<u8>) {
    let dir = std::env::temp_dir().join(format!("msn-web-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data: Vec<u8> = (0..len).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let path = dir.join(name);
    std::fs::write(&path, &data).unwrap();
    (path, data)
}

fn transfer(name: &str, state: &str) -> String {
    format!("[data-testid=transfer][data-name='{name}'][data-state={state}]")
}

/// The selector of an offer's Accept.
fn accept_of(name: &str) -> String {
    format!("{} [data-testid=transfer-accept]", transfer(name, "offered"))
}

/// Choose files in the page's file dialog (several: a path a line).
async fn choose(b: &Browser, paths: &str) {
    b.el(&tid("send-file")).await.send_keys(paths).await.unwrap();
}

/// Click Accept on the offer of `name`, once it is there.
async fn accept(b: &Browser, name: &str) {
    b.el(&accept_of(name)).await.click().await.unwrap();
}

/// SHA-1 (hex) of what a `transfer-save` link holds, computed in the page.
async fn saved_sha1(b: &Browser, name: &str) -> String {
    let link = b.el(&format!("{} [data-testid=transfer-save]", transfer(name, "done"))).await;
    let url = link.attr("href").await.unwrap().expect("a download link");
    assert!(url.starts_with("blob:"), "{url}");
    let js = "const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => crypto.subtle.digest('SHA-1', b))
          .then(h => done(Array.from(new Uint8Array(h)).map(x => x.toString(16).padStart(2, '0')).join('')));";
    b.c.execute_async(js, vec![url.into()]).await.unwrap().as_str().unwrap().to_owned()
}

/// Two people in a conversation that has a switchboard (a message each way).
async fn talking(driver: &Driver, stack: &Stack, a: (&str, &str), b: (&str, &str)) -> (Browser, Browser) {
    let pa = driver.signed_in(stack, &format!("{}@example.com", a.0), a.0, a.1).await;
    let pb = driver.signed_in(stack, &format!("{}@example.com", b.0), b.0, b.1).await;
    pa.open_chat(&format!("{}@example.com", b.0)).await;
    pa.say("a file is coming").await;
    pb.until_text(&format!("[data-testid=message][data-from='{}@example.com']", a.0), "a file is coming").await;
    (pa, pb)
}

/// As [`talking`], Alice on MSNP12 and Bob on MSNP12 behind a line that
/// carries `rate` bytes a second to him (the proxy must outlive the test).
async fn talking_on_a_line(driver: &Driver, stack: &Stack, rate: u64) -> (Browser, Browser, DelayProxy) {
    let line = DelayProxy::shaped(stack.relay_addr, std::time::Duration::ZERO, Some(rate)).await;
    let alice = driver.signed_in(stack, "alice@example.com", "alice", "MSNP12").await;
    let bob = driver.browser().await;
    bob.sign_in_at(&line.url(), Some(&stack.passport()), "bob@example.com", "bob", "MSNP12").await;
    bob.until_online().await;
    alice.open_chat("bob@example.com").await;
    alice.say("a file is coming").await;
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "a file is coming").await;
    (alice, bob, line)
}

/// Both can still chat.
async fn still_chatting(a: &Browser, a_mail: &str, b: &Browser, b_mail: &str, text: &str) {
    a.say(&format!("{text}, says a")).await;
    b.until_text(&format!("[data-testid=message][data-from='{a_mail}']"), &format!("{text}, says a")).await;
    b.el(&tid("compose-input")).await.click().await.unwrap();
    b.say(&format!("{text}, says b")).await;
    a.until_text(&format!("[data-testid=message][data-from='{b_mail}']"), &format!("{text}, says b")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_megabyte_file_arrives_byte_identical_from_msnp9_to_msnp12() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let (alice, bob) = talking(&driver, &stack, ("alice", "MSNP9"), ("bob", "MSNP12")).await;
    let (path, data) = file_of("one megabyte.bin", 1 << 20);
    choose(&alice, &path.display().to_string()).await;
    alice.el(&transfer("one megabyte.bin", "waiting")).await;
    let offered = bob.el(&transfer("one megabyte.bin", "offered")).await;
    assert_eq!(offered.attr("data-size").await.unwrap().as_deref(), Some("1048576"));
    accept(&bob, "one megabyte.bin").await;
    // Done on both sides, the bar full, and the bytes the same.
    bob.el(&transfer("one megabyte.bin", "done")).await;
    alice.el(&transfer("one megabyte.bin", "done")).await;
    let bar = bob.el(&format!("{} [data-testid=transfer-progress]", transfer("one megabyte.bin", "done"))).await;
    assert_eq!(bar.attr("value").await.unwrap().as_deref(), Some("1048576"));
    let want: String = Sha1::digest(&data).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(saved_sha1(&bob, "one megabyte.bin").await, want);
    still_chatting(&alice, "alice@example.com", &bob, "bob@example.com", "after the file").await;
    // Bob closes the window: the file it kept for its Save link goes with it.
    let save = bob.el(&format!("{} [data-testid=transfer-save]", transfer("one megabyte.bin", "done"))).await;
    let url = save.attr("href").await.unwrap().expect("a download link");
    bob.el(&tid("conversation-close")).await.click().await.unwrap();
    bob.until_gone(&tid("conversation")).await;
    let js = "const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(() => done('kept'), () => done('gone'));";
    assert_eq!(bob.c.execute_async(js, vec![url.into()]).await.unwrap(), "gone");
    // The conversation said what happened, and its history keeps it.
    alice.until_text(&tid("notice"), "Bob received one megabyte.bin (1.0 MB).").await;
    bob.el(&tid("history")).await.click().await.unwrap();
    bob.type_into("history-search", "megabyte").await;
    bob.until_text(&tid("history-result"), "You received one megabyte.bin (1.0 MB) from Alice.").await;
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

/// How many elements match `css` in the page now.
async fn count(b: &Browser, css: &str) -> u64 {
    let js = "return document.querySelectorAll(arguments[0]).length;";
    b.c.execute(js, vec![css.into()]).await.unwrap().as_u64().unwrap()
}

/// A finished transfer can leave the list (×), an active one cannot; a
/// received file's Save link (and the browser's copy) goes with it, the
/// other transfers and the conversation's lines stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_transfer_leaves_the_list_and_its_file_goes_with_it() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let (alice, bob) = talking(&driver, &stack, ("alice", "MSNP12"), ("bob", "MSNP12")).await;
    let (kept, kept_data) = file_of("kept.bin", 3000);
    let (gone, _) = file_of("gone.bin", 2000);
    choose(&alice, &format!("{}\n{}", kept.display(), gone.display())).await;
    // Offered and waiting: nothing to take off the list yet.
    bob.el(&transfer("gone.bin", "offered")).await;
    alice.el(&transfer("gone.bin", "waiting")).await;
    assert_eq!(count(&bob, "[data-testid=transfer-dismiss]").await, 0);
    assert_eq!(count(&alice, "[data-testid=transfer-dismiss]").await, 0);
    accept(&bob, "kept.bin").await;
    accept(&bob, "gone.bin").await;
    let save = bob.el(&format!("{} [data-testid=transfer-save]", transfer("gone.bin", "done"))).await;
    let url = save.attr("href").await.unwrap().expect("a download link");
    bob.el(&transfer("kept.bin", "done")).await;
    bob.el(&format!("{} [data-testid=transfer-dismiss]", transfer("gone.bin", "done"))).await.click().await.unwrap();
    bob.until_gone(&transfer("gone.bin", "done")).await;
    // Its file is let go; the other is still there to save, whole.
    let js = "const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(() => done('kept'), () => done('gone'));";
    assert_eq!(bob.c.execute_async(js, vec![url.into()]).await.unwrap(), "gone");
    let want: String = Sha1::digest(&kept_data).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(saved_sha1(&bob, "kept.bin").await, want);
    // The line in the conversation stays.
    bob.until_text(&tid("notice"), "You received gone.bin (2.0 KB) from Alice.").await;
    // The sender clears both; the list goes when it is empty.
    for name in ["kept.bin", "gone.bin"] {
        alice.el(&format!("{} [data-testid=transfer-dismiss]", transfer(name, "done"))).await.click().await.unwrap();
    }
    alice.until_gone("[data-testid=transfer]").await;
    assert_eq!(count(&alice, ".transfers").await, 0);
    alice.until_text(&tid("notice"), "Bob received gone.bin (2.0 KB).").await;
    still_chatting(&alice, "alice@example.com", &bob, "bob@example.com", "after clearing").await;
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

/// The receiver's line is much slower than the sender's (a phone on a
/// mobile network, sent a file from a desktop): the file still arrives
/// whole, and the receiver is never dropped for reading slowly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_to_someone_on_a_slow_line_arrives_whole() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    // 2 MB/s down: a quarter of what loopback carries here.
    let (alice, bob, _line) = talking_on_a_line(&driver, &stack, 2_000_000).await;
    let (path, data) = file_of("for the phone.bin", 24 << 20);
    choose(&alice, &path.display().to_string()).await;
    accept(&bob, "for the phone.bin").await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let state = bob.el("[data-testid=transfer]").await.attr("data-state").await.unwrap().unwrap_or_default();
        match state.as_str() {
            "done" => break,
            "offered" | "receiving" => {}
            other => panic!("the transfer ended {other}: {}", bob.dump().await),
        }
        assert!(tokio::time::Instant::now() < deadline, "not done in 2 minutes");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    alice.el(&transfer("for the phone.bin", "done")).await;
    let want: String = Sha1::digest(&data).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(saved_sha1(&bob, "for the phone.bin").await, want);
    still_chatting(&alice, "alice@example.com", &bob, "bob@example.com", "after the slow file").await;
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declining_and_cancelling_half_way_from_either_side_leave_the_chat_usable() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let (alice, bob) = talking(&driver, &stack, ("alice", "MSNP12"), ("bob", "MSNP9")).await;
    // Declined.
    let (small, _) = file_of("not wanted.txt", 5000);
    choose(&alice, &small.display().to_string()).await;
    bob.el(&format!("{} [data-testid=transfer-decline]", transfer("not wanted.txt", "offered")))
        .await
        .click()
        .await
        .unwrap();
    alice.el(&transfer("not wanted.txt", "declined")).await;
    bob.el(&transfer("not wanted.txt", "declined")).await;
    alice.until_text(&tid("notice"), "Bob declined not wanted.txt (4.9 KB).").await;
    bob.until_text(&tid("notice"), "You declined not wanted.txt (4.9 KB) from Alice.").await;
    still_chatting(&alice, "alice@example.com", &bob, "bob@example.com", "after declining").await;

    // Cancelled half-way, by the receiver and then by the sender.
    for (i, receiver_cancels) in [true, false].into_iter().enumerate() {
        let name = format!("big {i}.bin");
        let (big, _) = file_of(&name, 24 << 20);
        choose(&alice, &big.display().to_string()).await;
        accept(&bob, &name).await;
        let (canceller, other) = if receiver_cancels { (&bob, &alice) } else { (&alice, &bob) };
        let state = if receiver_cancels { "receiving" } else { "sending" };
        // Under way: some bytes have moved.
        let bar = canceller.el(&format!("{} [data-testid=transfer-progress]", transfer(&name, state))).await;
        let deadline = tokio::time::Instant::now() + WAIT;
        while bar.attr("value").await.unwrap().unwrap_or_default().parse::<u64>().unwrap_or(0) == 0 {
            assert!(tokio::time::Instant::now() < deadline, "no progress");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        canceller.el(&format!("{} [data-testid=transfer-cancel]", transfer(&name, state))).await.click().await.unwrap();
        canceller.el(&transfer(&name, "cancelled")).await;
        other.el(&transfer(&name, "cancelled")).await;
        let who = if receiver_cancels { "Bob" } else { "Alice" };
        canceller.until_text(&tid("notice"), &format!("You cancelled {name} (24.0 MB).")).await;
        other.until_text(&tid("notice"), &format!("{who} cancelled {name} (24.0 MB).")).await;
        still_chatting(&alice, "alice@example.com", &bob, "bob@example.com", &format!("after cancel {i}")).await;
    }
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

/// In a three-person conversation a file goes to one of them; the third
/// sees nothing of it (every P2P message reaches everyone; theirs ignore
/// what is not for them) and the conversation goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_between_two_leaves_the_third_undisturbed() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let (alice, bob) = talking(&driver, &stack, ("alice", "MSNP12"), ("bob", "MSNP9")).await;
    let carol = driver.signed_in(&stack, "carol@example.com", "carol", "MSNP9").await;
    alice.el(&tid("invite")).await.click().await.unwrap();
    alice.select("invite-contact", "carol@example.com").await;
    let group = "[data-testid=conversation][data-with*=',']";
    carol.el("[data-testid=conversation][data-with='alice@example.com,bob@example.com']").await;
    carol.say("hello both").await;
    alice.until_text(group, "hello both").await;
    bob.until_text(group, "hello both").await;

    let (path, data) = file_of("for bob only.bin", 200_000);
    choose(&alice, &path.display().to_string()).await;
    alice.until_text(group, "this one goes to Bob").await;
    accept(&bob, "for bob only.bin").await;
    bob.el(&transfer("for bob only.bin", "done")).await;
    alice.el(&transfer("for bob only.bin", "done")).await;
    let want: String = Sha1::digest(&data).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(saved_sha1(&bob, "for bob only.bin").await, want);
    // Carol saw none of it, and talks on.
    assert!(carol.c.find_all(fantoccini::Locator::Css(&tid("transfer"))).await.unwrap().is_empty());
    carol.say("still here").await;
    alice.until_text(group, "still here").await;
    bob.until_text(group, "still here").await;
    for b in [alice, bob, carol] {
        b.c.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_over_the_limit_set_in_settings_is_declined_and_the_limit_is_kept() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let (alice, bob) = talking(&driver, &stack, ("alice", "MSNP12"), ("bob", "MSNP12")).await;
    // Bob takes files of 1 MiB at most.
    bob.el(&tid("settings")).await.click().await.unwrap();
    let limit = bob.el(&tid("setting-max-file")).await;
    assert_eq!(limit.prop("value").await.unwrap().as_deref(), Some("200"), "the default");
    limit.clear().await.unwrap();
    limit.send_keys("1\t").await.unwrap();
    bob.el(&tid("settings")).await.click().await.unwrap();
    bob.until_gone(&tid("settings-panel")).await;
    let (path, _) = file_of("two megabytes.bin", 2 << 20);
    choose(&alice, &path.display().to_string()).await;
    alice.el(&transfer("two megabytes.bin", "declined")).await;
    bob.until_text(&tid("notice"), "Alice offered two megabytes.bin (2.0 MB), over your 1 MiB limit: declined.").await;
    alice.until_text(&tid("notice"), "Bob declined two megabytes.bin (2.0 MB).").await;
    // One under the limit still comes.
    let (small, _) = file_of("small.bin", 100_000);
    choose(&alice, &small.display().to_string()).await;
    accept(&bob, "small.bin").await;
    alice.el(&transfer("small.bin", "done")).await;
    // Over what can be sent at all: told, and never read into memory (a
    // sparse file, so the test costs no disk).
    let huge = std::env::temp_dir().join(format!("msn-web-huge-{}.bin", std::process::id()));
    std::fs::File::create(&huge).unwrap().set_len((1 << 30) + 1).unwrap();
    choose(&alice, &huge.display().to_string()).await;
    alice.until_text("[role=alert]", "is larger than 1 GiB").await;
    let _ = std::fs::remove_file(&huge);
    // The limit is Bob's, kept for his account.
    bob.sign_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    bob.until_online().await;
    bob.el(&tid("settings")).await.click().await.unwrap();
    let kept = bob.el(&tid("setting-max-file")).await;
    assert_eq!(kept.prop("value").await.unwrap().as_deref(), Some("1"));
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_files_at_once_all_arrive_whole() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let (alice, bob) = talking(&driver, &stack, ("alice", "MSNP12"), ("bob", "MSNP12")).await;
    let files = [file_of("first.bin", 300_000), file_of("second.bin", 200_000), file_of("third.bin", 100_000)];
    let paths: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
    choose(&alice, &paths[0]).await;
    // While Bob has the first offer in front of him, two more come, chosen
    // together as a person picks several in the file dialog. The Accept he
    // is about to click stays where it is (it once moved up by an offer's
    // height for each new one, and a click meant for it took another).
    let accept_first = accept_of("first.bin");
    let before = bob.el(&accept_first).await.rectangle().await.unwrap();
    choose(&alice, &paths[1..].join("\n")).await;
    bob.el(&transfer("second.bin", "offered")).await;
    bob.el(&transfer("third.bin", "offered")).await;
    assert_eq!(bob.el(&accept_first).await.rectangle().await.unwrap(), before, "first.bin's Accept moved");
    for name in ["first.bin", "second.bin", "third.bin"] {
        accept(&bob, name).await;
    }
    for ((path, data), name) in files.iter().zip(["first.bin", "second.bin", "third.bin"]) {
        bob.el(&transfer(name, "done")).await;
        alice.el(&transfer(name, "done")).await;
        let want: String = Sha1::digest(data).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(saved_sha1(&bob, name).await, want, "{}", path.display());
    }
    still_chatting(&alice, "alice@example.com", &bob, "bob@example.com", "after three files").await;
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_lost_with_its_switchboard_says_why_and_goes_through_when_sent_again() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let (alice, bob) = talking(&driver, &stack, ("alice", "MSNP12"), ("bob", "MSNP9")).await;
    let (path, data) = file_of("again.bin", 50_000);
    choose(&alice, &path.display().to_string()).await;
    bob.el(&transfer("again.bin", "offered")).await;
    // The server ends the conversation's switchboard while Bob thinks it over.
    assert!(stack.dev.hub.close_switchboards() >= 1);
    for b in [&alice, &bob] {
        b.until_text(&transfer("again.bin", "failed"), "the conversation's connection closed").await;
    }
    // Sent again, it goes over a new switchboard.
    choose(&alice, &path.display().to_string()).await;
    accept(&bob, "again.bin").await;
    alice.el(&transfer("again.bin", "done")).await;
    let want: String = Sha1::digest(&data).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(saved_sha1(&bob, "again.bin").await, want);
    still_chatting(&alice, "alice@example.com", &bob, "bob@example.com", "after a lost offer").await;
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_file_passes_without_either_page_holding_it_whole() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let (alice, bob) = (driver.browser().await, driver.browser().await);
    for (b, who) in [(&alice, "alice"), (&bob, "bob")] {
        b.watch_memory().await;
        b.sign_in(&stack, &format!("{who}@example.com"), who, "MSNP12").await;
        b.until_online().await;
    }
    alice.open_chat("bob@example.com").await;
    alice.say("a big one").await;
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "a big one").await;
    let size = 24 << 20;
    let (path, data) = file_of("big.bin", size);
    let before = (alice.wasm_memory().await, bob.wasm_memory().await);
    choose(&alice, &path.display().to_string()).await;
    accept(&bob, "big.bin").await;
    // A few seconds through relay and devserver: waited for as long as it
    // keeps moving.
    let done = transfer("big.bin", "done");
    while bob.c.find(fantoccini::Locator::Css(&done)).await.is_err() {
        bob.el(&transfer("big.bin", "receiving")).await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    alice.el(&done).await;
    let want: String = Sha1::digest(&data).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(saved_sha1(&bob, "big.bin").await, want);
    // Neither page's memory grew by anything like the file: the sender read
    // it a window at a time, the receiver kept it as the browser's pieces.
    let after = (alice.wasm_memory().await, bob.wasm_memory().await);
    let grew = (after.0 - before.0, after.1 - before.1);
    println!("wasm memory grew by {grew:?} (sender, receiver) for a {size}-byte file");
    assert!(grew.0 < (size / 4) as u64 && grew.1 < (size / 4) as u64, "memory grew by {grew:?} for a {size}-byte file");
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_offers_show_the_newest_but_never_move_under_the_pointer() {
    use fantoccini::actions::{InputSource, MouseActions, PointerAction};
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let (alice, bob) = talking(&driver, &stack, ("alice", "MSNP12"), ("bob", "MSNP12")).await;
    let paths: Vec<String> =
        (0..8).map(|i| file_of(&format!("photo {i}.jpg"), 2000 + i).0.display().to_string()).collect();
    const PANEL: &str = "return (() => { const p = document.querySelector('.transfers'); \
        const last = Array.from(p.querySelectorAll('[data-testid=transfer]')).pop().getBoundingClientRect(); \
        const box = p.getBoundingClientRect(); \
        return [p.scrollTop, p.scrollHeight > p.clientHeight, last.top >= box.top && last.bottom <= box.bottom + 1]; })()";
    // Six at once: more than the list shows; the newest is in view.
    choose(&alice, &paths[..6].join("\n")).await;
    for i in 0..6 {
        bob.el(&transfer(&format!("photo {i}.jpg"), "offered")).await;
    }
    let panel = bob.c.execute(PANEL, vec![]).await.unwrap();
    assert_eq!((panel[1].as_bool(), panel[2].as_bool()), (Some(true), Some(true)), "{panel}");
    // Bob's pointer rests on an Accept: two more come, and nothing moves.
    let accept = bob.el(&accept_of("photo 5.jpg")).await;
    let at = accept.rectangle().await.unwrap();
    let hover = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
        element: accept.clone(),
        duration: None,
        x: 0.0,
        y: 0.0,
    });
    bob.c.perform_actions(hover).await.unwrap();
    let before = bob.c.execute(PANEL, vec![]).await.unwrap()[0].clone();
    choose(&alice, &paths[6..].join("\n")).await;
    for i in 6..8 {
        bob.el(&transfer(&format!("photo {i}.jpg"), "offered")).await;
    }
    assert_eq!(bob.c.execute(PANEL, vec![]).await.unwrap()[0], before, "the list scrolled under the pointer");
    assert_eq!(accept.rectangle().await.unwrap(), at);
    accept.click().await.unwrap();
    alice.el(&transfer("photo 5.jpg", "done")).await;
    bob.el(&transfer("photo 4.jpg", "offered")).await;
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_window_ends_its_transfers_at_both_ends() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    // Bob's line carries 4 MB/s: the file is still on its way after the
    // steps below however fast the machine (on loopback it took 4 s).
    let (alice, bob, _line) = talking_on_a_line(&driver, &stack, 4_000_000).await;
    // Alice closes her window while a file is on its way: cancelled, and
    // Bob is told so (not that the connection failed).
    let (big, _) = file_of("going.bin", 64 << 20);
    choose(&alice, &big.display().to_string()).await;
    accept(&bob, "going.bin").await;
    alice.el(&transfer("going.bin", "sending")).await;
    // She is asked first; the keyboard is on keeping it open, which loses
    // nothing.
    alice.el(&tid("conversation-close")).await.click().await.unwrap();
    alice.until_text(&tid("close-confirm"), "Closing this window ends a file transfer.").await;
    let focused = alice.c.execute("return document.activeElement.dataset.testid", vec![]).await.unwrap();
    assert_eq!(focused, "close-keep");
    alice.el(&tid("close-keep")).await.click().await.unwrap();
    alice.until_gone(&tid("close-confirm")).await;
    alice.el(&transfer("going.bin", "sending")).await;
    alice.el(&tid("conversation-close")).await.click().await.unwrap();
    alice.el(&tid("close-anyway")).await.click().await.unwrap();
    bob.el(&transfer("going.bin", "cancelled")).await;
    bob.until_text(&tid("notice"), "Alice cancelled going.bin (64.0 MB).").await;
    alice.el(&tid("history")).await.click().await.unwrap();
    alice.type_into("history-search", "going").await;
    alice.until_text(&tid("history-result"), "You cancelled going.bin (64.0 MB).").await;
    alice.el(&tid("history-close")).await.click().await.unwrap();
    // Bob closes his with an offer unanswered: declined.
    alice.open_chat("bob@example.com").await;
    let (small, _) = file_of("unanswered.bin", 5000);
    choose(&alice, &small.display().to_string()).await;
    bob.el(&transfer("unanswered.bin", "offered")).await;
    bob.el(&tid("conversation-close")).await.click().await.unwrap();
    bob.el(&tid("close-anyway")).await.click().await.unwrap();
    alice.el(&transfer("unanswered.bin", "declined")).await;
    alice.until_text(&tid("notice"), "Bob declined unanswered.bin (4.9 KB).").await;
    // With nothing under way, Close closes at once.
    alice.el(&tid("conversation-close")).await.click().await.unwrap();
    alice.until_gone(&tid("conversation")).await;
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}
