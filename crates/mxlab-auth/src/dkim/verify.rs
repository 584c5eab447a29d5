//! Verifying signatures (RFC 6376 §6, RFC 8301, RFC 8463).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use super::canon::{self, tag, Canon};
use super::key::{PublicKey, PublicKeyError};
use super::{Algorithm, DkimResult, DkimVerdict};
use crate::{mail, Lookup, TxtAnswer};

/// Signatures checked per message, at most (RFC 6376 §6.1 lets a verifier
/// limit them; more would let a sender make a receiver do unbounded work).
const MAX_SIGNATURES: usize = 8;

/// Verifies every DKIM-Signature field of `message` (RFC 6376 §6), in order, at most 8; an empty Vec when there is none. Supports c= simple and relaxed for header and body, l= (body length), rsa-sha256 (RSA keys < 1024 bits → permerror per RFC 8301) and ed25519-sha256; rsa-sha1 → permerror (RFC 8301). Key record: k=, p= (empty p → revoked → permerror), h= hash list, t=s flag (i= domain must equal d=). x= expiry checked against `unix_time`.
///
/// A key record that does not exist gives permerror (RFC 6376 §6.1.2, "no
/// key for signature"); a lookup that fails for now gives temperror. An
/// expired signature (x= in the past) gives permerror (§6.1.1).
pub fn verify(message: &[u8], lookup: &dyn Lookup, unix_time: i64) -> Vec<DkimVerdict> {
    let message = mail::crlf(message);
    let (header, body) = mail::split(&message);
    let fields = mail::fields(header);
    fields
        .iter()
        .filter(|f| f.is("dkim-signature"))
        .take(MAX_SIGNATURES)
        .map(|field| check(field, &fields, body, lookup, unix_time))
        .collect()
}

/// A verdict under construction: what is known of the signature so far.
struct Draft {
    domain: String,
    selector: String,
    algorithm: String,
    b_prefix: String,
}

impl Draft {
    fn verdict(&self, result: DkimResult, reason: String, rfc: &'static str) -> DkimVerdict {
        DkimVerdict {
            result,
            domain: self.domain.clone(),
            selector: self.selector.clone(),
            algorithm: self.algorithm.clone(),
            b_prefix: self.b_prefix.clone(),
            reason,
            rfc,
        }
    }

    fn perm(&self, reason: String, rfc: &'static str) -> DkimVerdict {
        self.verdict(DkimResult::PermError, reason, rfc)
    }
}

