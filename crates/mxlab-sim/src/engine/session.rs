//! Connections on the virtual clock.
//!
//! A connection holds `mxlab-proto`'s client session (on the delivering
//! host) and server session (on the receiving host). Each writes only
//! when something reaches it: every transmission is a segment that
//! travels the link (latency and jitter, in order) and arrives as an
//! event; the receiving host answers each server event as it happens
//! through its one policy door ([`super::Host::answer`]). Nothing is
//! decided before it happens, so a fault strikes what is in flight:
//!
//! - a host going down (refusing) or crashing resets its connections: the
//!   client learns it when the reset arrives, and nothing the server had
//!   not answered counts;
//! - a silent host or a cut link loses segments: the client's RFC 5321
//!   §4.5.3.2 timeouts fire and the attempt is deferred;
//! - a crash after the final dot stores the message and never sends the
//!   250: the client retries it, and the RFC 1047 duplicate follows.

use std::collections::VecDeque;

use compact_str::CompactString;
use mxlab_proto::client::{
    ClientConfig, ClientEvent, ClientSession, RecipientOutcome, Timeouts, TlsPolicy, Transaction,
};
use mxlab_proto::path::{ForwardPath, PathOptions, ReversePath};
use mxlab_proto::sasl::Credentials;
use mxlab_proto::server::ServerSession;
use mxlab_proto::{ClientState, Input, Instant, Output, ServerState};

use super::attempt::AttemptKey;
use super::door::{per_rcpt, Door};
use super::host::PeerState;
use super::wire::{coalesce, Segment, TO_CLIENT, TO_SERVER};
use super::{Event, Sim};
use crate::scenario::{implicit_tls, DownMode, FaultStage};
use crate::time::SimTime;
use crate::timing::ClientTimeouts;
use crate::trace::{AbortCause, ConnectFailure, EventKind, Names};

pub(crate) const PATHS: PathOptions = PathOptions {
    smtputf8: true,
    allow_unqualified: true,
    allow_missing_brackets: false,
};

/// One open connection.
#[derive(Debug, Clone)]
pub(super) struct Conn {
    /// Its place among the open connections, and its id in the trace.
    pub(super) slot: u32,
    pub(super) id: u64,
    pub(super) attempt: AttemptKey,
    pub(super) client_host: usize,
    pub(super) server_host: usize,
    pub(super) client: ClientSession,
    pub(super) server: ServerSession,
    /// The server's end is gone (reset).
    pub(super) server_gone: bool,
    pub(super) peer: PeerState,
    /// Segments on their way, each direction in order.
    pub(super) wire: [VecDeque<Segment>; 2],
    /// When the last segment each way arrives (TCP delivers in order).
    pub(super) last_arrival: [SimTime; 2],
    /// Each end is ready for the TLS handshake: server, client.
    pub(super) tls_ready: [bool; 2],
    /// Messages the server took from this connection (more than one: a
    /// smuggled one).
    pub(super) messages: u32,
    pub(super) outcomes: Vec<RecipientOutcome>,
    /// The recipients, parsed as the client sends them.
    pub(super) paths: Vec<Result<ForwardPath, String>>,
    /// The client's reply deadline, and the earliest timer event due (a
    /// timer is set only when a reply may not come in time: a segment was
    /// lost, or a reply is on its way that arrives too late).
    pub(super) deadline: Option<SimTime>,
    pub(super) timer: Option<SimTime>,
    /// A segment of this connection was lost.
    pub(super) stalled: bool,
    /// The names of its lines: to the server, to the client.
    pub(super) names: [Names; 2],
    pub(super) message_id: CompactString,
    pub(super) hops: u32,
    /// Cut (reset or timed out) rather than closed after QUIT.
    pub(super) cut: bool,
    /// The client is done, and its attempt has its results: what is
    /// still on the wire arrives (and is recorded) before the connection
    /// is gone.
    pub(super) client_done: bool,
    /// When the server's last reply left (a tarpit delays each one), or
    /// when the next may (a verifier's verdict).
    pub(super) server_sent: SimTime,
    /// TLS from the first byte (port 465): the server says nothing until
    /// the handshake is done.
    pub(super) tls_first: bool,
}

