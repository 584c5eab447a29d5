//! The engine: [`Sim`] runs a scenario's hosts on the virtual clock.
//!
//! ```text
//! let mut sim = Sim::new(scenario, seed);
//! sim.run_until(SimTime::from_secs(3600));   // or run_to_quiescence()
//! let checkpoint = sim.clone();             // fork: inject a fault, run on
//! sim.trace().hash_hex();
//! ```
//!
//! Hosts queue messages with per-recipient state, route them (smarthost,
//! local mailbox, or MX selection per RFC 5321 §5.1), try the next MX on a
//! connection failure or a 4xx, retry by their timing profile, and bounce
//! with a DSN to the envelope sender from `<>` (a bounce is never bounced).
//! Every SMTP conversation is played on the clock, line by line, by
//! `mxlab-proto`'s client and server sessions ([`session`]): the lines on
//! every link are real SMTP, and a fault strikes what is in flight.

mod attempt;
mod auth;
mod door;
pub(crate) mod dsn;
mod faults;
mod host;
mod onward;
mod outcome;
mod queue;
mod record;
mod session;
mod wire;

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use compact_str::CompactString;

pub(crate) use attempt::unix;
pub use attempt::SIM_EPOCH_UNIX;
use attempt::{Attempt, AttemptKey};
pub use host::{
    server_config, Host, PeerState, QueueEntry, RecipientState, RecipientStatus, ServerPolicy,
    StoredMessage,
};
use record::Recorder;
use session::Conn;
pub(crate) use session::PATHS;

use crate::budget::{Budget, BudgetStop};
use crate::diagnostic::Diagnostic;
use crate::dns::Zone;
use crate::event_queue::EventQueue;
use crate::rng::SimRng;
use crate::scenario::{Fault, FaultSpec, LinkProfile, Scenario};
use crate::time::SimTime;
use crate::timing::TimingProfile;
use crate::trace::{ConnectFailure, EventKind, Mark, Names, Note, Subject, Trace, NO_NAME};

/// A run with at least this many events and messages to go builds its
/// trace on a second thread (natively).
#[cfg(not(target_arch = "wasm32"))]
const SHIP_FROM: usize = 64;

/// The outcome of one recipient in one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RcptResult {
    Delivered { to: CompactString, duplicate: bool },
    Temporary(Diagnostic),
    Permanent(Diagnostic),
}

/// What the event queue holds: small (24 bytes), as millions pass
/// through it; hosts are numbered by `u32`, an attempt is known by its
/// host and queue id.
#[derive(Debug, Clone)]
enum Event {
    Submit(usize),
    Fault {
        index: u32,
        on: bool,
    },
    AttemptDue {
        host: u32,
        queue_id: u64,
    },
    Expire {
        host: u32,
        queue_id: u64,
    },
    Arrive {
        host: u32,
        entry: Box<QueueEntry>,
    },
    /// An event of the trace that happens later, made now: a verifying
    /// host's DNS question and answer, its verdicts ([`auth::Later`]).
    Later(Box<auth::Later>),
    /// Ends the faults on then that strike `host` (and, for a link, `peer`).
    EndFaults {
        host: u32,
        peer: Option<u32>,
    },
    /// The resolver's answer reaches an attempt (`lost`: the host gave up
    /// waiting for one).
    DnsAnswer {
        host: u32,
        queue_id: u64,
        lost: bool,
    },
    /// A concurrency slot came free for a waiting attempt.
    Wake {
        host: u32,
        queue_id: u64,
    },
    /// An attempt's connection request reaches its target.
    Syn {
        host: u32,
        queue_id: u64,
    },
    /// The SYN-ACK reaches the client: the connection is open.
    Connected {
        host: u32,
        queue_id: u64,
    },
    /// The client learns that its connection could not be opened.
    ConnectFailed {
        host: u32,
        queue_id: u64,
        reason: ConnectFailure,
    },
    /// A segment reaches one end of a connection.
    Segment {
        slot: u32,
        conn: u64,
        to_server: bool,
    },
    /// A client's reply deadline may have passed.
    ClientTimer {
        slot: u32,
        conn: u64,
    },
    /// A TLS handshake ends.
    TlsDone {
        slot: u32,
        conn: u64,
    },
}

