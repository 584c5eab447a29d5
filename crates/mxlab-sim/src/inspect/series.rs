//! The series the statistics panel plots, read from the trace.

use std::collections::BTreeMap;

use crate::time::SimTime;
use crate::trace::{EventKind, Trace};

/// Queued recipients over time, on every host together: `(time, total
/// queued)` at every change, from `(0, 0)`.
pub fn queue_series(trace: &Trace) -> Vec<(SimTime, usize)> {
    let mut series = vec![(SimTime::ZERO, 0usize)];
    let mut n: usize = 0;
    for (_, e) in trace.without_lines() {
        let before = n;
        match &e.kind {
            EventKind::Enqueue { recipients, .. } => n = n.saturating_add(recipients.len()),
            EventKind::Deliver { .. } | EventKind::Bounce { .. } => n = n.saturating_sub(1),
            _ => continue,
        }
        if n != before {
            series.push((e.at, n));
        }
    }
    series
}

/// Attempts per message: how many connections were tried for it, on
/// every hop.
pub fn attempts_per_message(trace: &Trace) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (_, e) in trace.without_lines() {
        if let (EventKind::Attempt { .. }, Some(m)) = (&e.kind, &e.message) {
            *out.entry(m.to_string()).or_insert(0) += 1;
        }
    }
    out
}
