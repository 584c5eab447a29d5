//! The trace: every connection, command and reply line, TLS upgrade, DNS
//! query and answer, queue change, attempt, deferral, delivery, bounce, DSN
//! and fault of a run, in order. It is the single source of truth for the
//! UI, and serialisable (serde) and hashable: the same scenario and seed
//! give the same [`Trace::hash`] on every platform.

use std::borrow::Cow;
use std::io;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use crate::diagnostic::Diagnostic;
use crate::scenario::Fault;
use crate::time::SimTime;

/// Raw octets as a string of one char per byte (U+0000..=U+00FF), so a
/// line survives JSON exactly, bare CR and bare LF included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Octets(CompactString);

impl Octets {
    /// Wraps bytes.
    pub fn new(bytes: &[u8]) -> Self {
        if let Ok(text) = core::str::from_utf8(bytes) {
            if text.is_ascii() {
                // One char per byte already: a copy.
                return Octets(text.into());
            }
        }
        Octets(bytes.iter().map(|b| char::from(*b)).collect())
    }

    /// The bytes back.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
            .collect()
    }

    /// How many octets.
    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The line for display: CR and LF made visible.
    pub fn display(&self) -> String {
        self.0.replace('\r', "<CR>").replace('\n', "<LF>")
    }
}

/// Which record type a DNS query asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum QueryType {
    /// MX.
    Mx,
    /// A and AAAA.
    A,
}

/// Why a connection could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectFailure {
    /// Refused at once (host down, refusing).
    Refused,
    /// No answer before the client's connect timeout.
    Timeout,
    /// The link dropped it (loss or partition).
    Lost,
    /// No address for the exchange.
    NoAddress,
}

/// Why a connection was cut before the client's QUIT was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbortCause {
    /// The server's host reset it: it went down or crashed.
    Reset,
    /// No reply came in time, and the client gave up (RFC 5321 §4.5.3.2).
    Timeout,
}

/// Which kind of DSN (RFC 3464 `Action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DsnAction {
    /// Delivery failed: a bounce.
    Failed,
    /// Still trying: a delay warning.
    Delayed,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A TCP connection opened.
    Connect {
        /// Connection id.
        conn: u64,
        /// Port (25 or 587).
        port: u16,
    },
    /// A connection could not be opened.
    ConnectFailed {
        /// Why.
        reason: ConnectFailure,
    },
    /// A connection closed.
    Close {
        /// Connection id.
        conn: u64,
    },
    /// A connection was cut before the client's QUIT was answered: the
    /// client learns it here, and nothing after the last complete reply
    /// counts.
    Abort {
        /// Connection id.
        conn: u64,
        /// Reset by the server's host, or given up after a timeout.
        cause: AbortCause,
        /// What happened, for people: `mx.example.org went down`, `no
        /// reply to DATA within 120 s`.
        detail: CompactString,
    },
    /// The client sent one line (command or data line).
    Command {
        /// Connection id.
        conn: u64,
        /// The octets, CRLF included.
        line: Octets,
        /// When the client sent it (the event's time is its arrival).
        sent_at: SimTime,
    },
    /// The server sent one reply line.
    Reply {
        /// Connection id.
        conn: u64,
        /// The octets, CRLF included.
        line: Octets,
        /// When the server sent it (the event's time is its arrival).
        sent_at: SimTime,
    },
    /// STARTTLS handshake finished.
    TlsUpgrade {
        /// Connection id.
        conn: u64,
        /// Whether it succeeded.
        ok: bool,
    },
    /// A host asked the resolver.
    DnsQuery {
        /// The name asked about.
        name: CompactString,
        /// The record type.
        qtype: QueryType,
    },
    /// The resolver answered.
    DnsAnswer {
        /// The name asked about.
        name: CompactString,
        /// The record type.
        qtype: QueryType,
        /// The answer in zone-file style, e.g. `10 mx1.example.org`.
        answer: Vec<CompactString>,
    },
    /// A message entered a host's queue.
    Enqueue {
        /// Its queue id on that host.
        queue_id: CompactString,
        /// Its recipients.
        recipients: Vec<CompactString>,
    },
    /// A delivery attempt started.
    Attempt {
        /// The host being tried.
        target: CompactString,
        /// Which attempt this is (1 for the first).
        attempt: u32,
        /// The recipients tried in this transaction.
        recipients: Vec<CompactString>,
    },
    /// A recipient stays queued.
    Defer {
        /// Why.
        diagnostic: Box<Diagnostic>,
        /// When it will be tried again.
        next_attempt: SimTime,
    },
    /// A recipient was delivered (to a mailbox or to the next hop).
    Deliver {
        /// The mailbox, or the next hop's name.
        to: CompactString,
        /// True for the RFC 1047 duplicate: a second copy after a lost reply.
        duplicate: bool,
    },
    /// A recipient failed permanently.
    Bounce {
        /// Why.
        diagnostic: Box<Diagnostic>,
    },
    /// A DSN was queued for the envelope sender.
    DsnSent {
        /// Bounce or delay warning.
        action: DsnAction,
        /// Its recipient (the original envelope sender).
        to: CompactString,
        /// The DSN's own message id.
        dsn_message: CompactString,
    },
    /// A fault started.
    FaultOn {
        /// The fault.
        fault: Box<Fault>,
    },
    /// A fault ended.
    FaultOff {
        /// The fault.
        fault: Box<Fault>,
    },
}

