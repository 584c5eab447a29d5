//! One delivery attempt of a queued message: routing (smarthost, local
//! mailbox, MX selection), connections with the next-MX rule, and the SMTP
//! conversation, laid out on the clock by link latency.

use std::collections::BTreeMap;

use compact_str::{CompactString, ToCompactString};
use mxlab_proto::message::{with_protocol, ReceivedFields};
use mxlab_proto::wire::BareLinePolicy;

use super::exchange::{SessionOptions, SmtpExchange, SmuggledMessage, TransactionRequest};
use super::host::QueueEntry;
use super::{Event, RcptResult, Sim};
use crate::diagnostic::Diagnostic;
use crate::dns::{AddressAnswer, MxAnswer};
use crate::mx::select_mx;
use crate::scenario::{BareLfPolicy, DownMode, Stage};
use crate::time::SimTime;
use crate::trace::{ConnectFailure, EventKind, Names, QueryType, NO_NAME};

/// The wall-clock time of simulated time zero, for `Received:` and `Date:`
/// fields: Monday 5 January 2026, 09:00 UTC.
pub const SIM_EPOCH_UNIX: i64 = 1_767_603_600;

/// What one conversation came to, for the engine.
#[derive(Debug, Default)]
struct Conversation {
    /// Each recipient's outcome, in request order.
    outcomes: Vec<Result<(), Diagnostic>>,
    /// The recipients the server took responsibility for.
    stored: Vec<String>,
    /// TLS was in place when the message was sent.
    tls: bool,
    /// The client had authenticated.
    authenticated: bool,
    /// Messages a lenient server read out of the data.
    smuggled: Vec<SmuggledMessage>,
}

/// `content` with the `Received:` field of this hop on top, in one
/// allocation.
fn with_received(
    (client, server): (&str, &str),
    c: &Conversation,
    rcpts: &[String],
    at: SimTime,
    id: &str,
    content: &str,
) -> String {
    let mut out = String::with_capacity(content.len().saturating_add(192));
    ReceivedFields {
        from_helo: client,
        from_ip: None,
        by: server,
        with: with_protocol(true, c.tls, c.authenticated),
        id: Some(id),
        for_rcpt: match rcpts {
            [one] => Some(one),
            _ => None,
        },
        unix_secs: SIM_EPOCH_UNIX.saturating_add(i64::try_from(at.as_secs()).unwrap_or(i64::MAX)),
    }
    .write_to(&mut out);
    out.push_str(content);
    out
}

fn no_connection(exchange: &str, why: &str) -> Diagnostic {
    Diagnostic::new(
        451,
        "4.4.1",
        &format!("connect to {exchange}: {why}"),
        "RFC 5321 §4.5.4.1",
    )
}

impl<X: SmtpExchange + Clone> Sim<X> {
    /// Schedules a trace record at `at` (so the trace stays in time order).
    fn later(&mut self, at: SimTime, names: Names, kind: EventKind) {
        let key = self.key_at(at);
        self.recorder.put(key, names, kind);
    }

    /// Where a record at `at` falls among the queue's events.
    fn key_at(&mut self, at: SimTime) -> super::Key {
        (at.max(self.now()), self.events.reserve_seq())
    }

    pub(super) fn attempt(&mut self, now: SimTime, host: usize, queue_id: u64) {
        let Some(h) = self.hosts.get_mut(host) else {
            return;
        };
        let Some(slot) = h.entry_mut(queue_id) else {
            return;
        };
        if slot.in_flight {
            return;
        }
        slot.in_flight = true;
        slot.next_attempt = None;
        // The entry leaves its slot for the attempt and goes back after it,
        // rather than being copied: nothing touches this queue meanwhile
        // (what the attempt starts happens later, through the event queue).
        let placeholder = QueueEntry {
            queue_id,
            ..QueueEntry::arriving("", "", &[], String::new(), 0, now)
        };
        let entry = core::mem::replace(slot, placeholder);
        self.attempt_with(now, host, &entry);
        if let Some(h) = self.hosts.get_mut(host) {
            if let Some(slot) = h.entry_mut(queue_id) {
                *slot = entry;
            }
        }
    }

