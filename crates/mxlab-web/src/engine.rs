//! The simulation engine as the app reaches it: the module that holds it
//! (in a build with parts, the `engine` part, fetched as the page starts,
//! beside the main module) hands over a table of functions, and the
//! engine's code is reached only through them. The state reaches it
//! through [`engine`], and waits for it until it is here.

use crate::compute::Stepping;
use crate::state::{ComputeJob, OpenConsole};

/// What the engine's module hands over.
#[derive(Clone, Copy)]
pub struct Engine {
    /// Starts computing a job, to be stepped between frames.
    pub start: fn(&ComputeJob) -> Box<dyn Stepping>,
    /// Opens a console session with a host (`nc host 25`).
    pub open_console: OpenConsole,
    /// Runs a scenario (seed 1) to quiescence at once: whether it came to
    /// rest, and how many events it wrote (the package's benchmark).
    #[cfg(feature = "package")]
    pub settle: fn(mxlab_sim::Scenario) -> (bool, usize),
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Engine")
    }
}

fn start(job: &ComputeJob) -> Box<dyn Stepping> {
    Box::new(job.computation())
}

#[cfg(feature = "package")]
fn settle(scenario: mxlab_sim::Scenario) -> (bool, usize) {
    let mut sim = mxlab_sim::Sim::new(scenario, 1);
    let quiet = sim.run_to_quiescence();
    (quiet, sim.trace().len())
}

/// The engine, made of mxlab-sim's own functions (what the part hands
/// over, and what a build without parts uses at once).
pub fn builtin() -> Engine {
    Engine {
        start,
        open_console: crate::state::open_console,
        #[cfg(feature = "package")]
        settle,
    }
}

std::thread_local! {
    static ENGINE: std::cell::Cell<Option<Engine>> = const { std::cell::Cell::new(None) };
}

/// Makes the engine available (its module calls this as it arrives).
pub fn install(engine: Engine) {
    ENGINE.with(|e| e.set(Some(engine)));
}

/// The engine, once its module is here (in a build without parts, always).
pub fn engine() -> Option<Engine> {
    #[cfg(not(all(feature = "split", target_family = "wasm")))]
    install(builtin());
    ENGINE.with(std::cell::Cell::get)
}
