//! What one frame shows at time t: [`view_at`] over an indexed trace.
//!
//! [`TraceIndex`] keeps a snapshot of the derived state every
//! [`SNAPSHOT_EVERY`] events, so a seek clones the nearest snapshot at or
//! before t and replays at most that many events.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use compact_str::CompactString;
use imbl::OrdMap;
use serde::Serialize;

use crate::scenario::Fault;
use crate::time::SimTime;
use crate::trace::{ConnectFailure, EventKind, QueryType, Trace, TraceEvent};

/// Events between two snapshots.
pub const SNAPSHOT_EVERY: usize = 4096;

/// Items in the order they came, each found by its key in O(log n): a
/// frame's queues, connections and DNS queries, which can hold tens of
/// thousands of items at once (a scan per event would make indexing a
/// trace quadratic). Its maps share their nodes between copies, so the
/// snapshots of an index and the frame cloned from one cost little.
/// Serialized as the list of its items.
///
/// Every list keeps its items in one map type (of [`Item`]), so that the
/// persistent map's code is compiled once rather than once per kind of item.
#[derive(Clone, PartialEq)]
pub struct Ordered<K: Ord + Clone, V: Listed> {
    next: u64,
    items: OrdMap<u64, Item>,
    by_key: OrdMap<K, Vec<u64>>,
    kind: core::marker::PhantomData<V>,
}

impl<K: Ord + Clone + core::fmt::Debug, V: Listed> core::fmt::Debug for Ordered<K, V> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ordered")
            .field("next", &self.next)
            .field("items", &self.items)
            .field("by_key", &self.by_key)
            .finish()
    }
}

/// What a frame's [`Ordered`] lists hold: one of the item types below.
/// Sealed: implemented only for the types of this module.
pub trait Listed: Clone + private::Sealed {
    /// The item as the lists' one item type.
    #[doc(hidden)]
    fn wrap(self) -> Item;
    /// The item inside, when it is of this type.
    #[doc(hidden)]
    fn inside(item: &Item) -> Option<&Self>;
    /// The item inside, to change, when it is of this type.
    #[doc(hidden)]
    fn inside_mut(item: &mut Item) -> Option<&mut Self>;
    /// The item inside, taken out, when it is of this type.
    #[doc(hidden)]
    fn take(item: Item) -> Option<Self>;
}

mod private {
    pub trait Sealed {}
}

/// One item of any [`Ordered`] list (see [`Listed`]).
#[doc(hidden)]
#[derive(Clone, PartialEq)]
pub enum Item {
    /// A queued recipient.
    Queued(QueuedRecipient),
    /// An open connection.
    Open(OpenConnection),
    /// A connection being opened.
    Dialing(Dialing),
    /// A connection that could not be opened.
    Failed(FailedConnection),
    /// A DNS query waiting for its answer.
    Pending(PendingQuery),
    /// A DNS answer.
    Answered(DnsAnswered),
}

impl core::fmt::Debug for Item {
    /// As the item inside.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Item::Queued(i) => i.fmt(f),
            Item::Open(i) => i.fmt(f),
            Item::Dialing(i) => i.fmt(f),
            Item::Failed(i) => i.fmt(f),
            Item::Pending(i) => i.fmt(f),
            Item::Answered(i) => i.fmt(f),
        }
    }
}

macro_rules! listed {
    ($($ty:ident => $variant:ident),* $(,)?) => {$(
        impl private::Sealed for $ty {}
        impl Listed for $ty {
            fn wrap(self) -> Item {
                Item::$variant(self)
            }
            fn inside(item: &Item) -> Option<&Self> {
                match item {
                    Item::$variant(i) => Some(i),
                    _ => None,
                }
            }
            fn inside_mut(item: &mut Item) -> Option<&mut Self> {
                match item {
                    Item::$variant(i) => Some(i),
                    _ => None,
                }
            }
            fn take(item: Item) -> Option<Self> {
                match item {
                    Item::$variant(i) => Some(i),
                    _ => None,
                }
            }
        }
    )*};
}

listed! {
    QueuedRecipient => Queued,
    OpenConnection => Open,
    Dialing => Dialing,
    FailedConnection => Failed,
    PendingQuery => Pending,
    DnsAnswered => Answered,
}

