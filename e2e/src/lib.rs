//! End-to-end harness: the real devserver and relay in this process, the
//! built client (`dist/`, from `trunk build --release`) served by the relay,
//! and headless Chromium driven through chromedriver.
#![forbid(unsafe_code)]

use devserver::hub::Timing;
use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long any UI expectation may take.
pub const WAIT: Duration = Duration::from_secs(15);

pub fn dist_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist");
    assert!(d.join("index.html").exists(), "no dist/: run `trunk build --release` first (scripts/test.sh does)");
    d
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// devserver (demo accounts) + relay on ephemeral ports.
#[derive(Debug)]
pub struct Stack {
    pub dev: devserver::Running,
    pub relay: Option<relay::Relay>,
    pub relay_addr: SocketAddr,
}

impl Stack {
    pub async fn start(timing: Timing) -> Stack {
        Stack::start_with(timing, false).await
    }

    /// With `dispatch`, the relay's default upstream is a dispatch server that
    /// refers clients to the NS (`XFR NS`), as in the 1999 draft.
    pub async fn start_with(timing: Timing, dispatch: bool) -> Stack {
        Stack::start_configured(timing, dispatch, |_| {}).await
    }

    /// As [`Stack::start_with`], with the devserver's configuration changed by `f` first.
    pub async fn start_configured(timing: Timing, dispatch: bool, f: impl FnOnce(&mut devserver::Config)) -> Stack {
        // E2E_LOG=debug prints every line the devserver reads and writes.
        if let Ok(filter) = std::env::var("E2E_LOG") {
            let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
        }
        let mut c = devserver::Config::ephemeral();
        if !dispatch {
            c.dispatch = None;
        }
        c.demo = true;
        c.timing = timing;
        f(&mut c);
        let dev = devserver::start(c).await.expect("devserver starts");
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let mut s = Stack { dev, relay: None, relay_addr: addr };
        s.start_relay().await;
        s
    }

    /// A relay for this stack on its own port (for scale-out setups).
    pub async fn extra_relay(&self, f: impl FnOnce(&mut relay::Config)) -> relay::Relay {
        self.extra_relay_tls(None, f).await
    }

    /// The same, optionally serving TLS itself.
    pub async fn extra_relay_tls(
        &self,
        tls: Option<relay::tls::Acceptor>,
        f: impl FnOnce(&mut relay::Config),
    ) -> relay::Relay {
        let mut rc = self.relay_config();
        rc.listen = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        f(&mut rc);
        relay::start_with_tls(rc, tls).await.expect("relay starts")
    }

    fn relay_config(&self) -> relay::Config {
        let upstream = self.dev.dispatch.unwrap_or(self.dev.ns);
        let mut rc = relay::Config::new(self.relay_addr, &upstream.to_string()).unwrap();
        rc.allow.push(self.dev.ns.to_string().parse().unwrap());
        rc.allow.push(self.dev.sb.to_string().parse().unwrap());
        rc.static_dir = Some(dist_dir());
        rc.drain_timeout = Duration::from_secs(2);
        rc
    }

    /// Start (or restart) the relay on the same address.
    pub async fn start_relay(&mut self) {
        let r = relay::start(self.relay_config()).await.expect("relay starts");
        self.relay = Some(r);
    }

    pub async fn stop_relay(&mut self) {
        if let Some(r) = self.relay.take() {
            r.shutdown().await;
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.relay_addr)
    }

    pub fn passport(&self) -> String {
        format!("http://{}/NotRST.srf", self.dev.http.unwrap())
    }

    /// Put `contacts` below the fold of `owner`'s contact list: out of all
    /// groups (so last, in "Other Contacts"), under a group of 60 offline
    /// classmates. For tests of what happens only to rows in view.
    pub fn bury(&self, owner: &str, contacts: &[&str]) {
        use msnp::types::List;
        let store = &self.dev.hub.store;
        for (id, _) in store.groups(owner).unwrap() {
            for contact in contacts {
                store.set_membership(owner, contact, id, false).unwrap();
            }
        }
        let class = store.add_group(owner, "Classmates").unwrap();
        for i in 0..60 {
            let email = format!("classmate{i:02}@example.com");
            let name = format!("Classmate {i}");
            store.upsert_user(&email, "pw", Some(&name)).unwrap();
            store.add_entry(owner, List::Forward, &email, &name).unwrap();
            store.set_membership(owner, &email, class, true).unwrap();
        }
        store.bump_serial(owner).unwrap();
    }
}

