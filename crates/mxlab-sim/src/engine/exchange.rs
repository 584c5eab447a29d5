//! The SMTP conversation of one delivery attempt, behind a small trait so
//! that `mxlab-proto`'s client and server sessions slot in.
//!
//! The host's policy decides (accept this recipient? greylist? too big?)
//! and the exchange plays the conversation; [`super::ProtoExchange`] does
//! it with `mxlab-proto`'s client and server sessions, byte for byte.

use crate::diagnostic::Diagnostic;
use crate::trace::Octets;

/// The host's answer to one stage of a transaction.
pub type Decision = Result<(), Diagnostic>;

/// Everything an exchange needs to play one transaction.
#[derive(Debug, Clone)]
pub struct TransactionRequest<'a> {
    /// The client's host name.
    pub client: &'a str,
    /// The server's host name.
    pub server: &'a str,
    /// The greeting decision (a forced 421/554, or accept).
    pub greeting: Decision,
    /// The decision on EHLO (a forced reply, or accept).
    pub helo: Decision,
    /// The envelope sender; empty for the null reverse-path `<>`.
    pub mail_from: &'a str,
    /// The decision on MAIL FROM (size, disk full...).
    pub mail: Decision,
    /// Each recipient and the server's decision on it.
    pub recipients: &'a [(String, Decision)],
    /// The message (headers and body), CRLF line ends.
    pub content: &'a str,
    /// The decision after the final dot.
    pub data: Decision,
}

/// One line on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireLine {
    /// True when the client sent it.
    pub from_client: bool,
    /// Its octets, CRLF included.
    pub octets: Octets,
    /// Sent in the same write as the line before (the lines of a
    /// multi-line reply, a pipelined group of commands, the message
    /// content): it travels with it rather than a round trip later.
    pub same_write: bool,
}

/// What one transaction produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionResult {
    /// The lines, in order.
    pub lines: Vec<WireLine>,
    /// Each recipient's outcome, in request order.
    pub outcomes: Vec<Decision>,
}

/// Plays one SMTP transaction between a client and a server.
pub trait SmtpExchange {
    /// The conversation and its per-recipient outcomes.
    fn transact(&mut self, req: &TransactionRequest<'_>) -> TransactionResult;
}
