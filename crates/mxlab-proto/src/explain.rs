//! Plain-English explanations, for the UI's hover text.
//!
//! Every reply code, enhanced status code, session state, command verb and
//! EHLO keyword maps to a one-line [`Explanation`]: what it means, what it
//! does to the client, and the RFC section where the rule lives. Lookups
//! are total and never panic; unknown inputs get a fallback text (reply
//! codes, enhanced details) or `None` (unknown verbs and keywords).
//!
//! Sources: RFC 5321 (SMTP), RFC 3463 and the IANA "SMTP Enhanced Status
//! Codes" registry (RFC 5248), and the RFCs of the extensions named on each
//! entry.
//!
//! One room per kind of thing explained, re-exported here: `reply` (reply
//! codes), `enhanced` (enhanced status codes), `state` (session states),
//! `verbs` (command verbs and EHLO keywords).

mod enhanced;
mod reply;
mod state;
mod verbs;

pub use enhanced::{enhanced, enhanced_class};
pub use reply::reply;
pub use state::{client_state, server_state};
pub use verbs::{command, extension};

/// A plain-English explanation and where the rule lives.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Explanation {
    /// One line for a learner: the meaning and its consequence.
    pub text: &'static str,
    /// Where the rule lives, e.g. `"RFC 5321 §4.2.3"`.
    pub rfc: &'static str,
}

const fn ex(text: &'static str, rfc: &'static str) -> Explanation {
    Explanation { text, rfc }
}

/// Every explanation is one non-empty line with an RFC reference (the
/// tests of every room check theirs with it).
#[cfg(test)]
fn well_formed(e: Explanation) {
    assert!(!e.text.trim().is_empty(), "{e:?}");
    assert!(e.rfc.starts_with("RFC "), "{e:?}");
    assert!(!e.text.contains('\n'), "one line: {e:?}");
}
