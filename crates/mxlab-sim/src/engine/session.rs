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

use compact_str::{CompactString, ToCompactString};
use mxlab_proto::client::{
    ClientConfig, ClientEvent, ClientSession, RecipientOutcome, Stage as ClientStage, Timeouts,
    TlsPolicy, Transaction,
};
use mxlab_proto::message::{with_protocol, ReceivedFields};
use mxlab_proto::path::{ForwardPath, PathOptions, ReversePath};
use mxlab_proto::reply::Reply;
use mxlab_proto::sasl::Credentials;
use mxlab_proto::server::{Decision, ServerEvent, ServerSession};
use mxlab_proto::{explain, ClientState, Input, Instant, Output, ServerState};

use super::attempt::{AttemptKey, SIM_EPOCH_UNIX};
use super::host::{PeerState, QueueEntry};
use super::{Event, Sim};
use crate::diagnostic::Diagnostic;
use crate::scenario::{DownMode, Stage};
use crate::time::SimTime;
use crate::timing::ClientTimeouts;
use crate::trace::{AbortCause, ConnectFailure, EventKind, Names};

pub(crate) const PATHS: PathOptions = PathOptions {
    smtputf8: true,
    allow_unqualified: true,
    allow_missing_brackets: false,
};

/// A write longer than this travels as several segments of whole lines.
const CHUNK: usize = 64 * 1024;

/// The links' capacity, in Mbit/s, for the segments of a long write: an
/// 8 MB message takes about 0.7 s on the wire.
const LINK_MBPS: u64 = 100;

/// How long `bytes` octets take to put on the wire, in microseconds.
fn transmission_micros(bytes: usize) -> u64 {
    (bytes as u64).saturating_mul(8) / LINK_MBPS
}

/// Where the first segment of `rest` ends: after the last line end within
/// [`CHUNK`] octets (or the first one after, for a longer line).
fn chunk_end(rest: &[u8]) -> usize {
    if rest.len() <= CHUNK {
        return rest.len();
    }
    let head = rest.get(..CHUNK).unwrap_or(rest);
    match head.iter().rposition(|&b| b == b'\n') {
        Some(i) => i + 1,
        None => rest
            .iter()
            .skip(CHUNK)
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| CHUNK + i + 1),
    }
}

/// Segments travelling to the server, and to the client.
const TO_SERVER: usize = 0;
const TO_CLIENT: usize = 1;

/// What travels one way on a connection.
#[derive(Debug, Clone)]
enum Segment {
    /// Bytes written in one go, when they were written, and whether the
    /// server closed its end right after them.
    Data {
        bytes: Vec<u8>,
        sent_at: SimTime,
        fin: bool,
    },
    /// The server closed its end.
    Fin,
    /// The server's host reset the connection, and why.
    Reset(CompactString),
}

/// One open connection.
#[derive(Debug, Clone)]
pub(super) struct Conn {
    /// Its place among the open connections, and its id in the trace.
    slot: u32,
    id: u64,
    attempt: AttemptKey,
    client_host: usize,
    server_host: usize,
    client: ClientSession,
    server: ServerSession,
    /// The server's end is gone (reset).
    server_gone: bool,
    peer: PeerState,
    /// Segments on their way, each direction in order.
    wire: [VecDeque<Segment>; 2],
    /// When the last segment each way arrives (TCP delivers in order).
    last_arrival: [SimTime; 2],
    /// Each end is ready for the TLS handshake: server, client.
    tls_ready: [bool; 2],
    /// Messages the server took from this connection (more than one: a
    /// smuggled one).
    messages: u32,
    outcomes: Vec<RecipientOutcome>,
    /// The recipients, parsed as the client sends them.
    paths: Vec<Result<ForwardPath, String>>,
    /// The client's reply deadline, and the earliest timer event due (a
    /// timer is set only when a reply may not come in time: a segment was
    /// lost, or a reply is on its way that arrives too late).
    deadline: Option<SimTime>,
    timer: Option<SimTime>,
    /// A segment of this connection was lost.
    stalled: bool,
    /// The names of its lines: to the server, to the client.
    names: [Names; 2],
    message_id: CompactString,
    hops: u32,
    /// Cut (reset or timed out) rather than closed after QUIT.
    cut: bool,
    /// The client is done, and its attempt has its results: what is
    /// still on the wire arrives (and is recorded) before the connection
    /// is gone.
    client_done: bool,
    /// When the server's last reply left (a tarpit delays each one).
    server_sent: SimTime,
}

