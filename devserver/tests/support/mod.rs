//! Test clients over real TCP, driven by the `msnp` sessions.
#![allow(dead_code)]

use devserver::{Config, Running};
use msnp::session::*;
use msnp::types::*;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use web_time::Instant;

pub const WAIT: Duration = Duration::from_secs(5);

pub async fn server() -> Running {
    server_with(|_| {}).await
}

pub async fn server_with(f: impl FnOnce(&mut Config)) -> Running {
    let mut c = Config::ephemeral();
    c.users =
        ["alice", "bob", "carol", "dave"].iter().map(|u| (format!("{u}@example.com"), format!("{u}-pw"))).collect();
    f(&mut c);
    devserver::start(c).await.expect("server starts")
}

/// POST /NotRST.srf with a raw HTTP/1.1 request; returns (status, X-Token).
pub async fn not_rst(http: SocketAddr, user: &str, pass: &str) -> (u16, Option<String>) {
    let mut s = TcpStream::connect(http).await.unwrap();
    let req = format!(
        "POST /NotRST.srf HTTP/1.1\r\nHost: {http}\r\nX-User: {user}\r\nX-Password: {pass}\r\nOrigin: http://page.example\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).await.unwrap();
    let status = resp.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let token = resp
        .lines()
        .find_map(|l| l.strip_prefix("x-token: ").or_else(|| l.strip_prefix("X-Token: ")))
        .map(str::to_owned);
    (status, token)
}

pub struct Ns {
    pub stream: TcpStream,
    pub s: NsSession,
    pub events: Vec<NsEvent>,
    pub http: Option<SocketAddr>,
    pub password: String,
}

impl Ns {
    pub async fn connect(addr: SocketAddr, http: Option<SocketAddr>, email: &str, password: &str, d: Dialect) -> Ns {
        let mut cfg = NsConfig::new(Email::parse(email).expect("a valid test address"), password);
        cfg.dialects = vec![d];
        let mut ns = Ns {
            stream: TcpStream::connect(addr).await.unwrap(),
            s: NsSession::new(cfg),
            events: vec![],
            http,
            password: password.into(),
        };
        ns.s.start(Instant::now());
        ns.flush().await;
        ns
    }

    /// Sign in and wait until the list is synced and the first CHG echoed.
    pub async fn login(srv: &Running, email: &str, d: Dialect) -> Ns {
        let pw = format!("{}-pw", email.split('@').next().unwrap());
        let mut ns = Ns::connect(srv.ns, srv.http, email, &pw, d).await;
        ns.until(|e| matches!(e, NsEvent::OwnStatus(_))).await;
        ns
    }

    pub async fn flush(&mut self) {
        if let Some(b) = self.s.poll_transmit() {
            self.stream.write_all(&b).await.unwrap();
        }
    }

    /// Read until an event matches; panics after `WAIT`.
    pub async fn until(&mut self, pred: impl Fn(&NsEvent) -> bool) -> NsEvent {
        self.try_until(pred)
            .await
            .unwrap_or_else(|| panic!("{}: timed out; events so far: {:#?}", self.s.email(), self.events))
    }

    pub async fn try_until(&mut self, pred: impl Fn(&NsEvent) -> bool) -> Option<NsEvent> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            self.flush().await;
            while let Some(e) = self.s.poll_event() {
                self.events.push(e.clone());
                if let NsEvent::NeedTicket { .. } = e {
                    let (_, t) = not_rst(self.http.expect("http"), self.s.email().as_str(), &self.password).await;
                    self.s.provide_ticket(Secret::new(t.unwrap_or_default()), Instant::now()).unwrap();
                    self.flush().await;
                }
                if pred(&e) {
                    return Some(e);
                }
            }
            let mut buf = [0u8; 8192];
            match tokio::time::timeout_at(deadline, self.stream.read(&mut buf)).await {
                Err(_) => return None,
                Ok(Ok(0)) | Ok(Err(_)) => {
                    self.s.handle_close();
                    let more: Vec<_> = std::iter::from_fn(|| self.s.poll_event()).collect();
                    for e in more {
                        self.events.push(e.clone());
                        if pred(&e) {
                            return Some(e);
                        }
                    }
                    return None;
                }
                Ok(Ok(n)) => self.s.handle_input(&buf[..n], Instant::now()),
            }
        }
    }

    pub fn contact(&self, email: impl AsRef<str>) -> Option<&Contact> {
        self.s.contacts().get(email)
    }

    /// Wait until a contact satisfies `pred`.
    pub async fn until_contact(&mut self, email: impl AsRef<str>, pred: impl Fn(&Contact) -> bool) {
        let email = email.as_ref();
        if self.contact(email).is_some_and(&pred) {
            return;
        }
        let e = email.to_owned();
        loop {
            self.until(|ev| matches!(ev, NsEvent::ContactUpdated { email } if email.is(&e))).await;
            if self.contact(email).is_some_and(&pred) {
                return;
            }
        }
    }
}

