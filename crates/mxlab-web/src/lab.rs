//! The app's model, free of the DOM so it is tested natively: a computed
//! [`Run`] of a scenario (its indexed trace, timeline markers, sessions and
//! summary), the [`Clock`] that plays it, and what the panels show
//! (transcripts, the wire, the hops of a message). Every fact comes from
//! `mxlab-sim`'s trace and view; nothing here speaks SMTP.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use mxlab_sim::scenario::Fault;
use mxlab_sim::trace::{DsnAction, Octets};
use mxlab_sim::{BudgetStop, EventKind, Scenario, SimTime, Summary, Trace, TraceIndex};

use crate::compute::Computation;
pub use crate::injection::{Injected, Injection};

/// What a timeline marker stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MarkerKind {
    /// A recipient reached a mailbox.
    Delivered,
    /// A recipient stays queued after a temporary failure.
    Deferred,
    /// A recipient failed permanently.
    Bounced,
    /// A fault started or ended.
    Fault,
    /// The run forks here (a fault injected by hand).
    Fork,
}

impl MarkerKind {
    /// The CSS class (and legend word) of the marker.
    pub fn class(self) -> &'static str {
        match self {
            MarkerKind::Delivered => "delivered",
            MarkerKind::Deferred => "deferred",
            MarkerKind::Bounced => "bounced",
            MarkerKind::Fault => "fault",
            MarkerKind::Fork => "fork",
        }
    }
}

/// One coloured mark on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Events up to and including it (its position on the timeline).
    pub position: usize,
    /// When.
    pub at: SimTime,
    /// What.
    pub kind: MarkerKind,
    /// Hover text.
    pub label: String,
    /// Markers of the same kind nearby on the timeline, counted here
    /// rather than kept.
    pub more: usize,
}

/// One SMTP connection of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Connection id.
    pub conn: u64,
    /// The client host.
    pub client: String,
    /// The server host.
    pub server: String,
    /// When it opened.
    pub opened: SimTime,
    /// The message it carried first, if any.
    pub message: Option<String>,
}

/// One line of a transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscriptLine {
    /// `C` (client), `S` (server), or [`CUT`] for the marker that ends a
    /// session cut before QUIT (a reset, or the client's timeout).
    pub who: char,
    /// The line, line ending removed; for the marker, the trace's
    /// explanation of the cut.
    pub text: String,
    /// When it arrived.
    pub at: SimTime,
    /// What it means, with its RFC section.
    pub hover: String,
    /// Sent after TLS was established (ciphertext on the wire).
    pub encrypted: bool,
}

/// The `who` of the marker line ending a cut session (written `-- ` before
/// its explanation in an exported transcript, as `mxlab transcript` does).
pub const CUT: char = '-';

/// The headers of a message as one hop carried it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    /// The sending host.
    pub from: String,
    /// The receiving host.
    pub to: String,
    /// When the header block was on the wire.
    pub at: SimTime,
    /// The header lines (folded lines kept apart).
    pub headers: Vec<String>,
}

/// A hop with the time of each of its header lines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TimedHop {
    hop: Hop,
    times: Vec<SimTime>,
}

/// What a DSN reports, read from the trace (RFC 3464 per-recipient fields).
#[derive(Debug, Clone, PartialEq)]
pub struct DsnReport {
    /// The message it reports on.
    pub original: String,
    /// Its recipient: the original envelope sender.
    pub to: String,
    /// The host that sent it.
    pub reporting: String,
    /// Failed or delayed.
    pub action: DsnAction,
    /// When it was sent.
    pub at: SimTime,
    /// Each recipient reported, with its diagnostic.
    pub recipients: Vec<(String, mxlab_sim::Diagnostic)>,
}

