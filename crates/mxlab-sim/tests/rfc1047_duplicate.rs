//! A crash after the final dot and before the 250: the RFC 1047 duplicate.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use common::*;
use mxlab_sim::trace::EventKind;

#[test]
fn crash_after_the_final_dot_delivers_twice_and_flags_the_duplicate() {
    let sim = run(preset("rfc1047-duplicate"));
    let mx = sim.host("mx.example.org").unwrap();
    assert_eq!(mx.mailboxes["bob@example.org"], ["m1", "m1"]);
    let deliveries: Vec<bool> = kinds(
        sim.trace(),
        |k| matches!(k, EventKind::Deliver { to, .. } if to == "bob@example.org"),
    )
    .map(|e| {
        matches!(
            e.kind,
            EventKind::Deliver {
                duplicate: true,
                ..
            }
        )
    })
    .collect();
    assert_eq!(deliveries, [false, true]);
    let dup = kinds(sim.trace(), |k| {
        matches!(
            k,
            EventKind::Deliver {
                duplicate: true,
                ..
            }
        )
    })
    .next()
    .unwrap();
    assert_eq!(dup.rfc(), "RFC 1047");
    // The first conversation ends at the final dot: no 250 came back,
    // only the reset of the crashed server.
    let t = transcript(sim.trace(), 2);
    let [.., dot, cut] = t.as_slice() else {
        panic!("{t:?}")
    };
    assert_eq!(dot, "C: .");
    assert!(
        cut.starts_with(
            "-- connection reset (mx.example.org crashed after the client sent the final dot"
        ),
        "{cut}"
    );
    // The sender deferred with 4.4.2 and retried after the MX came back at 900 s.
    let defer = kinds(sim.trace(), |k| matches!(k, EventKind::Defer { .. }))
        .next()
        .unwrap();
    match &defer.kind {
        EventKind::Defer { diagnostic, .. } => assert_eq!(diagnostic.enhanced, "4.4.2"),
        _ => unreachable!(),
    }
    assert!(dup.at.as_secs() >= 900);
}

#[test]
fn crash_before_the_dot_loses_nothing_and_duplicates_nothing() {
    let mut s = preset("rfc1047-duplicate");
    s.faults[0].fault = mxlab_sim::scenario::Fault::HostCrash {
        host: "mx.example.org".into(),
        stage: mxlab_sim::scenario::FaultStage::Rcpt,
    };
    let sim = run(s);
    assert_eq!(
        sim.host("mx.example.org").unwrap().mailboxes["bob@example.org"],
        ["m1"]
    );
    assert_eq!(
        kinds(sim.trace(), |k| matches!(
            k,
            EventKind::Deliver {
                duplicate: true,
                ..
            }
        ))
        .count(),
        0
    );
}
