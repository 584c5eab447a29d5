//! The session loop: starting and restarting a session, inputs, the
//! outputs queued in order, timers, each reply routed by what it answers,
//! and the end of the connection (QUIT, failures, the outcome).

use super::{
    ClientConfig, ClientEvent, ClientSession, ConnectionOutcome, Expect, Room, Stage, TlsPolicy,
    Transaction,
};
use crate::command::Command;
use crate::reply::{Reply, ReplyError, ReplyParser};
use crate::sasl;
use crate::session::{ClientState, Input, Instant, Output};
use crate::wire::Spare;
use core::time::Duration;
use std::collections::VecDeque;

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
        // Implicit TLS: the handshake comes first; finish_step asks for it.
        c.start_tls_after = c.config.tls == TlsPolicy::Implicit;
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
                    if self.expect.front() == Some(&Expect::Greeting) {
                        // Implicit TLS: now the server greets.
                        self.state = ClientState::Greeting;
                    } else {
                        self.ehlo();
                    }
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

    pub(super) fn send(
        &mut self,
        cmd: &Command,
        expect: Expect,
        state: ClientState,
        wait: Duration,
    ) {
        let mut bytes = self.spare.take();
        cmd.write_line(&mut bytes);
        self.out.push_back(Output::Transmit(bytes));
        self.expect.push_back(expect);
        self.state = state;
        self.wait = wait;
    }

    pub(super) fn send_raw(
        &mut self,
        bytes: Vec<u8>,
        expect: Expect,
        state: ClientState,
        wait: Duration,
    ) {
        self.out.push_back(Output::Transmit(bytes));
        self.expect.push_back(expect);
        self.state = state;
        self.wait = wait;
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

    pub(super) fn quit(&mut self) {
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
