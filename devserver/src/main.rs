//! `devserver`: run the MSN development server.

use clap::Parser;
use devserver::hub::Timing;
use devserver::{Config, DEMO_USERS};
use std::net::SocketAddr;
use std::time::Duration;

/// A faithful MSNP2-MSNP12 server (dispatch, notification, switchboard and
/// Passport) for demos, tests and small self-hosted networks.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Dispatch server address (refers clients to the NS, as in the 1999 draft).
    #[arg(long, default_value = "127.0.0.1:1863", env = "MSN_DISPATCH")]
    dispatch: SocketAddr,
    /// Notification server address.
    #[arg(long, default_value = "127.0.0.1:1865", env = "MSN_NS")]
    ns: SocketAddr,
    /// Switchboard server address.
    #[arg(long, default_value = "127.0.0.1:1864", env = "MSN_SB")]
    sb: SocketAddr,
    /// HTTP address of the Passport endpoints (/NotRST.srf, /login2.srf).
    #[arg(long, default_value = "127.0.0.1:8081", env = "MSN_HTTP")]
    http: SocketAddr,
    /// Run no dispatch server: clients connect straight to --ns (like revival servers).
    #[arg(long)]
    no_dispatch: bool,
    /// SQLite database file (":memory:" keeps nothing).
    #[arg(long, default_value = "msn-devserver.db", env = "MSN_DB")]
    db: String,
    /// Create or update an account; repeatable.
    #[arg(long = "add-user", value_name = "EMAIL:PASSWORD")]
    add_user: Vec<String>,
    /// Seed demo accounts that know each other, and print their passwords.
    #[arg(long)]
    demo: bool,
    /// Host name to give clients in XFR/RNG referrals (default: the listening address).
    #[arg(long)]
    public_host: Option<String>,
    /// Seconds of silence before a switchboard is closed.
    #[arg(long, default_value_t = 300)]
    sb_idle: u64,
    /// Seconds of silence before a notification connection is closed.
    #[arg(long, default_value_t = 180)]
    ns_idle: u64,
    /// Seconds between CHL challenges to MSNP8+ clients (0: only once).
    #[arg(long, default_value_t = 600)]
    challenge_every: u64,
    /// Largest switchboard MSG payload; a larger one closes the connection
    /// (the revival servers' 1,664 bytes by default).
    #[arg(long, default_value_t = 1664)]
    sb_max_message: usize,
    /// Let P2P messages through with any ack mode (revival servers close
    /// the switchboard unless it is D).
    #[arg(long)]
    p2p_any_ack: bool,
    /// The newest protocol version to agree to (MSNP2..MSNP12), to play an
    /// older server.
    #[arg(long, default_value = "MSNP12")]
    newest_dialect: msnp::types::Dialect,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let a = Args::parse();
    let mut users = Vec::new();
    for u in &a.add_user {
        match u.split_once(':') {
            Some((e, p)) if e.contains('@') && !p.is_empty() => users.push((e.to_owned(), p.to_owned())),
            _ => {
                eprintln!("--add-user wants EMAIL:PASSWORD, got {u:?}");
                return std::process::ExitCode::from(2);
            }
        }
    }
    let config = Config {
        dispatch: (!a.no_dispatch).then_some(a.dispatch),
        ns: a.ns,
        sb: a.sb,
        http: Some(a.http),
        db: a.db,
        users,
        demo: a.demo,
        public_host: a.public_host,
        sb_rules: devserver::hub::SbRules { max_message: a.sb_max_message, p2p_data_only: !a.p2p_any_ack },
        newest_dialect: a.newest_dialect,
        timing: Timing {
            ns_idle: Duration::from_secs(a.ns_idle),
            sb_idle: Duration::from_secs(a.sb_idle),
            challenge_every: (a.challenge_every > 0).then(|| Duration::from_secs(a.challenge_every)),
            ..Timing::default()
        },
    };
    let running = match devserver::start(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("devserver: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Some(d) = running.dispatch {
        println!("dispatch server: {d}");
    }
    println!("notification server: {}", running.ns);
    println!("switchboard server: {}", running.sb);
    if let Some(h) = running.http {
        println!("passport: http://{h}/NotRST.srf");
    }
    if a.demo {
        println!("demo accounts:");
        for (e, p, _) in DEMO_USERS {
            println!("  {e} / {p}");
        }
    }
    shutdown_signal().await;
    println!("shutting down");
    running.shutdown().await;
    std::process::ExitCode::SUCCESS
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
