//! What a server session tells its host and what the host answers: the
//! [`ServerEvent`]s (with the [`Envelope`] of an accepted message and the
//! [`CloseReason`]) and the [`Decision`]s given back.

use crate::command::{MailParams, RcptParams};
use crate::path::{ForwardPath, ReversePath};
use crate::reply::Reply;
use crate::sasl::Credentials;

/// The envelope of a transaction, as the server accepted it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Envelope {
    /// The HELO/EHLO argument.
    pub helo: String,
    /// Whether the client used EHLO.
    pub esmtp: bool,
    /// Whether the connection is under TLS.
    pub tls: bool,
    /// The authenticated user, if any.
    pub auth: Option<String>,
    /// The reverse-path.
    pub from: ReversePath,
    /// MAIL parameters.
    pub mail_params: MailParams,
    /// The accepted recipients, in order.
    pub rcpts: Vec<(ForwardPath, RcptParams)>,
}

impl Envelope {
    /// The sender's address, empty for the null reverse-path `<>`.
    pub fn sender(&self) -> String {
        self.from
            .mailbox()
            .map(|m| m.to_string())
            .unwrap_or_default()
    }

    /// Each accepted recipient's address, in order; `<Postmaster>` (no
    /// domain, RFC 5321 §4.5.1) as `postmaster`.
    pub fn recipients(&self) -> Vec<String> {
        self.rcpts
            .iter()
            .map(|(r, _)| r.mailbox().map_or("postmaster".into(), |m| m.to_string()))
            .collect()
    }
}

/// Why a session closed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CloseReason {
    /// The client sent QUIT.
    Quit,
    /// The client went away.
    PeerClosed,
    /// No input within the timeout (421 4.4.2).
    Timeout,
    /// Too many protocol errors (421 4.7.0).
    TooManyErrors,
    /// The host shut the session down (421 4.3.2).
    Shutdown,
    /// The TLS handshake failed.
    TlsFailed,
}

/// What a server session tells or asks its host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerEvent {
    /// The client said HELO or EHLO.
    Hello {
        /// EHLO rather than HELO.
        esmtp: bool,
        /// The argument.
        domain: String,
    },
    /// TLS is in place; the client must say EHLO again (RFC 3207 §4.2).
    TlsEstablished,
    /// Decide: are these credentials good? Accept → 235, Reject → the reply
    /// (typically 535 5.7.8).
    AuthRequest {
        /// PLAIN or LOGIN.
        mechanism: String,
        /// The credentials sent.
        credentials: Credentials,
    },
    /// Decide: accept this sender? Accept → 250 2.1.0.
    MailFrom {
        /// The reverse-path.
        from: ReversePath,
        /// Its parameters.
        params: MailParams,
    },
    /// Decide: accept this recipient? Accept → 250 2.1.5; reject with 550
    /// (unknown user), 551/554 (relay denied), 450/451 (greylisting), 452…
    RcptTo {
        /// The forward-path.
        to: ForwardPath,
        /// Its parameters.
        params: RcptParams,
        /// The sender of the transaction.
        from: ReversePath,
    },
    /// Decide: take responsibility for this message? Accept → 250 2.0.0
    /// (use [`Decision::AcceptWith`] to give a queue id), or a 4xx/5xx.
    Message {
        /// The envelope (boxed: the other events stay small).
        envelope: Box<Envelope>,
        /// The message, dot-stuffing removed.
        content: Vec<u8>,
        /// How the end of data was written (differs from `\r\n.\r\n` only
        /// under the lenient policy: the smuggling ambiguity).
        terminator: &'static str,
    },
    /// The transaction was reset (RSET, EHLO, HELO, STARTTLS).
    Reset,
    /// The session is over.
    Closed(CloseReason),
}

/// The host's answer to a question asked with an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Accept with the standard reply.
    Accept,
    /// Accept with this (2xx) reply.
    AcceptWith(Reply),
    /// Refuse with this (4xx/5xx) reply.
    Reject(Reply),
}

impl Decision {
    /// The standard refusal of an `AuthRequest`: 535 5.7.8 (RFC 4954 §6).
    pub fn bad_credentials() -> Decision {
        Decision::Reject(Reply::enhanced(
            535,
            (5, 7, 8),
            "Authentication credentials invalid",
        ))
    }
}
