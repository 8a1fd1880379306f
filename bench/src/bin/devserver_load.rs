//! Devserver capacity: how many concurrently signed-in clients it holds, and
//! how many switchboard messages per second it relays (with ACKs).
//!
//!   cargo build --release -p devserver -p bench && ./target/release/devserver_load [--clients N] [--pairs P] [--secs S]

use bench::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

struct Conn {
    r: BufReader<OwnedReadHalf>,
    w: OwnedWriteHalf,
}

impl Conn {
    async fn open(port: u16) -> std::io::Result<Conn> {
        let s = TcpStream::connect(("127.0.0.1", port)).await?;
        s.set_nodelay(true)?;
        let (r, w) = s.into_split();
        Ok(Conn { r: BufReader::new(r), w })
    }
    async fn send(&mut self, l: &str) {
        self.w.write_all(l.as_bytes()).await.unwrap();
    }
    async fn until(&mut self, prefix: &str) -> String {
        self.until_any(&[prefix]).await.unwrap_or_else(|| panic!("closed waiting for {prefix}"))
    }

    /// The next line starting with one of `prefixes` (payloads are read
    /// past, never mistaken for lines); None when the connection closed.
    async fn until_any(&mut self, prefixes: &[&str]) -> Option<String> {
        loop {
            let mut l = String::new();
            if self.r.read_line(&mut l).await.ok()? == 0 {
                return None;
            }
            if l.starts_with("MSG ") {
                let n: usize = l.trim_end().rsplit(' ').next()?.parse().ok()?;
                let mut b = vec![0; n];
                self.r.read_exact(&mut b).await.ok()?;
            }
            if prefixes.iter().any(|p| l.starts_with(p)) {
                return Some(l.trim_end().to_owned());
            }
        }
    }
}

async fn login(port: u16, i: usize) -> Conn {
    let email = format!("user{i}@load.test");
    let mut c = Conn::open(port).await.unwrap();
    c.send("VER 1 MSNP7 CVR0\r\nINF 2\r\n").await;
    c.until("INF 2").await;
    c.send(&format!("USR 3 MD5 I {email}\r\n")).await;
    let chal = c.until("USR 3").await;
    let salt = chal.rsplit(' ').next().unwrap().to_owned();
    c.send(&format!("USR 4 MD5 S {}\r\n", msnp::auth::md5_login_response(&salt, "pw"))).await;
    c.until("USR 4 OK").await;
    c.send("SYN 5 0\r\nCHG 6 NLN\r\n").await;
    c.until("CHG 6").await;
    c
}

fn arg(name: &str, default: usize) -> usize {
    let a: Vec<String> = std::env::args().collect();
    a.iter().position(|x| x == name).and_then(|i| a.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let clients = arg("--clients", 2000);
    let pairs = arg("--pairs", 20);
    let secs = arg("--secs", 5) as u64;
    raise_fd_limit(4 * clients as u64 + 1024);
    let bin = std::env::current_exe().unwrap().parent().unwrap().join("devserver");
    let (ns, sb, http) = (free_port(), free_port(), free_port());
    let total = clients.max(2 * pairs);
    let mut cmd = Command::new(bin);
    cmd.args([
        "--no-dispatch",
        "--db",
        ":memory:",
        "--ns",
        &format!("127.0.0.1:{ns}"),
        "--sb",
        &format!("127.0.0.1:{sb}"),
        "--http",
        &format!("127.0.0.1:{http}"),
    ]);
    for i in 0..total {
        cmd.args(["--add-user", &format!("user{i}@load.test:pw")]);
    }
    let mut child =
        cmd.env("RUST_LOG", "warn").stdout(Stdio::null()).spawn().expect("devserver (build it with --release)");
    assert!(wait_port(ns).await);
    let rss0 = rss_kib(child.id()).unwrap_or(0);

    // 1. Concurrent signed-in clients.
    let t = Instant::now();
    let mut held = Vec::new();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..clients {
        tasks.spawn(async move { (i, login(ns, i).await) });
        if tasks.len() >= 200 {
            held.push(tasks.join_next().await.unwrap().unwrap());
        }
    }
    while let Some(r) = tasks.join_next().await {
        held.push(r.unwrap());
    }
    let rss1 = rss_kib(child.id()).unwrap_or(0);
    println!(
        "signed in {} clients concurrently in {:.2}s; devserver RSS {} KiB -> {} KiB ({:.1} KiB per client)",
        held.len(),
        t.elapsed().as_secs_f64(),
        rss0,
        rss1,
        (rss1 - rss0) as f64 / held.len() as f64
    );

    // 2. Switchboard messages per second: `pairs` conversations, sender with a window of ACKs.
    held.sort_by_key(|(i, _)| *i);
    let mut convs = Vec::new();
    let mut it = held.into_iter().map(|(_, c)| c);
    for p in 0..pairs {
        let (mut a, mut b) = (it.next().unwrap(), it.next().unwrap());
        let (ea, eb) = (format!("user{}@load.test", 2 * p), format!("user{}@load.test", 2 * p + 1));
        a.send("XFR 7 SB\r\n").await;
        let x = a.until("XFR 7").await;
        let f: Vec<&str> = x.split(' ').collect();
        let mut sa = Conn::open(sb).await.unwrap();
        sa.send(&format!("USR 1 {ea} {}\r\n", f[5])).await;
        sa.until("USR 1 OK").await;
        sa.send(&format!("CAL 2 {eb}\r\n")).await;
        sa.until("CAL 2").await;
        let rng = b.until("RNG").await;
        let r: Vec<&str> = rng.split(' ').collect();
        let mut sbc = Conn::open(sb).await.unwrap();
        sbc.send(&format!("ANS 1 {eb} {} {}\r\n", r[4], r[1])).await;
        sbc.until("ANS 1 OK").await;
        sa.until("JOI").await;
        convs.push((sa, sbc, a, b));
    }
    let body = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=22\r\n\r\nload test message";
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = tokio::task::JoinSet::new();
    for (mut sa, mut sbc, a, b) in convs {
        let line = format!("MSG 1 A {}\r\n{body}", body.len());
        tasks.spawn(async move {
            let _keep = (a, b);
            // The receiver drains in the background.
            let recv = tokio::spawn(async move {
                let mut n = 0u64;
                while let Ok(Some(_)) = tokio::time::timeout(Duration::from_secs(2), sbc.until_any(&["MSG "])).await {
                    n += 1;
                }
                n
            });
            let (mut sent, mut answered, mut nak) = (0u64, 0u64, 0u64);
            while Instant::now() < deadline {
                while sent - answered < 32 {
                    sa.send(&line).await;
                    sent += 1;
                }
                match sa.until_any(&["ACK", "NAK"]).await {
                    Some(l) if l.starts_with("NAK") => nak += 1,
                    Some(_) => {}
                    None => break,
                }
                answered += 1;
            }
            (answered - nak, nak, recv.await.unwrap_or(0))
        });
    }
    let (mut acked, mut naks, mut delivered) = (0, 0, 0);
    while let Some(r) = tasks.join_next().await {
        let (a, n, d) = r.unwrap();
        acked += a;
        naks += n;
        delivered += d;
    }
    println!(
        "switchboard: {pairs} conversations, {:.0} messages/s acknowledged, {:.0}/s delivered, {naks} NAKed",
        acked as f64 / secs as f64,
        delivered as f64 / secs as f64
    );
    let _ = child.kill();
    let _ = child.wait();
}
