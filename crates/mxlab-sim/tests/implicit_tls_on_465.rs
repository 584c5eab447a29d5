//! Submission on 465 beside 587 (the `submission-ports` preset): on 465
//! TLS comes from the first byte (RFC 8314 §3.3), before the greeting,
//! and STARTTLS is neither offered nor sent; on 587 the session starts in
//! plain text and upgrades with STARTTLS (RFC 6409, RFC 3207). Both relay
//! on to the MX on port 25.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use mxlab_sim::scenario::Fault;
use mxlab_sim::trace::EventKind;
use mxlab_sim::{view_at, Connection, Sim, SimTime, TraceEvent};

fn connection(sim: &Sim, client: &str) -> Connection {
    sim.trace()
        .connections()
        .into_iter()
        .find(|c| c.client == client)
        .unwrap_or_else(|| panic!("no connection from {client}"))
}

/// The events of connection `conn` (its lines, TLS, close), in order.
fn events_of(sim: &Sim, conn: u64) -> Vec<TraceEvent> {
    sim.trace()
        .iter()
        .filter(|e| match e.kind {
            EventKind::Connect { conn: c, .. }
            | EventKind::Command { conn: c, .. }
            | EventKind::Reply { conn: c, .. }
            | EventKind::TlsUpgrade { conn: c, .. }
            | EventKind::Close { conn: c }
            | EventKind::Abort { conn: c, .. } => c == conn,
            _ => false,
        })
        .collect()
}

#[test]
fn on_465_tls_comes_before_the_greeting_and_starttls_never() {
    let sim = run(preset("submission-ports"));
    let carol = connection(&sim, "carol-phone.example.com");
    assert_eq!(
        (carol.server.as_str(), carol.port),
        ("smtp.example.com", 465)
    );
    let events = events_of(&sim, carol.conn);
    // Connect, then the TLS handshake one round trip later, then the
    // greeting: nothing in plain text.
    assert!(matches!(
        events[0].kind,
        EventKind::Connect { port: 465, .. }
    ));
    assert!(
        matches!(events[1].kind, EventKind::TlsUpgrade { ok: true, .. }),
        "{:?}",
        events[1]
    );
    assert_eq!(events[1].at.as_micros() - events[0].at.as_micros(), 40_000);
    assert_eq!(events[1].rfc(), "RFC 8314 §3.3");
    assert!(events[1].explanation().contains("before the greeting"));
    assert!(
        matches!(&events[2].kind, EventKind::Reply { line, .. } if line.display().starts_with("220 "))
    );
    let t = transcript(sim.trace(), carol.conn);
    assert!(!t.iter().any(|l| l.contains("STARTTLS")), "{t:#?}");
    let ehlos = t.iter().filter(|l| l.starts_with("C: EHLO ")).count();
    assert_eq!(ehlos, 1, "one EHLO: nothing to start over from");
    assert!(t.contains(&"S: 250-AUTH PLAIN LOGIN".to_owned()), "{t:#?}");
    assert!(t.iter().any(|l| l.starts_with("C: AUTH PLAIN ")));

    // The drawing: while the greeting is on its way, the connection is
    // open on 465 and already under TLS.
    let frame = view_at(sim.trace(), events[2].at);
    let open = frame
        .connections
        .iter()
        .find(|c| c.conn == carol.conn)
        .unwrap();
    assert_eq!((open.port, open.tls), (465, true));

    // On 587 the same server offers STARTTLS, and the session starts over.
    let alice = connection(&sim, "alice-laptop.example.com");
    assert_eq!(alice.port, 587);
    let t = transcript(sim.trace(), alice.conn);
    assert!(t.contains(&"C: STARTTLS".to_owned()), "{t:#?}");
    assert_eq!(t.iter().filter(|l| l.starts_with("C: EHLO ")).count(), 2);
    let first = events_of(&sim, alice.conn);
    assert!(matches!(&first[1].kind, EventKind::Reply { .. }));

    // Both relayed to the MX on 25, as submitted under TLS and AUTH.
    let relays: Vec<Connection> = sim
        .trace()
        .connections()
        .into_iter()
        .filter(|c| c.client == "smtp.example.com")
        .collect();
    assert_eq!(relays.len(), 2);
    for r in &relays {
        assert_eq!((r.server.as_str(), r.port), ("mx.example.org", 25));
        let t = transcript(sim.trace(), r.conn);
        assert!(t.iter().any(|l| l.contains("with ESMTPSA")), "{t:#?}");
    }
    let mx = sim.host("mx.example.org").unwrap();
    assert_eq!(mx.mailboxes["bob@example.org"], ["m1", "m2"]);
}

