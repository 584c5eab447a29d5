//! [`Diagnostic`]: an SMTP-style outcome (reply code, enhanced status code,
//! text, RFC reference), used for deferrals, bounces and DSNs.

use core::fmt;

use serde::{Deserialize, Serialize};

/// Why a recipient was deferred or bounced, in SMTP's own terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// The reply code (e.g. 556).
    pub code: u16,
    /// The RFC 3463 enhanced status code (e.g. `5.1.10`).
    pub enhanced: String,
    /// A plain-English explanation.
    pub text: String,
    /// Where the rule comes from (e.g. `RFC 7505 §4.1`).
    pub rfc: String,
    /// The server whose reply this is, when a remote server gave it (not
    /// set for what the sending host found out itself: a refused
    /// connection, a timeout, an expired queue lifetime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
}

impl Diagnostic {
    /// A diagnostic.
    pub fn new(code: u16, enhanced: &str, text: &str, rfc: &str) -> Self {
        Diagnostic {
            code,
            enhanced: enhanced.to_owned(),
            text: text.to_owned(),
            rfc: rfc.to_owned(),
            remote: None,
        }
    }

    /// This diagnostic as the reply of the server `remote`.
    pub fn from_server(mut self, remote: &str) -> Self {
        self.remote = Some(remote.to_owned());
        self
    }

    /// Whether this is a permanent failure (5xx): bounce, do not retry.
    pub fn is_permanent(&self) -> bool {
        (500..600).contains(&self.code)
    }

    /// Whether this is a temporary failure (4xx): keep queued, retry.
    pub fn is_temporary(&self) -> bool {
        (400..500).contains(&self.code)
    }

    /// The SMTP reply a server gives for it (the enhanced code left out
    /// when it does not parse).
    pub fn reply(&self) -> mxlab_proto::reply::Reply {
        use mxlab_proto::reply::{EnhancedCode, Reply};
        match EnhancedCode::parse(&self.enhanced) {
            Some(e) => Reply::enhanced(self.code, e, self.text.clone()),
            None => Reply::new(self.code, self.text.clone()),
        }
    }
}

/// A host's decision as the server session takes it: accept, or refuse
/// with the diagnostic's reply.
pub fn server_decision(result: &Result<(), Diagnostic>) -> mxlab_proto::server::Decision {
    match result {
        Ok(()) => mxlab_proto::server::Decision::Accept,
        Err(d) => mxlab_proto::server::Decision::Reject(d.reply()),
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} ({})",
            self.code, self.enhanced, self.text, self.rfc
        )
    }
}
