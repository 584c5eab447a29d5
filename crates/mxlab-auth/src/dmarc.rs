//! DMARC (RFC 7489): does the domain in the From field the reader sees
//! agree with a domain that SPF or DKIM authenticated, and what does that
//! domain ask a receiver to do when it does not?
//!
//! [`evaluate`] finds the From domain, discovers its policy in the DNS,
//! checks the alignment of the SPF and DKIM results it is given, and applies
//! the policy's `pct` with a roll the caller draws.

#[cfg(test)]
mod tests;

use crate::dkim::{DkimResult, DkimVerdict};
use crate::spf::{SpfResult, SpfVerdict};
use crate::{mail, Lookup, TxtAnswer};

/// The result of a DMARC evaluation, as in `Authentication-Results`
/// (RFC 7489 §11.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DmarcResult {
    /// The From domain publishes no DMARC policy.
    None,
    /// An aligned SPF or DKIM pass.
    Pass,
    /// Neither SPF nor DKIM passed for an aligned domain.
    Fail,
    /// The policy could not be fetched for now.
    TempError,
    /// The message cannot be evaluated (no single From domain).
    PermError,
}

impl DmarcResult {
    /// The result's name: "none", "pass", "fail", "temperror", "permerror".
    pub fn as_str(self) -> &'static str {
        match self {
            DmarcResult::None => "none",
            DmarcResult::Pass => "pass",
            DmarcResult::Fail => "fail",
            DmarcResult::TempError => "temperror",
            DmarcResult::PermError => "permerror",
        }
    }
}

impl std::fmt::Display for DmarcResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a domain asks receivers to do with mail that fails DMARC (RFC 7489 §6.3, p=).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// Deliver as usual (monitoring only).
    None,
    /// Treat as suspicious: deliver to the spam folder.
    Quarantine,
    /// Refuse the message during the SMTP transaction.
    Reject,
}

impl Disposition {
    /// "none", "quarantine" or "reject", as in p= (RFC 7489 §6.3).
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::None => "none",
            Disposition::Quarantine => "quarantine",
            Disposition::Reject => "reject",
        }
    }

    fn parse(text: &str) -> Option<Disposition> {
        match text.trim() {
            "none" => Some(Disposition::None),
            "quarantine" => Some(Disposition::Quarantine),
            "reject" => Some(Disposition::Reject),
            _ => None,
        }
    }

    /// One step gentler, for a message outside `pct` (RFC 7489 §6.6.4).
    fn gentler(self) -> Disposition {
        match self {
            Disposition::Reject => Disposition::Quarantine,
            _ => Disposition::None,
        }
    }
}

/// What [`evaluate`] decided, and why (RFC 7489 §6.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DmarcVerdict {
    /// The result.
    pub result: DmarcResult,
    /// RFC5322.From's domain (empty if the message has no single From domain, which is itself a reason).
    pub from_domain: String,
    /// The published policy that applies (p=, or sp= for a subdomain), None without a record.
    pub policy: Option<Disposition>,
    /// What the receiver should do: the policy when result is Fail and the pct roll falls inside pct=, else Disposition::None (when the roll falls outside pct, quarantine→none and reject→quarantine, RFC 7489 §6.6.4).
    pub disposition: Disposition,
    /// Whether SPF passed for a domain aligned with the From domain (RFC 7489 §3.1.2).
    pub spf_aligned: bool,
    /// Whether a DKIM signature passed for a domain aligned with the From domain (RFC 7489 §3.1.1).
    pub dkim_aligned: bool,
    /// One plain-English sentence (or two) saying why.
    pub reason: String,
    /// The RFC section that explains the result.
    pub rfc: &'static str,
}

/// Two-label public suffixes MX Lab knows besides single labels.
const TWO_LABEL_SUFFIXES: [&str; 11] = [
    "co.uk", "org.uk", "ac.uk", "com.au", "net.au", "org.au", "co.jp", "ne.jp", "com.br", "co.nz",
    "co.za",
];

