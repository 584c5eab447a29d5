//! `mxlab-auth` decides, for MX Lab, whether a message is what it claims to
//! be: SPF (RFC 7208), DKIM (RFC 6376, RFC 8463, RFC 8301), DMARC (RFC 7489),
//! the `Authentication-Results` and `Received-SPF` header fields that report
//! them (RFC 8601, RFC 7208 §9.1), and the Sender Rewriting Scheme a
//! forwarder uses so that SPF keeps working.
//!
//! It is **sans-IO**: it performs no DNS query of its own, reads no clock and
//! draws no randomness. The caller answers every DNS question through the
//! [`Lookup`] trait (the simulator answers from its zone), passes the current
//! time as a number of seconds, and passes any random draw (the DMARC `pct`
//! roll) or seed (key generation) in. The same inputs always give the same
//! verdicts, on native targets and on `wasm32-unknown-unknown`.
//!
//! How to drive it, as a receiving MX does:
//!
//! 1. [`spf::check_host`] with the client's address, its HELO name and the
//!    MAIL FROM address;
//! 2. [`dkim::verify`] on the message once DATA has ended;
//! 3. [`dmarc::evaluate`] with both results and the caller's `pct` roll;
//! 4. [`results::authentication_results`] to record all three in the message.
//!
//! A sending host signs with [`dkim::sign`] and publishes
//! [`dkim::SigningKey::dns_record`] in its zone; a forwarder rewrites the
//! envelope sender with [`srs::forward`].
//!
//! Every verdict carries a plain-English `reason` and the RFC section that
//! explains it, for the simulator's timeline. Nothing here panics on any
//! input: a malformed record or signature is a verdict (`permerror`), never
//! a Rust error.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod dkim;
pub mod dmarc;
mod dns;
mod mail;
pub mod results;
pub mod spf;
pub mod srs;

pub use dns::{AddressAnswer, Lookup, MxAnswer, TxtAnswer};
