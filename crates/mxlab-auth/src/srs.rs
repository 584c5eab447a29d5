//! The Sender Rewriting Scheme, SRS0 and SRS1 (as Postfix's postsrsd and
//! Exim implement it, after Shevek's "Sender Rewriting Scheme" paper): a
//! forwarder rewrites the envelope sender into an address at its own
//! domain, so that SPF checks the forwarder's domain, and bounces still
//! find their way home.
//!
//! SPF itself explains the need: RFC 7208 §10.1.3 and Appendix D.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Days a timestamp repeats after (two base32 characters).
const TIMESTAMP_DAYS: i64 = 1024;

/// The 4-character hash: the first 4 base64 characters of SHA-256 over the
/// secret and the fields, each followed by a zero byte. (The original
/// scheme uses HMAC-SHA1; MX Lab uses SHA-256, so its hashes differ from a
/// real postsrsd's, but the scheme is the same.)
fn hash(secret: &[u8], parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(secret);
    hasher.update([0]);
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    STANDARD.encode(hasher.finalize()).chars().take(4).collect()
}

fn timestamp(unix_time: i64) -> String {
    let days = unix_time.div_euclid(86_400).rem_euclid(TIMESTAMP_DAYS);
    let high = usize::try_from(days >> 5).unwrap_or(0) & 31;
    let low = usize::try_from(days).unwrap_or(0) & 31;
    [high, low]
        .iter()
        .map(|&i| char::from(BASE32.get(i).copied().unwrap_or(b'A')))
        .collect()
}

/// Rewrites `sender` for a forwarder at `forwarder_domain`: `SRS0=<hash>=<tt>=<domain>=<local>@<forwarder_domain>`; hash = first 4 base64 chars of HMAC-like SHA-256 over (secret, tt, domain, local) — state it is SHA-256, not HMAC-SHA1; tt = days since epoch mod 1024 in base32 (2 chars). Null sender stays null.
///
/// The hash is SHA-256 over the secret, the timestamp, the lower-case
/// domain and the local part; it is not the HMAC-SHA1 of libsrs2, so the
/// addresses look like a real forwarder's but only MX Lab can reverse them.
/// A sender that is already an SRS0 address of another forwarder becomes
/// an SRS1 address (`SRS1=<hash>=<first forwarder>==<rest>@<forwarder_domain>`),
/// so the address does not grow at every hop.
pub fn forward(sender: &str, forwarder_domain: &str, secret: &[u8], unix_time: i64) -> String {
    let sender = sender.trim();
    let bare = sender
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(sender);
    let Some((local, domain)) = bare.rsplit_once('@') else {
        // The null reverse-path (and anything without a domain) stays as it is.
        return sender.to_string();
    };
    let forwarder_domain = forwarder_domain.trim_end_matches('.');
    if domain.eq_ignore_ascii_case(forwarder_domain) {
        return bare.to_string();
    }
    if let Some(rest) = strip_tag(local, "SRS0") {
        let domain = domain.to_ascii_lowercase();
        let h = hash(secret, &[&domain, rest]);
        return format!("SRS1={h}={domain}=={rest}@{forwarder_domain}");
    }
    if let Some(rest) = strip_tag(local, "SRS1") {
        // Already SRS1: keep the original forwarder, re-hash for this one.
        if let Some((_, first_and_rest)) = rest.split_once('=') {
            if let Some((first, srs0_rest)) = first_and_rest.split_once("==") {
                let h = hash(secret, &[first, srs0_rest]);
                return format!("SRS1={h}={first}=={srs0_rest}@{forwarder_domain}");
            }
        }
    }
    let tt = timestamp(unix_time);
    let domain = domain.to_ascii_lowercase();
    let h = hash(secret, &[&tt, &domain, local]);
    format!("SRS0={h}={tt}={domain}={local}@{forwarder_domain}")
}

/// The part after "SRS0=" (or "SRS0+" / "SRS0-"), case-insensitively.
fn strip_tag<'a>(local: &'a str, tag: &str) -> Option<&'a str> {
    let head = local.get(..tag.len())?;
    if !head.eq_ignore_ascii_case(tag) {
        return None;
    }
    let rest = local.get(tag.len()..)?;
    rest.strip_prefix(['=', '+', '-'])
}

