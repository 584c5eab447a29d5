//! A host holding many messages at once costs time in proportion to their
//! count: its queue finds, adds and removes an entry in O(log n). (With a
//! list, every delivered message was removed by shifting the rest: 10,000
//! messages at t = 0 took 1.4 s, 100,000 over a minute.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;
use std::time::Duration;

use mxlab_sim::{presets, Budget, Scenario, Sim, SimTime, TraceIndex};

/// hello-smtp with `messages` copies of its message, all at t = 0.
fn queued_at_once(messages: usize) -> Scenario {
    presets::burst(presets::preset("hello-smtp").unwrap(), messages)
}

#[test]
fn a_hundred_thousand_messages_queued_at_once_are_all_delivered_within_a_bound() {
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let mut sim = Sim::new(queued_at_once(100_000), 1);
        sim.set_budget(Budget::UNLIMITED);
        let quiescent = sim.run_to_quiescence();
        let _ = done.send((quiescent, sim.summary().delivered));
    });
    // About 5 s here (optimised test build, loaded machine: 10 s); the
    // quadratic queue took over a minute in a release build.
    let (quiescent, delivered) = finished
        .recv_timeout(Duration::from_secs(90))
        .expect("100,000 messages queued at once take time in proportion to their count");
    assert!(quiescent);
    assert_eq!(delivered, 100_000);
}

#[test]
fn a_trace_with_thirty_thousand_messages_queued_at_once_is_indexed_within_a_bound() {
    let mut sim = Sim::new(queued_at_once(30_000), 1);
    assert!(sim.run_to_quiescence());
    let trace = sim.take_trace();
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        // The app's interval for a trace this long: 256 snapshots.
        let every = trace.len().div_ceil(256);
        let index = TraceIndex::with_interval(&trace, every);
        let peak = index.view_at(SimTime::from_millis(100));
        let end = index.view_at(SimTime::from_secs(86_400));
        let _ = done.send((
            peak.queues.values().map(|q| q.len()).sum::<usize>(),
            end.queues.values().all(|q| q.is_empty()),
            end.mailboxes.values().map(Vec::len).sum::<usize>(),
        ));
    });
    // Half a second here; a frame's queues kept as lists scanned on every
    // event took 13 s (and froze the page for as long).
    let (queued, empty_at_end, delivered) = finished
        .recv_timeout(Duration::from_secs(6))
        .expect("a frame's queues are found by key, not scanned");
    assert!(queued >= 1_000, "{queued} queued at 100 ms");
    assert!(empty_at_end);
    assert_eq!(delivered, 30_000);
}
