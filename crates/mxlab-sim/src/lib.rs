//! `mxlab-sim` is MX Lab's deterministic network simulation.
//!
//! It runs virtual mail hosts that speak SMTP through `mxlab-proto`
//! sessions over simulated links, on a virtual clock, as a pure function of
//! a scenario and a seed. It knows nothing of the browser or the terminal.
//!
//! It is **not** a network library: it performs no I/O, never reads a wall
//! clock ([`SimTime`] is virtual and jumps from event to event through the
//! [`EventQueue`]), never draws from an OS random source (every host and
//! link has its own [`SimRng`] forked from the world seed), and never
//! iterates a hash map, so the same scenario and seed give the same trace
//! on every platform, wasm32 included.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod diagnostic;
pub mod dns;
pub mod engine;
pub mod event_queue;
pub mod mx;
pub mod presets;
pub mod rng;
pub mod scenario;
pub mod summary;
pub mod time;
pub mod timing;
pub mod trace;
pub mod view;

pub use diagnostic::Diagnostic;
pub use dns::{MxRecord, Zone};
pub use engine::Sim;
pub use event_queue::EventQueue;
pub use rng::SimRng;
pub use scenario::{Problem, Scenario, ScenarioError};
pub use summary::Summary;
pub use time::SimTime;
pub use trace::{EventKind, Trace, TraceEvent};
pub use view::{view_at, TraceIndex, View};

/// The version of the simulation engine.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The version of the SMTP protocol core this engine drives.
pub const PROTO_VERSION: &str = mxlab_proto::VERSION;
