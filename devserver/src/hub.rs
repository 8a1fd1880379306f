//! Runtime state shared by all connections: who is online, pending
//! switchboard cookies, switchboards, Passport tickets.

use crate::store::{Store, StoreError};
use msnp::types::{BlpMode, Capabilities, Dialect, List, Name, Status};
use rand::Rng;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};

/// What a connection task is told to do by others.
#[derive(Debug)]
pub enum Deliver {
    /// Write these bytes.
    Bytes(Vec<u8>),
    /// Write these bytes, then close (`OUT OTH`, idle switchboard).
    Close(Vec<u8>),
}

/// A bounded queue to a connection. A member that reads slowly makes its
/// senders wait (their connections stop reading while its queue holds more
/// than [`CROWDED`]: see [`Outbox::room`]); one that stops reading altogether is
/// disconnected rather than allowed to make the server buffer without
/// bound, and nothing queued for it is lost silently: `send` says it failed.
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: mpsc::Sender<Deliver>,
    kill: Arc<Notify>,
    /// Set once the connection fell behind: from then on nothing more is
    /// accepted for it, so no message is acknowledged and then dropped.
    behind: Arc<AtomicBool>,
    /// How many deliveries the connection has taken: whether it still reads.
    taken: Arc<AtomicU64>,
}

/// The receiving end, owned by the connection's task.
#[derive(Debug)]
pub struct Inbox {
    rx: mpsc::Receiver<Deliver>,
    /// Woken when the connection fell too far behind and must close.
    pub kill: Arc<Notify>,
    taken: Arc<AtomicU64>,
}

pub const OUTBOX_DEPTH: usize = 512;

/// Deliveries queued for a connection before its senders wait: about 100 KB
/// of switchboard messages, enough to keep a fast line busy while a sender
/// refills it, and little for a chat message to wait behind on a slow one.
pub const CROWDED: usize = 64;

/// A reader that takes nothing for this long while its senders wait is
/// disconnected (a slow one that takes anything at all is waited for).
pub const STUCK: Duration = Duration::from_secs(15);

/// How often a waiting sender looks at the queue it waits on.
const ROOM_POLL: Duration = Duration::from_millis(2);

pub fn outbox() -> (Outbox, Inbox) {
    let (tx, rx) = mpsc::channel(OUTBOX_DEPTH);
    let kill = Arc::new(Notify::new());
    let taken = Arc::new(AtomicU64::new(0));
    let outbox = Outbox { tx, kill: kill.clone(), behind: Arc::new(AtomicBool::new(false)), taken: taken.clone() };
    (outbox, Inbox { rx, kill, taken })
}

impl Inbox {
    /// The next delivery; `None` once every sender is gone.
    pub async fn recv(&mut self) -> Option<Deliver> {
        let d = self.rx.recv().await;
        self.taken.fetch_add(1, Ordering::Relaxed);
        d
    }
}

