//! What a server session is configured with: the extensions it offers
//! ([`Extensions`]) and what it says and enforces ([`ServerConfig`]).

use crate::limits;
use crate::path::PathOptions;
use crate::reply::Reply;
use crate::wire::BareLinePolicy;
use core::time::Duration;

/// What the server advertises in its EHLO reply and therefore accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Extensions {
    /// PIPELINING (RFC 2920). Commands are always answered in order; this
    /// only controls the advertisement.
    pub pipelining: bool,
    /// SIZE with the fixed maximum message size in octets (RFC 1870);
    /// `Some(0)` advertises SIZE with no fixed limit.
    pub size: Option<u64>,
    /// 8BITMIME (RFC 6152).
    pub eight_bit_mime: bool,
    /// ENHANCEDSTATUSCODES (RFC 2034). When off, replies carry no enhanced codes.
    pub enhanced_status_codes: bool,
    /// DSN (RFC 3461): NOTIFY, ORCPT, RET, ENVID.
    pub dsn: bool,
    /// STARTTLS (RFC 3207), offered until TLS is in place.
    pub starttls: bool,
    /// AUTH PLAIN LOGIN (RFC 4954).
    pub auth: bool,
    /// SMTPUTF8 (RFC 6531).
    pub smtputf8: bool,
}

impl Default for Extensions {
    fn default() -> Self {
        Extensions {
            pipelining: true,
            size: Some(10_240_000),
            eight_bit_mime: true,
            enhanced_status_codes: true,
            dsn: true,
            starttls: false,
            auth: false,
            smtputf8: true,
        }
    }
}

/// A server's configuration: what it says, offers and enforces.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ServerConfig {
    /// The host name in the greeting and replies.
    pub hostname: String,
    /// The greeting text after the host name.
    pub banner: String,
    /// Greet with 554 instead of 220: no service here (RFC 5321 §3.1).
    pub refuse: bool,
    /// Replaces the greeting (a forced 421 or 554, say). A 421 greeting
    /// closes the connection at once; any other non-220 reply leaves the
    /// session answering 503 to everything but QUIT (RFC 5321 §3.1).
    pub greeting_reply: Option<Reply>,
    /// Answers HELO and EHLO with this refusal instead of 250 (a forced
    /// reply at the hello stage). A 421 closes the connection.
    pub hello_reply: Option<Reply>,
    /// Understand EHLO. When off the server behaves like an RFC 821 server
    /// and answers EHLO with 500, so clients fall back to HELO (§3.2).
    pub esmtp: bool,
    /// The extensions offered.
    pub extensions: Extensions,
    /// AUTH is only offered and accepted over TLS (538 5.7.11 otherwise).
    pub auth_requires_tls: bool,
    /// MAIL is refused until the client authenticates (530 5.7.0).
    pub require_auth: bool,
    /// MAIL is refused until the client issues STARTTLS (530 5.7.0).
    pub require_tls: bool,
    /// Recipients per transaction before 452 4.5.3 (at least 100, §4.5.3.1.8).
    pub max_recipients: usize,
    /// Protocol errors tolerated before 421 and closing (Postfix's
    /// `smtpd_hard_error_limit`).
    pub max_errors: u32,
    /// How bare CR / LF are treated in data and command lines.
    pub bare_line_policy: BareLinePolicy,
    /// Path leniency (unqualified local users, missing brackets).
    pub paths: PathOptions,
    /// How long to wait for the next command or data (§4.5.3.2.7).
    pub timeout: Duration,
}

impl ServerConfig {
    /// A configuration with sensible defaults for `hostname`.
    pub fn new(hostname: impl Into<String>) -> ServerConfig {
        ServerConfig {
            hostname: hostname.into(),
            banner: "ESMTP MX Lab".into(),
            refuse: false,
            greeting_reply: None,
            hello_reply: None,
            esmtp: true,
            extensions: Extensions::default(),
            auth_requires_tls: true,
            require_auth: false,
            require_tls: false,
            max_recipients: limits::MIN_RECIPIENTS,
            max_errors: 20,
            bare_line_policy: BareLinePolicy::Strict,
            paths: PathOptions::default(),
            timeout: limits::SERVER_TIMEOUT,
        }
    }
}
