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

use std::collections::VecDeque;

use core::time::Duration;
use std::borrow::Cow;

use crate::command::{Body, Command, CommandError, MailParams, ParseOptions, RcptParams};
use crate::limits;
use crate::path::{ForwardPath, PathOptions, ReversePath};
use crate::reply::{EnhancedCode, Reply};
use crate::sasl::{self, Credentials};
use crate::session::{Input, Instant, Output, ServerState};
use crate::wire::{BareLinePolicy, DataEnd, DataReader, LineEnding, LineReader, Spare};
use crate::CompactString;

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

impl ServerSession {
    /// A new session on a fresh connection: the greeting is queued.
    pub fn new(config: ServerConfig, now: Instant) -> ServerSession {
        ServerSession::start(config, now, Room::default())
    }

    /// A new session on a connection that is under TLS from its first byte
    /// (Implicit TLS, RFC 8314 §3: submission on port 465): the host has
    /// done the handshake before the greeting, which is queued. The session
    /// is as after a successful STARTTLS: it does not offer STARTTLS (and
    /// answers it 503, or 502 when not configured), offers and accepts AUTH
    /// where `auth_requires_tls`, lets MAIL through `require_tls`, and its
    /// envelopes say TLS (`with ESMTPS`, RFC 3848).
    pub fn new_implicit_tls(config: ServerConfig, now: Instant) -> ServerSession {
        let mut s = ServerSession::new(config, now);
        s.tls = true;
        s
    }

    /// Starts over on a new connection, as [`ServerSession::new`] does,
    /// keeping this session's buffers: a host that serves one connection
    /// after another does not allocate them again.
    pub fn restart(&mut self, config: ServerConfig, now: Instant) {
        let mut lines = core::mem::replace(&mut self.lines, LineReader::new(0));
        lines.reset(limits::command_line_max(&config.extensions));
        let mut inbuf = core::mem::take(&mut self.inbuf);
        inbuf.clear();
        let mut out = core::mem::take(&mut self.out);
        out.clear();
        let mut rcpts = core::mem::take(&mut self.rcpts);
        rcpts.clear();
        let spare = core::mem::take(&mut self.spare);
        *self = ServerSession::start(
            config,
            now,
            Room {
                lines: Some(lines),
                inbuf,
                out,
                rcpts,
                spare,
            },
        );
    }

