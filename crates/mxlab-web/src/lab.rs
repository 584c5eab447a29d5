//! The app's model, free of the DOM so it is tested natively: a computed
//! [`Run`] of a scenario (its indexed trace, timeline markers, sessions and
//! summary), the [`Clock`] that plays it, and what the panels show
//! (transcripts, the wire, the hops of a message). Every fact comes from
//! `mxlab-sim`'s trace and view; nothing here speaks SMTP.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use mxlab_sim::inspect::{self, AuthStep, TimedHop};
use mxlab_sim::{BudgetStop, Scenario, SimTime, Summary, Trace, TraceIndex};

pub use crate::clock::{Clock, Skip, SPEEDS};
use crate::compute::Computation;
pub use crate::injection::{Injected, Injection};
pub use mxlab_sim::inspect::{
    line_text, scrambled, DsnReport, Hop, Marker, MarkerKind, Session, TranscriptLine, CUT,
};

/// A run's checkpoints ([`mxlab_sim::Checkpoints`]), held as the engine
/// made them: only the engine's code reads them (to fork) and drops them
/// (each holds a copy of the hosts, queues and pending events), so in a
/// build with parts that code stays in the engine's module.
pub(crate) struct Kept(Box<dyn std::any::Any>);

impl Kept {
    /// Holds `checkpoints`.
    pub(crate) fn new(checkpoints: mxlab_sim::Checkpoints) -> Self {
        Kept(Box::new(checkpoints))
    }

    /// The checkpoints.
    pub(crate) fn get(&self) -> Option<&mxlab_sim::Checkpoints> {
        self.0.downcast_ref()
    }
}

impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kept(checkpoints)")
    }
}

/// A scenario computed to the end (or to its budget): everything the
/// frames and panels read. Made by [`Computation`].
#[derive(Debug)]
pub struct Run {
    /// The scenario.
    pub scenario: Rc<Scenario>,
    /// The world seed.
    pub seed: u64,
    /// What was done by hand, in order of time.
    pub injections: Vec<Injection>,
    /// The run's checkpoints, which its branches fork from.
    pub(crate) checkpoints: Kept,
    /// The indexed trace.
    pub index: TraceIndex<Rc<Trace>>,
    /// Timeline markers, in trace order.
    pub markers: Vec<Marker>,
    /// Every SMTP connection, in order.
    pub sessions: Vec<Session>,
    /// Delivered, bounced, queued, attempts, latencies.
    pub summary: Summary,
    /// Message ids that are DSNs (bounces and delay warnings).
    pub dsns: BTreeSet<String>,
    /// Whether every queue was empty at the end.
    pub quiescent: bool,
    /// Every pair of hosts that talked (SMTP, or DNS when the flag is
    /// set), in order of first contact.
    pub links: Vec<(String, String, bool)>,
    /// Which host holds each mailbox (addresses lowercased).
    pub mailbox_hosts: BTreeMap<String, String>,
    /// Set when the run spent its budget and stopped early: its trace
    /// ends there.
    pub stopped: Option<BudgetStop>,
    pub(crate) transcripts: RefCell<BTreeMap<u64, Rc<Vec<TranscriptLine>>>>,
    /// Each message's hops over the whole run (each header line with its
    /// time), read from the trace once per message, not once per frame.
    pub(crate) hops: RefCell<BTreeMap<String, Rc<Vec<TimedHop>>>>,
    /// Each DSN's report, read from the trace once.
    pub(crate) reports: RefCell<BTreeMap<String, Option<Rc<DsnReport>>>>,
    /// Each message's authentication checks, read from the trace once.
    pub(crate) auth: RefCell<BTreeMap<String, Rc<Vec<AuthStep>>>>,
}

impl Run {
    /// Computes `scenario` with `seed` to the end (or its horizon).
    pub fn compute(scenario: Rc<Scenario>, seed: u64, injections: Vec<Injection>) -> Run {
        Computation::new(scenario, seed, injections).finish()
    }

    /// The events.
    pub fn events(&self) -> &Trace {
        self.index.trace()
    }

    /// The time of the last event.
    pub fn end(&self) -> SimTime {
        self.events().end().unwrap_or(SimTime::ZERO)
    }

    /// How many events happened at or before `t`.
    pub fn position(&self, t: SimTime) -> usize {
        self.events().partition_point(|at| at <= t)
    }

    /// The time at which `position` events have happened.
    pub fn time_at(&self, position: usize) -> SimTime {
        position
            .checked_sub(1)
            .and_then(|i| self.events().time(i))
            .unwrap_or(SimTime::ZERO)
    }

    /// The first event time after `t`.
    pub fn next_time(&self, t: SimTime) -> Option<SimTime> {
        self.events().time(self.position(t))
    }

    /// The details of the line whose arrival is event `index`.
    pub fn line_details(&self, index: usize) -> Option<inspect::LineDetails> {
        inspect::line_details(self.events(), index)
    }

    /// What is happening at `t`, in one line, as the caption over the
    /// drawing says it.
    pub fn caption(&self, t: SimTime) -> Option<String> {
        inspect::caption(self.events(), t)
    }

    /// The last event time before `t`.
    pub fn previous_time(&self, t: SimTime) -> Option<SimTime> {
        let before = self.events().partition_point(|at| at < t);
        before.checked_sub(1).and_then(|i| self.events().time(i))
    }

