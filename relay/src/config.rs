//! What the relay may connect to and whom it serves.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// `host:port` or `host:low-high`. The host is compared as written
/// (case-insensitive); resolved addresses are checked separately.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetPattern {
    pub host: String,
    pub ports: (u16, u16),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad target pattern {0:?}: want HOST:PORT or HOST:LOW-HIGH")]
pub struct BadPattern(pub String);

impl std::str::FromStr for TargetPattern {
    type Err = BadPattern;
    fn from_str(s: &str) -> Result<Self, BadPattern> {
        let bad = || BadPattern(s.to_owned());
        let (host, ports) = s.rsplit_once(':').ok_or_else(bad)?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(bad());
        }
        let ports = match ports.split_once('-') {
            Some((a, b)) => (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?),
            None => {
                let p = ports.parse().map_err(|_| bad())?;
                (p, p)
            }
        };
        if ports.0 == 0 || ports.0 > ports.1 {
            return Err(bad());
        }
        Ok(TargetPattern { host: host.to_ascii_lowercase(), ports })
    }
}

impl TargetPattern {
    pub fn matches(&self, host: &str, port: u16) -> bool {
        self.host.eq_ignore_ascii_case(host) && (self.ports.0..=self.ports.1).contains(&port)
    }
    /// A pattern naming an IP literal allows that address even if private.
    pub fn literal_ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }
}

/// Loopback, private, link-local, multicast, unspecified and similar: never
/// reachable through the relay unless explicitly allowed.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_multicast() || v4.is_unspecified() || v4.is_broadcast()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xC0) == 64 // CGNAT 100.64/10
                || v4.octets()[0] == 0
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_internal(IpAddr::V4(v4)))
        }
    }
}

/// Everything the relay needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Where `/ws` without `?target=` goes.
    pub upstream: String,
    pub allow: Vec<TargetPattern>,
    /// Reach internal addresses even through names (for private deployments).
    pub allow_private: bool,
    /// Allowed `Origin` values, e.g. `https://chat.example`; the relay's own
    /// origin is always allowed.
    pub allow_origins: Vec<String>,
    pub allow_no_origin: bool,
    pub static_dir: Option<std::path::PathBuf>,
    pub max_connections: usize,
    pub max_per_ip: usize,
    pub connect_timeout: Duration,
    pub idle_timeout: Duration,
    /// Largest WebSocket message accepted from a browser.
    pub max_message: usize,
    /// How long to let connections finish on shutdown.
    pub drain_timeout: Duration,
    /// How long a connection may take to send its request head (slowloris).
    pub header_timeout: Duration,
    /// Longest life of a plain HTTP connection, keep-alive included (a
    /// WebSocket's HTTP part ends at its upgrade).
    pub http_lifetime: Duration,
    /// Ping interval for keep-alive.
    pub ping_interval: Duration,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Config {
    /// Defaults for an upstream: the upstream itself and the switchboard
    /// ports of the same host (1863-1865, MSN's and the devserver's).
    pub fn new(listen: SocketAddr, upstream: &str) -> Result<Config, BadPattern> {
        let up: TargetPattern = upstream.parse()?;
        let sb = TargetPattern { host: up.host.clone(), ports: (1863, 1865) };
        Ok(Config {
            listen,
            upstream: upstream.to_owned(),
            allow: vec![up, sb],
            allow_private: false,
            allow_origins: vec![],
            allow_no_origin: false,
            static_dir: None,
            max_connections: 10_000,
            max_per_ip: 64,
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(300),
            max_message: 64 * 1024,
            drain_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            http_lifetime: Duration::from_secs(120),
            ping_interval: Duration::from_secs(30),
            trusted_proxies: vec![],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let p: TargetPattern = "msn.example:1863-1865".parse().unwrap();
        assert!(p.matches("MSN.example", 1864));
        assert!(!p.matches("msn.example", 1866));
        assert!(!p.matches("evil.example", 1863));
        assert!("nohost".parse::<TargetPattern>().is_err());
        assert!("h:9-1".parse::<TargetPattern>().is_err());
        assert_eq!("[::1]:80".parse::<TargetPattern>().unwrap().literal_ip(), Some("::1".parse().unwrap()));
    }

    #[test]
    fn internal_addresses() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.5",
            "169.254.1.1",
            "224.0.0.1",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_internal(a.parse().unwrap()), "{a}");
        }
        for a in ["8.8.8.8", "2001:4860:4860::8888"] {
            assert!(!is_internal(a.parse().unwrap()), "{a}");
        }
    }
}