#[test]
fn a_failed_handshake_on_465_sends_nothing_in_plain_text_and_defers() {
    let mut sim = Sim::new(preset("submission-ports"), 12);
    sim.inject(
        Fault::TlsFailure {
            host: "smtp.example.com".into(),
        },
        SimTime::ZERO,
        Some(SimTime::from_secs(600)),
    )
    .unwrap();
    sim.run_to_quiescence();
    check_invariants(&sim);
    let first = connection(&sim, "carol-phone.example.com");
    let events = events_of(&sim, first.conn);
    assert!(matches!(
        events[1].kind,
        EventKind::TlsUpgrade { ok: false, .. }
    ));
    assert!(events[1].explanation().contains("no plain-text session"));
    // Not a line either way: no greeting, no EHLO, no QUIT.
    assert!(
        !events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Command { .. } | EventKind::Reply { .. })),
        "{events:#?}"
    );
    let deferred = kinds(sim.trace(), |k| matches!(k, EventKind::Defer { .. }))
        .find(|e| e.message.as_deref() == Some("m2"))
        .unwrap();
    let EventKind::Defer { diagnostic, .. } = &deferred.kind else {
        unreachable!()
    };
    assert_eq!(diagnostic.code, 421, "{diagnostic}");
    // Once TLS works again Carol's message goes through on 465.
    let mx = sim.host("mx.example.org").unwrap();
    assert!(mx.mailboxes["bob@example.org"].contains(&"m2".to_owned()));
    let later = sim
        .trace()
        .connections()
        .into_iter()
        .rfind(|c| c.client == "carol-phone.example.com")
        .unwrap();
    assert!(later.conn > first.conn && later.port == 465);
}

#[test]
fn what_a_page_reads_of_465_names_the_port_and_hides_every_line() {
    let sim = run(preset("submission-ports"));
    let timeline = mxlab_sim::inspect::Timeline::read(sim.trace());
    let ports: Vec<(&str, &str, u16)> = timeline
        .sessions
        .iter()
        .map(|s| (s.client.as_str(), s.server.as_str(), s.port))
        .collect();
    assert_eq!(
        ports,
        [
            ("alice-laptop.example.com", "smtp.example.com", 587),
            ("smtp.example.com", "mx.example.org", 25),
            ("carol-phone.example.com", "smtp.example.com", 465),
            ("smtp.example.com", "mx.example.org", 25),
        ]
    );
    let all = mxlab_sim::inspect::transcripts(sim.trace(), None);
    // On 465 every line is ciphertext on the wire, the greeting included.
    let carol = &all[&timeline.sessions[2].conn];
    assert!(carol[0].text.starts_with("220 "));
    assert!(carol.iter().all(|l| l.encrypted));
    // On 587 the lines up to STARTTLS's 220 are in clear.
    let alice = &all[&timeline.sessions[0].conn];
    let ready = alice
        .iter()
        .position(|l| l.text.starts_with("220 2.0.0"))
        .unwrap();
    assert!(alice[..=ready].iter().all(|l| !l.encrypted));
    assert!(alice[ready + 1..].iter().all(|l| l.encrypted));
}