    fn attempt_with(&mut self, now: SimTime, host: usize, entry: &QueueEntry) {
        let Some(h) = self.hosts.get(host) else {
            return;
        };
        let queue_id = entry.queue_id;
        self.recorder.start_run();
        // The smarthost's name, as MX Lab looks names up (lower case).
        let smarthost = h
            .node
            .policy
            .relay
            .smarthost
            .as_deref()
            .map(str::to_ascii_lowercase);
        // Recipients by next hop; a recipient with no domain (the
        // `<Postmaster>` of RFC 5321 §4.5.1) is this host's own.
        let mut groups: BTreeMap<(bool, String), Vec<String>> = BTreeMap::new();
        for r in entry.pending() {
            let own = !r.address.contains('@');
            let key = match &smarthost {
                _ if own => String::new(),
                Some(_) => String::new(),
                None => r
                    .address
                    .rsplit_once('@')
                    .map(|(_, d)| d.to_ascii_lowercase())
                    .unwrap_or_default(),
            };
            groups
                .entry((own, key))
                .or_default()
                .push(r.address.clone());
        }
        let mut t = now;
        let mut results = Vec::new();
        for ((own, domain), rcpts) in groups {
            let local = own
                || smarthost.is_none()
                    && self
                        .hosts
                        .get(host)
                        .is_some_and(|h| h.is_destination(&domain));
            if local {
                self.deliver_locally(host, entry, &rcpts, &mut results);
                continue;
            }
            let resolved;
            let candidates = match &smarthost {
                Some(s) => core::slice::from_ref(s),
                None => match self.resolve_mx(&mut t, host, entry, &domain) {
                    Ok(c) => {
                        resolved = c;
                        resolved.as_slice()
                    }
                    Err(d) => {
                        for r in rcpts {
                            let res = if d.is_permanent() {
                                RcptResult::Permanent(d.clone())
                            } else {
                                RcptResult::Temporary(d.clone())
                            };
                            results.push((r, res));
                        }
                        continue;
                    }
                },
            };
            self.try_candidates(&mut t, host, entry, candidates, &rcpts, &mut results);
        }
        self.events.push(
            t,
            Event::Outcome {
                host,
                queue_id,
                results,
            },
        );
    }

