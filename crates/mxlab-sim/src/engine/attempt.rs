//! One delivery attempt of a queued message, step by step on the clock:
//! routing (smarthost, local mailbox, or MX selection after a DNS query
//! that is answered when it arrives), a slot under the destination's
//! concurrency limit, and connections tried one candidate after another
//! with the next-MX rule. Each connection is a live session
//! ([`super::session`]); when the last group of recipients is settled,
//! the results go to [`Sim::outcome`].

use std::collections::VecDeque;

use compact_str::CompactString;

use super::{id32, Event, RcptResult, Sim, StoredMessage};
use crate::diagnostic::Diagnostic;
use crate::dns::{AddressAnswer, MxAnswer};
use crate::mx::select_mx;
use crate::scenario::{DownMode, FaultStage, SMTP_PORT};
use crate::time::SimTime;
use crate::trace::{ConnectFailure, EventKind, Names, QueryType, NO_NAME};

/// The wall-clock time of simulated time zero, for `Received:` and `Date:`
/// fields: Monday 5 January 2026, 09:00 UTC.
pub const SIM_EPOCH_UNIX: i64 = 1_767_603_600;

/// `t` on the wall clock (`Date:`, `Received:`, a signature's `t=`):
/// seconds since the Unix epoch.
pub(crate) fn unix(t: SimTime) -> i64 {
    SIM_EPOCH_UNIX.saturating_add(i64::try_from(t.as_secs()).unwrap_or(i64::MAX))
}

/// How long a host waits for its resolver before it counts the lookup as
/// failed for now (the resolver is down or cut off).
const DNS_TIMEOUT_SECS: u64 = 10;

/// An attempt is known by its host and the queue id of its message.
pub(super) type AttemptKey = (usize, u64);

/// One delivery attempt in progress.
#[derive(Debug, Clone, Default)]
pub(super) struct Attempt {
    /// Groups of recipients still to try: next hop (a domain; empty for
    /// the smarthost) and recipients.
    groups: VecDeque<(String, Vec<String>)>,
    /// The group being tried.
    pub(super) rcpts: Vec<String>,
    /// Its destination, as the concurrency limit counts it.
    destination: CompactString,
    /// Its candidate exchanges, and the next one to try.
    candidates: Vec<String>,
    next: usize,
    /// Why the last candidate failed.
    last: Option<Diagnostic>,
    /// When the DNS query was asked.
    asked: SimTime,
    /// The message id's and the client's name ids in the trace.
    pub(super) message: u32,
    /// Which attempt this is for the message (1 for the first).
    number: u32,
    /// The host being connected to, on which port, and when the SYN left.
    pub(super) target: usize,
    pub(super) port: u16,
    pub(super) started: SimTime,
    /// Why the connection being opened fails, when it is not the target
    /// host's state: a closed port, or the client's network.
    refusal: Option<Refusal>,
    /// Each settled recipient's result.
    results: Vec<(String, RcptResult)>,
}

/// Why a connection fails that the target host's state does not explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// Nothing listens on the port: the target's TCP answers with a reset.
    ClosedPort,
    /// The client's network blocks the port on the way out.
    Blocked,
}

pub(super) fn no_connection(exchange: &str, why: &str) -> Diagnostic {
    Diagnostic::new(
        451,
        "4.4.1",
        &format!("connect to {exchange}: {why}"),
        "RFC 5321 §4.5.4.1",
    )
}

impl Sim {
    /// Starts an attempt of the message `queue_id` on `host`.
    pub(super) fn attempt(&mut self, now: SimTime, host: usize, queue_id: u64) {
        let Some(h) = self.hosts.get_mut(host) else {
            return;
        };
        let smarthost = h.node.policy.relay.smarthost.is_some();
        let Some(entry) = h.queue.get_mut(&queue_id) else {
            return;
        };
        if entry.in_flight {
            return;
        }
        entry.in_flight = true;
        entry.next_attempt = None;
        // Recipients by next hop; a recipient with no domain (the
        // `<Postmaster>` of RFC 5321 §4.5.1) is this host's own.
        let mut own = Vec::new();
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for r in entry.pending() {
            let domain = match r.address.rsplit_once('@') {
                None => {
                    own.push(r.address.clone());
                    continue;
                }
                Some(_) if smarthost => String::new(),
                Some((_, d)) => d.to_ascii_lowercase(),
            };
            match groups.iter_mut().find(|(d, _)| *d == domain) {
                Some((_, rcpts)) => rcpts.push(r.address.clone()),
                None => groups.push((domain, vec![r.address.clone()])),
            }
        }
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        let number = entry.failures.saturating_add(1);
        let mut attempt = Attempt {
            message: entry.name,
            number,
            ..Attempt::default()
        };
        if !own.is_empty() {
            self.deliver_locally(now, host, queue_id, &own, &mut attempt.results);
        }
        for (domain, rcpts) in groups {
            let local = !smarthost
                && self
                    .hosts
                    .get(host)
                    .is_some_and(|h| h.is_destination(&domain));
            if local {
                self.deliver_locally(now, host, queue_id, &rcpts, &mut attempt.results);
            } else {
                attempt.groups.push_back((domain, rcpts));
            }
        }
        self.attempts.insert((host, queue_id), attempt);
        self.next_group(now, (host, queue_id));
    }

