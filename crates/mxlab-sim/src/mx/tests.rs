//! MX selection per RFC 5321 §5.1, one test per rule.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use super::{order_mx, select_mx, MxCandidate};
use crate::dns::{AddressAnswer, MxAnswer};
use crate::rng::SimRng;
use crate::scenario::{DnsDomain, DnsStatus, DnsZone, MxSpec};
use crate::{MxRecord, Zone};

fn mx(preference: u16, exchange: &str) -> MxRecord {
    MxRecord {
        preference,
        exchange: exchange.to_owned(),
    }
}

fn domain(name: &str, mx: &[(u64, &str)], a: &[&str], status: DnsStatus) -> DnsDomain {
    DnsDomain {
        name: name.to_owned(),
        mx: mx
            .iter()
            .map(|(p, e)| MxSpec {
                preference: *p,
                exchange: (*e).to_owned(),
            })
            .collect(),
        a: a.iter().map(|s| (*s).to_owned()).collect(),
        aaaa: Vec::new(),
        txt: Vec::new(),
        status,
    }
}

fn zone() -> Zone {
    Zone::from_scenario(&DnsZone {
        resolver: None,
        domains: vec![
            domain(
                "example.org",
                &[(20, "mx2.example.org"), (10, "MX1.example.org")],
                &[],
                DnsStatus::Ok,
            ),
            domain("implicit.example", &[], &["192.0.2.7"], DnsStatus::Ok),
            domain("empty.example", &[], &[], DnsStatus::Ok),
            domain("nullmx.example", &[(0, ".")], &[], DnsStatus::Ok),
            domain("broken.example", &[], &[], DnsStatus::Servfail),
            domain("slow.example", &[], &[], DnsStatus::Timeout),
            domain("gone.example", &[], &[], DnsStatus::Nxdomain),
        ],
    })
}

fn names(c: &[MxCandidate]) -> Vec<&str> {
    c.iter().map(|c| c.exchange.as_str()).collect()
}

#[test]
fn ascending_preference() {
    let mut rng = SimRng::world(1);
    let c = select_mx("Example.ORG", &zone(), &[], &mut rng).unwrap();
    assert_eq!(names(&c), ["mx1.example.org", "mx2.example.org"]);
    assert_eq!(c[0].preference, 10);
}

#[test]
fn equal_preferences_are_shuffled_by_the_seed() {
    let records: Vec<MxRecord> = (0..6).map(|i| mx(10, &format!("mx{i}.example"))).collect();
    let mut orders = std::collections::BTreeSet::new();
    for seed in 0..20 {
        let a = order_mx("example", &records, &[], &mut SimRng::world(seed)).unwrap();
        let b = order_mx("example", &records, &[], &mut SimRng::world(seed)).unwrap();
        assert_eq!(a, b, "seed {seed}: same seed, same order");
        orders.insert(names(&a).join(","));
    }
    assert!(orders.len() > 10, "different seeds give different orders");
    // Shuffling never crosses preference groups.
    let mut mixed = records.clone();
    mixed.push(mx(5, "best.example"));
    mixed.push(mx(50, "worst.example"));
    for seed in 0..20 {
        let c = order_mx("example", &mixed, &[], &mut SimRng::world(seed)).unwrap();
        assert_eq!(c.first().unwrap().exchange, "best.example");
        assert_eq!(c.last().unwrap().exchange, "worst.example");
    }
}

#[test]
fn implicit_mx_when_only_an_address_exists() {
    let c = select_mx("implicit.example", &zone(), &[], &mut SimRng::world(1)).unwrap();
    assert_eq!(names(&c), ["implicit.example"]);
    assert!(c[0].implicit);
    assert_eq!(c[0].preference, 0);
}

#[test]
fn null_mx_is_a_permanent_556_5_1_10() {
    assert_eq!(zone().lookup_mx("nullmx.example"), MxAnswer::NullMx);
    let e = select_mx("nullmx.example", &zone(), &[], &mut SimRng::world(1)).unwrap_err();
    assert_eq!((e.code, e.enhanced.as_str()), (556, "5.1.10"));
    assert!(e.is_permanent());
}

#[test]
fn nxdomain_is_permanent() {
    for d in ["gone.example", "unknown.example"] {
        let e = select_mx(d, &zone(), &[], &mut SimRng::world(1)).unwrap_err();
        assert!(e.is_permanent(), "{d}: {e}");
        assert_eq!(e.enhanced, "5.1.2");
    }
}

#[test]
fn no_mx_and_no_address_is_permanent() {
    let e = select_mx("empty.example", &zone(), &[], &mut SimRng::world(1)).unwrap_err();
    assert!(e.is_permanent());
}

#[test]
fn servfail_and_timeout_are_temporary() {
    for d in ["broken.example", "slow.example"] {
        let e = select_mx(d, &zone(), &[], &mut SimRng::world(1)).unwrap_err();
        assert!(e.is_temporary(), "{d}: {e}");
    }
}

#[test]
fn a_listed_host_tries_only_more_preferred_mxs() {
    let records = [
        mx(10, "mx1.example"),
        mx(20, "mx2.example"),
        mx(20, "mx3.example"),
        mx(30, "mx4.example"),
    ];
    let c = order_mx("example", &records, &["MX3.example"], &mut SimRng::world(1)).unwrap();
    assert_eq!(names(&c), ["mx1.example"]);
    let e = order_mx("example", &records, &["mx1.example"], &mut SimRng::world(1)).unwrap_err();
    assert_eq!((e.code, e.enhanced.as_str()), (554, "5.4.6"));
}

#[test]
fn injected_dns_failures_start_and_end() {
    let mut z = zone();
    z.set_failure(Some("example.org"), Some(DnsStatus::Servfail));
    assert_eq!(z.lookup_mx("example.org"), MxAnswer::ServFail);
    assert!(select_mx("example.org", &z, &[], &mut SimRng::world(1))
        .unwrap_err()
        .is_temporary());
    z.set_failure(Some("example.org"), None);
    z.set_failure(None, Some(DnsStatus::Timeout));
    assert_eq!(z.lookup_address("implicit.example"), AddressAnswer::Timeout);
    z.set_failure(None, None);
    assert!(select_mx("example.org", &z, &[], &mut SimRng::world(1)).is_ok());
}
