//! The relay over real loopback sockets, with a local TCP peer upstream.

use futures_util::{SinkExt, StreamExt};
use relay::{Config, Relay};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn upstream() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    (l, a)
}

async fn relay_to(up: SocketAddr, f: impl FnOnce(&mut Config)) -> Relay {
    let mut c = Config::new("127.0.0.1:0".parse().unwrap(), &up.to_string()).unwrap();
    c.connect_timeout = Duration::from_secs(2);
    f(&mut c);
    relay::start(c).await.unwrap()
}

fn request(
    relay: &Relay,
    query: &str,
    origin: Option<&str>,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let mut r = format!("ws://{}/ws{query}", relay.addr).into_client_request().unwrap();
    if let Some(o) = origin {
        r.headers_mut().insert("Origin", o.parse().unwrap());
    }
    r
}

fn own_origin(relay: &Relay) -> String {
    format!("http://{}", relay.addr)
}

async fn open(relay: &Relay) -> Ws {
    connect_async(request(relay, "", Some(&own_origin(relay)))).await.expect("handshake").0
}

/// HTTP status of a refused handshake.
async fn refused(relay: &Relay, query: &str, origin: Option<&str>) -> u16 {
    match connect_async(request(relay, query, origin)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Ok(_) => 101,
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test]
async fn forwards_bytes_exactly_split_and_coalesced() {
    let (l, up) = upstream().await;
    let relay = relay_to(up, |_| {}).await;
    let mut ws = open(&relay).await;
    let (mut peer, _) = l.accept().await.unwrap();
    // Browser to server: three frames that split and join lines anywhere.
    let parts: [&[u8]; 3] = [b"VE", b"R 1 MSNP8 CVR0\r\nCVR 2 0x0409", b" winnt\r\n\x00\xff\r\n"];
    for p in parts {
        ws.send(Message::Binary(p.to_vec().into())).await.unwrap();
    }
    ws.send(Message::Text("text frames pass as bytes\r\n".into())).await.unwrap();
    let want: Vec<u8> = parts.concat().into_iter().chain(b"text frames pass as bytes\r\n".iter().copied()).collect();
    let mut got = vec![0u8; want.len()];
    peer.read_exact(&mut got).await.unwrap();
    assert_eq!(got, want);
    // Server to browser: chunks with pauses, and a burst.
    let reply: Vec<u8> = (0..50_000u32).flat_map(|i| i.to_le_bytes()).collect();
    for chunk in reply.chunks(7777) {
        peer.write_all(chunk).await.unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let mut back = Vec::new();
    while back.len() < reply.len() {
        match ws.next().await.unwrap().unwrap() {
            Message::Binary(b) => back.extend_from_slice(&b),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(back, reply);
    // The server closing ends the WebSocket with a normal close.
    drop(peer);
    match ws.next().await.unwrap().unwrap() {
        Message::Close(Some(f)) => assert_eq!(f.code, CloseCode::Normal),
        other => panic!("{other:?}"),
    }
    relay.shutdown().await;
}

#[tokio::test]
async fn refusals_happen_before_the_upgrade_with_a_status() {
    let (_l, up) = upstream().await;
    let relay = relay_to(up, |c| c.max_per_ip = 2).await;
    let me = own_origin(&relay);
    assert_eq!(refused(&relay, "?target=example.com:80", Some(&me)).await, 403, "target not allowed");
    assert_eq!(refused(&relay, "?target=127.0.0.1:22", Some(&me)).await, 403, "port not allowed");
    assert_eq!(refused(&relay, "", Some("http://evil.example")).await, 403, "origin not allowed");
    assert_eq!(refused(&relay, "", None).await, 403, "no origin");
    let a = open(&relay).await;
    let b = open(&relay).await;
    assert_eq!(refused(&relay, "", Some(&me)).await, 429, "per-client limit");
    drop((a, b));
    // Slots are given back when connections end.
    for _ in 0..50 {
        if relay.active() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(relay.active(), 0);
    assert_eq!(refused(&relay, "", Some(&me)).await, 101);
    relay.shutdown().await;

    // Flags widen what is allowed.
    let (_l, up) = upstream().await;
    let relay = relay_to(up, |c| {
        c.allow_no_origin = true;
        c.allow_origins = vec!["https://chat.example".into()];
    })
    .await;
    assert_eq!(refused(&relay, "", None).await, 101);
    assert_eq!(refused(&relay, "", Some("https://chat.example")).await, 101);
    relay.shutdown().await;
}

#[tokio::test]
async fn names_resolving_to_internal_addresses_are_refused() {
    let (_l, up) = upstream().await;
    let port = up.port();
    // "ip6-localhost"/"localhost" style names are not literals: only the
    // explicit "localhost" exception applies, so use the machine's own name.
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default().trim().to_owned();
    let resolves_internal = !host.is_empty()
        && tokio::net::lookup_host((host.as_str(), port))
            .await
            .map(|mut a| a.all(|a| relay::config::is_internal(a.ip())))
            .unwrap_or(false);
    if !resolves_internal {
        eprintln!("skipped: this machine's name does not resolve to an internal address");
        return;
    }
    let relay = relay_to(up, |c| c.allow.push(format!("{host}:{port}").parse().unwrap())).await;
    assert_eq!(refused(&relay, &format!("?target={host}:{port}"), Some(&own_origin(&relay))).await, 403);
    relay.shutdown().await;
}

#[tokio::test]
async fn upstream_connect_failure_closes_with_1011() {
    let (l, up) = upstream().await;
    drop(l); // nothing listens there any more
    let relay = relay_to(up, |_| {}).await;
    let mut ws = open(&relay).await;
    match ws.next().await.unwrap().unwrap() {
        Message::Close(Some(f)) => {
            assert_eq!(f.code, CloseCode::Error);
            assert!(f.reason.contains("upstream connect failed"), "{}", f.reason);
        }
        other => panic!("{other:?}"),
    }
    relay.shutdown().await;
}

#[tokio::test]
async fn traffic_postpones_the_idle_timeout_and_silence_ends_the_connection() {
    let (l, up) = upstream().await;
    let relay = relay_to(up, |c| c.idle_timeout = Duration::from_millis(600)).await;
    let mut ws = open(&relay).await;
    let (mut peer, _) = l.accept().await.unwrap();
    let started = tokio::time::Instant::now();
    // Talk for three timeouts' worth: the connection must stay up.
    let mut buf = [0u8; 4];
    for _ in 0..9 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        ws.send(Message::Binary(b"PNG\n".to_vec().into())).await.unwrap();
        peer.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"PNG\n");
    }
    assert!(started.elapsed() > Duration::from_millis(1_800));
    // Then fall silent: the relay closes within about one timeout.
    let quiet = tokio::time::Instant::now();
    match tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("idle close") {
        Some(Ok(Message::Close(Some(f)))) => assert_eq!(f.reason, "idle"),
        other => panic!("{other:?}"),
    }
    let waited = quiet.elapsed();
    assert!(waited >= Duration::from_millis(550) && waited < Duration::from_millis(2_000), "{waited:?}");
    assert_eq!(peer.read(&mut buf).await.unwrap(), 0, "upstream closed too");
    relay.shutdown().await;
}

/// `bytes` sent on `ws` arrive at `peer` upstream, exactly.
async fn relays(ws: &mut Ws, peer: &mut TcpStream, bytes: &[u8]) {
    ws.send(Message::Binary(bytes.to_vec().into())).await.unwrap();
    let mut got = vec![0u8; bytes.len()];
    peer.read_exact(&mut got).await.unwrap();
    assert_eq!(got, bytes);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_request_head_is_dropped() {
    let (l, up) = upstream().await;
    let relay = relay_to(up, |c| c.header_timeout = Duration::from_millis(500)).await;
    // Slowloris: a request head that never ends.
    let mut slow = TcpStream::connect(relay.addr).await.unwrap();
    slow.write_all(b"GET /ws HTTP/1.1\r\nHost: x\r\nX-A: ").await.unwrap();
    let started = tokio::time::Instant::now();
    // Others are served meanwhile.
    let mut ws = open(&relay).await;
    let (mut peer, _) = l.accept().await.unwrap();
    relays(&mut ws, &mut peer, b"VER 1 MSNP12\r\n").await;
    // The slow one is cut off after the timeout (hyper may say 408 first).
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest)).await.expect("dropped").ok();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(400), "{waited:?}");
    assert!(rest.is_empty() || rest.starts_with(b"HTTP/1.1 408"), "{:?}", String::from_utf8_lossy(&rest));
    // The WebSocket, past its head long ago, is untouched.
    relays(&mut ws, &mut peer, b"PNG\r\n").await;
    relay.shutdown().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_but_a_websocket_lives_on() {
    let (l, up) = upstream().await;
    let relay = relay_to(up, |c| c.http_lifetime = Duration::from_secs(1)).await;
    let mut ws = open(&relay).await;
    let (mut peer, _) = l.accept().await.unwrap();
    let mut http = TcpStream::connect(relay.addr).await.unwrap();
    http.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut got = vec![0u8; 512];
    let n = http.read(&mut got).await.unwrap();
    assert!(got[..n].starts_with(b"HTTP/1.1 200"), "{:?}", String::from_utf8_lossy(&got[..n]));
    // Then it says nothing more: closed after its lifetime.
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), http.read_to_end(&mut rest)).await.expect("closed").unwrap();
    // The WebSocket, older than that, still works.
    tokio::time::sleep(Duration::from_millis(200)).await;
    relays(&mut ws, &mut peer, b"PNG\r\n").await;
    relay.shutdown().await;
}

