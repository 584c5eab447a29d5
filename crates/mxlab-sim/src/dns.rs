//! The DNS zone the resolver answers from: MX, A and AAAA records, null MX
//! (RFC 7505), NXDOMAIN, SERVFAIL and timeouts, plus failures injected by
//! faults. Names compare case-insensitively.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::scenario::{DnsStatus, DnsZone};

/// One MX resource record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MxRecord {
    /// Lower is tried first.
    pub preference: u16,
    /// The exchange's host name (`.` for a null MX).
    pub exchange: String,
}

/// The resolver's answer to an MX query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MxAnswer {
    /// The MX records, in zone order.
    Records(Vec<MxRecord>),
    /// A null MX (RFC 7505): the domain accepts no mail.
    NullMx,
    /// The name exists but has no MX record (NODATA).
    NoRecords,
    /// The name does not exist.
    NxDomain,
    /// The server failed (temporary).
    ServFail,
    /// No answer (temporary).
    Timeout,
}

/// The resolver's answer to an A/AAAA query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AddressAnswer {
    /// The addresses: A records first, then AAAA.
    Addresses(Vec<IpAddr>),
    /// The name exists but has no address (NODATA).
    NoRecords,
    /// The name does not exist.
    NxDomain,
    /// The server failed (temporary).
    ServFail,
    /// No answer (temporary).
    Timeout,
}

#[derive(Debug, Clone, Default)]
struct Entry {
    mx: Vec<MxRecord>,
    addresses: Vec<IpAddr>,
    status: DnsStatus,
}

/// The zone: every name's records and status, and the failures that
/// faults currently impose.
#[derive(Debug, Clone, Default)]
pub struct Zone {
    names: BTreeMap<String, Entry>,
    /// Failing domains (lower-case); `None` fails every name.
    failures: BTreeMap<Option<String>, DnsStatus>,
}

impl Zone {
    /// The zone of a validated scenario. Unparseable addresses (which
    /// validation reports) are skipped.
    pub fn from_scenario(dns: &DnsZone) -> Zone {
        let mut names = BTreeMap::new();
        for d in &dns.domains {
            let mx =
                d.mx.iter()
                    .map(|m| MxRecord {
                        preference: u16::try_from(m.preference).unwrap_or(u16::MAX),
                        exchange: m.exchange.to_ascii_lowercase(),
                    })
                    .collect();
            let addresses =
                d.a.iter()
                    .chain(d.aaaa.iter())
                    .filter_map(|a| a.parse().ok())
                    .collect();
            names.insert(
                d.name.to_ascii_lowercase(),
                Entry {
                    mx,
                    addresses,
                    status: d.status,
                },
            );
        }
        Zone {
            names,
            failures: BTreeMap::new(),
        }
    }

    /// Starts (`Some`) or ends (`None`) a resolver failure for `domain`, or
    /// for every name when `domain` is `None`.
    pub fn set_failure(&mut self, domain: Option<&str>, status: Option<DnsStatus>) {
        let key = domain.map(str::to_ascii_lowercase);
        match status {
            Some(s) => {
                self.failures.insert(key, s);
            }
            None => {
                self.failures.remove(&key);
            }
        }
    }

    /// The status of `name`, failures included, and its entry.
    fn resolve(&self, name: &str) -> (DnsStatus, Option<&Entry>) {
        let name = name.trim_end_matches('.');
        let key: Cow<'_, str> = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        if !self.failures.is_empty() {
            if let Some(s) = self
                .failures
                .get(&Some(key.to_string()))
                .or_else(|| self.failures.get(&None))
            {
                return (*s, None);
            }
        }
        match self.names.get(key.as_ref()) {
            Some(e) => (e.status, Some(e)),
            None => (DnsStatus::Nxdomain, None),
        }
    }

    /// Answers an MX query.
    pub fn lookup_mx(&self, domain: &str) -> MxAnswer {
        match self.resolve(domain) {
            (DnsStatus::Nxdomain, _) => MxAnswer::NxDomain,
            (DnsStatus::Servfail, _) => MxAnswer::ServFail,
            (DnsStatus::Timeout, _) => MxAnswer::Timeout,
            (DnsStatus::Ok, None) => MxAnswer::NoRecords,
            (DnsStatus::Ok, Some(e)) => {
                if e.mx.iter().any(|m| m.exchange == ".") {
                    MxAnswer::NullMx
                } else if e.mx.is_empty() {
                    MxAnswer::NoRecords
                } else {
                    MxAnswer::Records(e.mx.clone())
                }
            }
        }
    }

    /// Answers an A/AAAA query.
    pub fn lookup_address(&self, name: &str) -> AddressAnswer {
        match self.resolve(name) {
            (DnsStatus::Nxdomain, _) => AddressAnswer::NxDomain,
            (DnsStatus::Servfail, _) => AddressAnswer::ServFail,
            (DnsStatus::Timeout, _) => AddressAnswer::Timeout,
            (DnsStatus::Ok, Some(e)) if !e.addresses.is_empty() => {
                AddressAnswer::Addresses(e.addresses.clone())
            }
            (DnsStatus::Ok, _) => AddressAnswer::NoRecords,
        }
    }
}