/// The Organizational Domain (RFC 7489 §3.2). MX Lab's scenarios use reserved names (example, test, invalid, localhost), so the public suffix is the last label, plus this short list of two-label public suffixes: co.uk, org.uk, ac.uk, com.au, net.au, org.au, co.jp, ne.jp, com.br, co.nz, co.za; say so in the doc comment.
///
/// That is: the public suffix is the last label (`example`, `test`, `com`,
/// ...) unless the name ends in one of those two-label suffixes, and the
/// Organizational Domain is the suffix plus one more label. No full Public
/// Suffix List is consulted. The result is lower-case, without a trailing
/// dot; a name that is itself a public suffix is returned unchanged.
pub fn organizational_domain(domain: &str) -> String {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    let suffix_labels = if labels.len() >= 2
        && labels
            .get(labels.len() - 2..)
            .is_some_and(|tail| TWO_LABEL_SUFFIXES.contains(&tail.join(".").as_str()))
    {
        2
    } else {
        1
    };
    if labels.len() <= suffix_labels {
        return domain;
    }
    labels
        .get(labels.len() - suffix_labels - 1..)
        .map(|l| l.join("."))
        .unwrap_or(domain)
}

/// A parsed DMARC record (RFC 7489 §6.3).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    p: Disposition,
    sp: Option<Disposition>,
    strict_dkim: bool,
    strict_spf: bool,
    pct: u8,
}