#[tokio::test]
async fn a_message_over_the_size_limit_ends_that_connection_only() {
    let (l, up) = upstream().await;
    let relay = relay_to(up, |c| c.max_message = 1024).await;
    let mut big = open(&relay).await;
    let (mut big_peer, _) = l.accept().await.unwrap();
    let mut ok = open(&relay).await;
    let (mut ok_peer, _) = l.accept().await.unwrap();
    big.send(Message::Binary(vec![b'x'; 2000].into())).await.unwrap();
    match tokio::time::timeout(Duration::from_secs(5), big.next()).await.expect("closed") {
        Some(Ok(Message::Close(Some(f)))) => assert_eq!(f.code, CloseCode::Policy),
        other => panic!("{other:?}"),
    }
    let mut nothing = Vec::new();
    big_peer.read_to_end(&mut nothing).await.unwrap();
    assert!(nothing.is_empty(), "not a byte of it went upstream");
    relays(&mut ok, &mut ok_peer, &[b'y'; 1024]).await;
    relay.shutdown().await;
}

#[tokio::test]
async fn pings_keep_a_quiet_but_live_browser_connected() {
    let (l, up) = upstream().await;
    let relay = relay_to(up, |c| {
        c.ping_interval = Duration::from_millis(200);
        c.idle_timeout = Duration::from_millis(700);
    })
    .await;
    let mut ws = open(&relay).await;
    let (mut peer, _) = l.accept().await.unwrap();
    // No data for three idle timeouts; the client only reads (and so answers pings).
    let quiet = tokio::time::Instant::now() + Duration::from_millis(2_100);
    let mut pings = 0;
    while let Ok(m) = tokio::time::timeout_at(quiet, ws.next()).await {
        match m {
            Some(Ok(Message::Ping(_))) => pings += 1,
            other => panic!("{other:?}"),
        }
    }
    assert!(pings >= 5, "{pings} pings");
    relays(&mut ws, &mut peer, b"PNG\r\n").await;
    relay.shutdown().await;
}

