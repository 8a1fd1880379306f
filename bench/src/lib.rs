//! Shared helpers for the load generators in `src/bin/` (and the e2e
//! harness, which uses `descendants` to clean up after browsers).
#![forbid(unsafe_code)]

use std::time::Duration;

/// Resident memory of a process, in KiB (from /proc).
pub fn rss_kib(pid: u32) -> Option<u64> {
    kib_field(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?, "VmRSS:")
}

/// The value of a `Name:   1234 kB` line in a /proc file.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    text.lines().find_map(|l| l.strip_prefix(name)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Every process below `root`, from the parent pids in /proc.
pub fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of: Vec<(u32, u32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // The parent pid is the second field after the parenthesised name.
        if let Some(ppid) = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse().ok()) {
            parent_of.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parent_of.iter().filter(|&&(_, pp)| pp == p).map(|&(pid, _)| pid));
        i += 1;
    }
    found.remove(0);
    found
}

/// Proportional set size of a process and all its descendants, in KiB: pages
/// shared between a forking server's processes are counted once overall.
pub fn tree_pss_kib(root: u32) -> Option<u64> {
    let pss = |pid: u32| kib_field(&std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?, "Pss:");
    let mut total = pss(root)?;
    total += descendants(root).into_iter().filter_map(pss).sum::<u64>();
    Some(total)
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