/// A host's (or fault's) index as the event queue keeps it.
fn id32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// Why something done by hand to a running simulation ([`Sim::inject`],
/// [`Sim::bring_up`], [`Sim::heal`], [`Sim::accept`]) was not scheduled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InjectError {
    /// It names a host the scenario does not have.
    #[error("no host named `{0}` in the scenario")]
    UnknownHost(String),
    /// It would end before it starts.
    #[error("it would end at {until}, before it starts at {at}")]
    EndsBeforeStart {
        /// When it would start (now, if asked for a past moment).
        at: SimTime,
        /// When it would end.
        until: SimTime,
    },
}

/// A running simulation: a pure function of (scenario, seed).
///
/// `Clone` is the checkpoint: a clone runs on exactly as the original would.
#[derive(Debug, Clone)]
pub struct Sim {
    /// Shared, not copied, by checkpoints and forks.
    scenario: std::sync::Arc<Scenario>,
    seed: u64,
    events: EventQueue<Event>,
    /// The scenario's messages by submission time (ties in scenario
    /// order), and the next to submit. They are due before any event of
    /// the queue at the same instant (they were scheduled first), so they
    /// are merged in as the clock passes them rather than all sitting in
    /// the queue from the start.
    submits: Vec<(SimTime, usize)>,
    next_submit: usize,
    recorder: Recorder,
    hosts: Vec<Host>,
    by_name: BTreeMap<String, usize>,
    by_address: BTreeMap<IpAddr, usize>,
    zone: Zone,
    signers: auth::Signers,
    links: BTreeMap<(usize, usize), LinkProfile>,
    partitions: BTreeSet<(usize, usize)>,
    link_rngs: BTreeMap<(usize, usize), SimRng>,
    faults: Vec<FaultSpec>,
    /// The faults switched on and not yet off, by index in `faults`.
    active_faults: BTreeSet<usize>,
    trace: Trace,
    /// Each host's name as an id in the trace.
    name_ids: Vec<u32>,
    /// A run with at least this many events and messages to go builds its
    /// trace on a second thread (natively).
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    ship_from: usize,
    /// The delivery attempts in progress.
    attempts: BTreeMap<AttemptKey, Attempt>,
    /// The open connections, by slot, and the free slots.
    conns: Vec<Option<Box<Conn>>>,
    free_conns: Vec<u32>,
    /// Closed connections, restarted for new ones (boxed: they move
    /// between the slots and this list without being copied).
    #[allow(clippy::vec_box)]
    spare_conns: Vec<Box<Conn>>,
    /// Room to write an address in, reused.
    scratch: String,
    /// Deliveries under way per (host, destination), and the attempts
    /// waiting for one to finish.
    open_to: BTreeMap<(usize, CompactString), u32>,
    waiting: BTreeMap<(usize, CompactString), std::collections::VecDeque<AttemptKey>>,
    /// The last queue id a server handed out (`queued as Q000042`).
    serial: u64,
    next_conn: u64,
    horizon: SimTime,
    budget: Budget,
    /// Set when the run spent its budget: it computes nothing more.
    stopped: Option<BudgetStop>,
    /// Whether mailboxes keep what they store ([`Host::kept`]).
    keep_messages: bool,
}

fn pair(a: usize, b: usize) -> (usize, usize) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