/// One chromedriver process; each [`Browser`] is a separate Chromium.
#[derive(Debug)]
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Driver {
    pub async fn start() -> Driver {
        let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = free_port();
        let child = Command::new(&bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin}: {e} (install chromium-driver; scripts/test.sh does)"));
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Driver { child, url }
    }

    /// chromedriver's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A browser signed in to `stack` and online.
    pub async fn signed_in(&self, stack: &Stack, email: &str, password: &str, protocol: &str) -> Browser {
        let b = self.browser().await;
        b.sign_in(stack, email, password, protocol).await;
        b.until_online().await;
        b
    }

    pub async fn browser(&self) -> Browser {
        self.browser_with(&[]).await
    }

    /// A browser that lays pages out as a 390x844 phone does (headless
    /// Chromium will not make a window narrower than 500 pixels).
    pub async fn phone(&self) -> Browser {
        let phone =
            serde_json::json!({ "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 3.0, "touch": true } });
        self.launch(&[], Some(phone)).await
    }

    pub async fn browser_with(&self, extra: &[&str]) -> Browser {
        self.launch(extra, None).await
    }

    async fn launch(&self, extra: &[&str], mobile: Option<serde_json::Value>) -> Browser {
        let mut args = vec![
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1200,900",
        ];
        args.extend_from_slice(extra);
        let mut caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": args
            }
        });
        if let Some(m) = mobile {
            caps["goog:chromeOptions"]["mobileEmulation"] = m;
        }
        let caps = caps.as_object().unwrap().clone();
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let c = ClientBuilder::new(connector).capabilities(caps).connect(&self.url).await.expect("chromium session");
        Browser { c }
    }
}

