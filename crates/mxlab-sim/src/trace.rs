//! The trace: every connection, command and reply line, TLS upgrade, DNS
//! query and answer, queue change, attempt, deferral, delivery, bounce, DSN
//! and fault of a run, in order. It is the single source of truth for the
//! UI, and serialisable (serde) and hashable: the same scenario and seed
//! give the same [`Trace::hash`] on every platform.
//!
//! | file | what lives there |
//! | --- | --- |
//! | `trace.rs` | [`Trace`]: recording, reading back, connections, transcripts, hash |
//! | `trace/event.rs` | [`EventKind`], [`TraceEvent`], [`Octets`] and the other event types |
//! | `trace/explain.rs` | the explanation and RFC section of each kind of event |
//! | `trace/store.rs` | the compact store: fixed-size records, interned names, large events kept whole |
//! | `trace/pages.rs` | pages that never move, for records and line octets |
//! | `trace/json.rs` | the JSON form, `{"events": [...]}` |

use std::borrow::Cow;

use compact_str::CompactString;

use crate::time::SimTime;

mod event;
mod explain;
mod json;
mod pages;
mod store;

pub(crate) use event::Note;
pub use event::{
    AbortCause, AuthCheck, ConnectFailure, DsnAction, EventKind, Hosts, Octets, QueryType,
    TraceEvent,
};
pub use explain::explain;
use store::{Body, NameTable, Record};
pub(crate) use store::{Mark, Names, Store, NO_NAME};

/// The ordered events of a run.
///
/// Millions of events fit in a compact store: the names (hosts, message
/// ids, recipients) once each in a table, the lines' octets in one buffer,
/// 48 bytes per event. [`Trace::get`] and [`Trace::iter`] give the events
/// back whole, as [`TraceEvent`]s. Its JSON form is `{"events": [...]}`.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    names: NameTable,
    store: Store,
}

/// A connection opened ([`Trace::connections`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Its id.
    pub conn: u64,
    /// The client host.
    pub client: CompactString,
    /// The server host.
    pub server: CompactString,
    /// The server's port.
    pub port: u16,
    /// When it opened.
    pub at: SimTime,
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

    /// Every connection opened, in order.
    pub fn connections(&self) -> Vec<Connection> {
        self.store
            .records
            .iter()
            .filter_map(|r| match r.body {
                Body::Connect { conn, port } => Some(Connection {
                    conn: u64::from(conn),
                    client: self.name(r.hosts[0]).unwrap_or_default(),
                    server: self.name(r.hosts[1]).unwrap_or_default(),
                    port,
                    at: r.at,
                }),
                _ => None,
            })
            .collect()
    }

    /// The `C:`/`S:` transcript of one connection, as in the RFCs' examples
    /// (each line as [`crate::inspect::visible`] shows it).
    pub fn transcript(&self, conn: u64) -> Vec<String> {
        let text = crate::inspect::line_text;
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
        let mut h = mxlab_proto::hash::Fnv1a64::new();
        // Writing into a hasher cannot fail; a serialisation error would
        // only leave the hash short, never panic.
        let _ = serde_json::to_writer(&mut h, self);
        h.finish()
    }

    /// [`Trace::hash`] as 16 hex digits.
    pub fn hash_hex(&self) -> String {
        format!("{:016x}", self.hash())
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

#[cfg(test)]
mod tests;
