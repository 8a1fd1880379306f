//! `relay`: run the WebSocket-to-TCP relay.

use clap::{CommandFactory, FromArgMatches, Parser, parser::ValueSource};
use relay::{Config, TargetPattern};
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Lets browsers open TCP connections to MSN servers: one WebSocket at
/// /ws (or /ws?target=HOST:PORT) is one TCP connection. It forwards bytes and
/// never reads them. Only allow-listed targets and origins are served.
///
/// Every option can also come from the environment (RELAY_*) or from a TOML
/// file given with --config, whose keys are the option names with
/// underscores (allow_origin = ["https://chat.example"]). Command line beats
/// environment beats file.
#[derive(Parser, Debug)]
#[command(version, about, long_about)]
struct Args {
    /// TOML file with any of these options.
    #[arg(long, env = "RELAY_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "RELAY_LISTEN")]
    listen: SocketAddr,
    /// Default upstream for /ws without ?target= (the dispatch or notification server).
    #[arg(long, default_value = "127.0.0.1:1863", env = "RELAY_UPSTREAM")]
    upstream: String,
    /// Extra allowed target, HOST:PORT or HOST:LOW-HIGH; repeatable. The
    /// upstream and ports 1863-1865 of its host are always allowed.
    #[arg(long, env = "RELAY_ALLOW", value_delimiter = ',')]
    allow: Vec<String>,
    /// Let names resolve to private/loopback addresses (IP literals in an
    /// allow pattern are always taken as meant).
    #[arg(long, env = "RELAY_ALLOW_PRIVATE")]
    allow_private: bool,
    /// Allowed page origin, e.g. https://chat.example; repeatable. The relay's own origin is always allowed.
    #[arg(long, env = "RELAY_ALLOW_ORIGIN", value_delimiter = ',')]
    allow_origin: Vec<String>,
    /// Accept clients that send no Origin header (non-browser tools).
    #[arg(long, env = "RELAY_ALLOW_NO_ORIGIN")]
    allow_no_origin: bool,
    /// Serve the built client (dist/) from this folder on the same origin.
    #[arg(long = "static", env = "RELAY_STATIC")]
    static_dir: Option<PathBuf>,
    /// TLS certificate chain (PEM): serve HTTPS/WSS directly (or terminate TLS in nginx, see deploy/).
    #[arg(long, env = "RELAY_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = "RELAY_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Most WebSocket connections at once.
    #[arg(long, default_value_t = 10_000, env = "RELAY_MAX_CONNECTIONS")]
    max_connections: usize,
    /// Most connections from one client address.
    #[arg(long, default_value_t = 64, env = "RELAY_MAX_PER_IP")]
    max_per_ip: usize,
    /// Seconds to wait for the upstream TCP connection.
    #[arg(long, default_value_t = 10, env = "RELAY_CONNECT_TIMEOUT")]
    connect_timeout: u64,
    /// Seconds without a frame from the browser or bytes from the server
    /// before a connection is closed. Browsers answer the relay's pings, so
    /// in practice this ends connections whose browser has vanished.
    #[arg(long, default_value_t = 300, env = "RELAY_IDLE_TIMEOUT")]
    idle_timeout: u64,
    /// Largest WebSocket message accepted, in bytes.
    #[arg(long, default_value_t = 65536, env = "RELAY_MAX_MESSAGE")]
    max_message: usize,
    /// Proxy address whose X-Forwarded-For is trusted; repeatable.
    #[arg(long, env = "RELAY_TRUSTED_PROXY", value_delimiter = ',')]
    trusted_proxy: Vec<IpAddr>,
    /// Seconds to let connections drain on shutdown.
    #[arg(long, default_value_t = 10, env = "RELAY_DRAIN_TIMEOUT")]
    drain_timeout: u64,
}