/// A scenario computed to the end (or to its budget): everything the
/// frames and panels read. Made by [`Computation`].
#[derive(Debug)]
pub struct Run {
    /// The scenario.
    pub scenario: Rc<Scenario>,
    /// The world seed.
    pub seed: u64,
    /// What was done by hand, in order of time.
    pub injections: Vec<Injection>,
    /// The run's checkpoints, which its branches fork from.
    pub(crate) checkpoints: mxlab_sim::Checkpoints,
    /// The indexed trace.
    pub index: TraceIndex<Rc<Trace>>,
    /// Timeline markers, in trace order.
    pub markers: Vec<Marker>,
    /// Every SMTP connection, in order.
    pub sessions: Vec<Session>,
    /// Delivered, bounced, queued, attempts, latencies.
    pub summary: Summary,
    /// Message ids that are DSNs (bounces and delay warnings).
    pub dsns: BTreeSet<String>,
    /// Whether every queue was empty at the end.
    pub quiescent: bool,
    /// Every pair of hosts that talked (SMTP, or DNS when the flag is
    /// set), in order of first contact.
    pub links: Vec<(String, String, bool)>,
    /// Which host holds each mailbox (addresses lowercased).
    pub mailbox_hosts: BTreeMap<String, String>,
    /// Set when the run spent its budget and stopped early: its trace
    /// ends there.
    pub stopped: Option<BudgetStop>,
    pub(crate) transcripts: RefCell<BTreeMap<u64, Rc<Vec<TranscriptLine>>>>,
    /// Each message's hops over the whole run (each header line with its
    /// time), read from the trace once per message, not once per frame.
    pub(crate) hops: RefCell<BTreeMap<String, Rc<Vec<TimedHop>>>>,
    /// Each DSN's report, read from the trace once.
    pub(crate) reports: RefCell<BTreeMap<String, Option<Rc<DsnReport>>>>,
}

impl Run {
    /// Computes `scenario` with `seed` to the end (or its horizon).
    pub fn compute(scenario: Rc<Scenario>, seed: u64, injections: Vec<Injection>) -> Run {
        Computation::new(scenario, seed, injections).finish()
    }

    /// The events.
    pub fn events(&self) -> &Trace {
        self.index.trace()
    }

    /// The time of the last event.
    pub fn end(&self) -> SimTime {
        self.events().end().unwrap_or(SimTime::ZERO)
    }

    /// How many events happened at or before `t`.
    pub fn position(&self, t: SimTime) -> usize {
        self.events().partition_point(|at| at <= t)
    }

    /// The time at which `position` events have happened.
    pub fn time_at(&self, position: usize) -> SimTime {
        position
            .checked_sub(1)
            .and_then(|i| self.events().time(i))
            .unwrap_or(SimTime::ZERO)
    }

    /// The first event time after `t`.
    pub fn next_time(&self, t: SimTime) -> Option<SimTime> {
        self.events().time(self.position(t))
    }

    /// The last event time before `t`.
    pub fn previous_time(&self, t: SimTime) -> Option<SimTime> {
        let before = self.events().partition_point(|at| at < t);
        before.checked_sub(1).and_then(|i| self.events().time(i))
    }

    /// The C:/S: lines of connection `conn`, each with its meaning
    /// (computed once per connection).
    pub fn transcript(&self, conn: u64) -> Rc<Vec<TranscriptLine>> {
        if let Some(t) = self.transcripts.borrow().get(&conn) {
            return t.clone();
        }
        let t = Rc::new(self.compute_transcript(conn));
        self.transcripts.borrow_mut().insert(conn, t.clone());
        t
    }

    fn compute_transcript(&self, conn: u64) -> Vec<TranscriptLine> {
        self.lines(Some(conn)).remove(&conn).unwrap_or_default()
    }

    /// The transcripts of every connection, in one pass over the trace.
    pub fn all_transcripts(&self) -> BTreeMap<u64, Vec<TranscriptLine>> {
        self.lines(None)
    }

    /// The lines of connection `only`, or of every connection.
    fn lines(&self, only: Option<u64>) -> BTreeMap<u64, Vec<TranscriptLine>> {
        let mut tls = BTreeSet::new();
        let mut out: BTreeMap<u64, Vec<TranscriptLine>> = BTreeMap::new();
        for e in self.events() {
            match &e.kind {
                EventKind::Command { conn, line, .. } | EventKind::Reply { conn, line, .. }
                    if only.is_none_or(|o| o == *conn) =>
                {
                    let (text, rfc) = e.describe();
                    let who = if matches!(e.kind, EventKind::Command { .. }) {
                        'C'
                    } else {
                        'S'
                    };
                    out.entry(*conn).or_default().push(TranscriptLine {
                        who,
                        text: line_text(line),
                        at: e.at,
                        hover: format!("{text} ({rfc})"),
                        encrypted: tls.contains(conn),
                    });
                }
                EventKind::Abort { conn, .. } if only.is_none_or(|o| o == *conn) => {
                    let (text, rfc) = e.describe();
                    out.entry(*conn).or_default().push(TranscriptLine {
                        who: CUT,
                        hover: format!("{text} ({rfc})"),
                        text,
                        at: e.at,
                        encrypted: false,
                    });
                }
                EventKind::TlsUpgrade { conn, ok: true } => {
                    tls.insert(*conn);
                }
                _ => {}
            }
        }
        out
    }

