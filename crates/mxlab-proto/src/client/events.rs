//! What a client session tells its host: the [`ClientEvent`]s, with the
//! [`Stage`] a reply came at and the outcomes of each recipient
//! ([`RecipientOutcome`]), transaction ([`TransactionOutcome`]) and of the
//! connection as a whole ([`ConnectionOutcome`]).

use crate::path::ForwardPath;
use crate::reply::Reply;
use compact_str::CompactString;

/// The stage of the conversation a reply came at.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Stage {
    /// Before the greeting (connection problems).
    Connect,
    /// The greeting.
    Greeting,
    /// EHLO or HELO.
    Hello,
    /// STARTTLS or the handshake.
    StartTls,
    /// AUTH.
    Auth,
    /// MAIL FROM.
    Mail,
    /// RCPT TO.
    Rcpt,
    /// DATA (the 354).
    Data,
    /// The final dot.
    EndOfData,
    /// Checked locally before sending (SIZE, SMTPUTF8).
    Local,
}

/// What happened to one recipient.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RecipientOutcome {
    /// The recipient.
    pub rcpt: ForwardPath,
    /// The reply that decided: 2xx delivered, 4xx try later, 5xx failed.
    pub reply: Reply,
    /// The stage of that reply.
    pub stage: Stage,
    /// The reply was made up by the client (timeout, lost connection,
    /// local check), not received from the server.
    pub local: bool,
}

impl RecipientOutcome {
    /// The server took responsibility for the message.
    pub fn is_delivered(&self) -> bool {
        self.reply.code.is_positive()
    }

    /// Try again later (4xx, or a connection problem).
    pub fn is_transient(&self) -> bool {
        !self.is_delivered() && !self.reply.code.is_permanent()
    }

    /// Failed for good (5xx): a bounce.
    pub fn is_permanent(&self) -> bool {
        self.reply.code.is_permanent()
    }
}

/// The result of one transaction (or of the part of it a follow-up
/// transaction carried, with the same `id`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TransactionOutcome {
    /// The index of the transaction as given to the session.
    pub id: usize,
    /// One outcome per recipient settled by this transaction.
    pub rcpts: Vec<RecipientOutcome>,
}

/// What the connection as a whole came to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ConnectionOutcome {
    /// The greeting, if one came.
    pub greeting: Option<Reply>,
    /// EHLO worked (rather than HELO).
    pub esmtp: bool,
    /// The EHLO keywords offered (last EHLO).
    pub extensions: Vec<CompactString>,
    /// TLS was established.
    pub tls: bool,
    /// AUTH succeeded.
    pub authenticated: bool,
    /// Why the connection ended before a clean QUIT, if it did.
    pub error: Option<String>,
    /// The 221 to QUIT, if it came.
    pub quit: Option<Reply>,
}

/// What a client session tells its host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientEvent {
    /// A reply was read (every reply, in order, for the transcript).
    Reply(Reply),
    /// TLS is in place.
    TlsEstablished,
    /// One transaction is settled.
    TransactionDone(TransactionOutcome),
    /// The session is over (boxed: the other events stay small).
    Finished(Box<ConnectionOutcome>),
}