    fn start(config: ServerConfig, now: Instant, room: Room) -> ServerSession {
        let forced = config
            .greeting_reply
            .clone()
            .filter(|r| !r.code.is_positive());
        let mut s = ServerSession {
            state: if config.refuse || forced.is_some() {
                ServerState::Refusing
            } else {
                ServerState::Greeted
            },
            mode: Mode::Command,
            lines: room
                .lines
                .unwrap_or_else(|| LineReader::new(limits::command_line_max(&config.extensions))),
            inbuf: room.inbuf,
            pos: 0,
            out: room.out,
            close_after: false,
            start_tls_after: false,
            deadline: None,
            heard: true,
            pending: None,
            helo: None,
            tls: false,
            auth_user: None,
            from: None,
            rcpts: room.rcpts,
            rcpt_attempts: 0,
            errors: 0,
            spare: room.spare,
            config,
        };
        if let Some(r) = forced {
            let closing = r.code.get() == 421;
            s.config.refuse = true;
            s.send(r);
            if closing {
                s.close(CloseReason::Shutdown);
            }
            s.finish_step(now);
            return s;
        }
        let (code, text) = if s.config.refuse {
            (554, joined(&[&s.config.hostname, " No SMTP service here"]))
        } else {
            (220, joined(&[&s.config.hostname, " ", &s.config.banner]))
        };
        s.send_line(code, None, &text);
        s.finish_step(now);
        s
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Where the session stands.
    pub fn state(&self) -> ServerState {
        self.state
    }

    /// Whether TLS is in place.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The authenticated user, if any.
    pub fn authenticated(&self) -> Option<&str> {
        self.auth_user.as_deref()
    }

    /// Whether the session can use more input now. While it waits for a
    /// decision or a TLS handshake, a host doing real I/O should stop
    /// reading (input is still accepted and buffered).
    pub fn wants_input(&self) -> bool {
        self.pending.is_none()
            && !matches!(self.state, ServerState::TlsHandshake | ServerState::Closed)
    }

    /// Moves the message data that arrived so far in the current DATA
    /// phase (dot-stuffing removed) to the end of `into`, so that a host
    /// can write a long message out as it arrives instead of holding it
    /// whole; the [`ServerEvent::Message`] that ends the phase then carries
    /// only what came after the last call. A host that never calls it
    /// gets the whole message in the event. Call it after each input and
    /// decision: a DATA phase that ends without a `Message` event (552,
    /// 500, 550, the peer gone) means what was handed out is no message,
    /// and nothing is handed out past the size limit.
    pub fn take_data(&mut self, into: &mut Vec<u8>) {
        if let Mode::Data(reader) = &mut self.mode {
            reader.take_content(into);
        }
    }

    /// Feeds an input; then drain [`ServerSession::poll_output`].
    pub fn handle_input(&mut self, now: Instant, input: Input<'_>) {
        if self.state == ServerState::Closed {
            return;
        }
        match input {
            Input::Bytes(b) => {
                if self.state == ServerState::TlsHandshake {
                    // Bytes during the handshake belong to TLS, not to us.
                    return;
                }
                self.inbuf.extend_from_slice(b);
                self.process(now);
            }
            Input::Timeout => {
                if self.deadline.is_some_and(|d| now >= d) {
                    self.send(Reply::enhanced(
                        421,
                        (4, 4, 2),
                        format!("{} Error: timeout exceeded", self.config.hostname),
                    ));
                    self.close(CloseReason::Timeout);
                }
            }
            Input::TlsEstablished => {
                if self.state == ServerState::TlsHandshake {
                    self.tls = true;
                    self.heard = true;
                    // RFC 3207 §4.2: discard all knowledge obtained from
                    // the client before TLS: the EHLO and an AUTH identity.
                    self.helo = None;
                    self.auth_user = None;
                    self.reset_transaction(false);
                    self.state = ServerState::Greeted;
                    self.emit(ServerEvent::TlsEstablished);
                    self.process(now);
                }
            }
            Input::TlsFailed => {
                if self.state == ServerState::TlsHandshake {
                    self.close(CloseReason::TlsFailed);
                }
            }
            Input::PeerClosed => self.close(CloseReason::PeerClosed),
        }
        self.finish_step(now);
    }

    /// Answers the question asked by the last `AuthRequest`, `MailFrom`,
    /// `RcptTo` or `Message` event. Ignored when no question is pending.
    pub fn decide(&mut self, now: Instant, decision: Decision) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let reject = match decision {
            Decision::Accept => None,
            Decision::AcceptWith(r) if r.code.is_positive() => {
                self.accept(pending.clone(), Some(r));
                return self.after_decision(now);
            }
            Decision::AcceptWith(r) | Decision::Reject(r) => Some(r),
        };
        match reject {
            None => self.accept(pending, None),
            Some(r) => {
                let r = if r.code.is_positive() || r.code.is_intermediate() {
                    Reply::enhanced(451, (4, 3, 0), "Error: bad decision from the host")
                } else {
                    r
                };
                match pending {
                    Pending::Auth(_) => self.mode = Mode::Command,
                    Pending::Message => self.reset_transaction(false),
                    Pending::Mail(..) | Pending::Rcpt(..) => {}
                }
                let closing = r.code.get() == 421;
                self.send(r);
                if closing {
                    // 421: the service is closing the channel (§3.8).
                    self.close(CloseReason::Shutdown);
                }
            }
        }
        self.after_decision(now);
    }

    /// Ends the session from the host's side: 421 4.3.2 and close.
    pub fn shutdown(&mut self, now: Instant) {
        if self.state == ServerState::Closed {
            return;
        }
        self.pending = None;
        self.send(Reply::enhanced(
            421,
            (4, 3, 2),
            format!(
                "{} Service shutting down, closing transmission channel",
                self.config.hostname
            ),
        ));
        self.close(CloseReason::Shutdown);
        self.finish_step(now);
    }

    /// The next output, in the order described in [`crate::session`].
    pub fn poll_output(&mut self) -> Option<Output<ServerEvent>> {
        self.out.pop_front()
    }

    fn after_decision(&mut self, now: Instant) {
        self.heard = true;
        self.state = self.settled_state();
        self.process(now);
        self.finish_step(now);
    }