    fn deliver_locally(
        &mut self,
        now: SimTime,
        host: usize,
        queue_id: u64,
        rcpts: &[String],
        results: &mut Vec<(String, RcptResult)>,
    ) {
        let keep = self.keep_messages;
        let Some(h) = self.hosts.get_mut(host) else {
            return;
        };
        let Some((message_id, size, junk)) = h
            .queue
            .get(&queue_id)
            .map(|e| (e.message_id.clone(), e.content.len() as u64, e.junk))
        else {
            return;
        };
        let mut onward = Vec::new();
        for r in rcpts {
            let spec = h
                .mailbox(r)
                .filter(|m| m.forward_to.is_some() || m.list.is_some())
                .cloned();
            if let Some(spec) = spec {
                // A `.forward` or a mailing list: the message goes on, to
                // other addresses, from this host's own queue (a hand-off,
                // like a relay's: not a mailbox).
                results.push((
                    r.clone(),
                    RcptResult::Delivered {
                        to: h.node.name.as_str().into(),
                        duplicate: false,
                    },
                ));
                onward.push(spec);
            } else if h.has_mailbox(r) {
                // DMARC's quarantine files the message in the junk folder.
                let mut key = r.to_ascii_lowercase();
                if junk {
                    key.push_str("/junk");
                }
                if keep {
                    if let Some(e) = h.queue.get(&queue_id) {
                        let kept = StoredMessage {
                            mailbox: key.clone(),
                            message_id: message_id.to_string(),
                            mail_from: e.mail_from.clone(),
                            at: now,
                            content: e.content.clone(),
                        };
                        h.kept.push(kept);
                    }
                }
                // A second copy of the same message: the RFC 1047 duplicate.
                let duplicate = h.store(&key, &message_id);
                let bytes = h.mailbox_bytes.entry(key).or_insert(0);
                *bytes = bytes.saturating_add(size);
                results.push((
                    r.clone(),
                    RcptResult::Delivered {
                        to: if junk {
                            compact_str::format_compact!("{r}/junk")
                        } else {
                            r.as_str().into()
                        },
                        duplicate,
                    },
                ));
            } else {
                results.push((
                    r.clone(),
                    RcptResult::Permanent(Diagnostic::new(
                        550,
                        "5.1.1",
                        &format!("<{r}>: no such mailbox here"),
                        "RFC 3463 §3.2",
                    )),
                ));
            }
        }
        self.send_onward(now, host, queue_id, onward);
    }

    /// Goes on with the next group of recipients, or ends the attempt.
    fn next_group(&mut self, now: SimTime, key: AttemptKey) {
        let Some(a) = self.attempts.get_mut(&key) else {
            return;
        };
        let Some((domain, rcpts)) = a.groups.pop_front() else {
            if let Some(a) = self.attempts.remove(&key) {
                self.outcome(now, key.0, key.1, a.results);
            }
            return;
        };
        let smarthost = self
            .hosts
            .get(key.0)
            .and_then(|h| h.node.policy.relay.smarthost.clone());
        a.destination = match &smarthost {
            Some(s) => s.to_ascii_lowercase().into(),
            None => domain.into(),
        };
        a.rcpts = rcpts;
        a.candidates.clear();
        a.next = 0;
        a.last = None;
        let limit = self
            .hosts
            .get(key.0)
            .and_then(|h| h.profile.destination_concurrency);
        let slot = (key.0, a.destination.clone());
        let open = self.open_to.entry(slot.clone()).or_insert(0);
        if limit.is_some_and(|l| *open >= l.max(1)) {
            // Every connection this destination may have is in use: wait
            // for one to finish.
            self.waiting.entry(slot).or_default().push_back(key);
            return;
        }
        *open = open.saturating_add(1);
        self.start_group(now, key);
    }