/// The hosts of an event: one or two names, kept inline. Names (and the
/// message ids and recipients of events) are [`CompactString`]s, so the
/// short ones take no allocation per event.
pub type Hosts = SmallVec<[CompactString; 2]>;

/// One event of a run.
///
/// Its explanation and RFC section are those of its kind ([`explain`])
/// unless the event was recorded with its own ([`Trace::record_explained`]):
/// a trace of millions of events stores only the exceptions. The JSON form
/// carries both fields on every event.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceEvent {
    /// Position in the trace.
    pub seq: u64,
    /// When.
    pub at: SimTime,
    /// The hosts involved: the acting host first (client, or queue owner),
    /// then its peer, if any.
    pub hosts: Hosts,
    /// The message involved, if any.
    pub message: Option<CompactString>,
    /// The recipient involved, if any.
    pub recipient: Option<CompactString>,
    /// What happened.
    pub kind: EventKind,
    /// An explanation other than the kind's own.
    note: Option<Box<Note>>,
}

/// An explanation and its RFC section.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Note {
    explanation: Cow<'static, str>,
    rfc: Cow<'static, str>,
}

impl Note {
    /// `None` when the explanation is the kind's own, so that an event
    /// compares equal however it was made (recorded or read back).
    pub(crate) fn unless_default(
        kind: &EventKind,
        explanation: Cow<'static, str>,
        rfc: Cow<'static, str>,
    ) -> Option<Box<Note>> {
        let (own, own_rfc) = explain(kind);
        (own != explanation || own_rfc != rfc).then(|| Box::new(Note { explanation, rfc }))
    }
}

impl TraceEvent {
    /// The explanation and its RFC section: the event's own, or its kind's.
    fn explained(&self) -> (Cow<'static, str>, Cow<'static, str>) {
        match &self.note {
            Some(n) => (n.explanation.clone(), n.rfc.clone()),
            None => {
                let (explanation, rfc) = explain(&self.kind);
                (explanation, rfc.into())
            }
        }
    }

    /// A plain-English explanation.
    pub fn explanation(&self) -> Cow<'static, str> {
        self.explained().0
    }

    /// The RFC section behind it.
    pub fn rfc(&self) -> Cow<'static, str> {
        self.explained().1
    }
}

impl Serialize for TraceEvent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let (explanation, rfc) = self.explained();
        let mut s = serializer.serialize_struct("TraceEvent", 8)?;
        s.serialize_field("seq", &self.seq)?;
        s.serialize_field("at", &self.at)?;
        s.serialize_field("hosts", &self.hosts)?;
        match &self.message {
            Some(m) => s.serialize_field("message", m)?,
            None => s.skip_field("message")?,
        }
        match &self.recipient {
            Some(r) => s.serialize_field("recipient", r)?,
            None => s.skip_field("recipient")?,
        }
        s.serialize_field("kind", &self.kind)?;
        s.serialize_field("explanation", &explanation)?;
        s.serialize_field("rfc", &rfc)?;
        s.end()
    }
}

/// The JSON form of an event.
#[derive(Deserialize)]
#[serde(rename = "TraceEvent")]
struct EventJson {
    seq: u64,
    at: SimTime,
    hosts: Hosts,
    #[serde(default)]
    message: Option<CompactString>,
    #[serde(default)]
    recipient: Option<CompactString>,
    kind: EventKind,
    explanation: String,
    rfc: String,
}

