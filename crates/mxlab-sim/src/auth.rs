//! Mail authentication as a scenario's hosts do it, for the simulator and
//! for the real network alike: the DKIM keys each host signs with (given
//! in the scenario, or derived from its seed and published in its zone),
//! the signature a host puts on mail, and SPF, DKIM and DMARC checked at
//! the end of DATA with every DNS question answered from the zone.
//!
//! The engine calls [`check`] and [`sign_with`] inside a run; `mxlab
//! serve` and `mxlab deliver` call the same functions through
//! [`Verifier`], so the verdicts on a real connection are the ones a run
//! gives. Nothing here reads a clock or draws randomness: the time and the
//! DMARC `pct` roll are passed in. The verdicts themselves are
//! `mxlab-auth`'s.

mod provider;
pub use provider::{builtin, install, needed, provider, Provider};

use std::cell::RefCell;
use std::net::IpAddr;

use compact_str::CompactString;
use mxlab_auth::dkim::{self, DkimVerdict};
use mxlab_auth::dmarc::{self, DmarcVerdict};
use mxlab_auth::spf::{self, SpfVerdict};
use mxlab_auth::{results, AddressAnswer, Lookup, MxAnswer, TxtAnswer};

use crate::diagnostic::Diagnostic;
use crate::dns::{self, Zone};
use crate::scenario::{DkimAlgorithm, Scenario};
use crate::trace::QueryType;

/// The signers of every host, by host index. A signer without a key of its
/// own gets one derived from the scenario's seed, domain and selector (the
/// same in every run and on every platform), and its public half is
/// published at `<selector>._domainkey.<domain>` unless the zone has a
/// record there.
pub fn signers(scenario: &Scenario, zone: &mut Zone) -> Vec<Vec<dkim::Signer>> {
    scenario
        .nodes
        .iter()
        .map(|node| {
            let Some(auth) = &node.policy.auth else {
                return Vec::new();
            };
            auth.dkim_sign
                .iter()
                .filter_map(|s| {
                    let (domain, selector) = (
                        s.domain.to_ascii_lowercase(),
                        s.selector.to_ascii_lowercase(),
                    );
                    let key = match &s.private_key {
                        Some(k) => dkim::SigningKey::from_base64(s.algorithm.to_auth(), k).ok()?,
                        None => derived_key(scenario.seed, &domain, &selector, s.algorithm)?,
                    };
                    zone.publish_txt(&format!("{selector}._domainkey.{domain}"), key.dns_record());
                    Some(dkim::Signer::new(&domain, &selector, key))
                })
                .collect()
        })
        .collect()
}

fn derived_key(
    seed: u64,
    domain: &str,
    selector: &str,
    algorithm: DkimAlgorithm,
) -> Option<dkim::SigningKey> {
    let material = format!("mxlab dkim key {seed} {domain} {selector}");
    match algorithm {
        DkimAlgorithm::Ed25519 => Some(dkim::SigningKey::ed25519_from_seed(material.as_bytes())),
        DkimAlgorithm::Rsa => dkim::SigningKey::rsa_from_seed(material.as_bytes(), 1024).ok(),
    }
}

/// One DNS question the checks asked, and the answer as the trace shows
/// it (TXT records quoted, failures by name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// The name asked about.
    pub name: CompactString,
    /// The record type.
    pub qtype: QueryType,
    /// The answer, one item per record.
    pub answer: Vec<CompactString>,
}

/// The zone as the checks see it, every question and answer noted.
struct Asking<'a> {
    zone: &'a Zone,
    asked: RefCell<Vec<Asked>>,
}

impl Asking<'_> {
    fn note(&self, name: &str, qtype: QueryType, answer: Vec<CompactString>) {
        self.asked.borrow_mut().push(Asked {
            name: name.into(),
            qtype,
            answer,
        });
    }
}

fn failure<T: core::fmt::Debug>(answer: &T) -> Vec<CompactString> {
    vec![compact_str::format_compact!("{answer:?}")]
}

