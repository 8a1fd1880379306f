//! A faithful MSNP2-MSNP12 server: dispatch, notification and switchboard
//! servers plus the Passport endpoints TWN logins need. Built on the `msnp`
//! crate's codec; the rules are the 1999 draft's and the later versions'.
#![forbid(unsafe_code)]

pub mod conn;
pub mod forms;
pub mod http;
pub mod hub;
pub mod ns;
pub mod sb;
pub mod store;

use hub::{Advertised, Hub, Timing};
use std::net::SocketAddr;
use std::sync::Arc;
use store::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::Instrument;

/// What to listen on and how to behave.
#[derive(Debug, Clone)]
pub struct Config {
    /// `None`: no dispatch server; clients sign in at the NS directly.
    pub dispatch: Option<SocketAddr>,
    pub ns: SocketAddr,
    pub sb: SocketAddr,
    pub http: Option<SocketAddr>,
    /// SQLite file, or `:memory:`.
    pub db: String,
    /// `(email, password)` accounts to create or update at start.
    pub users: Vec<(String, String)>,
    pub demo: bool,
    /// Host to put in `XFR`/`RNG` instead of the listening address.
    pub public_host: Option<String>,
    pub timing: Timing,
    pub sb_rules: hub::SbRules,
    /// The newest dialect agreed to (see [`hub::Hub::newest`]).
    pub newest_dialect: msnp::types::Dialect,
}

impl Config {
    /// Loopback on ephemeral ports, in memory: for tests.
    pub fn ephemeral() -> Config {
        let any = "127.0.0.1:0".parse().expect("address");
        Config {
            dispatch: Some(any),
            ns: any,
            sb: any,
            http: Some(any),
            db: ":memory:".into(),
            users: vec![],
            demo: false,
            public_host: None,
            timing: Timing::default(),
            sb_rules: hub::SbRules::default(),
            newest_dialect: msnp::types::Dialect::NEWEST,
        }
    }
}

/// Demo accounts: (email, password, friendly name).
pub const DEMO_USERS: &[(&str, &str, &str)] = &[
    ("alice@example.com", "alice", "Alice"),
    ("bob@example.com", "bob", "Bob"),
    ("carol@example.com", "carol", "Carol"),
    ("dave@example.com", "dave", "Dave"),
];

fn seed_demo(store: &Store) -> Result<(), store::StoreError> {
    use msnp::types::List;
    for (e, p, n) in DEMO_USERS {
        if store.user(e)?.is_none() {
            store.upsert_user(e, p, Some(n))?;
        }
    }
    for (a, _, an) in DEMO_USERS {
        // Seeded before (or set up by hand): leave the lists alone. Other
        // users' seeding only adds reverse-list entries, which do not count.
        if store.entries(a)?.iter().any(|e| e.list == List::Forward) {
            continue;
        }
        let friends = store.add_group(a, "Friends")?;
        store.add_group(a, "Work")?;
        for (b, _, bn) in DEMO_USERS.iter().filter(|(b, _, _)| b != a) {
            store.add_entry(a, List::Forward, b, bn)?;
            store.add_entry(a, List::Allow, b, bn)?;
            store.add_entry(b, List::Reverse, a, an)?;
            store.set_membership(a, b, friends, true)?;
        }
    }
    // Lists changed: a client holding serial 0 must get them on SYN.
    for (e, _, _) in DEMO_USERS {
        store.bump_serial(e)?;
    }
    Ok(())
}

/// The servers, running.
#[derive(Debug)]
pub struct Running {
    pub dispatch: Option<SocketAddr>,
    pub ns: SocketAddr,
    pub sb: SocketAddr,
    pub http: Option<SocketAddr>,
    pub hub: Arc<Hub>,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl Running {
    /// Stop accepting, say `OUT SSD` to everyone, and wait for the tasks.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        self.tasks.abort_all();
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr).await.map_err(|source| StartError::Bind { addr, source })
}