impl<'de> Deserialize<'de> for TraceEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let e = EventJson::deserialize(deserializer)?;
        let note = Note::unless_default(&e.kind, e.explanation.into(), e.rfc.into());
        Ok(TraceEvent {
            seq: e.seq,
            at: e.at,
            hosts: e.hosts,
            message: e.message,
            recipient: e.recipient,
            kind: e.kind,
            note,
        })
    }
}

impl EventKind {
    /// A command line (`command`) or a reply line.
    pub fn line(command: bool, conn: u64, line: Octets, sent_at: SimTime) -> Self {
        if command {
            EventKind::Command {
                conn,
                line,
                sent_at,
            }
        } else {
            EventKind::Reply {
                conn,
                line,
                sent_at,
            }
        }
    }
}

mod explain;
mod pages;

pub use explain::explain;
use pages::{Paged, TextMark, TextPages};

impl TraceEvent {
    /// The hover text of this event: for a command line, what its verb
    /// does; for a reply line, what its code (and enhanced status code)
    /// means; otherwise the event's own explanation. With the RFC section.
    pub fn describe(&self) -> (String, String) {
        use mxlab_proto::explain;
        let own = || {
            let (explanation, rfc) = self.explained();
            (explanation.into_owned(), rfc.into_owned())
        };
        match &self.kind {
            EventKind::Command { line, .. } => {
                let bytes = line.to_bytes();
                let verb = bytes
                    .split(|b| *b == b' ' || *b == b'\r' || *b == b'\n')
                    .next()
                    .and_then(|w| core::str::from_utf8(w).ok())
                    .unwrap_or_default();
                match explain::command(verb) {
                    Some(e) => (e.text.to_string(), e.rfc.to_string()),
                    None => own(),
                }
            }
            EventKind::Reply { line, .. } => {
                let bytes = line.to_bytes();
                let trimmed = bytes.strip_suffix(b"\r\n").unwrap_or(&bytes);
                let Ok((code, _, text)) = mxlab_proto::reply::parse_line(trimmed) else {
                    return own();
                };
                let e = explain::reply(code.get());
                let mut out = format!("{} {}", code.get(), e.text);
                let mut rfc = e.rfc.to_string();
                let first = core::str::from_utf8(text)
                    .unwrap_or_default()
                    .split(' ')
                    .next()
                    .unwrap_or_default();
                if let Some(d) = mxlab_proto::reply::EnhancedCode::parse(first)
                    .and_then(|c| explain::enhanced(c.class, c.subject, c.detail))
                {
                    out.push_str(&format!(" {first}: {}", d.text));
                    rfc.push_str(&format!("; {}", d.rfc));
                }
                (out, rfc)
            }
            _ => own(),
        }
    }
}

/// No name: an unused host slot, or an event without message or recipient.
pub(crate) const NO_NAME: u32 = u32::MAX;

/// The names of an event (its hosts, message and recipient) as ids into
/// its trace's name table; [`NO_NAME`] where there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Names {
    /// The hosts, acting host first.
    pub hosts: [u32; 2],
    /// The message.
    pub message: u32,
    /// The recipient.
    pub recipient: u32,
}

impl Default for Names {
    fn default() -> Self {
        Names {
            hosts: [NO_NAME; 2],
            message: NO_NAME,
            recipient: NO_NAME,
        }
    }
}

impl Names {
    /// The ids of a client, a server and a message.
    pub(crate) fn pair(from: u32, to: u32, message: u32) -> Self {
        Names {
            hosts: [from, to],
            message,
            recipient: NO_NAME,
        }
    }

    /// The ids of one host, a message and a recipient (or [`NO_NAME`]).
    pub(crate) fn one(host: u32, message: u32, recipient: u32) -> Self {
        Names {
            hosts: [host, NO_NAME],
            message,
            recipient,
        }
    }
}

/// What an event is, in the trace's own compact form: the lines, the
/// connections' opening and closing (most of any trace) without an
/// allocation, anything else as an [`EventKind`] on the side.
#[derive(Debug, Clone)]
enum Body {
    /// A command or reply line: its octets are `len` bytes at `start` in
    /// the trace's octet pages (`start` is a place from [`TextPages::push`]).
    /// `flight`: microseconds from its sending to the event (its arrival).
    Line {
        command: bool,
        conn: u32,
        flight: u32,
        start: u64,
        len: u32,
    },
    Connect {
        conn: u32,
        port: u16,
    },
    Close {
        conn: u32,
    },
    /// Index into [`Trace::others`].
    Other(u32),
}

