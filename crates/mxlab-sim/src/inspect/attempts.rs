//! Delivery attempts, counted two ways ([`Attempts::read`]): per hop, how
//! many times a host's queue tried to hand a message on (1 when the first
//! try succeeded), and end to end, how many connections a message needed
//! from its first hop to its mailboxes.
//!
//! A try ([`EventKind::Attempt`] events of the same attempt number) may
//! open several connections: to the next MX after a refusal, or one per
//! destination domain. A host that delivers to its own mailboxes tries no
//! connection: it is the last hop, not counted per hop.

use std::collections::{BTreeMap, BTreeSet};

use crate::time::SimTime;
use crate::trace::{EventKind, Trace};

/// One hop of one message: its stay in one host's queue, from which the
/// host tried to hand it on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HopAttempts {
    /// The message id.
    pub message: String,
    /// The host whose queue held it.
    pub host: String,
    /// When it entered that queue.
    pub arrived: SimTime,
    /// How many times the host tried (its highest attempt number).
    pub attempts: u32,
    /// How many connections those tries opened or tried to open.
    pub connections: u32,
    /// Whether the message is a DSN (a bounce or a delay warning).
    pub dsn: bool,
}

/// One message, end to end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAttempts {
    /// The message id.
    pub message: String,
    /// Hops that tried to hand it on.
    pub hops: u32,
    /// Tries on all those hops together.
    pub attempts: u32,
    /// Connections tried for it on every hop, from its first hop to its
    /// mailboxes.
    pub connections: u32,
    /// Whether a recipient of it reached a mailbox (a duplicate aside).
    pub delivered: bool,
    /// Whether the message is a DSN (a bounce or a delay warning).
    pub dsn: bool,
}

/// The attempts of a run: every hop that tried, every message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attempts {
    /// Every hop that tried to hand a message on, in order of arrival.
    pub hops: Vec<HopAttempts>,
    /// Every message that entered a queue, in order of first arrival.
    pub messages: Vec<MessageAttempts>,
}

impl Attempts {
    /// The attempts of `trace`.
    pub fn read(trace: &Trace) -> Attempts {
        // Every stay in a queue, and the current stay of each (host,
        // message): an attempt belongs to the latest arrival.
        let mut stays: Vec<HopAttempts> = Vec::new();
        // Keyed by the host and the message id joined by a line feed,
        // which neither holds.
        let mut current: BTreeMap<String, usize> = BTreeMap::new();
        let mut messages: Vec<MessageAttempts> = Vec::new();
        let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
        let mut dsns: BTreeSet<String> = BTreeSet::new();
        for (_, e) in trace.without_lines() {
            let Some(message) = e.message.as_deref() else {
                continue;
            };
            let host = e.hosts.first().map(|h| h.as_str()).unwrap_or_default();
            match &e.kind {
                EventKind::Enqueue { .. } => {
                    current.insert(format!("{host}\n{message}"), stays.len());
                    stays.push(HopAttempts {
                        message: message.to_string(),
                        host: host.to_string(),
                        arrived: e.at,
                        attempts: 0,
                        connections: 0,
                        dsn: false,
                    });
                    if !by_id.contains_key(message) {
                        by_id.insert(message.to_string(), messages.len());
                        messages.push(MessageAttempts {
                            message: message.to_string(),
                            hops: 0,
                            attempts: 0,
                            connections: 0,
                            delivered: false,
                            dsn: false,
                        });
                    }
                }
                EventKind::Attempt { attempt, .. } => {
                    let stay = current
                        .get(&format!("{host}\n{message}"))
                        .and_then(|&i| stays.get_mut(i));
                    if let Some(s) = stay {
                        s.attempts = s.attempts.max(*attempt);
                        s.connections = s.connections.saturating_add(1);
                    }
                }
                EventKind::Deliver { to, duplicate } if to.contains('@') && !duplicate => {
                    if let Some(m) = by_id.get(message).and_then(|&i| messages.get_mut(i)) {
                        m.delivered = true;
                    }
                }
                EventKind::DsnSent { dsn_message, .. } => {
                    dsns.insert(dsn_message.to_string());
                }
                _ => {}
            }
        }
        let hops: Vec<HopAttempts> = stays
            .into_iter()
            .filter(|s| s.connections > 0)
            .map(|mut s| {
                s.dsn = dsns.contains(&s.message);
                s
            })
            .collect();
        for h in &hops {
            if let Some(m) = by_id.get(&h.message).and_then(|&i| messages.get_mut(i)) {
                m.hops = m.hops.saturating_add(1);
                m.attempts = m.attempts.saturating_add(h.attempts);
                m.connections = m.connections.saturating_add(h.connections);
            }
        }
        for m in &mut messages {
            m.dsn = dsns.contains(&m.message);
        }
        Attempts { hops, messages }
    }

    /// Per hop: how many hops of messages other than DSNs needed each
    /// number of tries.
    pub fn per_hop(&self) -> BTreeMap<u32, usize> {
        let mut out = BTreeMap::new();
        for h in self.hops.iter().filter(|h| !h.dsn) {
            *out.entry(h.attempts).or_insert(0) += 1;
        }
        out
    }

    /// End to end: how many messages (DSNs aside) that reached a mailbox
    /// needed each number of connections.
    pub fn end_to_end(&self) -> BTreeMap<u32, usize> {
        let mut out = BTreeMap::new();
        for m in self.messages.iter().filter(|m| !m.dsn && m.delivered) {
            *out.entry(m.connections).or_insert(0) += 1;
        }
        out
    }
}