impl Sim {
    /// A simulation of a validated `scenario` with world seed `seed`.
    pub fn new(scenario: Scenario, seed: u64) -> Self {
        let mut hosts = Vec::new();
        let mut by_name = BTreeMap::new();
        let mut by_address = BTreeMap::new();
        for (i, node) in scenario.nodes.iter().enumerate() {
            let mut profile = TimingProfile::builtin(&node.policy.timing)
                .or_else(|| {
                    scenario
                        .profiles
                        .iter()
                        .find(|p| p.name == node.policy.timing)
                        .map(|p| p.profile.clone())
                })
                .unwrap_or_default();
            if let Some(h) = node.policy.hop_limit {
                profile.hop_limit = u32::try_from(h).unwrap_or(u32::MAX);
            }
            let rng = SimRng::fork(seed, &format!("host:{}", node.name.to_ascii_lowercase()));
            by_name.insert(node.name.to_ascii_lowercase(), i);
            for a in &node.addresses {
                if let Ok(ip) = a.parse::<IpAddr>() {
                    by_address.entry(ip).or_insert(i);
                }
            }
            hosts.push(Host::new(node.clone(), profile, rng));
        }
        let mut links = BTreeMap::new();
        for l in &scenario.links {
            if let (Some(a), Some(b)) = (
                by_name.get(&l.a.to_ascii_lowercase()),
                by_name.get(&l.b.to_ascii_lowercase()),
            ) {
                links.insert(
                    pair(*a, *b),
                    LinkProfile {
                        latency_ms: l.latency_ms,
                        jitter_ms: l.jitter_ms,
                        loss: l.loss,
                    },
                );
            }
        }
        let mut events = EventQueue::new();
        let mut submits: Vec<(SimTime, usize)> = scenario
            .messages
            .iter()
            .enumerate()
            .map(|(i, m)| (SimTime::from_secs(m.at_secs), i))
            .collect();
        submits.sort_unstable();
        let mut fault_rng = SimRng::fork(seed, "faults");
        let faults = scenario.faults.clone();
        for (i, f) in faults.iter().enumerate() {
            if f.probability.is_some_and(|p| !fault_rng.chance(p)) {
                continue;
            }
            let index = id32(i);
            events.push(
                SimTime::from_secs(f.at_secs),
                Event::Fault { index, on: true },
            );
            if let Some(u) = f.until_secs {
                events.push(SimTime::from_secs(u), Event::Fault { index, on: false });
            }
        }
        let mut trace = Trace::new();
        let mut zone = Zone::from_scenario(&scenario.dns);
        let signers = auth::signers(&scenario, &mut zone);
        Sim {
            zone,
            signers,
            horizon: SimTime::from_secs(scenario.horizon_secs),
            scenario: std::sync::Arc::new(scenario),
            seed,
            events,
            name_ids: hosts.iter().map(|h| trace.intern(&h.node.name)).collect(),
            submits,
            next_submit: 0,
            recorder: Recorder::default(),
            hosts,
            by_name,
            by_address,
            links,
            partitions: BTreeSet::new(),
            link_rngs: BTreeMap::new(),
            faults,
            active_faults: BTreeSet::new(),
            trace,
            #[cfg(not(target_arch = "wasm32"))]
            ship_from: SHIP_FROM,
            #[cfg(target_arch = "wasm32")]
            ship_from: usize::MAX,
            attempts: BTreeMap::new(),
            conns: Vec::new(),
            free_conns: Vec::new(),
            spare_conns: Vec::new(),
            scratch: String::new(),
            open_to: BTreeMap::new(),
            waiting: BTreeMap::new(),
            serial: 0,
            next_conn: 1,
            budget: Budget::DEFAULT,
            stopped: None,
            keep_messages: false,
        }
    }

    /// From now on, every mailbox keeps the messages it stores, in full
    /// ([`Host::kept`]), for exporting them; off by default, since a run
    /// needs only their ids. The run and its trace are the same either way.
    pub fn keep_messages(&mut self, on: bool) {
        self.keep_messages = on;
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The world seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The current virtual time.
    pub fn now(&self) -> SimTime {
        self.events.now()
    }

    /// Sets the run's budget ([`Budget::DEFAULT`] unless set): when what it
    /// has written reaches either limit, the run stops at that instant.
    pub fn set_budget(&mut self, budget: Budget) {
        self.budget = budget;
    }

    /// The run's budget.
    pub fn budget(&self) -> Budget {
        self.budget
    }

    /// Why and when the run stopped early, if it spent its budget. A
    /// stopped run keeps its trace up to that instant and computes nothing
    /// more: [`Sim::run_until`] returns at once.
    pub fn stopped(&self) -> Option<&BudgetStop> {
        self.stopped.as_ref()
    }

    /// The events so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Takes the trace out of a finished run (the run keeps an empty one),
    /// so that a long trace is moved rather than copied.
    pub fn take_trace(&mut self) -> Trace {
        let empty = self.trace.empty_like();
        std::mem::replace(&mut self.trace, empty)
    }

    /// The hosts, in scenario order.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// The host with this name.
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .and_then(|i| self.hosts.get(*i))
    }

    /// A copy to run on from here (the checkpoint of a fork).
    pub fn checkpoint(&self) -> Self {
        self.clone()
    }