fn instant(t: SimTime) -> Instant {
    Instant::from_micros(t.as_micros())
}

fn duration(secs: u64) -> core::time::Duration {
    core::time::Duration::from_secs(secs)
}

/// The client's timeouts from a timing profile's.
fn timeouts(t: &ClientTimeouts) -> Timeouts {
    Timeouts {
        greeting: duration(t.helo_secs),
        command: duration(t.helo_secs),
        mail: duration(t.mail_secs),
        rcpt: duration(t.rcpt_secs),
        data_initiation: duration(t.data_init_secs),
        data_termination: duration(t.data_done_secs),
    }
}

/// What a client in `state` waits for, and for how long, in words
/// (`greeted`: the server's greeting has come).
fn waiting_for(state: ClientState, greeted: bool, t: &ClientTimeouts) -> CompactString {
    let (what, secs) = match state {
        ClientState::Greeting => ("greeting", t.helo_secs),
        ClientState::Ehlo | ClientState::Helo => ("reply to EHLO", t.helo_secs),
        ClientState::StartTls | ClientState::TlsHandshake if !greeted => {
            ("TLS handshake", t.helo_secs)
        }
        ClientState::StartTls | ClientState::TlsHandshake => ("reply to STARTTLS", t.helo_secs),
        ClientState::Auth => ("reply to AUTH", t.helo_secs),
        ClientState::Mail => ("reply to MAIL", t.mail_secs),
        ClientState::Rcpt => ("reply to RCPT", t.rcpt_secs),
        ClientState::Data => ("354 reply to DATA", t.data_init_secs),
        ClientState::DataDone => {
            return compact_str::format_compact!(
            "no reply to the final dot within {} s: the message may have been delivered (RFC 1047)",
            t.data_done_secs
        )
        }
        ClientState::Rset => ("reply to RSET", t.helo_secs),
        ClientState::Quit | ClientState::Closed => ("reply to QUIT", t.helo_secs),
    };
    compact_str::format_compact!("no {what} within {secs} s")
}

/// `<addr>`, written in `scratch`.
fn bracket<'a>(scratch: &'a mut String, addr: &str) -> &'a str {
    scratch.clear();
    scratch.push('<');
    scratch.push_str(addr);
    scratch.push('>');
    scratch
}

