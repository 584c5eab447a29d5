//! Retry and backoff until the MX returns, and the bounce when it never does.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use common::*;
use mxlab_sim::trace::{DsnAction, EventKind};
use mxlab_sim::SimTime;

#[test]
fn postfix_retries_on_its_schedule_until_the_mx_returns() {
    let sim = run(preset("retry-until-mx-returns"));
    let attempts: Vec<u64> = kinds(sim.trace(), |k| matches!(k, EventKind::Attempt { .. }))
        .filter(|e| e.hosts[0] == "smtp.example.com")
        .map(|e| e.at.as_secs())
        .collect();
    // The message reaches the submission server a few milliseconds after
    // 0 s, so its first retry is due just after 300 s and waits for the
    // scan at 600 s; then the backoff (its age) doubles: 1200, 2400 s.
    // The MX is back at 2400 s, and that attempt succeeds.
    assert_eq!(attempts, [0, 600, 1200, 2400]);
    let defers = kinds(sim.trace(), |k| matches!(k, EventKind::Defer { .. })).count();
    assert_eq!(defers, 3);
    let mx = sim.host("mx.example.org").unwrap();
    assert_eq!(mx.mailboxes["bob@example.org"], ["m1"]);
}

#[test]
fn bounce_after_expiry_when_the_mx_never_returns() {
    let mut s = preset("retry-until-mx-returns");
    s.horizon_secs = 6 * 86_400;
    s.faults[0].until_secs = None;
    let sim = run(s);
    let bounce = kinds(sim.trace(), |k| matches!(k, EventKind::Bounce { .. }))
        .find(|e| e.message.as_deref() == Some("m1"))
        .unwrap();
    assert!(bounce.at >= SimTime::from_secs(5 * 86_400));
    assert!(bounce.at < SimTime::from_secs(5 * 86_400 + 4200));
    match &bounce.kind {
        EventKind::Bounce { diagnostic } => assert_eq!(diagnostic.enhanced, "4.4.7"),
        _ => unreachable!(),
    }
    let dsn = kinds(sim.trace(), |k| {
        matches!(
            k,
            EventKind::DsnSent {
                action: DsnAction::Failed,
                ..
            }
        )
    })
    .next()
    .unwrap();
    assert_eq!(dsn.recipient.as_deref(), Some("alice@example.com"));
}
