//! Relay benchmark. In one run, the same Rust load generator measures echo
//! throughput (4 connections of 1 KiB frames), ping-pong latency p50/p99
//! (64-byte frames) and resident memory per idle connection (N = 10,000 held
//! open) against our relay, websocat and websockify (when installed) and a
//! direct WebSocket echo server with no relay hop (the ceiling), then prints
//! ratios.
//!
//!   cargo build --release -p relay -p bench && ./target/release/relay_bench [--idle N] [--secs S]
//!
//! Every server runs as its own process so that its memory can be read.

use bench::*;
use futures_util::{SinkExt, StreamExt};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

struct Server {
    name: &'static str,
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
                let (mut r, mut w) = s.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        } else {
            tokio::spawn(async move {
                let cfg = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
                    .read_buffer_size(4096)
                    .write_buffer_size(0);
                let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(s, Some(cfg)).await else { return };
                while let Some(Ok(m)) = ws.next().await {
                    if m.is_binary() && ws.send(m).await.is_err() {
                        break;
                    }
                }
            });
        }
    }
}

fn spawn(name: &'static str, cmd: &mut Command, port: u16) -> Option<Server> {
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().ok()?;
    Some(Server { name, child, port })
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
                while sent - got < window {
                    tx.send(Message::Binary(frame.clone().into())).await.unwrap();
                    sent += frame.len();
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

/// p50 and p99 round trips of 64-byte frames.
async fn latency(port: u16, n: usize) -> (Duration, Duration) {
    let mut ws = connect(port).await;
    let frame = vec![7u8; 64];
    let mut samples = Vec::with_capacity(n);
    for i in 0..n + 200 {
        let t = Instant::now();
        ws.send(Message::Binary(frame.clone().into())).await.unwrap();
        let mut got = 0;
        while got < 64 {
            match ws.next().await {
                Some(Ok(Message::Binary(b))) => got += b.len(),
                other => panic!("{other:?}"),
            }
        }
        if i >= 200 {
            samples.push(t.elapsed());
        }
    }
    samples.sort();
    (percentile(&samples, 50.0), percentile(&samples, 99.0))
}

/// KiB of server RSS per idle connection, with `n` held open.
async fn idle_memory(server: &Server, n: usize) -> Option<f64> {
    let pid = server.child.id();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rss_kib(pid)?;
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        let url = format!("ws://127.0.0.1:{}/ws", server.port);
        match tokio::time::timeout(Duration::from_secs(5), tokio_tungstenite::connect_async(url)).await {
            Ok(Ok((ws, _))) => held.push(ws),
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
    let after = rss_kib(pid)?;
    let count = held.len().max(1);
    drop(held);
    Some((after.saturating_sub(before)) as f64 / count as f64)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(kind) = args.get(1).filter(|a| a.ends_with("-echo")) {
        return serve(kind, args[2].parse().unwrap()).await;
    }
    let idle_n: usize = args
        .iter()
        .position(|a| a == "--idle")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let secs: u64 =
        args.iter().position(|a| a == "--secs").and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(5);
    raise_fd_limit(4 * idle_n as u64 + 1024);
    let me = std::env::current_exe().unwrap();
    let bin_dir = me.parent().unwrap().to_path_buf();

    let tcp_port = free_port();
    let _tcp = spawn("tcp-echo", Command::new(&me).args(["--tcp-echo", &tcp_port.to_string()]), tcp_port).unwrap();
    assert!(wait_port(tcp_port).await);
    let upstream = format!("127.0.0.1:{tcp_port}");

    let mut servers = Vec::new();
    let p = free_port();
    servers.push(spawn("direct echo (ceiling)", Command::new(&me).args(["--ws-echo", &p.to_string()]), p));
    let p = free_port();
    let n = (2 * idle_n + 100).to_string();
    servers.push(spawn(
        "msn-web relay",
        Command::new(bin_dir.join("relay"))
            .args([
                "--listen",
                &format!("127.0.0.1:{p}"),
                "--upstream",
                &upstream,
                "--allow-no-origin",
                "--max-connections",
                &n,
                "--max-per-ip",
                &n,
            ])
            .env("RUST_LOG", "warn"),
        p,
    ));
    let p = free_port();
    servers.push(spawn(
        "websocat",
        Command::new("websocat").args([
            "--binary",
            "-E",
            "-q",
            &format!("ws-l:127.0.0.1:{p}"),
            &format!("tcp:{upstream}"),
        ]),
        p,
    ));
    let p = free_port();
    servers.push(spawn(
        "websockify",
        Command::new("websockify").args(["--log-file=/dev/null", &format!("127.0.0.1:{p}"), &upstream]),
        p,
    ));
    let servers: Vec<Server> = servers.into_iter().flatten().collect();

    println!("{:<24} {:>12} {:>10} {:>10} {:>14}", "server", "MB/s (4x1K)", "p50 us", "p99 us", "KiB/idle conn");
    let mut rows = Vec::new();
    for s in &servers {
        if !wait_port(s.port).await {
            println!("{:<24} (did not start; not installed?)", s.name);
            continue;
        }
        let tp = throughput(s.port, secs).await;
        let (p50, p99) = latency(s.port, 5000).await;
        let mem = idle_memory(s, idle_n).await;
        println!(
            "{:<24} {:>12.1} {:>10} {:>10} {:>14}",
            s.name,
            tp,
            p50.as_micros(),
            p99.as_micros(),
            mem.map(|m| format!("{m:.1}")).unwrap_or("-".into())
        );
        rows.push((s.name, tp, p99, mem));
    }
    let find = |n: &str| rows.iter().find(|r| r.0.starts_with(n));
    if let (Some(relay), Some(direct)) = (find("msn-web"), find("direct")) {
        println!("\nrelay throughput / direct echo: {:.2}x (goal >= 0.9x)", relay.1 / direct.1);
        println!(
            "relay p99 added over direct:   {} us (goal <= 100 us)",
            relay.2.as_micros() as i128 - direct.2.as_micros() as i128
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
    }
}
