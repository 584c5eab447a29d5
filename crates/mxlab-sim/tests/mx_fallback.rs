//! MX fallback: the primary is down, the backup MX takes the message and
//! delivers it to the primary when it returns.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use common::*;
use mxlab_sim::trace::{ConnectFailure, EventKind};
use mxlab_sim::SimTime;

#[test]
fn backup_mx_accepts_while_primary_is_down_then_delivers() {
    let sim = run(preset("mx-fallback"));
    let trace = sim.trace();
    // The submission server tried mx1 first and was refused.
    let refused = kinds(trace, |k| {
        matches!(
            k,
            EventKind::ConnectFailed {
                reason: ConnectFailure::Refused
            }
        )
    })
    .next()
    .unwrap();
    assert_eq!(refused.hosts[..], ["smtp.example.com", "mx1.example.org"]);
    // Then it handed the message to the backup.
    let handed = kinds(
        trace,
        |k| matches!(k, EventKind::Deliver { to, .. } if to == "mx2.example.org"),
    )
    .next()
    .unwrap();
    assert_eq!(handed.hosts[..], ["smtp.example.com"]);
    assert!(handed.at < SimTime::from_secs(11));
    // The backup delivers to the primary only after it is back at 3600 s.
    let final_hop = kinds(
        trace,
        |k| matches!(k, EventKind::Deliver { to, .. } if to == "mx1.example.org"),
    )
    .next()
    .unwrap();
    assert_eq!(final_hop.hosts[..], ["mx2.example.org"]);
    assert!(final_hop.at >= SimTime::from_secs(3600));
    // Postfix's schedule on the backup: arrival ~10 s, attempts when the
    // deferred-queue scan (every 300 s) finds them due.
    let backup_attempts: Vec<u64> = kinds(trace, |k| matches!(k, EventKind::Attempt { .. }))
        .filter(|e| e.hosts[0] == "mx2.example.org")
        .map(|e| e.at.as_secs())
        .collect();
    assert_eq!(backup_attempts, [10, 600, 1200, 2400, 4800]);
    let mx1 = sim.host("mx1.example.org").unwrap();
    assert_eq!(mx1.mailboxes["bob@example.org"], ["m1"]);
}

#[test]
fn backup_mx_only_tries_the_more_preferred_primary() {
    let sim = run(preset("mx-fallback"));
    let targets: Vec<String> = kinds(sim.trace(), |k| matches!(k, EventKind::Attempt { .. }))
        .filter(|e| e.hosts[0] == "mx2.example.org")
        .map(|e| e.hosts[1].to_string())
        .collect();
    assert!(!targets.is_empty());
    assert!(
        targets.iter().all(|t| *t == "mx1.example.org"),
        "{targets:?}"
    );
}

#[test]
fn backup_mx_relays_for_its_domain_from_anyone_but_not_for_others() {
    let mut s = preset("mx-fallback");
    // A message for another domain through the backup is refused: 554 5.7.1.
    s.nodes[3].policy.relay.domains = vec!["example.net".into()];
    let sim = run(s);
    let b = kinds(sim.trace(), |k| matches!(k, EventKind::Bounce { .. }))
        .find(|e| e.message.as_deref() == Some("m1"))
        .unwrap();
    match &b.kind {
        EventKind::Bounce { diagnostic } => assert_eq!(diagnostic.enhanced, "5.7.1"),
        _ => unreachable!(),
    }
}
