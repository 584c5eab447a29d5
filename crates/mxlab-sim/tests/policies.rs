//! Presets for greylisting, null MX, unknown user, mail loop, and the
//! OpenSMTPD delay warning.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use common::*;
use mxlab_sim::trace::{DsnAction, EventKind};
use mxlab_sim::SimTime;

fn bounce_code(sim: &mxlab_sim::Sim, message: &str) -> (u16, String, SimTime) {
    let e = kinds(sim.trace(), |k| matches!(k, EventKind::Bounce { .. }))
        .find(|e| e.message.as_deref() == Some(message))
        .unwrap();
    match &e.kind {
        EventKind::Bounce { diagnostic } => (diagnostic.code, diagnostic.enhanced.clone(), e.at),
        _ => unreachable!(),
    }
}

#[test]
fn greylisting_defers_the_first_attempt_and_accepts_the_retry() {
    let sim = run(preset("greylisting"));
    let defer = kinds(sim.trace(), |k| matches!(k, EventKind::Defer { .. }))
        .next()
        .unwrap();
    match &defer.kind {
        EventKind::Defer {
            diagnostic,
            next_attempt,
        } => {
            assert_eq!(
                (diagnostic.code, diagnostic.enhanced.as_str()),
                (450, "4.2.0")
            );
            assert_eq!(next_attempt.as_secs(), 600);
        }
        _ => unreachable!(),
    }
    assert_eq!(
        sim.host("mx.example.org").unwrap().mailboxes["bob@example.org"],
        ["m1"]
    );
}

#[test]
fn null_mx_preset_bounces_without_connecting() {
    let sim = run(preset("null-mx"));
    let (code, enhanced, _) = bounce_code(&sim, "m1");
    assert_eq!((code, enhanced.as_str()), (556, "5.1.10"));
    let mx_connects = kinds(sim.trace(), |k| matches!(k, EventKind::Connect { .. }))
        .filter(|e| e.hosts[1] == "mx.example.org")
        .count();
    assert_eq!(mx_connects, 0);
}

#[test]
fn unknown_user_dsn_reaches_alices_mailbox_from_the_null_sender() {
    let sim = run(preset("unknown-user-bounce"));
    let (code, enhanced, _) = bounce_code(&sim, "m1");
    assert_eq!((code, enhanced.as_str()), (550, "5.1.1"));
    let smtp = sim.host("smtp.example.com").unwrap();
    assert_eq!(smtp.mailboxes["alice@example.com"], ["m1.dsn"]);
}

#[test]
fn mail_loop_is_stopped_at_the_hop_limit_with_5_4_6() {
    let sim = run(preset("mail-loop"));
    let (code, enhanced, _) = bounce_code(&sim, "m1");
    assert_eq!((code, enhanced.as_str()), (554, "5.4.6"));
    let hops = kinds(sim.trace(), |k| matches!(k, EventKind::Connect { .. }))
        .filter(|e| e.message.as_deref() == Some("m1"))
        .count();
    // MUA -> submission, then 50 relay hops: the 51st Received: header
    // trips Postfix's limit of 50.
    assert_eq!(hops, 51);
    assert_eq!(
        kinds(sim.trace(), |k| matches!(k, EventKind::DsnSent { .. })).count(),
        1
    );
    // The DSN loops too, and is dropped at the limit, never bounced.
    let (code, _, _) = bounce_code(&sim, "m1.dsn");
    assert_eq!(code, 554);
}

#[test]
fn opensmtpd_sends_one_delay_warning_before_the_wait_that_crosses_4_hours() {
    let mut s = preset("retry-until-mx-returns");
    s.nodes[1].policy.timing = "opensmtpd".into();
    s.faults[0].until_secs = Some(8 * 3600);
    let sim = run(s);
    let warnings: Vec<_> = kinds(sim.trace(), |k| {
        matches!(
            k,
            EventKind::DsnSent {
                action: DsnAction::Delayed,
                ..
            }
        )
    })
    .collect();
    assert_eq!(warnings.len(), 1);
    // 400·n² s after arrival: 400, 1600, 3600, 6400, 10000, 14400 (≥ 4 h):
    // warned at the failure at 10,000 s, whose next try is the one at or
    // after 4 h.
    assert_eq!(warnings[0].at.as_secs(), 10_000);
    let attempts: Vec<u64> = kinds(sim.trace(), |k| matches!(k, EventKind::Attempt { .. }))
        .filter(|e| e.hosts[0] == "smtp.example.com")
        .map(|e| e.at.as_secs())
        .collect();
    assert_eq!(&attempts[..7], &[0, 400, 1600, 3600, 6400, 10000, 14400]);
    assert_eq!(
        sim.host("mx.example.org").unwrap().mailboxes["bob@example.org"],
        ["m1"]
    );
}

#[test]
fn dns_servfail_defers_and_partition_loses_the_connection() {
    let mut s = preset("hello-smtp");
    s.faults = vec![
        mxlab_sim::scenario::FaultSpec {
            at_secs: 0,
            until_secs: Some(500),
            probability: None,
            fault: mxlab_sim::scenario::Fault::DnsFailure {
                domain: Some("example.org".into()),
                status: mxlab_sim::scenario::DnsStatus::Servfail,
            },
        },
        mxlab_sim::scenario::FaultSpec {
            at_secs: 500,
            until_secs: Some(1000),
            probability: None,
            fault: mxlab_sim::scenario::Fault::LinkPartition {
                a: "smtp.example.com".into(),
                b: "mx.example.org".into(),
            },
        },
    ];
    let sim = run(s);
    let defers: Vec<String> = kinds(sim.trace(), |k| matches!(k, EventKind::Defer { .. }))
        .map(|e| match &e.kind {
            EventKind::Defer { diagnostic, .. } => diagnostic.enhanced.clone(),
            _ => unreachable!(),
        })
        .collect();
    // SERVFAIL at 1 s, then the partition at 600 s: both temporary.
    assert_eq!(defers, ["4.4.3", "4.4.1"]);
    assert!(kinds(sim.trace(), |k| matches!(
        k,
        EventKind::ConnectFailed {
            reason: mxlab_sim::trace::ConnectFailure::Lost
        }
    ))
    .next()
    .is_some());
    assert_eq!(
        sim.host("mx.example.org").unwrap().mailboxes["bob@example.org"],
        ["m1"]
    );
}
