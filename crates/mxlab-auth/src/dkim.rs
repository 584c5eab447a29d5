//! DKIM, DomainKeys Identified Mail (RFC 6376, with Ed25519 from RFC 8463
//! and the algorithm rules of RFC 8301): a domain signs a message, and any
//! receiver checks the signature against the public key the domain
//! publishes in the DNS.
//!
//! [`sign`] makes a `DKIM-Signature` field with a [`Signer`]; [`verify`]
//! checks every signature of a received message and says, for each, why it
//! passes or fails.

mod canon;
mod key;
mod sign;
#[cfg(test)]
mod tests;
mod verify;

pub use key::{KeyError, SigningKey};
pub use sign::{sign, Signer};
pub use verify::verify;

/// A DKIM signing algorithm MX Lab signs with (RFC 8463 §3, RFC 6376 §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// Ed25519 over the SHA-256 hash (RFC 8463 §3).
    Ed25519Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 6376 §3.3.1).
    RsaSha256,
}

impl Algorithm {
    /// The `a=` value: "ed25519-sha256" / "rsa-sha256" (RFC 8463 §3, RFC 6376 §3.5).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Ed25519Sha256 => "ed25519-sha256",
            Algorithm::RsaSha256 => "rsa-sha256",
        }
    }

    /// The key type, `k=` in the key record (RFC 6376 §3.6.1, RFC 8463 §4).
    pub fn key_type(self) -> &'static str {
        match self {
            Algorithm::Ed25519Sha256 => "ed25519",
            Algorithm::RsaSha256 => "rsa",
        }
    }
}

/// The result of checking one signature, as in `Authentication-Results`
/// (RFC 8601 §2.7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DkimResult {
    /// The message was not signed.
    None,
    /// The signature checks.
    Pass,
    /// The signature does not check: the message changed, or the key is not the signer's.
    Fail,
    /// The signature could not be processed for a reason that is not a failure.
    Neutral,
    /// The key could not be fetched for now.
    TempError,
    /// The signature or its key record is unusable.
    PermError,
    /// The signature checks but is not acceptable to the receiver's policy.
    Policy,
}

impl DkimResult {
    /// The result's name as in `Authentication-Results` (RFC 8601 §2.7.1).
    pub fn as_str(self) -> &'static str {
        match self {
            DkimResult::None => "none",
            DkimResult::Pass => "pass",
            DkimResult::Fail => "fail",
            DkimResult::Neutral => "neutral",
            DkimResult::TempError => "temperror",
            DkimResult::PermError => "permerror",
            DkimResult::Policy => "policy",
        }
    }
}

impl std::fmt::Display for DkimResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What [`verify`] decided about one DKIM-Signature field, and why (RFC 6376 §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkimVerdict {
    /// The result.
    pub result: DkimResult,
    /// d= (empty if the signature could not be parsed)
    pub domain: String,
    /// s= (empty if the signature could not be parsed).
    pub selector: String,
    /// a=, as written (lower-case).
    pub algorithm: String,
    /// The first 8 characters of b=, for Authentication-Results' header.b (RFC 6008).
    pub b_prefix: String,
    /// Plain-English reason, e.g. "the body changed after signing: its hash no longer matches bh=" or "signed by bank.example with key s1, and the signature checks".
    pub reason: String,
    /// The RFC section that explains the result.
    pub rfc: &'static str,
}
