//! SPF, the Sender Policy Framework (RFC 7208): may this client send mail
//! for the domain in MAIL FROM (or, for a bounce, in HELO)?
//!
//! [`check_host`] is the function of RFC 7208 §4: it fetches the domain's
//! `v=spf1` record through the caller's [`Lookup`], evaluates its terms left
//! to right against the client's address, and returns an [`SpfVerdict`]
//! with a sentence saying why.

mod eval;
mod macros;
mod record;
#[cfg(test)]
mod tests;

use std::net::IpAddr;

use crate::Lookup;

/// The result of an SPF check (RFC 7208 §2.6), as written in
/// `Authentication-Results` and `Received-SPF`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpfResult {
    /// No SPF record, or no valid domain to check (§2.6.1).
    None,
    /// The domain makes no assertion about the client (§2.6.2).
    Neutral,
    /// The client is authorized (§2.6.3).
    Pass,
    /// The client is not authorized (§2.6.4).
    Fail,
    /// The client is probably not authorized; accept, but mark (§2.6.5).
    SoftFail,
    /// A transient DNS error; try again later (§2.6.6).
    TempError,
    /// The domain's records could not be interpreted (§2.6.7).
    PermError,
}

impl SpfResult {
    /// The result's name as in `Authentication-Results` (RFC 8601 §2.7.2)
    /// and `Received-SPF` (RFC 7208 §9.1): "pass", "softfail", "temperror", ...
    pub fn as_str(self) -> &'static str {
        match self {
            SpfResult::None => "none",
            SpfResult::Neutral => "neutral",
            SpfResult::Pass => "pass",
            SpfResult::Fail => "fail",
            SpfResult::SoftFail => "softfail",
            SpfResult::TempError => "temperror",
            SpfResult::PermError => "permerror",
        }
    }

    /// The RFC 7208 section that defines the result.
    fn section(self) -> &'static str {
        match self {
            SpfResult::None => "RFC 7208 §2.6.1",
            SpfResult::Neutral => "RFC 7208 §2.6.2",
            SpfResult::Pass => "RFC 7208 §2.6.3",
            SpfResult::Fail => "RFC 7208 §2.6.4",
            SpfResult::SoftFail => "RFC 7208 §2.6.5",
            SpfResult::TempError => "RFC 7208 §2.6.6",
            SpfResult::PermError => "RFC 7208 §2.6.7",
        }
    }
}

impl std::fmt::Display for SpfResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which identity was checked (RFC 7208 §2.3, §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpfIdentity {
    /// The MAIL FROM address (RFC 7208 §2.4).
    MailFrom,
    /// The HELO/EHLO name, for a null reverse-path (RFC 7208 §2.3).
    Helo,
}

impl SpfIdentity {
    /// The `Authentication-Results` property for the identity (RFC 8601 §2.7.2):
    /// "mailfrom" or "helo".
    pub fn as_str(self) -> &'static str {
        match self {
            SpfIdentity::MailFrom => "mailfrom",
            SpfIdentity::Helo => "helo",
        }
    }
}

/// What [`check_host`] decided, and why (RFC 7208 §2.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpfVerdict {
    /// The result.
    pub result: SpfResult,
    /// The identity that was checked.
    pub identity: SpfIdentity,
    /// The domain whose policy was evaluated (MAIL FROM's domain, or the HELO name when MAIL FROM is null).
    pub domain: String,
    /// The sender as checked (`postmaster@<helo>` for a null reverse-path, RFC 7208 §2.4).
    pub sender: String,
    /// The term that decided, e.g. "ip4:192.0.2.0/24", "-all", "include:_spf.example", or None (default result / no record).
    pub mechanism: Option<String>,
    /// DNS queries counted against the limit of 10 (§4.6.4).
    pub lookups: u32,
    /// One plain-English sentence saying why, for a student (e.g. "192.0.2.9 is not among the addresses bank.example allows to send its mail (its policy ends in -all)").
    pub reason: String,
    /// The RFC section that explains the result, e.g. "RFC 7208 §2.6.4".
    pub rfc: &'static str,
}

/// check_host() of RFC 7208 §4 for the MAIL FROM identity (or HELO when
/// mail_from is empty).
///
/// `mail_from` may be given with or without angle brackets; an empty one
/// (`""` or `"<>"`) checks `postmaster@<helo>` instead (§2.4), and a sender
/// without a local part gets "postmaster" (§4.3). An IPv4-mapped IPv6
/// client address (`::ffff:192.0.2.1`) is checked as the IPv4 address it
/// carries.
///
/// Two simplifications, both allowed by the RFC: the `ptr` mechanism
/// (§5.5, "SHOULD NOT be used") counts one DNS lookup but never matches,
/// because the [`Lookup`] has no reverse zone; and `exp=` (§6.2) is checked
/// for syntax but its explanation is not fetched, since it never changes
/// the result.
pub fn check_host(lookup: &dyn Lookup, ip: IpAddr, helo: &str, mail_from: &str) -> SpfVerdict {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    let helo = helo.trim().trim_end_matches('.');
    let mail_from = mail_from.trim();
    let mail_from = mail_from
        .strip_prefix('<')
        .and_then(|m| m.strip_suffix('>'))
        .unwrap_or(mail_from);
    let (identity, local, domain) = if mail_from.is_empty() {
        (
            SpfIdentity::Helo,
            "postmaster".to_string(),
            helo.to_string(),
        )
    } else {
        match mail_from.rsplit_once('@') {
            Some((local, domain)) => {
                let local = if local.is_empty() {
                    "postmaster"
                } else {
                    local
                };
                (SpfIdentity::MailFrom, local.to_string(), domain.to_string())
            }
            None => (
                SpfIdentity::MailFrom,
                "postmaster".to_string(),
                mail_from.to_string(),
            ),
        }
    };
    let domain = domain.trim_end_matches('.').to_string();
    let sender = format!("{local}@{domain}");
    let mut run = eval::Run::new(lookup, ip, helo, &sender, &local, &domain);
    let outcome = run.check_host(&domain);
    let lookups = run.lookups();
    eval::verdict(outcome, identity, &domain, &sender, ip, lookups)
}
