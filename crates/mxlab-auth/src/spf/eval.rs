//! Evaluating SPF records (RFC 7208 §4.6–§6) and putting the outcome into
//! words.

use std::net::IpAddr;

use super::macros::{MacroContext, MacroString};
use super::record::{self, Directive, Mechanism, SyntaxError};
use super::{SpfIdentity, SpfResult, SpfVerdict};
use crate::{AddressAnswer, Lookup, MxAnswer, TxtAnswer};

/// Terms that query the DNS, at most (§4.6.4).
const MAX_LOOKUPS: u32 = 10;
/// Queries that may come back empty, at most (§4.6.4).
const MAX_VOID: u32 = 2;
/// MX exchanges one `mx` mechanism may look up, at most (§4.6.4).
const MAX_MX: usize = 10;

/// How one `check_host()` (possibly nested) ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outcome {
    /// A record was evaluated to a result.
    Decided(Decided),
    /// There is no record to evaluate.
    NoRecord(NoRecord),
    /// A DNS lookup failed for now.
    Temp { name: String, kind: &'static str },
    /// The records cannot be interpreted.
    Perm(Perm),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Decided {
    result: SpfResult,
    /// The matching term, or None for the default result.
    term: Option<String>,
    /// The domain whose record holds the term.
    policy: String,
    /// Set when a redirect= led from the checked domain to `policy`.
    redirected_from: Option<String>,
    /// For a matching include: the included domain and its matching term.
    included: Option<(String, Option<String>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum NoRecord {
    Malformed(String),
    NxDomain(String),
    NoSpf(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Perm {
    Syntax {
        domain: String,
        term: String,
    },
    Duplicate {
        domain: String,
        modifier: &'static str,
    },
    Multiple {
        domain: String,
        count: usize,
    },
    TooManyLookups,
    TooManyVoid,
    TooManyMx {
        domain: String,
        name: String,
    },
    IncludeNone {
        domain: String,
        target: String,
    },
    RedirectNone {
        domain: String,
        target: String,
    },
}

/// A term's evaluation stopped everything.
enum Abort {
    Temp { name: String, kind: &'static str },
    Perm(Perm),
}

/// One run of check_host(), with its shared lookup counters.
pub(super) struct Run<'a> {
    lookup: &'a dyn Lookup,
    ip: IpAddr,
    helo: &'a str,
    sender: &'a str,
    local: &'a str,
    sender_domain: &'a str,
    lookups: u32,
    void: u32,
}

impl<'a> Run<'a> {
    pub(super) fn new(
        lookup: &'a dyn Lookup,
        ip: IpAddr,
        helo: &'a str,
        sender: &'a str,
        local: &'a str,
        sender_domain: &'a str,
    ) -> Run<'a> {
        Run {
            lookup,
            ip,
            helo,
            sender,
            local,
            sender_domain,
            lookups: 0,
            void: 0,
        }
    }

    pub(super) fn lookups(&self) -> u32 {
        self.lookups
    }

    /// check_host(<ip>, <domain>, <sender>) of §4.
    pub(super) fn check_host(&mut self, domain: &str) -> Outcome {
        let domain = domain.trim_end_matches('.');
        if !valid_domain(domain) {
            return Outcome::NoRecord(NoRecord::Malformed(domain.to_string()));
        }
        let records = match self.lookup.txt(domain) {
            TxtAnswer::Records(records) => records,
            TxtAnswer::NoRecords => Vec::new(),
            TxtAnswer::NxDomain => {
                return Outcome::NoRecord(NoRecord::NxDomain(domain.to_string()))
            }
            TxtAnswer::TempError => {
                return Outcome::Temp {
                    name: domain.to_string(),
                    kind: "TXT",
                }
            }
        };
        let spf: Vec<&String> = records.iter().filter(|r| record::is_spf(r)).collect();
        let text = match spf.as_slice() {
            [] => return Outcome::NoRecord(NoRecord::NoSpf(domain.to_string())),
            [one] => one.as_str(),
            many => {
                return Outcome::Perm(Perm::Multiple {
                    domain: domain.to_string(),
                    count: many.len(),
                })
            }
        };
        let parsed = match record::parse(text) {
            Ok(parsed) => parsed,
            Err(SyntaxError::Term(term)) => {
                return Outcome::Perm(Perm::Syntax {
                    domain: domain.to_string(),
                    term,
                })
            }
            Err(SyntaxError::Duplicate(modifier)) => {
                return Outcome::Perm(Perm::Duplicate {
                    domain: domain.to_string(),
                    modifier,
                })
            }
        };
        for directive in &parsed.directives {
            match self.matches(directive, domain) {
                Ok(None) => {}
                Ok(Some(included)) => {
                    return Outcome::Decided(Decided {
                        result: directive.qualifier,
                        term: Some(directive.text.clone()),
                        policy: domain.to_string(),
                        redirected_from: None,
                        included,
                    })
                }
                Err(Abort::Temp { name, kind }) => return Outcome::Temp { name, kind },
                Err(Abort::Perm(perm)) => return Outcome::Perm(perm),
            }
        }
        if let Some((spec, _)) = &parsed.redirect {
            if let Err(perm) = self.count_lookup() {
                return Outcome::Perm(perm);
            }
            let target = self.expand_domain(spec, domain);
            return match self.check_host(&target) {
                Outcome::Decided(mut decided) => {
                    decided
                        .redirected_from
                        .get_or_insert_with(|| domain.to_string());
                    Outcome::Decided(decided)
                }
                Outcome::NoRecord(_) => Outcome::Perm(Perm::RedirectNone {
                    domain: domain.to_string(),
                    target,
                }),
                other => other,
            };
        }
        Outcome::Decided(Decided {
            result: SpfResult::Neutral,
            term: None,
            policy: domain.to_string(),
            redirected_from: None,
            included: None,
        })
    }

    fn count_lookup(&mut self) -> Result<(), Perm> {
        self.lookups += 1;
        if self.lookups > MAX_LOOKUPS {
            return Err(Perm::TooManyLookups);
        }
        Ok(())
    }

    fn count_void(&mut self) -> Result<(), Abort> {
        self.void += 1;
        if self.void > MAX_VOID {
            return Err(Abort::Perm(Perm::TooManyVoid));
        }
        Ok(())
    }

    fn expand_domain(&self, spec: &MacroString, domain: &str) -> String {
        let context = MacroContext {
            sender: self.sender,
            local: self.local,
            sender_domain: self.sender_domain,
            domain,
            ip: self.ip,
            helo: self.helo,
        };
        spec.expand_domain(&context)
    }

    fn target(&self, spec: &Option<MacroString>, domain: &str) -> String {
        match spec {
            Some(spec) => self.expand_domain(spec, domain),
            None => domain.to_string(),
        }
    }

    /// Whether the directive matches: None for no match; Some(included)
    /// for a match, with the included domain and term for an include.
    #[allow(clippy::type_complexity)]
    fn matches(
        &mut self,
        directive: &Directive,
        domain: &str,
    ) -> Result<Option<Option<(String, Option<String>)>>, Abort> {
        let mechanism = &directive.mechanism;
        if mechanism.queries_dns() {
            self.count_lookup().map_err(Abort::Perm)?;
        }
        let matched = match mechanism {
            Mechanism::All => true,
            Mechanism::Ip4(network, length) => in_network(self.ip, IpAddr::V4(*network), *length),
            Mechanism::Ip6(network, length) => in_network(self.ip, IpAddr::V6(*network), *length),
            Mechanism::Include(spec) => {
                let target = self.expand_domain(spec, domain);
                return match self.check_host(&target) {
                    // The table of §5.2.
                    Outcome::Decided(inner) if inner.result == SpfResult::Pass => {
                        Ok(Some(Some((target, inner.term))))
                    }
                    Outcome::Decided(_) => Ok(None),
                    Outcome::NoRecord(_) => Err(Abort::Perm(Perm::IncludeNone {
                        domain: domain.to_string(),
                        target,
                    })),
                    Outcome::Temp { name, kind } => Err(Abort::Temp { name, kind }),
                    Outcome::Perm(perm) => Err(Abort::Perm(perm)),
                };
            }
            Mechanism::A {
                domain: spec,
                cidr4,
                cidr6,
            } => {
                let target = self.target(spec, domain);
                let addresses = self.addresses(&target)?;
                addresses
                    .iter()
                    .any(|address| in_dual(self.ip, *address, *cidr4, *cidr6))
            }
            Mechanism::Mx {
                domain: spec,
                cidr4,
                cidr6,
            } => {
                let target = self.target(spec, domain);
                self.mx_matches(&target, domain, *cidr4, *cidr6)?
            }
            // Counted above; never matches (see check_host's documentation).
            Mechanism::Ptr(_) => false,
            Mechanism::Exists(spec) => {
                let target = self.expand_domain(spec, domain);
                if !valid_domain(&target) {
                    false
                } else {
                    // exists always asks for A records, whatever the client (§5.7).
                    match self.lookup.addresses(&target) {
                        AddressAnswer::Addresses(list) if list.iter().any(IpAddr::is_ipv4) => true,
                        AddressAnswer::TempError => {
                            return Err(Abort::Temp {
                                name: target,
                                kind: "A",
                            })
                        }
                        _ => {
                            self.count_void()?;
                            false
                        }
                    }
                }
            }
        };
        Ok(matched.then_some(None))
    }

    /// The addresses of `name` in the client's family (A for IPv4, AAAA for
    /// IPv6, §5.3); an empty answer counts as a void lookup.
    fn addresses(&mut self, name: &str) -> Result<Vec<IpAddr>, Abort> {
        if !valid_domain(name) {
            return Ok(Vec::new());
        }
        let want_v4 = self.ip.is_ipv4();
        let kind = if want_v4 { "A" } else { "AAAA" };
        let found: Vec<IpAddr> = match self.lookup.addresses(name) {
            AddressAnswer::Addresses(list) => list
                .into_iter()
                .filter(|a| a.is_ipv4() == want_v4)
                .collect(),
            AddressAnswer::NoRecords | AddressAnswer::NxDomain => Vec::new(),
            AddressAnswer::TempError => {
                return Err(Abort::Temp {
                    name: name.to_string(),
                    kind,
                })
            }
        };
        if found.is_empty() {
            self.count_void()?;
        }
        Ok(found)
    }

    fn mx_matches(
        &mut self,
        target: &str,
        domain: &str,
        cidr4: u8,
        cidr6: u8,
    ) -> Result<bool, Abort> {
        if !valid_domain(target) {
            return Ok(false);
        }
        let exchanges = match self.lookup.mx(target) {
            MxAnswer::Exchanges(list) => list,
            MxAnswer::NoRecords | MxAnswer::NxDomain => Vec::new(),
            MxAnswer::TempError => {
                return Err(Abort::Temp {
                    name: target.to_string(),
                    kind: "MX",
                })
            }
        };
        if exchanges.is_empty() {
            self.count_void()?;
            return Ok(false);
        }
        if exchanges.len() > MAX_MX {
            return Err(Abort::Perm(Perm::TooManyMx {
                domain: domain.to_string(),
                name: target.to_string(),
            }));
        }
        let want_v4 = self.ip.is_ipv4();
        for exchange in &exchanges {
            let exchange = exchange.trim_end_matches('.');
            // A null MX (RFC 7505) names no host.
            if exchange.is_empty() || !valid_domain(exchange) {
                continue;
            }
            match self.lookup.addresses(exchange) {
                AddressAnswer::Addresses(list) => {
                    if list
                        .iter()
                        .filter(|a| a.is_ipv4() == want_v4)
                        .any(|a| in_dual(self.ip, *a, cidr4, cidr6))
                    {
                        return Ok(true);
                    }
                }
                AddressAnswer::NoRecords | AddressAnswer::NxDomain => {}
                AddressAnswer::TempError => {
                    return Err(Abort::Temp {
                        name: exchange.to_string(),
                        kind: if want_v4 { "A" } else { "AAAA" },
                    })
                }
            }
        }
        Ok(false)
    }
}

/// A domain check_host() can evaluate (§4.3): at most 253 characters, at
/// least two labels, none empty or longer than 63 characters.
pub(super) fn valid_domain(domain: &str) -> bool {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    !domain.is_empty()
        && domain.len() <= 253
        && domain.contains('.')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && label.len() <= 63 && !label.contains(' '))
}

fn in_dual(ip: IpAddr, address: IpAddr, cidr4: u8, cidr6: u8) -> bool {
    let length = if address.is_ipv4() { cidr4 } else { cidr6 };
    in_network(ip, address, length)
}

/// Whether `ip` lies in `network`/`length`; addresses of different families never match.
fn in_network(ip: IpAddr, network: IpAddr, length: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(length.min(32)))
                .unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(length.min(128)))
                .unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// The verdict for an outcome, with its sentence and RFC section.
pub(super) fn verdict(
    outcome: Outcome,
    identity: SpfIdentity,
    domain: &str,
    sender: &str,
    ip: IpAddr,
    lookups: u32,
) -> SpfVerdict {
    let (result, mechanism, reason, rfc) = match outcome {
        Outcome::Decided(decided) => {
            let result = decided.result;
            let reason = decided_reason(&decided, ip);
            (result, decided.term, reason, result.section())
        }
        Outcome::NoRecord(why) => {
            let reason = match why {
                NoRecord::Malformed(name) if name.is_empty() => "There is no domain to check: MAIL FROM was empty and the client gave no HELO name.".to_string(),
                NoRecord::Malformed(name) => format!("\"{}\" is not a domain name SPF can check (it needs at least two labels of at most 63 characters each), so there is no policy to apply.", shown(&name)),
                NoRecord::NxDomain(name) => format!("{name} does not exist in the DNS, so it publishes no SPF policy and nothing can be said about {ip}."),
                NoRecord::NoSpf(name) => format!("{name} publishes no SPF policy (no TXT record beginning with v=spf1), so nothing can be said about whether {ip} may send its mail."),
            };
            (SpfResult::None, None, reason, "RFC 7208 §4.5")
        }
        Outcome::Temp { name, kind } => (
            SpfResult::TempError,
            None,
            format!("The DNS lookup of the {kind} records of {name} failed for now, so SPF could not be decided; the receiver answers with a 4xx code so that the sender tries again later."),
            "RFC 7208 §2.6.6",
        ),
        Outcome::Perm(perm) => {
            let (reason, rfc) = perm_reason(perm);
            (SpfResult::PermError, None, reason, rfc)
        }
    };
    SpfVerdict {
        result,
        identity,
        domain: domain.to_string(),
        sender: sender.to_string(),
        mechanism,
        lookups,
        reason,
        rfc,
    }
}

fn decided_reason(decided: &Decided, ip: IpAddr) -> String {
    let policy = &decided.policy;
    let term = decided.term.as_deref().unwrap_or("");
    let bare = term.trim_start_matches(['+', '-', '~', '?']);
    let is_all = bare.eq_ignore_ascii_case("all");
    let base = match (decided.result, &decided.term) {
        (SpfResult::Neutral, None) => format!("None of the terms in {policy}'s SPF policy matches {ip}, and the policy does not end in -all or ~all, so the result is neutral: the domain says nothing either way"),
        (SpfResult::Pass, _) if is_all => format!("{policy}'s SPF policy ends in +all, which lets every address on the Internet send its mail, so {ip} passes (a policy like this protects nothing)"),
        (SpfResult::Pass, _) => match &decided.included {
            Some((target, inner)) => format!(
                "{ip} may send mail for {policy}: its SPF policy includes {target}'s, which lists it{}",
                inner.as_deref().map(|t| format!(" ({t})")).unwrap_or_default()
            ),
            None => format!("{ip} may send mail for {policy}: it matches {term} in the domain's SPF policy"),
        },
        (SpfResult::Fail, _) if is_all => format!("{ip} is not among the addresses {policy} allows to send its mail (its policy ends in -all)"),
        (SpfResult::Fail, _) => format!("{policy}'s SPF policy forbids {ip} to send its mail: it matches {term}"),
        (SpfResult::SoftFail, _) if is_all => format!("{ip} is not among the addresses {policy} allows to send its mail, but its policy ends in ~all, so the mail is accepted and only marked as suspicious"),
        (SpfResult::SoftFail, _) => format!("{ip} matches {term} in {policy}'s SPF policy, which marks it as probably not allowed: the mail is accepted and only marked as suspicious"),
        (SpfResult::Neutral, _) if is_all => format!("{policy}'s SPF policy ends in ?all, so it says nothing either way about {ip}"),
        (_, _) => format!("{ip} matches {term} in {policy}'s SPF policy, which deliberately says nothing either way about it (neutral)"),
    };
    match &decided.redirected_from {
        Some(from) if from != policy => {
            format!("{base}; {from} uses that policy through redirect={policy}.")
        }
        _ => format!("{base}."),
    }
}

/// A name or term from the client or a record, cut short for a reason (a
/// hostile MAIL FROM or record may hold one megabytes long).
fn shown(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or_default()),
        None => text.to_string(),
    }
}

