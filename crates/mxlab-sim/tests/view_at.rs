//! `view_at`: queues, connections, lines in flight and mailboxes at time t.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use common::*;
use mxlab_sim::{EventKind, SimTime, TraceIndex};

#[test]
fn queue_holds_the_message_while_the_mx_is_down() {
    let sim = run(preset("retry-until-mx-returns"));
    let index = TraceIndex::new(sim.trace());
    let v = index.view_at(SimTime::from_secs(1000));
    assert_eq!(v.hosts_down, ["mx.example.org"]);
    let q = &v.queues["smtp.example.com"];
    assert_eq!(q.len(), 1);
    assert_eq!(
        q.get(0).unwrap().next_attempt,
        Some(SimTime::from_secs(1200))
    );
    let end = index.view_at(SimTime::from_secs(3000));
    assert!(end.hosts_down.is_empty());
    assert!(end.queues.values().all(|q| q.is_empty()));
    assert_eq!(end.mailboxes["bob@example.org"], ["m1"]);
}

#[test]
fn a_line_in_flight_is_part_way_along_its_link() {
    let sim = run(preset("hello-smtp"));
    let greeting = sim
        .trace()
        .iter()
        .find(|e| matches!(e.kind, EventKind::Reply { .. }))
        .unwrap();
    let EventKind::Reply { sent_at, .. } = greeting.kind else {
        unreachable!()
    };
    let mid = SimTime::from_micros((sent_at.as_micros() + greeting.at.as_micros()) / 2);
    let v = mxlab_sim::view_at(sim.trace(), mid);
    assert_eq!(v.in_flight.len(), 1);
    assert!((v.in_flight[0].fraction - 0.5).abs() < 1e-9);
    assert_eq!(v.in_flight[0].from, "smtp.example.com");
    assert_eq!(v.connections.len(), 1);
}

#[test]
fn seeking_with_snapshots_equals_replaying_from_the_start() {
    // A long trace: the mail loop makes thousands of events.
    let sim = run(preset("mail-loop"));
    assert!(sim.trace().len() > 5000, "{}", sim.trace().len());
    let index = TraceIndex::with_interval(sim.trace(), 1000);
    let replay = TraceIndex::with_interval(sim.trace(), usize::MAX);
    for e in sim.trace().iter().step_by(97) {
        assert_eq!(index.view_at(e.at), replay.view_at(e.at));
    }
}

#[test]
fn an_index_built_in_slices_seeks_as_one_built_at_once() {
    let sim = run(preset("mail-loop"));
    let trace = sim.trace();
    let whole = TraceIndex::with_interval(trace, 64);
    let mut builder = mxlab_sim::IndexBuilder::new(64);
    let mut steps = 0;
    while !builder.advance(trace, 37) {
        steps += 1;
        assert!(builder.read() <= trace.len());
    }
    assert!(steps > 10, "{steps} slices");
    let sliced = builder.finish(trace);
    let end = trace.end().unwrap();
    for k in 0..=20u64 {
        let t = SimTime::from_micros(end.as_micros() * k / 20);
        assert_eq!(sliced.view_at(t), whole.view_at(t), "at {t}");
    }
}

#[test]
fn a_summary_read_in_slices_is_the_summary_read_at_once() {
    for name in [
        "mx-fallback",
        "unknown-user-bounce",
        "rfc1047-duplicate",
        "mail-loop",
    ] {
        let sim = run(preset(name));
        let mut builder = mxlab_sim::SummaryBuilder::new(&sim);
        while !builder.advance(sim.trace(), 7) {}
        assert_eq!(builder.finish(sim.trace()), sim.summary(), "{name}");
    }
}
