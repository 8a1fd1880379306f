//! msn-web: MSN Messenger in the browser. The `msnp` crate does all protocol
//! work; this crate owns WebSockets, state and rendering.
#![forbid(unsafe_code)]
// Yew props hold callbacks, which have no useful Debug.
#![allow(missing_debug_implementations)]

pub mod app;
pub mod components;
pub mod emoticons;
pub mod file;
pub mod history;
pub mod net;
pub mod notify;
pub mod order;
pub mod picture;
pub mod settings;
pub mod sound;
pub mod state;
pub mod store;
pub mod view;
pub mod web;