fn check(
    field: &mail::Field<'_>,
    fields: &[mail::Field<'_>],
    body: &[u8],
    lookup: &dyn Lookup,
    unix_time: i64,
) -> DkimVerdict {
    let mut draft = Draft {
        domain: String::new(),
        selector: String::new(),
        algorithm: String::new(),
        b_prefix: String::new(),
    };
    let text = field.text();
    let Some(tags) = canon::tag_list(&text) else {
        return draft.perm(
            "The DKIM-Signature field is malformed (a tag without \"=\", or a tag given twice), so it cannot be checked.".to_string(),
            "RFC 6376 §3.2",
        );
    };
    draft.domain = tag(&tags, "d")
        .unwrap_or("")
        .trim_end_matches('.')
        .to_ascii_lowercase();
    draft.selector = tag(&tags, "s").unwrap_or("").to_string();
    draft.algorithm = tag(&tags, "a").unwrap_or("").to_ascii_lowercase();
    let b = canon::without_whitespace(tag(&tags, "b").unwrap_or(""));
    draft.b_prefix = b.chars().take(8).collect();

    // §6.1.1: validate the signature field.
    if tag(&tags, "v") != Some("1") {
        return draft.perm("The DKIM-Signature field has no v=1 tag, so it is not a signature this receiver understands.".to_string(), "RFC 6376 §6.1.1");
    }
    for required in ["a", "b", "bh", "d", "h", "s"] {
        if tag(&tags, required).is_none_or(str::is_empty) {
            return draft.perm(format!("The DKIM-Signature field lacks its required {required}= tag, so it cannot be checked."), "RFC 6376 §6.1.1");
        }
    }
    // d= and s= make the name of the key record: it must be a DNS name.
    let key_name = format!("{}._domainkey.{}", draft.selector, draft.domain);
    if !dns_name(&key_name) {
        return draft.perm(
            format!(
                "The signature's d= and s= do not make a valid DNS name (\"{}\"), so no key can be looked up.",
                shown(&key_name)
            ),
            "RFC 6376 §3.5",
        );
    }
    let algorithm = match draft.algorithm.as_str() {
        "ed25519-sha256" => Algorithm::Ed25519Sha256,
        "rsa-sha256" => Algorithm::RsaSha256,
        "rsa-sha1" => {
            return draft.perm("The message is signed with rsa-sha1, which is no longer considered safe: verifiers must not accept it.".to_string(), "RFC 8301 §3.1");
        }
        other => {
            return draft.perm(format!("The signature uses the algorithm \"{}\", which this receiver does not know (it checks rsa-sha256 and ed25519-sha256).", shown(other)), "RFC 6376 §3.5");
        }
    };
    let (header_canon, body_canon) = match parse_c(tag(&tags, "c")) {
        Some(pair) => pair,
        None => {
            return draft.perm(
                "The signature's c= tag names a canonicalization other than simple or relaxed."
                    .to_string(),
                "RFC 6376 §3.4",
            );
        }
    };
    let names: Vec<String> = tag(&tags, "h")
        .unwrap_or("")
        .split(':')
        .map(|n| {
            n.trim_matches(|c: char| c.is_ascii_whitespace())
                .to_ascii_lowercase()
        })
        .collect();
    if names.iter().any(String::is_empty) {
        return draft.perm(
            "The signature's h= list has an empty field name.".to_string(),
            "RFC 6376 §3.5",
        );
    }
    if !names.iter().any(|n| n == "from") {
        return draft.perm("The signature does not cover the From field, which every DKIM signature must sign, so it is ignored.".to_string(), "RFC 6376 §6.1.1");
    }
    let d = draft.domain.clone();
    let identity_domain = match tag(&tags, "i") {
        Some(i) => match i.rsplit_once('@') {
            Some((_, domain)) => domain.trim_end_matches('.').to_ascii_lowercase(),
            None => {
                return draft.perm(
                    format!("The signature's i= value \"{}\" has no @domain.", shown(i)),
                    "RFC 6376 §3.5",
                );
            }
        },
        None => d.clone(),
    };
    if identity_domain != d && !identity_domain.ends_with(&format!(".{d}")) {
        return draft.perm(format!("The signature's i= domain {} is not {d} or a subdomain of it, so the signature is invalid.", shown(&identity_domain)), "RFC 6376 §6.1.1");
    }
    if let Some(q) = tag(&tags, "q") {
        if !q
            .split(':')
            .any(|m| m.trim().eq_ignore_ascii_case("dns/txt"))
        {
            return draft.perm(format!("The signature asks for its key by \"{}\", but the only query method is dns/txt.", shown(q)), "RFC 6376 §3.5");
        }
    }
    let length = match tag(&tags, "l") {
        None => None,
        Some(l) => match number(l) {
            Some(n) => Some(n),
            None => {
                return draft.perm(
                    format!("The signature's l= value \"{}\" is not a number.", shown(l)),
                    "RFC 6376 §3.5",
                )
            }
        },
    };
    let signed_at = tag(&tags, "t").map(number);
    let expires = tag(&tags, "x").map(number);
    if matches!(signed_at, Some(None)) || matches!(expires, Some(None)) {
        return draft.perm(
            "The signature's t= or x= value is not a number of seconds.".to_string(),
            "RFC 6376 §3.5",
        );
    }
    if let (Some(Some(t)), Some(Some(x))) = (signed_at, expires) {
        if x < t {
            return draft.perm(
                "The signature expires (x=) before it was made (t=), so it is invalid.".to_string(),
                "RFC 6376 §3.5",
            );
        }
    }
    if let Some(Some(x)) = expires {
        if u64::try_from(unix_time).is_ok_and(|now| now > x) {
            return draft.perm(format!("The signature by {d} has expired: its x= time has passed, so it no longer counts."), "RFC 6376 §6.1.1");
        }
    }
    let (Ok(signature), Ok(body_hash)) = (
        STANDARD.decode(&b),
        STANDARD.decode(canon::without_whitespace(tag(&tags, "bh").unwrap_or(""))),
    ) else {
        return draft.perm(
            "The signature's b= or bh= value is not valid base64.".to_string(),
            "RFC 6376 §3.5",
        );
    };

    // §6.1.2: get the public key.
    let records = match lookup.txt(&key_name) {
        TxtAnswer::Records(records) => records,
        TxtAnswer::NoRecords | TxtAnswer::NxDomain => {
            return draft.perm(format!("There is no key record at {key_name}, so nothing can check the signature by {d} (no key for signature)."), "RFC 6376 §6.1.2");
        }
        TxtAnswer::TempError => {
            return draft.verdict(DkimResult::TempError, format!("The lookup of the key record {key_name} failed for now, so the signature by {d} could not be checked; a later attempt may succeed."), "RFC 6376 §6.1.2");
        }
    };
    let key_record = match records.iter().find_map(|r| canon::tag_list(r)) {
        Some(record) => record,
        None => return draft.perm(format!("The key record at {key_name} is malformed, so the signature by {d} cannot be checked."), "RFC 6376 §3.6.1"),
    };
    if let Err((reason, rfc)) =
        check_key_record(&key_record, algorithm, &key_name, &identity_domain, &d)
    {
        return draft.perm(reason, rfc);
    }
    let p = canon::without_whitespace(tag(&key_record, "p").unwrap_or(""));
    let key = match STANDARD
        .decode(&p)
        .ok()
        .map(|bytes| PublicKey::read(algorithm, &bytes))
    {
        Some(Ok(key)) => key,
        Some(Err(PublicKeyError::RsaTooSmall(bits))) => {
            return draft.perm(format!("The RSA key at {key_name} has only {bits} bits; keys under 1024 bits are too weak and must not be accepted."), "RFC 8301 §3.2");
        }
        Some(Err(PublicKeyError::RsaTooLarge(bits))) => {
            return draft.perm(format!("The RSA key at {key_name} has {bits} bits; MX Lab checks RSA keys of at most 4096 bits, the largest that verifiers must support (larger keys only make checking slow), so the signature by {d} is not checked."), "RFC 8301 §3.2");
        }
        _ => {
            return draft.perm(
                format!(
                    "The p= value at {key_name} is not a valid {} public key.",
                    algorithm.key_type()
                ),
                "RFC 6376 §3.6.1",
            );
        }
    };

    // §6.1.3: compute and compare the hashes.
    let canonical_body = canon::body(body, body_canon);
    let hashed_body = match length {
        Some(l) => match usize::try_from(l)
            .ok()
            .filter(|&l| l <= canonical_body.len())
        {
            Some(l) => canonical_body.get(..l).unwrap_or_default(),
            None => {
                return draft.verdict(DkimResult::Fail, format!("The signature by {d} says the body is {l} bytes long (l=), but the body is shorter: it was cut after signing."), "RFC 6376 §3.5");
            }
        },
        None => &canonical_body[..],
    };
    if Sha256::digest(hashed_body).as_slice() != body_hash.as_slice() {
        return draft.verdict(DkimResult::Fail, format!("The body changed after signing: its hash no longer matches bh=, so the signature by {d} fails."), "RFC 6376 §6.1.3");
    }
    let data = canon::signed_data(fields, &names, field.raw, header_canon);
    if !key.verify(&data, &signature) {
        return draft.verdict(DkimResult::Fail, format!("The signature by {d} does not verify: a signed header field changed after signing, or the message was not signed with the key published at {key_name}."), "RFC 6376 §6.1.3");
    }
    let mut reason = format!("Signed by {d} with key {} ({}), and the signature checks: the signed header fields and the body arrived exactly as signed.", draft.selector, draft.algorithm);
    if let Some(l) = length {
        if usize::try_from(l).is_ok_and(|l| l < canonical_body.len()) {
            reason.push_str(&format!(" Only the first {l} bytes of the body are signed (l=); anything after them could have been added by anyone."));
        }
    }
    if flags(&key_record).any(|f| f == "y") {
        reason.push_str(" The key record says the domain is only testing DKIM (t=y).");
    }
    draft.verdict(DkimResult::Pass, reason, "RFC 6376 §6.1.3")
}

/// A name the DNS can hold: at most 253 characters, labels of 1 to 63
/// characters, no whitespace or control characters (RFC 1035 §2.3.4).
fn dns_name(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && !label.chars().any(|c| c.is_whitespace() || c.is_control())
        })
}

