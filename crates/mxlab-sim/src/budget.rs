//! Run budgets: how many events, and how many bytes of trace, one run may
//! write before it stops.
//!
//! A small, valid scenario can ask for an unbounded amount of work: a
//! retry every second for a year to a host that never comes back, or a
//! mail loop carrying a large body through a thousand hops. Every run has
//! a [`Budget`]; when it is spent, the run stops cleanly at that instant
//! ([`Sim::stopped`](crate::Sim::stopped) says when and why) and keeps the
//! trace written so far, so a browser tab or a terminal stays usable.
//! [`forecast`] warns, before a run, about a scenario that will obviously
//! exceed it.

use core::fmt;

use serde::Serialize;

use crate::scenario::Scenario;
use crate::time::SimTime;
use crate::timing::{RetryDecision, TimingProfile};

/// How much one run may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Budget {
    /// Events in the trace (every line, lookup, connection, queue change).
    pub max_events: u64,
    /// Bytes of trace in memory (records, lines' octets, explanations),
    /// approximately.
    pub max_trace_bytes: u64,
}

impl Budget {
    /// 20,000,000 events or 1 GiB of trace, whichever comes first: days of
    /// a busy network, far beyond any lesson.
    pub const DEFAULT: Budget = Budget {
        max_events: 20_000_000,
        max_trace_bytes: 1 << 30,
    };

    /// No limit (for tests and benchmarks that measure the engine alone).
    pub const UNLIMITED: Budget = Budget {
        max_events: u64::MAX,
        max_trace_bytes: u64::MAX,
    };
}

impl Default for Budget {
    fn default() -> Self {
        Budget::DEFAULT
    }
}

/// Which limit of a [`Budget`] a run reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// [`Budget::max_events`].
    Events,
    /// [`Budget::max_trace_bytes`].
    TraceBytes,
}

/// A run that stopped on its budget: when, and what it had written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BudgetStop {
    /// The simulated instant it stopped at; nothing after it was computed.
    pub at: SimTime,
    /// Events written (including those of lines already on their way).
    pub events: u64,
    /// Bytes of trace written, approximately.
    pub trace_bytes: u64,
    /// The limit reached.
    pub limit: Limit,
    /// The budget.
    pub budget: Budget,
}

impl fmt::Display for BudgetStop {
    /// `stopped at 3d 04:00:00.000 after 20,000,000 events (the budget of
    /// 20,000,000 events)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stopped at {} after {} events and {} of trace",
            self.at,
            grouped(self.events),
            bytes(self.trace_bytes)
        )?;
        match self.limit {
            Limit::Events => write!(
                f,
                " (the budget of {} events)",
                grouped(self.budget.max_events)
            ),
            Limit::TraceBytes => write!(
                f,
                " (the budget of {} of trace)",
                bytes(self.budget.max_trace_bytes)
            ),
        }
    }
}

/// `20000000` as `20,000,000`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1073741824` as `1.0 GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = UNITS[0];
    for u in &UNITS[1..] {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

/// Counts what a run writes against its budget.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Meter {
    pub events: u64,
    pub bytes: u64,
}

impl Meter {
    /// Counts one event that takes `bytes` of memory.
    pub fn add(&mut self, bytes: usize) {
        self.add_many(1, bytes);
    }

    /// Counts `events` events that take `bytes` of memory together.
    pub fn add_many(&mut self, events: usize, bytes: usize) {
        self.events = self.events.saturating_add(events as u64);
        self.bytes = self.bytes.saturating_add(bytes as u64);
    }

    /// The limit of `budget` this meter has reached, if any.
    pub fn over(&self, budget: &Budget) -> Option<Limit> {
        if self.events >= budget.max_events {
            Some(Limit::Events)
        } else if self.bytes >= budget.max_trace_bytes {
            Some(Limit::TraceBytes)
        } else {
            None
        }
    }
}

/// The fewest events one failed delivery attempt writes (a connection
/// tried, its failure, the deferral).
const EVENTS_PER_FAILED_ATTEMPT: u64 = 3;

/// A warning when `scenario` will obviously exceed `budget`: when every
/// attempt of its messages fails (a host down for good), the host that
/// retries most often alone writes more events than the budget allows
/// before the horizon. `None` when no such bound is crossed.
pub fn forecast(scenario: &Scenario, budget: &Budget) -> Option<String> {
    let messages = scenario.messages.len() as u64;
    if messages == 0 {
        return None;
    }
    let horizon = SimTime::from_secs(scenario.horizon_secs);
    let (host, attempts) = scenario
        .nodes
        .iter()
        .filter_map(|node| {
            let profile = TimingProfile::builtin(&node.policy.timing).or_else(|| {
                scenario
                    .profiles
                    .iter()
                    .find(|p| p.name == node.policy.timing)
                    .map(|p| p.profile.clone())
            })?;
            let cap = budget.max_events / EVENTS_PER_FAILED_ATTEMPT / messages + 1;
            Some((node.name.as_str(), attempts_before(&profile, horizon, cap)))
        })
        .max_by_key(|&(_, attempts)| attempts)?;
    let events = attempts
        .saturating_mul(messages)
        .saturating_mul(EVENTS_PER_FAILED_ATTEMPT);
    (events > budget.max_events).then(|| {
        let (messages_text, write) = if messages == 1 {
            ("1 message".to_string(), "writes")
        } else {
            (format!("{} messages", grouped(messages)), "write")
        };
        format!(
            "if its messages cannot be delivered, {host} retries each of them at least {} times \
             before the horizon ({} s): {messages_text} {write} at least {} events, over the run \
             budget of {} events; the run would stop early (shorten the horizon, lengthen the \
             retry interval or the queue lifetime, or raise the budget)",
            grouped(attempts),
            grouped(scenario.horizon_secs),
            grouped(events),
            grouped(budget.max_events)
        )
    })
}

/// How many attempts `profile` makes of a message that arrives at zero and
/// always fails, before `horizon` or its expiry; counts no further than
/// `cap`.
fn attempts_before(profile: &TimingProfile, horizon: SimTime, cap: u64) -> u64 {
    let mut now = SimTime::ZERO;
    let mut gap = core::time::Duration::ZERO;
    let mut attempts = 1u64;
    while attempts < cap {
        let failures = u32::try_from(attempts).unwrap_or(u32::MAX);
        match profile.after_failure(SimTime::ZERO, SimTime::ZERO, now, failures, gap) {
            RetryDecision::RetryAt(at) if at <= horizon => {
                gap = at.saturating_duration_since(now);
                now = at;
                attempts += 1;
            }
            _ => break,
        }
    }
    attempts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(20_000_000), "20,000,000");
        assert_eq!(bytes(512), "512 bytes");
        assert_eq!(bytes(1 << 30), "1.0 GiB");
        assert_eq!(bytes(3 << 19), "1.5 MiB");
    }

    #[test]
    fn the_stop_says_when_and_which_limit() {
        let stop = BudgetStop {
            at: SimTime::from_secs(3 * 86_400 + 4 * 3_600),
            events: 20_000_000,
            trace_bytes: 900 << 20,
            limit: Limit::Events,
            budget: Budget::DEFAULT,
        };
        assert_eq!(
            stop.to_string(),
            "stopped at 3d 04:00:00.000 after 20,000,000 events and 900.0 MiB of trace \
             (the budget of 20,000,000 events)"
        );
    }
}