impl Lookup for Asking<'_> {
    fn txt(&self, name: &str) -> TxtAnswer {
        let answer = self.zone.lookup_txt(name);
        let text = match &answer {
            TxtAnswer::Records(rs) => rs.iter().map(|r| format!("\"{r}\"").into()).collect(),
            other => failure(other),
        };
        self.note(name, QueryType::Txt, text);
        answer
    }

    fn addresses(&self, name: &str) -> AddressAnswer {
        let answer = match self.zone.lookup_address(name) {
            dns::AddressAnswer::Addresses(a) => AddressAnswer::Addresses(a),
            dns::AddressAnswer::NoRecords => AddressAnswer::NoRecords,
            dns::AddressAnswer::NxDomain => AddressAnswer::NxDomain,
            dns::AddressAnswer::ServFail | dns::AddressAnswer::Timeout => AddressAnswer::TempError,
        };
        let text = match &answer {
            AddressAnswer::Addresses(a) => a.iter().map(|a| a.to_string().into()).collect(),
            other => failure(other),
        };
        self.note(name, QueryType::A, text);
        answer
    }

    fn mx(&self, name: &str) -> MxAnswer {
        let (answer, text) = match self.zone.lookup_mx(name) {
            dns::MxAnswer::Records(rs) => {
                let text = rs
                    .iter()
                    .map(|r| compact_str::format_compact!("{} {}", r.preference, r.exchange))
                    .collect();
                let mut rs = rs;
                rs.sort_by_key(|r| r.preference);
                (
                    MxAnswer::Exchanges(rs.into_iter().map(|r| r.exchange).collect()),
                    text,
                )
            }
            dns::MxAnswer::NullMx => (MxAnswer::Exchanges(Vec::new()), vec!["0 .".into()]),
            dns::MxAnswer::NoRecords => (MxAnswer::NoRecords, failure(&MxAnswer::NoRecords)),
            dns::MxAnswer::NxDomain => (MxAnswer::NxDomain, failure(&MxAnswer::NxDomain)),
            dns::MxAnswer::ServFail | dns::MxAnswer::Timeout => {
                (MxAnswer::TempError, failure(&MxAnswer::TempError))
            }
        };
        self.note(name, QueryType::Mx, text);
        answer
    }
}

/// What a verifying host does with a message, by the DMARC disposition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Take it, with [`Verdicts::headers`] on top.
    Accept,
    /// Take it into the mailbox's junk folder (DMARC quarantine), with
    /// [`Verdicts::headers`] on top.
    Junk,
    /// Refuse it: 550 5.7.1 "rejected by DMARC policy for <domain>"
    /// (DMARC reject, RFC 7489 §6.7).
    Reject(Diagnostic),
}

/// SPF, DKIM and DMARC on one message, what to do with it, and every DNS
/// question asked on the way.
#[derive(Debug, Clone)]
pub struct Verdicts {
    /// SPF on the envelope sender (or the HELO name for `<>`).
    pub spf: SpfVerdict,
    /// One verdict per DKIM-Signature field; empty when unsigned.
    pub dkim: Vec<DkimVerdict>,
    /// DMARC on the `From:` domain.
    pub dmarc: DmarcVerdict,
    /// `Authentication-Results:` then `Received-SPF:`, each folded and
    /// ending in CRLF: what goes on top of the stored message.
    pub headers: String,
    /// What to do with the message.
    pub action: Action,
    /// The DNS questions and answers, in the order asked.
    pub asked: Vec<Asked>,
}

