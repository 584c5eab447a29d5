//! What a client session is configured with ([`ClientConfig`], with its
//! [`TlsPolicy`] and [`Timeouts`]) and what it is given to send
//! ([`Transaction`]).

use crate::command::{MailParams, RcptParams};
use crate::limits;
use crate::path::{ForwardPath, ReversePath};
use crate::sasl::Credentials;
use core::time::Duration;

#[cfg(doc)]
use super::{ClientEvent, ClientSession};
#[cfg(doc)]
use crate::session::{Input, Output};

/// When the client uses STARTTLS, or whether it speaks TLS from the start.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TlsPolicy {
    /// Never, even when offered.
    Never,
    /// When the server offers it; otherwise continue in plain text.
    #[default]
    Opportunistic,
    /// Always: give up (4.7.10, deferred) when the server does not offer it.
    Required,
    /// TLS from the first byte, as on the submissions port 465 (RFC 8314
    /// §3.3): the session asks for the handshake ([`Output::StartTls`])
    /// before anything else, reads the greeting only once TLS is in place
    /// ([`Input::TlsEstablished`]), and never sends STARTTLS. A failed
    /// handshake ends the connection (421 4.7.0, made up locally).
    Implicit,
}

/// How long to wait for each reply (RFC 5321 §4.5.3.2).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Timeouts {
    /// The 220 greeting (§4.5.3.2.1).
    pub greeting: Duration,
    /// EHLO, HELO, STARTTLS, AUTH, RSET, QUIT.
    pub command: Duration,
    /// MAIL (§4.5.3.2.2).
    pub mail: Duration,
    /// RCPT (§4.5.3.2.3).
    pub rcpt: Duration,
    /// The 354 to DATA (§4.5.3.2.4).
    pub data_initiation: Duration,
    /// The reply to the final dot (§4.5.3.2.6).
    pub data_termination: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            greeting: limits::INITIAL_220,
            command: limits::MAIL,
            mail: limits::MAIL,
            rcpt: limits::RCPT,
            data_initiation: limits::DATA_INITIATION,
            data_termination: limits::DATA_TERMINATION,
        }
    }
}

/// A client's configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClientConfig {
    /// The name sent with EHLO/HELO.
    pub helo_name: String,
    /// When to use STARTTLS.
    pub tls: TlsPolicy,
    /// Credentials for AUTH (PLAIN preferred, then LOGIN), if any.
    pub credentials: Option<Credentials>,
    /// Never send credentials without TLS.
    pub auth_requires_tls: bool,
    /// Use PIPELINING when offered.
    pub pipelining: bool,
    /// Reply timeouts.
    pub timeouts: Timeouts,
    /// Report every reply ([`ClientEvent::Reply`]) and, at the end, the
    /// connection's outcome ([`ClientEvent::Finished`]; it stays readable
    /// with [`ClientSession::outcome`]). A host that needs only each
    /// transaction's outcome turns this off, and the replies are not
    /// copied. (On when a serialized configuration leaves it out.)
    #[cfg_attr(feature = "serde", serde(default = "verbose_by_default"))]
    pub verbose_events: bool,
}

#[cfg(feature = "serde")]
fn verbose_by_default() -> bool {
    true
}

impl ClientConfig {
    /// A configuration with defaults: opportunistic TLS, pipelining, no AUTH.
    pub fn new(helo_name: impl Into<String>) -> ClientConfig {
        ClientConfig {
            helo_name: helo_name.into(),
            tls: TlsPolicy::Opportunistic,
            credentials: None,
            auth_requires_tls: true,
            pipelining: true,
            timeouts: Timeouts::default(),
            verbose_events: true,
        }
    }
}

/// One message to send: an envelope and the content.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Transaction {
    /// The reverse-path.
    pub from: ReversePath,
    /// MAIL parameters the caller wants (RET, ENVID…); SIZE, BODY and
    /// SMTPUTF8 are added by the session from the content and the offer.
    pub mail_params: MailParams,
    /// The recipients with their parameters (NOTIFY, ORCPT).
    pub rcpts: Vec<(ForwardPath, RcptParams)>,
    /// The message (headers and body), not dot-stuffed.
    pub content: Vec<u8>,
}

impl Transaction {
    /// A transaction with no parameters.
    pub fn new(from: ReversePath, rcpts: Vec<ForwardPath>, content: Vec<u8>) -> Transaction {
        Transaction {
            from,
            mail_params: MailParams::default(),
            rcpts: rcpts
                .into_iter()
                .map(|r| (r, RcptParams::default()))
                .collect(),
            content,
        }
    }
}