/// One event in the store: 48 bytes, and the octets of its line.
#[derive(Debug, Clone)]
struct Record {
    at: SimTime,
    hosts: [u32; 2],
    message: u32,
    recipient: u32,
    body: Body,
}

/// An event kept whole: a kind other than a line, a connection or a
/// close, an explanation of its own, or more than two hosts.
#[derive(Debug, Clone)]
struct Other {
    kind: EventKind,
    note: Option<Box<Note>>,
    more_hosts: Vec<u32>,
}

/// Builds hash tables keyed by names (FxHash: fast on short strings; the
/// table's order is insertion order, so nothing depends on the hash).
type FxBuild = core::hash::BuildHasherDefault<rustc_hash::FxHasher>;

/// The names of a trace, each with its id: its position in the list.
#[derive(Debug, Clone, Default)]
struct NameTable {
    list: Vec<CompactString>,
    ids: std::collections::HashMap<CompactString, u32, FxBuild>,
}

/// The ordered events of a run.
///
/// Millions of events fit in a compact store: the names (hosts, message
/// ids, recipients) once each in a table, the lines' octets in one buffer,
/// 56 bytes per event. [`Trace::get`] and [`Trace::iter`] give the events
/// back whole, as [`TraceEvent`]s. Its JSON form is `{"events": [...]}`.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    names: NameTable,
    store: Store,
}

/// The events of a trace, by the ids of their names.
#[derive(Debug, Clone, Default)]
pub(crate) struct Store {
    records: Paged<Record>,
    octets: TextPages,
    others: Vec<Other>,
}

/// The lengths of a trace's parts at one moment ([`Trace::mark`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mark {
    records: usize,
    octets: TextMark,
    others: usize,
}

impl Mark {
    /// The events up to the mark.
    pub(crate) fn records(self) -> usize {
        self.records
    }
}

/// What to record besides the kind: the hosts, message and recipient.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    /// The hosts involved.
    pub hosts: Hosts,
    /// The message.
    pub message: Option<CompactString>,
    /// The recipient.
    pub recipient: Option<CompactString>,
}

impl Trace {
    /// An empty trace.
    pub fn new() -> Self {
        Trace::default()
    }

    /// An empty trace whose name table is this one's: the ids handed out
    /// by [`Trace::intern`] stay good for it.
    pub(crate) fn empty_like(&self) -> Self {
        Trace {
            names: self.names.clone(),
            store: Store::default(),
        }
    }

