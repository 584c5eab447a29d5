//! Faults switching on and off: hosts down, links cut or slowed, DNS
//! failures, forced replies, greylisting, full mailboxes and disks.

use super::{pair, Sim};
use crate::scenario::{Fault, LinkProfile};
use crate::time::SimTime;
use crate::trace::Hosts;
use crate::trace::{EventKind, Subject};

impl Sim {
    /// The hosts a fault's events name: those it names itself, or the
    /// resolver for a DNS failure.
    fn fault_hosts(&self, fault: &Fault) -> Hosts {
        match fault {
            Fault::DnsFailure { .. } => self
                .scenario
                .dns
                .resolver
                .iter()
                .map(|r| r.as_str().into())
                .collect(),
            _ => fault.hosts().into_iter().map(Into::into).collect(),
        }
    }

    pub(super) fn fault(&mut self, now: SimTime, index: usize, on: bool) {
        let Some(spec) = self.faults.get(index).cloned() else {
            return;
        };
        // A fault ended early (`bring_up`, `heal`) does not end twice.
        if on {
            self.active_faults.insert(index);
        } else if !self.active_faults.remove(&index) {
            return;
        }
        let fault = spec.fault;
        let subject = Subject {
            hosts: self.fault_hosts(&fault),
            ..Subject::default()
        };
        match &fault {
            Fault::HostDown { host, mode } => {
                if let Some(i) = self.index(host) {
                    if let Some(h) = self.hosts.get_mut(i) {
                        h.faults.down = on.then_some(*mode);
                    }
                    // Switched off, it resets every connection it serves;
                    // a silent host just stops answering.
                    if on && *mode == crate::scenario::DownMode::Refused {
                        self.reset_served_by(now, i, &format!("{host} went down"));
                    }
                }
            }
            Fault::Greylisting { host } => {
                if let Some(h) = self.index(host).and_then(|i| self.hosts.get_mut(i)) {
                    h.faults.greylisting = on;
                }
            }
            Fault::DiskFull { host } => {
                if let Some(h) = self.index(host).and_then(|i| self.hosts.get_mut(i)) {
                    h.faults.disk_full = on;
                }
            }
            Fault::SizeLimit { host, bytes } => {
                if let Some(h) = self.index(host).and_then(|i| self.hosts.get_mut(i)) {
                    h.faults.size_limit = on.then_some(*bytes);
                }
            }
            Fault::MailboxFull { host, mailbox } => {
                if let Some(h) = self.index(host).and_then(|i| self.hosts.get_mut(i)) {
                    let key = mailbox.to_ascii_lowercase();
                    if on {
                        h.faults.full_mailboxes.insert(key);
                    } else {
                        h.faults.full_mailboxes.remove(&key);
                    }
                }
            }
            Fault::ForcedReply {
                host,
                stage,
                code,
                probability,
            } => {
                if let Some(h) = self.index(host).and_then(|i| self.hosts.get_mut(i)) {
                    h.faults.forced.retain(|f| f.0 != index);
                    if on {
                        h.faults.forced.push((index, *stage, *code, *probability));
                    }
                }
            }
            Fault::LinkPartition { a, b } => {
                if let (Some(a), Some(b)) = (self.index(a), self.index(b)) {
                    if on {
                        self.partitions.insert(pair(a, b));
                    } else {
                        self.partitions.remove(&pair(a, b));
                    }
                }
            }
            Fault::LinkLatency { a, b, latency_ms } => {
                if let (Some(a), Some(b)) = (self.index(a), self.index(b)) {
                    let mut l = self.link(a, b);
                    if on {
                        l.latency_ms = *latency_ms;
                        self.links.insert(pair(a, b), l);
                    } else {
                        self.restore_link(a, b);
                    }
                }
            }
            Fault::LinkLoss { a, b, loss } => {
                if let (Some(a), Some(b)) = (self.index(a), self.index(b)) {
                    let mut l = self.link(a, b);
                    if on {
                        l.loss = *loss;
                        self.links.insert(pair(a, b), l);
                    } else {
                        self.restore_link(a, b);
                    }
                }
            }
            Fault::DnsFailure { domain, status } => {
                self.zone
                    .set_failure(domain.as_deref(), on.then_some(*status));
            }
            Fault::HostCrash { host, stage } => {
                if let Some(h) = self.index(host).and_then(|i| self.hosts.get_mut(i)) {
                    h.faults.crash = on.then_some(*stage);
                    if !on && h.faults.crashed {
                        h.faults.crashed = false;
                        h.faults.down = None;
                    }
                }
            }
            Fault::Tarpit { host, delay_ms } => {
                if let Some(h) = self.index(host).and_then(|i| self.hosts.get_mut(i)) {
                    h.faults.tarpit_ms = if on { *delay_ms } else { 0 };
                }
            }
            Fault::TlsFailure { host } => {
                if let Some(h) = self.index(host).and_then(|i| self.hosts.get_mut(i)) {
                    h.faults.tls_failure = on;
                }
            }
            Fault::AuthFailure { host } => {
                if let Some(h) = self.index(host).and_then(|i| self.hosts.get_mut(i)) {
                    h.faults.auth_failure = on;
                }
            }
            Fault::OutboundPortBlocked { host, port, mode } => {
                if let Some(h) = self.index(host).and_then(|i| self.hosts.get_mut(i)) {
                    h.faults.blocked_ports.retain(|b| b.0 != index);
                    if let (true, Ok(port)) = (on, u16::try_from(*port)) {
                        h.faults.blocked_ports.push((index, port, *mode));
                    }
                }
            }
        }
        let kind = if on {
            EventKind::FaultOn {
                fault: Box::new(fault),
            }
        } else {
            EventKind::FaultOff {
                fault: Box::new(fault),
            }
        };
        self.record_subject(now, &subject, kind);
    }