#[tokio::test]
async fn a_slow_reader_gets_backpressure_not_memory_growth() {
    let (l, up) = upstream().await;
    let relay = relay_to(up, |_| {}).await;
    let _ws = open(&relay).await; // never read
    let (mut peer, _) = l.accept().await.unwrap();
    let written = fill_until_stalled(&mut peer, 7).await;
    // Kernel socket buffers on loopback hold a few MiB; the relay adds at most a few KiB.
    assert!(written < 32 << 20, "{written}");
    relay.shutdown().await;
}

/// What waits for a slow browser waits at the server, not in the relay's
/// kernel buffers: with a server that keeps little unsent itself (as the
/// devserver does), a browser that stops reading stops the server's writes
/// within a few hundred KiB, so a chat message never queues behind
/// megabytes of a file.
#[tokio::test]
async fn a_slow_browser_leaves_little_waiting_in_the_relay() {
    let (l, up) = upstream().await;
    let relay = relay_to(up, |_| {}).await;
    let _ws = open(&relay).await; // never read
    let (mut peer, _) = l.accept().await.unwrap();
    socket2::SockRef::from(&peer).set_tcp_notsent_lowat(16 * 1024).unwrap();
    let written = fill_until_stalled(&mut peer, 5).await;
    assert!(written < 1 << 20, "{written} bytes taken in before the server's writes stopped");
    relay.shutdown().await;
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_connections_with_abrupt_closes_leak_nothing() {
    rlimit::increase_nofile_limit(16_384).unwrap();
    let (l, up) = upstream().await;
    // Upstream: echo, and close some connections at random.
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                break;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 256];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 || rand::random::<u8>() < 40 {
                        break; // abrupt close from the server side
                    }
                    if s.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    let relay = relay_to(up, |c| c.max_per_ip = 2000).await;
    let before = open_fds();
    let mut clients = Vec::new();
    for _ in 0..1000 {
        clients.push(open(&relay).await);
    }
    assert_eq!(relay.active(), 1000);
    let mut tasks = tokio::task::JoinSet::new();
    for mut ws in clients {
        tasks.spawn(async move {
            for i in 0..3u8 {
                if ws.send(Message::Binary(vec![i; 64].into())).await.is_err() {
                    return;
                }
                if rand::random::<u8>() < 30 {
                    return; // abrupt close from the browser side: just drop
                }
                match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
                    Ok(Some(Ok(Message::Binary(_)))) => {}
                    _ => return,
                }
            }
            let _ = ws.close(None).await;
        });
    }
    while tasks.join_next().await.is_some() {}
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while (relay.active() > 0 || open_fds() > before + 4) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(relay.active(), 0, "connection slots leaked");
    assert!(open_fds() <= before + 4, "file descriptors leaked: {} before, {} after", before, open_fds());
    relay.shutdown().await;
}