/// What the host's door says to a server event.
enum Door {
    Decide(Decision),
    Nothing,
    /// The host crashes before answering.
    Crash,
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

/// What a client in `state` waits for, and for how long, in words.
fn waiting_for(state: ClientState, t: &ClientTimeouts) -> CompactString {
    let (what, secs) = match state {
        ClientState::Greeting => ("greeting", t.helo_secs),
        ClientState::Ehlo | ClientState::Helo => ("reply to EHLO", t.helo_secs),
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

/// The writes of one instant as one buffer.
fn coalesce(
    mut writes: smallvec::SmallVec<[Vec<u8>; 4]>,
    mut give_back: impl FnMut(Vec<u8>),
) -> Option<Vec<u8>> {
    let mut rest = writes.drain(..);
    let mut first = rest.next()?;
    for more in rest {
        first.extend_from_slice(&more);
        give_back(more);
    }
    Some(first)
}

/// A recipient's outcome as the engine counts it (`server` replied, unless
/// the client made the reply up: a timeout, a lost connection).
fn to_result(o: &RecipientOutcome, server: &str) -> Result<(), Diagnostic> {
    if o.is_delivered() {
        return Ok(());
    }
    if o.stage == ClientStage::Auth {
        // A refused login defers rather than bounces, as Postfix does by
        // default (smtp_sasl_auth_soft_bounce): the password may be fixed.
        return Err(Diagnostic::new(
            454,
            "4.7.8",
            &format!(
                "Authentication failed ({}); the message stays queued",
                o.reply.summary()
            ),
            "RFC 4954 §6",
        ));
    }
    let code = o.reply.code.get();
    let enhanced = o
        .reply
        .enhanced
        .map(|e| e.to_string())
        .unwrap_or_else(|| format!("{}.0.0", o.reply.code.class()));
    let d = Diagnostic::new(code, &enhanced, &o.reply.text(), explain::reply(code).rfc);
    Err(if o.local { d } else { d.from_server(server) })
}

/// Each recipient's result, in order, from what the client settled.
fn per_rcpt(
    paths: &[Result<ForwardPath, String>],
    outcomes: &[RecipientOutcome],
    server: &str,
) -> Vec<Result<(), Diagnostic>> {
    let mut used: smallvec::SmallVec<[bool; 8]> = smallvec::smallvec![false; outcomes.len()];
    paths
        .iter()
        .map(|p| {
            let p = match p {
                Ok(p) => p,
                Err(e) => {
                    return Err(Diagnostic::new(
                        501,
                        "5.1.3",
                        &format!("Bad recipient address syntax: {e}"),
                        "RFC 5321 §4.1.2",
                    ))
                }
            };
            let found = outcomes
                .iter()
                .enumerate()
                .find(|(k, o)| !used.get(*k).copied().unwrap_or(true) && o.rcpt == *p);
            match found {
                Some((k, o)) => {
                    if let Some(u) = used.get_mut(k) {
                        *u = true;
                    }
                    to_result(o, server)
                }
                None => Err(Diagnostic::new(
                    451,
                    "4.4.2",
                    "Connection lost",
                    "RFC 5321 §4.2.2",
                )),
            }
        })
        .collect()
}

impl Sim {
    /// The SYN-ACK reaches the client: the connection is open, the server
    /// greets (unless its host went down meanwhile).
    pub(super) fn on_connected(&mut self, now: SimTime, key: AttemptKey) {
        let host = key.0;
        let Some((message, target, started)) = self
            .attempts
            .get(&key)
            .map(|a| (a.message, a.target, a.started))
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
        // A server that requires AUTH is a submission server: port 587
        // (RFC 6409); everything else relays on 25.
        let port = if self
            .hosts
            .get(target)
            .is_some_and(|h| h.node.policy.auth_required)
        {
            587
        } else {
            25
        };
        self.record(now, names[TO_SERVER], EventKind::Connect { conn: id, port });
        let client_name = self.name(host);
        let Some(client_host) = self.hosts.get(host) else {
            return;
        };
        let mut client_cfg = ClientConfig::new(client_name.as_str());
        client_cfg.tls = TlsPolicy::Opportunistic;
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
        server_cfg.greeting_reply = h.forced_reply(Stage::Connect).map(|d| d.reply());
        server_cfg.hello_reply = h.forced_reply(Stage::Helo).map(|d| d.reply());
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
        // restarted rather than allocated again.
        let mut conn = match self.spare_conns.pop() {
            Some(mut c) => {
                c.server.restart(server_cfg, at);
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
                c
            }
            None => Box::new(Conn {
                slot,
                id,
                attempt: key,
                client_host: host,
                server_host: target,
                client: ClientSession::new(client_cfg, vec![tx], at),
                server: ServerSession::new(server_cfg, at),
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
            }),
        };
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

    /// Sends a segment one way: it arrives after the link's delay, and
    /// never before the segments sent earlier the same way.
    fn send(&mut self, now: SimTime, c: &mut Conn, dir: usize, segment: Segment) {
        self.send_after(now, c, dir, segment, SimTime::ZERO);
    }

    /// Sends a write of data; one larger than [`CHUNK`] travels as
    /// segments of whole lines, each arriving its transmission time
    /// ([`LINK_MBPS`]) after the one before, so a long message takes time
    /// on the wire and the run can be computed (and drawn) between them.
    fn send_data(&mut self, now: SimTime, c: &mut Conn, dir: usize, write: Segment) {
        let Segment::Data {
            bytes,
            sent_at,
            fin,
        } = write
        else {
            return self.send(now, c, dir, write);
        };
        if bytes.len() <= CHUNK {
            let segment = Segment::Data {
                bytes,
                sent_at,
                fin,
            };
            return self.send(now, c, dir, segment);
        }
        let mut rest: &[u8] = &bytes;
        let mut ready = sent_at;
        while !rest.is_empty() {
            let cut = chunk_end(rest);
            let (piece, after) = rest.split_at(cut);
            rest = after;
            ready = ready.plus_micros(transmission_micros(piece.len()));
            let segment = Segment::Data {
                bytes: piece.to_vec(),
                sent_at,
                fin: fin && rest.is_empty(),
            };
            self.send_after(now, c, dir, segment, ready);
        }
    }

    /// Sends a segment that arrives no earlier than `not_before` plus the
    /// link's delay.
    fn send_after(
        &mut self,
        now: SimTime,
        c: &mut Conn,
        dir: usize,
        segment: Segment,
        not_before: SimTime,
    ) {
        let (from, to) = if dir == TO_SERVER {
            (c.client_host, c.server_host)
        } else {
            (c.server_host, c.client_host)
        };
        let sent = match &segment {
            Segment::Data { sent_at, .. } => *sent_at,
            _ => now,
        };
        let delay = self.one_way(from, to);
        let last = c.last_arrival.get(dir).copied().unwrap_or(now);
        let at = sent.max(not_before).plus_micros(delay).max(last);
        if let Some(l) = c.last_arrival.get_mut(dir) {
            *l = at;
        }
        if let Some(w) = c.wire.get_mut(dir) {
            w.push_back(segment);
        }
        self.events.push(
            at,
            Event::Segment {
                slot: c.slot,
                conn: c.id,
                to_server: dir == TO_SERVER,
            },
        );
        if dir == TO_CLIENT && c.deadline.is_some_and(|d| at > d) {
            // The reply comes too late (a tarpit, a slow link).
            self.arm(c);
        }
    }

    /// Sets the client's timer for its deadline, unless one is due by then.
    fn arm(&mut self, c: &mut Conn) {
        let Some(d) = c.deadline else {
            return;
        };
        if c.timer.is_none_or(|t| t > d) {
            c.timer = Some(d);
            self.events.push(
                d,
                Event::ClientTimer {
                    slot: c.slot,
                    conn: c.id,
                },
            );
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
                        " after the final dot, before its reply: the message may have been delivered (RFC 1047)",
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
                let detail = self
                    .hosts
                    .get(c.client_host)
                    .map_or_else(CompactString::default, |h| {
                        waiting_for(c.client.state(), &h.profile.timeouts)
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
        self.record(
            now,
            c.names[TO_SERVER],
            EventKind::TlsUpgrade { conn: c.id, ok },
        );
        let input = if ok {
            Input::TlsEstablished
        } else {
            Input::TlsFailed
        };
        if !c.server_gone {
            c.server.handle_input(instant(now), input);
        }
        c.client.handle_input(instant(now), input);
        let closed = self.drive(now, &mut c);
        self.settle_conn(now, c, closed);
    }

    /// Puts what both ends have to say on the wire; true when the client
    /// is done.
    fn drive(&mut self, now: SimTime, c: &mut Conn) -> bool {
        self.drive_server(now, c);
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
                .is_some_and(|h| h.faults.crash == Some(Stage::Data));
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
        if tarpit == 0 {
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

    /// The server's host answers one event of its session.
    fn door(&mut self, now: SimTime, c: &mut Conn, e: ServerEvent) -> Door {
        let Some(h) = self.hosts.get_mut(c.server_host) else {
            return Door::Nothing;
        };
        let crash = h.faults.crash;
        match e {
            ServerEvent::Hello { .. } if crash == Some(Stage::Helo) => Door::Crash,
            ServerEvent::MailFrom { .. } if crash == Some(Stage::Mail) => Door::Crash,
            ServerEvent::RcptTo { .. } if crash == Some(Stage::Rcpt) => Door::Crash,
            ServerEvent::Message {
                envelope, content, ..
            } => {
                c.messages = c.messages.saturating_add(1);
                if c.messages == 1 {
                    let forced = h
                        .forced_reply(Stage::Data)
                        .or_else(|| h.forced_reply(Stage::EndOfData));
                    if let Some(d) = forced {
                        return Door::Decide(Decision::Reject(d.reply()));
                    }
                }
                self.store(now, c, &envelope, content);
                if crash == Some(Stage::EndOfData) {
                    return Door::Crash;
                }
                Door::Decide(self.queued())
            }
            other => h
                .answer(&mut c.peer, &other, now)
                .map_or(Door::Nothing, Door::Decide),
        }
    }

    /// The server took responsibility for a message: it enters its queue
    /// with a `Received:` on top and a fresh retry history (a second
    /// message on the same connection was smuggled past the end of data).
    fn store(
        &mut self,
        now: SimTime,
        c: &Conn,
        envelope: &mxlab_proto::server::Envelope,
        content: Vec<u8>,
    ) {
        let message_id = if c.messages <= 1 {
            c.message_id.clone()
        } else {
            compact_str::format_compact!("{}.smuggled{}", c.message_id, c.messages - 1)
        };
        let mail_from = envelope
            .from
            .mailbox()
            .map(|m| m.to_string())
            .unwrap_or_default();
        let rcpts: Vec<String> = envelope
            .rcpts
            .iter()
            .map(|(r, _)| r.mailbox().map_or("postmaster".into(), |m| m.to_string()))
            .collect();
        let content = match String::from_utf8(content) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        let mut id = message_id.clone();
        id.push('.');
        id.push_str(&c.id.to_compact_string());
        let (client, server) = (self.name(c.client_host), self.name(c.server_host));
        let mut out = String::with_capacity(content.len().saturating_add(192));
        ReceivedFields {
            from_helo: &client,
            from_ip: None,
            by: &server,
            with: with_protocol(true, envelope.tls, envelope.auth.is_some()),
            id: Some(&id),
            for_rcpt: match rcpts.as_slice() {
                [one] => Some(one),
                _ => None,
            },
            unix_secs: SIM_EPOCH_UNIX
                .saturating_add(i64::try_from(now.as_secs()).unwrap_or(i64::MAX)),
        }
        .write_to(&mut out);
        out.push_str(&content);
        let hops = c.hops.saturating_add(1);
        let entry = QueueEntry::owning(message_id, mail_from, rcpts, out, (hops, now));
        self.events.push(
            now,
            Event::Arrive {
                host: super::id32(c.server_host),
                entry: Box::new(entry),
            },
        );
    }

    /// Accepts a message with the next queue id.
    fn queued(&mut self) -> Decision {
        self.serial = self.serial.wrapping_add(1);
        // `Ok: queued as Q000042`: six digits at least.
        let digits = self.serial.to_compact_string();
        let mut text = CompactString::const_new("Ok: queued as Q");
        for _ in digits.len()..6 {
            text.push('0');
        }
        text.push_str(&digits);
        Decision::AcceptWith(Reply::enhanced(250, (2, 0, 0), text))
    }

    /// The server's end of `c` is gone: the reset travels to the client.
    fn reset(&mut self, now: SimTime, c: &mut Conn, detail: CompactString) {
        c.server_gone = true;
        c.tls_ready = [false, false];
        if let Some(w) = c.wire.get_mut(TO_SERVER) {
            w.clear();
        }
        self.send(now, c, TO_CLIENT, Segment::Reset(detail));
    }

    /// Resets every connection `host` serves.
    pub(super) fn reset_served_by(&mut self, now: SimTime, host: usize, detail: &str) {
        for slot in 0..self.conns.len() {
            let serving = self
                .conns
                .get(slot)
                .and_then(Option::as_ref)
                .is_some_and(|c| c.server_host == host && !c.server_gone);
            if !serving {
                continue;
            }
            let Some(mut c) = self.conns.get_mut(slot).and_then(Option::take) else {
                continue;
            };
            self.reset(now, &mut c, detail.into());
            if let Some(place) = self.conns.get_mut(slot) {
                *place = Some(c);
            }
        }
    }

    /// `host` crashes: down (refusing) until its crash fault ends, and
    /// every connection it serves is reset.
    pub(super) fn crash(&mut self, now: SimTime, host: usize) {
        if let Some(h) = self.hosts.get_mut(host) {
            h.faults.crash = None;
            h.faults.crashed = true;
            h.faults.down = Some(DownMode::Refused);
        }
        let detail = format!("{} crashed", self.name(host));
        self.reset_served_by(now, host, &detail);
    }
}