fn advertise(public: &Option<String>, addr: SocketAddr) -> String {
    match public {
        Some(h) => format!("{h}:{}", addr.port()),
        None => addr.to_string(),
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Dispatch,
    Ns,
    Sb,
}

async fn accept_loop(listener: TcpListener, hub: Arc<Hub>, kind: Kind, shutdown: watch::Receiver<bool>) {
    let mut stop = shutdown.clone();
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            r = listener.accept() => {
                let Ok((stream, peer)) = r else { continue };
                let hub = hub.clone();
                let sd = shutdown.clone();
                conns.spawn(async move {
                    let (tx, rx) = hub::outbox();
                    let (handler, idle): (Box<dyn conn::Handler>, _) = match kind {
                        Kind::Dispatch => (Box::new(ns::NsConn::new(hub.clone(), tx, true)), std::time::Duration::from_secs(60)),
                        Kind::Ns => (Box::new(ns::NsConn::new(hub.clone(), tx, false)), hub.timing.ns_idle),
                        Kind::Sb => (Box::new(sb::SbConn::new(hub.clone(), tx)), hub.timing.sb_idle + std::time::Duration::from_secs(60)),
                    };
                    let span = tracing::info_span!("conn", %peer, kind = match kind { Kind::Dispatch => "dispatch", Kind::Ns => "ns", Kind::Sb => "sb" });
                    conn::run(stream, handler, rx, idle, sd).instrument(span).await;
                });
                while conns.try_join_next().is_some() {}
            }
            _ = stop.changed() => break,
        }
    }
    // Let connections say goodbye.
    while conns.join_next().await.is_some() {}
}

/// Start every server in `config`.
pub async fn start(config: Config) -> Result<Running, StartError> {
    let store = Store::open(&config.db)?;
    for (e, p) in &config.users {
        store.upsert_user(e, p, None)?;
    }
    if config.demo {
        seed_demo(&store)?;
    }
    let ns_l = bind(config.ns).await?;
    let sb_l = bind(config.sb).await?;
    let ns = ns_l.local_addr().map_err(|source| StartError::Bind { addr: config.ns, source })?;
    let sb = sb_l.local_addr().map_err(|source| StartError::Bind { addr: config.sb, source })?;
    let advertised = Advertised { ns: advertise(&config.public_host, ns), sb: advertise(&config.public_host, sb) };
    let mut hub = Hub::new(store, advertised, config.timing.clone(), config.sb_rules);
    hub.newest = config.newest_dialect;
    let hub = Arc::new(hub);
    let (tx, rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    tasks.spawn(accept_loop(ns_l, hub.clone(), Kind::Ns, rx.clone()));
    tasks.spawn(accept_loop(sb_l, hub.clone(), Kind::Sb, rx.clone()));
    let dispatch = match config.dispatch {
        Some(a) => {
            let l = bind(a).await?;
            let addr = l.local_addr().map_err(|source| StartError::Bind { addr: a, source })?;
            tasks.spawn(accept_loop(l, hub.clone(), Kind::Dispatch, rx.clone()));
            Some(addr)
        }
        None => None,
    };
    let http = match config.http {
        Some(a) => {
            let l = bind(a).await?;
            let addr = l.local_addr().map_err(|source| StartError::Bind { addr: a, source })?;
            let mut stop = rx.clone();
            let app = http::router(hub.clone());
            tasks.spawn(async move {
                let _ = axum::serve(l, app)
                    .with_graceful_shutdown(async move {
                        let _ = stop.changed().await;
                    })
                    .await;
            });
            Some(addr)
        }
        None => None,
    };
    {
        let hub = hub.clone();
        let mut stop = rx.clone();
        tasks.spawn(async move {
            let mut t = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                tokio::select! {
                    _ = t.tick() => sb::reap_idle(&hub),
                    _ = stop.changed() => break,
                }
            }
        });
    }
    Ok(Running { dispatch, ns, sb, http, hub, shutdown: tx, tasks })
}
