//! The client side of an SMTP connection, as a sans-IO state machine.
//!
//! A client session runs one or more mail transactions over one connection
//! and then says QUIT. It introduces itself with EHLO and falls back to
//! HELO when the server answers 500 or 502 (RFC 5321 §3.2); it uses what
//! the server advertises: PIPELINING (RFC 2920) to send MAIL, every RCPT
//! and DATA in one go, SIZE (RFC 1870) to refuse locally a message the
//! server would refuse, STARTTLS (RFC 3207) when offered or required, AUTH
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

use compact_str::CompactString;
use std::collections::VecDeque;

use core::time::Duration;

use crate::command::{Body, Command, MailParams, RcptParams};
use crate::limits;
use crate::path::{ForwardPath, ReversePath};
use crate::reply::{Reply, ReplyError, ReplyParser};
use crate::sasl::{self, Credentials};
use crate::session::{ClientState, Input, Instant, Output};
use crate::wire::{dot_stuff, Spare};

/// When the client uses STARTTLS.
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

impl ClientSession {
    /// A session on a freshly opened connection, with the transactions to
    /// run. It waits for the greeting.
    pub fn new(
        config: ClientConfig,
        transactions: Vec<Transaction>,
        now: Instant,
    ) -> ClientSession {
        ClientSession::start(
            config,
            transactions,
            now,
            (
                VecDeque::new(),
                VecDeque::new(),
                ReplyParser::new(),
                Vec::new(),
                VecDeque::new(),
                Spare::default(),
            ),
        )
    }

    /// Starts over on a new connection, as [`ClientSession::new`] does,
    /// keeping this session's buffers: a host that opens one connection
    /// after another does not allocate them again.
    pub fn restart(
        &mut self,
        config: ClientConfig,
        transactions: impl IntoIterator<Item = Transaction>,
        now: Instant,
    ) {
        let mut queue = core::mem::take(&mut self.queue);
        queue.clear();
        let mut expect = core::mem::take(&mut self.expect);
        expect.clear();
        let mut parser = core::mem::take(&mut self.parser);
        parser.reset();
        let mut replies = core::mem::take(&mut self.replies);
        replies.clear();
        let mut out = core::mem::take(&mut self.out);
        out.clear();
        let spare = core::mem::take(&mut self.spare);
        *self = ClientSession::start(
            config,
            transactions,
            now,
            (queue, expect, parser, replies, out, spare),
        );
    }

    fn start(
        config: ClientConfig,
        transactions: impl IntoIterator<Item = Transaction>,
        now: Instant,
        (mut queue, mut expect, parser, replies, out, spare): Room,
    ) -> ClientSession {
        let wait = config.timeouts.greeting;
        queue.extend(transactions.into_iter().enumerate());
        expect.push_back(Expect::Greeting);
        let mut c = ClientSession {
            config,
            state: ClientState::Greeting,
            queue,
            active: None,
            expect,
            parser,
            replies,
            out,
            outcome: ConnectionOutcome::default(),
            deadline: None,
            wait,
            size_limit: None,
            start_tls_after: false,
            closed: false,
            quit_sent: false,
            auth_login: false,
            spare,
        };
        c.finish_step(now);
        c
    }

    /// Where the session stands.
    pub fn state(&self) -> ClientState {
        self.state
    }

    /// What the connection has come to so far.
    pub fn outcome(&self) -> &ConnectionOutcome {
        &self.outcome
    }

    /// The next output, in the order described in [`crate::session`].
    pub fn poll_output(&mut self) -> Option<Output<ClientEvent>> {
        self.out.pop_front()
    }