    /// A copy of the run's state without its trace, and where its trace
    /// has got to ([`crate::checkpoint::Checkpoints`]). Called between
    /// [`Sim::run_until`] calls, when every record due is in the trace.
    pub(crate) fn state_without_trace(&mut self) -> (Self, Mark) {
        let mark = self.trace.mark();
        let trace = core::mem::take(&mut self.trace);
        let state = self.clone();
        self.trace = trace;
        (state, mark)
    }

    /// Puts back the trace of a state copied without it.
    pub(crate) fn restore_trace(&mut self, trace: Trace) {
        self.trace = trace;
    }

    /// Schedules `fault` at `at` (now, if `at` is past), lasting until
    /// `until`. Nothing is scheduled if it names a host the scenario does
    /// not have, or ends before it starts.
    pub fn inject(
        &mut self,
        fault: Fault,
        at: SimTime,
        until: Option<SimTime>,
    ) -> Result<(), InjectError> {
        for host in fault.hosts() {
            self.host_index(host)?;
        }
        let at = at.max(self.now());
        if let Some(until) = until.filter(|u| *u < at) {
            return Err(InjectError::EndsBeforeStart { at, until });
        }
        let index = id32(self.faults.len());
        self.faults.push(FaultSpec {
            at_secs: at.as_secs(),
            until_secs: until.map(SimTime::as_secs),
            probability: None,
            fault,
        });
        self.events.push(at, Event::Fault { index, on: true });
        if let Some(u) = until {
            self.events.push(u, Event::Fault { index, on: false });
        }
        Ok(())
    }

    /// Brings `host` back at `at` (not before now): every fault striking
    /// it then (down, crashed, greylisting, forced replies, full disk …)
    /// ends, whether scheduled by the scenario or injected; its link
    /// faults stay.
    pub fn bring_up(&mut self, host: &str, at: SimTime) -> Result<(), InjectError> {
        let host = self.host_index(host)?;
        let at = at.max(self.now());
        self.events.push(
            at,
            Event::EndFaults {
                host: id32(host),
                peer: None,
            },
        );
        Ok(())
    }

    /// Heals the link between `a` and `b` at `at` (not before now): every
    /// partition, latency or loss fault on it then ends. False if either
    /// host does not exist.
    pub fn heal(&mut self, a: &str, b: &str, at: SimTime) -> Result<(), InjectError> {
        let (a, b) = (self.host_index(a)?, self.host_index(b)?);
        let at = at.max(self.now());
        self.events.push(
            at,
            Event::EndFaults {
                host: id32(a),
                peer: Some(id32(b)),
            },
        );
        Ok(())
    }

    /// Runs every event up to `t` (capped at the horizon).
    pub fn run_until(&mut self, t: SimTime) {
        if self.stopped.is_some() {
            return;
        }
        // Natively, a long run builds its trace on a second thread.
        #[cfg(not(target_arch = "wasm32"))]
        {
            let left = self.events.len() + self.submits.len().saturating_sub(self.next_submit);
            if left >= self.ship_from {
                Recorder::run_shipping(
                    self,
                    |sim| (&mut sim.recorder, sim.trace.store_mut()),
                    |sim| {
                        sim.run_events(t, usize::MAX);
                    },
                );
                return;
            }
        }
        let _ = self.run_events(t, usize::MAX);
    }

    /// Runs the events up to `t` (capped at the horizon), at most
    /// `max_events` of them; true when every event up to `t` has run. A
    /// caller that must never block for long (the web app) runs an
    /// instant holding thousands of events in several calls: the events
    /// run in the same order, so the run is the same.
    pub fn run_until_at_most(&mut self, t: SimTime, max_events: usize) -> bool {
        self.stopped.is_some() || self.run_events(t, max_events)
    }

