//! Computing a run without freezing the page: the simulation in slices
//! of virtual time under the browser's [`BROWSER_BUDGET`], then the run's
//! timeline markers, sessions and links read from its trace in slices of
//! events, so the app can draw a frame between any two steps.
//!
//! A run keeps mxlab-sim's [`Checkpoints`] as it is computed. Something
//! done by hand at time t ([`Computation::fork`]) is computed from the
//! run's last checkpoint at or before t, not from t = 0: the branch is the
//! run a computation from zero with the same injections gives, and keeps
//! the checkpoints up to t with its own after them.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use mxlab_sim::{
    Budget, BudgetStop, Checkpoints, EventKind, IndexBuilder, Scenario, Sim, SimTime,
    SummaryBuilder, Trace,
};

use crate::lab::{fault_label, snapshot_interval, Injection, Marker, MarkerKind, Run, Session};

/// Timeline slots: of each kind of marker, one per slot is kept (with a
/// count of the others), as the timeline draws them.
pub const MARKER_SLOTS: usize = 1000;

/// How much one run may write in the browser: 2,000,000 events or
/// 256 MiB of trace. A wasm32 tab addresses at most 4 GiB and the
/// trace's buffers double as they grow; beyond the trace, a run keeps its
/// index, sessions and markers, and indexing it at the end is one block
/// of work that grows with its length. At this budget a year of retries
/// every second stops after about five simulated days, computed in
/// seconds, with the page responsive throughout. A run that reaches it
/// stops there, its trace kept, and the app says so.
pub const BROWSER_BUDGET: Budget = Budget {
    max_events: 2_000_000,
    max_trace_bytes: 256 << 20,
};

/// Events computed per step of [`Computation::step_within`]: small, so
/// the clock is looked at often.
pub const STEP_EVENTS: usize = 2_000;

/// Events run between two looks at the page's clock while computing: an
/// event can carry a 64 KiB segment of a large message (about half a
/// millisecond of work in the browser).
pub const SLICE_EVENTS: usize = 16;

/// Events of trace between two checkpoints of a run: a fork replays at
/// most this many before its moment, and a run under the browser's budget
/// keeps at most 40 checkpoints (each a copy of the hosts, queues and
/// pending events, without the trace).
pub const CHECKPOINT_EVERY: usize = 50_000;

/// What to do when a run stopped on its budget, for the banner.
pub fn budget_advice(stop: &BudgetStop) -> String {
    format!(
        "The run {stop}: what would come after is not computed. Shorten the horizon, \
         retry less often (a longer backoff or a shorter queue lifetime) or send fewer \
         messages; everything up to there can be played, scrubbed and changed."
    )
}

/// Keeps computing a run in slices of virtual time, so a long run never
/// freezes the page: the app calls [`Computation::step_within`] between
/// frames and shows [`Computation::progress`].
///
/// Checkpoints are kept between slices, before what is injected at that
/// moment is applied: a checkpoint at c holds every injection before c
/// and none at c, so a fork from it applies those at or after c.
#[derive(Debug)]
pub struct Computation {
    sim: Sim,
    checkpoints: Checkpoints,
    scenario: Rc<Scenario>,
    /// Every injection, in order of time.
    injections: Vec<Injection>,
    /// Those not applied yet, the next last.
    pending: Vec<Injection>,
    /// The time computing started from: zero, or a fork's checkpoint.
    resumed: SimTime,
    horizon: SimTime,
    /// The virtual time computed up to.
    reached: SimTime,
    started: bool,
    /// When the scenario's last message is submitted.
    last_submit: SimTime,
    slice_micros: u64,
    /// The trace's length as the slice being computed began.
    slice_from: Option<usize>,
    /// A slice has just been computed: the next step keeps a checkpoint.
    checkpoint_due: bool,
    /// Set once the simulation is over: the run being assembled.
    finishing: Option<Finishing>,
}

impl Computation {
    /// Starts a run of `scenario` with `seed` and what was done by hand,
    /// from t = 0.
    pub fn new(scenario: Rc<Scenario>, seed: u64, injections: Vec<Injection>) -> Self {
        let mut sim = Sim::new((*scenario).clone(), seed);
        sim.set_budget(BROWSER_BUDGET);
        let mut checkpoints = Checkpoints::new(CHECKPOINT_EVERY);
        checkpoints.keep(&mut sim);
        Self::resume(sim, checkpoints, scenario, injections)
    }