#[tokio::test]
async fn graceful_shutdown_closes_with_1001_and_stops_accepting() {
    let (l, up) = upstream().await;
    let relay = relay_to(up, |_| {}).await;
    let addr = relay.addr;
    let mut ws = open(&relay).await;
    let _peer = l.accept().await.unwrap();
    let stop = tokio::spawn(relay.shutdown());
    match tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap().unwrap().unwrap() {
        Message::Close(Some(f)) => assert_eq!(f.code, CloseCode::Away),
        other => panic!("{other:?}"),
    }
    drop(ws);
    tokio::time::timeout(Duration::from_secs(5), stop).await.unwrap().unwrap();
    assert!(TcpStream::connect(addr).await.is_err(), "no longer accepting");
}

#[tokio::test]
async fn serves_health_and_static_files() {
    let dir = std::env::temp_dir().join(format!("relay-static-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<html>msn-web</html>").unwrap();
    let (_l, up) = upstream().await;
    let relay = relay_to(up, |c| c.static_dir = Some(dir.clone())).await;
    let get = |path: &'static str| async move {
        let mut s = TcpStream::connect(relay.addr).await.unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
        let mut r = String::new();
        s.read_to_string(&mut r).await.unwrap();
        r
    };
    assert!(get("/healthz").await.ends_with("ok\n"));
    let index = get("/").await;
    assert!(index.starts_with("HTTP/1.1 200") && index.contains("msn-web"), "{index}");
    assert!(get("/ws").await.starts_with("HTTP/1.1 426"), "plain GET /ws is told to upgrade");
    // A probe learns why a WebSocket would be refused.
    let probe = get("/ws?target=example.com:80").await;
    assert!(probe.starts_with("HTTP/1.1 403") && probe.contains("target not allowed"), "{probe}");
    let mut s = TcpStream::connect(relay.addr).await.unwrap();
    s.write_all(b"POST /ws HTTP/1.1\r\nHost: x\r\nOrigin: http://evil.example\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut r = String::new();
    s.read_to_string(&mut r).await.unwrap();
    assert!(r.starts_with("HTTP/1.1 403") && r.contains("origin not allowed"), "{r}");
    relay.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn pipelined_frames_are_batched_and_all_arrive() {
    let (l, up) = upstream().await;
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let (mut r, mut w) = s.split();
        let _ = tokio::io::copy(&mut r, &mut w).await;
    });
    let relay = relay_to(up, |_| {}).await;
    let mut ws = open(&relay).await;
    let mut sent = Vec::new();
    for round in 0..20u8 {
        for i in 0..64u8 {
            let frame = vec![round.wrapping_mul(64).wrapping_add(i); 1024];
            sent.extend_from_slice(&frame);
            ws.send(Message::Binary(frame.into())).await.unwrap();
        }
    }
    let mut got = Vec::new();
    while got.len() < sent.len() {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("echo in time") {
            Some(Ok(Message::Binary(b))) => got.extend_from_slice(&b),
            other => panic!("{other:?} after {} of {} bytes", got.len(), sent.len()),
        }
    }
    assert_eq!(got, sent);
    relay.shutdown().await;
}

