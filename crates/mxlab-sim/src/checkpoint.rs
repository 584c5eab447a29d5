//! Checkpoints of a run, and forks from them: how a fault injected live at
//! time t is computed without running again from t = 0.
//!
//! ```text
//! let mut checkpoints = Checkpoints::new(50_000);
//! checkpoints.keep(&mut sim);                  // between slices of a run
//! sim.run_until(t1); checkpoints.keep(&mut sim);
//! …
//! let mut fork = checkpoints.fork(sim.trace(), t).unwrap();
//! fork.run_until(t);                           // from the checkpoint at or before t
//! fork.inject(fault, t, None);                 // or bring_up / heal
//! fork.run_to_quiescence();                    // the new branch
//! ```
//!
//! A checkpoint is the run's state (hosts, queues, event queue, random
//! streams) without its trace, and where its trace had got to: the trace
//! up to a checkpoint is the first events of the run's trace, so it is not
//! copied until a fork needs it. A fork from a checkpoint runs exactly as
//! the original run did from there, so the branch is the trace a run from
//! zero with the same change at the same time gives (tested).

use crate::time::SimTime;
use crate::trace::{Mark, Trace};
use crate::Sim;

/// One checkpoint: the state of a run at `at`, without its trace.
#[derive(Debug, Clone)]
struct Checkpoint {
    at: SimTime,
    mark: Mark,
    state: Sim,
}

/// The checkpoints of one run, taken every so many events.
#[derive(Debug, Clone)]
pub struct Checkpoints {
    every: usize,
    list: Vec<Checkpoint>,
}

impl Checkpoints {
    /// Checkpoints at most every `every_events` events of trace (the
    /// first one whenever [`Checkpoints::keep`] is first called).
    pub fn new(every_events: usize) -> Self {
        Checkpoints {
            every: every_events.max(1),
            list: Vec::new(),
        }
    }

    /// Takes a checkpoint of `sim` when none was taken yet, or when its
    /// trace has grown by the interval since the last. Call it between
    /// [`Sim::run_until`] calls of the run whose checkpoints these are.
    pub fn keep(&mut self, sim: &mut Sim) {
        let due = match self.list.last() {
            None => true,
            Some(last) => sim.trace().len() >= last.state_len().saturating_add(self.every),
        };
        if due {
            let (state, mark) = sim.state_without_trace();
            self.list.push(Checkpoint {
                at: sim.now(),
                mark,
                state,
            });
        }
    }

    /// How many checkpoints are kept.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The times of the checkpoints.
    pub fn times(&self) -> impl Iterator<Item = SimTime> + '_ {
        self.list.iter().map(|c| c.at)
    }

    /// A run continuing the run whose trace is `trace` from its last
    /// checkpoint at or before `at`: that checkpoint's state, with the
    /// first events of `trace` up to it. Run it to `at`, change it, run on.
    /// `None` when no checkpoint is that early.
    pub fn fork(&self, trace: &Trace, at: SimTime) -> Option<Sim> {
        let i = self.list.partition_point(|c| c.at <= at).checked_sub(1)?;
        let c = self.list.get(i)?;
        let mut sim = c.state.clone();
        sim.restore_trace(trace.prefix(c.mark));
        Some(sim)
    }

    /// The checkpoints valid for a branch forked at `at`: those at or
    /// before it (the branch is the same run until then).
    pub fn until(&self, at: SimTime) -> Self {
        Checkpoints {
            every: self.every,
            list: self
                .list
                .iter()
                .take_while(|c| c.at <= at)
                .cloned()
                .collect(),
        }
    }
}

impl Checkpoint {
    fn state_len(&self) -> usize {
        self.mark.records()
    }
}