impl Outbox {
    /// Queue for the connection; false when it is gone or too far behind
    /// (it is then told to close).
    pub fn send(&self, d: Deliver) -> bool {
        if self.behind.load(Ordering::Relaxed) {
            return false;
        }
        match self.tx.try_send(d) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.give_up();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// The same connection's queue.
    pub fn same(&self, other: &Outbox) -> bool {
        self.tx.same_channel(&other.tx)
    }

    /// Holding more than [`CROWDED`]: whoever filled it should wait for
    /// [`Outbox::room`] before sending more.
    pub fn crowded(&self) -> bool {
        OUTBOX_DEPTH - self.tx.capacity() > CROWDED
    }

    /// Wait until the queue holds at most [`CROWDED`]. False when the connection
    /// is gone or behind, or took nothing for `stuck` (it is then told to
    /// close): a slow reader holds its senders back, a dead one does not.
    pub async fn room(&self, stuck: Duration) -> bool {
        let mut seen = (self.taken.load(Ordering::Relaxed), tokio::time::Instant::now());
        loop {
            if self.tx.is_closed() || self.behind.load(Ordering::Relaxed) {
                return false;
            }
            if !self.crowded() {
                return true;
            }
            let taken = self.taken.load(Ordering::Relaxed);
            if taken != seen.0 {
                seen = (taken, tokio::time::Instant::now());
            } else if seen.1.elapsed() >= stuck {
                tracing::info!("a reader took nothing for {stuck:?} while its senders waited");
                self.give_up();
                return false;
            }
            tokio::time::sleep(ROOM_POLL).await;
        }
    }

    /// It is too far behind: accept nothing more and tell it to close.
    fn give_up(&self) {
        self.behind.store(true, Ordering::Relaxed);
        self.kill.notify_one();
    }
}

/// A signed-in notification connection.
#[derive(Debug, Clone)]
pub struct Peer {
    pub conn: u64,
    pub tx: Outbox,
    pub dialect: Dialect,
    /// `None` until the first `CHG`: not yet visible to anyone.
    pub status: Option<Status>,
    pub caps: Option<Capabilities>,
    pub msnobj: Option<Name>,
}

impl Peer {
    pub fn visible(&self) -> bool {
        self.status.is_some_and(Status::is_visible)
    }
}

/// Someone in a switchboard.
#[derive(Debug, Clone)]
pub struct Member {
    pub conn: u64,
    pub email: String,
    pub name: String,
    pub caps: Option<Capabilities>,
    pub dialect: Dialect,
    pub tx: Outbox,
}

#[derive(Debug)]
pub struct Board {
    pub members: Vec<Member>,
    pub last_activity: Instant,
}

#[derive(Debug)]
struct Invite {
    email: String,
    session: String,
    expires: Instant,
}

#[derive(Debug, Default)]
pub struct State {
    pub online: HashMap<String, Peer>,
    /// XFR SB cookie -> (email, expiry).
    xfr: HashMap<String, (String, Instant)>,
    /// RNG cookie -> invitation.
    rng: HashMap<String, Invite>,
    pub boards: HashMap<String, Board>,
    tickets: HashMap<String, (String, Instant)>,
}

/// Addresses we hand out in `XFR` and `RNG`.
#[derive(Debug, Clone)]
pub struct Advertised {
    pub ns: String,
    pub sb: String,
}

/// Timing rules, shortened in tests.
#[derive(Debug, Clone)]
pub struct Timing {
    /// A notification connection with no traffic for this long is closed.
    pub ns_idle: Duration,
    /// A switchboard with no message for this long is closed.
    pub sb_idle: Duration,
    /// How often MSNP8+ clients are challenged (`CHL`); `None` = only once after sign-in.
    pub challenge_every: Option<Duration>,
    /// How long cookies and tickets stay valid.
    pub cookie_ttl: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            ns_idle: Duration::from_secs(180),
            sb_idle: Duration::from_secs(300),
            challenge_every: Some(Duration::from_secs(600)),
            cookie_ttl: Duration::from_secs(120),
        }
    }
}

/// What switchboards refuse, as the revival servers people use do: so that
/// a client that breaks a rule fails in our tests, not in front of users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SbRules {
    /// A `MSG` payload over this closes the connection (Escargot: 1,664).
    pub max_message: usize,
    /// A P2P message (`application/x-msnmsgrp2p`) sent with any ack mode
    /// but `D` closes the connection, as Escargot does.
    pub p2p_data_only: bool,
}

impl Default for SbRules {
    fn default() -> Self {
        SbRules { max_message: 1664, p2p_data_only: true }
    }
}

#[derive(Debug)]
pub struct Hub {
    pub store: Store,
    pub advertised: Advertised,
    pub rules: SbRules,
    pub timing: Timing,
    /// The newest dialect the notification server agrees to (older
    /// servers' behaviour, for tests: a client offering only newer ones is
    /// told `VER 0`).
    pub newest: Dialect,
    state: Mutex<State>,
    next_conn: std::sync::atomic::AtomicU64,
}

pub fn key(email: &str) -> String {
    email.to_ascii_lowercase()
}

/// A random lower-case hex token (cookies, tickets).
pub fn token(len: usize) -> String {
    let mut r = rand::rng();
    (0..len).map(|_| char::from_digit(r.random_range(0..16), 16).unwrap_or('0')).collect()
}

/// A random UUID-shaped switchboard session id, as Escargot sends.
pub fn session_id() -> String {
    let t = token(32);
    format!("{}-{}-{}-{}-{}", &t[..8], &t[8..12], &t[12..16], &t[16..20], &t[20..])
}

