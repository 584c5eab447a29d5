//! Expiry: the MX stays down, the sender retries with Postfix's backoff and
//! gives up after maximal_queue_lifetime (5 days) with a DSN from `<>`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use mxlab_sim::trace::EventKind;

const DAY: u64 = 86_400;

#[test]
fn gives_up_after_five_days_and_bounces_once() {
    let sim = run(preset("expiry-bounce"));
    let attempts: Vec<u64> = kinds(sim.trace(), |k| matches!(k, EventKind::Attempt { .. }))
        .filter(|e| e.hosts[0] == "smtp.example.com" && e.message.as_deref() == Some("m1"))
        .map(|e| e.at.as_secs())
        .collect();
    // Backoff grows to maximal_backoff_time (4000 s) and stays there.
    let gaps: Vec<u64> = attempts.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.iter().all(|&g| g <= 4000 + 300), "{gaps:?}");
    assert!(gaps.iter().rev().take(10).all(|&g| g >= 3600), "{gaps:?}");
    let bounce = kinds(sim.trace(), |k| matches!(k, EventKind::Bounce { .. }))
        .next()
        .unwrap();
    let at = bounce.at.as_secs();
    assert!((5 * DAY..5 * DAY + 4300).contains(&at), "bounced at {at}");
    assert!(attempts.iter().all(|&a| a <= at));
    // One DSN to Alice, delivered to her mailbox, never bounced itself.
    let dsns: Vec<_> = kinds(sim.trace(), |k| matches!(k, EventKind::DsnSent { .. })).collect();
    assert_eq!(dsns.len(), 1);
    let alice = sim.host("smtp.example.com").unwrap();
    assert_eq!(alice.mailboxes["alice@example.com"].len(), 1);
    assert_eq!(
        kinds(sim.trace(), |k| matches!(k, EventKind::Bounce { .. })).count(),
        1
    );
}
