//! A fault injected live at time t is computed from the last checkpoint at
//! or before t, not from t = 0, and the branch is exactly the run a
//! from-zero computation with the same change at the same time gives.
//! Bringing a host up and healing a link are verbs of the sim.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use mxlab_sim::scenario::{DownMode, Fault};
use mxlab_sim::trace::EventKind;
use mxlab_sim::{presets, Checkpoints, Scenario, Sim, SimTime};
use serde_json::json;

/// A MUA, a submission server, eight MX hosts and 300 messages over the
/// first minute: enough events for several checkpoints.
fn busy() -> Scenario {
    let mut nodes = vec![
        json!({"name": "mua.example.com", "role": "mua", "policy": {"relay": {"smarthost": "smtp.example.com"}}}),
        json!({"name": "smtp.example.com", "role": "submission", "addresses": ["10.0.0.1"],
               "policy": {"relay": {"allow_from": ["mua.example.com"]}}}),
        json!({"name": "resolver.example.net", "role": "resolver"}),
    ];
    let (mut zone, mut messages) = (Vec::new(), Vec::new());
    for d in 0..8 {
        let (host, domain) = (format!("mx.d{d}.example"), format!("d{d}.example"));
        let addr = format!("10.1.0.{}", d + 1);
        nodes.push(json!({"name": host, "role": "mx", "addresses": [addr],
            "policy": {"destination_domains": [domain], "mailboxes": [{"address": format!("user@{domain}")}]}}));
        zone.push(json!({"name": domain, "mx": [{"preference": 10, "exchange": host}]}));
        zone.push(json!({"name": host, "a": [addr]}));
    }
    for i in 0..300 {
        messages.push(json!({"id": format!("m{i}"), "from": "mua.example.com", "at_secs": i % 60,
            "mail_from": "alice@example.com", "rcpt_to": [format!("user@d{}.example", i % 8)], "body": "x\r\n"}));
    }
    let s = json!({"horizon_secs": 86400, "nodes": nodes,
        "dns": {"resolver": "resolver.example.net", "domains": zone},
        "messages": messages,
        "faults": [{"at_secs": 0, "until_secs": 3000, "fault": {"kind": "host_down", "host": "mx.d3.example"}}]});
    Scenario::from_json(&s.to_string()).unwrap()
}

/// The run of `scenario` computed in slices of `slice` seconds, as the app
/// does, with checkpoints every `every` events.
fn sliced(scenario: Scenario, slice: u64, every: usize) -> (Sim, Checkpoints) {
    let mut sim = Sim::new(scenario, 1);
    let mut checkpoints = Checkpoints::new(every);
    checkpoints.keep(&mut sim);
    let mut t = 0;
    while t < 86_400 {
        t += slice;
        sim.run_until(SimTime::from_secs(t));
        checkpoints.keep(&mut sim);
    }
    (sim, checkpoints)
}

fn mx_down() -> Fault {
    Fault::HostDown {
        host: "mx.d5.example".into(),
        mode: DownMode::Refused,
    }
}

#[test]
fn a_fork_from_a_checkpoint_is_the_run_from_zero_with_the_same_fault() {
    let (original, checkpoints) = sliced(busy(), 7, 2_000);
    assert!(checkpoints.len() >= 4, "{} checkpoints", checkpoints.len());
    for at in [0, 13, 30, 45, 61, 2_000] {
        let at = SimTime::from_secs(at);
        let until = Some(at.plus_secs(900));
        let mut fork = checkpoints.fork(original.trace(), at).unwrap();
        fork.run_until(at);
        fork.inject(mx_down(), at, until).unwrap();
        fork.run_to_quiescence();

        let mut from_zero = Sim::new(busy(), 1);
        from_zero.run_until(at);
        from_zero.inject(mx_down(), at, until).unwrap();
        from_zero.run_to_quiescence();
        assert_eq!(
            fork.trace().hash_hex(),
            from_zero.trace().hash_hex(),
            "fork at {at}"
        );
        assert_eq!(fork.trace().to_json(), from_zero.trace().to_json());
        assert_ne!(fork.trace().hash_hex(), original.trace().hash_hex());
    }
}

