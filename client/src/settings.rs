//! Sign-in settings, remembered in localStorage when the user asks.

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
        let mut s: Settings = crate::web::stored(KEY).unwrap_or_default();
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
            crate::web::forget(KEY);
            return;
        }
        let mut s = self.clone();
        if !s.remember_password {
            s.password.clear();
        }
        crate::web::store(KEY, &s);
    }
}

/// What a person sets for their account in the settings window; kept in
/// localStorage under their address, so that two accounts never share it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// Files offered to me larger than this (MiB) are declined.
    pub max_file_mib: u32,
    /// Tell me (a desktop notification while the page is out of sight) of
    /// new messages.
    pub notify_messages: bool,
    /// Tell me when a contact signs in (a toast, and a desktop notification
    /// while the page is out of sight).
    pub notify_signin: bool,
    /// Tell me of nudges while the page is out of sight.
    pub notify_nudges: bool,
    /// Short sounds for a message out of sight, a contact signing in, a nudge.
    pub sounds: bool,
    /// Keep conversations in this browser; off, nothing is written.
    pub history: bool,
    pub theme: Theme,
}

impl Default for Prefs {
    fn default() -> Prefs {
        Prefs {
            max_file_mib: 200,
            notify_messages: true,
            notify_signin: true,
            notify_nudges: true,
            sounds: true,
            history: true,
            theme: Theme::System,
        }
    }
}

/// Light or dark: as the system says, or forced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    /// The `setting-theme` option value, and the page's `data-theme`.
    pub fn attr(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "As the system",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }

    pub fn from_attr(a: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.attr() == a)
    }
}

/// The largest file limit offered: a received file is held in memory.
pub const MAX_FILE_MIB: u32 = 1024;

impl Prefs {
    fn key(account: &str) -> String {
        format!("msn-web.prefs.{}", crate::web::lower(account))
    }

    pub fn load(account: &str) -> Prefs {
        crate::web::stored::<Prefs>(&Prefs::key(account)).unwrap_or_default().checked()
    }

    pub fn save(&self, account: &str) {
        crate::web::store(&Prefs::key(account), self);
    }

    /// Within what the app can honour, whatever was stored or typed.
    pub fn checked(mut self) -> Prefs {
        self.max_file_mib = self.max_file_mib.clamp(1, MAX_FILE_MIB);
        self
    }

    pub fn max_file_bytes(&self) -> u64 {
        u64::from(self.max_file_mib) << 20
    }
}