    /// The events, apart from the names (a run writes them on the side).
    pub(crate) fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The id of a name (a host, a message id, a recipient), added to the
    /// table if new. Ids are never taken back.
    pub(crate) fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.names.ids.get(name) {
            return id;
        }
        // A table of four billion names is past any bounded scenario; the
        // last id would stand for every name after it rather than wrap.
        let id = u32::try_from(self.names.list.len()).unwrap_or(NO_NAME - 1);
        let name = CompactString::from(name);
        self.names.list.push(name.clone());
        self.names.ids.insert(name, id);
        id
    }

    fn intern_opt(&mut self, name: Option<&str>) -> u32 {
        name.map_or(NO_NAME, |n| self.intern(n))
    }

    /// The ids of a subject's names, and of its hosts after the first two.
    pub(crate) fn names_of(&mut self, subject: &Subject) -> (Names, Vec<u32>) {
        let mut hosts = subject.hosts.iter().map(|h| self.intern(h));
        let names = Names {
            hosts: [
                hosts.next().unwrap_or(NO_NAME),
                hosts.next().unwrap_or(NO_NAME),
            ],
            message: self.intern_opt(subject.message.as_deref()),
            recipient: self.intern_opt(subject.recipient.as_deref()),
        };
        let more = subject
            .hosts
            .iter()
            .skip(2)
            .map(|h| self.intern(h))
            .collect();
        (names, more)
    }

    fn name(&self, id: u32) -> Option<CompactString> {
        if id == NO_NAME {
            return None;
        }
        self.names.list.get(id as usize).cloned()
    }

    /// Appends an event with its default explanation; returns its seq.
    pub fn record(&mut self, at: SimTime, subject: Subject, kind: EventKind) -> u64 {
        let (names, more) = self.names_of(&subject);
        self.store.push(at, names, more, kind, None)
    }

    /// Appends an event with a given explanation; returns its seq.
    pub fn record_explained(
        &mut self,
        at: SimTime,
        subject: Subject,
        kind: EventKind,
        explanation: impl Into<Cow<'static, str>>,
        rfc: impl Into<Cow<'static, str>>,
    ) -> u64 {
        let note = Note::unless_default(&kind, explanation.into(), rfc.into());
        let (names, more) = self.names_of(&subject);
        self.store.push(at, names, more, kind, note)
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.store.records.len()
    }

    /// How far the trace has got, to take its first events again later
    /// with [`Trace::prefix`].
    pub(crate) fn mark(&self) -> Mark {
        Mark {
            records: self.store.records.len(),
            octets: self.store.octets.mark(),
            others: self.store.others.len(),
        }
    }

    /// The trace as it stood at `mark` (its first events, which later ones
    /// only follow), with this trace's names.
    pub(crate) fn prefix(&self, mark: Mark) -> Trace {
        let part = |len: usize, total: usize| len.min(total);
        let s = &self.store;
        Trace {
            names: self.names.clone(),
            store: Store {
                records: s.records.prefix(mark.records),
                octets: s.octets.prefix(mark.octets),
                others: s.others[..part(mark.others, s.others.len())].to_vec(),
            },
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.store.records.is_empty()
    }

    /// The time of event `i`.
    pub fn time(&self, i: usize) -> Option<SimTime> {
        self.store.records.get(i).map(|r| r.at)
    }

    /// The time of the last event.
    pub fn end(&self) -> Option<SimTime> {
        self.store.records.last().map(|r| r.at)
    }

    /// How many events come before the first whose time fails `pred` (the
    /// events are in time order): `partition_point(|at| at <= t)` counts
    /// the events at or before t.
    pub fn partition_point(&self, mut pred: impl FnMut(SimTime) -> bool) -> usize {
        self.store.records.partition_point(|r| pred(r.at))
    }

    /// Whether event `i` is a command or reply line.
    pub fn is_line(&self, i: usize) -> bool {
        self.line_flight(i).is_some()
    }

    /// Whether event `i` is a connection cut before QUIT
    /// ([`EventKind::Abort`]), without building the event.
    pub fn is_abort(&self, i: usize) -> bool {
        match self.store.records.get(i) {
            Some(Record {
                body: Body::Other(index),
                ..
            }) => self
                .store
                .others
                .get(*index as usize)
                .is_some_and(|o| matches!(o.kind, EventKind::Abort { .. })),
            _ => false,
        }
    }

    /// For a command or reply line, how long it was on the wire (arrival
    /// minus sending, in microseconds); `None` for any other event.
    pub fn line_flight(&self, i: usize) -> Option<u64> {
        match self.store.records.get(i) {
            Some(Record {
                body: Body::Line { flight, .. },
                ..
            }) => Some(u64::from(*flight)),
            _ => None,
        }
    }

    /// Event `i`, whole.
    pub fn get(&self, i: usize) -> Option<TraceEvent> {
        let r = self.store.records.get(i)?;
        let mut hosts: Hosts = r.hosts.iter().filter_map(|id| self.name(*id)).collect();
        let (kind, note) = match &r.body {
            Body::Line {
                command,
                conn,
                flight,
                start,
                len,
            } => {
                let line = Octets::new(self.store.octets.get(*start, *len));
                let sent_at =
                    SimTime::from_micros(r.at.as_micros().saturating_sub(u64::from(*flight)));
                (
                    EventKind::line(*command, u64::from(*conn), line, sent_at),
                    None,
                )
            }
            Body::Connect { conn, port } => (
                EventKind::Connect {
                    conn: u64::from(*conn),
                    port: *port,
                },
                None,
            ),
            Body::Close { conn } => (
                EventKind::Close {
                    conn: u64::from(*conn),
                },
                None,
            ),
            Body::Other(index) => {
                let o = self.store.others.get(*index as usize)?;
                hosts.extend(o.more_hosts.iter().filter_map(|id| self.name(*id)));
                (o.kind.clone(), o.note.clone())
            }
        };
        Some(TraceEvent {
            seq: i as u64,
            at: r.at,
            hosts,
            message: self.name(r.message),
            recipient: self.name(r.recipient),
            kind,
            note,
        })
    }

    /// The last event.
    pub fn last(&self) -> Option<TraceEvent> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// The events in order, each whole.
    pub fn iter(&self) -> Events<'_> {
        self.range(0..self.len())
    }

    /// The events of positions `range`, in order, each whole (those
    /// skipped over with `nth` or `skip` are never built).
    pub fn range(&self, range: core::ops::Range<usize>) -> Events<'_> {
        Events {
            trace: self,
            range: range.start.min(self.len())..range.end.min(self.len()),
        }
    }

    /// The events other than command and reply lines, in order, with
    /// their positions (the lines, most of a trace, are not built).
    pub fn without_lines(&self) -> impl DoubleEndedIterator<Item = (usize, TraceEvent)> + '_ {
        (0..self.len())
            .filter(|&i| !self.is_line(i))
            .filter_map(|i| Some((i, self.get(i)?)))
    }

    /// Appends an event read back (its seq is its position here).
    pub fn push_event(&mut self, e: TraceEvent) -> u64 {
        let subject = Subject {
            hosts: e.hosts,
            message: e.message,
            recipient: e.recipient,
        };
        let (names, more) = self.names_of(&subject);
        self.store.push(e.at, names, more, e.kind, e.note)
    }

    /// Every connection opened: `(conn, client, server, time)`.
    pub fn connections(&self) -> Vec<(u64, CompactString, CompactString, SimTime)> {
        self.store
            .records
            .iter()
            .filter_map(|r| match r.body {
                Body::Connect { conn, .. } => Some((
                    u64::from(conn),
                    self.name(r.hosts[0]).unwrap_or_default(),
                    self.name(r.hosts[1]).unwrap_or_default(),
                    r.at,
                )),
                _ => None,
            })
            .collect()
    }

    /// The `C:`/`S:` transcript of one connection, as in the RFCs' examples
    /// (line ends removed; other control characters kept).
    pub fn transcript(&self, conn: u64) -> Vec<String> {
        let text = |line: &Octets| {
            let bytes = line.to_bytes();
            let trimmed = bytes.strip_suffix(b"\r\n").unwrap_or(&bytes);
            String::from_utf8_lossy(trimmed).into_owned()
        };
        self.iter()
            .filter_map(|e| match &e.kind {
                EventKind::Command { conn: c, line, .. } if *c == conn => {
                    Some(format!("C: {}", text(line)))
                }
                EventKind::Reply { conn: c, line, .. } if *c == conn => {
                    Some(format!("S: {}", text(line)))
                }
                EventKind::Abort { conn: c, .. } if *c == conn => {
                    Some(format!("-- {}", e.explanation()))
                }
                _ => None,
            })
            .collect()
    }

    /// The trace as JSON (its canonical form).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// FNV-1a (64 bits) over the canonical JSON: same scenario and seed,
    /// same hash, natively and on wasm32.
    pub fn hash(&self) -> u64 {
        let mut h = Fnv(0xcbf2_9ce4_8422_2325);
        // Writing into a hasher cannot fail; a serialisation error would
        // only leave the hash short, never panic.
        let _ = serde_json::to_writer(&mut h, self);
        h.0
    }

    /// [`Trace::hash`] as 16 hex digits.
    pub fn hash_hex(&self) -> String {
        format!("{:016x}", self.hash())
    }
}

