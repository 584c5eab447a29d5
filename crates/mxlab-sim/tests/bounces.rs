//! Permanent failures: unknown user, null MX, NXDOMAIN; DSNs from `<>`,
//! never a bounce of a bounce.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use common::*;
use mxlab_sim::trace::{DsnAction, EventKind};

#[test]
fn unknown_user_bounces_with_5_1_1_and_a_dsn() {
    let mut s = preset("hello-smtp");
    s.messages[0].rcpt_to = vec!["nobody@example.org".into()];
    let sim = run(s);
    let b = kinds(sim.trace(), |k| matches!(k, EventKind::Bounce { .. }))
        .next()
        .unwrap();
    match &b.kind {
        EventKind::Bounce { diagnostic } => assert_eq!(
            (diagnostic.code, diagnostic.enhanced.as_str()),
            (550, "5.1.1")
        ),
        _ => unreachable!(),
    }
    assert_eq!(b.hosts[..], ["smtp.example.com"]);
    assert_eq!(
        kinds(sim.trace(), |k| matches!(
            k,
            EventKind::DsnSent {
                action: DsnAction::Failed,
                ..
            }
        ))
        .count(),
        1
    );
}

#[test]
fn null_mx_bounces_at_once_with_556_5_1_10() {
    let mut s = preset("hello-smtp");
    s.dns.domains[0].mx = vec![mxlab_sim::scenario::MxSpec {
        preference: 0,
        exchange: ".".into(),
    }];
    let sim = run(s);
    let b = kinds(sim.trace(), |k| matches!(k, EventKind::Bounce { .. }))
        .next()
        .unwrap();
    match &b.kind {
        EventKind::Bounce { diagnostic } => assert_eq!(
            (diagnostic.code, diagnostic.enhanced.as_str()),
            (556, "5.1.10")
        ),
        _ => unreachable!(),
    }
    assert!(b.at.as_secs() < 2);
}

#[test]
fn a_failed_dsn_is_never_bounced() {
    // The DSN goes to alice@example.com, whose domain does not exist: it
    // fails too, and no third message is made.
    let mut s = preset("hello-smtp");
    s.messages[0].rcpt_to = vec!["nobody@example.org".into()];
    let sim = run(s);
    let dsns = kinds(sim.trace(), |k| matches!(k, EventKind::DsnSent { .. })).count();
    assert_eq!(dsns, 1);
    let dsn_bounce = kinds(sim.trace(), |k| matches!(k, EventKind::Bounce { .. }))
        .find(|e| e.message.as_deref() == Some("m1.dsn"))
        .unwrap();
    assert!(dsn_bounce.explanation().contains("never bounced"));
}

#[test]
fn forced_reply_at_ehlo_is_answered_to_ehlo() {
    let mut s = preset("hello-smtp");
    s.faults.push(mxlab_sim::scenario::FaultSpec {
        at_secs: 0,
        until_secs: None,
        probability: None,
        fault: mxlab_sim::scenario::Fault::ForcedReply {
            host: "mx.example.org".into(),
            stage: mxlab_sim::scenario::FaultStage::Helo,
            code: 554,
            probability: 1.0,
        },
    });
    let sim = run(s);
    let t = transcript(sim.trace(), 2);
    assert_eq!(t[1], "C: EHLO smtp.example.com");
    assert!(t[2].starts_with("S: 554 "), "{t:?}");
    assert_eq!(t[3], "C: QUIT");
    let b = kinds(sim.trace(), |k| matches!(k, EventKind::Bounce { .. }))
        .next()
        .unwrap();
    assert_eq!(b.message.as_deref(), Some("m1"));
}
