//! Sign-in settings, remembered in localStorage when the user asks.

use gloo::storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

const KEY: &str = "msn-web.settings";

/// What the sign-in form holds. The password is stored only when
/// `remember_password` is set by the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Settings {
    /// WebSocket URL of the relay; empty = same origin `/ws`.
    pub relay: String,
    /// `host:port` of the server; empty = the relay's default upstream.
    pub server: String,
    /// `auto` or `MSNP2`..`MSNP12`.
    pub protocol: String,
    /// URL of the `POST /NotRST.srf` ticket endpoint (TWN logins).
    pub passport: String,
    pub email: String,
    #[serde(default)]
    pub password: String,
    /// Three-letter initial status.
    pub status: String,
    pub remember: bool,
    pub remember_password: bool,
    /// Font family of my messages (empty: the default).
    #[serde(default)]
    pub font: String,
    /// Colour of my messages, 0xRRGGBB.
    #[serde(default)]
    pub color: u32,
}

impl Settings {
    pub fn load() -> Settings {
        let mut s: Settings = LocalStorage::get(KEY).unwrap_or_default();
        if s.protocol.is_empty() {
            s.protocol = "auto".into();
        }
        if s.status.is_empty() {
            s.status = "NLN".into();
        }
        s
    }

    /// Remember (or forget) after a sign-in attempt, as the user chose.
    pub fn save(&self) {
        if !self.remember {
            LocalStorage::delete(KEY);
            return;
        }
        let mut s = self.clone();
        if !s.remember_password {
            s.password.clear();
        }
        let _ = LocalStorage::set(KEY, s);
    }
}