impl Hub {
    pub fn new(store: Store, advertised: Advertised, timing: Timing, rules: SbRules) -> Hub {
        Hub {
            store,
            advertised,
            rules,
            timing,
            newest: Dialect::NEWEST,
            state: Mutex::new(State::default()),
            next_conn: 1.into(),
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn next_conn(&self) -> u64 {
        self.next_conn.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether `target`'s privacy lets `watcher` see them and call them.
    pub fn allows(&self, target: &str, watcher: &str) -> Result<bool, StoreError> {
        if self.store.on_list(target, List::Block, watcher)? {
            return Ok(false);
        }
        let blp = self.store.user(target)?.map(|u| u.blp).unwrap_or_default();
        Ok(blp == BlpMode::AllowAll || self.store.on_list(target, List::Allow, watcher)?)
    }

    pub fn new_xfr_cookie(&self, email: &str) -> String {
        let c = token(20);
        let exp = Instant::now() + self.timing.cookie_ttl;
        self.state().xfr.insert(c.clone(), (key(email), exp));
        c
    }

    /// One use only.
    pub fn take_xfr_cookie(&self, cookie: &str, email: &str) -> bool {
        matches!(self.state().xfr.remove(cookie), Some((e, exp)) if e == key(email) && exp > Instant::now())
    }

    pub fn new_rng_cookie(&self, email: &str, session: &str) -> String {
        let c = token(20);
        let exp = Instant::now() + self.timing.cookie_ttl;
        self.state().rng.insert(c.clone(), Invite { email: key(email), session: session.to_owned(), expires: exp });
        c
    }

    pub fn take_rng_cookie(&self, cookie: &str, email: &str, session: &str) -> bool {
        matches!(self.state().rng.remove(cookie), Some(i) if i.email == key(email) && i.session == session && i.expires > Instant::now())
    }

    pub fn new_ticket(&self, email: &str) -> String {
        let t = token(20);
        let exp = Instant::now() + self.timing.cookie_ttl;
        let mut s = self.state();
        s.tickets.retain(|_, (_, e)| *e > Instant::now());
        s.tickets.insert(t.clone(), (key(email), exp));
        t
    }

    /// Tickets are single-use and bound to the account they were made for.
    pub fn take_ticket(&self, ticket: &str, email: &str) -> bool {
        // Accept `t=TOKEN&p=...` (Passport 1.4 form) as well as the bare token.
        let t = ticket.strip_prefix("t=").unwrap_or(ticket);
        let t = t.split('&').next().unwrap_or(t);
        matches!(self.state().tickets.remove(t), Some((e, exp)) if e == key(email) && exp > Instant::now())
    }

    /// Verify a password login.
    /// Tell a signed-in user about their mailbox, as Hotmail did over the
    /// notification connection (`MSG Hotmail Hotmail`): the unread count
    /// or a new mail. For demos and tests; false when they are not online.
    pub fn mail(&self, email: &str, notice: &msnp::message::MessageBody) -> bool {
        let st = self.state();
        let Some(p) = st.online.get(&key(email)) else { return false };
        let cmd = msnp::types::ServerCommand::Msg {
            email: "Hotmail".into(),
            name: Name::new("Hotmail"),
            payload: notice.to_bytes().into(),
        };
        p.tx.send(Deliver::Bytes(crate::forms::bytes(&cmd)))
    }

    /// Write protocol bytes to a signed-in user's notification connection
    /// in one write, as a busy server does (for benches: a hundred presence
    /// changes in one read). False when they are not online.
    pub fn raw(&self, email: &str, bytes: Vec<u8>) -> bool {
        let st = self.state();
        st.online.get(&key(email)).is_some_and(|p| p.tx.send(Deliver::Bytes(bytes)))
    }

    /// Close every switchboard now, as a server restarting its switchboards
    /// would (for fault tests); how many were open.
    pub fn close_switchboards(&self) -> usize {
        let boards: Vec<Board> = self.state().boards.drain().map(|(_, b)| b).collect();
        for m in boards.iter().flat_map(|b| &b.members) {
            m.tx.send(Deliver::Close(Vec::new()));
        }
        boards.len()
    }

    pub fn check_password(&self, email: &str, password: &str) -> bool {
        matches!(self.store.user(email), Ok(Some(u)) if u.password == password)
    }
}

/// `n` random decimal digits, the first not zero.
pub fn digits(n: usize) -> String {
    let mut r = rand::rng();
    (0..n).map(|i| char::from(b'0' + if i == 0 { r.random_range(1..10) } else { r.random_range(0..10) })).collect()
}

/// Numbers for `CHL`: 20 decimal digits.
pub fn challenge() -> String {
    digits(20)
}

/// Seconds since 1970, as MSN puts in salts, policies and profiles.
pub fn unix_time() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