fn perm_reason(perm: Perm) -> (String, &'static str) {
    match perm {
        Perm::Syntax { domain, term } => (
            format!("{domain}'s SPF record has an error: \"{}\" is not a valid term, so the whole record is unusable.", shown(&term)),
            "RFC 7208 §4.6",
        ),
        Perm::Duplicate { domain, modifier } => (
            format!("{domain}'s SPF record has {modifier}= more than once, which is not allowed, so the whole record is unusable."),
            "RFC 7208 §6",
        ),
        Perm::Multiple { domain, count } => (
            format!("{domain} publishes {count} SPF records (TXT records beginning with v=spf1); there must be exactly one, so none of them is used."),
            "RFC 7208 §4.5",
        ),
        Perm::TooManyLookups => (
            format!("Checking this SPF policy needs more than {MAX_LOOKUPS} DNS lookups (every include, a, mx, ptr, exists and redirect counts one), the limit that protects the DNS from abuse, so the policy is unusable."),
            "RFC 7208 §4.6.4",
        ),
        Perm::TooManyVoid => (
            format!("More than {MAX_VOID} of the DNS lookups this SPF policy asks for found no record at all, the limit for empty answers, so the policy is unusable."),
            "RFC 7208 §4.6.4",
        ),
        Perm::TooManyMx { domain, name } => (
            format!("{name} has more than {MAX_MX} MX records, more than the mx mechanism in {domain}'s SPF policy may look up, so the policy is unusable."),
            "RFC 7208 §4.6.4",
        ),
        Perm::IncludeNone { domain, target } => (
            format!("{domain}'s SPF policy includes {target}, but {target} publishes no SPF record, so the policy is unusable."),
            "RFC 7208 §5.2",
        ),
        Perm::RedirectNone { domain, target } => (
            format!("{domain}'s SPF policy redirects to {target}, but {target} publishes no SPF record, so the policy is unusable."),
            "RFC 7208 §6.1",
        ),
    }
}