    /// Feeds an input; then drain [`ClientSession::poll_output`].
    pub fn handle_input(&mut self, now: Instant, input: Input<'_>) {
        if self.closed {
            return;
        }
        match input {
            Input::Bytes(mut bytes) => {
                if self.state == ClientState::TlsHandshake {
                    return;
                }
                while !bytes.is_empty()
                    && !self.closed
                    && self.state != ClientState::TlsHandshake
                    && !self.start_tls_after
                {
                    let mut replies = core::mem::take(&mut self.replies);
                    let used = self.parser.feed(bytes, true, &mut replies);
                    bytes = bytes.get(used..).unwrap_or_default();
                    for r in replies.drain(..) {
                        match r {
                            Ok(reply) => self.on_reply(reply),
                            Err(e) => self.protocol_error(&e),
                        }
                    }
                    self.replies = replies;
                }
                if self.start_tls_after {
                    // Bytes after the 220 to STARTTLS are not trusted (RFC 3207 §5).
                    self.parser = ReplyParser::new();
                }
            }
            Input::Timeout => {
                if self.deadline.is_some_and(|d| now >= d) {
                    let what = self
                        .expect
                        .front()
                        .map(|e| format!("{e:?}"))
                        .unwrap_or_default();
                    self.fail_connection(
                        Reply::enhanced(
                            421,
                            (4, 4, 2),
                            format!("Timeout waiting for the reply to {what}"),
                        ),
                        format!("timeout waiting for {what}"),
                        true,
                    );
                }
            }
            Input::TlsEstablished => {
                if self.state == ClientState::TlsHandshake {
                    self.outcome.tls = true;
                    self.out
                        .push_back(Output::Event(ClientEvent::TlsEstablished));
                    self.size_limit = None;
                    self.ehlo();
                }
            }
            Input::TlsFailed => {
                if self.state == ClientState::TlsHandshake {
                    self.fail_connection(
                        Reply::enhanced(421, (4, 7, 0), "TLS handshake failed"),
                        "TLS handshake failed".into(),
                        true,
                    );
                }
            }
            Input::PeerClosed => {
                if self.quit_sent {
                    self.finish(None);
                } else {
                    let lost = if self.expect.front() == Some(&Expect::EndOfData) {
                        "Connection lost after the end of data, before the reply: the message may have been delivered (RFC 1047)"
                    } else {
                        "Connection lost"
                    };
                    self.fail_connection(
                        Reply::enhanced(421, (4, 4, 2), lost),
                        "connection closed by the server".into(),
                        true,
                    );
                }
            }
        }
        self.finish_step(now);
    }

    fn finish_step(&mut self, now: Instant) {
        if self.start_tls_after {
            self.start_tls_after = false;
            self.state = ClientState::TlsHandshake;
            self.out.push_back(Output::StartTls);
        }
        if self.closed {
            return;
        }
        if self.expect.is_empty() && self.state != ClientState::TlsHandshake {
            return;
        }
        let deadline = now.saturating_add(self.wait);
        if self.deadline != Some(deadline) {
            self.deadline = Some(deadline);
            self.out.push_back(Output::Timeout(deadline));
        }
    }

    /// Gives back a buffer this session transmitted (from
    /// [`Output::Transmit`]), for its later output to reuse: optional, it
    /// saves an allocation per command.
    pub fn give_back(&mut self, buf: Vec<u8>) {
        self.spare.keep(buf);
    }

    fn send(&mut self, cmd: &Command, expect: Expect, state: ClientState, wait: Duration) {
        let mut bytes = self.spare.take();
        cmd.write_line(&mut bytes);
        self.out.push_back(Output::Transmit(bytes));
        self.expect.push_back(expect);
        self.state = state;
        self.wait = wait;
    }

    fn send_raw(&mut self, bytes: Vec<u8>, expect: Expect, state: ClientState, wait: Duration) {
        self.out.push_back(Output::Transmit(bytes));
        self.expect.push_back(expect);
        self.state = state;
        self.wait = wait;
    }

    fn ehlo(&mut self) {
        let t = self.config.timeouts.command;
        self.send(
            &Command::Ehlo(self.config.helo_name.as_str().into()),
            Expect::Ehlo,
            ClientState::Ehlo,
            t,
        );
    }

