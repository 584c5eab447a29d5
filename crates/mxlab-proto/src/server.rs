//! The server side of an SMTP connection, as a sans-IO state machine.
//!
//! ```
//! use mxlab_proto::server::{Decision, ServerConfig, ServerEvent, ServerSession};
//! use mxlab_proto::{Input, Instant, Output};
//!
//! let now = Instant::ZERO;
//! let mut s = ServerSession::new(ServerConfig::new("mx.example.org"), now);
//! s.handle_input(now, Input::Bytes(b"EHLO client.example\r\nMAIL FROM:<a@example.org>\r\n"));
//! let mut sent = Vec::new();
//! while let Some(out) = s.poll_output() {
//!     match out {
//!         Output::Transmit(bytes) => sent.extend(bytes),
//!         Output::Event(ServerEvent::MailFrom { .. }) => s.decide(now, Decision::Accept),
//!         _ => {}
//!     }
//! }
//! assert!(String::from_utf8_lossy(&sent).ends_with("250 2.1.0 Ok\r\n"));
//! ```
//!
//! The session asks its host about everything that is a matter of policy
//! (a sender, a recipient, a message, credentials) with an event, and waits
//! for [`ServerSession::decide`]. Input that arrives meanwhile (pipelined
//! commands) is kept and processed, in order, once the decision is in.
//! Everything that is a matter of protocol it answers itself, with the reply
//! codes of RFC 5321 §4.2 and the enhanced codes of RFC 3463.
//!
//! | Room | What |
//! |---|---|
//! | (this file) | [`ServerSession`] and the state it keeps between inputs |
//! | `config` | [`Extensions`], [`ServerConfig`] |
//! | `events` | [`ServerEvent`], [`Envelope`], [`CloseReason`], [`Decision`] |
//! | `session` | the session loop: inputs, decisions, outputs, timers, replies |
//! | `dispatch` | one command line in, the session-wide commands answered |
//! | `negotiation` | the EHLO keywords, AUTH |
//! | `transaction` | MAIL, RCPT, DATA and the end of the data |

use std::collections::VecDeque;

use crate::command::{MailParams, RcptParams};
use crate::path::{ForwardPath, ReversePath};
use crate::session::{Instant, Output, ServerState};
use crate::wire::{DataReader, LineReader, Spare};
use crate::CompactString;

mod config;
mod dispatch;
mod events;
mod negotiation;
mod session;
mod transaction;

pub use config::{Extensions, ServerConfig};
pub use events::{CloseReason, Decision, Envelope, ServerEvent};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Pending {
    Auth(String),
    Mail(ReversePath, MailParams),
    Rcpt(ForwardPath, RcptParams),
    Message,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum AuthStep {
    PlainResponse,
    LoginUser,
    LoginPassword(String),
}

#[derive(Clone, Debug)]
enum Mode {
    Command,
    Auth(AuthStep),
    Data(Box<DataReader>),
}

/// A server session: one SMTP connection seen from the server.
#[derive(Clone, Debug)]
pub struct ServerSession {
    config: ServerConfig,
    state: ServerState,
    mode: Mode,
    lines: LineReader,
    inbuf: Vec<u8>,
    pos: usize,
    out: VecDeque<Output<ServerEvent>>,
    close_after: bool,
    start_tls_after: bool,
    deadline: Option<Instant>,
    /// A whole line (or a decision, or TLS) since the timer was last set:
    /// only that restarts it (RFC 5321 §4.5.3.2.7 times each command, so
    /// a peer trickling bytes of a line does not keep the session open).
    heard: bool,
    pending: Option<Pending>,
    helo: Option<(bool, String)>,
    tls: bool,
    auth_user: Option<String>,
    from: Option<(ReversePath, MailParams)>,
    rcpts: Vec<(ForwardPath, RcptParams)>,
    rcpt_attempts: usize,
    errors: u32,
    /// Transmitted buffers given back, for the next output.
    spare: Spare,
}

const AUTH_LINE: usize = 12_288; // RFC 4954 §4

/// The parts one after another (short texts are kept inline).
fn joined(parts: &[&str]) -> CompactString {
    let mut out = CompactString::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

/// The buffers a session starts with: empty ones, or a finished session's.
#[derive(Default)]
struct Room {
    lines: Option<LineReader>,
    inbuf: Vec<u8>,
    out: VecDeque<Output<ServerEvent>>,
    rcpts: Vec<(ForwardPath, RcptParams)>,
    spare: Spare,
}

#[cfg(test)]
mod tests;
