//! How a trace keeps millions of events compactly: records of a fixed
//! size in pages, names interned once, line octets in text pages, and the
//! rare large events kept whole.

use compact_str::CompactString;

use super::event::{EventKind, Note, Octets};
use super::pages::{Paged, TextMark, TextPages};
use crate::time::SimTime;

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
pub(super) enum Body {
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
pub(super) struct Record {
    pub(super) at: SimTime,
    pub(super) hosts: [u32; 2],
    pub(super) message: u32,
    pub(super) recipient: u32,
    pub(super) body: Body,
}

/// An event kept whole: a kind other than a line, a connection or a
/// close, an explanation of its own, or more than two hosts.
#[derive(Debug, Clone)]
pub(super) struct Other {
    pub(super) kind: EventKind,
    pub(super) note: Option<Box<Note>>,
    pub(super) more_hosts: Vec<u32>,
}

/// Builds hash tables keyed by names (FxHash: fast on short strings; the
/// table's order is insertion order, so nothing depends on the hash).
pub(super) type FxBuild = core::hash::BuildHasherDefault<rustc_hash::FxHasher>;

/// The names of a trace, each with its id: its position in the list.
#[derive(Debug, Clone, Default)]
pub(super) struct NameTable {
    pub(super) list: Vec<CompactString>,
    pub(super) ids: std::collections::HashMap<CompactString, u32, FxBuild>,
}

/// The events of a trace, by the ids of their names.
#[derive(Debug, Clone, Default)]
pub(crate) struct Store {
    pub(super) records: Paged<Record>,
    pub(super) octets: TextPages,
    pub(super) others: Vec<Other>,
}

/// The lengths of a trace's parts at one moment ([`Trace::mark`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mark {
    pub(super) records: usize,
    pub(super) octets: TextMark,
    pub(super) others: usize,
}

impl Mark {
    /// The events up to the mark.
    pub(crate) fn records(self) -> usize {
        self.records
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
