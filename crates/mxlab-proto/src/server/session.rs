//! The session loop: starting and restarting a session, inputs, decisions,
//! the outputs queued in order, timers, replies, closing, and reading the
//! input buffer line by line (or as message data).

use super::{
    joined, CloseReason, Decision, Mode, Pending, Room, ServerConfig, ServerEvent, ServerSession,
};
use crate::limits;
use crate::reply::{EnhancedCode, Reply};
use crate::session::{Input, Instant, Output, ServerState};
use crate::wire::LineReader;

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
    pub(super) fn settled_state(&self) -> ServerState {
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

    pub(super) fn emit(&mut self, e: ServerEvent) {
        self.out.push_back(Output::Event(e));
    }

    pub(super) fn send(&mut self, mut r: Reply) {
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
    pub(super) fn send_line(&mut self, code: u16, enhanced: Option<(u8, u16, u16)>, text: &str) {
        let enhanced = enhanced
            .filter(|_| self.config.extensions.enhanced_status_codes)
            .map(EnhancedCode::from);
        let mut bytes = self.spare.take();
        crate::reply::wire_form_into(&mut bytes, code, enhanced, 1, core::iter::once(text));
        self.out.push_back(Output::Transmit(bytes));
    }

    pub(super) fn close(&mut self, reason: CloseReason) {
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

    pub(super) fn error(&mut self, r: Reply) {
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

    pub(super) fn reset_transaction(&mut self, announce: bool) {
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
}
