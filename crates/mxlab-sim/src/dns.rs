//! The DNS zone the resolver answers from: MX, A, AAAA and TXT records,
//! null MX (RFC 7505), NXDOMAIN, SERVFAIL and timeouts, plus failures
//! injected by faults. Names compare case-insensitively.

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
    txt: Vec<String>,
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
                    txt: d.txt.clone(),
                    status: d.status,
                },
            );
        }
        Zone {
            names,
            failures: BTreeMap::new(),
        }
    }

    /// Publishes a TXT record at `name` unless the name has TXT records
    /// already (a DKIM key derived for a signer the scenario gave none
    /// for); true when it did.
    pub fn publish_txt(&mut self, name: &str, record: String) -> bool {
        let e = self.names.entry(name.to_ascii_lowercase()).or_default();
        if !e.txt.is_empty() || e.status != DnsStatus::Ok {
            return false;
        }
        e.txt.push(record);
        true
    }

    /// The TXT records at `name`, failures and all.
    pub fn lookup_txt(&self, name: &str) -> mxlab_auth::TxtAnswer {
        use mxlab_auth::TxtAnswer;
        match self.resolve(name) {
            (DnsStatus::Nxdomain, _) => TxtAnswer::NxDomain,
            (DnsStatus::Servfail | DnsStatus::Timeout, _) => TxtAnswer::TempError,
            (DnsStatus::Ok, Some(e)) if !e.txt.is_empty() => TxtAnswer::Records(e.txt.clone()),
            (DnsStatus::Ok, _) => TxtAnswer::NoRecords,
        }
    }

    /// Every record in zone-file presentation (RFC 1035 §5.1), a name at
    /// a time in name order: MX, A, AAAA, then TXT (each record split into
    /// quoted strings of at most 255 octets). A name that fails is a
    /// comment. Faults in force are not shown.
    pub fn zone_file(&self) -> String {
        let mut out = String::new();
        for (name, e) in &self.names {
            let status = match e.status {
                DnsStatus::Ok => None,
                DnsStatus::Nxdomain => Some("NXDOMAIN"),
                DnsStatus::Servfail => Some("SERVFAIL"),
                DnsStatus::Timeout => Some("no answer (timeout)"),
            };
            if let Some(status) = status {
                out.push_str(&format!("; {name}. answers {status}\n"));
                continue;
            }
            for m in &e.mx {
                let exchange = m.exchange.trim_end_matches('.');
                out.push_str(&format!("{name}. IN MX {} {exchange}.\n", m.preference));
            }
            for a in &e.addresses {
                let t = if a.is_ipv4() { "A" } else { "AAAA" };
                out.push_str(&format!("{name}. IN {t} {a}\n"));
            }
            for t in &e.txt {
                out.push_str(&format!("{name}. IN TXT {}\n", txt_strings(t)));
            }
        }
        out
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

/// A TXT record as quoted character-strings of at most 255 octets each
/// (RFC 1035 §3.3.14), `"` and `\` escaped.
fn txt_strings(record: &str) -> String {
    let bytes = record.as_bytes();
    let mut parts = Vec::new();
    for chunk in bytes.chunks(255) {
        let mut part = String::from("\"");
        for &b in chunk {
            match b {
                b'"' | b'\\' => {
                    part.push('\\');
                    part.push(char::from(b));
                }
                0x20..=0x7e => part.push(char::from(b)),
                other => part.push_str(&format!("\\{other:03}")),
            }
        }
        part.push('"');
        parts.push(part);
    }
    if parts.is_empty() {
        parts.push("\"\"".to_owned());
    }
    parts.join(" ")
}