    /// The header block of message `id` on each hop it crossed up to `t`:
    /// the Received chain growing hop by hop.
    pub fn hops(&self, id: &str, t: SimTime) -> Vec<Hop> {
        let all = self.hops.borrow().get(id).cloned();
        let all = all.unwrap_or_else(|| {
            let all = Rc::new(self.all_hops(id));
            self.hops.borrow_mut().insert(id.to_string(), all.clone());
            all
        });
        all.iter()
            .filter(|h| h.hop.at <= t)
            .map(|h| Hop {
                headers: h
                    .hop
                    .headers
                    .iter()
                    .zip(&h.times)
                    .filter(|(_, at)| **at <= t)
                    .map(|(line, _)| line.clone())
                    .collect(),
                ..h.hop.clone()
            })
            .collect()
    }

    /// Every hop of message `id` over the whole run.
    fn all_hops(&self, id: &str) -> Vec<TimedHop> {
        let mut hops: Vec<TimedHop> = Vec::new();
        let mut open: BTreeMap<u64, (bool, usize)> = BTreeMap::new();
        for e in self.events().iter() {
            let EventKind::Command { conn, line, .. } = &e.kind else {
                if let EventKind::Reply { conn, line, .. } = &e.kind {
                    // The 354 opens the data of this connection's transaction.
                    if line_text(line).starts_with("354") {
                        open.insert(*conn, (true, usize::MAX));
                    }
                }
                continue;
            };
            if e.message.as_deref() != Some(id) {
                continue;
            }
            let Some((in_headers, hop)) = open.get_mut(conn) else {
                continue;
            };
            if !*in_headers {
                continue;
            }
            let text = line_text(line);
            if text.is_empty() || text == "." {
                *in_headers = false;
                continue;
            }
            if *hop == usize::MAX {
                hops.push(TimedHop {
                    hop: Hop {
                        from: e.hosts.first().map(|h| h.to_string()).unwrap_or_default(),
                        to: e.hosts.get(1).map(|h| h.to_string()).unwrap_or_default(),
                        at: e.at,
                        headers: Vec::new(),
                    },
                    times: Vec::new(),
                });
                *hop = hops.len() - 1;
            }
            if let Some(h) = hops.get_mut(*hop) {
                h.hop.headers.push(text);
                h.times.push(e.at);
            }
        }
        hops
    }

    /// The report of the DSN with message id `id`, if it is one.
    pub fn dsn_report(&self, id: &str) -> Option<DsnReport> {
        if let Some(known) = self.reports.borrow().get(id) {
            return known.as_deref().cloned();
        }
        let report = self.read_dsn_report(id).map(Rc::new);
        self.reports
            .borrow_mut()
            .insert(id.to_string(), report.clone());
        report.as_deref().cloned()
    }