impl<K: Ord + Clone, V: Listed> Default for Ordered<K, V> {
    fn default() -> Self {
        Ordered {
            next: 0,
            items: OrdMap::new(),
            by_key: OrdMap::new(),
            kind: core::marker::PhantomData,
        }
    }
}

/// The items of an [`Ordered`], in the order they came.
pub struct Iter<'a, V> {
    values: imbl::ordmap::Values<'a, u64, Item, imbl::shared_ptr::DefaultSharedPtr>,
    kind: core::marker::PhantomData<&'a V>,
}

impl<'a, V: Listed> Iterator for Iter<'a, V> {
    type Item = &'a V;
    fn next(&mut self) -> Option<&'a V> {
        self.values.by_ref().find_map(V::inside)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.values.size_hint()
    }
}

impl<V: Listed> DoubleEndedIterator for Iter<'_, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.values.by_ref().rev().find_map(V::inside)
    }
}

impl<K: Ord + Clone, V: Listed> Ordered<K, V> {
    /// Adds `item` last, under `key`.
    pub fn push(&mut self, key: K, item: V) {
        let seq = self.next;
        self.next = self.next.saturating_add(1);
        self.items.insert(seq, item.wrap());
        match self.by_key.get_mut(&key) {
            Some(seqs) => seqs.push(seq),
            None => {
                self.by_key.insert(key, vec![seq]);
            }
        }
    }

    /// How many items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items, in the order they came.
    pub fn iter(&self) -> Iter<'_, V> {
        Iter {
            values: self.items.values(),
            kind: core::marker::PhantomData,
        }
    }

    /// The item that came last.
    pub fn last(&self) -> Option<&V> {
        self.items.get_max().and_then(|(_, v)| V::inside(v))
    }

    /// The item that came `i`-th among those present.
    pub fn get(&self, i: usize) -> Option<&V> {
        self.iter().nth(i)
    }

    /// Changes every item under `key`.
    pub fn update(&mut self, key: &K, mut change: impl FnMut(&mut V)) {
        if let Some(seqs) = self.by_key.get(key) {
            for seq in seqs {
                if let Some(item) = self.items.get_mut(seq).and_then(V::inside_mut) {
                    change(item);
                }
            }
        }
    }

    /// Removes the earliest item under `key`.
    pub fn remove_first(&mut self, key: &K) -> Option<V> {
        let seqs = self.by_key.get_mut(key)?;
        let seq = (!seqs.is_empty()).then(|| seqs.remove(0))?;
        if seqs.is_empty() {
            self.by_key.remove(key);
        }
        self.items.remove(&seq).and_then(V::take)
    }

    /// Removes every item under `key`.
    pub fn remove_all(&mut self, key: &K) {
        for seq in self.by_key.remove(key).unwrap_or_default() {
            self.items.remove(&seq);
        }
    }
}

impl<'a, K: Ord + Clone, V: Listed> IntoIterator for &'a Ordered<K, V> {
    type Item = &'a V;
    type IntoIter = Iter<'a, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<K: Ord + Clone, V: Listed + Serialize> Serialize for Ordered<K, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// A host's queue in a frame: recipients by (message, recipient).
pub type HostQueue = Ordered<(CompactString, CompactString), QueuedRecipient>;

/// A recipient waiting in a host's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
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
#[non_exhaustive]
pub struct OpenConnection {
    /// Connection id.
    pub conn: u64,
    /// The client host.
    pub client: CompactString,
    /// The server host.
    pub server: CompactString,
    /// The server's port (25, 587, 465 …).
    pub port: u16,
    /// When it opened.
    pub since: SimTime,
    /// Whether it is under TLS: STARTTLS succeeded, or the handshake of
    /// implicit TLS (port 465) did.
    pub tls: bool,
}

/// A connection being opened: the client's SYN is out, no answer yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Dialing {
    /// The client host.
    pub client: CompactString,
    /// The host tried (the exchange's name).
    pub server: CompactString,
    /// The port tried.
    pub port: u16,
    /// When the attempt started.
    pub since: SimTime,
}

/// A connection that could not be opened: the last such between two
/// hosts, until they connect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FailedConnection {
    /// The client host.
    pub client: CompactString,
    /// The host tried.
    pub server: CompactString,
    /// The port tried.
    pub port: u16,
    /// When the client learnt it.
    pub at: SimTime,
    /// Why: refused, timed out, lost, no address.
    pub reason: ConnectFailure,
}

