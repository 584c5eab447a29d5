//! `mxlab-sim` is MX Lab's deterministic network simulation.
//!
//! It runs virtual mail hosts that speak SMTP through `mxlab-proto`
//! sessions over simulated links, on a virtual clock, as a pure function of
//! a scenario and a seed. It knows nothing of the browser or the terminal.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The version of the simulation engine.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The version of the SMTP protocol core this engine drives.
pub const PROTO_VERSION: &str = mxlab_proto::VERSION;
