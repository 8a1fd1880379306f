//! Relay benchmark. In one run, the same Rust load generator measures echo
//! throughput (4 connections of 1 KiB frames), ping-pong latency p50/p99
//! (64-byte frames; 5 trials of 5,000 round trips per server, the servers
//! taking turns every 20; the table shows the median trial) and resident memory per idle connection (N = 10,000 held
//! open) against our relay, websocat and websockify (when installed) and a
//! direct WebSocket echo server with no relay hop (the ceiling), then prints
//! ratios. A full-duplex run with no window (4 connections each pushing
//! `--duplex-mib` MiB while reading the echo) shows a server whose
//! directions wait on each other as STALLED.
//!
//!   cargo build --release -p relay -p bench && ./target/release/relay_bench [--idle N] [--secs S] [--duplex-mib M] [--only NAME,NAME]
//!
//! Every server runs as its own processes so that its memory can be read.
//! A process can hold only as many connections as its open-file limit allows
//! (a relay needs two descriptors each), so for the idle test a server may
//! run as several identical processes, as it would be scaled out behind a
//! load balancer; the connections are spread over them and their memory is
//! summed. websockify forks a process per connection, so it is measured with
//! fewer connections (`--idle-forking N`) and its children's memory counted
//! as proportional set size.

use bench::*;
use futures_util::{FutureExt, SinkExt, StreamExt};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

/// A server under test: one or more identical processes.
struct Server {
    name: &'static str,
    procs: Vec<Child>,
    ports: Vec<u16>,
    /// Forks a process per connection.
    forks: bool,
}

