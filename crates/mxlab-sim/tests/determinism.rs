//! Same scenario and seed, same trace hash; a clone is a checkpoint.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use common::*;
use mxlab_sim::scenario::Fault;
use mxlab_sim::{Sim, SimTime};

#[test]
fn same_seed_same_trace_hash() {
    for name in ["hello-smtp", "mx-fallback", "retry-until-mx-returns"] {
        let a = run(preset(name));
        let b = run(preset(name));
        assert_eq!(a.trace().hash(), b.trace().hash(), "{name}");
        assert!(!a.trace().is_empty());
        println!(
            "{name}: {} events, hash {}",
            a.trace().len(),
            a.trace().hash_hex()
        );
    }
}

#[test]
fn equal_preference_mx_order_depends_on_the_seed() {
    let mut s = preset("mx-fallback");
    s.dns.domains[0].mx[1].preference = 10;
    s.faults.clear();
    let firsts: std::collections::BTreeSet<String> = (0..16)
        .map(|seed| {
            let mut sim = Sim::new(s.clone(), seed);
            sim.run_to_quiescence();
            check_invariants(&sim);
            let e = sim
                .trace()
                .iter()
                .find(|e| {
                    matches!(e.kind, mxlab_sim::EventKind::Attempt { .. })
                        && e.hosts[0] == "smtp.example.com"
                })
                .unwrap();
            e.hosts[1].to_string()
        })
        .collect();
    assert_eq!(firsts.len(), 2, "{firsts:?}");
}

#[test]
fn a_checkpoint_runs_on_exactly_like_the_original() {
    let mut sim = Sim::new(preset("retry-until-mx-returns"), 3);
    sim.run_until(SimTime::from_secs(700));
    let mut fork = sim.checkpoint();
    sim.run_to_quiescence();
    fork.run_to_quiescence();
    assert_eq!(sim.trace().hash(), fork.trace().hash());
}

#[test]
fn injecting_a_fault_forks_the_future() {
    let mut sim = Sim::new(preset("hello-smtp"), 1);
    let mut fork = sim.checkpoint();
    fork.inject(
        Fault::HostDown {
            host: "mx.example.org".into(),
            mode: Default::default(),
        },
        SimTime::ZERO,
        Some(SimTime::from_secs(600)),
    )
    .unwrap();
    sim.run_to_quiescence();
    fork.run_to_quiescence();
    check_invariants(&fork);
    assert_ne!(sim.trace().hash(), fork.trace().hash());
    let mx = fork.host("mx.example.org").unwrap();
    assert_eq!(mx.mailboxes["bob@example.org"], ["m1"]);
}