    fn accept(&mut self, pending: Pending, reply: Option<Reply>) {
        match pending {
            Pending::Auth(user) => {
                self.mode = Mode::Command;
                self.auth_user = Some(user);
                self.send(reply.unwrap_or_else(|| {
                    Reply::enhanced(235, (2, 7, 0), "Authentication successful")
                }));
            }
            Pending::Mail(from, params) => {
                self.from = Some((from, params));
                match reply {
                    Some(r) => self.send(r),
                    None => self.send_line(250, Some((2, 1, 0)), "Ok"),
                }
            }
            Pending::Rcpt(to, params) => {
                self.rcpts.push((to, params));
                match reply {
                    Some(r) => self.send(r),
                    None => self.send_line(250, Some((2, 1, 5)), "Ok"),
                }
            }
            Pending::Message => {
                self.reset_transaction(false);
                match reply {
                    Some(r) => self.send(r),
                    None => self.send_line(250, Some((2, 0, 0)), "Ok: queued"),
                }
            }
        }
    }

    /// The state implied by the session's data when nothing is pending.
    fn settled_state(&self) -> ServerState {
        if self.state == ServerState::Closed {
            return ServerState::Closed;
        }
        if self.config.refuse {
            return ServerState::Refusing;
        }
        match &self.mode {
            Mode::Data(_) => return ServerState::Data,
            Mode::Auth(_) => return ServerState::Auth,
            Mode::Command => {}
        }
        if self.helo.is_none() {
            ServerState::Greeted
        } else if self.from.is_none() {
            ServerState::Ready
        } else if self.rcpts.is_empty() {
            ServerState::Mail
        } else {
            ServerState::Rcpt
        }
    }

    fn finish_step(&mut self, now: Instant) {
        if self.start_tls_after {
            self.start_tls_after = false;
            self.out.push_back(Output::StartTls);
            // Plaintext pipelined after STARTTLS is discarded (RFC 3207 §5,
            // the command injection defence).
            self.inbuf.clear();
            self.pos = 0;
            self.lines = LineReader::new(limits::command_line_max(&self.config.extensions));
        }
        if self.close_after {
            self.close_after = false;
            self.out.push_back(Output::Close);
            self.deadline = None;
            return;
        }
        if self.state == ServerState::Closed {
            return;
        }
        if !(self.heard || self.deadline.is_none()) || self.pending.is_some() {
            return;
        }
        self.heard = false;
        let deadline = now.saturating_add(self.config.timeout);
        if self.deadline != Some(deadline) {
            self.deadline = Some(deadline);
            self.out.push_back(Output::Timeout(deadline));
        }
    }

    fn emit(&mut self, e: ServerEvent) {
        self.out.push_back(Output::Event(e));
    }

    fn send(&mut self, mut r: Reply) {
        if !self.config.extensions.enhanced_status_codes {
            r.enhanced = None;
        }
        let mut bytes = self.spare.take();
        crate::reply::wire_form_into(
            &mut bytes,
            r.code.get(),
            r.enhanced,
            r.lines.len(),
            r.lines.iter().map(|l| l.as_str()),
        );
        self.out.push_back(Output::Transmit(bytes));
    }

    /// Gives back a buffer this session transmitted (from
    /// [`Output::Transmit`]), for its later output to reuse: optional, it
    /// saves an allocation per reply.
    pub fn give_back(&mut self, buf: Vec<u8>) {
        self.spare.keep(buf);
    }

    /// Sends a one-line reply without building a [`Reply`] first (the
    /// replies of every transaction).
    fn send_line(&mut self, code: u16, enhanced: Option<(u8, u16, u16)>, text: &str) {
        let enhanced = enhanced
            .filter(|_| self.config.extensions.enhanced_status_codes)
            .map(EnhancedCode::from);
        let mut bytes = self.spare.take();
        crate::reply::wire_form_into(&mut bytes, code, enhanced, 1, core::iter::once(text));
        self.out.push_back(Output::Transmit(bytes));
    }

    fn close(&mut self, reason: CloseReason) {
        if self.state == ServerState::Closed {
            return;
        }
        self.state = ServerState::Closed;
        self.pending = None;
        self.inbuf.clear();
        self.pos = 0;
        self.close_after = reason != CloseReason::PeerClosed;
        self.emit(ServerEvent::Closed(reason));
    }