    fn on_reply(&mut self, reply: Reply) {
        if self.config.verbose_events {
            self.out
                .push_back(Output::Event(ClientEvent::Reply(reply.clone())));
        }
        let Some(expect) = self.expect.pop_front() else {
            return self.protocol_error(&ReplyError::BadLine(format!(
                "unexpected reply: {}",
                reply.summary()
            )));
        };
        // 421 at any point: the server is closing the connection (§3.8).
        if reply.code.get() == 421 && expect != Expect::Quit {
            self.expect.clear();
            let text = format!("server closing: {}", reply.summary());
            return self.fail_connection(reply, text, false);
        }
        let t = self.config.timeouts;
        match expect {
            Expect::Greeting => {
                self.outcome.greeting = Some(reply.clone());
                if reply.code.get() == 220 {
                    self.ehlo();
                } else {
                    // 554 (or anything else): no service; say QUIT (§3.1).
                    self.refuse_all(&reply, Stage::Greeting);
                    self.quit();
                }
            }
            Expect::Ehlo => {
                if reply.code.is_positive() {
                    self.outcome.esmtp = true;
                    let mut lines = reply.lines.into_vec();
                    if !lines.is_empty() {
                        lines.remove(0);
                    }
                    self.outcome.extensions = lines;
                    self.size_limit = self
                        .keyword("SIZE")
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .filter(|&n| n > 0);
                    self.after_hello();
                } else if matches!(reply.code.get(), 500 | 502) {
                    self.send(
                        &Command::Helo(self.config.helo_name.as_str().into()),
                        Expect::Helo,
                        ClientState::Helo,
                        t.command,
                    );
                } else {
                    self.refuse_all(&reply, Stage::Hello);
                    self.quit();
                }
            }
            Expect::Helo => {
                if reply.code.is_positive() {
                    self.outcome.esmtp = false;
                    self.outcome.extensions.clear();
                    self.after_hello();
                } else {
                    self.refuse_all(&reply, Stage::Hello);
                    self.quit();
                }
            }
            Expect::StartTls => {
                if reply.code.get() == 220 {
                    self.start_tls_after = true;
                    self.wait = t.command;
                } else if self.config.tls == TlsPolicy::Required {
                    self.refuse_all(&reply, Stage::StartTls);
                    self.quit();
                } else {
                    self.after_tls_decision();
                }
            }
            Expect::Auth | Expect::AuthLoginPassword => {
                if reply.code.get() == 235 {
                    self.outcome.authenticated = true;
                    self.next_transaction();
                } else if reply.code.get() == 334 && expect == Expect::Auth {
                    // LOGIN: the server asks for the user name (or PLAIN with
                    // an empty challenge).
                    self.auth_continue();
                } else {
                    self.refuse_all(&reply, Stage::Auth);
                    self.quit();
                }
            }
            Expect::AuthLoginUser => {
                if reply.code.get() == 334 {
                    let pw = self
                        .config
                        .credentials
                        .as_ref()
                        .map(|c| c.password.clone())
                        .unwrap_or_default();
                    self.send_raw(
                        format!("{}\r\n", sasl::base64_encode(pw.as_bytes())).into_bytes(),
                        Expect::AuthLoginPassword,
                        ClientState::Auth,
                        t.command,
                    );
                } else {
                    self.refuse_all(&reply, Stage::Auth);
                    self.quit();
                }
            }
            Expect::Mail => self.on_mail(reply),
            Expect::Rcpt(i) => self.on_rcpt(i, reply),
            Expect::Data => self.on_data(reply),
            Expect::EndOfData => {
                if let Some(a) = self.active.as_mut() {
                    for i in a.accepted.clone() {
                        a.settle(i, &reply, Stage::EndOfData, false);
                    }
                }
                self.settle_active(false);
            }
            Expect::LoneDot => {
                // The answer to an empty message sent only to close a DATA
                // that should have failed (RFC 2920 §3.1); nothing to record.
                self.settle_active(false);
            }
            Expect::Rset => self.next_transaction(),
            Expect::Quit => {
                self.outcome.quit = Some(reply);
                self.finish(None);
            }
        }
    }

    /// The parameters of the EHLO keyword `name` (case-insensitive), if
    /// the server offered it: the text after the keyword's first space.
    fn keyword(&self, name: &str) -> Option<&str> {
        self.outcome.extensions.iter().find_map(|l| {
            let kw = l.get(..name.len())?;
            if !kw.eq_ignore_ascii_case(name) {
                return None;
            }
            match l.as_bytes().get(name.len()) {
                None => Some(""),
                Some(b' ') => l.get(name.len() + 1..),
                Some(_) => None,
            }
        })
    }

    fn after_hello(&mut self) {
        let offered = self.keyword("STARTTLS").is_some();
        if !self.outcome.tls && self.config.tls != TlsPolicy::Never && offered {
            let t = self.config.timeouts.command;
            self.send(
                &Command::StartTls,
                Expect::StartTls,
                ClientState::StartTls,
                t,
            );
            return;
        }
        if !self.outcome.tls && self.config.tls == TlsPolicy::Required {
            let r = Reply::enhanced(
                451,
                (4, 7, 10),
                "TLS is required but the server does not offer STARTTLS",
            );
            self.settle_all(&r, Stage::StartTls, true);
            self.outcome.error = Some("STARTTLS required but not offered".into());
            self.quit();
            return;
        }
        self.after_tls_decision();
    }

