//! SMTP smuggling: a relay that preserves bare LFs forwards `<LF>.<CR><LF>`
//! intact; a lenient MX reads a second, forged message out of the data, a
//! strict one (RFC 5321 §2.3.8) refuses the message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use mxlab_sim::trace::EventKind;

#[test]
fn lenient_mx_delivers_a_forged_message() {
    let sim = run(preset("smtp-smuggling"));
    let lenient = sim.host("mx.lenient.example").unwrap();
    assert_eq!(
        lenient.mailboxes["bob@lenient.example"],
        ["m1", "m1.smuggled1"]
    );
    // The forged message claims to come from the CEO; it carries the
    // lenient MX's own Received field and nothing from Mallory's hops.
    let forged = kinds(sim.trace(), |k| matches!(k, EventKind::Deliver { .. }))
        .find(|e| e.message.as_deref() == Some("m1.smuggled1"))
        .unwrap();
    assert_eq!(forged.recipient.as_deref(), Some("bob@lenient.example"));
    // The lenient server saw two transactions on one connection: two queue ids.
    let conn = sim
        .trace()
        .connections()
        .into_iter()
        .find(|c| c.server == "mx.lenient.example")
        .unwrap();
    let t = transcript(sim.trace(), conn.conn);
    let queued = t
        .iter()
        .filter(|l| l.starts_with("S: 250 2.0.0 Ok: queued as"))
        .count();
    assert_eq!(queued, 2, "{t:#?}");
}

#[test]
fn strict_mx_refuses_and_mallory_gets_the_bounce() {
    let sim = run(preset("smtp-smuggling"));
    let strict = sim.host("mx.strict.example").unwrap();
    assert!(strict.mailboxes.values().all(|m| m.is_empty()));
    let bounce = kinds(sim.trace(), |k| matches!(k, EventKind::Bounce { .. }))
        .find(|e| e.recipient.as_deref() == Some("carol@strict.example"))
        .unwrap();
    let EventKind::Bounce { diagnostic } = &bounce.kind else {
        unreachable!()
    };
    assert_eq!(
        (diagnostic.code, diagnostic.enhanced.as_str()),
        (550, "5.5.2")
    );
    assert!(kinds(
        sim.trace(),
        |k| matches!(k, EventKind::DsnSent { to, .. } if to == "mallory@example.net")
    )
    .next()
    .is_some());
}
