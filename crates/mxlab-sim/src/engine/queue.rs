//! A message entering a host's queue (submitted by the scenario, or
//! handed on by a server), and leaving it when its lifetime is over.

use super::{QueueEntry, RcptResult, Sim};
use crate::diagnostic::Diagnostic;
use crate::time::SimTime;
use crate::trace::{EventKind, Names, NO_NAME};

impl Sim {
    pub(super) fn submit(&mut self, now: SimTime, i: usize) {
        let Some(m) = self.scenario.messages.get(i) else {
            return;
        };
        let Some(&host) = self.by_name.get(&m.from.to_ascii_lowercase()) else {
            return;
        };
        let mut content = String::new();
        for h in &m.headers {
            for part in [h.name.as_str(), ": ", h.value.as_str(), "\r\n"] {
                content.push_str(part);
            }
        }
        content.push_str("\r\n");
        content.push_str(&m.body);
        let entry = QueueEntry::arriving(&m.id, &m.mail_from, &m.rcpt_to, content, 0, now);
        self.arrive(now, host, entry);
    }

    pub(super) fn arrive(&mut self, now: SimTime, host: usize, mut entry: QueueEntry) {
        let Some(h) = self.hosts.get_mut(host) else {
            return;
        };
        entry.queue_id = h.next_queue_id;
        h.next_queue_id = h.next_queue_id.saturating_add(1);
        entry.arrival = now;
        let queue_id = entry.queue_id;
        let limit = h.profile.hop_limit;
        let over = entry.hops > limit;
        if entry.name == NO_NAME {
            entry.name = self.trace.intern(&entry.message_id);
        }
        let names = Names::one(self.host_id(host), entry.name, NO_NAME);
        self.record(
            now,
            names,
            EventKind::Enqueue {
                queue_id: compact_str::ToCompactString::to_compact_string(&queue_id),
                recipients: entry
                    .recipients
                    .iter()
                    .map(|r| r.address.as_str().into())
                    .collect(),
            },
        );
        if let Some(h) = self.hosts.get_mut(host) {
            h.queue.insert(queue_id, entry);
        }
        if over {
            let d = Diagnostic::new(
                554,
                "5.4.6",
                &format!("too many hops (over {limit} Received: headers): mail loop"),
                "RFC 5321 §6.3",
            );
            self.fail_pending(now, host, queue_id, &d);
        } else {
            // Its first attempt starts as it arrives.
            self.attempt(now, host, queue_id);
        }
    }

    pub(super) fn expire(&mut self, now: SimTime, host: usize, queue_id: u64) {
        let Some(entry) = self.hosts.get(host).and_then(|h| h.entry(queue_id)) else {
            return;
        };
        let days = now.saturating_duration_since(entry.arrival).as_secs() / 86_400;
        let last = entry
            .pending()
            .find_map(|r| r.last_error.as_ref())
            .map(|d| d.text.clone())
            .unwrap_or_default();
        let d = Diagnostic::new(
            554,
            "4.4.7",
            &format!("message expired after {days} days in the queue; last error: {last}"),
            "RFC 5321 §4.5.4.1",
        );
        self.fail_pending(now, host, queue_id, &d);
    }

    /// Bounces every pending recipient of an entry with `d`.
    pub(super) fn fail_pending(
        &mut self,
        now: SimTime,
        host: usize,
        queue_id: u64,
        d: &Diagnostic,
    ) {
        let results = self
            .hosts
            .get(host)
            .and_then(|h| h.entry(queue_id))
            .map(|e| {
                e.pending()
                    .map(|r| (r.address.clone(), RcptResult::Permanent(d.clone())))
                    .collect()
            })
            .unwrap_or_default();
        self.outcome(now, host, queue_id, results);
    }
}