    fn error(&mut self, r: Reply) {
        self.send(r);
        self.errors += 1;
        if self.errors >= self.config.max_errors {
            self.send(Reply::enhanced(
                421,
                (4, 7, 0),
                format!("{} Error: too many errors", self.config.hostname),
            ));
            self.close(CloseReason::TooManyErrors);
        }
    }

    fn reset_transaction(&mut self, announce: bool) {
        let had = self.from.is_some();
        self.from = None;
        self.rcpts.clear();
        self.rcpt_attempts = 0;
        if announce && had {
            self.emit(ServerEvent::Reset);
        }
    }

    fn process(&mut self, now: Instant) {
        loop {
            if self.pending.is_some()
                || matches!(self.state, ServerState::Closed | ServerState::TlsHandshake)
                || self.start_tls_after
            {
                break;
            }
            let Some(avail) = self.inbuf.get(self.pos..).filter(|b| !b.is_empty()) else {
                break;
            };
            if let Mode::Data(reader) = &mut self.mode {
                let size = reader.size();
                let (n, end) = reader.feed(avail);
                self.pos += n;
                if end.is_some() || reader.size() != size {
                    self.heard = true;
                }
                if let Some(end) = end {
                    self.mode = Mode::Command;
                    self.end_of_data(end);
                }
                continue;
            }
            let (n, line) = self.lines.feed(avail);
            self.pos += n;
            if let Some(line) = line {
                self.heard = true;
                self.on_line(now, &line);
                self.lines.recycle(line.text);
            }
        }
        // Compact the buffer.
        if self.pos > 0 && (self.pos >= self.inbuf.len() || self.pos > 4096) {
            self.inbuf.drain(..self.pos.min(self.inbuf.len()));
            self.pos = 0;
        }
    }

    fn on_line(&mut self, _now: Instant, line: &crate::wire::Line) {
        let bare = self.config.bare_line_policy == BareLinePolicy::Strict
            && (line.ending == LineEnding::BareLf || line.bare_cr);
        if (line.too_long || bare) && matches!(self.mode, Mode::Auth(_)) {
            // The 500 below rejects the AUTH command (RFC 4954 §4): the
            // SASL exchange is over and the next line is a command again.
            self.mode = Mode::Command;
            self.lines
                .set_max(limits::command_line_max(&self.config.extensions));
            self.state = self.settled_state();
        }
        let longer_than_its_command_may_be = matches!(self.mode, Mode::Command)
            && line.text.len().saturating_add(2)
                > limits::command_line_limit(&self.config.extensions, &line.text);
        if line.too_long || longer_than_its_command_may_be {
            self.error(Reply::enhanced(500, (5, 5, 2), "Error: line too long"));
            return;
        }
        if bare {
            self.error(Reply::enhanced(
                500,
                (5, 5, 2),
                "Error: bare <CR> or <LF> received; lines end with <CR><LF>",
            ));
            return;
        }
        if let Mode::Auth(step) = &self.mode {
            let step = step.clone();
            self.auth_line(step, &line.text);
            return;
        }
        let opts = ParseOptions {
            path: PathOptions {
                smtputf8: false,
                ..self.config.paths
            },
        };
        match Command::parse(&line.text, opts) {
            Ok(cmd) => self.on_command(cmd),
            Err(e) => {
                if self.state == ServerState::Refusing {
                    return self.error(Reply::enhanced(
                        503,
                        (5, 5, 1),
                        "Error: no SMTP service here, only QUIT",
                    ));
                }
                // A recipient path that is UTF-8 under SMTPUTF8 is fine.
                if let CommandError::Path { sender: false, .. } = &e {
                    let smtputf8 = self.from.as_ref().is_some_and(|(_, p)| p.smtputf8);
                    if smtputf8 {
                        let opts = ParseOptions {
                            path: PathOptions {
                                smtputf8: true,
                                ..self.config.paths
                            },
                        };
                        if let Ok(cmd) = Command::parse(&line.text, opts) {
                            return self.on_command(cmd);
                        }
                    }
                }
                self.error(e.reply());
            }
        }
    }

