//! A host holding many messages at once costs time in proportion to their
//! count: its queue finds, adds and removes an entry in O(log n). (With a
//! list, every delivered message was removed by shifting the rest: 10,000
//! messages at t = 0 took 1.4 s, 100,000 over a minute.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;
use std::time::Duration;

use mxlab_sim::{presets, Budget, Scenario, Sim};

/// hello-smtp with `messages` copies of its message, all submitted at t = 0.
fn queued_at_once(messages: usize) -> Scenario {
    let mut s = presets::preset("hello-smtp").unwrap().unwrap();
    let template = s.messages[0].clone();
    s.messages = (0..messages)
        .map(|i| {
            let mut m = template.clone();
            m.id = format!("m{i}");
            m.at_secs = 0;
            m
        })
        .collect();
    s.horizon_secs = 86_400;
    s
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
