//! MX selection (RFC 5321 §5.1): which hosts to try for a domain, in which
//! order, or why mail for it cannot be routed.
//!
//! - MX records are tried in ascending preference; records of equal
//!   preference are shuffled with the host's seeded RNG.
//! - No MX record but an address: an implicit MX of preference 0.
//! - A null MX (RFC 7505): a permanent 556 5.1.10 failure.
//! - NXDOMAIN (or no MX and no address): permanent.
//! - SERVFAIL or a timeout: temporary, the message stays queued.
//! - A host that finds itself in the list tries only strictly
//!   more-preferred MXs; if none is left, mail loops back to itself.

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::dns::{AddressAnswer, MxAnswer, MxRecord, Zone};
use crate::rng::SimRng;

/// A host to try for a domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MxCandidate {
    /// The exchange's host name (lower case).
    pub exchange: String,
    /// Its preference.
    pub preference: u16,
    /// True when there was no MX record and the domain's own address is
    /// used (the implicit MX of RFC 5321 §5.1).
    pub implicit: bool,
}

/// Orders MX `records` for delivery by a host known by `own_names`.
pub fn order_mx(
    domain: &str,
    records: &[MxRecord],
    own_names: &[&str],
    rng: &mut SimRng,
) -> Result<Vec<MxCandidate>, Diagnostic> {
    let mut sorted: Vec<MxCandidate> = records
        .iter()
        .map(|r| MxCandidate {
            exchange: r.exchange.to_ascii_lowercase(),
            preference: r.preference,
            implicit: false,
        })
        .collect();
    sorted.sort_by_key(|c| c.preference);
    let mut start = 0;
    while start < sorted.len() {
        let pref = sorted.get(start).map(|c| c.preference);
        let end = sorted
            .iter()
            .skip(start)
            .position(|c| Some(c.preference) != pref)
            .map_or(sorted.len(), |n| start + n);
        if let Some(run) = sorted.get_mut(start..end) {
            rng.shuffle(run);
        }
        start = end;
    }
    let mine = sorted
        .iter()
        .filter(|c| {
            own_names
                .iter()
                .any(|n| n.eq_ignore_ascii_case(&c.exchange))
        })
        .map(|c| c.preference)
        .min();
    if let Some(own) = mine {
        sorted.retain(|c| c.preference < own);
        if sorted.is_empty() {
            return Err(Diagnostic::new(
                554,
                "5.4.6",
                &format!("mail for {domain} loops back to myself: this host is its best MX"),
                "RFC 5321 §5.1",
            ));
        }
    }
    Ok(sorted)
}

/// Resolves `domain` in `zone` and orders its exchanges for a host known
/// by `own_names`; the error says whether to bounce (5xx) or retry (4xx).
pub fn select_mx(
    domain: &str,
    zone: &Zone,
    own_names: &[&str],
    rng: &mut SimRng,
) -> Result<Vec<MxCandidate>, Diagnostic> {
    match zone.lookup_mx(domain) {
        MxAnswer::Records(records) => order_mx(domain, &records, own_names, rng),
        MxAnswer::NullMx => Err(Diagnostic::new(
            556,
            "5.1.10",
            &format!("{domain} has a null MX: it accepts no mail"),
            "RFC 7505 §4.1",
        )),
        MxAnswer::NxDomain => Err(nxdomain(domain)),
        MxAnswer::ServFail | MxAnswer::Timeout => Err(temporary(domain)),
        MxAnswer::NoRecords => match zone.lookup_address(domain) {
            AddressAnswer::Addresses(_) => Ok(vec![MxCandidate {
                exchange: domain.to_ascii_lowercase(),
                preference: 0,
                implicit: true,
            }]),
            AddressAnswer::NoRecords => Err(Diagnostic::new(
                550,
                "5.4.4",
                &format!("{domain} has neither MX nor address records: unable to route"),
                "RFC 5321 §5.1",
            )),
            AddressAnswer::NxDomain => Err(nxdomain(domain)),
            AddressAnswer::ServFail | AddressAnswer::Timeout => Err(temporary(domain)),
        },
    }
}

fn nxdomain(domain: &str) -> Diagnostic {
    Diagnostic::new(
        550,
        "5.1.2",
        &format!("domain {domain} does not exist (NXDOMAIN)"),
        "RFC 5321 §5.1",
    )
}

fn temporary(domain: &str) -> Diagnostic {
    Diagnostic::new(
        451,
        "4.4.3",
        &format!("DNS lookup for {domain} failed temporarily; will retry"),
        "RFC 5321 §5.1",
    )
}

#[cfg(test)]
mod tests;