impl Sim {
    /// The SYN-ACK reaches the client: the connection is open, the server
    /// greets (unless its host went down meanwhile).
    pub(super) fn on_connected(&mut self, now: SimTime, key: AttemptKey) {
        let host = key.0;
        let Some((message, target, port, started)) = self
            .attempts
            .get(&key)
            .map(|a| (a.message, a.target, a.port, a.started))
        else {
            return;
        };
        match self.hosts.get(target).and_then(|h| h.faults.down) {
            Some(DownMode::Refused) => {
                return self.on_connect_failed(now, key, ConnectFailure::Refused);
            }
            Some(DownMode::Silent) => {
                let at = started.plus_secs(
                    self.hosts
                        .get(host)
                        .map_or(30, |h| h.profile.timeouts.connect_secs),
                );
                return self.connect_failed(at, key, ConnectFailure::Timeout);
            }
            None => {}
        }
        let Some(entry) = self.hosts.get(host).and_then(|h| h.entry(key.1)) else {
            return;
        };
        let (mail_from, content, message_id, hops) = (
            entry.mail_from.clone(),
            entry.content.as_bytes().to_vec(),
            entry.message_id.clone(),
            entry.hops,
        );
        let id = self.next_conn;
        self.next_conn = self.next_conn.saturating_add(1);
        let (c, s) = (self.host_id(host), self.host_id(target));
        let names = [Names::pair(c, s, message), Names::pair(s, c, message)];
        self.record(now, names[TO_SERVER], EventKind::Connect { conn: id, port });
        let tls_first = implicit_tls(port);
        let client_name = self.name(host);
        let Some(client_host) = self.hosts.get(host) else {
            return;
        };
        let mut client_cfg = ClientConfig::new(client_name.as_str());
        client_cfg.tls = if tls_first {
            TlsPolicy::Implicit
        } else {
            TlsPolicy::Opportunistic
        };
        client_cfg.verbose_events = false;
        client_cfg.timeouts = timeouts(&client_host.profile.timeouts);
        client_cfg.credentials = client_host
            .node
            .policy
            .credentials
            .first()
            .map(|c| Credentials {
                authzid: String::new(),
                username: c.user.clone(),
                password: c.password.clone(),
            });
        let server_name = self.name(target);
        let Some(h) = self.hosts.get_mut(target) else {
            return;
        };
        let mut server_cfg = super::host::server_config(&h.node, &server_name);
        // The size limit in force now (a fault may lower it).
        server_cfg.extensions.size = h.size_limit();
        // Forced replies to the greeting and to EHLO, drawn as the server
        // accepts the connection.
        server_cfg.greeting_reply = h.forced_reply(FaultStage::Connect).map(|d| d.reply());
        server_cfg.hello_reply = h.forced_reply(FaultStage::Helo).map(|d| d.reply());
        let mut scratch = core::mem::take(&mut self.scratch);
        let from = ReversePath::parse(bracket(&mut scratch, &mail_from), PATHS)
            .unwrap_or(ReversePath::Null);
        let mut paths = self
            .spare_conns
            .last_mut()
            .map(|c| core::mem::take(&mut c.paths))
            .unwrap_or_default();
        paths.clear();
        if let Some(a) = self.attempts.get(&key) {
            paths.extend(a.rcpts.iter().map(|r| {
                ForwardPath::parse(bracket(&mut scratch, r), PATHS).map_err(|e| e.to_string())
            }));
        }
        self.scratch = scratch;
        let size = content.len() as u64;
        let tx = Transaction::new(
            from,
            paths
                .iter()
                .filter_map(|p| p.as_ref().ok().cloned())
                .collect(),
            content,
        );
        let at = instant(now);
        let slot = match self.free_conns.pop() {
            Some(slot) => slot,
            None => {
                self.conns.push(None);
                u32::try_from(self.conns.len() - 1).unwrap_or(u32::MAX)
            }
        };
        let peer = PeerState {
            message_size: Some(size),
            ..PeerState::default()
        };
        // A closed connection's room (its sessions, buffers and queues) is
        // restarted in place rather than allocated again (a connection is
        // kilobytes: moving it costs as much as building it).
        let mut conn = match self.spare_conns.pop() {
            Some(mut c) => {
                if tls_first {
                    c.server = ServerSession::new_implicit_tls(server_cfg, at);
                } else {
                    c.server.restart(server_cfg, at);
                }
                c.client.restart(client_cfg, [tx], at);
                for w in &mut c.wire {
                    w.clear();
                }
                c.outcomes.clear();
                c.paths = paths;
                c.slot = slot;
                c.id = id;
                c.attempt = key;
                c.client_host = host;
                c.server_host = target;
                c.server_gone = false;
                c.peer.helo.clear();
                c.peer.authenticated = false;
                c.peer.message_size = peer.message_size;
                c.last_arrival = [now, now];
                c.tls_ready = [false, false];
                c.messages = 0;
                c.deadline = None;
                c.timer = None;
                c.stalled = false;
                c.names = names;
                c.message_id = message_id;
                c.hops = hops;
                c.cut = false;
                c.client_done = false;
                c.server_sent = now;
                c.tls_first = tls_first;
                c
            }
            None => Box::new(Conn {
                slot,
                id,
                attempt: key,
                client_host: host,
                server_host: target,
                client: ClientSession::new(client_cfg, vec![tx], at),
                server: if tls_first {
                    ServerSession::new_implicit_tls(server_cfg, at)
                } else {
                    ServerSession::new(server_cfg, at)
                },
                server_gone: false,
                peer,
                wire: [VecDeque::new(), VecDeque::new()],
                last_arrival: [now, now],
                tls_ready: [false, false],
                messages: 0,
                outcomes: Vec::new(),
                paths,
                deadline: None,
                timer: None,
                stalled: false,
                names,
                message_id,
                hops,
                cut: false,
                client_done: false,
                server_sent: now,
                tls_first,
            }),
        };
        // Under implicit TLS the server end is ready for the handshake as
        // soon as the connection is open; the client asks for it at once.
        conn.tls_ready[TO_SERVER] = tls_first;
        let closed = self.drive(now, &mut conn);
        self.settle_conn(now, conn, closed);
    }