impl Drop for Server {
    fn drop(&mut self) {
        for c in &mut self.procs {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Server {
    /// Start `instances` processes, each from `command(port)`.
    fn start(name: &'static str, instances: usize, forks: bool, command: impl Fn(u16) -> Command) -> Option<Server> {
        let mut server = Server { name, procs: Vec::new(), ports: Vec::new(), forks };
        for _ in 0..instances {
            let port = free_port();
            let child = command(port).stdout(Stdio::null()).stderr(Stdio::null()).spawn().ok()?;
            server.procs.push(child);
            server.ports.push(port);
        }
        Some(server)
    }

    /// KiB of memory held by all its processes and their children.
    fn memory_kib(&self) -> Option<u64> {
        self.procs.iter().map(|c| tree_pss_kib(c.id())).sum()
    }
}

/// `relay_bench --tcp-echo PORT` / `--ws-echo PORT`: the peers, as processes.
async fn serve(kind: &str, port: u16) {
    let l = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    loop {
        let Ok((mut s, _)) = l.accept().await else { continue };
        let _ = s.set_nodelay(true);
        if kind == "--tcp-echo" {
            tokio::spawn(async move {
                // A large buffer keeps the shared upstream cheap for every relay.
                let (r, mut w) = s.split();
                let mut r = tokio::io::BufReader::with_capacity(64 * 1024, r);
                let _ = tokio::io::copy_buf(&mut r, &mut w).await;
            });
        } else {
            tokio::spawn(async move {
                // Echo every frame that is already here, then write them at
                // once, as the relay batches: a fair ceiling.
                let cfg = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
                    .read_buffer_size(4096)
                    .write_buffer_size(64 * 1024);
                let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(s, Some(cfg)).await else { return };
                while let Some(Ok(mut m)) = ws.next().await {
                    loop {
                        if m.is_binary() && ws.feed(m).await.is_err() {
                            return;
                        }
                        match ws.next().now_or_never() {
                            Some(Some(Ok(next))) => m = next,
                            Some(_) => return,
                            None => break,
                        }
                    }
                    if ws.flush().await.is_err() {
                        return;
                    }
                }
            });
        }
    }
}

async fn connect(port: u16) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>> {
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/ws")).await.expect("connect");
    ws
}

/// MB/s echoed over 4 connections sending 1 KiB frames for `secs`.
async fn throughput(port: u16, secs: u64) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let ws = connect(port).await;
        tasks.push(tokio::spawn(async move {
            let (mut tx, mut rx) = ws.split();
            let frame = vec![0xA5u8; 1024];
            // Keep a bounded window in flight so neither side buffers without
            // limit. Count bytes: a relay may re-chunk the stream.
            let window = 64 * 1024;
            let (mut sent, mut got) = (0usize, 0usize);
            while Instant::now() < deadline {
                // Queue frames up to the window, then write them at once: the
                // generator must not be what limits the measurement.
                if sent - got < window {
                    while sent - got < window {
                        tx.feed(Message::Binary(frame.clone().into())).await.unwrap();
                        sent += frame.len();
                    }
                    tx.flush().await.unwrap();
                }
                match rx.next().await {
                    Some(Ok(Message::Binary(b))) => got += b.len(),
                    other => {
                        eprintln!("throughput connection ended: {other:?}");
                        break;
                    }
                }
            }
            got
        }));
    }
    let mut bytes = 0;
    for t in tasks {
        bytes += t.await.unwrap();
    }
    bytes as f64 / secs as f64 / 1e6
}

/// The worst a real peer does: 4 connections each push `mib` MiB of 1 KiB
/// frames as fast as they can, with no window, while reading the echo at the
/// same time. The TCP echo upstream writes back all it read before it reads
/// again, as simple servers do, so a server whose directions wait on each
/// other stalls here for ever. MB/s of echoed bytes, or `None` when no byte
/// moved for `stall` (the bytes echoed by then are printed).
async fn duplex(port: u16, mib: usize, stall: Duration) -> Option<f64> {
    let per_conn = mib << 20;
    let moved = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let ws = connect(port).await;
        let moved = moved.clone();
        tasks.spawn(async move {
            let (mut tx, mut rx) = ws.split();
            let frame = vec![0x5Au8; 1024];
            let send = async move {
                for _ in 0..per_conn / frame.len() {
                    if tx.feed(Message::Binary(frame.clone().into())).await.is_err() {
                        break;
                    }
                }
                let _ = tx.flush().await;
                tx
            };
            let receive = async {
                let mut got = 0;
                while got < per_conn {
                    match rx.next().await {
                        Some(Ok(Message::Binary(b))) => {
                            got += b.len();
                            moved.fetch_add(b.len(), std::sync::atomic::Ordering::Relaxed);
                        }
                        Some(Ok(_)) => {}
                        _ => break,
                    }
                }
            };
            let _ = tokio::join!(send, receive);
        });
    }
    let mut last = (0, Instant::now());
    loop {
        match tokio::time::timeout(Duration::from_millis(200), tasks.join_next()).await {
            Ok(None) => break,
            Ok(Some(_)) => {}
            Err(_) => {
                let now = moved.load(std::sync::atomic::Ordering::Relaxed);
                if now != last.0 {
                    last = (now, Instant::now());
                } else if last.1.elapsed() > stall {
                    eprintln!("duplex: stalled after {} of {} bytes echoed", now, 4 * per_conn);
                    tasks.abort_all();
                    return None;
                }
            }
        }
    }
    let total = moved.load(std::sync::atomic::Ordering::Relaxed);
    (total == 4 * per_conn).then(|| total as f64 / started.elapsed().as_secs_f64() / 1e6)
}

type Client = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// Round trips of one 64-byte frame, `n` of them, after a warm-up.
async fn round_trips(ws: &mut Client, n: usize, samples: &mut Vec<Duration>) {
    let frame = vec![7u8; 64];
    for _ in 0..n {
        let t = Instant::now();
        ws.send(Message::Binary(frame.clone().into())).await.unwrap();
        let mut got = 0;
        while got < 64 {
            match ws.next().await {
                Some(Ok(Message::Binary(b))) => got += b.len(),
                other => panic!("{other:?}"),
            }
        }
        samples.push(t.elapsed());
    }
}