    /// Starts the branch of `base` where `new` is done by hand too: from
    /// `base`'s last checkpoint at or before the earliest of `new`, with
    /// `base`'s checkpoints up to then. Its run is the one
    /// [`Computation::new`] gives with every injection of `base` and `new`.
    pub fn fork(base: &Run, new: Vec<Injection>) -> Self {
        let mut injections = base.injections.clone();
        let Some(at) = new.iter().map(|i| i.at).min() else {
            // Nothing new: the same run again.
            return Self::new(base.scenario.clone(), base.seed, injections);
        };
        injections.extend(new);
        match base.checkpoints.fork(base.events(), at) {
            Some(sim) => {
                let checkpoints = base.checkpoints.until(at);
                Self::resume(sim, checkpoints, base.scenario.clone(), injections)
            }
            None => Self::new(base.scenario.clone(), base.seed, injections),
        }
    }

    /// Computes on from `sim` (at a checkpoint of the run, or at zero),
    /// applying the injections from its moment on.
    fn resume(
        sim: Sim,
        checkpoints: Checkpoints,
        scenario: Rc<Scenario>,
        mut injections: Vec<Injection>,
    ) -> Self {
        // Stable: injections at the same moment apply in the order made.
        injections.sort_by_key(|i| i.at);
        let horizon = SimTime::from_secs(scenario.horizon_secs);
        let last_submit = scenario
            .messages
            .iter()
            .map(|m| SimTime::from_secs(m.at_secs))
            .max()
            .unwrap_or(SimTime::ZERO);
        let resumed = sim.now();
        // The checkpoint holds those before its moment.
        let pending = injections
            .iter()
            .rev()
            .take_while(|i| i.at >= resumed)
            .cloned()
            .collect();
        Computation {
            sim,
            checkpoints,
            scenario,
            pending,
            injections,
            resumed,
            horizon,
            reached: resumed,
            started: resumed > SimTime::ZERO,
            last_submit,
            // Small at first (a burst at the start is cut fine), growing
            // through quiet stretches.
            slice_micros: 1_000,
            slice_from: None,
            checkpoint_due: false,
            finishing: None,
        }
    }

    /// Checkpoints every `every` events instead of [`CHECKPOINT_EVERY`]
    /// (for a computation not stepped yet).
    pub fn checkpoint_every(mut self, every: usize) -> Self {
        self.checkpoints = Checkpoints::new(every);
        self.checkpoints.keep(&mut self.sim);
        self
    }

    /// The virtual time computing started from: zero, or for a fork the
    /// checkpoint it resumed.
    pub fn resumed_at(&self) -> SimTime {
        self.resumed
    }

    /// Sets the run's budget (the browser's unless set).
    pub fn set_budget(&mut self, budget: Budget) {
        self.sim.set_budget(budget);
    }

    /// How far it has got, 0..=1.
    pub fn progress(&self) -> f64 {
        if let Some(f) = &self.finishing {
            return f.progress();
        }
        let h = self.horizon.as_micros().max(1) as f64;
        (self.reached.as_micros() as f64 / h).clamp(0.0, 1.0)
    }

    /// Runs about `budget` more events; returns the finished run when the
    /// horizon is reached or nothing is left to do.
    pub fn step(&mut self, budget: usize) -> Option<Run> {
        self.step_checked(budget, &mut || false)
    }

    /// [`Computation::step`], also stopping as soon as `out_of_time()`
    /// says so, which it asks after every [`SLICE_EVENTS`] events.
    fn step_checked(
        &mut self,
        budget: usize,
        out_of_time: &mut dyn FnMut() -> bool,
    ) -> Option<Run> {
        if let Some(f) = &mut self.finishing {
            if !f.complete {
                if !f.advance(budget) {
                    return None;
                }
                f.complete = true;
                // The finished run is drawn as it is handed over: in a
                // step of its own if this one has had its time.
                if out_of_time() {
                    return None;
                }
            }
            let f = self.finishing.take()?;
            return Some(f.into_run(
                self.scenario.clone(),
                std::mem::take(&mut self.injections),
                std::mem::replace(&mut self.checkpoints, Checkpoints::new(1)),
                self.sim.seed(),
            ));
        }
        let start = self.sim.trace().len();
        loop {
            if std::mem::take(&mut self.checkpoint_due) && self.sim.stopped().is_none() {
                // Before what is injected at `reached` is applied; taken
                // here rather than as the slice ends, so that copying the
                // run's state and the slice's last events do not make one
                // block together.
                self.checkpoints.keep(&mut self.sim);
            }
            while self.pending.last().is_some_and(|p| p.at <= self.reached) {
                if let Some(i) = self.pending.pop() {
                    // A host or link it names is in the scenario (the app
                    // and share links check); if not, it changes nothing.
                    i.apply(&mut self.sim);
                }
            }
            if self.sim.trace().len() >= start.saturating_add(budget) {
                return None;
            }
            let quiet = self.pending.is_empty()
                && self.all_submitted()
                && self.sim.hosts().iter().all(|h| h.queue.is_empty());
            // Spent its budget: the trace ends here.
            let stopped = self.sim.stopped().is_some();
            if stopped || quiet || self.reached >= self.horizon {
                let quiescent = !stopped && self.sim.run_to_quiescence();
                // Summing the run up is one block of work (mxlab-sim's
                // summary reads the whole trace): the page gets a frame
                // before the next.
                self.finishing = Some(Finishing::new(&mut self.sim, quiescent));
                return None;
            }
            let mut to =
                SimTime::from_micros(self.reached.as_micros().saturating_add(self.slice_micros))
                    .min(self.horizon);
            if let Some(p) = self.pending.last() {
                to = to.min(p.at);
            }
            let before = *self.slice_from.get_or_insert(self.sim.trace().len());
            self.started = true;
            // An instant can hold thousands of events (messages queued at
            // once), and one event can be a large body on its way: the
            // clock is asked between runs of a few events.
            if !self.sim.run_until_at_most(to, SLICE_EVENTS) {
                if out_of_time() {
                    return None;
                }
                continue;
            }
            self.slice_from = None;
            self.reached = to;
            self.checkpoint_due = true;
            // Slices adapt: longer through quiet stretches (retry waits of
            // hours), shorter where events are dense.
            let grew = self.sim.trace().len() - before;
            if grew == 0 {
                self.slice_micros = self.slice_micros.saturating_mul(4);
            } else if grew > budget / 2 {
                self.slice_micros = (self.slice_micros / 2).max(1_000);
            }
            if out_of_time() {
                return None;
            }
        }
    }

