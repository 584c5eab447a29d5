//! What one frame shows at time t: [`view_at`] over an indexed trace.
//!
//! [`TraceIndex`] keeps a snapshot of the derived state every
//! [`SNAPSHOT_EVERY`] events, so a seek clones the nearest snapshot at or
//! before t and replays at most that many events.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use compact_str::CompactString;
use serde::Serialize;

use crate::scenario::Fault;
use crate::time::SimTime;
use crate::trace::{EventKind, Trace, TraceEvent};

/// Events between two snapshots.
pub const SNAPSHOT_EVERY: usize = 4096;

/// A recipient waiting in a host's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueuedRecipient {
    /// The message.
    pub message: CompactString,
    /// The recipient.
    pub recipient: CompactString,
    /// When it will be tried again, if it was deferred.
    pub next_attempt: Option<SimTime>,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
}

/// An open SMTP connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenConnection {
    /// Connection id.
    pub conn: u64,
    /// The client host.
    pub client: CompactString,
    /// The server host.
    pub server: CompactString,
    /// When it opened.
    pub since: SimTime,
    /// Whether STARTTLS succeeded on it.
    pub tls: bool,
}

/// A DNS query waiting for the resolver's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingQuery {
    /// The asking host.
    pub host: CompactString,
    /// The resolver.
    pub resolver: CompactString,
    /// The name asked about.
    pub name: String,
    /// When it was asked.
    pub since: SimTime,
}

/// A line travelling along a link.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineInFlight {
    /// Connection id.
    pub conn: u64,
    /// Sender host.
    pub from: CompactString,
    /// Receiver host.
    pub to: CompactString,
    /// The line for display.
    pub text: String,
    /// The message it carries, if any.
    pub message: Option<CompactString>,
    /// How far along the link, 0..=1.
    pub fraction: f64,
}

/// Everything one frame needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct View {
    /// The time shown.
    pub at: SimTime,
    /// Hosts currently down (a fault).
    pub hosts_down: Vec<CompactString>,
    /// Each host's queue.
    pub queues: BTreeMap<CompactString, Vec<QueuedRecipient>>,
    /// Open connections.
    pub connections: Vec<OpenConnection>,
    /// Lines on the wire.
    pub in_flight: Vec<LineInFlight>,
    /// DNS queries not answered yet.
    pub dns_pending: Vec<PendingQuery>,
    /// Message ids per mailbox.
    pub mailboxes: BTreeMap<CompactString, Vec<CompactString>>,
    /// Active faults.
    pub faults: Vec<Fault>,
    /// Events so far.
    pub events_applied: usize,
}

impl View {
    fn apply(&mut self, e: &TraceEvent) {
        self.events_applied = self.events_applied.saturating_add(1);
        // Most events (the lines on the wire) change nothing here: copy
        // names only where they are kept.
        let host = e.hosts.first().map_or("", CompactString::as_str);
        let message = e.message.as_deref().unwrap_or_default();
        let recipient = e.recipient.as_deref().unwrap_or_default();
        match &e.kind {
            EventKind::Enqueue { recipients, .. } => {
                let q = match self.queues.get_mut(host) {
                    Some(q) => q,
                    None => self.queues.entry(host.into()).or_default(),
                };
                for r in recipients {
                    q.push(QueuedRecipient {
                        message: message.into(),
                        recipient: r.as_str().into(),
                        next_attempt: None,
                        attempts: 0,
                        last_error: None,
                    });
                }
            }
            EventKind::Attempt { recipients, .. } => {
                if let Some(q) = self.queues.get_mut(host) {
                    for r in q.iter_mut().filter(|r| {
                        r.message == message && recipients.iter().any(|x| x == r.recipient.as_str())
                    }) {
                        r.attempts = r.attempts.saturating_add(1);
                    }
                }
            }
            EventKind::Defer {
                next_attempt,
                diagnostic,
            } => {
                if let Some(q) = self.queues.get_mut(host) {
                    for r in q
                        .iter_mut()
                        .filter(|r| r.message == message && r.recipient == recipient)
                    {
                        r.next_attempt = Some(*next_attempt);
                        r.last_error = Some(diagnostic.to_string());
                    }
                }
            }
            EventKind::Deliver { .. } | EventKind::Bounce { .. } => {
                if let Some(q) = self.queues.get_mut(host) {
                    if let Some(i) = q
                        .iter()
                        .position(|r| r.message == message && r.recipient == recipient)
                    {
                        q.remove(i);
                    }
                }
                if let EventKind::Deliver { to, .. } = &e.kind {
                    if to.contains('@') {
                        let m = match self.mailboxes.get_mut(to.as_str()) {
                            Some(m) => m,
                            None => self.mailboxes.entry(to.as_str().into()).or_default(),
                        };
                        m.push(message.into());
                    }
                }
            }
            EventKind::Connect { conn, .. } => self.connections.push(OpenConnection {
                conn: *conn,
                client: host.into(),
                server: e.hosts.get(1).cloned().unwrap_or_default(),
                since: e.at,
                tls: false,
            }),
            EventKind::TlsUpgrade { conn, ok } => {
                if let Some(c) = self.connections.iter_mut().find(|c| c.conn == *conn) {
                    c.tls = *ok;
                }
            }
            EventKind::DnsQuery { name, .. } => self.dns_pending.push(PendingQuery {
                host: host.into(),
                resolver: e.hosts.get(1).cloned().unwrap_or_default(),
                name: name.to_string(),
                since: e.at,
            }),
            EventKind::DnsAnswer { name, .. } => {
                if let Some(i) = self
                    .dns_pending
                    .iter()
                    .position(|q| q.host == host && q.name == *name)
                {
                    self.dns_pending.remove(i);
                }
            }
            EventKind::Close { conn } => self.connections.retain(|c| c.conn != *conn),
            EventKind::FaultOn { fault } => {
                if let Fault::HostDown { host, .. } = &**fault {
                    self.hosts_down.push(host.as_str().into());
                }
                self.faults.push((**fault).clone());
            }
            EventKind::FaultOff { fault } => {
                if let Fault::HostDown { host, .. } = &**fault {
                    if let Some(i) = self.hosts_down.iter().position(|h| h == host) {
                        self.hosts_down.remove(i);
                    }
                }
                if let Some(i) = self.faults.iter().position(|f| f == &**fault) {
                    self.faults.remove(i);
                }
            }
            _ => {}
        }
    }
}

