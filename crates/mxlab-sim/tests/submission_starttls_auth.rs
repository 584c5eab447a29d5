//! Submission on 587: STARTTLS first, EHLO again, AUTH PLAIN, then relay
//! for the authenticated user; a refused login defers rather than bounces.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use mxlab_sim::trace::EventKind;

#[test]
fn tls_then_auth_then_relay() {
    let sim = run(preset("submission-starttls-auth"));
    let conns = sim.trace().connections();
    let port = kinds(sim.trace(), |k| matches!(k, EventKind::Connect { .. }))
        .map(|e| match e.kind {
            EventKind::Connect { port, .. } => port,
            _ => 0,
        })
        .next();
    assert_eq!(port, Some(587), "submission on port 587 (RFC 6409)");
    let t = transcript(sim.trace(), conns[0].conn);
    let pos = |l: &str| {
        t.iter()
            .position(|x| x == l)
            .unwrap_or_else(|| panic!("{l} in {t:#?}"))
    };
    let starttls = pos("C: STARTTLS");
    assert_eq!(t[starttls + 1], "S: 220 2.0.0 Ready to start TLS");
    // The session starts over after TLS (RFC 3207 §4.2), and AUTH is only
    // offered then.
    assert_eq!(t[starttls + 2], "C: EHLO alice-laptop.example.com");
    assert!(!t[..starttls].iter().any(|l| l.starts_with("S: 250-AUTH")));
    assert!(t[starttls..].contains(&"S: 250-AUTH PLAIN LOGIN".to_owned()));
    let auth = t
        .iter()
        .position(|l| l.starts_with("C: AUTH PLAIN "))
        .unwrap();
    assert_eq!(t[auth + 1], "S: 235 2.7.0 Authentication successful");
    assert!(auth > starttls);
    // The lock on the link.
    assert!(kinds(sim.trace(), |k| matches!(
        k,
        EventKind::TlsUpgrade { ok: true, .. }
    ))
    .next()
    .is_some());
    // The submission server's Received field says ESMTPSA (RFC 3848).
    let relay = transcript(sim.trace(), conns[1].conn);
    assert!(
        relay.iter().any(|l| l.contains("with ESMTPSA")),
        "{relay:#?}"
    );
    let mx = sim.host("mx.example.org").unwrap();
    assert_eq!(mx.mailboxes["bob@example.org"], ["m1", "m2"]);
}

#[test]
fn refused_login_defers_until_the_fault_ends() {
    let sim = run(preset("submission-starttls-auth"));
    let deferred: Vec<_> = kinds(sim.trace(), |k| matches!(k, EventKind::Defer { .. }))
        .filter(|e| e.message.as_deref() == Some("m2"))
        .collect();
    assert!(!deferred.is_empty());
    for d in &deferred {
        let EventKind::Defer { diagnostic, .. } = &d.kind else {
            unreachable!()
        };
        assert_eq!(
            (diagnostic.code, diagnostic.enhanced.as_str()),
            (454, "4.7.8")
        );
        assert!(d.at.as_secs() >= 7300 && d.at.as_secs() < 9000);
    }
    // Delivered after the fault ends at 9000 s, never bounced.
    let delivered = kinds(
        sim.trace(),
        |k| matches!(k, EventKind::Deliver { to, .. } if to == "bob@example.org"),
    )
    .find(|e| e.message.as_deref() == Some("m2"))
    .unwrap();
    assert!(delivered.at.as_secs() >= 9000);
    assert!(
        kinds(sim.trace(), |k| matches!(k, EventKind::Bounce { .. }))
            .next()
            .is_none()
    );
}
