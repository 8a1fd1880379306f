//! Process trees and their memory, read from /proc (Linux). The e2e harness
//! ends the browsers a test started by walking the tree below chromedriver;
//! the benchmarks sum a forking server's memory over its processes.
#![forbid(unsafe_code)]

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_child_and_reads_memory() {
        let mut child = std::process::Command::new("sleep").arg("5").spawn().unwrap();
        let me = std::process::id();
        assert!(descendants(me).contains(&child.id()));
        assert!(rss_kib(me).is_some_and(|k| k > 0));
        assert!(tree_pss_kib(me).is_some_and(|k| k > 0));
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