/// p50 and p99 round trips for each port, in each of `trials`. Within a
/// trial the servers take turns every `per_turn` round trips, so that the
/// shared machine's noise falls on all of them alike; the trials show how
/// much a burst of noise moved the figures.
async fn latencies(ports: &[u16], trials: usize, turns: usize, per_turn: usize) -> Vec<Vec<(Duration, Duration)>> {
    let mut clients = Vec::new();
    for &p in ports {
        let mut ws = connect(p).await;
        round_trips(&mut ws, 200, &mut Vec::new()).await;
        clients.push(ws);
    }
    let mut out = vec![Vec::new(); ports.len()];
    for _ in 0..trials {
        let mut samples = vec![Vec::with_capacity(turns * per_turn); ports.len()];
        for _ in 0..turns {
            for (ws, s) in clients.iter_mut().zip(&mut samples) {
                round_trips(ws, per_turn, s).await;
            }
        }
        for (s, o) in samples.iter_mut().zip(&mut out) {
            s.sort();
            o.push((percentile(s, 50.0), percentile(s, 99.0)));
        }
    }
    out
}

/// The median of some durations.
fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d.get(d.len() / 2).copied().unwrap_or_default()
}

/// KiB of server memory per idle connection, with `n` held open after one
/// small exchange each, spread
/// over the server's processes; and how many were held.
async fn idle_memory(server: &Server, n: usize) -> Option<(f64, usize)> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = server.memory_kib()?;
    let mut held = Vec::with_capacity(n);
    for i in 0..n {
        let port = server.ports[i % server.ports.len()];
        let url = format!("ws://127.0.0.1:{port}/ws");
        match tokio::time::timeout(Duration::from_secs(5), tokio_tungstenite::connect_async(url)).await {
            Ok(Ok((mut ws, _))) => {
                // One exchange first, as every MSN client sends VER: the
                // connection is idle after use, not untouched.
                round_trips(&mut ws, 1, &mut Vec::new()).await;
                held.push(ws)
            }
            Ok(Err(e)) => {
                eprintln!("{}: stopped at {} connections: {e}", server.name, held.len());
                break;
            }
            Err(_) => {
                eprintln!("{}: stopped at {} connections: connect timed out", server.name, held.len());
                break;
            }
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = server.memory_kib()?;
    let count = held.len();
    drop(held);
    Some((after.saturating_sub(before) as f64 / count.max(1) as f64, count))
}

/// The value after `--name`, if given and well-formed.
fn flag<T: std::str::FromStr>(args: &[String], name: &str) -> Option<T> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(kind) = args.get(1).filter(|a| a.ends_with("-echo")) {
        return serve(kind, args[2].parse().unwrap()).await;
    }
    let idle_n: usize = flag(&args, "--idle").unwrap_or(10_000);
    let idle_forking: usize = flag(&args, "--idle-forking").unwrap_or(200);
    let secs: u64 = flag(&args, "--secs").unwrap_or(5);
    let only: Option<String> = flag(&args, "--only");
    let duplex_mib: usize = flag(&args, "--duplex-mib").unwrap_or(32);
    raise_fd_limit(4 * idle_n as u64 + 1024);
    let fd_limit = rlimit::Resource::NOFILE.get().map(|(soft, _)| soft).unwrap_or(1024) as usize;
    // Processes needed to hold `idle_n` connections at `fds` descriptors each.
    let instances = |fds: usize| (fds * idle_n).div_ceil(fd_limit.saturating_sub(256).max(1)).max(1);
    let me = std::env::current_exe().unwrap();
    let bin_dir = me.parent().unwrap().to_path_buf();

    let tcp_port = free_port();
    let _tcp = Server::start("tcp-echo", 1, false, |_| {
        let mut c = Command::new(&me);
        c.args(["--tcp-echo", &tcp_port.to_string()]);
        c
    })
    .unwrap();
    assert!(wait_port(tcp_port).await);
    let upstream = format!("127.0.0.1:{tcp_port}");

    let wanted = |name: &str| only.as_ref().is_none_or(|o| o.split(',').any(|o| name.contains(o)));
    let mut servers = Vec::new();
    servers.push(Server::start("direct echo (ceiling)", instances(1), false, |p| {
        let mut c = Command::new(&me);
        c.args(["--ws-echo", &p.to_string()]);
        c
    }));
    let n = (2 * idle_n + 100).to_string();
    servers.push(Server::start("msn-web relay", instances(2), false, |p| {
        let mut c = Command::new(bin_dir.join("relay"));
        c.args(["--listen", &format!("127.0.0.1:{p}"), "--upstream", &upstream, "--allow-no-origin"])
            .args(["--max-connections", &n, "--max-per-ip", &n])
            .env("RUST_LOG", "warn");
        c
    }));
    servers.push(Server::start("websocat", instances(2), false, |p| {
        let mut c = Command::new("websocat");
        c.args(["--binary", "-E", "-q", &format!("ws-l:127.0.0.1:{p}"), &format!("tcp:{upstream}")]);
        c
    }));
    servers.push(Server::start("websockify", 1, true, |p| {
        let mut c = Command::new("websockify");
        c.args(["--log-file=/dev/null", &format!("127.0.0.1:{p}"), &upstream]);
        c
    }));
    let servers: Vec<Server> = servers.into_iter().flatten().filter(|s| wanted(s.name)).collect();

    println!(
        "{:<24} {:>12} {:>14} {:>10} {:>10} {:>14}  idle connections held",
        "server", "MB/s (4x1K)", "MB/s duplex", "p50 us", "p99 us", "KiB/idle conn"
    );
    let mut started = Vec::new();
    for s in &servers {
        let mut up = true;
        for &p in &s.ports {
            up &= wait_port(p).await;
        }
        if up {
            started.push(s);
        } else {
            println!("{:<24} (did not start; not installed?)", s.name);
        }
    }
    let ports: Vec<u16> = started.iter().map(|s| s.ports[0]).collect();
    const TRIALS: usize = 5;
    let lat = latencies(&ports, TRIALS, 250, 20).await;
    let mut rows = Vec::new();
    for (s, trials) in started.into_iter().zip(lat) {
        let p50 = median(trials.iter().map(|t| t.0).collect());
        let p99 = median(trials.iter().map(|t| t.1).collect());
        let tp = throughput(s.ports[0], secs).await;
        let dx = duplex(s.ports[0], duplex_mib, Duration::from_secs(10)).await;
        let mem = idle_memory(s, if s.forks { idle_forking.min(idle_n) } else { idle_n }).await;
        let held = match mem {
            Some((_, n)) if s.forks => format!("{n} (a process each)"),
            Some((_, n)) if s.procs.len() > 1 => format!("{n} over {} processes", s.procs.len()),
            Some((_, n)) => n.to_string(),
            None => "-".into(),
        };
        println!(
            "{:<24} {:>12.1} {:>14} {:>10} {:>10} {:>14}  {held}",
            s.name,
            tp,
            dx.map(|d| format!("{d:.1}")).unwrap_or("STALLED".into()),
            p50.as_micros(),
            p99.as_micros(),
            mem.map(|m| format!("{:.1}", m.0)).unwrap_or("-".into())
        );
        rows.push((s.name, tp, trials, mem.map(|m| m.0), dx));
    }
    let find = |n: &str| rows.iter().find(|r| r.0.starts_with(n));
    if let (Some(relay), Some(direct)) = (find("msn-web"), find("direct")) {
        println!("\nrelay throughput / direct echo: {:.2}x (goal >= 0.9x)", relay.1 / direct.1);
        let added: Vec<i128> =
            relay.2.iter().zip(&direct.2).map(|(r, d)| r.1.as_micros() as i128 - d.1.as_micros() as i128).collect();
        let mut sorted = added.clone();
        sorted.sort();
        println!(
            "relay p99 added over direct:   {} us, median of {TRIALS} trials {added:?} (goal <= 100 us)",
            sorted[sorted.len() / 2]
        );
        if let Some(m) = relay.3 {
            println!("relay memory per idle conn:    {m:.1} KiB (goal <= 16 KiB)");
        }
        if let Some(w) = find("websockify") {
            println!("relay throughput / websockify: {:.2}x (goal >= 6x)", relay.1 / w.1);
        }
        if let Some(w) = find("websocat") {
            println!("relay throughput / websocat:   {:.2}x", relay.1 / w.1);
        }
        match (relay.4, direct.4) {
            (Some(r), Some(d)) => {
                println!("relay duplex / direct echo:    {:.2}x (no window, both ways at once)", r / d)
            }
            (None, _) => println!("relay duplex:                  STALLED (directions wait on each other)"),
            _ => {}
        }
    }
}
