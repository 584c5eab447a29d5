//! `mxlab-proto` is the sans-IO SMTP protocol core of MX Lab.
//!
//! It parses and formats the SMTP grammar of RFC 5321 and drives client and
//! server sessions as pure state machines. It is **not** a network library:
//! it performs no I/O, reads no clock and draws no randomness. Bytes and the
//! current time are passed in; bytes to send, events and timeouts come out.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The version of the protocol core, as shown in MX Lab's status line.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub mod session;

pub use session::{ClientState, Input, Instant, Output, ServerState};
pub mod client;
pub mod command;
pub mod explain;
pub mod limits;
pub mod message;
pub mod path;
pub mod reply;
pub mod sasl;
pub mod server;
pub mod wire;