    fn on_command(&mut self, cmd: Command) {
        if self.state == ServerState::Refusing && cmd != Command::Quit {
            return self.error(Reply::enhanced(
                503,
                (5, 5, 1),
                "Error: no SMTP service here, only QUIT",
            ));
        }
        let ext = self.config.extensions.clone();
        match cmd {
            Command::Quit => {
                let text = joined(&[&self.config.hostname, " Bye"]);
                self.send_line(221, Some((2, 0, 0)), &text);
                self.close(CloseReason::Quit);
            }
            Command::Helo(_) | Command::Ehlo(_) if self.config.hello_reply.is_some() => {
                let r = self
                    .config
                    .hello_reply
                    .clone()
                    .unwrap_or_else(|| Reply::new(554, ""));
                let closing = r.code.get() == 421;
                self.send(r);
                if closing {
                    self.close(CloseReason::Shutdown);
                }
            }
            Command::Helo(domain) => {
                self.reset_transaction(true);
                self.helo = Some((false, domain.to_string()));
                self.emit(ServerEvent::Hello {
                    esmtp: false,
                    domain: domain.into(),
                });
                self.send(Reply::new(250, self.config.hostname.clone()));
                self.state = ServerState::Ready;
            }
            Command::Ehlo(_) if !self.config.esmtp => {
                self.error(Reply::new(500, "Syntax error, command unrecognized"))
            }
            Command::Ehlo(domain) => {
                self.reset_transaction(true);
                self.helo = Some((true, domain.to_string()));
                self.emit(ServerEvent::Hello {
                    esmtp: true,
                    domain: domain.to_string(),
                });
                // A reply line is at most 512 octets (RFC 5321 §4.5.3.1.5)
                // and the greeting after the domain is optional (§4.1.1.1):
                // a client name too long to echo is left out.
                let mut first = joined(&[&self.config.hostname, " Hello ", domain.as_str()]);
                if first.len() + "250-\r\n".len() > limits::REPLY_LINE {
                    first = self.config.hostname.as_str().into();
                }
                let keywords = self.ehlo_keywords();
                // The EHLO reply carries no enhanced code (RFC 2034 §3).
                let mut bytes = self.spare.take();
                crate::reply::wire_form_into(
                    &mut bytes,
                    250,
                    None,
                    1 + keywords.len(),
                    core::iter::once(first.as_str()).chain(keywords.iter().map(|k| &**k)),
                );
                self.out.push_back(Output::Transmit(bytes));
                self.state = ServerState::Ready;
            }
            Command::Noop(_) => self.send(Reply::enhanced(250, (2, 0, 0), "Ok")),
            Command::Rset => {
                self.reset_transaction(true);
                self.send(Reply::enhanced(250, (2, 0, 0), "Ok"));
                self.state = self.settled_state();
            }
            Command::Help(_) => self.send(
                Reply::enhanced(
                    214,
                    (2, 0, 0),
                    "Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS AUTH",
                )
                .with_line("See RFC 5321 for what each does"),
            ),
            Command::Vrfy(_) => self.send(Reply::enhanced(
                252,
                (2, 0, 0),
                "Cannot VRFY user, but will accept message and attempt delivery",
            )),
            Command::Expn(_) => self.error(Reply::enhanced(
                502,
                (5, 5, 1),
                "Error: EXPN not implemented",
            )),
            Command::Bdat { .. } => self.error(Reply::enhanced(
                502,
                (5, 5, 1),
                "Error: BDAT (CHUNKING) not implemented",
            )),
            Command::StartTls => {
                if !ext.starttls {
                    return self.error(Reply::enhanced(
                        502,
                        (5, 5, 1),
                        "Error: STARTTLS not offered",
                    ));
                }
                if self.tls {
                    return self.error(Reply::enhanced(
                        503,
                        (5, 5, 1),
                        "Error: TLS already active",
                    ));
                }
                self.send(Reply::enhanced(220, (2, 0, 0), "Ready to start TLS"));
                self.reset_transaction(true);
                self.state = ServerState::TlsHandshake;
                self.start_tls_after = true;
            }
            Command::Auth { mechanism, initial } => self.auth_command(mechanism, initial),
            Command::Mail { from, params } => self.mail(from, params),
            Command::Rcpt { to, params } => self.rcpt(to, params),
            Command::Data => self.data(),
        }
    }