    fn read_dsn_report(&self, id: &str) -> Option<DsnReport> {
        let events = self.events();
        let (i, sent) = events.without_lines().find(
            |(_, e)| matches!(&e.kind, EventKind::DsnSent { dsn_message, .. } if dsn_message == id),
        )?;
        let EventKind::DsnSent { action, to, .. } = &sent.kind else {
            return None;
        };
        let original = sent.message.as_deref().unwrap_or_default();
        let reporting = sent.hosts.first().map(|h| h.as_str()).unwrap_or_default();
        // The failures it reports were recorded on the same host, just before.
        let recipients = events
            .without_lines()
            .take_while(|(j, _)| *j < i)
            .map(|(_, e)| e)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .filter(|e| {
                e.message.as_deref() == Some(original)
                    && e.hosts.first().is_some_and(|h| h == reporting)
            })
            .filter_map(|e| match (&e.kind, action) {
                (EventKind::Bounce { diagnostic }, DsnAction::Failed)
                | (EventKind::Defer { diagnostic, .. }, DsnAction::Delayed) => Some((
                    e.recipient.as_deref().unwrap_or_default().to_string(),
                    (**diagnostic).clone(),
                )),
                _ => None,
            })
            .fold(
                Vec::<(String, mxlab_sim::Diagnostic)>::new(),
                |mut acc, r| {
                    if !acc.iter().any(|(x, _)| *x == r.0) {
                        acc.push(r);
                    }
                    acc
                },
            );
        Some(DsnReport {
            original: original.to_string(),
            to: to.to_string(),
            reporting: reporting.to_string(),
            action: *action,
            at: sent.at,
            recipients,
        })
    }

    /// The statistics panel's series: queued recipients over time, as
    /// `(time, total queued)` at every change.
    pub fn queue_series(&self) -> Vec<(SimTime, usize)> {
        let mut series = vec![(SimTime::ZERO, 0usize)];
        let mut n: usize = 0;
        for (_, e) in self.events().without_lines() {
            let before = n;
            match &e.kind {
                EventKind::Enqueue { recipients, .. } => n = n.saturating_add(recipients.len()),
                EventKind::Deliver { .. } | EventKind::Bounce { .. } => n = n.saturating_sub(1),
                _ => continue,
            }
            if n != before {
                series.push((e.at, n));
            }
        }
        series
    }

    /// Attempts per original message (how many connections were tried for it).
    pub fn attempts_per_message(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for (_, e) in self.events().without_lines() {
            if let (EventKind::Attempt { .. }, Some(m)) = (&e.kind, &e.message) {
                *out.entry(m.to_string()).or_insert(0) += 1;
            }
        }
        out
    }
}

/// A line as text, its line ending removed and other control characters
/// made visible.
pub fn line_text(line: &Octets) -> String {
    let shown = line.display();
    shown.strip_suffix("<CR><LF>").unwrap_or(&shown).to_string()
}

/// A fault in a few words.
pub fn fault_label(f: &Fault) -> String {
    match f {
        Fault::HostDown { host, .. } => format!("{host} down"),
        Fault::HostCrash { host, stage } => format!("{host} crashes at {stage:?}"),
        Fault::LinkPartition { a, b } => format!("link {a} – {b} partitioned"),
        Fault::LinkLatency { a, b, latency_ms } => {
            format!("link {a} – {b} latency {latency_ms} ms")
        }
        Fault::LinkLoss { a, b, loss } => format!("link {a} – {b} loses {:.0}%", loss * 100.0),
        Fault::DnsFailure { domain, status } => {
            format!(
                "DNS {status:?} for {}",
                domain.as_deref().unwrap_or("every domain")
            )
        }
        Fault::ForcedReply {
            host, stage, code, ..
        } => format!("{host} answers {code} at {stage:?}"),
        Fault::Greylisting { host } => format!("greylisting on {host}"),
        Fault::MailboxFull { host, mailbox } => format!("mailbox {mailbox} on {host} full"),
        Fault::DiskFull { host } => format!("disk full on {host}"),
        Fault::TlsFailure { host } => format!("TLS fails on {host}"),
        Fault::AuthFailure { host } => format!("AUTH fails on {host}"),
        Fault::Tarpit { host, delay_ms } => format!("{host} tarpits ({delay_ms} ms a line)"),
        Fault::SizeLimit { host, bytes } => format!("{host} takes at most {bytes} bytes"),
    }
}

/// Ciphertext-looking bytes for a line sent inside TLS: the same line
/// always looks the same, and nothing of it can be read.
pub fn scrambled(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut out = String::with_capacity(text.len() * 2 + 16);
    for (i, b) in text.bytes().chain(*b"\r\n").enumerate() {
        h ^= u64::from(b) ^ (i as u64);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        out.push_str(&format!("{:02x}", (h >> 24) as u8));
    }
    // Records are longer than their plaintext (header and tag).
    for _ in 0..8 {
        h = h.wrapping_mul(0x0000_0100_0000_01b3) ^ 0x5a;
        out.push_str(&format!("{:02x}", (h >> 16) as u8));
    }
    out
}