    fn after_tls_decision(&mut self) {
        let creds_usable = self.config.credentials.is_some()
            && !self.outcome.authenticated
            && (self.outcome.tls || !self.config.auth_requires_tls);
        let mechs = self
            .keyword("AUTH")
            .unwrap_or_default()
            .to_ascii_uppercase();
        let mechs: Vec<&str> = mechs.split(' ').collect();
        if creds_usable && self.outcome.esmtp {
            let t = self.config.timeouts.command;
            if let Some(c) = self.config.credentials.clone() {
                if mechs.contains(&"PLAIN") {
                    let cmd = Command::Auth {
                        mechanism: "PLAIN".into(),
                        initial: Some(sasl::plain_encode(&c).into()),
                    };
                    self.send(&cmd, Expect::Auth, ClientState::Auth, t);
                    return;
                }
                if mechs.contains(&"LOGIN") {
                    self.auth_login = true;
                    let cmd = Command::Auth {
                        mechanism: "LOGIN".into(),
                        initial: None,
                    };
                    self.send(&cmd, Expect::Auth, ClientState::Auth, t);
                    return;
                }
            }
        }
        self.next_transaction();
    }

    fn auth_continue(&mut self) {
        let t = self.config.timeouts.command;
        let Some(c) = self.config.credentials.clone() else {
            return self.quit();
        };
        // After AUTH LOGIN the 334 asks for the user name; after AUTH PLAIN
        // sent with an initial response a 334 is a protocol oddity: answer
        // with the response again.
        if !self.auth_login {
            self.send_raw(
                format!("{}\r\n", sasl::plain_encode(&c)).into_bytes(),
                Expect::Auth,
                ClientState::Auth,
                t,
            );
        } else {
            self.send_raw(
                format!("{}\r\n", sasl::base64_encode(c.username.as_bytes())).into_bytes(),
                Expect::AuthLoginUser,
                ClientState::Auth,
                t,
            );
        }
    }

    fn next_transaction(&mut self) {
        loop {
            let Some((id, tx)) = self.queue.pop_front() else {
                return self.quit();
            };
            if tx.rcpts.is_empty() {
                continue;
            }
            let size = tx.content.len() as u64;
            if let Some(limit) = self.size_limit {
                if size > limit {
                    let r = Reply::enhanced(
                        552,
                        (5, 3, 4),
                        format!(
                            "Message of {size} octets exceeds the server's SIZE limit of {limit}"
                        ),
                    );
                    self.settle_unsent(id, &tx, &r, Stage::Local, true);
                    continue;
                }
            }
            let needs_utf8 = tx.from.mailbox().is_some_and(|m| !m.is_ascii())
                || tx
                    .rcpts
                    .iter()
                    .any(|(r, _)| r.mailbox().is_some_and(|m| !m.is_ascii()));
            if needs_utf8 && self.keyword("SMTPUTF8").is_none() {
                let r = Reply::enhanced(
                    553,
                    (5, 6, 7),
                    "Non-ASCII address and the server does not offer SMTPUTF8",
                );
                self.settle_unsent(id, &tx, &r, Stage::Local, true);
                continue;
            }
            return self.start_transaction(id, tx, needs_utf8);
        }
    }

    fn start_transaction(&mut self, id: usize, tx: Transaction, needs_utf8: bool) {
        let esmtp = self.outcome.esmtp;
        let dsn = self.keyword("DSN").is_some();
        let mut params = if esmtp {
            tx.mail_params.clone()
        } else {
            MailParams::default()
        };
        if !dsn {
            params.ret = None;
            params.envid = None;
        }
        params.unknown.clear();
        params.auth = None;
        params.size = self.keyword("SIZE").map(|_| tx.content.len() as u64);
        params.body = if !tx.content.is_ascii() && self.keyword("8BITMIME").is_some() {
            Some(Body::EightBitMime)
        } else {
            None
        };
        params.smtputf8 = needs_utf8;
        let t = self.config.timeouts;
        let pipelining = self.config.pipelining && self.keyword("PIPELINING").is_some();
        let rcpts: Vec<Command> = tx
            .rcpts
            .iter()
            .map(|(to, p)| Command::Rcpt {
                to: to.clone(),
                params: if esmtp && dsn {
                    RcptParams {
                        unknown: Vec::new(),
                        ..p.clone()
                    }
                } else {
                    RcptParams::default()
                },
            })
            .collect();
        let mail = Command::Mail {
            from: tx.from.clone(),
            params,
        };
        let n_rcpts = tx.rcpts.len();
        self.active = Some(Active {
            id,
            tx,
            mail_ok: None,
            accepted: Vec::new(),
            carried: Vec::new(),
            settled: Vec::new(),
            done: vec![false; n_rcpts],
        });
        if pipelining {
            // RFC 2920 §3.1: MAIL, every RCPT and DATA in one group.
            let mut batch = self.spare.take();
            mail.write_line(&mut batch);
            for r in &rcpts {
                r.write_line(&mut batch);
            }
            batch.extend_from_slice(b"DATA\r\n");
            self.out.push_back(Output::Transmit(batch));
            self.expect.push_back(Expect::Mail);
            self.expect.extend((0..rcpts.len()).map(Expect::Rcpt));
            self.expect.push_back(Expect::Data);
            self.state = ClientState::Mail;
            self.wait = t.mail;
        } else {
            self.send(&mail, Expect::Mail, ClientState::Mail, t.mail);
        }
    }