/// SPF (with the client's address and HELO name), DKIM and DMARC on a
/// message at the end of DATA, every DNS question answered from `zone`.
/// `authserv_id` names the verifying host in `Authentication-Results:`
/// and `Received-SPF:`; `unix_time` is the time of arrival (for a
/// signature's `x=`); `pct_roll` is the draw in 0..100 against DMARC's
/// `pct=`.
#[allow(clippy::too_many_arguments)]
pub fn check(
    zone: &Zone,
    authserv_id: &str,
    ip: IpAddr,
    helo: &str,
    mail_from: &str,
    content: &[u8],
    unix_time: i64,
    pct_roll: u8,
) -> Verdicts {
    let asking = Asking {
        zone,
        asked: RefCell::new(Vec::new()),
    };
    let spf = spf::check_host(&asking, ip, helo, mail_from);
    let dkim = dkim::verify(content, &asking, unix_time);
    let dmarc = dmarc::evaluate(content, &spf, &dkim, &asking, pct_roll);
    let asked = asking.asked.into_inner();
    let mut headers = results::authentication_results(authserv_id, &spf, &dkim, Some(&dmarc));
    headers.push_str(&results::received_spf(authserv_id, &spf, ip, helo));
    let action = match dmarc.disposition {
        dmarc::Disposition::Reject => Action::Reject(Diagnostic::new(
            550,
            "5.7.1",
            &format!("rejected by DMARC policy for {}", dmarc.from_domain),
            "RFC 7489 §6.7",
        )),
        dmarc::Disposition::Quarantine => Action::Junk,
        _ => Action::Accept,
    };
    Verdicts {
        spf,
        dkim,
        dmarc,
        headers,
        action,
        asked,
    }
}

/// The domain of the one address in a message's `From:` field, lower-case
/// (the author domain DMARC protects, read as DMARC reads it).
pub fn from_domain(message: &[u8]) -> Option<String> {
    dmarc::author_domain(message)
}

/// The DKIM-Signature field (ending in CRLF) that one of `signers` puts on
/// `message`: the one that signs for the `From:` domain or a parent of
/// it; `None` when none does.
pub fn sign_with(signers: &[dkim::Signer], message: &[u8], unix_time: i64) -> Option<String> {
    let from = from_domain(message)?;
    let signer = signers.iter().find(|s| {
        from == s.domain
            || from
                .strip_suffix(s.domain.as_str())
                .is_some_and(|rest| rest.ends_with('.'))
    })?;
    Some(dkim::sign(message, signer, unix_time))
}

/// A scenario's mail authentication outside a run: its zone with the
/// derived DKIM keys published, and every host's signers. What `mxlab
/// serve` checks received mail with, and `mxlab deliver` signs with.
#[derive(Debug, Clone)]
pub struct Verifier {
    zone: Zone,
    /// Each host's name (lower-case) and signers, in scenario order.
    signers: Vec<(String, Vec<dkim::Signer>)>,
}

impl Verifier {
    /// The zone and signers of a scenario, as a run of it has them.
    pub fn new(scenario: &Scenario) -> Verifier {
        let mut zone = Zone::from_scenario(&scenario.dns);
        let signers = signers(scenario, &mut zone);
        let signers = scenario
            .nodes
            .iter()
            .map(|n| n.name.to_ascii_lowercase())
            .zip(signers)
            .collect();
        Verifier { zone, signers }
    }

    /// The zone, DKIM keys published.
    pub fn zone(&self) -> &Zone {
        &self.zone
    }

    /// The signers of the host named `host` (any case); empty for a host
    /// that signs nothing or is not in the scenario.
    pub fn signers(&self, host: &str) -> &[dkim::Signer] {
        let host = host.to_ascii_lowercase();
        self.signers
            .iter()
            .find(|(name, _)| *name == host)
            .map_or(&[], |(_, s)| s.as_slice())
    }

    /// SPF, DKIM and DMARC on a message, as [`check`] over this zone.
    #[allow(clippy::too_many_arguments)]
    pub fn verify(
        &self,
        authserv_id: &str,
        ip: IpAddr,
        helo: &str,
        mail_from: &str,
        content: &[u8],
        unix_time: i64,
        pct_roll: u8,
    ) -> Verdicts {
        check(
            &self.zone,
            authserv_id,
            ip,
            helo,
            mail_from,
            content,
            unix_time,
            pct_roll,
        )
    }

    /// The DKIM-Signature field the host named `host` puts on `message`,
    /// if it signs for its `From:` domain (see [`sign_with`]).
    pub fn sign(&self, host: &str, message: &[u8], unix_time: i64) -> Option<String> {
        sign_with(self.signers(host), message, unix_time)
    }
}