#[test]
fn a_fork_starts_from_the_last_checkpoint_at_or_before_its_moment() {
    let (original, checkpoints) = sliced(busy(), 7, 2_000);
    let at = SimTime::from_secs(45);
    let latest = checkpoints.times().filter(|&c| c <= at).max().unwrap();
    assert!(latest > SimTime::ZERO, "a checkpoint after t = 0");
    let fork = checkpoints.fork(original.trace(), at).unwrap();
    assert_eq!(fork.now(), latest);
    // The fork holds the original's first events, up to its checkpoint.
    assert!(!fork.trace().is_empty());
    let len = fork.trace().len();
    assert_eq!(
        fork.trace().range(0..len).collect::<Vec<_>>(),
        original.trace().range(0..len).collect::<Vec<_>>()
    );
    // The checkpoints a branch keeps are those before its fork.
    let kept = checkpoints.until(at);
    assert!(kept.times().all(|c| c <= at));
    assert_eq!(kept.len(), checkpoints.times().filter(|&c| c <= at).count());
}

#[test]
fn no_fork_before_the_first_checkpoint() {
    let mut sim = Sim::new(busy(), 1);
    sim.run_until(SimTime::from_secs(20));
    let mut checkpoints = Checkpoints::new(100);
    checkpoints.keep(&mut sim);
    assert!(checkpoints
        .fork(sim.trace(), SimTime::from_secs(10))
        .is_none());
    assert!(checkpoints
        .fork(sim.trace(), SimTime::from_secs(20))
        .is_some());
}

fn faults_off(sim: &Sim) -> Vec<SimTime> {
    sim.trace()
        .without_lines()
        .filter(|(_, e)| matches!(e.kind, EventKind::FaultOff { .. }))
        .map(|(_, e)| e.at)
        .collect()
}

fn delivered_at(sim: &Sim) -> Vec<SimTime> {
    sim.trace()
        .without_lines()
        .filter(|(_, e)| matches!(&e.kind, EventKind::Deliver { to, .. } if to.contains('@')))
        .map(|(_, e)| e.at)
        .collect()
}

#[test]
fn bring_up_ends_a_scheduled_outage_early_and_only_once() {
    let scenario = presets::preset("retry-until-mx-returns").unwrap();
    let mut original = Sim::new(scenario.clone(), 1);
    original.run_to_quiescence();
    assert_eq!(faults_off(&original), [SimTime::from_secs(2_400)]);

    let mut sim = Sim::new(scenario, 1);
    sim.run_until(SimTime::from_secs(700));
    assert_eq!(
        sim.bring_up("MX.example.org", SimTime::from_secs(700)),
        Ok(())
    );
    sim.run_to_quiescence();
    // The host came back at 700 s; the scenario's own end at 2,400 s does
    // not end it a second time.
    assert_eq!(faults_off(&sim), [SimTime::from_secs(700)]);
    let (early, late) = (delivered_at(&sim), delivered_at(&original));
    assert_eq!(early.len(), 1);
    assert!(early[0] < late[0], "{early:?} vs {late:?}");
    assert!(early[0] < SimTime::from_secs(2_400));
    assert_eq!(
        sim.bring_up("no-such-host.example", SimTime::from_secs(800)),
        Err(mxlab_sim::InjectError::UnknownHost(
            "no-such-host.example".into()
        ))
    );
}

#[test]
fn heal_ends_a_partition_and_leaves_other_links_cut() {
    let scenario = presets::preset("hello-smtp").unwrap();
    let cut = |a: &str, b: &str| Fault::LinkPartition {
        a: a.into(),
        b: b.into(),
    };
    let mut sim = Sim::new(scenario, 1);
    sim.inject(
        cut("smtp.example.com", "mx.example.org"),
        SimTime::ZERO,
        None,
    )
    .unwrap();
    sim.inject(
        cut("alice-laptop.example.com", "resolver.example.net"),
        SimTime::ZERO,
        None,
    )
    .unwrap();
    sim.run_until(SimTime::from_secs(600));
    assert!(delivered_at(&sim).is_empty());
    assert_eq!(
        sim.heal(
            "mx.example.org",
            "smtp.example.com",
            SimTime::from_secs(600)
        ),
        Ok(())
    );
    // A fault naming a host the scenario does not have is not scheduled.
    assert_eq!(
        sim.inject(
            cut("mx.example.org", "nowhere.example"),
            SimTime::from_secs(600),
            None
        ),
        Err(mxlab_sim::InjectError::UnknownHost(
            "nowhere.example".into()
        ))
    );
    assert!(matches!(
        sim.inject(
            cut("mx.example.org", "smtp.example.com"),
            SimTime::from_secs(700),
            Some(SimTime::from_secs(650))
        ),
        Err(mxlab_sim::InjectError::EndsBeforeStart { .. })
    ));
    sim.run_to_quiescence();
    assert_eq!(faults_off(&sim), [SimTime::from_secs(600)]);
    assert_eq!(delivered_at(&sim).len(), 1);
}
