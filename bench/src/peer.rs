//! A scripted MSN peer for benches and browser tests: an `msnp` client that
//! signs in over a WebSocket through the relay (as the browser does), asks
//! for switchboards, rings people and sends what it is told, with no screen.
//! Passwords are the demo accounts' (the address's local part).

use futures_util::{SinkExt, StreamExt};
use msnp::session::*;
use msnp::types::{Dialect, Email, Secret};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn debug() -> bool {
    std::env::var("BENCH_DEBUG").is_ok()
}

/// A WebSocket through the relay at `relay`, to its default server or to
/// `target`.
pub async fn ws(relay: u16, target: Option<&str>) -> Ws {
    let url = match target {
        Some(t) => format!("ws://127.0.0.1:{relay}/ws?target={t}"),
        None => format!("ws://127.0.0.1:{relay}/ws"),
    };
    tokio_tungstenite::connect_async(url).await.expect("relay").0
}

/// The next bytes from a WebSocket, or `None` when it closed.
pub async fn read(ws: &mut Ws) -> Option<Vec<u8>> {
    loop {
        match ws.next().await? {
            Ok(Message::Binary(b)) => return Some(b.to_vec()),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

pub async fn ticket(http: u16, user: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", http)).await.unwrap();
    let pw = user.split('@').next().unwrap();
    let req = format!(
        "POST /NotRST.srf HTTP/1.1\r\nHost: x\r\nX-User: {user}\r\nX-Password: {pw}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).await.unwrap();
    resp.lines()
        .find_map(|l| l.split_once(": ").filter(|(k, _)| k.eq_ignore_ascii_case("x-token")).map(|(_, v)| v.to_owned()))
        .expect("a ticket")
}

/// A notification-server connection.
#[derive(Debug)]
pub struct Ns {
    pub ws: Ws,
    pub s: NsSession,
    /// The relay and Passport ports, for switchboards and tickets.
    relay: u16,
    http: u16,
    me: Email,
}

impl Ns {
    /// Sign in as a demo account with `dialect`; returns once online.
    pub async fn login(relay: u16, http: u16, email: &str, dialect: Dialect) -> Ns {
        let me = Email::parse(email).unwrap();
        let mut cfg = NsConfig::new(me.clone(), Secret::new(email.split('@').next().unwrap()));
        cfg.dialects = vec![dialect];
        let mut ns = Ns { ws: ws(relay, None).await, s: NsSession::new(cfg), relay, http, me };
        ns.s.start(Instant::now());
        ns.until(|e| matches!(e, NsEvent::OwnStatus(_))).await;
        ns
    }

    fn me(&self) -> Email {
        self.me.clone()
    }

    /// Serve the connection until an event `want` takes comes; it is returned.
    pub async fn until(&mut self, want: impl Fn(&NsEvent) -> bool) -> NsEvent {
        let (http, email) = (self.http, self.me());
        let email = email.as_str();
        loop {
            if let Some(b) = self.s.poll_transmit() {
                self.ws.send(Message::Binary(b.into())).await.unwrap();
            }
            let mut queued = false;
            while let Some(e) = self.s.poll_event() {
                if let NsEvent::NeedTicket { .. } = e {
                    let t = ticket(http, email).await;
                    self.s.provide_ticket(Secret::new(t), Instant::now()).unwrap();
                    queued = true;
                } else if want(&e) {
                    return e;
                } else if debug() {
                    eprintln!("{email}: {e:?}");
                }
            }
            if queued {
                continue;
            }
            let bytes = read(&mut self.ws).await.expect("NS open");
            self.s.handle_input(&bytes, Instant::now());
        }
    }
}

/// A switchboard connection.
#[derive(Debug)]
pub struct Sb {
    pub ws: Ws,
    pub s: SbSession,
}

impl Sb {
    /// Write what the session queued.
    pub async fn flush(&mut self) {
        if let Some(b) = self.s.poll_transmit() {
            self.ws.send(Message::Binary(b.into())).await.unwrap();
        }
    }

    /// Feed the next read; the events it made.
    /// Serve the switchboard until someone says `text`.
    pub async fn until_said(&mut self, text: &str) {
        loop {
            let said = self.step().await.into_iter().any(
                |e| matches!(e, SbEvent::Message { body: msnp::message::MessageBody::Text { text: t, .. }, .. } if t == text),
            );
            if said {
                return;
            }
        }
    }

    pub async fn step(&mut self) -> Vec<SbEvent> {
        self.flush().await;
        let bytes = read(&mut self.ws).await.expect("switchboard open");
        self.s.handle_input(&bytes, Instant::now());
        std::iter::from_fn(|| self.s.poll_event()).collect()
    }
}

impl Ns {
    /// Open a switchboard and ring `who` into it; returns once they joined.
    pub async fn call(&mut self, who: &str, dialect: Dialect) -> Sb {
        let req = self.s.request_switchboard().unwrap();
        let NsEvent::SwitchboardReady { addr, cookie, .. } =
            self.until(|e| matches!(e, NsEvent::SwitchboardReady { request, .. } if *request == req)).await
        else {
            unreachable!()
        };
        let invitees = vec![Email::parse(who).unwrap()];
        let mut sb = Sb {
            ws: ws(self.relay, Some(&addr)).await,
            s: SbSession::new(self.me(), dialect, SbStart::Call { cookie, invitees }),
        };
        sb.s.start(Instant::now());
        while !sb.step().await.iter().any(|e| matches!(e, SbEvent::Joined { .. })) {}
        sb
    }

    /// Wait to be rung, and answer; returns once on the switchboard.
    pub async fn answer(&mut self, dialect: Dialect) -> Sb {
        let NsEvent::Invited { session_id, addr, cookie, .. } =
            self.until(|e| matches!(e, NsEvent::Invited { .. })).await
        else {
            unreachable!()
        };
        let mut sb = Sb {
            ws: ws(self.relay, Some(&addr)).await,
            s: SbSession::new(self.me(), dialect, SbStart::Answer { cookie, session_id }),
        };
        sb.s.start(Instant::now());
        while !sb.s.is_ready() {
            sb.step().await;
        }
        sb
    }
}
