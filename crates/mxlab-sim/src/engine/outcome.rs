//! What an attempt's results do to a queued message: each recipient
//! delivered, bounced or deferred to its next retry by the host's timing
//! profile, a delay warning or a bounce sent to the envelope sender, and
//! the entry leaving the queue when no recipient is left.

use super::{Event, RcptResult, RecipientStatus, Sim};
use crate::diagnostic::Diagnostic;
use crate::time::SimTime;
use crate::trace::{DsnAction, EventKind, Names};

impl Sim {
    pub(super) fn outcome(
        &mut self,
        now: SimTime,
        host: usize,
        queue_id: u64,
        results: Vec<(String, RcptResult)>,
    ) {
        let host_id = self.host_id(host);
        let Some(h) = self.hosts.get_mut(host) else {
            return;
        };
        let profile = &h.profile;
        let Some(entry) = h.queue.get_mut(&queue_id) else {
            return;
        };
        entry.in_flight = false;
        let message_id = entry.name;
        let is_bounce = entry.is_bounce();
        let mut bounced = Vec::new();
        let mut deferred = Vec::new();
        let mut records = Vec::new();
        for (rcpt, result) in results {
            let Some(r) = entry
                .recipients
                .iter_mut()
                .find(|r| r.address == rcpt && r.status == RecipientStatus::Pending)
            else {
                continue;
            };
            let subject = Names::one(host_id, message_id, self.trace.intern(&rcpt));
            match result {
                RcptResult::Delivered { to, duplicate } => {
                    r.status = RecipientStatus::Delivered;
                    records.push((subject, EventKind::Deliver { to, duplicate }, None));
                }
                RcptResult::Permanent(d) => {
                    r.status = RecipientStatus::Bounced;
                    r.last_error = Some(d.clone());
                    bounced.push((rcpt.clone(), d.clone()));
                    let note = is_bounce.then_some(
                        "the DSN itself failed; a bounce is never bounced (a double bounce goes to the postmaster)",
                    );
                    records.push((
                        subject,
                        EventKind::Bounce {
                            diagnostic: Box::new(d),
                        },
                        note,
                    ));
                }
                RcptResult::Temporary(d) => {
                    r.last_error = Some(d.clone());
                    deferred.push((subject, d));
                }
            }
        }
        let mut next = None;
        if !deferred.is_empty() {
            entry.failures = entry.failures.saturating_add(1);
            let first = *entry.first_failure.get_or_insert(now);
            let gap = core::time::Duration::from_micros(entry.last_gap_micros);
            match profile.after_failure(entry.arrival, first, now, entry.failures, gap) {
                crate::timing::RetryDecision::RetryAt(at) => {
                    entry.last_gap_micros = at.saturating_duration_since(now).as_micros() as u64;
                    entry.next_attempt = Some(at);
                    next = Some((at, false));
                    for (subject, diagnostic) in deferred {
                        records.push((
                            subject,
                            EventKind::Defer {
                                diagnostic: Box::new(diagnostic),
                                next_attempt: at,
                            },
                            None,
                        ));
                    }
                }
                crate::timing::RetryDecision::ExpireAt(at) => {
                    entry.next_attempt = Some(at);
                    next = Some((at, true));
                }
            }
        }
        // A delay warning (RFC 3464 `action: delayed`) when the message
        // has waited the profile's warning time, once or each time again
        // (Exim); judged at this failure, or at the next try it leads to
        // (OpenSMTPD).
        let warn = match (profile.delay_warning_secs, next) {
            (Some(every), Some((next_try, false))) if !is_bounce => {
                let moment = if profile.delay_warning_before_next_try {
                    next_try
                } else {
                    now
                };
                let waited = moment.saturating_duration_since(entry.arrival).as_secs();
                let again = profile.delay_warning_repeats && every > 0;
                let due = every.saturating_mul(u64::from(entry.warnings) + 1);
                let warn = (entry.warnings == 0 || again) && waited >= due;
                if warn {
                    // Warnings whose time has passed unseen (a wait longer
                    // than the interval) are not sent one after another.
                    let passed = waited.checked_div(every).unwrap_or(1);
                    entry.warnings = u32::try_from(passed)
                        .unwrap_or(u32::MAX)
                        .max(entry.warnings.saturating_add(1));
                }
                warn
            }
            _ => false,
        };
        // The entry as it stands, for the DSNs (only they need a copy).
        let original = (warn || (!bounced.is_empty() && !is_bounce)).then(|| entry.clone());
        for (subject, kind, note) in records {
            match note {
                Some(text) => {
                    self.record_explained(now, subject, kind, text, "RFC 3464 §2");
                }
                None => {
                    self.record(now, subject, kind);
                }
            }
        }
        match next {
            Some((at, false)) => {
                let host = super::id32(host);
                self.events.push(at, Event::AttemptDue { host, queue_id });
            }
            Some((at, true)) => {
                let host = super::id32(host);
                self.events.push(at, Event::Expire { host, queue_id });
            }
            None => {}
        }
        if let Some(original) = &original {
            if warn {
                let pending: Vec<(String, Diagnostic)> = original
                    .pending()
                    .filter_map(|r| r.last_error.clone().map(|d| (r.address.clone(), d)))
                    .collect();
                self.send_dsn(now, host, original, &pending, DsnAction::Delayed);
            }
            if !bounced.is_empty() && !is_bounce {
                self.send_dsn(now, host, original, &bounced, DsnAction::Failed);
            }
        }
        // The entry leaves the queue when no recipient is left. (Only the
        // entry just settled can have none: every other entry in a queue
        // has a pending recipient, as entries are only settled here.)
        if let Some(h) = self.hosts.get_mut(host) {
            if h.entry(queue_id)
                .is_some_and(|e| e.pending().next().is_none())
            {
                h.queue.remove(&queue_id);
            }
        }
    }
}
