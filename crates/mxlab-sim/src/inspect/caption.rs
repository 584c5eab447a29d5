//! One line saying what is happening at a moment of a run, as a caption
//! over the drawing: `smtp.example.com → mx1.example.org: connection
//! refused: try the next MX, or requeue (RFC 5321 §5.1)`.

use crate::time::SimTime;
use crate::trace::{EventKind, Trace, TraceEvent};

use super::transcript::line_text;

/// The caption at `t`: the most telling of the events at the last instant
/// at or before `t` (a refused connection before the next attempt made at
/// the same instant, a delivery before the connection's close), with its
/// explanation and RFC section; `None` before the first event.
pub fn caption(trace: &Trace, t: SimTime) -> Option<String> {
    let end = trace.partition_point(|at| at <= t);
    let last = trace.time(end.checked_sub(1)?)?;
    let start = trace.partition_point(|at| at < last);
    let event = trace
        .range(start..end)
        .enumerate()
        // The most telling; of equals, the latest.
        .max_by_key(|(i, e)| (weight(&e.kind), *i))
        .map(|(_, e)| e)?;
    Some(say(&event))
}

/// How telling an event is for a caption.
fn weight(kind: &EventKind) -> u8 {
    match kind {
        EventKind::ConnectFailed { .. }
        | EventKind::Abort { .. }
        | EventKind::Bounce { .. }
        | EventKind::FaultOn { .. }
        | EventKind::FaultOff { .. } => 6,
        EventKind::Deliver { .. }
        | EventKind::Defer { .. }
        | EventKind::DsnSent { .. }
        | EventKind::Auth { .. } => 5,
        EventKind::Connect { .. } | EventKind::TlsUpgrade { .. } => 4,
        EventKind::DnsQuery { .. } | EventKind::DnsAnswer { .. } | EventKind::Attempt { .. } => 3,
        EventKind::Command { .. } | EventKind::Reply { .. } => 2,
        _ => 1,
    }
}

/// `from → to: what (RFC)`, a line quoted first.
fn say(e: &TraceEvent) -> String {
    let (text, rfc) = e.describe();
    let who = match (e.hosts.first(), e.hosts.get(1)) {
        (Some(a), Some(b)) => format!("{a} → {b}"),
        (Some(a), None) => a.to_string(),
        _ => String::new(),
    };
    let what = match &e.kind {
        EventKind::Command { line, .. } | EventKind::Reply { line, .. } => {
            format!("“{}” — {text}", line_text(line))
        }
        EventKind::DnsAnswer { answer, .. } if !answer.is_empty() => {
            format!("{text}: {}", super::events::dns_records(answer, false))
        }
        _ => text,
    };
    format!("{who}: {what} ({rfc})")
}