    /// The C:/S: lines of connection `conn`, each with its meaning
    /// (computed once per connection).
    pub fn transcript(&self, conn: u64) -> Rc<Vec<TranscriptLine>> {
        if let Some(t) = self.transcripts.borrow().get(&conn) {
            return t.clone();
        }
        let t = Rc::new(self.compute_transcript(conn));
        self.transcripts.borrow_mut().insert(conn, t.clone());
        t
    }

    fn compute_transcript(&self, conn: u64) -> Vec<TranscriptLine> {
        inspect::transcripts(self.events(), Some(conn))
            .remove(&conn)
            .unwrap_or_default()
    }

    /// The transcripts of every connection, in one pass over the trace.
    pub fn all_transcripts(&self) -> BTreeMap<u64, Vec<TranscriptLine>> {
        inspect::transcripts(self.events(), None)
    }

    /// The header block of message `id` on each hop it crossed up to `t`:
    /// the Received chain growing hop by hop (read from the trace once
    /// per message).
    pub fn hops(&self, id: &str, t: SimTime) -> Vec<Hop> {
        let all = self.hops.borrow().get(id).cloned();
        let all = all.unwrap_or_else(|| {
            let all = Rc::new(inspect::hops(self.events(), id));
            self.hops.borrow_mut().insert(id.to_string(), all.clone());
            all
        });
        all.iter()
            .filter(|h| h.hop.at <= t)
            .map(|h| h.at(t))
            .collect()
    }

    /// The authentication checks made on message `id` up to `t`.
    pub fn auth_steps(&self, id: &str, t: SimTime) -> Vec<AuthStep> {
        let all = self.auth.borrow().get(id).cloned();
        let all = all.unwrap_or_else(|| {
            let all = Rc::new(inspect::auth_steps(self.events(), id));
            self.auth.borrow_mut().insert(id.to_string(), all.clone());
            all
        });
        all.iter().filter(|s| s.at <= t).cloned().collect()
    }

    /// The report of the DSN with message id `id`, if it is one.
    pub fn dsn_report(&self, id: &str) -> Option<DsnReport> {
        if let Some(known) = self.reports.borrow().get(id) {
            return known.as_deref().cloned();
        }
        let report = inspect::dsn_report(self.events(), id).map(Rc::new);
        self.reports
            .borrow_mut()
            .insert(id.to_string(), report.clone());
        report.as_deref().cloned()
    }
}

/// Events between two snapshots of the run's index: a seek replays at
/// most this many, so every frame stays cheap.
pub const SNAPSHOT_EVERY: usize = 256;

/// At most this many snapshots: each holds every mailbox and queue, so a
/// long run takes longer gaps between them rather than memory that grows
/// with the square of its length.
pub const MAX_SNAPSHOTS: usize = 64;

/// The snapshot interval for a run of `events` events.
pub fn snapshot_interval(events: usize) -> usize {
    SNAPSHOT_EVERY.max(events.div_ceil(MAX_SNAPSHOTS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxlab_sim::presets;
    use mxlab_sim::scenario::Fault;

    fn run(name: &str) -> Run {
        let s = presets::preset(name).unwrap();
        let seed = s.seed;
        Run::compute(Rc::new(s), seed, Vec::new())
    }

    #[test]
    fn a_preset_run_has_markers_sessions_and_a_delivery() {
        let r = run("hello-smtp");
        assert_eq!(r.summary.delivered, 1);
        assert!(r.quiescent);
        assert!(r.markers.iter().any(|m| m.kind == MarkerKind::Delivered));
        assert!(!r.sessions.is_empty());
        let t = r.transcript(r.sessions[0].conn);
        assert_eq!(t.first().map(|l| l.who), Some('S'));
        assert!(t.first().unwrap().text.starts_with("220 "));
        assert!(t
            .iter()
            .any(|l| l.who == 'C' && l.text.starts_with("EHLO ")));
        assert!(t.iter().all(|l| !l.hover.is_empty()));
        assert_eq!(t.last().map(|l| l.text.starts_with("221")), Some(true));
    }

    #[test]
    fn an_injection_forks_the_run_at_its_time() {
        let base = run("hello-smtp");
        let s = base.scenario.clone();
        let mx = s
            .nodes
            .iter()
            .find(|n| n.role == mxlab_sim::scenario::Role::Mx)
            .unwrap()
            .name
            .clone();
        let at = SimTime::from_millis(1);
        let forked = Run::compute(
            s,
            base.seed,
            vec![Injection::fault(
                at,
                Fault::HostDown {
                    host: mx,
                    mode: Default::default(),
                },
            )],
        );
        assert_eq!(forked.summary.delivered, 0);
        assert!(forked.markers.iter().any(|m| m.kind == MarkerKind::Fork));
        assert!(forked
            .markers
            .iter()
            .any(|m| m.kind == MarkerKind::Deferred));
        // Before the fork, both runs are the same.
        let before = |r: &Run| {
            r.events()
                .iter()
                .take_while(|e| e.at < at)
                .collect::<Vec<_>>()
        };
        assert_eq!(before(&base), before(&forked));
    }

    #[test]
    fn steps_go_from_event_to_event() {
        let r = run("hello-smtp");
        let first = r.next_time(SimTime::ZERO).unwrap();
        let second = r.next_time(first).unwrap();
        assert!(second > first);
        assert_eq!(r.previous_time(second), Some(first));
        assert_eq!(r.time_at(r.position(second)), second);
    }
}