    /// Steps of [`STEP_EVENTS`] until the run is finished or
    /// `out_of_time()` says the slice is over (the app asks the page's
    /// clock), so no block of work is much longer than one step.
    pub fn step_within(&mut self, mut out_of_time: impl FnMut() -> bool) -> Option<Run> {
        loop {
            if let Some(run) = self.step_checked(STEP_EVENTS, &mut out_of_time) {
                return Some(run);
            }
            if out_of_time() {
                return None;
            }
        }
    }

    fn all_submitted(&self) -> bool {
        self.started && self.reached >= self.last_submit
    }

    /// Computes the whole run at once.
    pub fn finish(mut self) -> Run {
        loop {
            if let Some(run) = self.step(usize::MAX) {
                return run;
            }
        }
    }
}

/// A finished simulation being read into a [`Run`], a slice of events
/// at a time.
#[derive(Debug)]
struct Finishing {
    trace: Rc<Trace>,
    /// The summary, read in the same slices.
    summary: SummaryBuilder,
    stopped: Option<BudgetStop>,
    quiescent: bool,
    /// The next event to read.
    next: usize,
    markers: Vec<Marker>,
    /// Which (slot, kind) has its marker, at which index of `markers`.
    slots: std::collections::HashMap<(usize, MarkerKind), usize>,
    sessions: Vec<Session>,
    dsns: BTreeSet<String>,
    links: Vec<(String, String, bool)>,
    seen_links: BTreeSet<(String, String, bool)>,
    /// The index, built in the same slices.
    index: IndexBuilder,
    /// Whether the markers, sessions and links are all read.
    read: bool,
    /// Whether the summary is read.
    summed: bool,
    /// Whether the index is built too: the run is ready to hand over.
    complete: bool,
}

impl Finishing {
    fn new(sim: &mut Sim, quiescent: bool) -> Self {
        let summary = SummaryBuilder::new(sim);
        let stopped = sim.stopped().cloned();
        let trace = sim.take_trace();
        let index = IndexBuilder::new(snapshot_interval(trace.len()));
        Finishing {
            trace: Rc::new(trace),
            index,
            read: false,
            summed: false,
            complete: false,
            summary,
            stopped,
            quiescent,
            next: 0,
            markers: Vec::new(),
            slots: Default::default(),
            sessions: Vec::new(),
            dsns: BTreeSet::new(),
            links: Vec::new(),
            seen_links: BTreeSet::new(),
        }
    }

    fn progress(&self) -> f64 {
        let done = self
            .next
            .saturating_add(self.summary.read())
            .saturating_add(self.index.read());
        (done as f64 / self.trace.len().saturating_mul(3).max(1) as f64).clamp(0.0, 1.0)
    }

    fn add_link(&mut self, a: &str, b: &str, dns: bool) {
        let key = if dns || a <= b {
            (a.to_string(), b.to_string(), dns)
        } else {
            (b.to_string(), a.to_string(), dns)
        };
        if self.seen_links.insert(key.clone()) {
            self.links.push(key);
        }
    }