impl Store {
    /// Appends an event by the ids of its names; returns its seq.
    pub(crate) fn push(
        &mut self,
        at: SimTime,
        names: Names,
        more_hosts: Vec<u32>,
        kind: EventKind,
        note: Option<Box<Note>>,
    ) -> u64 {
        // A connection id past u32 (billions of connections) is kept
        // whole, as any other event.
        let small = |conn: u64| u32::try_from(conn).ok();
        let body = match (&kind, &note, more_hosts.is_empty()) {
            (EventKind::Connect { conn, port }, None, true) if small(*conn).is_some() => {
                Body::Connect {
                    conn: small(*conn).unwrap_or_default(),
                    port: *port,
                }
            }
            (EventKind::Close { conn }, None, true) if small(*conn).is_some() => Body::Close {
                conn: small(*conn).unwrap_or_default(),
            },
            (
                EventKind::Command {
                    conn,
                    line,
                    sent_at,
                },
                None,
                true,
            )
            | (
                EventKind::Reply {
                    conn,
                    line,
                    sent_at,
                },
                None,
                true,
            ) => {
                return self.push_line(
                    at,
                    &names,
                    matches!(kind, EventKind::Command { .. }),
                    *conn,
                    &line.to_bytes(),
                    *sent_at,
                );
            }
            _ => self.push_other(kind, note, more_hosts),
        };
        self.push_record(at, &names, body)
    }

