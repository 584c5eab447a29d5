//! Mail authentication in a host's policy: which domains it DKIM-signs
//! for (RFC 6376), whether it checks SPF, DKIM and DMARC on mail it
//! receives (RFC 7208, RFC 7489), and whether it rewrites the envelope
//! sender of mail it forwards (SRS).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::validate::{is_domain, is_mailbox, Problems};
use super::{Node, Scenario};

/// A host's mail authentication.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AuthPolicy {
    /// Sign mail whose `From:` is at one of these domains as it is
    /// accepted from a client this host relays for (a submission server or
    /// an outbound relay, as OpenDKIM signs behind Postfix).
    pub dkim_sign: Vec<DkimSign>,
    /// Check SPF, DKIM and DMARC at the end of DATA, add
    /// `Authentication-Results:` and `Received-SPF:`, and act on the
    /// sender domain's DMARC policy: file as junk (`quarantine`) or refuse
    /// with 550 5.7.1 (`reject`). Mail from authenticated clients is not
    /// checked.
    pub verify: bool,
    /// Rewrite the envelope sender of forwarded mail with the Sender
    /// Rewriting Scheme, so that SPF at the next hop checks this host's
    /// domain instead of the original sender's.
    pub srs: bool,
}

impl AuthPolicy {
    /// Whether the policy does nothing.
    pub fn is_empty(&self) -> bool {
        self.dkim_sign.is_empty() && !self.verify && !self.srs
    }
}

/// One domain a host signs for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DkimSign {
    /// The signing domain (`d=`): mail whose `From:` is at this domain or
    /// below it is signed.
    pub domain: String,
    /// The selector (`s=`): the key is published at
    /// `<selector>._domainkey.<domain>`.
    pub selector: String,
    /// `ed25519` (RFC 8463) or `rsa` (rsa-sha256, RFC 6376).
    #[serde(default)]
    pub algorithm: DkimAlgorithm,
    /// The private key in base64 (PKCS#8, or 32 raw bytes for Ed25519).
    /// When absent, a key is derived from the scenario's seed, domain and
    /// selector, and its public half is published in the zone unless the
    /// zone has a record at that name already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
}

/// A mailing list (a mailbox's `list`): each message that arrives is sent
/// on to the members from the list's own envelope sender
/// (`<local>-bounces@<domain>`, where its bounces come back), with the
/// changes a list server makes. A tag in the subject or a footer breaks
/// the author's DKIM signature (RFC 6376 §4.4: the signed fields and body
/// must arrive unchanged); `rewrite_from` is the list's answer to DMARC
/// (Mailman's "munge From"): the list writes its own address into `From:`
/// and the author's into `Reply-To:`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MailingList {
    /// Who receives what the list receives.
    pub members: Vec<String>,
    /// Put in front of the subject, e.g. `[team]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_tag: Option<String>,
    /// Added at the end of the body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub footer: Option<String>,
    /// Write the list's address into `From:` (and the author's into
    /// `Reply-To:`), so that DMARC judges the list's domain.
    #[serde(skip_serializing_if = "core::ops::Not::not")]
    pub rewrite_from: bool,
}

/// A DKIM signing algorithm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DkimAlgorithm {
    /// ed25519-sha256 (RFC 8463).
    #[default]
    Ed25519,
    /// rsa-sha256 (RFC 6376), a 1024-bit key when derived.
    Rsa,
}

impl DkimAlgorithm {
    /// The algorithm as the auth crate names it.
    pub fn to_auth(self) -> mxlab_auth::dkim::Algorithm {
        match self {
            DkimAlgorithm::Ed25519 => mxlab_auth::dkim::Algorithm::Ed25519Sha256,
            DkimAlgorithm::Rsa => mxlab_auth::dkim::Algorithm::RsaSha256,
        }
    }
}

/// Whether `s` is a DNS owner name: labels of 1..=63 octets of letters,
/// digits, hyphens and underscores (`_dmarc`, `s1._domainkey`; RFC 2181
/// §11 allows any octet, the zone allows what records use).
pub(crate) fn is_owner_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Whether `s` is a selector: one or more labels as in a host name.
fn is_selector(s: &str) -> bool {
    is_domain(s)
}

