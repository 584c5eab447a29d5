//! What each kind of event means, in a sentence, with its RFC section.

use std::borrow::Cow;

use super::{AbortCause, AuthCheck, ConnectFailure, DsnAction, EventKind, QueryType};
use crate::scenario::{SMTP_PORT, SUBMISSIONS_PORT, SUBMISSION_PORT};

/// The default explanation and RFC section of an event kind.
pub fn explain(kind: &EventKind) -> (Cow<'static, str>, &'static str) {
    match kind {
        EventKind::Connect { port, .. } => match *port {
            SMTP_PORT => (
                "TCP connection to port 25, where MTAs relay; the server speaks first".into(),
                "RFC 5321 §3.1",
            ),
            SUBMISSION_PORT => (
                "TCP connection to port 587, message submission; the server speaks first".into(),
                "RFC 6409 §3.1",
            ),
            SUBMISSIONS_PORT => (
                "TCP connection to port 465, submission with implicit TLS: the TLS handshake comes first, then the server greets".into(),
                "RFC 8314 §3.3",
            ),
            _ => (
                format!("TCP connection to port {port}; the server speaks first").into(),
                "RFC 5321 §3.1",
            ),
        },
        EventKind::ConnectFailed { reason } => (
            match reason {
                ConnectFailure::Refused => "connection refused: try the next MX, or requeue".into(),
                ConnectFailure::Timeout => "no answer before the connect timeout: try the next MX, or requeue".into(),
                ConnectFailure::Lost => "the link lost the connection attempt".into(),
                ConnectFailure::NoAddress => "the exchange has no address record".into(),
            },
            "RFC 5321 §5.1",
        ),
        EventKind::Close { .. } => ("connection closed".into(), "RFC 5321 §3.8"),
        EventKind::Abort { cause, detail, .. } => match cause {
            AbortCause::Reset => (
                format!("connection reset ({detail}): what the server had not answered does not count").into(),
                "RFC 5321 §3.8",
            ),
            AbortCause::Timeout => (
                format!("the client gave up waiting ({detail}) and closed the connection").into(),
                "RFC 5321 §4.5.3.2",
            ),
        },
        EventKind::Command { .. } => ("a line from the SMTP client".into(), "RFC 5321 §4.1"),
        EventKind::Reply { .. } => ("a reply line from the SMTP server".into(), "RFC 5321 §4.2"),
        EventKind::TlsUpgrade { ok, .. } => (
            if *ok {
                "TLS established; the session starts over with EHLO".into()
            } else {
                "the TLS handshake failed".into()
            },
            "RFC 3207 §4.2",
        ),
        EventKind::DnsQuery { name, qtype: QueryType::Txt } => txt_query(name),
        EventKind::DnsQuery { name, qtype } => (
            format!("asks the resolver for the {} records of {name}", qtype.as_str()).into(),
            "RFC 5321 §5.1",
        ),
        EventKind::DnsAnswer { name, qtype, .. } => (
            format!("the resolver answers for {name}").into(),
            match qtype {
                QueryType::Txt => "RFC 1035 §3.3.14",
                _ => "RFC 1035 §3.3.9",
            },
        ),
        EventKind::Enqueue { .. } => ("the message enters the queue; the host is now responsible for it".into(), "RFC 5321 §6.1"),
        EventKind::Attempt {
            target,
            port,
            attempt,
            ..
        } => (
            format!("delivery attempt {attempt} to {target}, port {port}").into(),
            "RFC 5321 §4.5.4.1",
        ),
        EventKind::Defer { next_attempt, .. } => (
            format!("temporary failure: the recipient stays queued until {next_attempt}").into(),
            "RFC 5321 §4.5.4.1",
        ),
        EventKind::Deliver { duplicate, .. } => (
            if *duplicate {
                "delivered again: the reply to the final dot was lost, so the sender retried (the RFC 1047 duplicate)".into()
            } else {
                "delivered".into()
            },
            if *duplicate { "RFC 1047" } else { "RFC 5321 §6.1" },
        ),
        EventKind::Bounce { .. } => ("permanent failure: the recipient is bounced".into(), "RFC 5321 §6.1"),
        EventKind::DsnSent { action, .. } => (
            match action {
                DsnAction::Failed => "a delivery status notification goes back to the envelope sender, from the null reverse-path <>".into(),
                DsnAction::Delayed => "a delay warning goes back to the envelope sender".into(),
                other => format!("a delivery status notification ({}) goes back to the envelope sender", other.as_str()).into(),
            },
            "RFC 3464 §2",
        ),
        EventKind::Auth { check, result, domain, .. } => (
            format!("{} for {domain}: {result}", check.label()).into(),
            match check {
                AuthCheck::Spf => "RFC 7208 §2.6",
                AuthCheck::Dkim => "RFC 6376 §6",
                AuthCheck::Dmarc => "RFC 7489 §6.6",
            },
        ),
        EventKind::FaultOn { .. } => ("a fault starts".into(), "MX Lab"),
        EventKind::FaultOff { .. } => ("the fault ends".into(), "MX Lab"),
    }
}

/// A verifier's TXT question, by what it asks for: a DMARC policy, a DKIM
/// key, or an SPF policy.
fn txt_query(name: &str) -> (Cow<'static, str>, &'static str) {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("_dmarc.") {
        (
            format!("asks the resolver for the DMARC policy at {name}").into(),
            "RFC 7489 §6.6.3",
        )
    } else if lower.contains("._domainkey.") {
        (
            format!("asks the resolver for the DKIM key at {name}").into(),
            "RFC 6376 §3.6.2.2",
        )
    } else {
        (
            format!("asks the resolver for the SPF policy of {name} (its TXT records)").into(),
            "RFC 7208 §4.4",
        )
    }
}
