//! Just enough RFC 5322 for MX Lab: read the header section of a message,
//! prepend `Received:` trace fields, count hops for loop detection, and
//! build RFC 3464 delivery status notifications (bounces, delay warnings and
//! delivery reports).
//!
//! Everything here is pure: dates are formatted from Unix seconds the caller
//! passes in, and the DSN's MIME boundary is derived from its Message-ID, so
//! the same inputs always give the same bytes. Nothing panics on any input;
//! malformed messages are read leniently.
//!
//! | What | Where |
//! |---|---|
//! | [`rfc5322_date`] | RFC 5322 §3.3 |
//! | [`header_fields`], [`split_message`] | RFC 5322 §2.1, §2.2, §2.2.3 |
//! | [`summarize`] | RFC 5322 §3.6 |
//! | [`hop_count`], [`Received`], [`prepend_received`] | RFC 5321 §4.4, §6.3 |
//! | [`with_protocol`] | RFC 3848 |
//! | [`Dsn`] | RFC 3464, RFC 6522, RFC 3834 |
//!
//! One room per concern, everything re-exported here: `date` (RFC 5322
//! dates), `header` (reading header fields, writing one), `received`
//! (`Received:` trace fields) and `dsn` (delivery status notifications).

mod date;
mod dsn;
#[cfg(test)]
mod fixtures;
mod header;
mod received;

pub use date::rfc5322_date;
pub use dsn::{Dsn, DsnAction, DsnKind, DsnRecipient};
pub use header::{
    header_fields, header_section, hop_count, split_message, summarize, HeaderField, Summary,
    MAX_HEADER_FIELDS,
};
pub use received::{prepend_received, with_protocol, Received, ReceivedFields};
