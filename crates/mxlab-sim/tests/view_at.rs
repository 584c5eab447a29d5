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
