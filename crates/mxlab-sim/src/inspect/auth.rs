//! A message's authentication, host by host: each SPF, DKIM and DMARC
//! verdict a receiving host took on it, and the header fields it wrote,
//! for the message inspector.

use crate::time::SimTime;
use crate::trace::{AuthCheck, EventKind, Trace};

/// One verdict, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthVerdict {
    /// Which check.
    pub check: AuthCheck,
    /// `pass`, `fail`, `none`, ...
    pub result: String,
    /// The domain checked.
    pub domain: String,
    /// What the host does (DMARC): `none`, `quarantine`, `reject`.
    pub action: String,
    /// Why, for people.
    pub explanation: String,
    /// The RFC section behind it.
    pub rfc: String,
}

/// The checks one host made on the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthStep {
    /// The host that checked.
    pub host: String,
    /// The client it received the message from.
    pub client: String,
    /// When.
    pub at: SimTime,
    /// SPF, then each DKIM signature, then DMARC.
    pub verdicts: Vec<AuthVerdict>,
    /// `Authentication-Results:` and `Received-SPF:` as the host wrote them.
    pub headers: String,
}

impl AuthStep {
    /// Whether the host refused the message (DMARC `reject`).
    pub fn refused(&self) -> bool {
        self.verdicts
            .iter()
            .any(|v| v.check == AuthCheck::Dmarc && v.action == "reject")
    }
}

/// Every host's checks on message `id`, in the order they were made.
pub fn auth_steps(trace: &Trace, id: &str) -> Vec<AuthStep> {
    let mut steps: Vec<AuthStep> = Vec::new();
    for e in trace {
        let EventKind::Auth {
            check,
            result,
            domain,
            action,
            headers,
        } = &e.kind
        else {
            continue;
        };
        if e.message.as_deref() != Some(id) {
            continue;
        }
        let host = e.hosts.first().map(|h| h.to_string()).unwrap_or_default();
        // SPF opens a host's checks (it is always taken first).
        if *check == AuthCheck::Spf || steps.last().is_none_or(|s| s.host != host) {
            steps.push(AuthStep {
                client: e.hosts.get(1).map(|h| h.to_string()).unwrap_or_default(),
                host,
                at: e.at,
                verdicts: Vec::new(),
                headers: String::new(),
            });
        }
        if let Some(step) = steps.last_mut() {
            step.verdicts.push(AuthVerdict {
                check: *check,
                result: result.to_string(),
                domain: domain.to_string(),
                action: action.to_string(),
                explanation: e.explanation().into_owned(),
                rfc: e.rfc().into_owned(),
            });
            if !headers.is_empty() {
                step.headers = headers.to_string();
            }
        }
    }
    steps
}
