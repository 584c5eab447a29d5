//! The DNS questions the verdicts ask, answered by the caller.

use std::net::IpAddr;

/// What a lookup of TXT records returned.
///
/// Each record is one string: a record published as several
/// character-strings is joined without separators first (RFC 7208 §3.3,
/// RFC 6376 §3.6.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxtAnswer {
    /// The name exists and has these TXT records.
    Records(Vec<String>),
    /// The name exists but has no TXT record (NOERROR with no answer, RFC 2308 §2.2).
    NoRecords,
    /// The name does not exist (RCODE 3, RFC 2308 §2.1).
    NxDomain,
    /// The lookup failed for now (SERVFAIL or a timeout); a later attempt may succeed.
    TempError,
}

/// What a lookup of a name's addresses (A, then AAAA) returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressAnswer {
    /// The name's IPv4 addresses (A records) followed by its IPv6 addresses (AAAA records).
    Addresses(Vec<IpAddr>),
    /// The name exists but has no address record.
    NoRecords,
    /// The name does not exist.
    NxDomain,
    /// The lookup failed for now.
    TempError,
}

/// What a lookup of a name's MX records returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MxAnswer {
    /// The exchanges' host names, in preference order (RFC 5321 §5.1).
    Exchanges(Vec<String>),
    /// The name exists but has no MX record.
    NoRecords,
    /// The name does not exist.
    NxDomain,
    /// The lookup failed for now.
    TempError,
}

/// The DNS the verdicts are taken over; the caller answers (the simulator
/// from its zone).
///
/// Names are passed without a trailing dot, as they appear in the records
/// and the message; the caller compares them case-insensitively.
pub trait Lookup {
    /// The TXT records of `name`.
    fn txt(&self, name: &str) -> TxtAnswer;
    /// The addresses of `name`: A records, then AAAA records.
    fn addresses(&self, name: &str) -> AddressAnswer;
    /// The MX exchanges of `name`, in preference order.
    fn mx(&self, name: &str) -> MxAnswer;
}

/// A zone for the tests: names compared case-insensitively, every question
/// recorded.
#[cfg(test)]
#[derive(Debug, Default)]
pub(crate) struct Zone {
    txt: std::collections::BTreeMap<String, TxtAnswer>,
    addresses: std::collections::BTreeMap<String, AddressAnswer>,
    mx: std::collections::BTreeMap<String, MxAnswer>,
    asked: std::cell::RefCell<Vec<String>>,
}

#[cfg(test)]
impl Zone {
    pub(crate) fn new() -> Zone {
        Zone::default()
    }

    pub(crate) fn txt(mut self, name: &str, records: &[&str]) -> Zone {
        let answer = TxtAnswer::Records(records.iter().map(|r| r.to_string()).collect());
        self.txt.insert(name.to_ascii_lowercase(), answer);
        self
    }

    pub(crate) fn txt_answer(mut self, name: &str, answer: TxtAnswer) -> Zone {
        self.txt.insert(name.to_ascii_lowercase(), answer);
        self
    }

    pub(crate) fn a(mut self, name: &str, addresses: &[&str]) -> Zone {
        let list = addresses.iter().filter_map(|a| a.parse().ok()).collect();
        self.addresses
            .insert(name.to_ascii_lowercase(), AddressAnswer::Addresses(list));
        self
    }

    pub(crate) fn a_answer(mut self, name: &str, answer: AddressAnswer) -> Zone {
        self.addresses.insert(name.to_ascii_lowercase(), answer);
        self
    }

    pub(crate) fn mx(mut self, name: &str, exchanges: &[&str]) -> Zone {
        let list = exchanges.iter().map(|e| e.to_string()).collect();
        self.mx
            .insert(name.to_ascii_lowercase(), MxAnswer::Exchanges(list));
        self
    }

    pub(crate) fn mx_answer(mut self, name: &str, answer: MxAnswer) -> Zone {
        self.mx.insert(name.to_ascii_lowercase(), answer);
        self
    }

    /// The questions asked so far, as "TYPE name".
    pub(crate) fn asked(&self) -> Vec<String> {
        self.asked.borrow().clone()
    }

    fn exists(&self, name: &str) -> bool {
        self.txt.contains_key(name)
            || self.addresses.contains_key(name)
            || self.mx.contains_key(name)
    }
}

#[cfg(test)]
impl Lookup for Zone {
    fn txt(&self, name: &str) -> TxtAnswer {
        let name = name.to_ascii_lowercase();
        self.asked.borrow_mut().push(format!("TXT {name}"));
        match self.txt.get(&name) {
            Some(answer) => answer.clone(),
            None if self.exists(&name) => TxtAnswer::NoRecords,
            None => TxtAnswer::NxDomain,
        }
    }

    fn addresses(&self, name: &str) -> AddressAnswer {
        let name = name.to_ascii_lowercase();
        self.asked.borrow_mut().push(format!("A {name}"));
        match self.addresses.get(&name) {
            Some(answer) => answer.clone(),
            None if self.exists(&name) => AddressAnswer::NoRecords,
            None => AddressAnswer::NxDomain,
        }
    }

    fn mx(&self, name: &str) -> MxAnswer {
        let name = name.to_ascii_lowercase();
        self.asked.borrow_mut().push(format!("MX {name}"));
        match self.mx.get(&name) {
            Some(answer) => answer.clone(),
            None if self.exists(&name) => MxAnswer::NoRecords,
            None => MxAnswer::NxDomain,
        }
    }
}
