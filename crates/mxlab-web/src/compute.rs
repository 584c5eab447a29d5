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
use std::rc::Rc;

use mxlab_sim::inspect::Timeline;
pub use mxlab_sim::inspect::MARKER_SLOTS;
use mxlab_sim::{
    Budget, BudgetStop, Checkpoints, IndexBuilder, Scenario, Sim, SimTime, SummaryBuilder, Trace,
};

use crate::lab::{snapshot_interval, Injection, Kept, Marker, MarkerKind, Run};

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

/// Events run between the first two looks at the page's clock while
/// computing; from then on as many as take about [`LOOK_MILLIS`].
pub const SLICE_EVENTS: usize = 16;

/// The time between two looks at the page's clock while computing, in
/// milliseconds. Events differ a thousandfold (a queue change; the end
/// of an 8 MB message, copied into the queue with its `Received:` field),
/// so the number of events between looks follows what they cost.
pub const LOOK_MILLIS: f64 = 2.0;

/// The most events between two looks at the clock.
const MAX_EVENTS_PER_LOOK: usize = 4_096;

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
    /// Events run between two looks at the clock, adapted to their cost.
    events_per_look: usize,
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
        let kept = base.checkpoints.get();
        match kept.and_then(|c| c.fork(base.events(), at)).zip(kept) {
            Some((sim, kept)) => {
                let checkpoints = kept.until(at);
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
            events_per_look: SLICE_EVENTS,
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
        self.step_checked(budget, &mut Deadline::never())
    }

    /// [`Computation::step`], also stopping as soon as the `deadline` has
    /// passed, which it looks at about every [`LOOK_MILLIS`].
    fn step_checked(&mut self, budget: usize, deadline: &mut Deadline<'_>) -> Option<Run> {
        if let Some(f) = &mut self.finishing {
            if !f.complete {
                if !f.advance(budget) {
                    return None;
                }
                f.complete = true;
                // The finished run is drawn as it is handed over: in a
                // step of its own if this one has had its time.
                if deadline.passed() {
                    return None;
                }
            }
            let f = self.finishing.take()?;
            return Some(f.into_run(
                self.scenario.clone(),
                std::mem::take(&mut self.injections),
                Kept::new(std::mem::replace(
                    &mut self.checkpoints,
                    Checkpoints::new(1),
                )),
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
                // A copy of megabytes in flight is a block of its own.
                if deadline.passed() {
                    return None;
                }
            }
            while self.pending.last().is_some_and(|p| p.at <= self.reached) {
                if let Some(i) = self.pending.pop() {
                    // A host or link it names is in the scenario (the app
                    // and share links check); if not, it changes nothing.
                    let _ = i.apply(&mut self.sim);
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
            let look = deadline.now();
            let ran = self.sim.run_until_at_most(to, self.events_per_look);
            let spent = deadline.now() - look;
            if spent > LOOK_MILLIS {
                self.events_per_look = (self.events_per_look / 2).max(1);
            } else if spent < LOOK_MILLIS / 4.0 {
                self.events_per_look = (self.events_per_look * 2).min(MAX_EVENTS_PER_LOOK);
            }
            if !ran {
                if deadline.passed() {
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
            if deadline.passed() {
                return None;
            }
        }
    }

    /// Steps of [`STEP_EVENTS`] until the run is finished or `millis`
    /// have passed on the clock `now` (the app's is the page's, in
    /// milliseconds), so no block of work is much longer than `millis`.
    pub fn step_within(&mut self, millis: f64, mut now: impl FnMut() -> f64) -> Option<Run> {
        let mut deadline = Deadline::after(millis, &mut now);
        loop {
            if let Some(run) = self.step_checked(STEP_EVENTS, &mut deadline) {
                return Some(run);
            }
            if deadline.passed() {
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

/// A computation as the app drives it: through this trait, the engine's
/// code is reached only from the part that makes computations
/// ([`crate::components::parts::engine`]), so in a split build it lives
/// in that module rather than in the main one.
pub trait Stepping {
    /// [`Computation::step_within`], on the clock `now`.
    fn step_within(&mut self, millis: f64, now: &mut dyn FnMut() -> f64) -> Option<Run>;
    /// [`Computation::progress`].
    fn progress(&self) -> f64;
}

impl Stepping for Computation {
    fn step_within(&mut self, millis: f64, now: &mut dyn FnMut() -> f64) -> Option<Run> {
        Computation::step_within(self, millis, now)
    }

    fn progress(&self) -> f64 {
        Computation::progress(self)
    }
}

/// A moment on a clock in milliseconds, after which a step gives the page
/// back.
struct Deadline<'a> {
    clock: Option<&'a mut dyn FnMut() -> f64>,
    at: f64,
}

impl<'a> Deadline<'a> {
    /// `millis` from now on `clock`.
    fn after(millis: f64, clock: &'a mut dyn FnMut() -> f64) -> Self {
        let at = clock() + millis;
        Deadline {
            clock: Some(clock),
            at,
        }
    }

    /// A deadline that never passes (a step bounded by its events only).
    fn never() -> Self {
        Deadline {
            clock: None,
            at: f64::INFINITY,
        }
    }

    fn now(&mut self) -> f64 {
        self.clock.as_mut().map_or(0.0, |c| c())
    }

    fn passed(&mut self) -> bool {
        self.clock.is_some() && self.now() >= self.at
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
    /// The markers, sessions, DSNs and links, read in the same slices.
    timeline: Timeline,
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
            timeline: Timeline::default(),
        }
    }

    fn progress(&self) -> f64 {
        let done = self
            .timeline
            .read_so_far()
            .saturating_add(self.summary.read())
            .saturating_add(self.index.read());
        (done as f64 / self.trace.len().saturating_mul(3).max(1) as f64).clamp(0.0, 1.0)
    }

    /// Reads about `budget` more events (for the markers, sessions and
    /// links, then for the summary, then for the index); true when all are
    /// read.
    fn advance(&mut self, budget: usize) -> bool {
        let trace = self.trace.clone();
        if !self.read {
            self.read = self.timeline.advance(&trace, budget);
            false
        } else if !self.summed {
            self.summed = self.summary.advance(&trace, budget);
            false
        } else {
            self.index.advance(&trace, budget)
        }
    }

    /// The run, once every event is read: the forks marked, the trace
    /// indexed.
    fn into_run(
        self,
        scenario: Rc<Scenario>,
        injections: Vec<Injection>,
        checkpoints: Kept,
        seed: u64,
    ) -> Run {
        let Finishing {
            trace,
            summary,
            stopped,
            quiescent,
            timeline,
            index,
            ..
        } = self;
        let summary = summary.finish(&trace);
        let Timeline {
            mut markers,
            sessions,
            dsns,
            links,
            ..
        } = timeline;
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
            auth: RefCell::default(),
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