    fn deliver_locally(
        &mut self,
        host: usize,
        entry: &QueueEntry,
        rcpts: &[String],
        results: &mut Vec<(String, RcptResult)>,
    ) {
        let Some(h) = self.hosts.get_mut(host) else {
            return;
        };
        for r in rcpts {
            if h.has_mailbox(r) {
                let key = r.to_ascii_lowercase();
                // A second copy of the same message: the RFC 1047 duplicate.
                let duplicate = h.store(&key, &entry.message_id);
                let bytes = h.mailbox_bytes.entry(key).or_insert(0);
                *bytes = bytes.saturating_add(entry.content.len() as u64);
                results.push((
                    r.clone(),
                    RcptResult::Delivered {
                        to: r.as_str().into(),
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
    }

    /// The DNS round trip to the resolver, drawn, and MX selection.
    fn resolve_mx(
        &mut self,
        t: &mut SimTime,
        host: usize,
        entry: &QueueEntry,
        domain: &str,
    ) -> Result<Vec<String>, Diagnostic> {
        let resolver = self
            .scenario
            .dns
            .resolver
            .as_deref()
            .and_then(|r| self.index(r));
        let message = self.name_id(&entry.message_id);
        let subject = Names::pair(
            self.host_id(host),
            resolver.map_or(NO_NAME, |r| self.host_id(r)),
            message,
        );
        self.later(
            *t,
            subject,
            EventKind::DnsQuery {
                name: domain.into(),
                qtype: QueryType::Mx,
            },
        );
        if let Some(r) = resolver {
            let rtt = self.one_way(host, r).saturating_add(self.one_way(r, host));
            *t = SimTime::from_micros(t.as_micros().saturating_add(rtt));
        }
        let answer = match self.zone.lookup_mx(domain) {
            MxAnswer::Records(rs) => rs
                .iter()
                .map(|r| compact_str::format_compact!("{} {}", r.preference, r.exchange))
                .collect(),
            MxAnswer::NullMx => vec!["0 .".into()],
            other => vec![compact_str::format_compact!("{other:?}")],
        };
        self.later(
            *t,
            subject,
            EventKind::DnsAnswer {
                name: domain.into(),
                qtype: QueryType::Mx,
                answer,
            },
        );
        let zone = &self.zone;
        let Some(h) = self.hosts.get_mut(host) else {
            return Err(no_connection(domain, "no such host"));
        };
        select_mx(domain, zone, &[h.node.name.as_str()], &mut h.rng)
            .map(|cs| cs.into_iter().map(|c| c.exchange).collect())
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

    fn try_candidates(
        &mut self,
        t: &mut SimTime,
        host: usize,
        entry: &QueueEntry,
        candidates: &[String],
        rcpts: &[String],
        results: &mut Vec<(String, RcptResult)>,
    ) {
        let client = self.name(host);
        let by_name = self
            .hosts
            .get(host)
            .is_some_and(|h| h.node.policy.relay.smarthost.is_some());
        let connect_timeout = self
            .hosts
            .get(host)
            .map_or(30, |h| h.profile.timeouts.connect_secs);
        // Why the last candidate failed (worked out only when one did).
        let mut last = None;
        let attempt_no = entry.failures.saturating_add(1);
        let (client_id, message) = (self.host_id(host), self.name_id(&entry.message_id));
        for exchange in candidates {
            let tried = Names::pair(client_id, self.name_id(exchange), message);
            self.later(
                *t,
                tried,
                EventKind::Attempt {
                    target: exchange.as_str().into(),
                    attempt: attempt_no,
                    recipients: rcpts.iter().map(|r| r.as_str().into()).collect(),
                },
            );
            let Some(target) = self.target(exchange, by_name) else {
                self.later(
                    *t,
                    tried,
                    EventKind::ConnectFailed {
                        reason: ConnectFailure::NoAddress,
                    },
                );
                last = Some(no_connection(exchange, "no address"));
                continue;
            };
            let server = self.name(target);
            let to_server = Names::pair(client_id, self.host_id(target), message);
            let there = self.one_way(host, target);
            let back = self.one_way(target, host);
            let down = self.hosts.get(target).and_then(|h| h.faults.down);
            let failure = if self.lost(host, target) {
                Some((
                    ConnectFailure::Lost,
                    connect_timeout.saturating_mul(1_000_000),
                ))
            } else {
                match down {
                    Some(DownMode::Refused) => {
                        Some((ConnectFailure::Refused, there.saturating_add(back)))
                    }
                    Some(DownMode::Silent) => Some((
                        ConnectFailure::Timeout,
                        connect_timeout.saturating_mul(1_000_000),
                    )),
                    None => None,
                }
            };
            if let Some((reason, delay)) = failure {
                *t = SimTime::from_micros(t.as_micros().saturating_add(delay));
                self.later(*t, to_server, EventKind::ConnectFailed { reason });
                last = Some(no_connection(
                    &server,
                    match reason {
                        ConnectFailure::Refused => "connection refused",
                        ConnectFailure::Timeout => "connection timed out",
                        _ => "connection lost",
                    },
                ));
                continue;
            }
            let conn = self.next_conn;
            self.next_conn = self.next_conn.saturating_add(1);
            *t = SimTime::from_micros(t.as_micros().saturating_add(there.saturating_add(back)));
            self.later(
                *t,
                to_server,
                EventKind::Connect {
                    conn,
                    // A server that requires AUTH is a submission server:
                    // port 587 (RFC 6409); everything else relays on 25.
                    port: if self
                        .hosts
                        .get(target)
                        .is_some_and(|h| h.node.policy.auth_required)
                    {
                        587
                    } else {
                        25
                    },
                },
            );
            let mut conv = self.converse(t, host, target, conn, entry, rcpts);
            let outcomes = core::mem::take(&mut conv.outcomes);
            let stored = core::mem::take(&mut conv.stored);
            let any_accepted = outcomes.iter().any(Result::is_ok);
            let any_permanent = outcomes
                .iter()
                .any(|o| o.as_ref().err().is_some_and(Diagnostic::is_permanent));
            // What the server took responsibility for arrives in its queue
            // with a `Received:` on top and a fresh retry history: the
            // message for the recipients it stored, and any message a
            // lenient server read out of the data (one nobody sent).
            let smuggled = conv.smuggled.iter().enumerate().map(|(i, m)| {
                let id = format!("{}.smuggled{}", entry.message_id, i + 1);
                (
                    id,
                    m.mail_from.as_str(),
                    m.rcpts.as_slice(),
                    m.content.as_str(),
                )
            });
            let stored_copy = (!stored.is_empty()).then(|| {
                (
                    entry.message_id.to_string(),
                    entry.mail_from.as_str(),
                    stored.as_slice(),
                    entry.content.as_str(),
                )
            });
            for (message_id, mail_from, rcpts, content) in stored_copy.into_iter().chain(smuggled) {
                let mut id = CompactString::from(message_id.as_str());
                id.push('.');
                id.push_str(&conn.to_compact_string());
                let content = with_received((&client, &server), &conv, rcpts, *t, &id, content);
                let hops = entry.hops.saturating_add(1);
                let next = QueueEntry::arriving(&message_id, mail_from, rcpts, content, hops, *t);
                self.events.push(
                    *t,
                    Event::Arrive {
                        host: target,
                        entry: Box::new(next),
                    },
                );
            }
            if !any_accepted && !any_permanent {
                // Every recipient got a 4xx: try the next MX (RFC 5321 §5.1).
                if let Some(Err(d)) = outcomes.into_iter().next() {
                    last = Some(d);
                }
                continue;
            }
            for (r, o) in rcpts.iter().zip(outcomes) {
                let res = match o {
                    Ok(()) => RcptResult::Delivered {
                        to: server.clone(),
                        duplicate: false,
                    },
                    Err(d) if d.is_permanent() => RcptResult::Permanent(d),
                    Err(d) => RcptResult::Temporary(d),
                };
                results.push((r.clone(), res));
            }
            return;
        }
        let last = last.unwrap_or_else(|| no_connection("every MX", "no MX host could be reached"));
        for r in rcpts {
            results.push((r.clone(), RcptResult::Temporary(last.clone())));
        }
    }

    /// Plays the SMTP conversation and lays its lines out on the clock.
    fn converse(
        &mut self,
        t: &mut SimTime,
        host: usize,
        target: usize,
        conn: u64,
        entry: &QueueEntry,
        rcpts: &[String],
    ) -> Conversation {
        let client = self.name(host);
        let server = self.name(target);
        let size = entry.content.len() as u64;
        let client_login = self
            .hosts
            .get(host)
            .and_then(|c| c.node.policy.credentials.first())
            .map(|c| (c.user.clone(), c.password.clone()));
        let Some(h) = self.hosts.get_mut(target) else {
            return Conversation::default();
        };
        let pol = &h.node.policy;
        let session = SessionOptions {
            offer_starttls: pol.starttls || pol.tls_required,
            tls_required: pol.tls_required,
            tls_fails: h.faults.tls_failure,
            offer_auth: !pol.credentials.is_empty(),
            auth_required: pol.auth_required,
            accounts: pol
                .credentials
                .iter()
                .map(|c| (c.user.clone(), c.password.clone()))
                .collect(),
            auth_fails: h.faults.auth_failure,
            client_login,
            bare_line_policy: match pol.bare_lf {
                BareLfPolicy::Strict => BareLinePolicy::Strict,
                BareLfPolicy::Preserve => BareLinePolicy::Preserve,
                BareLfPolicy::Lenient => BareLinePolicy::Lenient,
            },
        };
        // Whether the client will authenticate (AUTH needs TLS first).
        let authenticated = session.offer_auth
            && session.offer_starttls
            && !session.tls_fails
            && !session.auth_fails
            && session
                .client_login
                .as_ref()
                .is_some_and(|l| session.accounts.contains(l));
        let greeting = h.forced_reply(Stage::Connect).map_or(Ok(()), Err);
        let helo = h.forced_reply(Stage::Helo).map_or(Ok(()), Err);
        let mail = h.decide_mail(size);
        let decisions: Vec<(String, Result<(), Diagnostic>)> = rcpts
            .iter()
            .map(|r| {
                (
                    r.clone(),
                    h.decide_rcpt(&client, &entry.mail_from, r, size, *t, authenticated),
                )
            })
            .collect();
        let data = h
            .forced_reply(Stage::Data)
            .or_else(|| h.forced_reply(Stage::EndOfData))
            .map_or(Ok(()), Err);
        let req = TransactionRequest {
            client: &client,
            server: &server,
            greeting,
            helo,
            mail_from: &entry.mail_from,
            mail,
            recipients: &decisions,
            content: &entry.content,
            data,
            session,
        };
        let mut result = self.exchange.transact(&req);
        let mut stored: Vec<String> = rcpts
            .iter()
            .zip(&result.outcomes)
            .filter(|(_, o)| o.is_ok())
            .map(|(r, _)| r.clone())
            .collect();
        let crash = self.hosts.get(target).and_then(|h| h.faults.crash);
        if let Some((stage, cut)) = crash.and_then(|s| crash_point(&result, s).map(|c| (s, c))) {
            result.lines.truncate(cut);
            if stage != Stage::EndOfData {
                stored.clear();
            }
            let lost = Diagnostic::new(
                451,
                "4.4.2",
                &format!("{server} crashed: connection lost before its reply"),
                if stage == Stage::EndOfData {
                    "RFC 1047"
                } else {
                    "RFC 5321 §4.5.4.1"
                },
            );
            result.outcomes = vec![Err(lost); rcpts.len()];
            if let Some(h) = self.hosts.get_mut(target) {
                h.faults.crash = None;
                h.faults.crashed = true;
                h.faults.down = Some(DownMode::Refused);
            }
        }
        let mut last_sent: Option<SimTime> = None;
        let tls_at = result.tls;
        // The names' ids once for the whole conversation.
        let message = self.name_id(&entry.message_id);
        let (c, s) = (self.host_id(host), self.host_id(target));
        let (to_server, to_client) = (Names::pair(c, s, message), Names::pair(s, c, message));
        for (index, line) in result.lines.iter().enumerate() {
            if let Some((at, ok)) = tls_at.filter(|(at, _)| *at == index) {
                let _ = at;
                last_sent = None;
                let key = self.key_at(*t);
                self.recorder
                    .put(key, to_server, EventKind::TlsUpgrade { conn, ok });
            }
            let (from, to) = if line.from_client {
                (host, target)
            } else {
                (target, host)
            };
            let tarpit = if line.from_client {
                0
            } else {
                self.hosts
                    .get(target)
                    .map_or(0, |h| h.faults.tarpit_ms.saturating_mul(1_000))
            };
            let sent_at = match last_sent {
                Some(at) if line.same_write => at,
                _ => {
                    *t = SimTime::from_micros(t.as_micros().saturating_add(tarpit));
                    let d = self.one_way(from, to);
                    let sent_at = *t;
                    *t = SimTime::from_micros(t.as_micros().saturating_add(d));
                    sent_at
                }
            };
            last_sent = Some(sent_at);
            let names = if line.from_client {
                to_server
            } else {
                to_client
            };
            let key = self.key_at(*t);
            self.recorder.put_line(
                key,
                names,
                (line.from_client, conn, sent_at),
                result.line(line),
            );
        }
        let key = self.key_at(*t);
        self.recorder.put(key, to_server, EventKind::Close { conn });
        self.exchange.recycle(
            core::mem::take(&mut result.lines),
            core::mem::take(&mut result.octets),
        );
        Conversation {
            outcomes: result.outcomes,
            stored,
            tls: result.tls.is_some_and(|(_, ok)| ok),
            authenticated: result.authenticated,
            smuggled: result.smuggled,
        }
    }
}

/// How many lines of a conversation happen before a crash at `stage`: up
/// to and including the client's command of that stage (the final dot for
/// `EndOfData`). `None` when the conversation never reaches it.
fn crash_point(result: &super::exchange::TransactionResult, stage: Stage) -> Option<usize> {
    let prefix: &[u8] = match stage {
        Stage::Connect => return Some(0),
        Stage::Helo => b"EHLO",
        Stage::Mail => b"MAIL",
        Stage::Rcpt => b"RCPT",
        Stage::Data => b"DATA\r\n",
        Stage::EndOfData => b".\r\n",
    };
    result
        .lines
        .iter()
        .position(|l| {
            let bytes = result.line(l);
            l.from_client
                && if stage == Stage::EndOfData || stage == Stage::Data {
                    bytes == prefix
                } else {
                    bytes.starts_with(prefix)
                }
        })
        .map(|i| i + 1)
}