    /// Starts the group holding a slot: DNS, or straight to the smarthost.
    pub(super) fn start_group(&mut self, now: SimTime, key: AttemptKey) {
        let host = key.0;
        let smarthost = self
            .hosts
            .get(host)
            .and_then(|h| h.node.policy.relay.smarthost.as_deref())
            .map(str::to_ascii_lowercase);
        let Some(a) = self.attempts.get_mut(&key) else {
            return;
        };
        if let Some(s) = smarthost {
            a.candidates = vec![s];
            return self.try_next(now, key);
        }
        a.asked = now;
        let (domain, message) = (a.destination.clone(), a.message);
        let resolver = self.resolver();
        let subject = self.dns_names(host, resolver, message);
        self.record(
            now,
            subject,
            EventKind::DnsQuery {
                name: domain,
                qtype: QueryType::Mx,
            },
        );
        let rtt = resolver.map_or(0, |r| {
            self.one_way(host, r).saturating_add(self.one_way(r, host))
        });
        self.events.push(
            now.plus_micros(rtt),
            Event::DnsAnswer {
                host: id32(host),
                queue_id: key.1,
                lost: false,
            },
        );
    }

    /// The names of a lookup's events: the host, its resolver, the message.
    pub(super) fn dns_names(&self, host: usize, resolver: Option<usize>, message: u32) -> Names {
        Names::pair(
            self.host_id(host),
            resolver.map_or(NO_NAME, |r| self.host_id(r)),
            message,
        )
    }

    pub(super) fn resolver(&self) -> Option<usize> {
        self.scenario
            .dns
            .resolver
            .as_deref()
            .and_then(|r| self.index(r))
    }

    /// The resolver's answer reaches the host (or, `lost`, the host gives
    /// up waiting for one).
    pub(super) fn dns_answer(&mut self, now: SimTime, key: AttemptKey, lost: bool) {
        let host = key.0;
        let Some(a) = self.attempts.get(&key) else {
            return;
        };
        let (domain, message, asked) = (a.destination.clone(), a.message, a.asked);
        let resolver = self.resolver();
        // A resolver that is down, or cut off from the host, never answers.
        let unreachable = resolver.is_some_and(|r| {
            self.hosts.get(r).is_some_and(|h| h.faults.down.is_some())
                || self.partitions.contains(&super::pair(host, r))
        });
        if unreachable && !lost {
            self.events.push(
                asked.plus_secs(DNS_TIMEOUT_SECS),
                Event::DnsAnswer {
                    host: id32(host),
                    queue_id: key.1,
                    lost: true,
                },
            );
            return;
        }
        let answer = if lost {
            MxAnswer::Timeout
        } else {
            self.zone.lookup_mx(&domain)
        };
        let text = match &answer {
            MxAnswer::Records(rs) => rs
                .iter()
                .map(|r| compact_str::format_compact!("{} {}", r.preference, r.exchange))
                .collect(),
            MxAnswer::NullMx => vec!["0 .".into()],
            other => vec![compact_str::format_compact!("{other:?}")],
        };
        let subject = self.dns_names(host, resolver, message);
        self.record(
            now,
            subject,
            EventKind::DnsAnswer {
                name: domain.as_str().into(),
                qtype: QueryType::Mx,
                answer: text,
            },
        );
        let selected = if lost {
            Err(Diagnostic::new(
                451,
                "4.4.3",
                &format!("DNS lookup for {domain} timed out: no answer from the resolver"),
                "RFC 5321 §5.1",
            ))
        } else {
            let zone = &self.zone;
            match self.hosts.get_mut(host) {
                Some(h) => select_mx(&domain, zone, &[h.node.name.as_str()], &mut h.rng)
                    .map(|cs| cs.into_iter().map(|c| c.exchange).collect()),
                None => Err(no_connection(&domain, "no such host")),
            }
        };
        match selected {
            Ok(candidates) => {
                if let Some(a) = self.attempts.get_mut(&key) {
                    a.candidates = candidates;
                }
                self.try_next(now, key);
            }
            Err(d) => self.settle_group(now, key, &d),
        }
    }

    /// Settles every recipient of the group with `d` and goes on.
    fn settle_group(&mut self, now: SimTime, key: AttemptKey, d: &Diagnostic) {
        if let Some(a) = self.attempts.get_mut(&key) {
            for r in core::mem::take(&mut a.rcpts) {
                let res = if d.is_permanent() {
                    RcptResult::Permanent(d.clone())
                } else {
                    RcptResult::Temporary(d.clone())
                };
                a.results.push((r, res));
            }
        }
        self.end_group(now, key);
    }