/// An upstream that echoes the way simple servers do: it reads up to 64 KiB,
/// then writes all of it back before it reads again. While its write blocks
/// it reads nothing, so a relay that stops reading upstream while it waits
/// to write upstream deadlocks with it.
async fn blocking_echo(l: TcpListener) {
    loop {
        let Ok((mut s, _)) = l.accept().await else { break };
        tokio::spawn(async move {
            let mut buf = vec![0u8; 64 * 1024];
            while let Ok(n) = s.read(&mut buf).await {
                if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        });
    }
}

/// Several browsers each push `per_client` bytes of 1 KiB frames as fast as
/// they can, with no window, while reading the echo at the same time: the
/// worst a real peer can do (a file transfer sends data one way and
/// acknowledgements the other).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_directions_full_at_once_never_deadlock() {
    const CLIENTS: usize = 4;
    let per_client: usize = 32 << 20;
    let (l, up) = upstream().await;
    tokio::spawn(blocking_echo(l));
    let relay = relay_to(up, |_| {}).await;
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..CLIENTS {
        let ws = open(&relay).await;
        tasks.spawn(async move {
            let (mut tx, mut rx) = ws.split();
            let frame: Vec<u8> = (0..1024u32).map(|i| (i as u8) ^ (c as u8)).collect();
            let send = async move {
                for _ in 0..per_client / frame.len() {
                    tx.feed(Message::Binary(frame.clone().into())).await.unwrap();
                }
                tx.flush().await.unwrap();
                tx
            };
            let receive = async move {
                let mut got = 0usize;
                let mut at = 0usize; // position in the repeating frame
                while got < per_client {
                    match rx.next().await {
                        Some(Ok(Message::Binary(b))) => {
                            for &byte in b.iter() {
                                assert_eq!(byte, (at as u8) ^ (c as u8), "client {c}: byte {got} out of order");
                                at = (at + 1) % 1024;
                                got += 1;
                            }
                        }
                        other => panic!("client {c} after {got} bytes: {other:?}"),
                    }
                }
                got
            };
            let (_tx, got) = tokio::join!(send, receive);
            got
        });
    }
    let all = async {
        let mut total = 0;
        while let Some(r) = tasks.join_next().await {
            total += r.unwrap();
        }
        total
    };
    let total = tokio::time::timeout(Duration::from_secs(120), all)
        .await
        .expect("no byte moved for too long: the relay's directions wait on each other");
    assert_eq!(total, CLIENTS * per_client);
    relay.shutdown().await;
}