/// A value from the message or a key record, cut short for a reason (a
/// hostile peer may send a value megabytes long).
fn shown(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or_default()),
        None => text.to_string(),
    }
}

fn parse_c(c: Option<&str>) -> Option<(Canon, Canon)> {
    let Some(c) = c else {
        return Some((Canon::Simple, Canon::Simple));
    };
    match c.split_once('/') {
        Some((h, b)) => Some((Canon::parse(h.trim())?, Canon::parse(b.trim())?)),
        None => Some((Canon::parse(c.trim())?, Canon::Simple)),
    }
}

/// A decimal number of at most 20 digits, as t=, x= and l= are.
fn number(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Longer numbers than u64 holds are "forever" for t/x and "too long" for l.
    Some(text.parse::<u64>().unwrap_or(u64::MAX))
}

fn flags(record: &[(String, String)]) -> impl Iterator<Item = &str> {
    tag(record, "t").unwrap_or("").split(':').map(|f| f.trim())
}

/// The checks of the key record (RFC 6376 §3.6.1, §6.1.2).
fn check_key_record(
    record: &[(String, String)],
    algorithm: Algorithm,
    key_name: &str,
    identity_domain: &str,
    d: &str,
) -> Result<(), (String, &'static str)> {
    if let Some(v) = tag(record, "v") {
        let first = record.first().map(|(n, _)| n.as_str());
        if v != "DKIM1" || first != Some("v") {
            return Err((format!("The key record at {key_name} has a v= tag other than a leading v=DKIM1, so it is not a DKIM key."), "RFC 6376 §3.6.1"));
        }
    }
    let Some(p) = tag(record, "p") else {
        return Err((
            format!("The key record at {key_name} has no p= tag, so it holds no key."),
            "RFC 6376 §3.6.1",
        ));
    };
    if canon::without_whitespace(p).is_empty() {
        return Err((format!("The key at {key_name} has been revoked (its p= is empty), so signatures made with it no longer count."), "RFC 6376 §3.6.1"));
    }
    let k = tag(record, "k").unwrap_or("rsa").to_ascii_lowercase();
    if k != algorithm.key_type() {
        return Err((format!("The key at {key_name} is a k={} key, but the signature says a={}: they do not belong together.", shown(&k), algorithm.as_str()), "RFC 6376 §3.6.1"));
    }
    if let Some(h) = tag(record, "h") {
        if !h
            .split(':')
            .any(|alg| alg.trim().eq_ignore_ascii_case("sha256"))
        {
            return Err((format!("The key record at {key_name} allows only the hashes \"{}\", not the sha256 the signature uses.", shown(h)), "RFC 6376 §3.6.1"));
        }
    }
    if let Some(s) = tag(record, "s") {
        if !s.split(':').any(|t| matches!(t.trim(), "email" | "*")) {
            return Err((
                format!("The key at {key_name} is not for email (s={}).", shown(s)),
                "RFC 6376 §3.6.1",
            ));
        }
    }
    if flags(record).any(|f| f == "s") && identity_domain != d {
        return Err((
            format!(
                "The key at {key_name} is marked t=s, so i= must be exactly {d}, but it is {}.",
                shown(identity_domain)
            ),
            "RFC 6376 §3.6.1",
        ));
    }
    Ok(())
}