    /// The EHLO keywords this session offers now.
    pub fn ehlo_keywords(&self) -> Vec<Cow<'static, str>> {
        let e = &self.config.extensions;
        let mut k: Vec<Cow<'static, str>> = Vec::with_capacity(9);
        if e.pipelining {
            k.push("PIPELINING".into());
        }
        if let Some(size) = e.size {
            k.push(if size == 0 {
                "SIZE".into()
            } else {
                format!("SIZE {size}").into()
            });
        }
        if e.eight_bit_mime {
            k.push("8BITMIME".into());
        }
        if e.enhanced_status_codes {
            k.push("ENHANCEDSTATUSCODES".into());
        }
        if e.dsn {
            k.push("DSN".into());
        }
        if e.starttls && !self.tls {
            k.push("STARTTLS".into());
        }
        if e.auth && (self.tls || !self.config.auth_requires_tls) {
            k.push("AUTH PLAIN LOGIN".into());
        }
        if e.smtputf8 {
            k.push("SMTPUTF8".into());
        }
        k.push("HELP".into());
        k
    }

    fn auth_command(&mut self, mechanism: CompactString, initial: Option<CompactString>) {
        let e = &self.config.extensions;
        if !e.auth {
            return self.error(Reply::enhanced(
                502,
                (5, 5, 1),
                "Error: authentication not enabled",
            ));
        }
        if self.helo.as_ref().is_none_or(|(esmtp, _)| !esmtp) {
            return self.error(Reply::enhanced(503, (5, 5, 1), "Error: send EHLO first"));
        }
        if self.auth_user.is_some() {
            return self.error(Reply::enhanced(
                503,
                (5, 5, 1),
                "Error: already authenticated",
            ));
        }
        if self.from.is_some() {
            return self.error(Reply::enhanced(
                503,
                (5, 5, 1),
                "Error: AUTH not allowed during a mail transaction",
            ));
        }
        if mechanism != "PLAIN" && mechanism != "LOGIN" {
            return self.error(Reply::enhanced(
                504,
                (5, 5, 4),
                "Error: unrecognized authentication type",
            ));
        }
        if self.config.auth_requires_tls && !self.tls {
            return self.error(Reply::enhanced(
                538,
                (5, 7, 11),
                "Error: encryption required for requested authentication mechanism",
            ));
        }
        self.state = ServerState::Auth;
        if mechanism == "PLAIN" {
            match initial {
                Some(i) => self.auth_line(AuthStep::PlainResponse, i.as_bytes()),
                None => {
                    self.mode = Mode::Auth(AuthStep::PlainResponse);
                    self.lines.set_max(AUTH_LINE);
                    self.out.push_back(Output::Transmit(b"334 \r\n".to_vec()));
                }
            }
        } else {
            match initial {
                Some(i) if !i.is_empty() => self.auth_line(AuthStep::LoginUser, i.as_bytes()),
                _ => {
                    self.mode = Mode::Auth(AuthStep::LoginUser);
                    self.lines.set_max(AUTH_LINE);
                    self.out
                        .push_back(Output::Transmit(b"334 VXNlcm5hbWU6\r\n".to_vec()));
                }
            }
        }
    }

    fn auth_line(&mut self, step: AuthStep, text: &[u8]) {
        let text = String::from_utf8_lossy(text).trim().to_string();
        self.lines
            .set_max(limits::command_line_max(&self.config.extensions));
        if text == "*" {
            self.mode = Mode::Command;
            self.state = self.settled_state();
            return self.error(Reply::enhanced(501, (5, 0, 0), "Authentication cancelled"));
        }
        let bad = |s: &mut ServerSession| {
            s.mode = Mode::Command;
            s.state = s.settled_state();
            s.error(Reply::enhanced(
                501,
                (5, 5, 2),
                "Error: cannot decode response",
            ));
        };
        match step {
            AuthStep::PlainResponse => match sasl::plain_decode(&text) {
                Some(credentials) => self.ask_auth("PLAIN", credentials),
                None => bad(self),
            },
            AuthStep::LoginUser => match sasl::login_decode(&text) {
                Some(user) => {
                    self.mode = Mode::Auth(AuthStep::LoginPassword(user));
                    self.lines.set_max(AUTH_LINE);
                    self.out
                        .push_back(Output::Transmit(b"334 UGFzc3dvcmQ6\r\n".to_vec()));
                }
                None => bad(self),
            },
            AuthStep::LoginPassword(username) => match sasl::login_decode(&text) {
                Some(password) => self.ask_auth(
                    "LOGIN",
                    Credentials {
                        authzid: String::new(),
                        username,
                        password,
                    },
                ),
                None => bad(self),
            },
        }
    }

    fn ask_auth(&mut self, mechanism: &str, credentials: Credentials) {
        self.mode = Mode::Command;
        self.auth_user = None;
        self.pending = Some(Pending::Auth(credentials.username.clone()));
        self.state = ServerState::Deciding;
        self.emit(ServerEvent::AuthRequest {
            mechanism: mechanism.to_string(),
            credentials,
        });
    }

    fn mail(&mut self, from: ReversePath, params: MailParams) {
        let esmtp = match &self.helo {
            None => {
                return self.error(Reply::enhanced(
                    503,
                    (5, 5, 1),
                    "Error: send HELO/EHLO first",
                ))
            }
            Some((esmtp, _)) => *esmtp,
        };
        if self.from.is_some() {
            return self.error(Reply::enhanced(
                503,
                (5, 5, 1),
                "Error: nested MAIL command",
            ));
        }
        if self.config.require_tls && !self.tls {
            return self.error(Reply::enhanced(
                530,
                (5, 7, 0),
                "Must issue a STARTTLS command first",
            ));
        }
        if self.config.require_auth && self.auth_user.is_none() {
            return self.error(Reply::enhanced(530, (5, 7, 0), "Authentication required"));
        }
        let e = &self.config.extensions;
        let unsupported = !params.unknown.is_empty()
            || (!esmtp && params != MailParams::default())
            || (params.size.is_some() && e.size.is_none())
            || (params.body == Some(Body::EightBitMime) && !e.eight_bit_mime)
            || params.body == Some(Body::BinaryMime)
            || (params.smtputf8 && !e.smtputf8)
            || ((params.ret.is_some() || params.envid.is_some()) && !e.dsn)
            || (params.auth.is_some() && !e.auth);
        if unsupported {
            return self.error(Reply::enhanced(
                555,
                (5, 5, 4),
                "MAIL FROM parameters not recognized or not implemented",
            ));
        }
        if let (Some(declared), Some(max)) = (params.size, e.size) {
            if max > 0 && declared > max {
                return self.send(Reply::enhanced(
                    552,
                    (5, 3, 4),
                    "Message size exceeds fixed maximum message size",
                ));
            }
        }
        self.pending = Some(Pending::Mail(from.clone(), params.clone()));
        self.state = ServerState::Deciding;
        self.emit(ServerEvent::MailFrom { from, params });
    }

    fn rcpt(&mut self, to: ForwardPath, params: RcptParams) {
        let Some((from, mail_params)) = &self.from else {
            return self.error(Reply::enhanced(503, (5, 5, 1), "Error: need MAIL command"));
        };
        let esmtp = self.helo.as_ref().is_some_and(|(e, _)| *e);
        let dsn = self.config.extensions.dsn;
        if !params.unknown.is_empty()
            || (!esmtp && params != RcptParams::default())
            || ((params.notify.is_some() || params.orcpt.is_some()) && !dsn)
        {
            return self.error(Reply::enhanced(
                555,
                (5, 5, 4),
                "RCPT TO parameters not recognized or not implemented",
            ));
        }
        if to.mailbox().is_some_and(|m| !m.is_ascii()) && !mail_params.smtputf8 {
            return self.send(Reply::enhanced(
                553,
                (5, 6, 7),
                "Non-ASCII address requires SMTPUTF8",
            ));
        }
        self.rcpt_attempts += 1;
        if self.rcpts.len() >= self.config.max_recipients.max(1) {
            return self.send(Reply::enhanced(
                452,
                (4, 5, 3),
                "Error: too many recipients",
            ));
        }
        let from = from.clone();
        self.pending = Some(Pending::Rcpt(to.clone(), params.clone()));
        self.state = ServerState::Deciding;
        self.emit(ServerEvent::RcptTo { to, params, from });
    }

    fn data(&mut self) {
        if self.from.is_none() {
            return self.error(Reply::enhanced(503, (5, 5, 1), "Error: need MAIL command"));
        }
        if self.rcpts.is_empty() {
            if self.rcpt_attempts > 0 {
                return self.error(Reply::enhanced(
                    554,
                    (5, 5, 1),
                    "Error: no valid recipients",
                ));
            }
            return self.error(Reply::enhanced(503, (5, 5, 1), "Error: need RCPT command"));
        }
        let max = self.config.extensions.size.filter(|&m| m > 0);
        self.mode = Mode::Data(Box::new(DataReader::new(self.config.bare_line_policy, max)));
        self.state = ServerState::Data;
        self.send_line(354, None, "End data with <CR><LF>.<CR><LF>");
    }

    fn end_of_data(&mut self, end: DataEnd) {
        if end.too_big {
            self.reset_transaction(false);
            self.state = self.settled_state();
            return self.send(Reply::enhanced(552, (5, 3, 4), "Error: message too large"));
        }
        if end.line_too_long {
            self.reset_transaction(false);
            self.state = self.settled_state();
            return self.send(Reply::enhanced(
                500,
                (5, 5, 2),
                "Error: line too long in message data",
            ));
        }
        if end.bare_line_ending && self.config.bare_line_policy == BareLinePolicy::Strict {
            self.reset_transaction(false);
            self.state = self.settled_state();
            return self.send(Reply::enhanced(
                550,
                (5, 5, 2),
                "Error: bare <CR> or <LF> in message data (RFC 5321 §2.3.8)",
            ));
        }
        // The transaction ends with this message, whatever the host
        // decides: its envelope moves into the event.
        let Some((from, mail_params)) = self.from.take() else {
            return;
        };
        let (esmtp, helo) = self.helo.clone().unwrap_or_default();
        let envelope = Envelope {
            helo,
            esmtp,
            tls: self.tls,
            auth: self.auth_user.clone(),
            from,
            mail_params,
            rcpts: core::mem::take(&mut self.rcpts),
        };
        self.pending = Some(Pending::Message);
        self.state = ServerState::Deciding;
        self.emit(ServerEvent::Message {
            envelope: Box::new(envelope),
            content: end.content,
            terminator: end.terminator,
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use super::*;

    /// Feeds `input` and answers every question with Accept; returns what
    /// the server sent and the envelope of the message, if one came.
    fn drive(s: &mut ServerSession, input: &str) -> (String, Option<Envelope>) {
        let now = Instant::ZERO;
        s.handle_input(now, Input::Bytes(input.as_bytes()));
        let (mut sent, mut envelope) = (Vec::new(), None);
        while let Some(out) = s.poll_output() {
            match out {
                Output::Transmit(bytes) => sent.extend(bytes),
                Output::Event(ServerEvent::Message { envelope: e, .. }) => {
                    envelope = Some(*e);
                    s.decide(now, Decision::Accept);
                }
                Output::Event(ServerEvent::Hello { .. } | ServerEvent::Reset) => {}
                Output::Event(ServerEvent::Closed(_)) => {}
                Output::Event(_) => s.decide(now, Decision::Accept),
                _ => {}
            }
        }
        (String::from_utf8(sent).unwrap(), envelope)
    }

    #[test]
    fn a_session_under_implicit_tls_is_as_after_starttls() {
        let mut config = ServerConfig::new("mx.example.org");
        config.extensions.starttls = true;
        config.extensions.auth = true;
        config.require_tls = true;
        let mut s = ServerSession::new_implicit_tls(config.clone(), Instant::ZERO);
        assert!(s.is_tls());
        let (greeting, _) = drive(&mut s, "");
        assert_eq!(greeting, "220 mx.example.org ESMTP MX Lab\r\n");
        let (ehlo, _) = drive(&mut s, "EHLO client.example\r\n");
        assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
        assert!(ehlo.contains("250-AUTH PLAIN LOGIN\r\n"), "{ehlo}");
        let (again, _) = drive(&mut s, "STARTTLS\r\n");
        assert!(again.starts_with("503 5.5.1 "), "{again}");
        let (sent, envelope) = drive(
            &mut s,
            "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nHi.\r\n.\r\n",
        );
        assert!(sent.starts_with("250 2.1.0 "), "{sent}");
        assert!(envelope.unwrap().tls, "{sent}");

        // The same configuration on a plain connection: STARTTLS offered,
        // AUTH not yet, MAIL refused until TLS.
        let mut plain = ServerSession::new(config, Instant::ZERO);
        assert!(!plain.is_tls());
        let (ehlo, _) = drive(&mut plain, "EHLO client.example\r\n");
        assert!(
            ehlo.contains("250-STARTTLS\r\n") && !ehlo.contains("AUTH"),
            "{ehlo}"
        );
        let (mail, _) = drive(&mut plain, "MAIL FROM:<a@example.org>\r\n");
        assert!(mail.starts_with("530 "), "{mail}");
    }
}