    fn pipelined(&self) -> bool {
        self.expect
            .iter()
            .any(|e| matches!(e, Expect::Rcpt(_) | Expect::Data))
    }

    fn on_mail(&mut self, reply: Reply) {
        let pipelined = self.pipelined();
        let Some(a) = self.active.as_mut() else {
            return;
        };
        a.mail_ok = Some(reply.code.is_positive());
        if reply.code.is_positive() {
            if !pipelined {
                self.send_rcpt(0);
            } else {
                self.state = ClientState::Rcpt;
                self.wait = self.config.timeouts.rcpt;
            }
            return;
        }
        a.settle_rest(&reply, Stage::Mail, false);
        if !pipelined {
            self.settle_active(false);
        }
        // Pipelined: the RCPT and DATA replies (503s) are still to come;
        // they settle nothing more.
    }

    fn send_rcpt(&mut self, i: usize) {
        let Some(a) = self.active.as_ref() else {
            return;
        };
        let dsn = self.outcome.esmtp && self.keyword("DSN").is_some();
        let Some((to, p)) = a.tx.rcpts.get(i).cloned() else {
            return;
        };
        let cmd = Command::Rcpt {
            to,
            params: if dsn {
                RcptParams {
                    unknown: Vec::new(),
                    ..p
                }
            } else {
                RcptParams::default()
            },
        };
        let t = self.config.timeouts.rcpt;
        self.send(&cmd, Expect::Rcpt(i), ClientState::Rcpt, t);
    }

    fn on_rcpt(&mut self, i: usize, reply: Reply) {
        let pipelined = self.pipelined();
        let Some(a) = self.active.as_mut() else {
            return;
        };
        let n = a.tx.rcpts.len();
        if a.mail_ok == Some(true) {
            if reply.code.is_positive() {
                a.accepted.push(i);
            } else if reply.code.get() == 452 && !a.accepted.is_empty() {
                // Too many recipients: carry it into another transaction.
                a.carried.push(i);
            } else {
                a.settle(i, &reply, Stage::Rcpt, false);
            }
        }
        if pipelined {
            return;
        }
        if i + 1 < n {
            return self.send_rcpt(i + 1);
        }
        if a.accepted.is_empty() {
            let t = self.config.timeouts.command;
            self.settle_active(true);
            self.send(&Command::Rset, Expect::Rset, ClientState::Rset, t);
        } else {
            let t = self.config.timeouts.data_initiation;
            self.send(&Command::Data, Expect::Data, ClientState::Data, t);
        }
    }

    fn on_data(&mut self, reply: Reply) {
        let t = self.config.timeouts;
        let Some(a) = self.active.as_mut() else {
            return;
        };
        if reply.code.get() == 354 {
            if a.accepted.is_empty() || a.mail_ok != Some(true) {
                // RFC 2920 §3.1: DATA accepted though nothing else was; send
                // an empty message to end it.
                self.send_raw(
                    b".\r\n".to_vec(),
                    Expect::LoneDot,
                    ClientState::DataDone,
                    t.data_termination,
                );
                return;
            }
            let data = dot_stuff(&a.tx.content);
            self.send_raw(
                data,
                Expect::EndOfData,
                ClientState::DataDone,
                t.data_termination,
            );
            return;
        }
        if a.mail_ok == Some(true) {
            for i in a.accepted.clone() {
                a.settle(i, &reply, Stage::Data, false);
            }
        }
        let mail_ok = a.mail_ok == Some(true);
        self.settle_active(true);
        if mail_ok {
            // A transaction may still be open on the server: RSET (§4.1.1.5).
            self.send(&Command::Rset, Expect::Rset, ClientState::Rset, t.command);
        } else {
            self.next_transaction();
        }
    }