/// A DNS query waiting for the resolver's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PendingQuery {
    /// The asking host.
    pub host: CompactString,
    /// The resolver.
    pub resolver: CompactString,
    /// The name asked about.
    pub name: String,
    /// The record type asked for.
    pub qtype: QueryType,
    /// When it was asked.
    pub since: SimTime,
}

/// The last answer a host had from its resolver for a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DnsAnswered {
    /// The asking host.
    pub host: CompactString,
    /// The resolver.
    pub resolver: CompactString,
    /// The name asked about.
    pub name: String,
    /// The record type asked for.
    pub qtype: QueryType,
    /// The answer in zone-file style (`10 mx1.example.org`); empty for
    /// no records.
    pub answer: Vec<CompactString>,
    /// The frame's event count when it came ([`View::events_applied`]),
    /// so that a drawing can show it for the next few events.
    pub after_events: usize,
}

/// A line travelling along a link.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LineInFlight {
    /// The position in the trace of the event of its arrival (for its
    /// details: [`crate::inspect::line_details`]).
    pub index: usize,
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
#[non_exhaustive]
pub struct View {
    /// The time shown.
    pub at: SimTime,
    /// Hosts currently down (a fault).
    pub hosts_down: Vec<CompactString>,
    /// Each host's queue.
    pub queues: BTreeMap<CompactString, HostQueue>,
    /// Open connections, in the order they opened, by connection id.
    pub connections: Ordered<u64, OpenConnection>,
    /// Connections being opened, by (client, server).
    pub dialing: Ordered<(CompactString, CompactString), Dialing>,
    /// The last connection that could not be opened, by (client, server),
    /// until the two connect.
    pub failed: Ordered<(CompactString, CompactString), FailedConnection>,
    /// Lines on the wire.
    pub in_flight: Vec<LineInFlight>,
    /// DNS queries not answered yet, by asking host and name.
    pub dns_pending: Ordered<(CompactString, CompactString), PendingQuery>,
    /// The last answer per asking host and name.
    pub dns_answered: Ordered<(CompactString, CompactString), DnsAnswered>,
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
                    q.push(
                        (message.into(), r.as_str().into()),
                        QueuedRecipient {
                            message: message.into(),
                            recipient: r.as_str().into(),
                            next_attempt: None,
                            attempts: 0,
                            last_error: None,
                        },
                    );
                }
            }
            EventKind::Attempt {
                recipients,
                target,
                port,
                ..
            } => {
                let key = (CompactString::from(host), target.clone());
                self.dialing.remove_all(&key);
                self.dialing.push(
                    key,
                    Dialing {
                        client: host.into(),
                        server: target.clone(),
                        port: *port,
                        since: e.at,
                    },
                );
                if let Some(q) = self.queues.get_mut(host) {
                    for r in recipients {
                        q.update(&(message.into(), r.as_str().into()), |r| {
                            r.attempts = r.attempts.saturating_add(1);
                        });
                    }
                }
            }
            EventKind::Defer {
                next_attempt,
                diagnostic,
            } => {
                if let Some(q) = self.queues.get_mut(host) {
                    let error = diagnostic.to_string();
                    q.update(&(message.into(), recipient.into()), |r| {
                        r.next_attempt = Some(*next_attempt);
                        r.last_error = Some(error.clone());
                    });
                }
            }
            EventKind::Deliver { .. } | EventKind::Bounce { .. } => {
                if let Some(q) = self.queues.get_mut(host) {
                    q.remove_first(&(message.into(), recipient.into()));
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
            EventKind::ConnectFailed { reason } => {
                let server = e.hosts.get(1).cloned().unwrap_or_default();
                let key = (CompactString::from(host), server.clone());
                let port = self
                    .dialing
                    .remove_first(&key)
                    .map_or(crate::scenario::SMTP_PORT, |d| d.port);
                self.failed.remove_all(&key);
                self.failed.push(
                    key,
                    FailedConnection {
                        client: host.into(),
                        server,
                        port,
                        at: e.at,
                        reason: *reason,
                    },
                );
            }
            EventKind::Connect { conn, port } => {
                let key = (
                    CompactString::from(host),
                    e.hosts.get(1).cloned().unwrap_or_default(),
                );
                self.dialing.remove_all(&key);
                self.failed.remove_all(&key);
                self.connections.push(
                    *conn,
                    OpenConnection {
                        conn: *conn,
                        client: host.into(),
                        server: e.hosts.get(1).cloned().unwrap_or_default(),
                        port: *port,
                        since: e.at,
                        tls: false,
                    },
                );
            }
            EventKind::TlsUpgrade { conn, ok } => {
                self.connections.update(conn, |c| c.tls = *ok);
            }
            EventKind::DnsQuery { name, qtype } => self.dns_pending.push(
                (host.into(), name.clone()),
                PendingQuery {
                    host: host.into(),
                    resolver: e.hosts.get(1).cloned().unwrap_or_default(),
                    name: name.to_string(),
                    qtype: *qtype,
                    since: e.at,
                },
            ),
            EventKind::DnsAnswer {
                name,
                qtype,
                answer,
            } => {
                let key = (CompactString::from(host), name.clone());
                self.dns_pending.remove_first(&key);
                self.dns_answered.remove_all(&key);
                self.dns_answered.push(
                    key,
                    DnsAnswered {
                        host: host.into(),
                        resolver: e.hosts.get(1).cloned().unwrap_or_default(),
                        name: name.to_string(),
                        qtype: *qtype,
                        answer: answer.clone(),
                        after_events: self.events_applied,
                    },
                );
            }
            EventKind::Close { conn } | EventKind::Abort { conn, .. } => {
                self.connections.remove_all(conn)
            }
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
        let mut builder = IndexBuilder::new(every);
        builder.advance(trace.borrow(), usize::MAX);
        builder.finish(trace)
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
        for (index, e) in (upto..end).zip(events.range(upto..end)) {
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
                    index,
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

/// A [`TraceIndex`] built a slice of events at a time, so that indexing
/// a long trace never holds a page for long: call
/// [`IndexBuilder::advance`] until it returns true, then
/// [`IndexBuilder::finish`] with the same trace.
#[derive(Debug, Clone)]
pub struct IndexBuilder {
    every: usize,
    snapshots: Vec<View>,
    state: View,
    longest_flight: u64,
    /// The next event to read.
    next: usize,
}

impl IndexBuilder {
    /// A builder that keeps a snapshot every `every` events (at least 1).
    pub fn new(every: usize) -> Self {
        IndexBuilder {
            every: every.max(1),
            snapshots: vec![View::default()],
            state: View::default(),
            longest_flight: 0,
            next: 0,
        }
    }

    /// How many events of the trace are read.
    pub fn read(&self) -> usize {
        self.next
    }

    /// Reads at most `budget` more events of `trace` (at least one);
    /// true when every event is read.
    pub fn advance(&mut self, trace: &Trace, budget: usize) -> bool {
        let end = self.next.saturating_add(budget.max(1)).min(trace.len());
        for i in self.next..end {
            match trace.line_flight(i) {
                // A line changes nothing in the state: it only counts.
                Some(flight) => {
                    self.state.events_applied = self.state.events_applied.saturating_add(1);
                    self.longest_flight = self.longest_flight.max(flight);
                }
                None => {
                    if let Some(e) = trace.get(i) {
                        if let EventKind::Command { sent_at, .. }
                        | EventKind::Reply { sent_at, .. } = &e.kind
                        {
                            // A line kept whole (with an explanation of its own).
                            self.longest_flight = self
                                .longest_flight
                                .max(e.at.as_micros().saturating_sub(sent_at.as_micros()));
                        }
                        self.state.apply(&e);
                    }
                }
            }
            if (i + 1) % self.every == 0 {
                self.snapshots.push(self.state.clone());
            }
        }
        self.next = end;
        end >= trace.len()
    }

    /// The index of `trace`, read up to where [`IndexBuilder::advance`]
    /// got (the rest is read now).
    pub fn finish<T: Borrow<Trace>>(mut self, trace: T) -> TraceIndex<T> {
        self.advance(trace.borrow(), usize::MAX);
        TraceIndex {
            trace,
            every: self.every,
            snapshots: self.snapshots,
            longest_flight: SimTime::from_micros(self.longest_flight),
        }
    }
}

/// The frame at `t` of `trace` (indexes it first; keep a [`TraceIndex`]
/// to seek repeatedly).
pub fn view_at(trace: &Trace, t: SimTime) -> View {
    TraceIndex::new(trace).view_at(t)
}