impl Drop for Driver {
    /// Ends chromedriver and every browser it started. A test that panics
    /// never closes its session, and killing chromedriver alone would leave
    /// those Chromium processes running for the rest of the run. Each is
    /// killed by pid: killing the process group would take the test runner
    /// (and whatever shell started it) down too.
    fn drop(&mut self) {
        let family = proctree::descendants(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !family.is_empty() {
            let _ = Command::new("kill")
                .arg("-KILL")
                .args(family.iter().map(u32::to_string))
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// A page, driven by the `data-testid` contract.
#[derive(Debug)]
pub struct Browser {
    pub c: Client,
}

pub fn tid(id: &str) -> String {
    format!("[data-testid={id}]")
}

impl Browser {
    pub async fn el(&self, css: &str) -> Element {
        match self.c.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => {
                panic!("no element {css}: {e}; page:\n{}", self.dump().await);
            }
        }
    }

    /// What a failing test shows of the page: the connection's state and
    /// the conversations (messages, notices, transfers) whole, where the
    /// page's head and contact list would otherwise fill the report.
    pub async fn dump(&self) -> String {
        const JS: &str = r#"
            const status = document.querySelector('[data-testid=connection-status]');
            const chats = document.querySelector('.conversations');
            return [status ? status.outerHTML : '(no connection status)',
                    chats ? chats.outerHTML : document.body.outerHTML].join('\n');
        "#;
        let html = match self.c.execute(JS, vec![]).await {
            Ok(serde_json::Value::String(s)) => s,
            _ => self.c.source().await.unwrap_or_default(),
        };
        let cut = html.char_indices().nth(12_000).map_or(html.len(), |(i, _)| i);
        html[..cut].to_owned()
    }

    /// Wait until `css` matches and its text contains `text`.
    pub async fn until_text(&self, css: &str, text: &str) -> Element {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(els) = self.c.find_all(Locator::Css(css)).await {
                for e in els {
                    if e.text().await.is_ok_and(|t| t.contains(text)) {
                        return e;
                    }
                }
            }
            if tokio::time::Instant::now() > deadline {
                panic!("no {css} containing {text:?}; page:\n{}", self.dump().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Wait until the page title is `title`.
    pub async fn until_title(&self, title: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let now = self.c.title().await.unwrap_or_default();
            if now == title {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "title is {now:?}, not {title:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn until_gone(&self, css: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.c.find_all(Locator::Css(css)).await.map(|v| !v.is_empty()).unwrap_or(false) {
            assert!(tokio::time::Instant::now() < deadline, "{css} still present");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn type_into(&self, testid: &str, text: &str) {
        let e = self.el(&tid(testid)).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    pub async fn select(&self, testid: &str, value: &str) {
        self.el(&tid(testid)).await.select_by_value(value).await.unwrap();
    }

    /// Fill the sign-in form and submit it.
    pub async fn sign_in(&self, stack: &Stack, email: &str, password: &str, protocol: &str) {
        self.sign_in_at(&stack.url(), Some(&stack.passport()), email, password, protocol).await;
    }

    /// Sign in on the page at `url`; `passport` `None` keeps the page's default.
    pub async fn sign_in_at(&self, url: &str, passport: Option<&str>, email: &str, password: &str, protocol: &str) {
        self.c.goto(url).await.unwrap();
        self.fill_sign_in(passport, email, password, protocol).await;
    }

    /// Sign in on the page already open, clicking and typing as a person does.
    pub async fn fill_sign_in(&self, passport: Option<&str>, email: &str, password: &str, protocol: &str) {
        self.el(&tid("signin-advanced")).await.click().await.unwrap();
        self.select("signin-protocol", protocol).await;
        if let Some(p) = passport {
            self.type_into("signin-passport", p).await;
        }
        self.type_into("signin-email", email).await;
        self.type_into("signin-password", password).await;
        self.el(&tid("signin-submit")).await.click().await.unwrap();
    }

    pub async fn until_online(&self) {
        self.el("[data-testid=connection-status][data-state=online]").await;
        self.el(&tid("me-name")).await;
    }

    /// Double-click a contact to open a conversation.
    pub async fn open_chat(&self, email: &str) {
        let css = format!("[data-testid=contact][data-email='{email}']");
        self.el(&css).await;
        self.c
            .execute(
                "document.querySelector(arguments[0]).dispatchEvent(new MouseEvent('dblclick', {bubbles: true}))",
                vec![css.into()],
            )
            .await
            .unwrap();
        self.el(&format!("[data-testid=conversation][data-with='{email}']")).await;
    }

    /// The texts of the messages from `from` on screen now, in order, of
    /// those in `state` only when one is given (`sent`, `failed`, ...).
    pub async fn message_texts(&self, from: &str, state: Option<&str>) -> Vec<String> {
        let js = "const [from, state] = arguments;
            const sel = `[data-testid=message][data-from='${from}']` + (state ? `[data-state=${state}]` : '') + ' .text';
            return Array.from(document.querySelectorAll(sel)).map(e => e.textContent)";
        serde_json::from_value(self.c.execute(js, vec![from.into(), state.into()]).await.unwrap()).unwrap()
    }

    /// A Chrome DevTools Protocol command (`Performance.getMetrics`, say),
    /// through chromedriver; its result.
    pub async fn cdp(&self, cmd: &str, params: serde_json::Value) -> serde_json::Value {
        self.c.issue_cmd(Cdp { cmd: cmd.to_owned(), params }).await.unwrap()
    }

    /// From the next page load on, keep the app's WebAssembly memory where
    /// [`Browser::wasm_memory`] can read it (trunk hands it out when the app
    /// starts).
    pub async fn watch_memory(&self) {
        let source =
            "addEventListener('TrunkApplicationStarted', (e) => { window.__wasmMemory = e.detail.wasm.memory; });";
        self.cdp("Page.addScriptToEvaluateOnNewDocument", serde_json::json!({ "source": source })).await;
    }

    /// Bytes of WebAssembly memory the app has (it never shrinks).
    pub async fn wasm_memory(&self) -> u64 {
        let v = self.c.execute("return window.__wasmMemory.buffer.byteLength;", vec![]).await.unwrap();
        v.as_u64().expect("watch_memory before the page loaded")
    }

    /// The page's cumulative time in script, style, layout and tasks (s),
    /// once `Performance.enable` was sent.
    pub async fn work(&self) -> std::collections::HashMap<String, f64> {
        let m = self.cdp("Performance.getMetrics", serde_json::json!({})).await;
        m["metrics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| Some((x["name"].as_str()?.to_owned(), x["value"].as_f64()?)))
            .filter(|(k, _)| k.ends_with("Duration"))
            .collect()
    }

    /// Start sampling where the page spends its time (DevTools profiler).
    pub async fn start_profile(&self) {
        self.cdp("Profiler.enable", serde_json::json!({})).await;
        self.cdp("Profiler.setSamplingInterval", serde_json::json!({ "interval": 100 })).await;
        self.cdp("Profiler.start", serde_json::json!({})).await;
    }

    /// Stop sampling and print the page's functions by time spent in them,
    /// each with its callers to the depth `PROFILE` gives (`PROFILE=6`;
    /// build the client with `data-keep-debug` and `data-wasm-opt="0"` to
    /// read wasm names).
    pub async fn print_profile(&self) {
        let p = &self.cdp("Profiler.stop", serde_json::json!({})).await["profile"];
        let nodes = p["nodes"].as_array().cloned().unwrap_or_default();
        let name: std::collections::HashMap<u64, String> = nodes
            .iter()
            .map(|n| (n["id"].as_u64().unwrap(), n["callFrame"]["functionName"].as_str().unwrap_or("").to_owned()))
            .collect();
        let samples = p["samples"].as_array().cloned().unwrap_or_default();
        let deltas = p["timeDeltas"].as_array().cloned().unwrap_or_default();
        let mut parent: std::collections::HashMap<u64, u64> = Default::default();
        for n in &nodes {
            for c in n["children"].as_array().into_iter().flatten() {
                parent.insert(c.as_u64().unwrap(), n["id"].as_u64().unwrap());
            }
        }
        let short = |id: u64| {
            let n = name.get(&id).cloned().unwrap_or_default();
            n.split("::h").next().unwrap_or("").rsplit("::").take(2).collect::<Vec<_>>().join("<")
        };
        let depth: usize = std::env::var("PROFILE").ok().and_then(|d| d.parse().ok()).unwrap_or(1);
        let mut own: std::collections::HashMap<String, f64> = Default::default();
        for (s, d) in samples.iter().zip(deltas.iter().skip(1).chain(std::iter::once(&serde_json::json!(0)))) {
            let mut id = s.as_u64().unwrap();
            let mut f = short(id);
            for _ in 1..depth {
                match parent.get(&id) {
                    Some(p) => {
                        id = *p;
                        f = format!("{f} < {}", short(id));
                    }
                    None => break,
                }
            }
            *own.entry(f).or_default() += d.as_f64().unwrap_or(0.0) / 1000.0;
        }
        let mut v: Vec<_> = own.into_iter().collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1));
        for (f, ms) in v.iter().take(40) {
            println!("  {ms:8.1} ms  {}", f.chars().take(140).collect::<String>());
        }
    }

    /// Let scripts run for up to `secs` (the default is 30 s).
    pub async fn script_timeout(&self, secs: u64) {
        let t = fantoccini::wd::TimeoutConfiguration::new(Some(Duration::from_secs(secs)), None, None);
        self.c.update_timeouts(t).await.unwrap();
    }

    /// Type a message and press Enter.
    pub async fn say(&self, text: &str) {
        let e = self.el(&tid("compose-input")).await;
        e.send_keys(text).await.unwrap();
        e.send_keys("\u{E007}").await.unwrap();
    }

    /// Send `<prefix>-<from>` to `<prefix>-<from + n - 1>` from the open
    /// conversation in one script: typed and sent faster than any
    /// acknowledgement can come back.
    pub async fn burst(&self, prefix: &str, from: usize, n: usize) {
        const BURST: &str = "const [prefix, from, n] = arguments;
            const ta = document.querySelector('[data-testid=compose-input]');
            for (let i = from; i < from + n; i++) {
              ta.value = prefix + '-' + i;
              ta.dispatchEvent(new InputEvent('input', { bubbles: true }));
              ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
            }";
        self.c.execute(BURST, vec![prefix.into(), from.into(), n.into()]).await.unwrap();
    }
}

/// A TCP forwarder in front of an address that can cut every connection
/// through it at once, with no WebSocket close frame and no goodbye: what a
/// lost network looks like to a browser.
#[derive(Debug)]
pub struct CutProxy {
    pub addr: SocketAddr,
    conns: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl CutProxy {
    pub async fn start(target: SocketAddr) -> CutProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let conns = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let held = conns.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                held.lock().unwrap().push(task);
            }
        });
        CutProxy { addr, conns, accept }
    }

    /// The page through this proxy.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Drop every connection through it now (new ones still pass).
    pub fn cut(&self) {
        for t in self.conns.lock().unwrap().drain(..) {
            t.abort();
        }
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

/// A TCP forwarder in front of an address that delays every chunk by a
/// fixed time each way, in order: a long network for benches (loopback
/// answers in microseconds, a real one in tens of milliseconds).
#[derive(Debug)]
pub struct DelayProxy {
    pub addr: SocketAddr,
    accept: tokio::task::JoinHandle<()>,
    /// Per connection, in order of arrival: its first bytes, and each chunk
    /// as (towards the target?, when it arrived).
    log: std::sync::Arc<std::sync::Mutex<Vec<ConnLog>>>,
}

/// Bytes a paced direction of a [`DelayProxy`] holds before the sender's
/// writes block.
pub const SHAPED_QUEUE: usize = 64 * 1024;

/// What went through one connection of a [`DelayProxy`].
#[derive(Debug, Default, Clone)]
pub struct ConnLog {
    pub first: Vec<u8>,
    pub chunks: Vec<(bool, tokio::time::Instant)>,
}

impl ConnLog {
    /// Round trips: each time the client spoke again after the server did
    /// (the WebSocket upgrade counts as one).
    pub fn round_trips(&self) -> usize {
        let mut n = 0;
        let mut last_up = false;
        for (i, (up, _)) in self.chunks.iter().enumerate() {
            if *up && (i == 0 || !last_up) {
                n += 1;
            }
            last_up = *up;
        }
        n
    }
}

impl DelayProxy {
    pub async fn start(target: SocketAddr, delay: Duration) -> DelayProxy {
        DelayProxy::shaped(target, delay, None).await
    }

    /// As [`DelayProxy::start`], and what comes back from the target is
    /// paced to `down_rate` bytes a second: a slow downlink. That direction
    /// holds at most [`SHAPED_QUEUE`] bytes, so the target's writes block
    /// as they would on a real slow link (TCP's window), instead of the
    /// proxy taking everything in at once.
    pub async fn shaped(target: SocketAddr, delay: Duration, down_rate: Option<u64>) -> DelayProxy {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::<ConnLog>::new()));
        let logs = log.clone();
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                // A paced line keeps a small receive window toward the
                // target, as a real slow link does: the data waits at the
                // sender (or in its kernel), not in a big buffer of ours.
                let socket = tokio::net::TcpSocket::new_v4().unwrap();
                if down_rate.is_some() {
                    let _ = socket.set_recv_buffer_size(SHAPED_QUEUE as u32);
                }
                let Ok(outbound) = socket.connect(target).await else { continue };
                let conn = {
                    let mut l = logs.lock().unwrap();
                    l.push(ConnLog::default());
                    l.len() - 1
                };
                let _ = (inbound.set_nodelay(true), outbound.set_nodelay(true));
                let (ri, wi) = inbound.into_split();
                let (ro, wo) = outbound.into_split();
                type Read = Box<dyn tokio::io::AsyncRead + Send + Unpin>;
                type Write = Box<dyn tokio::io::AsyncWrite + Send + Unpin>;
                let ways: [(bool, Read, Write); 2] =
                    [(true, Box::new(ri), Box::new(wo)), (false, Box::new(ro), Box::new(wi))];
                for (up, mut r, mut w) in ways {
                    let rate = if up { None } else { down_rate };
                    // Paced: small pieces and a short queue (backpressure).
                    let (piece, queue) = match rate {
                        Some(_) => (4 * 1024, SHAPED_QUEUE / (4 * 1024)),
                        None => (64 * 1024, usize::MAX / 2),
                    };
                    let (tx, mut rx) =
                        tokio::sync::mpsc::channel::<(tokio::time::Instant, Vec<u8>)>(queue.min(1 << 20));
                    let logs = logs.clone();
                    tokio::spawn(async move {
                        let mut buf = vec![0u8; piece];
                        while let Ok(n) = r.read(&mut buf).await {
                            let now = tokio::time::Instant::now();
                            if n > 0 {
                                let mut l = logs.lock().unwrap();
                                let c = &mut l[conn];
                                if c.first.is_empty() {
                                    c.first = buf[..n.min(200)].to_vec();
                                }
                                c.chunks.push((up, now));
                            }
                            if n == 0 || tx.send((now + delay, buf[..n].to_vec())).await.is_err() {
                                break;
                            }
                        }
                    });
                    tokio::spawn(async move {
                        // When the link is free again (paced directions).
                        let mut free = tokio::time::Instant::now();
                        while let Some((due, bytes)) = rx.recv().await {
                            let due = match rate {
                                Some(rate) => {
                                    let start = due.max(free);
                                    free = start + Duration::from_secs_f64(bytes.len() as f64 / rate as f64);
                                    free
                                }
                                None => due,
                            };
                            tokio::time::sleep_until(due).await;
                            if w.write_all(&bytes).await.is_err() {
                                break;
                            }
                        }
                        let _ = w.shutdown().await;
                    });
                }
            }
        });
        DelayProxy { addr, accept, log }
    }

    /// What went through each connection so far.
    pub fn connections(&self) -> Vec<ConnLog> {
        self.log.lock().unwrap().clone()
    }

    /// The page through this proxy.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for DelayProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// chromedriver's door to the DevTools protocol.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(serde_json::json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}