    /// Takes connection `id` out of its slot, if it is still open.
    fn take_conn(&mut self, slot: u32, id: u64) -> Option<Box<Conn>> {
        let place = self.conns.get_mut(slot as usize)?;
        if place.as_ref().is_some_and(|c| c.id == id) {
            place.take()
        } else {
            None
        }
    }

    /// Puts a connection back in its slot; when its client has just
    /// closed (`closed`), its results go to its attempt, and once nothing
    /// is left on the wire, the connection is gone.
    fn settle_conn(&mut self, now: SimTime, mut c: Box<Conn>, closed: bool) {
        let results = (closed && !c.client_done).then(|| {
            c.client_done = true;
            let server = self.name(c.server_host);
            let outcomes = per_rcpt(&c.paths, &c.outcomes, &server);
            (server, outcomes)
        });
        let key = c.attempt;
        if c.client_done && c.wire.iter().all(VecDeque::is_empty) {
            if !c.cut {
                self.record(now, c.names[TO_SERVER], EventKind::Close { conn: c.id });
            }
            self.free_conns.push(c.slot);
            if self.spare_conns.len() < 64 {
                self.spare_conns.push(c);
            }
        } else if let Some(place) = self.conns.get_mut(c.slot as usize) {
            *place = Some(c);
        }
        if let Some((server, outcomes)) = results {
            self.connection_done(now, key, server, outcomes);
        }
    }

    /// A segment arrives at one end of connection `id`.
    pub(super) fn on_segment(&mut self, now: SimTime, slot: u32, id: u64, to_server: bool) {
        let Some(mut c) = self.take_conn(slot, id) else {
            return;
        };
        let dir = if to_server { TO_SERVER } else { TO_CLIENT };
        let Some(segment) = c.wire.get_mut(dir).and_then(VecDeque::pop_front) else {
            return self.settle_conn(now, c, false);
        };
        // Lost on the way: a cut link, or a server host that answers
        // nothing (no retransmission is modelled: the client times out).
        let lost = self
            .partitions
            .contains(&super::pair(c.client_host, c.server_host))
            || (to_server
                && self
                    .hosts
                    .get(c.server_host)
                    .is_some_and(|h| h.faults.down.is_some()));
        if lost {
            c.stalled = true;
            self.arm(&mut c);
            return self.settle_conn(now, c, false);
        }
        let at = instant(now);
        match segment {
            Segment::Data {
                bytes,
                sent_at,
                fin,
            } => {
                let names = c.names.get(dir).copied().unwrap_or_default();
                self.recorder.record_lines(
                    self.trace.store_mut(),
                    now,
                    names,
                    (to_server, c.id, sent_at),
                    &bytes,
                );
                // The buffer goes back to the session that wrote it, for
                // its next write.
                if to_server {
                    if !c.server_gone {
                        c.server.handle_input(at, Input::Bytes(&bytes));
                    }
                    c.client.give_back(bytes);
                } else {
                    if !c.client_done {
                        c.client.handle_input(at, Input::Bytes(&bytes));
                        if fin {
                            c.client.handle_input(at, Input::PeerClosed);
                        }
                    }
                    c.server.give_back(bytes);
                }
            }
            Segment::Fin => c.client.handle_input(at, Input::PeerClosed),
            Segment::Reset(_) if c.client_done => {}
            Segment::Reset(mut detail) => {
                if c.client.state() == ClientState::DataDone {
                    detail.push_str(
                        " after the client sent the final dot, before any reply to it: the message may have been delivered (RFC 1047)",
                    );
                }
                c.cut = true;
                self.record(
                    now,
                    c.names[TO_SERVER],
                    EventKind::Abort {
                        conn: c.id,
                        cause: AbortCause::Reset,
                        detail,
                    },
                );
                c.client.handle_input(at, Input::PeerClosed);
            }
        }
        let closed = self.drive(now, &mut c);
        self.settle_conn(now, c, closed);
    }

