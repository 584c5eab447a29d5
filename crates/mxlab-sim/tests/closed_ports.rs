//! Every host listens on the ports of its role (25 for relays and MX
//! hosts, 587 for submission servers) or on those its policy lists; a
//! connection to any other port is refused at once, as a closed port's
//! TCP answers a SYN with a reset, and the client moves on as for any
//! refused connection: the next MX, or the queue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use mxlab_sim::scenario::Scenario;
use mxlab_sim::trace::{ConnectFailure, EventKind};

fn node<'a>(s: &'a mut Scenario, name: &str) -> &'a mut mxlab_sim::scenario::Node {
    s.nodes.iter_mut().find(|n| n.name == name).unwrap()
}

#[test]
fn submitting_to_a_port_the_server_does_not_listen_on_is_refused() {
    let mut scenario = preset("hello-smtp");
    node(&mut scenario, "alice-laptop.example.com")
        .policy
        .relay
        .smarthost_port = Some(465);
    let sim = run(scenario);
    let attempt = kinds(sim.trace(), |k| matches!(k, EventKind::Attempt { .. }))
        .next()
        .unwrap();
    assert!(matches!(
        &attempt.kind,
        EventKind::Attempt { target, port: 465, .. } if target == "smtp.example.com"
    ));
    let failed = kinds(sim.trace(), |k| {
        matches!(k, EventKind::ConnectFailed { .. })
    })
    .next()
    .unwrap();
    assert!(matches!(
        failed.kind,
        EventKind::ConnectFailed {
            reason: ConnectFailure::Refused
        }
    ));
    // The reset comes back one round trip (2 x 20 ms) after the SYN left.
    assert_eq!(failed.at.as_micros() - attempt.at.as_micros(), 40_000);
    assert!(
        failed
            .explanation()
            .starts_with("smtp.example.com does not listen on port 465"),
        "{failed:?}"
    );
    assert_eq!(failed.rfc(), "RFC 9293 §3.5.2");
    let defer = kinds(sim.trace(), |k| matches!(k, EventKind::Defer { .. }))
        .next()
        .unwrap();
    let EventKind::Defer { diagnostic, .. } = &defer.kind else {
        unreachable!()
    };
    assert_eq!(
        diagnostic.text,
        "connect to smtp.example.com:465: connection refused"
    );
    assert!(sim.trace().connections().is_empty());
    assert_eq!(sim.host("alice-laptop.example.com").unwrap().queue.len(), 1);
}

#[test]
fn an_mx_with_port_25_closed_is_passed_over_for_the_next_mx() {
    let mut scenario = preset("mx-fallback");
    scenario.faults.clear();
    node(&mut scenario, "mx1.example.org").policy.ports = Some(vec![587]);
    let sim = run(scenario);
    let refused: Vec<_> = kinds(sim.trace(), |k| {
        matches!(
            k,
            EventKind::ConnectFailed {
                reason: ConnectFailure::Refused
            }
        )
    })
    .collect();
    // The submission server is refused once, by the primary...
    let from_submission: Vec<_> = refused
        .iter()
        .filter(|e| e.hosts[0] == "smtp.example.com")
        .collect();
    assert_eq!(from_submission.len(), 1, "{refused:#?}");
    assert_eq!(from_submission[0].hosts[1], "mx1.example.org");
    assert!(from_submission[0]
        .explanation()
        .contains("does not listen on port 25"));
    // ... and the backup, which forwards to the primary, is refused at
    // every retry while port 25 stays closed.
    assert!(refused.iter().all(|e| e.hosts[1] == "mx1.example.org"
        && (e.hosts[0] == "smtp.example.com" || e.hosts[0] == "mx2.example.org")));
    assert!(refused.len() > 2);
    let to_mx: Vec<_> = sim
        .trace()
        .connections()
        .into_iter()
        .filter(|c| c.client == "smtp.example.com")
        .map(|c| (c.server, c.port))
        .collect();
    assert_eq!(to_mx, [("mx2.example.org".into(), 25)]);
}

#[test]
fn a_smarthost_on_a_port_of_its_own() {
    let mut scenario = preset("relay-via-smarthost");
    node(&mut scenario, "relay.example.com").policy.ports = Some(vec![2525]);
    node(&mut scenario, "smtp.example.com")
        .policy
        .relay
        .smarthost_port = Some(2525);
    let sim = run(scenario.clone());
    let hop = sim
        .trace()
        .connections()
        .into_iter()
        .find(|c| c.client == "smtp.example.com")
        .unwrap();
    assert_eq!((hop.server.as_str(), hop.port), ("relay.example.com", 2525));
    let connect = kinds(
        sim.trace(),
        |k| matches!(k, EventKind::Connect { conn, .. } if *conn == hop.conn),
    )
    .next()
    .unwrap();
    assert!(connect.explanation().contains("port 2525"));
    let bob = &sim.host("mx.example.org").unwrap().mailboxes["bob@example.org"];
    assert_eq!(bob.len(), 1);

    // The relay's default port (25) is closed now: relaying on 25 fails.
    node(&mut scenario, "smtp.example.com")
        .policy
        .relay
        .smarthost_port = None;
    let sim = run(scenario);
    assert!(sim.host("mx.example.org").unwrap().mailboxes.is_empty());
    assert_eq!(sim.host("smtp.example.com").unwrap().queue.len(), 1);
}