    /// The group is settled: its slot goes to the next delivery waiting
    /// for the destination, and the attempt goes on.
    fn end_group(&mut self, now: SimTime, key: AttemptKey) {
        let destination = self
            .attempts
            .get(&key)
            .map(|a| a.destination.clone())
            .unwrap_or_default();
        let slot = (key.0, destination);
        let waiter = self.waiting.get_mut(&slot).and_then(VecDeque::pop_front);
        match waiter {
            // The slot passes straight to the next in line.
            Some((host, queue_id)) => {
                let host = id32(host);
                self.events.push(now, Event::Wake { host, queue_id });
            }
            // (The destination's entry stays: there are only so many.)
            None => {
                if let Some(open) = self.open_to.get_mut(&slot) {
                    *open = open.saturating_sub(1);
                }
            }
        }
        self.next_group(now, key);
    }

    /// The host an exchange name leads to, through its A/AAAA records (or
    /// its name, for a smarthost).
    fn target(&self, exchange: &str, by_name: bool) -> Option<usize> {
        if by_name {
            return self.index(exchange);
        }
        match self.zone.lookup_address(exchange) {
            AddressAnswer::Addresses(ips) => {
                ips.iter().find_map(|ip| self.by_address.get(ip).copied())
            }
            _ => None,
        }
    }

    fn connect_timeout(&self, host: usize) -> u64 {
        self.hosts
            .get(host)
            .map_or(30, |h| h.profile.timeouts.connect_secs)
    }

    /// Tries the next candidate exchange, or, when none is left, defers
    /// the group with the last failure.
    pub(super) fn try_next(&mut self, now: SimTime, key: AttemptKey) {
        let host = key.0;
        let (by_name, port) = self.hosts.get(host).map_or((false, SMTP_PORT), |h| {
            (
                h.node.policy.relay.smarthost.is_some(),
                h.node.outbound_port(),
            )
        });
        loop {
            let Some(a) = self.attempts.get_mut(&key) else {
                return;
            };
            let Some(exchange) = a.candidates.get(a.next).cloned() else {
                let last = a
                    .last
                    .take()
                    .unwrap_or_else(|| no_connection("every MX", "no MX host could be reached"));
                return self.settle_group(now, key, &last);
            };
            a.next += 1;
            a.refusal = None;
            let (message, number) = (a.message, a.number);
            let recipients = a.rcpts.iter().map(|r| r.as_str().into()).collect();
            let client = self.host_id(host);
            let tried = Names::pair(client, self.name_id(&exchange), message);
            self.record(
                now,
                tried,
                EventKind::Attempt {
                    target: exchange.as_str().into(),
                    port,
                    attempt: number,
                    recipients,
                },
            );
            let Some(target) = self.target(&exchange, by_name) else {
                self.record(
                    now,
                    tried,
                    EventKind::ConnectFailed {
                        reason: ConnectFailure::NoAddress,
                    },
                );
                if let Some(a) = self.attempts.get_mut(&key) {
                    a.last = Some(no_connection(&exchange, "no address"));
                }
                continue;
            };
            if let Some(a) = self.attempts.get_mut(&key) {
                (a.target, a.port, a.started) = (target, port, now);
            }
            let timeout = now.plus_secs(self.connect_timeout(host));
            // The client's own network stops the SYN on its way out.
            let blocked = self.hosts.get(host).and_then(|h| h.faults.blocked(port));
            if let Some(mode) = blocked {
                if let Some(a) = self.attempts.get_mut(&key) {
                    a.refusal = Some(Refusal::Blocked);
                }
                return match mode {
                    DownMode::Silent => self.connect_failed(timeout, key, ConnectFailure::Timeout),
                    DownMode::Refused => self.connect_failed(now, key, ConnectFailure::Refused),
                };
            }
            if self.lost(host, target) {
                return self.connect_failed(timeout, key, ConnectFailure::Lost);
            }
            // The SYN reaches the server's host.
            let there = self.one_way(host, target);
            self.events.push(
                now.plus_micros(there),
                Event::Syn {
                    host: id32(host),
                    queue_id: key.1,
                },
            );
            return;
        }
    }

    pub(super) fn connect_failed(&mut self, at: SimTime, key: AttemptKey, reason: ConnectFailure) {
        self.events.push(
            at,
            Event::ConnectFailed {
                host: id32(key.0),
                queue_id: key.1,
                reason,
            },
        );
    }