    /// The client's timer: a reply that has not come by its deadline ends
    /// the session (RFC 5321 §4.5.3.2).
    pub(super) fn on_client_timer(&mut self, now: SimTime, slot: u32, id: u64) {
        let Some(mut c) = self.take_conn(slot, id) else {
            return;
        };
        if c.timer == Some(now) {
            c.timer = None;
        }
        match c.deadline.filter(|_| !c.client_done) {
            Some(d) if d <= now => {
                let detail =
                    self.hosts
                        .get(c.client_host)
                        .map_or_else(CompactString::default, |h| {
                            let greeted = c.client.outcome().greeting.is_some();
                            waiting_for(c.client.state(), greeted, &h.profile.timeouts)
                        });
                c.cut = true;
                self.record(
                    now,
                    c.names[TO_SERVER],
                    EventKind::Abort {
                        conn: c.id,
                        cause: AbortCause::Timeout,
                        detail,
                    },
                );
                c.client.handle_input(instant(now), Input::Timeout);
                let closed = self.drive(now, &mut c);
                return self.settle_conn(now, c, closed);
            }
            Some(_) => self.arm(&mut c),
            None => {}
        }
        self.settle_conn(now, c, false);
    }

    /// The TLS handshake ends: it works unless a TLS fault strikes the
    /// server's host now.
    pub(super) fn on_tls_done(&mut self, now: SimTime, slot: u32, id: u64) {
        let Some(mut c) = self.take_conn(slot, id) else {
            return;
        };
        let ok = !self
            .hosts
            .get(c.server_host)
            .is_some_and(|h| h.faults.tls_failure);
        let kind = EventKind::TlsUpgrade { conn: c.id, ok };
        let input = if ok {
            Input::TlsEstablished
        } else {
            Input::TlsFailed
        };
        if c.tls_first {
            // The server session started under TLS; it greets now, or,
            // with no plain-text session to fall back to, is gone.
            c.tls_first = false;
            c.server_gone |= !ok;
            let explanation = if ok {
                "TLS from the first byte (implicit TLS, port 465): the handshake came before the greeting, and STARTTLS is never offered"
            } else {
                "the TLS handshake failed: on port 465 there is no plain-text session to fall back to, so the client closes and tries again later"
            };
            self.record_explained(now, c.names[TO_SERVER], kind, explanation, "RFC 8314 §3.3");
        } else {
            self.record(now, c.names[TO_SERVER], kind);
            if !c.server_gone {
                c.server.handle_input(instant(now), input);
            }
        }
        c.client.handle_input(instant(now), input);
        let closed = self.drive(now, &mut c);
        self.settle_conn(now, c, closed);
    }

    /// Puts what both ends have to say on the wire; true when the client
    /// is done.
    fn drive(&mut self, now: SimTime, c: &mut Conn) -> bool {
        if !c.tls_first {
            self.drive_server(now, c);
        }
        if c.client_done {
            return false;
        }
        let closed = self.drive_client(now, c);
        if c.tls_ready == [true, true] {
            c.tls_ready = [false, false];
            let rtt = self
                .one_way(c.client_host, c.server_host)
                .saturating_add(self.one_way(c.server_host, c.client_host));
            self.events.push(
                now.plus_micros(rtt),
                Event::TlsDone {
                    slot: c.slot,
                    conn: c.id,
                },
            );
        }
        closed
    }

