//! Runs and the clock: loading a scenario asks for its run; a run computed
//! is shown at its moment; play, pause, steps and seeks move the clock;
//! live changes made by hand (a fault injected, a host brought back up, a
//! link healed) fork the run at the clock's moment and keep the previous
//! branch to go back to; a share link's run is restored at its moment.

use std::rc::Rc;

use mxlab_sim::scenario::Fault;
use mxlab_sim::{Scenario, SimTime};

use super::{ComputeJob, JobKind, Outcome, Selection, State};
use crate::bounds::ProblemList;
use crate::compute::budget_advice;
use crate::lab::{Clock, Injected, Injection, Run};
use crate::share::Shared;

impl State {
    /// Loads preset `name`.
    pub(super) fn open_preset(&mut self, name: String, scenario: Scenario) {
        self.load(Rc::new(scenario));
        self.preset = name;
    }

    /// Loads `scenario`, starts its run and readies the editor shown.
    pub(super) fn load(&mut self, scenario: Rc<Scenario>) {
        self.load_run(scenario);
        self.ready_editors();
    }

    /// Loads `scenario` and starts its run, its editors' text and form
    /// left to be made when the Scenario panel shows them; the scenario
    /// shown until now can be gone back to ([`crate::state::Action::Undo`]).
    pub(super) fn load_run(&mut self, scenario: Rc<Scenario>) {
        self.remember();
        self.scenario = scenario.clone();
        self.packet = None;
        self.reset_stage();
        self.editors_stale = true;
        self.problems = Rc::new(ProblemList::default());
        self.branches.clear();
        self.session = None;
        self.session_pinned = false;
        self.selection = None;
        self.message = None;
        self.clock = Clock {
            speed: self.clock.speed,
            pace: self.clock.pace,
            ..Clock::default()
        };
        self.console.clear();
        let seed = scenario.seed;
        self.start_job(
            JobKind::Run {
                scenario,
                seed,
                injections: Vec::new(),
            },
            SimTime::ZERO,
        );
    }

    /// Asks for `kind` to be computed; the clock shows `at` once it is.
    pub(super) fn start_job(&mut self, kind: JobKind, at: SimTime) {
        self.jobs += 1;
        self.job = Some(Rc::new(ComputeJob {
            id: self.jobs,
            kind,
        }));
        self.progress = 0.0;
        self.animating = false;
        self.pending_clock = Some(Clock {
            t: at,
            playing: false,
            ..self.clock
        });
    }

    /// Whether `job` is the one being computed.
    pub(super) fn is_current(&self, job: u64) -> bool {
        self.job.as_ref().is_some_and(|j| j.id == job)
    }

    /// The run asked for is computed: it is shown at its moment (and
    /// played, the first time, when the options say so).
    pub(super) fn computed(&mut self, run: Rc<Run>) {
        self.job = None;
        self.runs_done += 1;
        if let Some(stop) = &run.stopped {
            // The run is kept up to its budget; say why it ends there.
            self.error = Some(budget_advice(stop));
        }
        self.run = Some(run);
        self.clock = self.pending_clock.take().unwrap_or_default();
        if let Some((t, host)) = self.restore.take() {
            self.clock.t = t;
            self.selection = host.map(Selection::Host);
        }
        if let Some(start) = self.opts.start.filter(|_| self.runs_done == 1) {
            // The moment the page was asked to open at (within the run).
            if self.clock.t == SimTime::ZERO {
                self.clock.t = start.min(self.run.as_ref().map_or(start, |r| r.end()));
            }
        }
        if self.runs_done == 1 && self.opts.autoplay {
            self.clock.playing = true;
            self.last_frame = None;
            self.animating = true;
        }
        self.refresh_view();
    }

    /// A frame while playing: the clock moves by the real time since the
    /// last one.
    pub(super) fn frame(&mut self, ts: f64) -> Outcome {
        let dt = self.last_frame.map_or(0.0, |last| (ts - last) / 1000.0);
        self.last_frame = Some(ts);
        let Some(run) = self.run.clone() else {
            self.animating = false;
            return Outcome::unchanged();
        };
        self.clock = self.clock.advance(&run, dt);
        if !self.clock.playing && self.opts.looping {
            // Loop: from the start (or the moment asked for) again, still
            // playing.
            self.clock.t = self.opts.start.unwrap_or(SimTime::ZERO).min(run.end());
            self.clock.playing = true;
            self.session = None;
        }
        self.animating = self.clock.playing;
        self.refresh_view();
        Outcome::redraw()
    }

    /// Play (from the start again at the end), or pause.
    pub(super) fn play_pause(&mut self) -> Outcome {
        let Some(end) = self.run.as_ref().map(|r| r.end()) else {
            return Outcome::unchanged();
        };
        if !self.clock.playing && self.clock.t >= end {
            self.clock.t = SimTime::ZERO;
        }
        self.clock.playing = !self.clock.playing;
        self.animating = self.clock.playing;
        self.last_frame = None;
        self.refresh_view();
        Outcome::redraw()
    }