    /// Emits the active transaction's outcome and queues carried recipients.
    /// When `hold` is set, the next step is the caller's.
    fn settle_active(&mut self, hold: bool) {
        let Some(a) = self.active.take() else {
            if !hold {
                self.next_transaction();
            }
            return;
        };
        if !a.carried.is_empty() {
            let tx = Transaction {
                rcpts: a
                    .carried
                    .iter()
                    .filter_map(|&i| a.tx.rcpts.get(i).cloned())
                    .collect(),
                ..a.tx.clone()
            };
            self.queue.push_front((a.id, tx));
        }
        self.out
            .push_back(Output::Event(ClientEvent::TransactionDone(
                TransactionOutcome {
                    id: a.id,
                    rcpts: a.settled,
                },
            )));
        if !hold {
            self.next_transaction();
        }
    }

    fn settle_unsent(
        &mut self,
        id: usize,
        tx: &Transaction,
        reply: &Reply,
        stage: Stage,
        local: bool,
    ) {
        let rcpts = tx
            .rcpts
            .iter()
            .map(|(rcpt, _)| RecipientOutcome {
                rcpt: rcpt.clone(),
                reply: reply.clone(),
                stage,
                local,
            })
            .collect();
        self.out
            .push_back(Output::Event(ClientEvent::TransactionDone(
                TransactionOutcome { id, rcpts },
            )));
    }

    /// Every transaction not yet settled gets `reply`.
    fn refuse_all(&mut self, reply: &Reply, stage: Stage) {
        self.settle_all(reply, stage, false);
    }

    /// Every transaction not yet settled gets `reply`, made up or received.
    fn settle_all(&mut self, reply: &Reply, stage: Stage, local: bool) {
        if let Some(mut a) = self.active.take() {
            a.settle_rest(reply, stage, local);
            self.out
                .push_back(Output::Event(ClientEvent::TransactionDone(
                    TransactionOutcome {
                        id: a.id,
                        rcpts: a.settled,
                    },
                )));
        }
        while let Some((id, tx)) = self.queue.pop_front() {
            self.settle_unsent(id, &tx, reply, stage, local);
        }
    }

    fn quit(&mut self) {
        if self.quit_sent {
            return;
        }
        self.quit_sent = true;
        let t = self.config.timeouts.command;
        self.send(&Command::Quit, Expect::Quit, ClientState::Quit, t);
    }

    fn fail_connection(&mut self, reply: Reply, error: String, local: bool) {
        let stage = match self.state {
            ClientState::Greeting => Stage::Greeting,
            ClientState::Ehlo | ClientState::Helo => Stage::Hello,
            ClientState::StartTls | ClientState::TlsHandshake => Stage::StartTls,
            ClientState::Auth => Stage::Auth,
            ClientState::Mail => Stage::Mail,
            ClientState::Rcpt => Stage::Rcpt,
            ClientState::Data => Stage::Data,
            ClientState::DataDone => Stage::EndOfData,
            ClientState::Rset | ClientState::Quit | ClientState::Closed => Stage::Connect,
        };
        // Recipients refused earlier in the active transaction keep their
        // reply; the others get this one.
        self.settle_all(&reply, stage, local);
        self.finish(Some(error));
    }

    fn protocol_error(&mut self, e: &ReplyError) {
        let r = Reply::enhanced(421, (4, 5, 0), format!("Protocol error: {e}"));
        self.fail_connection(r, format!("protocol error: {e}"), true);
    }

    fn finish(&mut self, error: Option<String>) {
        if self.closed {
            return;
        }
        if error.is_some() {
            self.outcome.error = error;
        }
        // Anything still unsettled (a clean QUIT settles everything).
        if self.active.is_some() || !self.queue.is_empty() {
            let r = Reply::enhanced(
                421,
                (4, 4, 2),
                "Connection ended before the transaction was complete",
            );
            self.settle_all(&r, Stage::Connect, true);
        }
        self.closed = true;
        self.state = ClientState::Closed;
        self.expect.clear();
        self.deadline = None;
        if self.config.verbose_events {
            self.out
                .push_back(Output::Event(ClientEvent::Finished(Box::new(
                    self.outcome.clone(),
                ))));
        }
        self.out.push_back(Output::Close);
    }
}
