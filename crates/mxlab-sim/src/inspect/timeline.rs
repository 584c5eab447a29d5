//! The timeline of a run: a marker for each delivery, deferral, bounce
//! and fault (one per kind and slot of the timeline, the others counted
//! on it), every session with its hosts and first message, the DSNs, and
//! the pairs of hosts that talked. Read in slices of events, so a page
//! can draw between two slices.

use std::collections::{BTreeSet, HashMap};

use crate::time::SimTime;
use crate::trace::{EventKind, Trace};

/// Slots of the timeline: at most one marker of each kind per slot.
pub const MARKER_SLOTS: usize = 1000;

/// What a timeline marker stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MarkerKind {
    /// A recipient reached a mailbox.
    Delivered,
    /// A recipient stays queued after a temporary failure.
    Deferred,
    /// A recipient failed permanently.
    Bounced,
    /// A fault started or ended.
    Fault,
    /// The run forks here (a fault injected by hand).
    Fork,
}

impl MarkerKind {
    /// The CSS class (and legend word) of the marker.
    pub fn class(self) -> &'static str {
        match self {
            MarkerKind::Delivered => "delivered",
            MarkerKind::Deferred => "deferred",
            MarkerKind::Bounced => "bounced",
            MarkerKind::Fault => "fault",
            MarkerKind::Fork => "fork",
        }
    }
}

/// One mark on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Events up to and including it (its position on the timeline).
    pub position: usize,
    /// When.
    pub at: SimTime,
    /// What.
    pub kind: MarkerKind,
    /// Hover text.
    pub label: String,
    /// Markers of the same kind nearby on the timeline, counted here
    /// rather than kept.
    pub more: usize,
}

/// One SMTP connection of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Connection id.
    pub conn: u64,
    /// The client host.
    pub client: String,
    /// The server host.
    pub server: String,
    /// The server's port it connected to.
    pub port: u16,
    /// When it opened.
    pub opened: SimTime,
    /// The message it carried first, if any.
    pub message: Option<String>,
}

/// The timeline of a trace, read a slice of events at a time
/// ([`Timeline::advance`]) or at once ([`Timeline::read`]).
#[derive(Debug, Default)]
pub struct Timeline {
    /// The markers, in trace order.
    pub markers: Vec<Marker>,
    /// Every SMTP connection, in order.
    pub sessions: Vec<Session>,
    /// Message ids that are DSNs (bounces and delay warnings).
    pub dsns: BTreeSet<String>,
    /// Every pair of hosts that talked (SMTP, or DNS when the flag is
    /// set), in order of first contact; an SMTP pair in name order, a DNS
    /// pair as asker and resolver.
    pub links: Vec<(String, String, bool)>,
    seen_links: BTreeSet<(String, String, bool)>,
    /// Which (slot, kind) has its marker, at which index of `markers`.
    slots: HashMap<(usize, MarkerKind), usize>,
    /// The next event to read.
    next: usize,
}

impl Timeline {
    /// The whole timeline of `trace`.
    pub fn read(trace: &Trace) -> Timeline {
        let mut t = Timeline::default();
        while !t.advance(trace, usize::MAX) {}
        t
    }

    /// Events read so far.
    pub fn read_so_far(&self) -> usize {
        self.next
    }

    /// Reads about `budget` more events of `trace`; true once all are
    /// read.
    pub fn advance(&mut self, trace: &Trace, budget: usize) -> bool {
        let n = trace.len();
        let end = self.next.saturating_add(budget.max(1)).min(n);
        for i in self.next..end {
            if trace.is_line(i) {
                continue;
            }
            let Some(e) = trace.get(i) else { continue };
            let host = e.hosts.first().map(|h| h.as_str()).unwrap_or_default();
            let other = e.hosts.get(1).map(|h| h.as_str()).unwrap_or_default();
            let kind = match &e.kind {
                EventKind::Deliver { to, .. } if to.contains('@') => MarkerKind::Delivered,
                EventKind::Defer { .. } => MarkerKind::Deferred,
                EventKind::Bounce { .. } => MarkerKind::Bounced,
                EventKind::FaultOn { .. } | EventKind::FaultOff { .. } => MarkerKind::Fault,
                EventKind::DnsQuery { .. } => {
                    self.add_link(host, other, true);
                    continue;
                }
                EventKind::Connect { conn, port } => {
                    self.add_link(host, other, false);
                    self.sessions.push(Session {
                        conn: *conn,
                        client: host.to_string(),
                        server: other.to_string(),
                        port: *port,
                        opened: e.at,
                        message: e.message.as_ref().map(|m| m.to_string()),
                    });
                    continue;
                }
                EventKind::DsnSent { dsn_message, .. } => {
                    self.dsns.insert(dsn_message.to_string());
                    continue;
                }
                _ => continue,
            };
            let position = i + 1;
            let slot = position.saturating_mul(MARKER_SLOTS) / n.max(1);
            if let Some(&m) = self.slots.get(&(slot, kind)) {
                if let Some(m) = self.markers.get_mut(m) {
                    m.more += 1;
                }
                continue;
            }
            let who = format!(
                "{} {}",
                e.message.as_deref().unwrap_or_default(),
                e.recipient.as_deref().unwrap_or_default()
            );
            let label = match &e.kind {
                EventKind::Deliver { to, .. } => format!("{}: delivered to {to}", e.at),
                EventKind::Defer { diagnostic, .. } => {
                    format!("{}: {} deferred on {host}: {diagnostic}", e.at, who.trim())
                }
                EventKind::Bounce { diagnostic } => {
                    format!("{}: {} bounced on {host}: {diagnostic}", e.at, who.trim())
                }
                EventKind::FaultOn { fault } => format!("{}: fault on: {}", e.at, fault.label()),
                EventKind::FaultOff { fault } => format!("{}: fault off: {}", e.at, fault.label()),
                _ => String::new(),
            };
            self.slots.insert((slot, kind), self.markers.len());
            self.markers.push(Marker {
                position,
                at: e.at,
                kind,
                label,
                more: 0,
            });
        }
        self.next = end;
        end >= n
    }

    fn add_link(&mut self, a: &str, b: &str, dns: bool) {
        let key = if dns || a <= b {
            (a.to_string(), b.to_string(), dns)
        } else {
            (b.to_string(), a.to_string(), dns)
        };
        if self.seen_links.insert(key.clone()) {
            self.links.push(key);
        }
    }
}