    /// Paused at the next event.
    pub(super) fn step_forward(&mut self) {
        self.clock.playing = false;
        self.animating = false;
        if let Some(t) = self.run.as_ref().and_then(|r| r.next_time(self.clock.t)) {
            self.set_time(t);
        }
    }

    /// Paused at the previous event (or the start).
    pub(super) fn step_back(&mut self) {
        self.clock.playing = false;
        self.animating = false;
        let t = self
            .run
            .as_ref()
            .and_then(|r| r.previous_time(self.clock.t))
            .unwrap_or(SimTime::ZERO);
        self.set_time(t);
    }

    /// Paused at the start, the session following the action again.
    pub(super) fn restart(&mut self) {
        self.clock.playing = false;
        self.animating = false;
        self.session = None;
        self.session_pinned = false;
        self.set_time(SimTime::ZERO);
    }

    pub(super) fn set_time(&mut self, t: SimTime) {
        self.clock.t = t;
        self.refresh_view();
    }

    /// What the stage shows at the clock's moment.
    pub(super) fn refresh_view(&mut self) {
        if let Some(run) = &self.run {
            self.view = Rc::new(run.index.view_at(self.clock.t));
            // Follow the action: the newest open session, else the newest
            // one so far, unless one was chosen by hand.
            if !self.session_pinned {
                self.session = match self.view.connections.last() {
                    Some(c) => Some(c.conn),
                    None => run
                        .sessions
                        .iter()
                        .rev()
                        .find(|s| s.opened <= self.clock.t)
                        .map(|s| s.conn),
                };
                // The console's session is followed only at its moment.
                let at = self.console.session.as_ref().map(|c| c.at);
                self.console.in_transcript &= at == Some(self.clock.t);
            }
        }
    }

    /// Forks the run where `new` is done (from its last checkpoint at or
    /// before the earliest moment, not from zero); the clock shows `at`
    /// once the branch is computed, and the previous branch is kept.
    pub(super) fn fork(&mut self, new: Vec<Injection>, at: SimTime) {
        let Some(run) = self.run.clone() else { return };
        self.branches.push(run.clone());
        self.start_job(JobKind::Fork { base: run, new }, at);
    }

    /// Injects `fault` now, for good.
    pub(super) fn inject(&mut self, fault: Fault) {
        let now = self.clock.t;
        self.fork(vec![Injection::fault(now, fault)], now);
    }

    /// Brings `host` back up now: every fault striking it ends. A host
    /// that is not down is left alone, with an error.
    pub(super) fn bring_up(&mut self, host: &str) {
        let now = self.clock.t;
        if !self.host_down(host) {
            self.error = Some(format!("{host} is not down at {now}"));
            return;
        }
        let what = Injected::BringUp {
            host: host.to_string(),
        };
        self.fork(vec![Injection { at: now, what }], now);
    }

    /// Heals the link between `a` and `b` now: its partition, latency or
    /// loss ends. A link without a fault is left alone, with an error.
    pub(super) fn heal(&mut self, a: &str, b: &str) {
        let now = self.clock.t;
        if !self.link_faulty(a, b) {
            self.error = Some(format!("the link {a} – {b} has no fault at {now}"));
            return;
        }
        let what = Injected::Heal {
            a: a.to_string(),
            b: b.to_string(),
        };
        self.fork(vec![Injection { at: now, what }], now);
    }

    /// Whether a partition, latency or loss fault strikes the link between
    /// `a` and `b` at the clock's moment.
    pub fn link_faulty(&self, a: &str, b: &str) -> bool {
        let is = |x: &str, y: &str| {
            (x.eq_ignore_ascii_case(a) && y.eq_ignore_ascii_case(b))
                || (x.eq_ignore_ascii_case(b) && y.eq_ignore_ascii_case(a))
        };
        self.view.faults.iter().any(|f| match f {
            Fault::LinkPartition { a: x, b: y }
            | Fault::LinkLatency { a: x, b: y, .. }
            | Fault::LinkLoss { a: x, b: y, .. } => is(x, y),
            _ => false,
        })
    }

    /// Opens what a share link restores: its scenario, run from zero with
    /// what was done by hand, at its moment, host and speed.
    pub(super) fn open_shared(&mut self, shared: Shared) {
        self.load(Rc::new(shared.scenario.clone()));
        self.preset = "custom".into();
        if let Some(speed) = shared.speed {
            self.clock.speed = speed;
            self.clock.pace = None;
        }
        if let Some(pace) = shared.pace {
            self.clock.pace = Some(pace);
        }
        self.restore = Some((shared.t, shared.host.clone()));
        // Messages typed from now on get ids after the link's own.
        self.console.typed_messages = shared
            .injections
            .iter()
            .filter(|i| matches!(i.what, Injected::Message { .. }))
            .count();
        let scenario = self.scenario.clone();
        let seed = scenario.seed;
        self.start_job(
            JobKind::Run {
                scenario,
                seed,
                injections: shared.injections,
            },
            SimTime::ZERO,
        );
    }
}
