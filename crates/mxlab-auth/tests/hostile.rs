//! Hostile input, through the public API only: random and adversarial
//! messages from an SMTP client, and random DNS answers from a scenario.
//! Every verdict must come back (no panic), be one of the defined results,
//! and cost a bounded number of DNS questions and little time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use mxlab_auth::dkim::{self, Algorithm, DkimResult, DkimVerdict, KeyError, Signer, SigningKey};
use mxlab_auth::dmarc::{self, Disposition, DmarcResult, DmarcVerdict};
use mxlab_auth::spf::{self, SpfIdentity, SpfResult, SpfVerdict};
use mxlab_auth::{results, srs, AddressAnswer, Lookup, MxAnswer, TxtAnswer};
use proptest::prelude::*;
use rsa::pkcs1::der::Encode as _;
use rsa::pkcs8::EncodePublicKey as _;

const NOW: i64 = 1_704_099_600;

/// A zone built by the test, counting every question.
#[derive(Debug, Default)]
struct Dns {
    txt: HashMap<String, TxtAnswer>,
    addr: HashMap<String, AddressAnswer>,
    mx: HashMap<String, MxAnswer>,
    /// The answer for TXT names not listed (NXDOMAIN when None).
    any_txt: Option<TxtAnswer>,
    /// The answer for address names not listed (NXDOMAIN when None).
    any_addr: Option<AddressAnswer>,
    txt_calls: Cell<u32>,
    addr_calls: Cell<u32>,
    mx_calls: Cell<u32>,
    longest_name: Cell<usize>,
    asked: RefCell<Vec<String>>,
}

impl Dns {
    fn ask(&self, counter: &Cell<u32>, kind: &str, name: &str) -> String {
        counter.set(counter.get() + 1);
        self.longest_name
            .set(self.longest_name.get().max(name.len()));
        let name = name.to_ascii_lowercase();
        if self.asked.borrow().len() < 200 {
            self.asked.borrow_mut().push(format!("{kind} {name}"));
        }
        name
    }

    fn total(&self) -> u32 {
        self.txt_calls.get() + self.addr_calls.get() + self.mx_calls.get()
    }
}

impl Lookup for Dns {
    fn txt(&self, name: &str) -> TxtAnswer {
        let name = self.ask(&self.txt_calls, "TXT", name);
        self.txt
            .get(&name)
            .or(self.any_txt.as_ref())
            .cloned()
            .unwrap_or(TxtAnswer::NxDomain)
    }
    fn addresses(&self, name: &str) -> AddressAnswer {
        let name = self.ask(&self.addr_calls, "A", name);
        self.addr
            .get(&name)
            .or(self.any_addr.as_ref())
            .cloned()
            .unwrap_or(AddressAnswer::NxDomain)
    }
    fn mx(&self, name: &str) -> MxAnswer {
        let name = self.ask(&self.mx_calls, "MX", name);
        self.mx.get(&name).cloned().unwrap_or(MxAnswer::NxDomain)
    }
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|o| IpAddr::V4(Ipv4Addr::from(o))),
        any::<[u8; 16]>().prop_map(|o| IpAddr::V6(Ipv6Addr::from(o))),
        any::<[u8; 4]>().prop_map(|o| IpAddr::V6(Ipv4Addr::from(o).to_ipv6_mapped())),
        Just("192.0.2.1".parse().unwrap()),
        Just("2001:db8::1".parse().unwrap()),
    ]
}

#[path = "hostile/dkim_cases.rs"]
mod dkim_cases;
#[path = "hostile/dmarc_cases.rs"]
mod dmarc_cases;
#[path = "hostile/spf_cases.rs"]
mod spf_cases;

use dmarc_cases::{dkim_verdict, spf_verdict, text};

// ------------------------------------------------------------ Results ----

/// A header field as MX Lab writes it: its lines end in CRLF, every line
/// after the first is a continuation, and there is no other CR or LF.
fn check_field(field: &str) -> Result<(), TestCaseError> {
    prop_assert!(field.ends_with("\r\n"), "{:?}", field);
    let body = &field[..field.len() - 2];
    for (i, line) in body.split("\r\n").enumerate() {
        prop_assert!(!line.contains(['\r', '\n']), "bare CR or LF in {:?}", field);
        if i > 0 {
            prop_assert!(
                line.starts_with([' ', '\t']),
                "a line that is not a continuation in {:?}",
                field
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn results_fields_are_well_formed(
        id in text(),
        spf in spf_verdict(),
        dkim in prop::collection::vec(dkim_verdict(), 0..3),
        ip in ip(),
        helo in text(),
        text in "\\PC{0,100}",
    ) {
        let field = results::authentication_results(&id, &spf, &dkim, None);
        check_field(&field)?;
        let parsed = results::parse_results(&field);
        prop_assert_eq!(parsed.first().map(|(m, r)| (m.as_str(), r.as_str())), Some(("spf", spf.result.as_str())), "{:?}", field);
        prop_assert_eq!(parsed.len(), 1 + dkim.len().max(1), "{:?}", field);
        check_field(&results::received_spf(&id, &spf, ip, &helo))?;
        let _ = results::parse_results(&text);
    }
}

// ---------------------------------------------------------------- SRS ----

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn srs_reverse_hostile(address in "\\PC{0,60}", secret in prop::collection::vec(any::<u8>(), 0..20)) {
        let _ = srs::reverse(&address, &secret);
        let _ = srs::forward(&address, "fwd.example", &secret, NOW);
    }

    #[test]
    fn srs_round_trip(local in "[a-z0-9.=+_-]{1,20}", domain in "[a-z]{1,10}\\.example", now in any::<i64>()) {
        prop_assume!(!local.to_ascii_lowercase().starts_with("srs"));
        let sender = format!("{local}@{domain}");
        let rewritten = srs::forward(&sender, "fwd.example", b"s", now);
        prop_assert_eq!(srs::reverse(&rewritten, b"s"), Some(sender));
    }
}
