//! A receiving MX's whole authentication pass, through the public API only:
//! genuine mail from bank.example passes SPF, DKIM and DMARC; a forgery
//! from another network fails all three and is rejected; forwarded mail
//! keeps DMARC through its DKIM signature.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::collections::BTreeMap;
use std::net::IpAddr;

use mxlab_auth::dkim::{self, DkimResult, Signer, SigningKey};
use mxlab_auth::dmarc::{self, Disposition, DmarcResult};
use mxlab_auth::results;
use mxlab_auth::spf::{self, SpfResult};
use mxlab_auth::{srs, AddressAnswer, Lookup, MxAnswer, TxtAnswer};

struct Dns {
    txt: BTreeMap<String, Vec<String>>,
}

impl Lookup for Dns {
    fn txt(&self, name: &str) -> TxtAnswer {
        match self.txt.get(&name.to_ascii_lowercase()) {
            Some(records) => TxtAnswer::Records(records.clone()),
            None => TxtAnswer::NxDomain,
        }
    }
    fn addresses(&self, _: &str) -> AddressAnswer {
        AddressAnswer::NxDomain
    }
    fn mx(&self, _: &str) -> MxAnswer {
        MxAnswer::NxDomain
    }
}

const MESSAGE: &str = "From: Bank <alerts@bank.example>\r\nTo: bob@shop.example\r\nSubject: Statement\r\nDate: Mon, 1 Jan 2024 09:00:00 +0000\r\nMessage-ID: <7@bank.example>\r\n\r\nYour statement is ready.\r\n";
const NOW: i64 = 1_704_099_600;

fn setup() -> (Dns, Signer) {
    let key = SigningKey::ed25519_from_seed(b"seed 1 bank.example s1");
    let mut txt = BTreeMap::new();
    txt.insert(
        "bank.example".to_string(),
        vec!["v=spf1 ip4:192.0.2.0/24 -all".to_string()],
    );
    txt.insert(
        "s1._domainkey.bank.example".to_string(),
        vec![key.dns_record()],
    );
    txt.insert(
        "_dmarc.bank.example".to_string(),
        vec!["v=DMARC1; p=reject; rua=mailto:dmarc@bank.example".to_string()],
    );
    txt.insert(
        "fwd.example".to_string(),
        vec!["v=spf1 ip4:198.51.100.0/24 -all".to_string()],
    );
    (Dns { txt }, Signer::new("bank.example", "s1", key))
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[test]
fn genuine_mail_passes_everything() {
    let (dns, signer) = setup();
    let signed = format!("{}{MESSAGE}", dkim::sign(MESSAGE.as_bytes(), &signer, NOW));
    let spf = spf::check_host(
        &dns,
        ip("192.0.2.25"),
        "mail.bank.example",
        "bounces@bank.example",
    );
    let dkim = dkim::verify(signed.as_bytes(), &dns, NOW + 5);
    let dmarc = dmarc::evaluate(signed.as_bytes(), &spf, &dkim, &dns, 42);
    assert_eq!(spf.result, SpfResult::Pass);
    assert_eq!(dkim[0].result, DkimResult::Pass);
    assert_eq!(dmarc.result, DmarcResult::Pass);
    let field = results::authentication_results("mx.shop.example", &spf, &dkim, Some(&dmarc));
    let methods: Vec<String> = results::parse_results(&field)
        .into_iter()
        .map(|(m, r)| format!("{m}={r}"))
        .collect();
    assert_eq!(methods, ["spf=pass", "dkim=pass", "dmarc=pass"]);
    assert!(field.contains("(p=REJECT dis=NONE)"), "{field}");
}

#[test]
fn forgery_is_rejected() {
    let (dns, _) = setup();
    let spf = spf::check_host(
        &dns,
        ip("203.0.113.66"),
        "evil.example",
        "alerts@bank.example",
    );
    let dkim = dkim::verify(MESSAGE.as_bytes(), &dns, NOW);
    let dmarc = dmarc::evaluate(MESSAGE.as_bytes(), &spf, &dkim, &dns, 0);
    assert_eq!(spf.result, SpfResult::Fail);
    assert!(dkim.is_empty());
    assert_eq!(
        (dmarc.result, dmarc.disposition),
        (DmarcResult::Fail, Disposition::Reject)
    );
    let field = results::authentication_results("mx.shop.example", &spf, &dkim, Some(&dmarc));
    let methods: Vec<String> = results::parse_results(&field)
        .into_iter()
        .map(|(m, r)| format!("{m}={r}"))
        .collect();
    assert_eq!(methods, ["spf=fail", "dkim=none", "dmarc=fail"]);
}

#[test]
fn forwarded_mail_keeps_dmarc_through_dkim() {
    let (dns, signer) = setup();
    let signed = format!("{}{MESSAGE}", dkim::sign(MESSAGE.as_bytes(), &signer, NOW));
    // The forwarder rewrites the envelope sender, so SPF checks fwd.example.
    let rewritten = srs::forward("bounces@bank.example", "fwd.example", b"secret", NOW);
    let spf = spf::check_host(&dns, ip("198.51.100.7"), "fwd.example", &rewritten);
    assert_eq!(
        (spf.result, spf.domain.as_str()),
        (SpfResult::Pass, "fwd.example")
    );
    let dkim = dkim::verify(signed.as_bytes(), &dns, NOW + 60);
    let dmarc = dmarc::evaluate(signed.as_bytes(), &spf, &dkim, &dns, 0);
    assert!(!dmarc.spf_aligned && dmarc.dkim_aligned);
    assert_eq!(dmarc.result, DmarcResult::Pass);
    assert_eq!(
        srs::reverse(&rewritten, b"secret").as_deref(),
        Some("bounces@bank.example")
    );
}
