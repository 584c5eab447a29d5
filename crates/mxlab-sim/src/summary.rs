//! [`Summary`]: the numbers a run ends with (delivered, bounced, queued,
//! attempts, delivery latency), read from the trace and the queues.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::{Sim, SmtpExchange};
use crate::trace::EventKind;

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

impl<X: SmtpExchange + Clone> Sim<X> {
    /// The run's summary so far.
    pub fn summary(&self) -> Summary {
        let submitted: BTreeMap<&str, u64> = self
            .scenario()
            .messages
            .iter()
            .map(|m| (m.id.as_str(), m.at_secs))
            .collect();
        let mut s = Summary::default();
        for (_, e) in self.trace().without_lines() {
            let original = e.message.as_deref().and_then(|m| submitted.get(m));
            match &e.kind {
                EventKind::Attempt { .. } => s.attempts += 1,
                EventKind::Deliver { to, duplicate } if to.contains('@') => {
                    if let Some(at) = original {
                        if *duplicate {
                            s.duplicates += 1;
                        } else {
                            s.delivered += 1;
                            let micros =
                                e.at.as_micros()
                                    .saturating_sub(at.saturating_mul(1_000_000));
                            s.latencies_secs.push(micros as f64 / 1e6);
                        }
                    }
                }
                EventKind::Bounce { .. } if original.is_some() => s.bounced += 1,
                _ => {}
            }
        }
        s.queued = self
            .hosts()
            .iter()
            .flat_map(|h| h.queue.values())
            .filter(|q| submitted.contains_key(q.message_id.as_str()))
            .map(|q| q.pending().count())
            .sum();
        s.latencies_secs.sort_by(f64::total_cmp);
        s
    }
}
