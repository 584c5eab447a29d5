//! Property test: random SPF, DKIM and DMARC configurations (records,
//! policies, percentages, alignment modes, who signs and who checks, SRS)
//! and random seeds never panic, replay to the same trace, lose nothing,
//! and each DMARC verdict is acted on: a rejected message bounces back
//! with 550 5.7.1, a quarantined one is filed in the junk folder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use mxlab_sim::scenario::{AuthPolicy, DkimAlgorithm, DkimSign};
use mxlab_sim::trace::{AuthCheck, EventKind};
use mxlab_sim::{Scenario, Sim};
use proptest::prelude::*;

const SPF_TERMS: [&str; 10] = [
    "ip4:192.0.2.25",
    "ip4:203.0.113.0/24",
    "a:mx.bank.example",
    "mx",
    "include:attacker.example",
    "exists:%{i}.bank.example",
    "redirect=shop.example",
    "ptr",
    "ip6:2001:db8::/32",
    "a:nowhere.example",
];
const ALL: [&str; 5] = ["-all", "~all", "?all", "+all", ""];
const POLICY: [&str; 4] = ["none", "quarantine", "reject", "bogus"];

/// One domain's random SPF and DMARC records.
fn records() -> impl Strategy<Value = (Vec<usize>, usize, usize, u8, bool, bool, bool)> {
    (
        proptest::collection::vec(0usize..SPF_TERMS.len(), 0..4),
        0usize..ALL.len(),
        0usize..POLICY.len(),
        0u8..=100,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
}

fn set_txt(s: &mut Scenario, name: &str, txt: Vec<String>) {
    match s.dns.domains.iter_mut().find(|d| d.name == name) {
        Some(d) => d.txt = txt,
        None => {
            let mut d: mxlab_sim::scenario::DnsDomain =
                serde_json::from_value(serde_json::json!({ "name": name })).unwrap();
            d.txt = txt;
            s.dns.domains.push(d);
        }
    }
}

fn apply(s: &mut Scenario, domain: &str, r: &(Vec<usize>, usize, usize, u8, bool, bool, bool)) {
    let (terms, all, policy, pct, strict_dkim, strict_spf, publish) = r;
    if !publish {
        set_txt(s, domain, Vec::new());
        set_txt(s, &format!("_dmarc.{domain}"), Vec::new());
        return;
    }
    let mut spf = vec!["v=spf1".to_string()];
    spf.extend(terms.iter().map(|t| SPF_TERMS[*t].to_string()));
    spf.push(ALL[*all].to_string());
    set_txt(s, domain, vec![spf.join(" ").trim().to_string()]);
    let dmarc = format!(
        "v=DMARC1; p={}; pct={pct}; adkim={}; aspf={}",
        POLICY[*policy],
        if *strict_dkim { "s" } else { "r" },
        if *strict_spf { "s" } else { "r" },
    );
    set_txt(s, &format!("_dmarc.{domain}"), vec![dmarc]);
}

fn set_auth(s: &mut Scenario, host: &str, f: impl FnOnce(&mut AuthPolicy)) {
    if let Some(n) = s.nodes.iter_mut().find(|n| n.name == host) {
        f(n.policy.auth.get_or_insert_with(AuthPolicy::default));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_authentication_configurations_keep_the_invariants(
        forwarding in any::<bool>(),
        seed in any::<u64>(),
        bank in records(),
        shop in records(),
        sign in any::<bool>(),
        rsa in any::<bool>(),
        verify_all in any::<bool>(),
        srs in any::<bool>(),
    ) {
        let name = if forwarding { "forwarding-spf-dkim" } else { "dmarc-spoofing" };
        let mut s = preset(name);
        apply(&mut s, "bank.example", &bank);
        apply(&mut s, "shop.example", &shop);
        set_auth(&mut s, "smtp.bank.example", |a| {
            a.dkim_sign = if sign {
                vec![DkimSign {
                    domain: "bank.example".into(),
                    selector: "s1".into(),
                    algorithm: if rsa { DkimAlgorithm::Rsa } else { DkimAlgorithm::Ed25519 },
                    private_key: None,
                }]
            } else {
                Vec::new()
            };
        });
        if verify_all {
            let names: Vec<String> = s.nodes.iter().map(|n| n.name.clone()).collect();
            for n in names {
                set_auth(&mut s, &n, |a| a.verify = true);
            }
        }
        set_auth(&mut s, "mx.college.example", |a| a.srs = srs);
        prop_assert!(s.validate().is_empty(), "{:?}", s.validate());
        let run = |s: &Scenario| {
            let mut sim = Sim::new(s.clone(), seed);
            sim.run_to_quiescence();
            sim
        };
        let sim = run(&s);
        check_invariants(&sim);
        check_conservation(&sim);
        prop_assert_eq!(sim.trace().hash(), run(&s).trace().hash());
        // Each DMARC verdict is acted on.
        for e in sim.trace().iter() {
            let EventKind::Auth { check: AuthCheck::Dmarc, action, .. } = &e.kind else { continue };
            let id = e.message.clone().unwrap();
            let host = e.hosts[0].clone();
            let on = |f: &dyn Fn(&EventKind) -> bool| {
                sim.trace().iter().any(|x| x.message.as_ref() == Some(&id) && x.seq > e.seq && f(&x.kind))
            };
            match action.as_str() {
                "reject" => prop_assert!(on(&|k| matches!(k, EventKind::Bounce { diagnostic }
                    if diagnostic.code == 550 && diagnostic.enhanced == "5.7.1")), "{id} rejected at {host} but never bounced"),
                "quarantine" => {
                    // Whatever this host keeps of it is in a junk folder.
                    let h = sim.host(&host).unwrap();
                    let held: Vec<&String> = h.mailboxes.iter()
                        .filter(|(_, ids)| ids.iter().any(|i| *i == id.as_str()))
                        .map(|(k, _)| k)
                        .collect();
                    prop_assert!(held.iter().all(|k| k.ends_with("/junk")),
                        "{id} quarantined at {host} but filed in {held:?}");
                }
                _ => {}
            }
        }
    }
}