/// The longest TXT record the zone takes (several 255-octet strings
/// joined, as a DKIM RSA key needs).
pub(crate) const MAX_TXT: usize = 4096;

impl Scenario {
    pub(super) fn check_auth(&self, p: &mut Problems) {
        for (i, d) in self.dns.domains.iter().enumerate() {
            for (j, t) in d.txt.iter().enumerate() {
                if t.len() > MAX_TXT {
                    p.push(
                        format!("dns.domains[{i}].txt[{j}]"),
                        format!("a TXT record of at most {MAX_TXT} characters"),
                    );
                } else if !t.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
                    p.push(
                        format!("dns.domains[{i}].txt[{j}]"),
                        "expected printable ASCII (a TXT record, such as v=spf1 -all)",
                    );
                }
            }
        }
        for (i, node) in self.nodes.iter().enumerate() {
            check_node(p, i, node);
        }
    }
}

fn check_node(p: &mut Problems, i: usize, node: &Node) {
    let path = format!("nodes[{i}].policy");
    for (j, m) in node.policy.mailboxes.iter().enumerate() {
        if let Some(l) = &m.list {
            let lpath = format!("{path}.mailboxes[{j}].list");
            if m.forward_to.is_some() {
                p.push(
                    lpath.clone(),
                    "a mailbox is either a list or forwards (forward_to), not both",
                );
            }
            if l.members.is_empty() {
                p.push(
                    format!("{lpath}.members"),
                    "expected at least one member address",
                );
            }
            for (k, a) in l.members.iter().enumerate() {
                if !is_mailbox(a) {
                    p.push(
                        format!("{lpath}.members[{k}]"),
                        "expected an address local@domain",
                    );
                } else if a.eq_ignore_ascii_case(&m.address) {
                    p.push(
                        format!("{lpath}.members[{k}]"),
                        "a list cannot be its own member",
                    );
                }
            }
            for (field, text) in [("subject_tag", &l.subject_tag), ("footer", &l.footer)] {
                if text.as_ref().is_some_and(|t| t.len() > 1000) {
                    p.push(format!("{lpath}.{field}"), "at most 1000 characters");
                }
            }
        }
        if let Some(f) = &m.forward_to {
            if !is_mailbox(f) {
                p.push(
                    format!("{path}.mailboxes[{j}].forward_to"),
                    "expected the address to forward to, local@domain",
                );
            } else if f.eq_ignore_ascii_case(&m.address) {
                p.push(
                    format!("{path}.mailboxes[{j}].forward_to"),
                    "a mailbox cannot forward to itself",
                );
            }
        }
    }
    let Some(auth) = &node.policy.auth else {
        return;
    };
    for (j, s) in auth.dkim_sign.iter().enumerate() {
        let spath = format!("{path}.auth.dkim_sign[{j}]");
        if !is_domain(&s.domain) {
            p.push(
                format!("{spath}.domain"),
                "expected the signing domain, such as example.org",
            );
        }
        if !is_selector(&s.selector) {
            p.push(
                format!("{spath}.selector"),
                "expected a selector such as s1 or mail2026 (letters, digits, hyphens)",
            );
        }
        if let Some(k) = &s.private_key {
            // The key itself is read by the authentication module; where
            // it has not arrived yet (the web app), at least its base64.
            let problem = match crate::auth::provider() {
                Some(a) => (a.key_problem)(s.algorithm, k),
                None => base64_problem(k),
            };
            if let Some(e) = problem {
                p.push(format!("{spath}.private_key"), e);
            }
        }
        if let Some(first) = auth.dkim_sign[..j]
            .iter()
            .position(|o| o.domain.eq_ignore_ascii_case(&s.domain))
        {
            p.push(
                format!("{spath}.domain"),
                format!(
                    "this host signs for `{}` already (dkim_sign[{first}])",
                    s.domain
                ),
            );
        }
    }
}

/// Whether `text` (PEM armour and whitespace aside) is base64 at all.
fn base64_problem(text: &str) -> Option<String> {
    use base64::Engine as _;
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .err()
        .map(|e| format!("expected a key in base64: {e}"))
}
