//! What a DSN reports, read from the trace: the per-recipient fields of
//! RFC 3464 (action, recipient, diagnostic), without parsing its text.

use mxlab_proto::message::{Dsn, DsnKind};

use crate::diagnostic::Diagnostic;
use crate::engine::dsn::recipient;
use crate::time::SimTime;
use crate::trace::{DsnAction, EventKind, Trace};

/// What a DSN reports (RFC 3464 per-recipient fields).
#[derive(Debug, Clone, PartialEq)]
pub struct DsnReport {
    /// The message it reports on.
    pub original: String,
    /// Its recipient: the original envelope sender.
    pub to: String,
    /// The host that sent it.
    pub reporting: String,
    /// Failed or delayed.
    pub action: DsnAction,
    /// When it was sent.
    pub at: SimTime,
    /// Each recipient reported, with its diagnostic.
    pub recipients: Vec<(String, Diagnostic)>,
}

impl DsnReport {
    /// Its delivery-status fields as the DSN itself carries them (RFC
    /// 3464 §2.2 and §2.3, written by the protocol core as the engine
    /// writes the DSN): `Reporting-MTA`, then for each recipient its
    /// `Final-Recipient`, `Action`, `Status`, `Remote-MTA`,
    /// `Diagnostic-Code` and `Last-Attempt-Date`; lines end in `\n`.
    pub fn fields(&self) -> String {
        let dsn = Dsn {
            kind: match self.action {
                DsnAction::Delayed => DsnKind::Delay,
                _ => DsnKind::Failure,
            },
            reporting_mta: self.reporting.clone(),
            postmaster: String::new(),
            to: self.to.clone(),
            envelope_id: None,
            arrival_unix: None,
            unix_secs: 0,
            message_id: String::new(),
            recipients: self
                .recipients
                .iter()
                .map(|(rcpt, d)| recipient(rcpt, d, self.action, self.at))
                .collect(),
            original: Vec::new(),
            return_full: false,
        };
        dsn.status_part().replace("\r\n", "\n")
    }
}

/// The report of the DSN with message id `id`, if it is one: the
/// failures (or deferrals, for a delay warning) of its original message
/// recorded on the reporting host before it was sent, one per recipient.
pub fn dsn_report(trace: &Trace, id: &str) -> Option<DsnReport> {
    let (i, sent) = trace.without_lines().find(
        |(_, e)| matches!(&e.kind, EventKind::DsnSent { dsn_message, .. } if dsn_message == id),
    )?;
    let EventKind::DsnSent { action, to, .. } = &sent.kind else {
        return None;
    };
    let original = sent.message.as_deref().unwrap_or_default();
    let reporting = sent.hosts.first().map(|h| h.as_str()).unwrap_or_default();
    let mut recipients: Vec<(String, Diagnostic)> = Vec::new();
    // The failures it reports were recorded on the same host, just before.
    for (_, e) in trace.without_lines().take_while(|(j, _)| *j < i) {
        if e.message.as_deref() != Some(original) || e.hosts.first().is_none_or(|h| h != reporting)
        {
            continue;
        }
        let diagnostic = match (&e.kind, action) {
            (EventKind::Bounce { diagnostic }, DsnAction::Failed)
            | (EventKind::Defer { diagnostic, .. }, DsnAction::Delayed) => diagnostic,
            _ => continue,
        };
        let recipient = e.recipient.as_deref().unwrap_or_default();
        // The latest diagnostic of each recipient, in the order of their
        // latest.
        recipients.retain(|(r, _)| r != recipient);
        recipients.push((recipient.to_string(), (**diagnostic).clone()));
    }
    recipients.reverse();
    Some(DsnReport {
        original: original.to_string(),
        to: to.to_string(),
        reporting: reporting.to_string(),
        action: *action,
        at: sent.at,
        recipients,
    })
}