/// Bytes `peer` takes before `write_all` of a further 64 KiB stalls for
/// half a second: what the path toward a reader that does not read holds.
async fn fill_until_stalled(peer: &mut (impl tokio::io::AsyncWrite + Unpin), pattern: u8) -> usize {
    let chunk = vec![pattern; 64 * 1024];
    let mut written = 0usize;
    loop {
        match tokio::time::timeout(Duration::from_millis(500), peer.write_all(&chunk)).await {
            Ok(Ok(())) => written += chunk.len(),
            Ok(Err(e)) => panic!("{e}"),
            Err(_) => return written,
        }
        assert!(written < 64 << 20, "the relay kept reading: {written} bytes buffered somewhere");
    }
}

/// A browser that does not read stops the server-to-browser direction at
/// its bound, and only that one: what the browser sends still flows up.
#[tokio::test]
async fn a_browser_that_does_not_read_stops_only_its_own_direction() {
    let (l, up) = upstream().await;
    let relay = relay_to(up, |_| {}).await;
    let mut ws = open(&relay).await;
    let (mut peer, _) = l.accept().await.unwrap();
    let (mut peer_rd, mut peer_wr) = peer.split();
    let filled = fill_until_stalled(&mut peer_wr, 0xD0).await;
    // Loopback socket buffers hold a few MiB; the relay adds at most a few KiB.
    assert!(filled < 32 << 20, "{filled}");
    // Upward still flows, many times what one socket buffer holds.
    let up_bytes = 8 << 20;
    let sender = async {
        for i in 0..up_bytes / 1024 {
            ws.send(Message::Binary(vec![i as u8; 1024].into())).await.unwrap();
        }
        ws
    };
    let receiver = async {
        let mut got = vec![0u8; up_bytes];
        peer_rd.read_exact(&mut got).await.unwrap();
        got
    };
    let (mut ws, got) = tokio::time::timeout(Duration::from_secs(60), async { tokio::join!(sender, receiver) })
        .await
        .expect("the browser's bytes stopped flowing upstream while the way down was full");
    assert!(got.chunks(1024).enumerate().all(|(i, c)| c.iter().all(|&b| b == i as u8)));
    // Then the browser reads, and gets everything the server wrote (the
    // stalled write may have put part of one more chunk in).
    let mut down = 0usize;
    loop {
        match tokio::time::timeout(Duration::from_secs(1), ws.next()).await {
            Ok(Some(Ok(Message::Binary(b)))) => {
                assert!(b.iter().all(|&x| x == 0xD0));
                down += b.len();
            }
            Ok(Some(Ok(Message::Ping(_)))) => {}
            Ok(other) => panic!("{other:?} after {down} of {filled}"),
            Err(_) => break,
        }
    }
    assert!(down >= filled && down < filled + 64 * 1024, "{down} of {filled}");
    relay.shutdown().await;
}

/// A server that does not read stops the browser-to-server direction at its
/// bound, and only that one: what the server sends still reaches the browser.
#[tokio::test]
async fn a_server_that_does_not_read_stops_only_its_own_direction() {
    let (l, up) = upstream().await;
    let relay = relay_to(up, |_| {}).await;
    let ws = open(&relay).await;
    let (mut peer, _) = l.accept().await.unwrap();
    let (mut tx, mut rx) = ws.split();
    // The browser pushes until the relay stops taking frames.
    let frame = vec![0xB0u8; 64 * 1024];
    let mut pushed = 0usize;
    loop {
        match tokio::time::timeout(Duration::from_millis(500), tx.send(Message::Binary(frame.clone().into()))).await {
            Ok(Ok(())) => pushed += frame.len(),
            Ok(Err(e)) => panic!("{e}"),
            Err(_) => break,
        }
        assert!(pushed < 64 << 20, "the relay kept reading: {pushed} bytes buffered somewhere");
    }
    // Downward still flows.
    let down_bytes = 8 << 20;
    let writer = async {
        for i in 0..down_bytes / 1024 {
            peer.write_all(&[i as u8; 1024]).await.unwrap();
        }
    };
    let reader = async {
        let mut got = Vec::with_capacity(down_bytes);
        while got.len() < down_bytes {
            match rx.next().await {
                Some(Ok(Message::Binary(b))) => got.extend_from_slice(&b),
                Some(Ok(Message::Ping(_))) => {}
                other => panic!("{other:?} after {} bytes", got.len()),
            }
        }
        got
    };
    let ((), got) = tokio::time::timeout(Duration::from_secs(60), async { tokio::join!(writer, reader) })
        .await
        .expect("the server's bytes stopped reaching the browser while the way up was full");
    assert!(got.chunks(1024).enumerate().all(|(i, c)| c.iter().all(|&b| b == i as u8)));
    relay.shutdown().await;
}