    /// Reads about `budget` more events (for the markers, sessions and
    /// links, then for the summary, then for the index); true when all are
    /// read.
    fn advance(&mut self, budget: usize) -> bool {
        let trace = self.trace.clone();
        if !self.read {
            self.read = self.read_events(budget);
            false
        } else if !self.summed {
            self.summed = self.summary.advance(&trace, budget);
            false
        } else {
            self.index.advance(&trace, budget)
        }
    }

    /// Reads about `budget` more events for the markers, sessions and
    /// links; true when all are read.
    fn read_events(&mut self, budget: usize) -> bool {
        let trace = self.trace.clone();
        let n = trace.len();
        let end = self.next.saturating_add(budget.max(1)).min(n);
        for i in self.next..end {
            if trace.is_line(i) {
                continue;
            }
            let Some(e) = trace.get(i) else { continue };
            let host = e.hosts.first().map(|h| h.as_str()).unwrap_or_default();
            let other = e.hosts.get(1).map(|h| h.as_str()).unwrap_or_default();
            let kind = match &e.kind {
                EventKind::Deliver { to, .. } if to.contains('@') => Some(MarkerKind::Delivered),
                EventKind::Defer { .. } => Some(MarkerKind::Deferred),
                EventKind::Bounce { .. } => Some(MarkerKind::Bounced),
                EventKind::FaultOn { .. } | EventKind::FaultOff { .. } => Some(MarkerKind::Fault),
                EventKind::DnsQuery { .. } => {
                    self.add_link(host, other, true);
                    None
                }
                EventKind::Connect { conn, .. } => {
                    self.add_link(host, other, false);
                    self.sessions.push(Session {
                        conn: *conn,
                        client: host.to_string(),
                        server: other.to_string(),
                        opened: e.at,
                        message: e.message.as_ref().map(|m| m.to_string()),
                    });
                    None
                }
                EventKind::DsnSent { dsn_message, .. } => {
                    self.dsns.insert(dsn_message.to_string());
                    None
                }
                _ => None,
            };
            let Some(kind) = kind else { continue };
            // One marker per kind and slot of the timeline; the others
            // are counted on it.
            let position = i + 1;
            let slot = position.saturating_mul(MARKER_SLOTS) / n.max(1);
            if let Some(&m) = self.slots.get(&(slot, kind)) {
                if let Some(m) = self.markers.get_mut(m) {
                    m.more += 1;
                }
                continue;
            }
            let who = format!(
                "{} {}",
                e.message.as_deref().unwrap_or_default(),
                e.recipient.as_deref().unwrap_or_default()
            );
            let label = match &e.kind {
                EventKind::Deliver { to, .. } => format!("{}: delivered to {to}", e.at),
                EventKind::Defer { diagnostic, .. } => {
                    format!("{}: {} deferred on {host}: {diagnostic}", e.at, who.trim())
                }
                EventKind::Bounce { diagnostic } => {
                    format!("{}: {} bounced on {host}: {diagnostic}", e.at, who.trim())
                }
                EventKind::FaultOn { fault } => {
                    format!("{}: fault on: {}", e.at, fault_label(fault))
                }
                EventKind::FaultOff { fault } => {
                    format!("{}: fault off: {}", e.at, fault_label(fault))
                }
                _ => String::new(),
            };
            self.slots.insert((slot, kind), self.markers.len());
            self.markers.push(Marker {
                position,
                at: e.at,
                kind,
                label,
                more: 0,
            });
        }
        self.next = end;
        end >= n
    }

    /// The run, once every event is read: the forks marked, the trace
    /// indexed.
    fn into_run(
        self,
        scenario: Rc<Scenario>,
        injections: Vec<Injection>,
        checkpoints: Checkpoints,
        seed: u64,
    ) -> Run {
        let Finishing {
            trace,
            summary,
            stopped,
            quiescent,
            mut markers,
            sessions,
            dsns,
            links,
            index,
            ..
        } = self;
        let summary = summary.finish(&trace);
        for inj in &injections {
            let position = trace.partition_point(|at| at < inj.at);
            markers.push(Marker {
                position,
                at: inj.at,
                kind: MarkerKind::Fork,
                label: format!("{}: {}", inj.at, inj.label()),
                more: 0,
            });
        }
        markers.sort_by_key(|m| m.position);
        let mailbox_hosts = scenario
            .nodes
            .iter()
            .flat_map(|n| {
                n.policy
                    .mailboxes
                    .iter()
                    .map(move |m| (m.address.to_ascii_lowercase(), n.name.clone()))
            })
            .collect();
        Run {
            links,
            mailbox_hosts,
            stopped,
            transcripts: RefCell::default(),
            hops: RefCell::default(),
            reports: RefCell::default(),
            summary,
            // Built in the same slices as the markers (nothing is left).
            index: index.finish(trace),
            scenario,
            seed,
            injections,
            checkpoints,
            markers,
            sessions,
            dsns,
            quiescent,
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod forks;