    /// Runs up to `max` events due by `t`; true when none is left.
    fn run_events(&mut self, t: SimTime, max: usize) -> bool {
        let limit = t.min(self.horizon);
        let mut left = max;
        loop {
            if left == 0 {
                return false;
            }
            left -= 1;
            let next = self.events.peek_key();
            if let Some(&(at, i)) = self.submits.get(self.next_submit) {
                if at <= limit && next.is_none_or(|(next, _)| at <= next) {
                    self.next_submit += 1;
                    // Due before anything else at the same instant.
                    self.events.advance_to(at);
                    self.handle(at, Event::Submit(i));
                    if self.spent(at) {
                        break;
                    }
                    continue;
                }
            }
            match next {
                Some(key) if key.0 <= limit => {
                    if let Some((at, event)) = self.events.pop() {
                        self.handle(at, event);
                        if self.spent(at) {
                            break;
                        }
                    }
                }
                _ => {
                    self.events.pop_until(limit);
                    break;
                }
            }
        }
        true
    }

    /// Whether the run has spent its budget, with the event at `at` just
    /// handled; if so it stops there.
    fn spent(&mut self, at: SimTime) -> bool {
        let Some(limit) = self.recorder.meter.over(&self.budget) else {
            return false;
        };
        let meter = self.recorder.meter;
        self.stopped = Some(BudgetStop {
            at,
            events: meter.events,
            trace_bytes: meter.bytes,
            limit,
            budget: self.budget,
        });
        true
    }

    /// Records an event at `at` (now).
    fn record(&mut self, at: SimTime, names: Names, kind: EventKind) {
        self.recorder
            .record(self.trace.store_mut(), at, (names, Vec::new()), kind, None);
    }

    /// Records an event at `at` (now) for a subject given by name.
    fn record_subject(&mut self, at: SimTime, subject: &Subject, kind: EventKind) {
        let names = self.trace.names_of(subject);
        self.recorder
            .record(self.trace.store_mut(), at, names, kind, None);
    }

    /// Records an event at `at` (now) with an explanation of its own.
    fn record_explained(
        &mut self,
        at: SimTime,
        names: Names,
        kind: EventKind,
        explanation: impl Into<std::borrow::Cow<'static, str>>,
        rfc: &'static str,
    ) {
        let note = Note::unless_default(&kind, explanation.into(), rfc.into());
        self.recorder
            .record(self.trace.store_mut(), at, (names, Vec::new()), kind, note);
    }

    /// The id of host `host`'s name in the trace.
    fn host_id(&self, host: usize) -> u32 {
        self.name_ids.get(host).copied().unwrap_or(NO_NAME)
    }

    /// The id of a name in the trace.
    fn name_id(&mut self, name: &str) -> u32 {
        self.trace.intern(name)
    }

    /// Runs until nothing is left to do or the horizon is reached; returns
    /// true when every queue is empty.
    pub fn run_to_quiescence(&mut self) -> bool {
        self.run_until(self.horizon);
        self.hosts.iter().all(|h| h.queue.is_empty())
    }

    /// Schedules `entry` to arrive in the queue of `host` at `at` (not
    /// before now); false if there is no such host.
    pub(crate) fn arrive_at(&mut self, host: &str, at: SimTime, entry: QueueEntry) -> bool {
        let Some(&i) = self.by_name.get(&host.to_ascii_lowercase()) else {
            return false;
        };
        let at = at.max(self.now());
        self.events.push(
            at,
            Event::Arrive {
                host: id32(i),
                entry: Box::new(entry),
            },
        );
        true
    }

    /// The index of host `name`, or why there is none.
    fn host_index(&self, name: &str) -> Result<usize, InjectError> {
        self.index(name)
            .ok_or_else(|| InjectError::UnknownHost(name.to_string()))
    }

