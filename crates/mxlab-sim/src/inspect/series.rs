//! The series the statistics panel plots, read from the trace: recipients
//! queued over time on each host and on all of them together
//! ([`QueueSeries`]), and the windows in which faults struck
//! ([`fault_windows`]).

use std::collections::BTreeMap;

use crate::scenario::Fault;
use crate::time::SimTime;
use crate::trace::{EventKind, Trace};

/// A step series: `(time, value)` at every change, the value holding from
/// its time until the next point's. It starts at `(0, 0)` unless the first
/// change happens at time zero; changes at the same moment are one point
/// (the value after the last of them), and a moment that changes nothing
/// in the end leaves no point.
pub type Steps = Vec<(SimTime, usize)>;

/// Recipients queued over time, per host and on all hosts together.
///
/// A recipient counts on a host's queue from the moment its message is
/// enqueued there ([`EventKind::Enqueue`]) until that host delivers it
/// (to a mailbox or to the next hop) or bounces it; a message handed on
/// counts on the next hop from its arrival there, so while the sender waits
/// for the 250 after the data it counts on both.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueSeries {
    /// Every host whose queue ever held a recipient, in order of its first
    /// message.
    pub hosts: Vec<String>,
    /// All hosts together.
    pub total: Steps,
    /// One series per host of [`QueueSeries::hosts`], in the same order.
    pub by_host: Vec<Steps>,
    /// Every moment at which a queue changed, in order, from time zero.
    pub times: Vec<SimTime>,
}

impl QueueSeries {
    /// The queues of `trace`.
    pub fn read(trace: &Trace) -> QueueSeries {
        let mut out = QueueSeries {
            total: vec![(SimTime::ZERO, 0)],
            times: vec![SimTime::ZERO],
            ..QueueSeries::default()
        };
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut counts: Vec<usize> = Vec::new();
        let mut total: usize = 0;
        for (_, e) in trace.without_lines() {
            let host = e.hosts.first().map(|h| h.as_str()).unwrap_or_default();
            let change = match &e.kind {
                EventKind::Enqueue { recipients, .. } if !recipients.is_empty() => {
                    Change::Add(recipients.len())
                }
                EventKind::Deliver { .. } | EventKind::Bounce { .. } => Change::Remove,
                _ => continue,
            };
            let i = match index.get(host) {
                Some(&i) => i,
                // A recipient leaving a queue that never held one changes
                // nothing (no trace of the engine's does this).
                None if change == Change::Remove => continue,
                None => {
                    let i = out.hosts.len();
                    index.insert(host.to_string(), i);
                    out.hosts.push(host.to_string());
                    out.by_host.push(vec![(SimTime::ZERO, 0)]);
                    counts.push(0);
                    i
                }
            };
            let (Some(n), Some(series)) = (counts.get_mut(i), out.by_host.get_mut(i)) else {
                continue;
            };
            let before = *n;
            *n = match change {
                Change::Add(k) => n.saturating_add(k),
                Change::Remove => n.saturating_sub(1),
            };
            total = total.saturating_sub(before).saturating_add(*n);
            step(series, e.at, *n);
            step(&mut out.total, e.at, total);
            if out.times.last() != Some(&e.at) {
                out.times.push(e.at);
            }
        }
        out
    }

    /// The series of `host`, or of all hosts together for `None` (an
    /// unknown host's is empty).
    pub fn of(&self, host: Option<&str>) -> &[(SimTime, usize)] {
        match host {
            None => &self.total,
            Some(h) => self
                .hosts
                .iter()
                .position(|x| x == h)
                .and_then(|i| self.by_host.get(i))
                .map_or(&[], Vec::as_slice),
        }
    }

    /// The largest queue of all: the host, when it was first reached, and
    /// how many recipients it held (`None` if nothing was ever queued).
    /// Of hosts whose queues were as large, the one that stayed so the
    /// longest before `end` (the end of the run); then the first host.
    pub fn largest(&self, end: SimTime) -> Option<(&str, SimTime, usize)> {
        let mut best: Option<(&str, SimTime, usize, u64)> = None;
        for (host, series) in self.hosts.iter().zip(&self.by_host) {
            let Some((at, n)) = peak(series) else {
                continue;
            };
            let held = held_at(series, n, end);
            if best.is_none_or(|b| n > b.2 || (n == b.2 && held > b.3)) {
                best = Some((host, at, n, held));
            }
        }
        best.map(|(h, at, n, _)| (h, at, n))
    }
}

/// Microseconds a step series spent at `value` before `end`.
fn held_at(series: &[(SimTime, usize)], value: usize, end: SimTime) -> u64 {
    let mut held = 0u64;
    for (i, &(at, n)) in series.iter().enumerate() {
        if n == value {
            let until = series.get(i + 1).map_or(end, |p| p.0).max(at);
            held = held.saturating_add(until.as_micros() - at.as_micros());
        }
    }
    held
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Add(usize),
    Remove,
}

/// Appends `(at, n)` to a step series, as [`Steps`] says.
fn step(series: &mut Steps, at: SimTime, n: usize) {
    if let Some(last) = series.last_mut() {
        if last.0 == at {
            last.1 = n;
            let len = series.len();
            // The moment changed nothing in the end: no point for it.
            if len >= 2 && series.get(len - 2).is_some_and(|p| p.1 == n) {
                series.pop();
            }
            return;
        }
        if last.1 == n {
            return;
        }
    }
    series.push((at, n));
}

/// The highest value of a step series and the first time it was reached;
/// `None` when it never rises above zero.
pub fn peak(series: &[(SimTime, usize)]) -> Option<(SimTime, usize)> {
    let mut best: Option<(SimTime, usize)> = None;
    for &(at, n) in series {
        if n > 0 && best.is_none_or(|b| n > b.1) {
            best = Some((at, n));
        }
    }
    best
}

/// The value of a step series at `t`: that of its last point at or before
/// `t` (zero before the first).
pub fn value_at(series: &[(SimTime, usize)], t: SimTime) -> usize {
    let after = series.partition_point(|(at, _)| *at <= t);
    after
        .checked_sub(1)
        .and_then(|i| series.get(i))
        .map_or(0, |p| p.1)
}

/// A fault's time in force, from the event that switched it on to the one
/// that switched it off.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultWindow {
    /// The fault.
    pub fault: Fault,
    /// The hosts its events name (the resolver for a DNS failure).
    pub hosts: Vec<String>,
    /// When it started.
    pub from: SimTime,
    /// When it ended; `None` if it was still in force when the trace ends.
    pub until: Option<SimTime>,
}

/// Every fault's window in force, in order of their start: those the
/// scenario schedules and those injected by hand alike, as the trace
/// records them ([`EventKind::FaultOn`], [`EventKind::FaultOff`]). An end
/// closes the earliest open window of an equal fault.
pub fn fault_windows(trace: &Trace) -> Vec<FaultWindow> {
    let mut out: Vec<FaultWindow> = Vec::new();
    for (_, e) in trace.without_lines() {
        match &e.kind {
            EventKind::FaultOn { fault } => out.push(FaultWindow {
                fault: (**fault).clone(),
                hosts: e.hosts.iter().map(ToString::to_string).collect(),
                from: e.at,
                until: None,
            }),
            EventKind::FaultOff { fault } => {
                if let Some(w) = out
                    .iter_mut()
                    .find(|w| w.until.is_none() && w.fault == **fault)
                {
                    w.until = Some(e.at);
                }
            }
            _ => {}
        }
    }
    out
}
