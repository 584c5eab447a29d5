//! [`Summary`]: the numbers a run ends with (delivered, bounced, queued,
//! attempts, delivery latency), read from the trace and the queues; and
//! each delivery behind its latencies ([`deliveries`]).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::Sim;
use crate::scenario::Scenario;
use crate::time::SimTime;
use crate::trace::{EventKind, Trace};

/// What a run achieved, per original (message, recipient).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Recipients delivered to a mailbox (duplicates not counted).
    pub delivered: usize,
    /// Recipients bounced (DSNs not counted).
    pub bounced: usize,
    /// Recipients still queued somewhere at the end.
    pub queued: usize,
    /// RFC 1047 duplicates delivered.
    pub duplicates: usize,
    /// Delivery attempts (connections tried), all hosts.
    pub attempts: usize,
    /// Seconds from submission to the mailbox, sorted.
    pub latencies_secs: Vec<f64>,
}

impl Summary {
    /// The latency at percentile `p` (0..=100), if anything was delivered.
    pub fn latency_percentile(&self, p: f64) -> Option<f64> {
        let n = self.latencies_secs.len();
        if n == 0 {
            return None;
        }
        let rank = ((p.clamp(0.0, 100.0) / 100.0) * (n - 1) as f64).round() as usize;
        self.latencies_secs.get(rank.min(n - 1)).copied()
    }
}

impl Sim {
    /// The run's summary so far.
    pub fn summary(&self) -> Summary {
        let mut builder = SummaryBuilder::new(self);
        builder.advance(self.trace(), usize::MAX);
        builder.finish(self.trace())
    }
}

/// A run's [`Summary`] read from its trace a slice of events at a time, so
/// that a long trace never holds a page for long: [`SummaryBuilder::new`]
/// with the run, [`SummaryBuilder::advance`] over its trace until it
/// returns true, then [`SummaryBuilder::finish`].
#[derive(Debug, Clone)]
pub struct SummaryBuilder {
    /// The scenario's messages by id, with their submission time.
    submitted: BTreeMap<String, u64>,
    summary: Summary,
    /// The next event to read.
    next: usize,
}

impl SummaryBuilder {
    /// Starts the summary of `sim` as it stands: what is queued is counted
    /// now, the trace is read by [`SummaryBuilder::advance`].
    pub fn new(sim: &Sim) -> Self {
        // Inserted one by one rather than collected: collecting sorts
        // first, one more copy of the sort in the wasm for nothing.
        let mut submitted: BTreeMap<String, u64> = BTreeMap::new();
        for m in &sim.scenario().messages {
            submitted.insert(m.id.clone(), m.at_secs);
        }
        let queued = sim
            .hosts()
            .iter()
            .flat_map(|h| h.queue.values())
            .filter(|q| submitted.contains_key(q.message_id.as_str()))
            .map(|q| q.pending().count())
            .sum();
        SummaryBuilder {
            submitted,
            summary: Summary {
                queued,
                ..Summary::default()
            },
            next: 0,
        }
    }

    /// Reads at most `budget` more events of `trace` (at least one); true
    /// when every event is read.
    pub fn advance(&mut self, trace: &Trace, budget: usize) -> bool {
        let end = self.next.saturating_add(budget.max(1)).min(trace.len());
        let s = &mut self.summary;
        for i in self.next..end {
            if trace.is_line(i) {
                continue;
            }
            let Some(e) = trace.get(i) else { continue };
            let original = e.message.as_deref().and_then(|m| self.submitted.get(m));
            match &e.kind {
                EventKind::Attempt { .. } => s.attempts += 1,
                EventKind::Deliver { to, duplicate } if to.contains('@') => {
                    if let Some(&at) = original {
                        if *duplicate {
                            s.duplicates += 1;
                        } else {
                            s.delivered += 1;
                            s.latencies_secs.push(latency(at, e.at));
                        }
                    }
                }
                EventKind::Bounce { .. } if original.is_some() => s.bounced += 1,
                _ => {}
            }
        }
        self.next = end;
        end >= trace.len()
    }

    /// The summary of `trace`, read up to where [`SummaryBuilder::advance`]
    /// got (the rest is read now).
    pub fn finish(mut self, trace: &Trace) -> Summary {
        self.advance(trace, usize::MAX);
        self.summary.latencies_secs.sort_by(f64::total_cmp);
        self.summary
    }

    /// How many events of the trace are read.
    pub fn read(&self) -> usize {
        self.next
    }
}

/// Seconds from a submission at `at_secs` to a delivery at `delivered`:
/// the delivery latency of [`Summary::latencies_secs`] and
/// [`Delivery::latency_secs`] alike.
fn latency(at_secs: u64, delivered: SimTime) -> f64 {
    let micros = delivered
        .as_micros()
        .saturating_sub(at_secs.saturating_mul(1_000_000));
    micros as f64 / 1e6
}

/// One recipient of a scenario's message reaching its mailbox: one of the
/// latencies of [`Summary::latencies_secs`], with what it is the latency
/// of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    /// The message id.
    pub message: String,
    /// The mailbox it reached.
    pub mailbox: String,
    /// The host that delivered it there.
    pub host: String,
    /// When the scenario submitted it.
    pub submitted: SimTime,
    /// When it reached the mailbox.
    pub delivered: SimTime,
    /// Seconds from submission to the mailbox.
    pub latency_secs: f64,
}

/// Every delivery of a message of `scenario` to a mailbox in `trace`, in
/// order of time (RFC 1047 duplicates, DSNs and mail typed into a console
/// aside, as [`Summary`] counts them): its latencies, sorted, are the
/// summary's.
pub fn deliveries(scenario: &Scenario, trace: &Trace) -> Vec<Delivery> {
    let mut submitted: BTreeMap<&str, u64> = BTreeMap::new();
    for m in &scenario.messages {
        submitted.insert(m.id.as_str(), m.at_secs);
    }
    let mut out = Vec::new();
    for (_, e) in trace.without_lines() {
        let EventKind::Deliver { to, duplicate } = &e.kind else {
            continue;
        };
        if *duplicate || !to.contains('@') {
            continue;
        }
        let Some(message) = e.message.as_deref() else {
            continue;
        };
        let Some(&at) = submitted.get(message) else {
            continue;
        };
        out.push(Delivery {
            message: message.to_string(),
            mailbox: to.to_string(),
            host: e.hosts.first().map(ToString::to_string).unwrap_or_default(),
            submitted: SimTime::from_secs(at),
            delivered: e.at,
            latency_secs: latency(at, e.at),
        });
    }
    out
}