    fn drive_server(&mut self, now: SimTime, c: &mut Conn) {
        let at = instant(now);
        if c.server_gone {
            return;
        }
        let mut sends: smallvec::SmallVec<[Vec<u8>; 4]> = smallvec::SmallVec::new();
        let (mut fin, mut crashed) = (false, false);
        while let Some(o) = c.server.poll_output() {
            match o {
                Output::Transmit(b) => sends.push(b),
                Output::Event(e) => match self.door(now, c, e) {
                    Door::Decide(d) => c.server.decide(at, d),
                    Door::Nothing => {}
                    Door::Crash => {
                        crashed = true;
                        break;
                    }
                },
                Output::StartTls => c.tls_ready[TO_SERVER] = true,
                Output::Close => fin = true,
                Output::Timeout(_) => {}
            }
        }
        // A crash at DATA: the command arrived, the 354 is never sent.
        crashed |= c.server.state() == ServerState::Data
            && self
                .hosts
                .get(c.server_host)
                .is_some_and(|h| h.faults.crash == Some(FaultStage::Data));
        if crashed {
            let detail = compact_str::format_compact!("{} crashed", self.name(c.server_host));
            self.crash(now, c.server_host);
            self.reset(now, c, detail);
            return;
        }
        let tarpit = self
            .hosts
            .get(c.server_host)
            .map_or(0, |h| h.faults.tarpit_ms.saturating_mul(1_000));
        // A reply held back (a verifier waiting for its DNS answers) is
        // sent as a tarpit's is: when it is ready.
        if tarpit == 0 && c.server_sent <= now {
            // Written at the same instant: one segment (with the close).
            match coalesce(sends, |b| c.server.give_back(b)) {
                Some(bytes) => {
                    let segment = Segment::Data {
                        bytes,
                        sent_at: now,
                        fin,
                    };
                    self.send(now, c, TO_CLIENT, segment);
                }
                None if fin => self.send(now, c, TO_CLIENT, Segment::Fin),
                None => {}
            }
        } else {
            let last = sends.len();
            for (i, bytes) in sends.into_iter().enumerate() {
                // Each reply waits for the one before it, then the tarpit.
                let sent_at = c.server_sent.max(now).plus_micros(tarpit);
                c.server_sent = sent_at;
                let fin = fin && i + 1 == last;
                self.send(
                    now,
                    c,
                    TO_CLIENT,
                    Segment::Data {
                        bytes,
                        sent_at,
                        fin,
                    },
                );
            }
            if fin && last == 0 {
                self.send(now, c, TO_CLIENT, Segment::Fin);
            }
        }
    }

    fn drive_client(&mut self, now: SimTime, c: &mut Conn) -> bool {
        let mut closed = false;
        let mut sends: smallvec::SmallVec<[Vec<u8>; 4]> = smallvec::SmallVec::new();
        while let Some(o) = c.client.poll_output() {
            match o {
                Output::Transmit(bytes) => sends.push(bytes),
                Output::Event(ClientEvent::TransactionDone(t)) => c.outcomes.extend(t.rcpts),
                Output::Event(_) => {}
                Output::StartTls => c.tls_ready[TO_CLIENT] = true,
                Output::Close => closed = true,
                Output::Timeout(d) => {
                    let d = SimTime::from_micros(d.as_micros());
                    c.deadline = Some(d);
                    let late = c.last_arrival[TO_CLIENT] > d && !c.wire[TO_CLIENT].is_empty();
                    if c.stalled || late {
                        self.arm(c);
                    }
                }
            }
        }
        // Written at the same instant: one segment.
        if let Some(bytes) = coalesce(sends, |b| c.client.give_back(b)) {
            self.send_data(
                now,
                c,
                TO_SERVER,
                Segment::Data {
                    bytes,
                    sent_at: now,
                    fin: false,
                },
            );
        }
        closed
    }
}
