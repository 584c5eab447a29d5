//! SPF (RFC 7208) with random zones, chains, loops and huge records.

use super::*;

const DOMAINS: usize = 12;

fn domain_name() -> impl Strategy<Value = String> {
    (0..DOMAINS).prop_map(|i| format!("d{i}.test"))
}

fn spf_term() -> impl Strategy<Value = String> {
    let q = prop_oneof![Just(""), Just("+"), Just("-"), Just("~"), Just("?")];
    let mechanism = prop_oneof![
        Just("all".to_string()),
        (any::<[u8; 4]>(), 0u8..40).prop_map(|(o, l)| format!("ip4:{}/{l}", Ipv4Addr::from(o))),
        (any::<[u8; 16]>(), 0u8..140).prop_map(|(o, l)| format!("ip6:{}/{l}", Ipv6Addr::from(o))),
        domain_name().prop_map(|d| format!("include:{d}")),
        Just("a".to_string()),
        domain_name().prop_map(|d| format!("a:{d}/24//64")),
        Just("mx".to_string()),
        domain_name().prop_map(|d| format!("mx:{d}")),
        Just("ptr".to_string()),
        domain_name().prop_map(|d| format!("ptr:{d}")),
        Just("exists:%{i}.%{v}.%{d}".to_string()),
        Just("exists:%{ir}.%{l1r-}.%{o2}._spf.%{d}".to_string()),
        Just("exists:%{I}.%{S}.%{H}.%{D99999999999}.x.test".to_string()),
        domain_name().prop_map(|d| format!("redirect={d}")),
        domain_name().prop_map(|d| format!("exp=why.{d}")),
        Just("include:%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}.test".to_string()),
        Just("foo=%{s}%%%_%-".to_string()),
        "[!-~]{0,12}",
        "\\PC{0,8}",
        Just("z".repeat(5_000)),
    ];
    (q, mechanism).prop_map(|(q, m)| format!("{q}{m}"))
}

/// Valid terms, quick to generate in thousands.
fn cheap_term() -> impl Strategy<Value = String> {
    (0u8..8, any::<u32>()).prop_map(|(kind, n)| match kind {
        0 | 1 => format!("ip4:{}/{}", Ipv4Addr::from(n), n % 33),
        2 => format!("-ip6:2001:db8::{:x}/{}", n & 0xffff, n % 129),
        3 => format!("a:h{}.test", n % 50),
        4 => format!("~mx:d{}.test", n as usize % DOMAINS),
        5 => format!("include:d{}.test", n as usize % DOMAINS),
        6 => format!("exists:%{{i}}.{}.%{{d}}", n % 7),
        _ => format!("?ptr:d{}.test", n as usize % DOMAINS),
    })
}

fn spf_record() -> impl Strategy<Value = TxtAnswer> {
    let record = (prop::collection::vec(spf_term(), 0..16), "[ ]{1,2}")
        .prop_map(|(terms, sep)| format!("v=spf1{sep}{}", terms.join(&sep)))
        .boxed();
    prop_oneof![
        8 => prop::collection::vec(record.clone(), 1..2).prop_map(TxtAnswer::Records),
        1 => prop::collection::vec(record, 2..3).prop_map(TxtAnswer::Records),
        1 => Just(TxtAnswer::NoRecords),
        1 => Just(TxtAnswer::NxDomain),
        1 => Just(TxtAnswer::TempError),
        1 => "\\PC{0,40}".prop_map(|t| TxtAnswer::Records(vec![t])),
    ]
}

fn addr_answer() -> impl Strategy<Value = AddressAnswer> {
    prop_oneof![
        4 => prop::collection::vec(ip(), 0..4).prop_map(AddressAnswer::Addresses),
        1 => Just(AddressAnswer::NoRecords),
        1 => Just(AddressAnswer::NxDomain),
        1 => Just(AddressAnswer::TempError),
    ]
}

fn mx_answer() -> impl Strategy<Value = MxAnswer> {
    let exchange = prop_oneof![
        (0..20usize).prop_map(|i| format!("mx{i}.test")),
        Just(String::new()),
        Just(".".to_string()),
        "[a-z.]{0,10}",
    ];
    prop_oneof![
        4 => prop::collection::vec(exchange, 0..14).prop_map(MxAnswer::Exchanges),
        1 => Just(MxAnswer::NoRecords),
        1 => Just(MxAnswer::NxDomain),
        1 => Just(MxAnswer::TempError),
    ]
}

fn spf_zone() -> impl Strategy<Value = Dns> {
    (
        prop::collection::vec(spf_record(), DOMAINS),
        prop::collection::vec(addr_answer(), DOMAINS),
        prop::collection::vec(mx_answer(), DOMAINS),
        prop::option::of(addr_answer()),
    )
        .prop_map(|(txt, addr, mx, any_addr)| {
            let mut dns = Dns {
                any_addr,
                ..Dns::default()
            };
            for (i, ((t, a), m)) in txt.into_iter().zip(addr).zip(mx).enumerate() {
                dns.txt.insert(format!("d{i}.test"), t);
                dns.addr.insert(format!("d{i}.test"), a);
                dns.mx.insert(format!("d{i}.test"), m);
            }
            dns
        })
}

fn sender() -> impl Strategy<Value = String> {
    prop_oneof![
        ("[a-z.+=-]{0,12}", domain_name()).prop_map(|(l, d)| format!("{l}@{d}")),
        domain_name().prop_map(|d| format!("<postmaster@{d}>")),
        Just(String::new()),
        Just("<>".to_string()),
        "\\PC{0,30}",
        "[a-z]{300}@d0.test",
        Just(format!("x@{}", "a".repeat(5_000))),
    ]
}