    fn index(&self, name: &str) -> Option<usize> {
        // Host names are keyed in lower case; most names already are.
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            self.by_name.get(&name.to_ascii_lowercase()).copied()
        } else {
            self.by_name.get(name).copied()
        }
    }

    fn handle(&mut self, now: SimTime, event: Event) {
        let at = |host: u32, queue_id: u64| (host as usize, queue_id);
        match event {
            Event::Submit(i) => self.submit(now, i),
            Event::Fault { index, on } => self.fault(now, index as usize, on),
            Event::AttemptDue { host, queue_id } => self.attempt(now, host as usize, queue_id),
            Event::Expire { host, queue_id } => self.expire(now, host as usize, queue_id),
            Event::Arrive { host, entry } => self.arrive(now, host as usize, *entry),
            Event::Later(later) => self.record_later(now, *later),
            Event::EndFaults { host, peer } => {
                self.end_faults(now, host as usize, peer.map(|p| p as usize));
            }
            Event::DnsAnswer {
                host,
                queue_id,
                lost,
            } => self.dns_answer(now, at(host, queue_id), lost),
            Event::Wake { host, queue_id } => self.start_group(now, at(host, queue_id)),
            Event::Syn { host, queue_id } => self.on_syn(now, at(host, queue_id)),
            Event::Connected { host, queue_id } => self.on_connected(now, at(host, queue_id)),
            Event::ConnectFailed {
                host,
                queue_id,
                reason,
            } => self.on_connect_failed(now, at(host, queue_id), reason),
            Event::Segment {
                slot,
                conn,
                to_server,
            } => self.on_segment(now, slot, conn, to_server),
            Event::ClientTimer { slot, conn } => self.on_client_timer(now, slot, conn),
            Event::TlsDone { slot, conn } => self.on_tls_done(now, slot, conn),
        }
    }

    fn name(&self, host: usize) -> CompactString {
        self.hosts
            .get(host)
            .map(|h| CompactString::from(h.node.name.as_str()))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A MUA, a submission server and eight MX hosts (two down for the
    /// first ten minutes), 300 messages: long enough to be shipped.
    fn busy() -> Scenario {
        let mut nodes = vec![
            r#"{"name": "mua.example.com", "role": "mua", "policy": {"relay": {"smarthost": "smtp.example.com"}}}"#.to_string(),
            r#"{"name": "smtp.example.com", "role": "submission", "addresses": ["10.0.0.1"], "policy": {"relay": {"allow_from": ["mua.example.com"]}}}"#.to_string(),
            r#"{"name": "resolver.example.net", "role": "resolver"}"#.to_string(),
        ];
        let (mut zone, mut faults, mut messages) = (Vec::new(), Vec::new(), Vec::new());
        for d in 0..8 {
            nodes.push(format!(
                r#"{{"name": "mx.d{d}.example", "role": "mx", "addresses": ["10.1.0.{}"], "policy": {{"destination_domains": ["d{d}.example"], "mailboxes": [{{"address": "user@d{d}.example"}}]}}}}"#,
                d + 1
            ));
            zone.push(format!(r#"{{"name": "d{d}.example", "mx": [{{"preference": 10, "exchange": "mx.d{d}.example"}}]}}"#));
            zone.push(format!(
                r#"{{"name": "mx.d{d}.example", "a": ["10.1.0.{}"]}}"#,
                d + 1
            ));
            if d % 4 == 0 {
                faults.push(format!(r#"{{"at_secs": 0, "until_secs": 600, "fault": {{"kind": "host_down", "host": "mx.d{d}.example"}}}}"#));
            }
        }
        for i in 0..300 {
            messages.push(format!(
                r#"{{"id": "m{i}", "from": "mua.example.com", "at_secs": {}, "mail_from": "alice@example.com", "rcpt_to": ["user@d{}.example"], "body": "x\r\n"}}"#,
                i % 60,
                i % 8
            ));
        }
        Scenario::from_json(&format!(
            r#"{{"horizon_secs": 86400, "nodes": [{}], "dns": {{"resolver": "resolver.example.net", "domains": [{}]}}, "messages": [{}], "faults": [{}]}}"#,
            nodes.join(","),
            zone.join(","),
            messages.join(","),
            faults.join(",")
        ))
        .unwrap()
    }

    #[test]
    fn a_trace_built_on_a_second_thread_is_the_trace_built_in_line() {
        let mut shipped = Sim::new(busy(), 7);
        shipped.ship_from = 1;
        let mut inline = Sim::new(busy(), 7);
        inline.ship_from = usize::MAX;
        // In steps, so that sessions in flight cross the calls, and
        // some steps are shipped while others are not.
        for t in [30, 61, 400, 4_000, 90_000] {
            shipped.run_until(SimTime::from_secs(t));
            inline.run_until(SimTime::from_secs(t));
            shipped.ship_from = if t == 400 { usize::MAX } else { 1 };
            assert_eq!(shipped.trace().len(), inline.trace().len(), "at {t} s");
        }
        assert!(shipped.trace().len() > 10_000, "{}", shipped.trace().len());
        assert_eq!(shipped.trace().to_json(), inline.trace().to_json());
    }
}