/// The same options, from a file.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    upstream: Option<String>,
    allow: Option<Vec<String>>,
    allow_private: Option<bool>,
    allow_origin: Option<Vec<String>>,
    allow_no_origin: Option<bool>,
    #[serde(rename = "static")]
    static_dir: Option<PathBuf>,
    max_connections: Option<usize>,
    max_per_ip: Option<usize>,
    connect_timeout: Option<u64>,
    idle_timeout: Option<u64>,
    max_message: Option<usize>,
    trusted_proxy: Option<Vec<IpAddr>>,
    drain_timeout: Option<u64>,
}

fn load() -> Result<(Config, Option<(PathBuf, PathBuf)>), String> {
    let matches = Args::command().get_matches();
    let mut a = Args::from_arg_matches(&matches).map_err(|e| e.to_string())?;
    if let Some(path) = &a.config {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let f: FileConfig = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        // A file value applies where the option was left at its default.
        let unset = |id: &str| matches!(matches.value_source(id), None | Some(ValueSource::DefaultValue));
        macro_rules! take {
            ($($field:ident),*) => { $( if unset(stringify!($field)) { if let Some(v) = f.$field { a.$field = v.into(); } } )* };
        }
        take!(
            listen,
            upstream,
            allow,
            allow_private,
            allow_origin,
            allow_no_origin,
            max_connections,
            max_per_ip,
            connect_timeout,
            idle_timeout,
            max_message,
            trusted_proxy,
            drain_timeout
        );
        if unset("static_dir") && f.static_dir.is_some() {
            a.static_dir = f.static_dir;
        }
    }
    let mut c = Config::new(a.listen, &a.upstream).map_err(|e| e.to_string())?;
    for p in &a.allow {
        c.allow.push(p.parse::<TargetPattern>().map_err(|e| e.to_string())?);
    }
    c.allow_private = a.allow_private;
    c.allow_origins = a.allow_origin;
    c.allow_no_origin = a.allow_no_origin;
    c.static_dir = a.static_dir;
    c.max_connections = a.max_connections;
    c.max_per_ip = a.max_per_ip;
    c.connect_timeout = Duration::from_secs(a.connect_timeout);
    c.idle_timeout = Duration::from_secs(a.idle_timeout);
    c.max_message = a.max_message;
    c.trusted_proxies = a.trusted_proxy;
    c.drain_timeout = Duration::from_secs(a.drain_timeout);
    Ok((c, a.tls_cert.zip(a.tls_key)))
}

/// Descriptors a connection needs: the WebSocket and its TCP upstream.
const FDS_PER_CONNECTION: u64 = 2;
/// Descriptors kept for listeners, static files, logs and the runtime.
const FDS_SPARE: u64 = 64;

/// Raise the soft open-file limit as far as `--max-connections` needs (the
/// hard limit allows), and say so when the limit, not the flag, will be what
/// stops new connections: otherwise they would fail at accept, unexplained.
fn check_fd_limit(max_connections: usize) {
    let want = max_connections as u64 * FDS_PER_CONNECTION + FDS_SPARE;
    let have = rlimit::increase_nofile_limit(want).unwrap_or(0);
    if have < want {
        let fits = have.saturating_sub(FDS_SPARE) / FDS_PER_CONNECTION;
        tracing::warn!(
            "the open-file limit ({have}) allows about {fits} connections, fewer than --max-connections \
             ({max_connections}); raise it (ulimit -n, LimitNOFILE=) or lower --max-connections"
        );
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let (config, tls_files) = match load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("relay: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    check_fd_limit(config.max_connections);
    let tls = match &tls_files {
        Some((cert, key)) => match relay::tls::acceptor(cert, key) {
            Ok(a) => Some(a),
            Err(e) => {
                eprintln!("relay: {e}");
                return std::process::ExitCode::from(2);
            }
        },
        None => None,
    };
    let scheme = if tls.is_some() { ("wss", "https") } else { ("ws", "http") };
    let statics = config.static_dir.clone();
    let relay = match relay::start_with_tls(config, tls).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("relay: cannot listen: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("relay listening on {}://{}/ws", scheme.0, relay.addr);
    if statics.is_some() {
        println!("app: {}://{}/", scheme.1, relay.addr);
    }
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    println!("relay: draining connections");
    relay.shutdown().await;
    std::process::ExitCode::SUCCESS
}