/// How the clock moves while playing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    /// The time shown.
    pub t: SimTime,
    /// Playing or paused.
    pub playing: bool,
    /// Virtual seconds per real second.
    pub speed: f64,
    /// Whether the last advance skipped an idle gap.
    pub skipped: bool,
}

/// Events between two snapshots of the run's index: a seek replays at
/// most this many, so every frame stays cheap.
pub const SNAPSHOT_EVERY: usize = 256;

/// At most this many snapshots: each holds every mailbox and queue, so a
/// long run takes longer gaps between them rather than memory that grows
/// with the square of its length.
pub const MAX_SNAPSHOTS: usize = 64;

/// The snapshot interval for a run of `events` events.
pub fn snapshot_interval(events: usize) -> usize {
    SNAPSHOT_EVERY.max(events.div_ceil(MAX_SNAPSHOTS))
}

/// Idle gaps that would take longer than this (real seconds) at the
/// current speed are skipped, leaving [`GAP_LEAD_SECS`] of approach.
pub const GAP_SKIP_SECS: f64 = 0.75;
/// Real seconds of approach left before the next event after a skip.
pub const GAP_LEAD_SECS: f64 = 0.25;

/// The speeds offered, virtual seconds per real second.
pub const SPEEDS: [f64; 5] = [1.0, 10.0, 100.0, 1000.0, 10_000.0];

impl Default for Clock {
    fn default() -> Self {
        Clock {
            t: SimTime::ZERO,
            playing: false,
            speed: 1.0,
            skipped: false,
        }
    }
}