/// Reverses an SRS0 address if its hash checks, else None.
///
/// An SRS1 address reverses to the SRS0 address at the first forwarder.
/// Hashes, timestamps and domains are compared case-insensitively, as
/// libsrs2 does, because some mail systems change the case of addresses. The timestamp is not
/// checked for age (there is no clock here); a caller that wants expiry
/// compares it itself.
pub fn reverse(address: &str, secret: &[u8]) -> Option<String> {
    let address = address.trim();
    let address = address
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(address);
    let (local, _) = address.rsplit_once('@')?;
    if let Some(rest) = strip_tag(local, "SRS0") {
        let mut parts = rest.splitn(4, '=');
        let (h, tt, domain, original) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if domain.is_empty() || original.is_empty() || tt.len() != 2 {
            return None;
        }
        let expected = hash(
            secret,
            &[
                &tt.to_ascii_uppercase(),
                &domain.to_ascii_lowercase(),
                original,
            ],
        );
        return h
            .eq_ignore_ascii_case(&expected)
            .then(|| format!("{original}@{domain}"));
    }
    if let Some(rest) = strip_tag(local, "SRS1") {
        let (h, first_and_rest) = rest.split_once('=')?;
        let (first, srs0_rest) = first_and_rest.split_once("==")?;
        if first.is_empty() || srs0_rest.is_empty() {
            return None;
        }
        let expected = hash(secret, &[first, srs0_rest]);
        return h
            .eq_ignore_ascii_case(&expected)
            .then(|| format!("SRS0={srs0_rest}@{first}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"forwarder secret";
    const NOW: i64 = 1_704_099_600; // 2024-01-01, day 19723

    #[test]
    fn forward_then_reverse() {
        let srs = forward("alice@bank.example", "fwd.example", SECRET, NOW);
        assert!(srs.starts_with("SRS0="), "{srs}");
        assert!(srs.ends_with("=bank.example=alice@fwd.example"), "{srs}");
        let parts: Vec<&str> = srs.split('=').collect();
        assert_eq!(parts[1].len(), 4);
        // 19723 mod 1024 = 267 = 8 * 32 + 11: "IL".
        assert_eq!(parts[2], "IL");
        assert_eq!(reverse(&srs, SECRET).as_deref(), Some("alice@bank.example"));
    }

    #[test]
    fn wrong_secret_or_tampering_is_refused() {
        let srs = forward("alice@bank.example", "fwd.example", SECRET, NOW);
        assert_eq!(reverse(&srs, b"other"), None);
        let tampered = srs.replace("=alice@", "=mallory@");
        assert_eq!(reverse(&tampered, SECRET), None);
        assert_eq!(reverse("bob@fwd.example", SECRET), None);
        assert_eq!(reverse("SRS0=xx@fwd.example", SECRET), None);
        assert_eq!(reverse("", SECRET), None);
    }

    #[test]
    fn null_sender_stays_null() {
        assert_eq!(forward("", "fwd.example", SECRET, NOW), "");
        assert_eq!(forward("<>", "fwd.example", SECRET, NOW), "<>");
    }

    #[test]
    fn local_parts_with_equals_and_case_survive() {
        let srs = forward("<a=b@Bank.Example>", "fwd.example", SECRET, NOW);
        assert_eq!(reverse(&srs, SECRET).as_deref(), Some("a=b@bank.example"));
        // A mail system that lower-cases the whole address does not break it.
        assert!(reverse(&srs.to_ascii_lowercase(), SECRET).is_some());
    }

    #[test]
    fn deterministic_and_time_dependent() {
        let a = forward("alice@bank.example", "fwd.example", SECRET, NOW);
        assert_eq!(a, forward("alice@bank.example", "fwd.example", SECRET, NOW));
        assert_ne!(
            a,
            forward("alice@bank.example", "fwd.example", SECRET, NOW + 86_400)
        );
        assert!(forward("x@bank.example", "fwd.example", SECRET, -86_400).contains("=77="));
    }

    #[test]
    fn second_forwarder_makes_srs1() {
        let first = forward("alice@bank.example", "fwd1.example", b"one", NOW);
        let second = forward(&first, "fwd2.example", b"two", NOW);
        assert!(second.starts_with("SRS1="), "{second}");
        assert!(second.contains("=fwd1.example=="), "{second}");
        let back = reverse(&second, b"two").unwrap();
        assert_eq!(back, first);
        assert_eq!(
            reverse(&back, b"one").as_deref(),
            Some("alice@bank.example")
        );
        let third = forward(&second, "fwd3.example", b"three", NOW);
        assert_eq!(reverse(&third, b"three").as_deref(), Some(first.as_str()));
    }

    #[test]
    fn own_domain_is_not_rewritten() {
        assert_eq!(
            forward("bob@fwd.example", "fwd.example", SECRET, NOW),
            "bob@fwd.example"
        );
    }
}