    /// The client learns that its connection could not be opened.
    pub(super) fn on_connect_failed(
        &mut self,
        now: SimTime,
        key: AttemptKey,
        reason: ConnectFailure,
    ) {
        let Some((message, target, port, refusal)) = self
            .attempts
            .get(&key)
            .map(|a| (a.message, a.target, a.port, a.refusal))
        else {
            return;
        };
        let to_server = Names::pair(self.host_id(key.0), self.host_id(target), message);
        let server = self.name(target);
        let kind = EventKind::ConnectFailed { reason };
        match refusal {
            Some(Refusal::ClosedPort) => {
                let explanation = format!(
                    "{server} does not listen on port {port}: its TCP answers the SYN with a reset (connection refused); try the next MX, or requeue"
                );
                self.record_explained(now, to_server, kind, explanation, "RFC 9293 §3.5.2");
            }
            Some(Refusal::Blocked) => {
                let client = self.name(key.0);
                let how = match reason {
                    ConnectFailure::Refused => "a reset comes back at once",
                    _ => "the SYN is dropped and no answer comes before the connect timeout",
                };
                let explanation = format!(
                    "{client}'s network blocks outbound port {port}, as many consumer ISPs block port 25: {how}. Submit on port 587 or 465 instead"
                );
                self.record_explained(now, to_server, kind, explanation, "RFC 5068 §3");
            }
            None => self.record(now, to_server, kind),
        }
        let why = match reason {
            ConnectFailure::Refused => "connection refused",
            ConnectFailure::Timeout => "connection timed out",
            _ => "connection lost",
        };
        if let Some(a) = self.attempts.get_mut(&key) {
            a.last = Some(no_connection(&format!("{server}:{port}"), why));
        }
        self.try_next(now, key);
    }

    /// The SYN reaches `target`: it answers with a SYN-ACK, a reset, or
    /// nothing, by its state now.
    pub(super) fn on_syn(&mut self, now: SimTime, key: AttemptKey) {
        let host = key.0;
        let Some((target, started)) = self.attempts.get(&key).map(|a| (a.target, a.started)) else {
            return;
        };
        let timeout = started.plus_secs(self.connect_timeout(host));
        if self.partitions.contains(&super::pair(host, target)) {
            return self.connect_failed(timeout, key, ConnectFailure::Lost);
        }
        if self
            .hosts
            .get(target)
            .is_some_and(|h| h.faults.crash == Some(FaultStage::Connect))
        {
            self.crash(now, target);
        }
        let back = self.one_way(target, host);
        let port = self.attempts.get(&key).map_or(SMTP_PORT, |a| a.port);
        let closed = self
            .hosts
            .get(target)
            .is_some_and(|h| !h.node.listens_on(port));
        match self.hosts.get(target).and_then(|h| h.faults.down) {
            Some(DownMode::Refused) => {
                self.connect_failed(now.plus_micros(back), key, ConnectFailure::Refused);
            }
            Some(DownMode::Silent) => {
                self.connect_failed(timeout, key, ConnectFailure::Timeout);
            }
            // Nothing listens there: the host's TCP resets (RFC 9293 §3.5.2).
            None if closed => {
                if let Some(a) = self.attempts.get_mut(&key) {
                    a.refusal = Some(Refusal::ClosedPort);
                }
                self.connect_failed(now.plus_micros(back), key, ConnectFailure::Refused);
            }
            None => {
                self.events.push(
                    now.plus_micros(back),
                    Event::Connected {
                        host: id32(host),
                        queue_id: key.1,
                    },
                );
            }
        }
    }

    /// The ends of a finished connection: each recipient's result, or,
    /// when every recipient got a 4xx, the next MX (RFC 5321 §5.1).
    pub(super) fn connection_done(
        &mut self,
        now: SimTime,
        key: AttemptKey,
        server: CompactString,
        outcomes: Vec<Result<(), Diagnostic>>,
    ) {
        let Some(a) = self.attempts.get_mut(&key) else {
            return;
        };
        let any_accepted = outcomes.iter().any(Result::is_ok);
        let any_permanent = outcomes
            .iter()
            .any(|o| o.as_ref().err().is_some_and(Diagnostic::is_permanent));
        if !any_accepted && !any_permanent {
            if let Some(Err(d)) = outcomes.into_iter().next() {
                a.last = Some(d);
            }
            return self.try_next(now, key);
        }
        let rcpts = core::mem::take(&mut a.rcpts);
        for (r, o) in rcpts.into_iter().zip(outcomes) {
            let res = match o {
                Ok(()) => RcptResult::Delivered {
                    to: server.clone(),
                    duplicate: false,
                },
                Err(d) if d.is_permanent() => RcptResult::Permanent(d),
                Err(d) => RcptResult::Temporary(d),
            };
            a.results.push((r, res));
        }
        self.end_group(now, key);
    }
}
