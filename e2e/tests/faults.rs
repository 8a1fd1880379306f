//! Nothing lost under faults: two people exchange 1,000 messages in bursts
//! of 50 typed faster than acknowledgements come back, both directions at
//! once, while the relay is killed and restarted twice, the server closes
//! the switchboard in the middle, and one side's connections are cut with
//! no close frame. Every message is delivered, or
//! shown as failed with Retry; after the retries all 1,000 are there on
//! both sides, nothing twice, and what never failed arrived in order.

use devserver::hub::Timing;
use e2e::*;
use std::collections::HashSet;

const PER_SIDE: usize = 500;
const BURST_LEN: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_messages_through_faults_arrive_once_each() {
    let mut stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    // Bob's browser reaches the relay through a line that can be cut.
    let line = CutProxy::start(stack.relay_addr).await;
    let bob = driver.browser().await;
    bob.sign_in_at(&format!("{}?debug", line.url()), Some(&stack.passport()), "bob@example.com", "bob", "MSNP12").await;
    bob.until_online().await;
    alice.open_chat("bob@example.com").await;
    alice.say("start").await;
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "start").await;
    let (a_mail, b_mail) = ("alice@example.com", "bob@example.com");
    let mut ever_failed: HashSet<String> = HashSet::new();
    for round in 0..PER_SIDE / BURST_LEN {
        let from = round * BURST_LEN;
        tokio::join!(alice.burst("A", from, BURST_LEN), bob.burst("B", from, BURST_LEN));
        match round {
            2 | 6 => {
                // The relay dies under load and comes back.
                stack.stop_relay().await;
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                stack.start_relay().await;
            }
            4 => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                stack.dev.hub.close_switchboards();
            }
            8 => {
                // Bob's connections cut, no close frame.
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                line.cut();
            }
            _ => {}
        }
        for (b, me) in [(&alice, a_mail), (&bob, b_mail)] {
            ever_failed.extend(b.message_texts(me, Some("failed")).await);
        }
    }
    // Back online, each side retries what failed until nothing has.
    for b in [&alice, &bob] {
        b.el("[data-testid=connection-status][data-state=online]").await;
    }
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        let mut open = 0;
        for (b, me) in [(&alice, a_mail), (&bob, b_mail)] {
            let failed = b.message_texts(me, Some("failed")).await;
            ever_failed.extend(failed.iter().cloned());
            open += failed.len();
            let pending = format!("[data-testid=message][data-from='{me}'][data-state=pending]");
            open += b.c.find_all(fantoccini::Locator::Css(&pending)).await.unwrap().len();
            // Retry every failed one, as a person clicking down the list.
            b.c.execute("document.querySelectorAll('[data-testid=message-retry]').forEach(r => r.click())", vec![])
                .await
                .unwrap();
        }
        if open == 0 {
            break;
        }
        if tokio::time::Instant::now() > deadline {
            for (b, me) in [(&alice, a_mail), (&bob, b_mail)] {
                let js = "return [document.querySelector('[data-testid=connection-status]').dataset.state,
                    Array.from(document.querySelectorAll('[data-testid=notice]')).slice(-6).map(e => e.textContent).join(' | '),
                    document.querySelectorAll(`[data-testid=message][data-from='${arguments[0]}'][data-state=pending]`).length,
                    document.querySelectorAll(`[data-testid=message][data-from='${arguments[0]}'][data-state=failed]`).length,
                    Array.from(document.querySelectorAll('[data-testid=conversation-tab]')).map(t => t.dataset.with).join(';')]";
                eprintln!("{me}: {}", b.c.execute(js, vec![me.into()]).await.unwrap());
            }
            let js = "return Array.from(document.querySelectorAll('[data-testid=debug-line]')).map(e => e.textContent.slice(0, 160)).filter(t => !t.includes('<< ACK') && !t.includes('>> MSG') && !t.includes('<< MSG') && !t.startsWith('NS')).slice(-70).join('\\n')";
            eprintln!("bob's last lines:\n{}", bob.c.execute(js, vec![]).await.unwrap().as_str().unwrap_or_default());
            panic!("{open} messages still failed or pending");
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    // Everything arrived, once; what never failed, in order.
    for (receiver, sender, prefix) in [(&bob, a_mail, "A"), (&alice, b_mail, "B")] {
        let want: HashSet<String> = (0..PER_SIDE).map(|i| format!("{prefix}-{i}")).collect();
        let deadline = tokio::time::Instant::now() + WAIT;
        let got = loop {
            let got: Vec<String> =
                receiver.message_texts(sender, None).await.into_iter().filter(|t| t.starts_with(prefix)).collect();
            if got.len() >= PER_SIDE || tokio::time::Instant::now() > deadline {
                break got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        };
        let unique: HashSet<String> = got.iter().cloned().collect();
        assert_eq!(unique.len(), got.len(), "{} messages from {sender} shown twice", got.len() - unique.len());
        let missing: Vec<&String> = want.difference(&unique).collect();
        assert!(missing.is_empty(), "{} never arrived from {sender}: {missing:?}", missing.len());
        let steady: Vec<usize> =
            got.iter().filter(|t| !ever_failed.contains(*t)).map(|t| t[prefix.len() + 1..].parse().unwrap()).collect();
        assert!(steady.windows(2).all(|w| w[0] < w[1]), "out of order from {sender}: {steady:?}");
        println!(
            "{sender}: {} delivered, {} after a retry",
            got.len(),
            got.iter().filter(|t| ever_failed.contains(*t)).count()
        );
    }
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}