/// The checks every SPF verdict must pass.
fn check_spf(verdict: &SpfVerdict, dns: &Dns) -> Result<(), TestCaseError> {
    let known = [
        "none",
        "neutral",
        "pass",
        "fail",
        "softfail",
        "temperror",
        "permerror",
    ];
    prop_assert!(known.contains(&verdict.result.as_str()));
    prop_assert!(verdict.rfc.starts_with("RFC 7208"), "{}", verdict.rfc);
    prop_assert!(!verdict.reason.is_empty());
    prop_assert!(
        verdict.reason.len() <= 2_000,
        "a reason of {} bytes",
        verdict.reason.len()
    );
    // 10 DNS-querying terms, the 11th is refused before it queries (§4.6.4).
    prop_assert!(verdict.lookups <= 11, "{} counted", verdict.lookups);
    // The record's TXT, then one query per counted term ...
    let direct = dns.txt_calls.get() + dns.mx_calls.get();
    prop_assert!(direct <= 11, "{direct} TXT/MX queries: {:?}", dns.asked);
    // ... and at most 10 address lookups per MX query.
    prop_assert!(
        dns.addr_calls.get() <= 10 + 10 * dns.mx_calls.get(),
        "{} address queries: {:?}",
        dns.addr_calls.get(),
        dns.asked
    );
    prop_assert!(dns.total() <= 111);
    prop_assert!(
        dns.longest_name.get() <= 253,
        "a name of {} bytes",
        dns.longest_name.get()
    );
    Ok(())
}

proptest! {
    #![proptest_config(config(200))]

    #[test]
    fn spf_random_zones(dns in spf_zone(), ip in ip(), helo in "[a-z0-9.]{0,20}", from in sender()) {
        let verdict = spf::check_host(&dns, ip, &helo, &from);
        check_spf(&verdict, &dns)?;
    }
}

proptest! {
    #![proptest_config(config(32))]

    /// An include or redirect chain of any length, possibly looping back.
    #[test]
    fn spf_chains_and_loops(
        length in 1usize..40,
        back_to in prop::option::of(0usize..40),
        redirect in any::<bool>(),
        ip in ip(),
    ) {
        let mut dns = Dns::default();
        for i in 0..length {
            let next = match (i + 1 == length, back_to) {
                (false, _) => Some(i + 1),
                (true, Some(b)) => Some(b % length),
                (true, None) => None,
            };
            let record = match (next, redirect) {
                (Some(n), false) => format!("v=spf1 include:c{n}.test -all"),
                (Some(n), true) => format!("v=spf1 redirect=c{n}.test"),
                (None, _) => "v=spf1 +all".to_string(),
            };
            dns.txt.insert(format!("c{i}.test"), TxtAnswer::Records(vec![record]));
        }
        let verdict = spf::check_host(&dns, ip, "helo.test", "x@c0.test");
        check_spf(&verdict, &dns)?;
        if back_to.is_some() || length > 11 {
            prop_assert_eq!(verdict.result, SpfResult::PermError);
        }
    }

    /// Thousands of valid terms: evaluation stops at the limit, quickly.
    #[test]
    fn spf_thousands_of_terms(terms in prop::collection::vec(cheap_term(), 1000..5000), ip in ip()) {
        let mut dns = Dns::default();
        for i in 0..DOMAINS {
            dns.txt.insert(format!("d{i}.test"), TxtAnswer::Records(vec!["v=spf1 ip4:198.51.100.0/24 ~all".into()]));
        }
        dns.txt.insert("big.test".into(), TxtAnswer::Records(vec![format!("v=spf1 {}", terms.join(" "))]));
        dns.any_addr = Some(AddressAnswer::Addresses(vec!["203.0.113.9".parse().unwrap()]));
        let start = Instant::now();
        let verdict = spf::check_host(&dns, ip, "helo.test", "x@big.test");
        check_spf(&verdict, &dns)?;
        prop_assert!(start.elapsed() < Duration::from_secs(2));
    }
}

#[test]
fn spf_huge_macro_expansions_stay_small() {
    // 60 000 macros, each the 1 000-byte sender URL-escaped to 3 000 bytes:
    // a naive expansion builds 180 MB per term.
    let spec = "%{S}".repeat(60_000);
    let record = format!("v=spf1 exists:{spec}.x.test include:{spec}.y.test a:{spec}.z.test -all");
    let mut dns = Dns::default();
    dns.txt
        .insert("huge.test".into(), TxtAnswer::Records(vec![record]));
    let sender = format!("{}@huge.test", "a=".repeat(500));
    let start = Instant::now();
    for ip in ["192.0.2.1", "2001:db8::1"] {
        let verdict = spf::check_host(&dns, ip.parse().unwrap(), "helo.test", &sender);
        assert_eq!(verdict.result, SpfResult::PermError, "{verdict:?}");
    }
    assert!(dns.longest_name.get() <= 253);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn spf_ipv6_macros_fit_a_domain_name() {
    let mut dns = Dns::default();
    dns.txt.insert(
        "v6.test".into(),
        TxtAnswer::Records(vec![
            "v=spf1 exists:%{ir}.%{ir}.%{ir}.%{ir}.%{ir}.%{v}._spf.%{d} -all".into(),
        ]),
    );
    dns.any_addr = Some(AddressAnswer::Addresses(vec!["127.0.0.2".parse().unwrap()]));
    let verdict = spf::check_host(
        &dns,
        "2001:db8::ff".parse().unwrap(),
        "helo.test",
        "x@v6.test",
    );
    assert_eq!(verdict.result, SpfResult::Pass, "{verdict:?}");
    assert!(dns.longest_name.get() <= 253);
}
