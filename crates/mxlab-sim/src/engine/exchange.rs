//! The SMTP conversation of one delivery attempt, behind a small trait so
//! that `mxlab-proto`'s client and server sessions slot in.
//!
//! The host's policy decides (accept this recipient? greylist? too big?)
//! and the exchange plays the conversation; [`super::ProtoExchange`] does
//! it with `mxlab-proto`'s client and server sessions, byte for byte.

use crate::diagnostic::Diagnostic;

/// The host's answer to one stage of a transaction.
pub type Decision = Result<(), Diagnostic>;

/// How the two ends of a connection are set up: what the server offers and
/// requires, what the client brings, and the faults in the way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionOptions {
    /// The server offers STARTTLS (RFC 3207).
    pub offer_starttls: bool,
    /// The server refuses MAIL before STARTTLS.
    pub tls_required: bool,
    /// The TLS handshake fails (a fault).
    pub tls_fails: bool,
    /// The server offers AUTH (it has accounts).
    pub offer_auth: bool,
    /// The server refuses MAIL before AUTH.
    pub auth_required: bool,
    /// The server's accounts (user, password).
    pub accounts: Vec<(String, String)>,
    /// The server refuses every AUTH (a fault).
    pub auth_fails: bool,
    /// The client's login, if it has one.
    pub client_login: Option<(String, String)>,
    /// How the server treats a bare CR or LF.
    pub bare_line_policy: mxlab_proto::wire::BareLinePolicy,
}

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
    /// How the session is set up.
    pub session: SessionOptions,
}

/// One line on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireLine {
    /// True when the client sent it.
    pub from_client: bool,
    /// Where its octets (CRLF included) start in the result's octets.
    pub start: usize,
    /// How many octets.
    pub len: usize,
    /// Sent in the same write as the line before (the lines of a
    /// multi-line reply, a pipelined group of commands, the message
    /// content): it travels with it rather than a round trip later.
    pub same_write: bool,
}

/// A second message the server read out of the first one's data: what
/// SMTP smuggling produces when a lenient server sees an end of data the
/// client did not mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmuggledMessage {
    /// Its envelope sender (forged by whoever wrote the payload).
    pub mail_from: String,
    /// Its recipients.
    pub rcpts: Vec<String>,
    /// Its content.
    pub content: String,
}

/// What one transaction produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionResult {
    /// The lines, in order.
    pub lines: Vec<WireLine>,
    /// The octets of every line, one after another.
    pub octets: Vec<u8>,
    /// Each recipient's outcome, in request order.
    pub outcomes: Vec<Decision>,
    /// A TLS handshake: the number of lines before it, and whether it worked.
    pub tls: Option<(usize, bool)>,
    /// The client authenticated.
    pub authenticated: bool,
    /// Messages smuggled past the end of data.
    pub smuggled: Vec<SmuggledMessage>,
}

impl TransactionResult {
    /// The octets of one of its lines.
    pub fn line(&self, line: &WireLine) -> &[u8] {
        self.octets
            .get(line.start..line.start.saturating_add(line.len))
            .unwrap_or_default()
    }
}

/// Plays one SMTP transaction between a client and a server.
pub trait SmtpExchange {
    /// The conversation and its per-recipient outcomes.
    fn transact(&mut self, req: &TransactionRequest<'_>) -> TransactionResult;

    /// Takes back a result's buffers (lines and octets), for the next
    /// transaction to reuse.
    fn recycle(&mut self, _lines: Vec<WireLine>, _octets: Vec<u8>) {}
}