pub struct Sb {
    pub stream: TcpStream,
    pub s: SbSession,
    pub events: Vec<SbEvent>,
}

impl Sb {
    pub async fn open(addr: &str, me: &Email, d: Dialect, start: SbStart) -> Sb {
        let mut sb = Sb {
            stream: TcpStream::connect(addr).await.unwrap(),
            s: SbSession::new(me.clone(), d, start),
            events: vec![],
        };
        sb.s.start(Instant::now());
        sb.flush().await;
        sb
    }

    pub async fn flush(&mut self) {
        if let Some(b) = self.s.poll_transmit() {
            self.stream.write_all(&b).await.unwrap();
        }
    }

    pub async fn until(&mut self, pred: impl Fn(&SbEvent) -> bool) -> SbEvent {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            self.flush().await;
            while let Some(e) = self.s.poll_event() {
                self.events.push(e.clone());
                if pred(&e) {
                    return e;
                }
            }
            let mut buf = [0u8; 8192];
            match tokio::time::timeout_at(deadline, self.stream.read(&mut buf)).await {
                Err(_) => panic!("switchboard: timed out; events: {:#?}", self.events),
                Ok(Ok(0)) | Ok(Err(_)) => {
                    self.s.handle_close();
                    let more: Vec<_> = std::iter::from_fn(|| self.s.poll_event()).collect();
                    self.events.extend(more.iter().cloned());
                    return more
                        .into_iter()
                        .find(|e| pred(e))
                        .unwrap_or_else(|| panic!("switchboard closed; events: {:#?}", self.events));
                }
                Ok(Ok(n)) => self.s.handle_input(&buf[..n], Instant::now()),
            }
        }
    }
}

/// A raw line connection for provoking errors.
pub struct Raw {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    pub async fn connect(addr: SocketAddr) -> Raw {
        Raw { stream: TcpStream::connect(addr).await.unwrap(), buf: vec![] }
    }

    pub async fn send(&mut self, line: &str) {
        self.stream.write_all(line.as_bytes()).await.unwrap();
        if !line.ends_with('\n') {
            self.stream.write_all(b"\r\n").await.unwrap();
        }
    }

    /// The next line, or None when the server closed the connection.
    pub async fn line(&mut self) -> Option<String> {
        loop {
            if let Some(i) = self.buf.iter().position(|b| *b == b'\n') {
                let l: Vec<u8> = self.buf.drain(..=i).collect();
                return Some(String::from_utf8_lossy(&l).trim_end().to_owned());
            }
            let mut b = [0u8; 4096];
            match timeout(WAIT, self.stream.read(&mut b)).await.expect("server answered in time") {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&b[..n]),
            }
        }
    }

    /// Send and return the first reply line.
    pub async fn ask(&mut self, line: &str) -> String {
        self.send(line).await;
        self.line().await.unwrap_or_else(|| panic!("closed after {line:?}"))
    }

    /// Read lines until one starts with `prefix`.
    pub async fn expect(&mut self, prefix: &str) -> String {
        loop {
            match self.line().await {
                Some(l) if l.starts_with(prefix) => return l,
                Some(_) => continue,
                None => panic!("closed while waiting for {prefix:?}"),
            }
        }
    }

    /// True when the server closes without sending anything more than `allowed` lines.
    pub async fn closed(&mut self) -> bool {
        for _ in 0..10 {
            if self.line().await.is_none() {
                return true;
            }
        }
        false
    }

    /// MD5 sign-in for MSNP2-7, leaving the connection after USR OK.
    pub async fn login_md5(addr: SocketAddr, email: &str, pw: &str, d: &str) -> Raw {
        let mut r = Raw::connect(addr).await;
        assert_eq!(r.ask(&format!("VER 1 {d} CVR0")).await, format!("VER 1 {d}"));
        r.ask("INF 2").await;
        let chal = r.ask(&format!("USR 3 MD5 I {email}")).await;
        let salt = chal.rsplit(' ').next().unwrap().to_owned();
        let ok = r.ask(&format!("USR 4 MD5 S {}", msnp::auth::md5_login_response(&salt, pw))).await;
        assert!(ok.starts_with("USR 4 OK"), "{ok}");
        r
    }
}
