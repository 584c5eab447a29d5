//! `mxlab-proto` is the sans-IO SMTP protocol core of MX Lab.
//!
//! It parses and formats the SMTP grammar of RFC 5321 and drives client and
//! server sessions as pure state machines. It is **not** a network library:
//! it performs no I/O, reads no clock and draws no randomness. Bytes and the
//! current time are passed in; bytes to send, events and timeouts come out.
//!
//! | Module | What |
//! |---|---|
//! | [`server`] | the server session: greeting, EHLO, sequence rules, STARTTLS, AUTH, DATA, limits, timeouts, policy events |
//! | [`client`] | the client session: transactions, EHLO/HELO fallback, pipelining, per-recipient outcomes |
//! | [`command`], [`path`], [`reply`] | the RFC 5321 grammar, parsed and formatted |
//! | [`wire`] | line and data readers, dot-stuffing, the bare CR/LF policy |
//! | [`message`] | `Received:` fields, hop counts, header summary, RFC 3464 DSNs |
//! | [`explain`] | plain-English text and RFC section for codes, states, commands |
//! | [`sasl`] | PLAIN and LOGIN |
//! | [`limits`] | RFC 5321 §4.5.3 sizes and timeouts |
//! | [`hash`] | FNV-1a, MX Lab's one stable hash of bytes |
//!
//! `PROTOCOL.md` next to this crate's manifest lists every command,
//! extension, reply and limit supported, with its RFC.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The version of the protocol core, as shown in MX Lab's status line.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub mod session;

pub use compact_str::CompactString;
pub use session::{ClientState, Input, Instant, Output, ServerState};
pub mod client;
pub mod command;
pub mod explain;
pub mod hash;
pub mod limits;
pub mod message;
pub mod path;
pub mod reply;
pub mod sasl;
pub mod server;
pub mod wire;
