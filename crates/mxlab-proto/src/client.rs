//! The client side of an SMTP connection, as a sans-IO state machine.
//!
//! A client session runs one or more mail transactions over one connection
//! and then says QUIT. It introduces itself with EHLO and falls back to
//! HELO when the server answers 500 or 502 (RFC 5321 §3.2); it uses what
//! the server advertises: PIPELINING (RFC 2920) to send MAIL, every RCPT
//! and DATA in one go, SIZE (RFC 1870) to refuse locally a message the
//! server would refuse, STARTTLS (RFC 3207) when offered or required, or
//! TLS from the first byte ([`TlsPolicy::Implicit`], RFC 8314 §3), AUTH
//! (RFC 4954) when credentials are configured, 8BITMIME, SMTPUTF8 and DSN
//! parameters only when offered. The body crosses the connection once per
//! transaction, whatever the number of recipients, and is dot-stuffed
//! (§4.5.2).
//!
//! Every recipient ends with a [`RecipientOutcome`]: the reply that decided
//! its fate (received, or made up locally when the connection failed,
//! marked `local`) and the stage it came at. A recipient refused with
//! 452 4.5.3 (too many recipients) after others were accepted is carried
//! into a follow-up transaction on the same connection (§4.5.3.1.10).
//!
//! ```
//! use mxlab_proto::client::{ClientConfig, ClientSession, Transaction};
//! use mxlab_proto::path::{ForwardPath, PathOptions, ReversePath};
//! use mxlab_proto::{Input, Instant, Output};
//!
//! let tx = Transaction::new(
//!     ReversePath::parse("<alice@example.org>", PathOptions::default()).unwrap(),
//!     vec![ForwardPath::parse("<bob@example.net>", PathOptions::default()).unwrap()],
//!     b"Subject: hi\r\n\r\nHello\r\n".to_vec(),
//! );
//! let mut c = ClientSession::new(ClientConfig::new("client.example.org"), vec![tx], Instant::ZERO);
//! c.handle_input(Instant::ZERO, Input::Bytes(b"220 mx.example.net ESMTP\r\n"));
//! let mut sent = Vec::new();
//! while let Some(out) = c.poll_output() {
//!     if let Output::Transmit(b) = out { sent.extend(b) }
//! }
//! assert_eq!(sent, b"EHLO client.example.org\r\n");
//! ```
//!
//! | Room | What |
//! |---|---|
//! | (this file) | [`ClientSession`] and the state it keeps between inputs |
//! | `config` | [`TlsPolicy`], [`Timeouts`], [`ClientConfig`], [`Transaction`] |
//! | `events` | [`ClientEvent`], [`Stage`], [`RecipientOutcome`], [`TransactionOutcome`], [`ConnectionOutcome`] |
//! | `session` | the session loop: inputs, outputs, timers, replies, closing |
//! | `negotiation` | EHLO/HELO, the offered keywords, STARTTLS, AUTH |
//! | `transaction` | MAIL, RCPT, DATA and the end of the data |

use std::collections::VecDeque;

use core::time::Duration;

use crate::reply::{Reply, ReplyError, ReplyParser};
use crate::session::{ClientState, Instant, Output};
use crate::wire::Spare;

mod config;
mod events;
mod negotiation;
mod session;
mod transaction;

pub use config::{ClientConfig, Timeouts, TlsPolicy, Transaction};
pub use events::{ClientEvent, ConnectionOutcome, RecipientOutcome, Stage, TransactionOutcome};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Expect {
    Greeting,
    Ehlo,
    Helo,
    StartTls,
    Auth,
    AuthLoginUser,
    AuthLoginPassword,
    Mail,
    Rcpt(usize),
    Data,
    EndOfData,
    LoneDot,
    Rset,
    Quit,
}

#[derive(Clone, Debug)]
struct Active {
    id: usize,
    tx: Transaction,
    mail_ok: Option<bool>,
    accepted: Vec<usize>,
    carried: Vec<usize>,
    settled: Vec<RecipientOutcome>,
    done: Vec<bool>,
}

impl Active {
    /// Records the outcome of recipient `i`, once.
    fn settle(&mut self, i: usize, reply: &Reply, stage: Stage, local: bool) {
        let Some(done) = self.done.get_mut(i) else {
            return;
        };
        if *done {
            return;
        }
        *done = true;
        if let Some((rcpt, _)) = self.tx.rcpts.get(i) {
            self.settled.push(RecipientOutcome {
                rcpt: rcpt.clone(),
                reply: reply.clone(),
                stage,
                local,
            });
        }
    }

    /// Every recipient not yet settled gets `reply`.
    fn settle_rest(&mut self, reply: &Reply, stage: Stage, local: bool) {
        for i in 0..self.tx.rcpts.len() {
            self.settle(i, reply, stage, local);
        }
    }
}

/// The buffers a session starts with: empty ones, or a finished session's.
type Room = (
    VecDeque<(usize, Transaction)>,
    VecDeque<Expect>,
    ReplyParser,
    Vec<Result<Reply, ReplyError>>,
    VecDeque<Output<ClientEvent>>,
    Spare,
);

/// A client session: one SMTP connection seen from the client.
#[derive(Clone, Debug)]
pub struct ClientSession {
    config: ClientConfig,
    state: ClientState,
    queue: VecDeque<(usize, Transaction)>,
    active: Option<Active>,
    expect: VecDeque<Expect>,
    parser: ReplyParser,
    /// Room for what the parser reads, reused from one input to the next.
    replies: Vec<Result<Reply, ReplyError>>,
    out: VecDeque<Output<ClientEvent>>,
    outcome: ConnectionOutcome,
    deadline: Option<Instant>,
    wait: Duration,
    size_limit: Option<u64>,
    start_tls_after: bool,
    closed: bool,
    quit_sent: bool,
    auth_login: bool,
    /// Transmitted buffers given back, for the next output.
    spare: Spare,
}

#[cfg(test)]
mod tests;