/// A trace with periodic snapshots of its derived state, for cheap seeks.
///
/// It holds the trace by anything that borrows as one: `&Trace` for a
/// seek over a run at hand, `Rc<Trace>` or `Arc<Trace>` to keep it.
#[derive(Debug, Clone)]
pub struct TraceIndex<T: Borrow<Trace>> {
    trace: T,
    every: usize,
    snapshots: Vec<View>,
    /// The longest time any line spent on the wire (arrival minus
    /// sending): a line in flight at t arrives no later than t plus this.
    longest_flight: SimTime,
}

impl<T: Borrow<Trace>> TraceIndex<T> {
    /// Indexes `trace` (one pass), a snapshot every [`SNAPSHOT_EVERY`] events.
    pub fn new(trace: T) -> Self {
        Self::with_interval(trace, SNAPSHOT_EVERY)
    }

    /// Indexes `trace` with a snapshot every `every` events (at least 1).
    pub fn with_interval(trace: T, every: usize) -> Self {
        let every = every.max(1);
        let mut snapshots = vec![View::default()];
        let mut state = View::default();
        let mut longest_flight = 0;
        let t = trace.borrow();
        for i in 0..t.len() {
            match t.line_flight(i) {
                // A line changes nothing in the state: it only counts.
                Some(flight) => {
                    state.events_applied = state.events_applied.saturating_add(1);
                    longest_flight = longest_flight.max(flight);
                }
                None => {
                    if let Some(e) = t.get(i) {
                        if let EventKind::Command { sent_at, .. }
                        | EventKind::Reply { sent_at, .. } = &e.kind
                        {
                            // A line kept whole (with an explanation of its own).
                            longest_flight = longest_flight
                                .max(e.at.as_micros().saturating_sub(sent_at.as_micros()));
                        }
                        state.apply(&e);
                    }
                }
            }
            if (i + 1) % every == 0 {
                snapshots.push(state.clone());
            }
        }
        TraceIndex {
            trace,
            every,
            snapshots,
            longest_flight: SimTime::from_micros(longest_flight),
        }
    }

    /// The indexed trace.
    pub fn trace(&self) -> &Trace {
        self.trace.borrow()
    }

    /// The frame at `t`.
    pub fn view_at(&self, t: SimTime) -> View {
        let events = self.trace.borrow();
        let upto = events.partition_point(|at| at <= t);
        let snap = (upto / self.every).min(self.snapshots.len().saturating_sub(1));
        let mut view = self.snapshots.get(snap).cloned().unwrap_or_default();
        for i in snap.saturating_mul(self.every)..upto {
            if events.is_line(i) {
                view.events_applied = view.events_applied.saturating_add(1);
            } else if let Some(e) = events.get(i) {
                view.apply(&e);
            }
        }
        view.at = t;
        // Lines sent at or before t that arrive after t are on the wire:
        // they arrive within 60 s of t, and within the longest flight of
        // any line in the trace.
        let horizon = t.plus_secs(60).min(SimTime::from_micros(
            t.as_micros()
                .saturating_add(self.longest_flight.as_micros()),
        ));
        let end = events.partition_point(|at| at <= horizon).max(upto);
        for e in events.range(upto..end) {
            let (conn, line, sent_at) = match &e.kind {
                EventKind::Command {
                    conn,
                    line,
                    sent_at,
                }
                | EventKind::Reply {
                    conn,
                    line,
                    sent_at,
                } => (*conn, line, *sent_at),
                _ => continue,
            };
            if sent_at <= t && e.at > t {
                let total = e.at.as_micros().saturating_sub(sent_at.as_micros()).max(1);
                let done = t.as_micros().saturating_sub(sent_at.as_micros());
                view.in_flight.push(LineInFlight {
                    conn,
                    from: e.hosts.first().cloned().unwrap_or_default(),
                    to: e.hosts.get(1).cloned().unwrap_or_default(),
                    text: line.display(),
                    message: e.message.clone(),
                    fraction: done as f64 / total as f64,
                });
            }
        }
        view
    }
}

/// The frame at `t` of `trace` (indexes it first; keep a [`TraceIndex`]
/// to seek repeatedly).
pub fn view_at(trace: &Trace, t: SimTime) -> View {
    TraceIndex::new(trace).view_at(t)
}