impl Clock {
    /// The clock `real_secs` of wall time later, over `run`: idle gaps are
    /// skipped, and play stops at the run's end.
    pub fn advance(self, run: &Run, real_secs: f64) -> Clock {
        if !self.playing {
            return self;
        }
        let real = real_secs.clamp(0.0, 0.25);
        let step = (real * self.speed * 1e6) as u64;
        let mut t = self.t.as_micros().saturating_add(step);
        let mut skipped = false;
        if let Some(next) = run.next_time(self.t) {
            let gap = next.as_micros().saturating_sub(self.t.as_micros()) as f64 / 1e6;
            if gap / self.speed > GAP_SKIP_SECS {
                let lead = (GAP_LEAD_SECS * self.speed * 1e6) as u64;
                let jump = next.as_micros().saturating_sub(lead);
                if jump > t {
                    t = jump;
                    skipped = true;
                }
            }
        }
        let end = run.end().as_micros();
        let playing = t < end;
        Clock {
            t: SimTime::from_micros(t.min(end)),
            playing,
            speed: self.speed,
            skipped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxlab_sim::presets;

    fn run(name: &str) -> Run {
        let s = presets::preset(name).unwrap().unwrap();
        let seed = s.seed;
        Run::compute(Rc::new(s), seed, Vec::new())
    }

    #[test]
    fn a_preset_run_has_markers_sessions_and_a_delivery() {
        let r = run("hello-smtp");
        assert_eq!(r.summary.delivered, 1);
        assert!(r.quiescent);
        assert!(r.markers.iter().any(|m| m.kind == MarkerKind::Delivered));
        assert!(!r.sessions.is_empty());
        let t = r.transcript(r.sessions[0].conn);
        assert_eq!(t.first().map(|l| l.who), Some('S'));
        assert!(t.first().unwrap().text.starts_with("220 "));
        assert!(t
            .iter()
            .any(|l| l.who == 'C' && l.text.starts_with("EHLO ")));
        assert!(t.iter().all(|l| !l.hover.is_empty()));
        assert_eq!(t.last().map(|l| l.text.starts_with("221")), Some(true));
    }

    #[test]
    fn an_injection_forks_the_run_at_its_time() {
        let base = run("hello-smtp");
        let s = base.scenario.clone();
        let mx = s
            .nodes
            .iter()
            .find(|n| n.role == mxlab_sim::scenario::Role::Mx)
            .unwrap()
            .name
            .clone();
        let at = SimTime::from_millis(1);
        let forked = Run::compute(
            s,
            base.seed,
            vec![Injection::fault(
                at,
                Fault::HostDown {
                    host: mx,
                    mode: Default::default(),
                },
            )],
        );
        assert_eq!(forked.summary.delivered, 0);
        assert!(forked.markers.iter().any(|m| m.kind == MarkerKind::Fork));
        assert!(forked
            .markers
            .iter()
            .any(|m| m.kind == MarkerKind::Deferred));
        // Before the fork, both runs are the same.
        let before = |r: &Run| {
            r.events()
                .iter()
                .take_while(|e| e.at < at)
                .collect::<Vec<_>>()
        };
        assert_eq!(before(&base), before(&forked));
    }

    #[test]
    fn the_clock_plays_skips_idle_gaps_and_stops_at_the_end() {
        let r = run("retry-until-mx-returns");
        let mut c = Clock {
            playing: true,
            speed: 1.0,
            ..Clock::default()
        };
        let mut skips = 0;
        for _ in 0..100_000 {
            let before = c.t;
            c = c.advance(&r, 1.0 / 60.0);
            assert!(c.t >= before);
            skips += usize::from(c.skipped);
            if !c.playing {
                break;
            }
        }
        assert!(!c.playing, "reached the end");
        assert_eq!(c.t, r.end());
        assert!(skips >= 2, "the retry waits were skipped ({skips})");
        // Paused, the clock does not move.
        let paused = Clock {
            playing: false,
            ..c
        };
        assert_eq!(paused.advance(&r, 1.0).t, c.t);
    }

    #[test]
    fn steps_go_from_event_to_event() {
        let r = run("hello-smtp");
        let first = r.next_time(SimTime::ZERO).unwrap();
        let second = r.next_time(first).unwrap();
        assert!(second > first);
        assert_eq!(r.previous_time(second), Some(first));
        assert_eq!(r.time_at(r.position(second)), second);
    }

    #[test]
    fn hops_show_the_received_chain_growing() {
        let r = run("relay-via-smarthost");
        let id = r.scenario.messages[0].id.clone();
        let all = r.hops(&id, r.end());
        assert!(all.len() >= 2, "{all:?}");
        let received = |h: &Hop| {
            h.headers
                .iter()
                .filter(|l| l.starts_with("Received:"))
                .count()
        };
        assert!(received(&all[all.len() - 1]) > received(&all[0]));
        let early = r.hops(&id, all[0].at);
        assert_eq!(early.len(), 1);
    }

    #[test]
    fn a_bounce_is_marked_and_its_dsn_known() {
        let r = run("unknown-user-bounce");
        assert!(r.markers.iter().any(|m| m.kind == MarkerKind::Bounced));
        assert_eq!(r.dsns.len(), 1);
        let id = r.dsns.iter().next().unwrap();
        let report = r.dsn_report(id).unwrap();
        assert_eq!(report.original, "m1");
        assert_eq!(report.to, "alice@example.com");
        assert_eq!(report.action, DsnAction::Failed);
        assert_eq!(report.recipients.len(), 1);
        assert_eq!(report.recipients[0].0, "bbo@example.org");
        assert_eq!(report.recipients[0].1.code, 550);
        assert!(r.dsn_report("m1").is_none());
    }

    #[test]
    fn all_transcripts_match_each_one() {
        let r = run("submission-starttls-auth");
        let all = r.all_transcripts();
        assert_eq!(all.len(), r.sessions.len());
        for s in &r.sessions {
            assert_eq!(all[&s.conn], *r.transcript(s.conn));
        }
        // Lines after STARTTLS are marked as encrypted, those before not.
        let t = &all[&r.sessions[0].conn];
        assert!(!t[0].encrypted);
        assert!(t.iter().any(|l| l.encrypted), "{t:?}");
    }

    #[test]
    fn scrambled_lines_hide_the_text() {
        let s = scrambled("AUTH PLAIN AGFsaWNlAHNlY3JldA==");
        assert!(!s.contains("AUTH"));
        assert_eq!(s, scrambled("AUTH PLAIN AGFsaWNlAHNlY3JldA=="));
        assert_ne!(s, scrambled("AUTH PLAIN AGFsaWNlAHNlY3JldB=="));
    }
}