/// Both people write at once to a conversation whose switchboard is gone:
/// each asks for one and rings the other, and the calls cross. One of them
/// gives way, so they end up together (on one switchboard, or on both when
/// both calls were answered first; never each alone after leaving the
/// other's), and every message arrives once, in order, none failed. Three
/// times over, so the rings cross in more than one order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crossed_calls_end_with_both_together_and_lose_nothing() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let bob = driver.signed_in(&stack, "bob@example.com", "bob", "MSNP12").await;
    alice.open_chat("bob@example.com").await;
    alice.say("start").await;
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "start").await;
    const N: usize = 10;
    for round in 0..3 {
        assert!(stack.dev.hub.close_switchboards() >= 1);
        // Time for both pages to see their switchboard go.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let from = round * N;
        tokio::join!(alice.burst("A", from, N), bob.burst("B", from, N));
        for (receiver, sender, prefix) in [(&bob, "alice@example.com", "A"), (&alice, "bob@example.com", "B")] {
            let want: Vec<String> = (0..from + N).map(|i| format!("{prefix}-{i}")).collect();
            let deadline = tokio::time::Instant::now() + WAIT;
            loop {
                let got: Vec<String> =
                    receiver.message_texts(sender, None).await.into_iter().filter(|t| t.starts_with(prefix)).collect();
                if got == want {
                    break;
                }
                assert!(tokio::time::Instant::now() < deadline, "round {round}: from {sender}: {got:?}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
        for (b, me) in [(&alice, "alice@example.com"), (&bob, "bob@example.com")] {
            assert!(b.message_texts(me, Some("failed")).await.is_empty(), "round {round}: {me} saw a failure");
        }
        // Both of them on a switchboard, nobody left alone on another. Most
        // often one switchboard; when both calls were answered before either
        // ring was read (a loaded machine), two, each with both, and what
        // comes on either shows in the one window.
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let boards: Vec<usize> = stack.dev.hub.state().boards.values().map(|b| b.members.len()).collect();
            if !boards.is_empty() && boards.len() <= 2 && boards.iter().all(|n| *n == 2) {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "round {round}: switchboards and their members: {boards:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        for b in [&alice, &bob] {
            let tabs = b.c.find_all(fantoccini::Locator::Css("[data-testid=conversation-tab]")).await.unwrap();
            assert_eq!(tabs.len(), 1, "round {round}: one window each");
        }
    }
    // Both close the window: every switchboard either was on ends, those
    // still being handed over included.
    for b in [&alice, &bob] {
        b.c.execute("document.querySelector('.tab .close').click()", vec![]).await.unwrap();
        b.until_gone("[data-testid=conversation]").await;
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    while !stack.dev.hub.state().boards.is_empty() {
        let left: Vec<usize> = stack.dev.hub.state().boards.values().map(|b| b.members.len()).collect();
        assert!(tokio::time::Instant::now() < deadline, "switchboards left open: {left:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
}
