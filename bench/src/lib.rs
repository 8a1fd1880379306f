//! Shared helpers for the load generators in `src/bin/`.
#![forbid(unsafe_code)]

pub mod peer;

pub use proctree::{descendants, rss_kib, tree_pss_kib};
use std::time::Duration;

/// The value after `--<name>` on the command line, or `default`.
pub fn flag<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    let key = format!("--{name}");
    args.iter().position(|a| *a == key).and_then(|i| args.get(i + 1)?.parse().ok()).unwrap_or(default)
}

/// p-th percentile (0..=100) of sorted samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Wait until something listens on `port`.
pub async fn wait_port(port: u16) -> bool {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Raise the open-file limit (soft and, as root, hard) for this process and
/// the servers it starts, which inherit it.
pub fn raise_fd_limit(want: u64) {
    use rlimit::Resource;
    if let Ok((soft, hard)) = Resource::NOFILE.get() {
        let target = want.max(soft);
        if rlimit::setrlimit(Resource::NOFILE, target, target.max(hard)).is_err() {
            let _ = rlimit::increase_nofile_limit(want);
        }
    }
}
