//! A consumer ISP's block on outbound port 25 (the `outbound_port_blocked`
//! fault): a MUA that sends straight to the recipient's MX gets no answer
//! and times out, attempt after attempt, while submission on 587 and 465
//! goes through the same block untouched.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use mxlab_sim::scenario::{DownMode, Fault, FaultSpec, Scenario};
use mxlab_sim::trace::{ConnectFailure, EventKind};
use mxlab_sim::{Sim, TraceEvent};

const DAVE: &str = "dave-desktop.example.com";

fn from(sim: &Sim, host: &str, f: impl Fn(&EventKind) -> bool) -> Vec<TraceEvent> {
    kinds(sim.trace(), f)
        .filter(|e| e.hosts.first().is_some_and(|h| h == host))
        .collect()
}

fn block(scenario: &mut Scenario, host: &str, mode: DownMode, until_secs: Option<u64>) {
    scenario.faults = vec![FaultSpec {
        at_secs: 0,
        until_secs,
        probability: None,
        fault: Fault::OutboundPortBlocked {
            host: host.into(),
            port: 25,
            mode,
        },
    }];
}

#[test]
fn a_mua_sending_straight_to_the_mx_times_out_behind_the_block() {
    let sim = run(preset("submission-ports"));
    let attempts = from(&sim, DAVE, |k| matches!(k, EventKind::Attempt { .. }));
    let failures = from(&sim, DAVE, |k| matches!(k, EventKind::ConnectFailed { .. }));
    assert!(attempts.len() >= 3, "{attempts:#?}");
    assert_eq!(attempts.len(), failures.len());
    assert_eq!(
        attempts[0].explanation(),
        "delivery attempt 1 to mx.example.org, port 25"
    );
    for (a, f) in attempts.iter().zip(&failures) {
        assert!(
            matches!(&a.kind, EventKind::Attempt { target, port: 25, .. } if target == "mx.example.org"),
            "{a:?}"
        );
        // Silently dropped: the client's 30 s connect timeout.
        assert!(matches!(
            f.kind,
            EventKind::ConnectFailed {
                reason: ConnectFailure::Timeout
            }
        ));
        assert_eq!(f.at.as_micros() - a.at.as_micros(), 30_000_000);
        assert!(f.explanation().contains("blocks outbound port 25"), "{f:?}");
        assert!(f.explanation().contains("587 or 465"));
        assert_eq!(f.rfc(), "RFC 5068 §3");
    }
    let defer = from(&sim, DAVE, |k| matches!(k, EventKind::Defer { .. }));
    let EventKind::Defer { diagnostic, .. } = &defer[0].kind else {
        unreachable!()
    };
    assert_eq!(
        diagnostic.text,
        "connect to mx.example.org:25: connection timed out"
    );
    // Dave never got a connection; his message waits in his queue.
    assert!(!sim.trace().connections().iter().any(|c| c.client == DAVE));
    assert_eq!(sim.host(DAVE).unwrap().queue.len(), 1);
    assert!(
        !sim.host("mx.example.org").unwrap().mailboxes["bob@example.org"]
            .contains(&"m3".to_owned())
    );
}

#[test]
fn without_the_block_the_mua_delivers_straight_to_the_mx_on_25() {
    let mut scenario = preset("submission-ports");
    scenario.faults.clear();
    let sim = run(scenario);
    let direct = sim
        .trace()
        .connections()
        .into_iter()
        .find(|c| c.client == DAVE)
        .unwrap();
    assert_eq!(
        (direct.server.as_str(), direct.port),
        ("mx.example.org", 25)
    );
    assert!(sim.host(DAVE).unwrap().queue.is_empty());
    let bob = &sim.host("mx.example.org").unwrap().mailboxes["bob@example.org"];
    assert!(bob.contains(&"m3".to_owned()), "{bob:?}");
}

#[test]
fn the_message_goes_out_once_the_block_is_lifted() {
    let mut scenario = preset("submission-ports");
    block(&mut scenario, DAVE, DownMode::Silent, Some(900));
    let sim = run(scenario);
    let connected = sim
        .trace()
        .connections()
        .into_iter()
        .find(|c| c.client == DAVE)
        .unwrap();
    assert!(connected.at.as_secs() >= 900, "{connected:?}");
    assert_eq!(connected.port, 25);
    assert!(sim.host(DAVE).unwrap().queue.is_empty());
}

#[test]
fn a_block_that_resets_fails_at_once() {
    let mut scenario = preset("submission-ports");
    block(&mut scenario, DAVE, DownMode::Refused, None);
    let sim = run(scenario);
    let attempts = from(&sim, DAVE, |k| matches!(k, EventKind::Attempt { .. }));
    let failures = from(&sim, DAVE, |k| matches!(k, EventKind::ConnectFailed { .. }));
    assert!(!failures.is_empty());
    for (a, f) in attempts.iter().zip(&failures) {
        assert!(matches!(
            f.kind,
            EventKind::ConnectFailed {
                reason: ConnectFailure::Refused
            }
        ));
        assert_eq!(f.at, a.at);
        assert!(f.explanation().contains("a reset comes back"), "{f:?}");
    }
}

#[test]
fn submission_on_587_and_465_passes_a_port_25_block() {
    for mua in ["alice-laptop.example.com", "carol-phone.example.com"] {
        let mut scenario = preset("submission-ports");
        block(&mut scenario, mua, DownMode::Silent, None);
        let sim = run(scenario);
        assert!(
            from(&sim, mua, |k| matches!(k, EventKind::ConnectFailed { .. })).is_empty(),
            "{mua}"
        );
        assert!(sim.host(mua).unwrap().queue.is_empty(), "{mua}");
    }
    // A block on 587 does stop Alice, and not Carol on 465.
    let mut scenario = preset("submission-ports");
    scenario.faults = ["alice-laptop.example.com", "carol-phone.example.com"]
        .iter()
        .map(|h| FaultSpec {
            at_secs: 0,
            until_secs: None,
            probability: None,
            fault: Fault::OutboundPortBlocked {
                host: (*h).into(),
                port: 587,
                mode: DownMode::Silent,
            },
        })
        .collect();
    let sim = run(scenario);
    assert_eq!(sim.host("alice-laptop.example.com").unwrap().queue.len(), 1);
    assert!(sim
        .host("carol-phone.example.com")
        .unwrap()
        .queue
        .is_empty());
}