/// Reads a DMARC record: None when it is not one (no leading v=DMARC1), or
/// when p= (or sp=) is invalid and no valid rua= saves it (§6.6.3 step 6).
fn parse_record(text: &str) -> Option<Record> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for spec in text.split(';') {
        let spec = spec.trim();
        if spec.is_empty() {
            continue;
        }
        let (name, value) = spec.split_once('=')?;
        tags.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let (first, version) = tags.first()?;
    if first != "v" || version != "DMARC1" {
        return None;
    }
    let get = |name: &str| {
        tags.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let p = get("p").and_then(|p| Disposition::parse(&p.to_ascii_lowercase()));
    let sp = match get("sp") {
        None => Some(None),
        Some(sp) => Disposition::parse(&sp.to_ascii_lowercase()).map(Some),
    };
    let (p, sp) = match (p, sp) {
        (Some(p), Some(sp)) => (p, sp),
        _ => {
            // "act as if a record containing p=none was retrieved" (§6.6.3).
            let rua_valid = get("rua").is_some_and(|rua| rua.split(',').any(valid_uri));
            if !rua_valid {
                return None;
            }
            (Disposition::None, None)
        }
    };
    let strict = |name: &str| get(name).is_some_and(|v| v.eq_ignore_ascii_case("s"));
    let pct = get("pct")
        .and_then(|v| v.parse::<u8>().ok())
        .filter(|&v| v <= 100)
        .unwrap_or(100);
    Some(Record {
        p,
        sp,
        strict_dkim: strict("adkim"),
        strict_spf: strict("aspf"),
        pct,
    })
}

/// A reporting URI as in rua= (RFC 7489 §6.2): a scheme, a colon, something.
fn valid_uri(uri: &str) -> bool {
    let uri = uri.trim();
    let Some((scheme, rest)) = uri.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        && !rest.trim().is_empty()
}

enum Discovery {
    Found(Record, String),
    NotFound,
    Temp(String),
}

/// Looks for exactly one DMARC record at `_dmarc.<domain>`.
fn fetch(lookup: &dyn Lookup, domain: &str) -> Discovery {
    let name = format!("_dmarc.{domain}");
    match lookup.txt(&name) {
        TxtAnswer::Records(records) => {
            let dmarc: Vec<&String> = records
                .iter()
                .filter(|r| r.trim_start().starts_with("v=DMARC1"))
                .collect();
            match dmarc.as_slice() {
                // Several records: "DMARC processing is not applied" (§6.6.3 step 5).
                [one] => match parse_record(one) {
                    Some(record) => Discovery::Found(record, domain.to_string()),
                    None => Discovery::NotFound,
                },
                _ => Discovery::NotFound,
            }
        }
        TxtAnswer::NoRecords | TxtAnswer::NxDomain => Discovery::NotFound,
        TxtAnswer::TempError => Discovery::Temp(name),
    }
}

fn aligned(authenticated: &str, from: &str, strict: bool) -> bool {
    let authenticated = authenticated.trim_end_matches('.').to_ascii_lowercase();
    if authenticated.is_empty() {
        return false;
    }
    if strict {
        authenticated == from
    } else {
        organizational_domain(&authenticated) == organizational_domain(from)
    }
}

/// The author domain of `message` (RFC 7489 §6.6.1): the domain of the
/// address in its one `From:` field, lower-case; `None` when there is no
/// such single domain (no From field, several, addresses in several
/// domains, or none usable). What DMARC protects, and what a signer signs
/// for.
pub fn author_domain(message: &[u8]) -> Option<String> {
    author(message).ok()
}

/// [`author_domain`], or why there is none, in words.
fn author(message: &[u8]) -> Result<String, String> {
    let message = mail::crlf(message);
    let (header, _) = mail::split(&message);
    let fields = mail::fields(header);
    let from_fields: Vec<_> = fields.iter().filter(|f| f.is("from")).collect();
    let from = match from_fields.as_slice() {
        [] => return Err("The message has no From field, so there is no author domain for DMARC to protect; such a message should be rejected.".to_string()),
        [one] => one.text(),
        _ => return Err(format!("The message has {} From fields; DMARC needs exactly one author domain, so it cannot be evaluated and the message should be rejected.", from_fields.len())),
    };
    let mut domains = mail::address_domains(&from);
    domains.dedup();
    match domains.as_slice() {
        [] => Err(
            "The From field holds no address, so there is no author domain for DMARC to check."
                .to_string(),
        ),
        [one] if one.is_empty() || !one.contains('.') => Err(format!(
            "The From field \"{from}\" has no usable domain, so DMARC cannot be evaluated."
        )),
        [one] => Ok(one.clone()),
        many => Err(format!("The From field names addresses in {} different domains ({}); DMARC cannot tell which one the reader trusts, so it cannot be evaluated.", many.len(), many.join(", "))),
    }
}

/// DMARC for `message`: From domain, policy discovery (`_dmarc.<from>` then `_dmarc.<org domain>`), alignment (adkim/aspf r|s) of SPF's domain (only when spf.result is Pass) and of each passing DKIM d=, pct applied with `pct_roll` (0..=99, drawn by the caller).
///
/// RFC 7489 §6.6: §6.6.1 (the From domain; a message with no From field,
/// several From fields or addresses in more than one domain gives
/// permerror), §6.6.3 (policy discovery; several records count as none),
/// §3.1 (alignment), §6.6.4 (pct). The message is sampled when
/// `pct_roll < pct`.
pub fn evaluate(
    message: &[u8],
    spf: &SpfVerdict,
    dkim: &[DkimVerdict],
    lookup: &dyn Lookup,
    pct_roll: u8,
) -> DmarcVerdict {
    let mut verdict = DmarcVerdict {
        result: DmarcResult::PermError,
        from_domain: String::new(),
        policy: None,
        disposition: Disposition::None,
        spf_aligned: false,
        dkim_aligned: false,
        reason: String::new(),
        rfc: "RFC 7489 §6.6.1",
    };
    let from_domain = match author(message) {
        Ok(d) => d,
        Err(reason) => {
            verdict.reason = reason;
            return verdict;
        }
    };
    verdict.from_domain = from_domain.clone();
    let org = organizational_domain(&from_domain);

    // §6.6.3: the From domain's record, then the Organizational Domain's.
    let mut discovery = fetch(lookup, &from_domain);
    if matches!(discovery, Discovery::NotFound) && org != from_domain {
        discovery = fetch(lookup, &org);
    }
    let (record, record_domain) = match discovery {
        Discovery::Found(record, domain) => (Some(record), domain),
        Discovery::NotFound => (None, String::new()),
        Discovery::Temp(name) => {
            verdict.result = DmarcResult::TempError;
            verdict.reason = format!("The DNS lookup of {name} failed for now, so the DMARC policy of {from_domain} is unknown; a receiver may answer 4xx and let the sender try again.");
            verdict.rfc = "RFC 7489 §6.6.3";
            return verdict;
        }
    };

    let strict_spf = record.as_ref().is_some_and(|r| r.strict_spf);
    let strict_dkim = record.as_ref().is_some_and(|r| r.strict_dkim);
    verdict.spf_aligned =
        spf.result == SpfResult::Pass && aligned(&spf.domain, &from_domain, strict_spf);
    let aligned_dkim = dkim
        .iter()
        .find(|d| d.result == DkimResult::Pass && aligned(&d.domain, &from_domain, strict_dkim));
    verdict.dkim_aligned = aligned_dkim.is_some();

    let Some(record) = record else {
        verdict.result = DmarcResult::None;
        verdict.reason = format!("{from_domain} publishes no DMARC policy (no TXT record at _dmarc.{from_domain}{}), so the receiver applies its own rules to mail claiming to be from it.", if org != from_domain { format!(" or _dmarc.{org}") } else { String::new() });
        verdict.rfc = "RFC 7489 §6.6.3";
        return verdict;
    };
    let policy = if record_domain != from_domain {
        record.sp.unwrap_or(record.p)
    } else {
        record.p
    };
    verdict.policy = Some(policy);
    let policy_words = if record_domain != from_domain {
        format!(
            "the policy {record_domain} publishes for its subdomains ({}={})",
            if record.sp.is_some() { "sp" } else { "p" },
            policy.as_str()
        )
    } else {
        format!("its policy (p={})", policy.as_str())
    };

    if verdict.spf_aligned || verdict.dkim_aligned {
        verdict.result = DmarcResult::Pass;
        verdict.rfc = "RFC 7489 §4.2";
        verdict.reason = match (aligned_dkim, verdict.spf_aligned) {
            (Some(d), true) => format!("Both DKIM (signed by {}) and SPF (MAIL FROM domain {}) vouch for a domain that matches the From domain {from_domain}, so DMARC passes.", d.domain, spf.domain),
            (Some(d), false) => format!("The message carries a valid DKIM signature by {}, which matches the From domain {from_domain}, so DMARC passes.", d.domain),
            _ => format!("SPF passed for {}, which matches the From domain {from_domain}, so DMARC passes.", spf.domain),
        };
        return verdict;
    }

    verdict.result = DmarcResult::Fail;
    let why = fail_why(spf, dkim, &from_domain, strict_spf, strict_dkim);
    let sampled = pct_roll < record.pct;
    verdict.disposition = if sampled { policy } else { policy.gentler() };
    verdict.rfc = if sampled {
        "RFC 7489 §6.6.2"
    } else {
        "RFC 7489 §6.6.4"
    };
    let action = match verdict.disposition {
        Disposition::None => "deliver it as usual".to_string(),
        Disposition::Quarantine => "treat it as suspicious (spam folder)".to_string(),
        Disposition::Reject => "reject it".to_string(),
    };
    let pct_words = if record.pct == 100 {
        String::new()
    } else if sampled {
        format!(
            " This message fell inside the {}% of failing mail the policy applies to.",
            record.pct
        )
    } else {
        format!(" The policy applies to only {}% of failing mail and this message fell outside it, so the receiver goes one step gentler.", record.pct)
    };
    verdict.reason = format!("DMARC fails for {from_domain}: {why}. Following {policy_words}, the receiver should {action}.{pct_words}");
    verdict
}

/// Why neither identifier aligned, in words.
fn fail_why(
    spf: &SpfVerdict,
    dkim: &[DkimVerdict],
    from: &str,
    strict_spf: bool,
    strict_dkim: bool,
) -> String {
    let spf_part = if spf.result != SpfResult::Pass {
        format!("SPF did not pass ({})", spf.result.as_str())
    } else if strict_spf {
        format!(
            "SPF passed for {}, which is not exactly {from} (aspf=s)",
            spf.domain
        )
    } else {
        format!(
            "SPF passed for {}, which is not in {from}'s organization",
            spf.domain
        )
    };
    let passing: Vec<&str> = dkim
        .iter()
        .filter(|d| d.result == DkimResult::Pass)
        .map(|d| d.domain.as_str())
        .collect();
    let dkim_part = if dkim.is_empty() {
        "the message has no DKIM signature".to_string()
    } else if passing.is_empty() {
        "no DKIM signature checks".to_string()
    } else if strict_dkim {
        format!(
            "the valid DKIM signature is by {}, not exactly {from} (adkim=s)",
            passing.join(", ")
        )
    } else {
        format!(
            "the valid DKIM signature is by {}, outside {from}'s organization",
            passing.join(", ")
        )
    };
    format!("{spf_part}, and {dkim_part}")
}
