//! What is done by hand at a moment of a run — a fault injected, a host
//! brought back up, a link healed, a message typed into the console — and
//! how each is applied to a simulation with the sim's own verbs
//! ([`Sim::inject`], [`Sim::bring_up`], [`Sim::heal`], [`Sim::accept`]).
//! The run forks at each: [`crate::compute::Computation::fork`].

use mxlab_sim::console::Accepted;
use mxlab_sim::scenario::Fault;
use mxlab_sim::{InjectError, Sim, SimTime};

/// Something done by hand at a moment of a run: the run forks there.
#[derive(Debug, Clone, PartialEq)]
pub struct Injection {
    /// When.
    pub at: SimTime,
    /// What.
    pub what: Injected,
}

/// What was done by hand.
#[derive(Debug, Clone, PartialEq)]
pub enum Injected {
    /// A fault, lasting until a time or to the end.
    Fault {
        /// The fault.
        fault: Fault,
        /// When it ends, if it does.
        until: Option<SimTime>,
    },
    /// A host brought back up: every fault striking it then ends, whether
    /// the scenario scheduled it or it was injected ([`Sim::bring_up`]).
    BringUp {
        /// The host.
        host: String,
    },
    /// A link healed: every partition, latency or loss fault on it ends
    /// ([`Sim::heal`]).
    Heal {
        /// One end.
        a: String,
        /// The other end.
        b: String,
    },
    /// A message typed into a console session, accepted by `host`.
    Message {
        /// The host the console talked to.
        host: String,
        /// The message id it travels under.
        id: String,
        /// What the host accepted.
        message: Accepted,
    },
}

impl Injection {
    /// A fault from `at` on, for good.
    pub fn fault(at: SimTime, fault: Fault) -> Injection {
        Injection {
            at,
            what: Injected::Fault { fault, until: None },
        }
    }

    /// In a few words, for the timeline.
    pub fn label(&self) -> String {
        match &self.what {
            Injected::Fault { fault, .. } => format!("injected {}", fault.label()),
            Injected::BringUp { host } => format!("{host} brought up"),
            Injected::Heal { a, b } => format!("link {a} – {b} healed"),
            Injected::Message { host, id, .. } => format!("{id} typed into {host}"),
        }
    }

    /// Applies it to `sim`, which has run up to its moment (a moment
    /// already past is taken as now).
    pub fn apply(&self, sim: &mut Sim) -> Result<(), InjectError> {
        let at = self.at.max(sim.now());
        match &self.what {
            Injected::Fault { fault, until } => sim.inject(fault.clone(), at, *until),
            Injected::BringUp { host } => sim.bring_up(host, at),
            Injected::Heal { a, b } => sim.heal(a, b, at),
            Injected::Message { host, id, message } => sim.accept(host, message, id, at),
        }
    }
}