/// A proxy on this machine (`trunk serve`) puts its own host in `Host` and
/// the page's in `X-Forwarded-Host`: the page counts as the relay's own.
/// The same header from elsewhere counts for nothing, and a page from
/// another site never matches it.
#[tokio::test]
async fn a_page_behind_a_local_proxy_counts_as_the_relays_own() {
    let (_l, up) = upstream().await;
    let relay = relay_to(up, |_| {}).await;
    let handshake = |origin: &str, forwarded: &str| {
        let mut r = format!("ws://{}/ws", relay.addr).into_client_request().unwrap();
        r.headers_mut().insert("Host", "127.0.0.1".parse().unwrap());
        r.headers_mut().insert("Origin", origin.parse().unwrap());
        r.headers_mut().insert("X-Forwarded-Host", forwarded.parse().unwrap());
        r
    };
    let status = |r| async move {
        match connect_async(r).await {
            Ok(_) => 101,
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(status(handshake("http://127.0.0.1:8000", "127.0.0.1:8000")).await, 101);
    assert_eq!(status(handshake("http://evil.example", "127.0.0.1:8000")).await, 403);
    relay.shutdown().await;
}

/// `POST /ws-refusal` answers what `/ws` would (through proxies that pass
/// only plain HTTP), and never opens anything, even when asked to upgrade.
#[tokio::test]
async fn the_refusal_probe_tells_why_and_never_upgrades() {
    let (l, up) = upstream().await;
    let relay = relay_to(up, |_| {}).await;
    let post = |path: &'static str, origin: &'static str| {
        let addr = relay.addr;
        async move {
            let mut s = TcpStream::connect(addr).await.unwrap();
            let req = format!(
                "POST {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            s.write_all(req.as_bytes()).await.unwrap();
            let mut r = String::new();
            s.read_to_string(&mut r).await.unwrap();
            r
        }
    };
    let me: &'static str = Box::leak(own_origin(&relay).into_boxed_str());
    let r = post("/ws-refusal?target=example.com:80", me).await;
    assert!(r.starts_with("HTTP/1.1 403") && r.contains("target not allowed"), "{r}");
    let r = post("/ws-refusal", "http://evil.example").await;
    assert!(r.starts_with("HTTP/1.1 403") && r.contains("origin not allowed"), "{r}");
    let r = post("/ws-refusal", me).await;
    assert!(r.starts_with("HTTP/1.1 426"), "would be accepted: {r}");
    // An upgrade asked of the probe is not one.
    let mut req = format!("ws://{}/ws-refusal", relay.addr).into_client_request().unwrap();
    req.headers_mut().insert("Origin", me.parse().unwrap());
    assert!(connect_async(req).await.is_err());
    assert!(tokio::time::timeout(Duration::from_millis(300), l.accept()).await.is_err(), "nothing went upstream");
    assert_eq!(relay.active(), 0);
    relay.shutdown().await;
}

/// A page on another origin can read why it was refused (CORS allows it).
#[tokio::test]
async fn refusals_can_be_read_by_any_page() {
    let (_l, up) = upstream().await;
    let relay = relay_to(up, |_| {}).await;
    let mut s = TcpStream::connect(relay.addr).await.unwrap();
    let req = format!(
        "POST /ws-refusal HTTP/1.1\r\nHost: {}\r\nOrigin: http://elsewhere.example\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        relay.addr
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut r = String::new();
    s.read_to_string(&mut r).await.unwrap();
    assert!(r.starts_with("HTTP/1.1 403"), "{r}");
    assert!(r.to_ascii_lowercase().contains("access-control-allow-origin: *"), "{r}");
    relay.shutdown().await;
}
