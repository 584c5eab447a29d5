//! Reading a run's trace for people: the timeline's markers, the sessions
//! and the hosts that talked ([`timeline`]), the C:/S: lines of each
//! session ([`transcript`]), the header block of a message on each hop it
//! crossed ([`hops`]), the authentication verdicts on it ([`auth`]), what a DSN reports ([`dsn`]), the series the
//! statistics plot ([`series`], [`attempts`]) and their CSV files
//! ([`csv`]), a caption of the moment ([`caption`]) and
//! the event list ([`events`]); what a host is for in the DNS ([`roles`]). Every function reads a [`Trace`] and
//! nothing else, so the web app, the CLI and the tests see the same facts;
//! where a line's meaning matters (the data of a transaction begins after
//! a 354 reply), it is read with the protocol core.
//!
//! [`Trace`]: crate::Trace

pub mod attempts;
pub mod auth;
pub mod caption;
pub mod csv;
pub mod dsn;
pub mod events;
pub mod hops;
pub mod ladder;
pub mod roles;
pub mod series;
pub mod timeline;
pub mod transcript;

pub use attempts::{Attempts, HopAttempts, MessageAttempts};
pub use auth::{auth_steps, AuthStep, AuthVerdict};
pub use caption::caption;
pub use dsn::{dsn_report, DsnReport};
pub use events::{dns_records, event_rows, EventClass, EventRow};
pub use hops::{hops, Hop, TimedHop};
pub use ladder::{Ladder, LadderError, Layout, Scope, SvgOptions};
pub use roles::mx_label;
pub use series::{fault_windows, peak, value_at, FaultWindow, QueueSeries, Steps};
pub use timeline::{Marker, MarkerKind, Session, Timeline, MARKER_SLOTS};
pub use transcript::{
    explain_line, line_details, line_text, packet_word, port_purpose, scrambled, session_heading,
    transcripts, visible, LineDetails, TranscriptLine, CUT,
};

#[cfg(test)]
mod stats_tests;
#[cfg(test)]
mod tests;
