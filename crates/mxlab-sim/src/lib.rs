//! `mxlab-sim` is MX Lab's deterministic network simulation.
//!
//! It runs virtual mail hosts that speak SMTP through `mxlab-proto`
//! sessions over simulated links, on a virtual clock, as a pure function of
//! a scenario and a seed. It knows nothing of the browser or the terminal.
//!
//! It is **not** a network library: it performs no I/O, never reads a wall
//! clock ([`SimTime`] is virtual and jumps from event to event through an
//! event queue), never draws from an OS random source (every host and
//! link has its own seeded generator forked from the world seed), and never
//! iterates a hash map, so the same scenario and seed give the same trace
//! on every platform, wasm32 included.
//!
//! # How to drive it
//!
//! ```
//! use mxlab_sim::{presets, view_at, Sim, SimTime};
//!
//! let scenario = presets::preset("mx-fallback").unwrap(); // or Scenario::from_json(text)
//! let mut sim = Sim::new(scenario, 2);
//! sim.run_until(SimTime::from_secs(60));
//! let fork = sim.checkpoint();                 // Clone is the checkpoint
//! sim.run_to_quiescence();
//! let frame = view_at(sim.trace(), SimTime::from_secs(30));
//! assert_eq!(frame.hosts_down, ["mx1.example.org"]);
//! assert_eq!(sim.summary().delivered, 1);
//! println!("trace hash {}", sim.trace().hash_hex());
//! # drop(fork);
//! ```
//!
//! | module | what |
//! | --- | --- |
//! | [`scenario`] | the JSON format, validated with every problem's path; `scenario.schema.json` |
//! | [`presets`] | the scenario files under `scenarios/`, compiled in, each with its lesson |
//! | [`engine`] | [`Sim`]: hosts, queues with per-recipient state, routing, retries, bounces, faults |
//! | [`dns`] | the zone; MX selection per RFC 5321 §5.1 happens inside the engine |
//! | [`timing`] | MTA timing profiles and [`timing::Backoff`] |
//! | [`trace`] | every event with its explanation and RFC section; a stable hash |
//! | [`view`] | [`view_at`]: what one frame shows |
//! | [`console`] | an SMTP session typed by hand with one host, whose mail joins the run |
//! | [`summary`] | delivered, bounced, queued, attempts, latency |
//! | [`sweep`] | seeds `0..N` of one scenario added up: spreads, latency percentiles, attempts histogram, CSV rows |
//! | [`budget`] | how much one run may write before it stops, and a forecast |
//! | [`checkpoint`] | checkpoints of a run, and forks from them for a fault injected live |
//!
//! # The SMTP conversation
//!
//! Every delivery attempt is played on the virtual clock: the MX query is
//! answered when it reaches the host, a connection is a SYN answered by a
//! SYN-ACK or a reset, and each write of `mxlab-proto`'s client and server
//! sessions is a segment that travels the link (latency, jitter, in
//! order) and arrives as an event. The receiving host answers each server
//! event as it happens through one door ([`engine::Host::answer`], also
//! behind the console and `mxlab serve`), by its policy and the faults
//! striking it then. Nothing is decided before it happens, so a fault
//! strikes what is in flight: a host going down resets its connections, a
//! cut link or a silent host lets the client's RFC 5321 §4.5.3.2 timeouts
//! fire, a crash after the final dot leaves the RFC 1047 duplicate. A cut
//! connection ends with [`trace::EventKind::Abort`]. A host's policy sets
//! up its server session ([`engine::server_config`]): STARTTLS offered or
//! required, AUTH accounts and whether AUTH is required, its size limit,
//! and the bare-LF policy (a lenient server reads a smuggled second
//! message out of the data, which the engine then delivers like any
//! other). Each timing profile limits the connections open at once to one
//! destination (Postfix: 20).
//!
//! Every connection goes to a port, recorded on its
//! [`trace::EventKind::Attempt`] and [`trace::EventKind::Connect`] events:
//! 25 between MTAs, 587 for submission (RFC 6409), 465 for submission
//! with TLS from the first byte (RFC 8314 §3.3: the handshake comes
//! before the greeting, recorded as a [`trace::EventKind::TlsUpgrade`]).
//! A host listens on its role's ports or its policy's, and a connection to
//! any other is refused with a reset, as by a closed port; a host behind an
//! `outbound_port_blocked` fault gets no answer at all (or a reset).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod budget;
pub mod checkpoint;
pub mod console;
pub mod diagnostic;
pub mod dns;
pub mod engine;
pub(crate) mod event_queue;
pub mod inspect;
pub(crate) mod mx;
pub mod presets;
pub(crate) mod rng;
pub mod scenario;
pub mod summary;
pub mod sweep;
pub mod time;
pub mod timing;
pub mod trace;
pub mod view;

pub use budget::{Budget, BudgetStop};
pub use checkpoint::Checkpoints;
pub use compact_str::CompactString;
pub use diagnostic::Diagnostic;
pub use dns::{MxRecord, Zone};
pub use engine::{InjectError, Sim};
pub use scenario::{Problem, Scenario, ScenarioError};
pub use summary::{Summary, SummaryBuilder};
pub use time::SimTime;
pub use trace::{AbortCause, Connection, EventKind, Hosts, Trace, TraceEvent};
pub use view::{view_at, IndexBuilder, TraceIndex, View};

/// The version of the simulation engine.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The version of the SMTP protocol core this engine drives.
pub const PROTO_VERSION: &str = mxlab_proto::VERSION;
