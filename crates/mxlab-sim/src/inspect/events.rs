//! The event list: the trace's events around a moment as rows (time,
//! from → to, what, its explanation and RFC section), filtered by class,
//! as a lecturer steps through them.

use compact_str::CompactString;

use crate::time::SimTime;
use crate::trace::{ConnectFailure, EventKind, Trace, TraceEvent};

use super::transcript::line_text;

/// What an event is about, for filtering the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventClass {
    /// Connections, SMTP lines, TLS.
    Smtp,
    /// DNS questions and answers.
    Dns,
    /// Queues: a message entering one, attempts, deferrals, deliveries,
    /// bounces.
    Queue,
    /// Faults starting and ending.
    Fault,
    /// Delivery status notifications sent.
    Dsn,
    /// SPF, DKIM and DMARC verdicts.
    Auth,
}

impl EventClass {
    /// Every class, in the order the list's filters show them.
    pub const ALL: [EventClass; 6] = [
        EventClass::Smtp,
        EventClass::Dns,
        EventClass::Queue,
        EventClass::Fault,
        EventClass::Dsn,
        EventClass::Auth,
    ];

    /// The class of an event kind.
    pub fn of(kind: &EventKind) -> EventClass {
        match kind {
            EventKind::DnsQuery { .. } | EventKind::DnsAnswer { .. } => EventClass::Dns,
            EventKind::Enqueue { .. }
            | EventKind::Attempt { .. }
            | EventKind::Defer { .. }
            | EventKind::Deliver { .. }
            | EventKind::Bounce { .. } => EventClass::Queue,
            EventKind::FaultOn { .. } | EventKind::FaultOff { .. } => EventClass::Fault,
            EventKind::DsnSent { .. } => EventClass::Dsn,
            EventKind::Auth { .. } => EventClass::Auth,
            _ => EventClass::Smtp,
        }
    }

    /// Its name in the list's filters.
    pub fn label(self) -> &'static str {
        match self {
            EventClass::Smtp => "SMTP",
            EventClass::Dns => "DNS",
            EventClass::Queue => "queue",
            EventClass::Fault => "fault",
            EventClass::Dsn => "DSN",
            EventClass::Auth => "auth",
        }
    }

    /// A bit of its own, for a set of classes as a `u8`.
    pub fn bit(self) -> u8 {
        match self {
            EventClass::Smtp => 1,
            EventClass::Dns => 2,
            EventClass::Queue => 4,
            EventClass::Fault => 8,
            EventClass::Dsn => 16,
            EventClass::Auth => 32,
        }
    }
}

/// One row of the event list.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// The event's position in the trace.
    pub index: usize,
    /// When.
    pub at: SimTime,
    /// The acting host.
    pub from: String,
    /// Its peer, if any.
    pub to: Option<String>,
    /// What happened, in a few words (a line quoted as sent).
    pub what: String,
    /// What it means.
    pub explanation: String,
    /// The RFC section that says so.
    pub rfc: String,
    /// Its class.
    pub class: EventClass,
}

/// The rows around position `at` (the number of events that have
/// happened): up to `before` events of the classes in `classes` (a set of
/// [`EventClass::bit`]s) at or before it, the last of them the current
/// one, and up to `after` after it. At most `scan` events are read each
/// way, so a filter that matches little in a long trace stays cheap.
/// Returns the rows and the index among them of the current one.
pub fn event_rows(
    trace: &Trace,
    at: usize,
    classes: u8,
    before: usize,
    after: usize,
    scan: usize,
) -> (Vec<EventRow>, Option<usize>) {
    let keep = |e: &TraceEvent| EventClass::of(&e.kind).bit() & classes != 0;
    let end = at.min(trace.len());
    let mut past: Vec<EventRow> = Vec::new();
    let start = end.saturating_sub(scan);
    for (i, e) in (start..end).zip(trace.range(start..end)).rev() {
        if past.len() >= before {
            break;
        }
        if keep(&e) {
            past.push(row(i, &e));
        }
    }
    past.reverse();
    let current = past.len().checked_sub(1);
    let stop = end.saturating_add(scan).min(trace.len());
    let future = (end..stop)
        .zip(trace.range(end..stop))
        .filter(|(_, e)| keep(e))
        .take(after)
        .map(|(i, e)| row(i, &e));
    past.extend(future);
    (past, current)
}

/// A DNS answer's records as one list: `10 mx1.example.org · 20
/// mx2.example.org`, or with `short` exchanges (their first label, as the
/// drawing shows them) `10 mx1 · 20 mx2`; `no records` for none.
pub fn dns_records(answer: &[CompactString], short: bool) -> String {
    if answer.is_empty() {
        return "no records".to_string();
    }
    answer
        .iter()
        .map(|r| match r.split_once(' ') {
            Some((pref, host)) if short => {
                format!("{pref} {}", host.split('.').next().unwrap_or(host))
            }
            _ => r.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn row(index: usize, e: &TraceEvent) -> EventRow {
    let (explanation, rfc) = e.describe();
    EventRow {
        index,
        at: e.at,
        from: e.hosts.first().map(ToString::to_string).unwrap_or_default(),
        to: e.hosts.get(1).map(ToString::to_string),
        what: what(e),
        explanation,
        rfc,
        class: EventClass::of(&e.kind),
    }
}

/// A few words for an event.
fn what(e: &TraceEvent) -> String {
    match &e.kind {
        EventKind::Command { line, .. } => format!("C: {}", line_text(line)),
        EventKind::Reply { line, .. } => format!("S: {}", line_text(line)),
        EventKind::Connect { port, .. } => format!("connected to port {port}"),
        EventKind::ConnectFailed { reason } => match reason {
            ConnectFailure::Refused => "connection refused".into(),
            ConnectFailure::Timeout => "connection timed out".into(),
            ConnectFailure::Lost => "connection attempt lost".into(),
            ConnectFailure::NoAddress => "no address".into(),
        },
        EventKind::Close { .. } => "connection closed".into(),
        EventKind::Abort { detail, .. } => format!("connection cut ({detail})"),
        EventKind::TlsUpgrade { ok: true, .. } => "TLS established".into(),
        EventKind::TlsUpgrade { ok: false, .. } => "TLS handshake failed".into(),
        EventKind::DnsQuery { name, qtype } => format!("{} {name}?", qtype.as_str()),
        EventKind::DnsAnswer {
            name,
            qtype,
            answer,
        } => format!("{} {name}: {}", qtype.as_str(), dns_records(answer, false)),
        EventKind::Enqueue { recipients, .. } => {
            let n = recipients.len();
            format!("queued for {n} recipient{}", if n == 1 { "" } else { "s" })
        }
        EventKind::Attempt {
            target,
            port,
            attempt,
            ..
        } => format!("attempt {attempt}: {target}:{port}"),
        EventKind::Defer { next_attempt, .. } => format!("deferred until {next_attempt}"),
        EventKind::Deliver { to, .. } => format!("delivered to {to}"),
        EventKind::Bounce { diagnostic } => format!("bounced: {diagnostic}"),
        EventKind::DsnSent { action, to, .. } => format!("DSN ({}) to {to}", action.as_str()),
        EventKind::FaultOn { fault } => format!("fault: {}", fault.label()),
        EventKind::FaultOff { fault } => format!("fault over: {}", fault.label()),
        EventKind::Auth {
            check,
            result,
            domain,
            action,
            ..
        } => {
            let mut s = format!("{} {result} ({domain})", check.label());
            if !action.is_empty() && action != "none" {
                s.push_str(" → ");
                s.push_str(action);
            }
            s
        }
    }
}
