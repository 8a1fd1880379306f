//! # msnp: the MSN Messenger protocol, sans I/O
//!
//! MSNP2 through MSNP12 as a library that never touches a socket or a clock:
//! bytes go in, typed events and bytes to write come out. The same code runs
//! in the browser client (wasm32) and in the native development server.
//!
//! Three layers, each usable alone:
//! - [`types`]: validated wire values and typed commands;
//! - [`codec`]: framing (lines + length-prefixed payloads, with size caps) and
//!   decoding/encoding of commands; [`message`] for MIME message bodies;
//! - [`session`]: the notification-server and switchboard state machines.
//!
//! ```
//! use msnp::codec::{decode_server, Context, Direction, Framer, Limits};
//! use msnp::types::{Dialect, ServerCommand};
//!
//! let mut framer = Framer::new(Direction::ToClient, Limits::default());
//! framer.push(b"VER 1 MSNP8\r\nCHL 0 3118426661168722");
//! let frame = framer.next_frame().unwrap().unwrap();
//! let cmd = decode_server(&frame, Context::ns(Dialect::MSNP8)).unwrap();
//! assert!(matches!(cmd, ServerCommand::Ver { .. }));
//! assert!(framer.next_frame().unwrap().is_none()); // the CHL line is incomplete
//! ```
#![forbid(unsafe_code)]

pub mod auth;
pub mod codec;
pub mod message;
pub mod p2p;
pub mod session;
pub mod text;
pub mod types;