    /// Ends every fault on now that strikes `host` alone (`peer` is
    /// `None`) or the link between `host` and `peer`.
    pub(super) fn end_faults(&mut self, now: SimTime, host: usize, peer: Option<usize>) {
        let (name, peer_name) = (self.name(host), peer.map(|p| self.name(p)));
        let ending: Vec<usize> = self
            .active_faults
            .iter()
            .copied()
            .filter(|&i| {
                self.faults
                    .get(i)
                    .is_some_and(|spec| match (&spec.fault, &peer_name) {
                        (
                            Fault::LinkPartition { a, b }
                            | Fault::LinkLatency { a, b, .. }
                            | Fault::LinkLoss { a, b, .. },
                            Some(p),
                        ) => {
                            (a.eq_ignore_ascii_case(&name) && b.eq_ignore_ascii_case(p))
                                || (a.eq_ignore_ascii_case(p) && b.eq_ignore_ascii_case(&name))
                        }
                        (
                            Fault::LinkPartition { .. }
                            | Fault::LinkLatency { .. }
                            | Fault::LinkLoss { .. }
                            | Fault::DnsFailure { .. },
                            _,
                        ) => false,
                        (_, Some(_)) => false,
                        (f, None) => self
                            .fault_hosts(f)
                            .first()
                            .is_some_and(|h| h.eq_ignore_ascii_case(&name)),
                    })
            })
            .collect();
        for index in ending {
            self.fault(now, index, false);
        }
    }

    fn restore_link(&mut self, a: usize, b: usize) {
        let (na, nb) = (self.name(a), self.name(b));
        let original = self.scenario.links.iter().find(|l| {
            (l.a.eq_ignore_ascii_case(&na) && l.b.eq_ignore_ascii_case(&nb))
                || (l.a.eq_ignore_ascii_case(&nb) && l.b.eq_ignore_ascii_case(&na))
        });
        match original {
            Some(l) => {
                self.links.insert(
                    pair(a, b),
                    LinkProfile {
                        latency_ms: l.latency_ms,
                        jitter_ms: l.jitter_ms,
                        loss: l.loss,
                    },
                );
            }
            None => {
                self.links.remove(&pair(a, b));
            }
        }
    }
}
