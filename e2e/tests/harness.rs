//! The harness itself: a failed test must not leave browsers running.

use e2e::*;

fn alive(pid: u32) -> bool {
    // A killed process that nobody has reaped yet shows as a zombie (Z).
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_driver_ends_the_browsers_it_started() {
    let driver = Driver::start().await;
    // As in a test that panics: the session is never closed.
    let browser = driver.browser().await;
    let family = proctree::descendants(driver.pid());
    assert!(family.len() > 1, "chromium runs under chromedriver: {family:?}");
    drop(driver);
    drop(browser);
    for _ in 0..50 {
        if !family.iter().any(|&p| alive(p)) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("left running: {:?}", family.iter().filter(|&&p| alive(p)).collect::<Vec<_>>());
}