    /// Appends a command (`command`) or reply line; returns its seq.
    pub(crate) fn push_line(
        &mut self,
        at: SimTime,
        names: &Names,
        command: bool,
        conn: u64,
        octets: &[u8],
        sent_at: SimTime,
    ) -> u64 {
        let flight = at.as_micros().checked_sub(sent_at.as_micros());
        let (Ok(len), Ok(conn_id), Some(Ok(flight))) = (
            u32::try_from(octets.len()),
            u32::try_from(conn),
            flight.map(u32::try_from),
        ) else {
            // Longer than any line a session accepts, past four billion
            // connections or over an hour on the wire: kept whole instead.
            let kind = EventKind::line(command, conn, Octets::new(octets), sent_at);
            let body = self.push_other(kind, None, Vec::new());
            return self.push_record(at, names, body);
        };
        let start = self.octets.push(octets);
        self.push_record(
            at,
            names,
            Body::Line {
                command,
                conn: conn_id,
                flight,
                start,
                len,
            },
        )
    }

    /// Keeps an event whole, on the side.
    fn push_other(
        &mut self,
        kind: EventKind,
        note: Option<Box<Note>>,
        more_hosts: Vec<u32>,
    ) -> Body {
        let index = u32::try_from(self.others.len()).unwrap_or(u32::MAX);
        self.others.push(Other {
            kind,
            note,
            more_hosts,
        });
        Body::Other(index)
    }

    fn push_record(&mut self, at: SimTime, names: &Names, body: Body) -> u64 {
        let seq = self.records.len() as u64;
        debug_assert!(
            self.records.last().is_none_or(|r| r.at <= at),
            "trace out of order"
        );
        self.records.push(Record {
            at,
            hosts: names.hosts,
            message: names.message,
            recipient: names.recipient,
            body,
        });
        seq
    }
}

/// The events of a trace, built one at a time ([`Trace::iter`]).
#[derive(Debug, Clone)]
pub struct Events<'a> {
    trace: &'a Trace,
    range: core::ops::Range<usize>,
}

impl Iterator for Events<'_> {
    type Item = TraceEvent;

    fn next(&mut self) -> Option<TraceEvent> {
        let i = self.range.next()?;
        self.trace.get(i)
    }

    fn nth(&mut self, n: usize) -> Option<TraceEvent> {
        let i = self.range.nth(n)?;
        self.trace.get(i)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
}

impl DoubleEndedIterator for Events<'_> {
    fn next_back(&mut self) -> Option<TraceEvent> {
        let i = self.range.next_back()?;
        self.trace.get(i)
    }

    fn nth_back(&mut self, n: usize) -> Option<TraceEvent> {
        let i = self.range.nth_back(n)?;
        self.trace.get(i)
    }
}

impl ExactSizeIterator for Events<'_> {}

impl<'a> IntoIterator for &'a Trace {
    type Item = TraceEvent;
    type IntoIter = Events<'a>;

    fn into_iter(self) -> Events<'a> {
        self.iter()
    }
}

/// Two traces are equal when their events are.
impl PartialEq for Trace {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && (0..self.len()).all(|i| self.get(i) == other.get(i))
    }
}

/// The events, one at a time, for serialisation.
struct EventsSer<'a>(&'a Trace);

impl Serialize for EventsSer<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter())
    }
}

impl Serialize for Trace {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Trace", 1)?;
        s.serialize_field("events", &EventsSer(self))?;
        s.end()
    }
}

/// The JSON form of a trace.
#[derive(Deserialize)]
#[serde(rename = "Trace")]
struct TraceJson {
    events: Vec<TraceEvent>,
}

impl<'de> Deserialize<'de> for Trace {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = TraceJson::deserialize(deserializer)?;
        let mut trace = Trace::new();
        for e in json.events {
            trace.push_event(e);
        }
        Ok(trace)
    }
}

/// An FNV-1a hasher that JSON can be streamed into.
struct Fnv(u64);

impl io::Write for Fnv {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for b in buf {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
