//! Every preset's lesson comes true: for each of the 15 presets, the
//! claims its lesson text makes, checked in the trace of its run (what a
//! lecturer shows on the projector must be what the lesson says).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use mxlab_sim::inspect::{dsn_report, hops};
use mxlab_sim::trace::{ConnectFailure, DsnAction, EventKind};
use mxlab_sim::{Connection, Diagnostic, Sim, SimTime, TraceEvent};

/// Every event of the run (lines included) that `f` picks.
fn events(sim: &Sim, f: impl Fn(&TraceEvent) -> bool) -> Vec<TraceEvent> {
    sim.trace().iter().filter(|e| f(e)).collect()
}

/// The diagnostic of a bounce or deferral.
fn diagnostic(e: &TraceEvent) -> &Diagnostic {
    match &e.kind {
        EventKind::Bounce { diagnostic } | EventKind::Defer { diagnostic, .. } => diagnostic,
        other => panic!("no diagnostic in {other:?}"),
    }
}

fn code(e: &TraceEvent) -> (u16, &str) {
    let d = diagnostic(e);
    (d.code, d.enhanced.as_str())
}

fn is_bounce(e: &TraceEvent) -> bool {
    matches!(e.kind, EventKind::Bounce { .. })
}

fn is_defer(e: &TraceEvent) -> bool {
    matches!(e.kind, EventKind::Defer { .. })
}

/// The bounces of `message`.
fn bounces(sim: &Sim, message: &str) -> Vec<TraceEvent> {
    events(sim, |e| {
        is_bounce(e) && e.message.as_deref() == Some(message)
    })
}

/// Deliveries into a mailbox (not hand-offs to a next hop) of `message`
/// to `rcpt`, duplicates included.
fn deliveries(sim: &Sim, message: &str, rcpt: &str) -> Vec<TraceEvent> {
    events(sim, |e| {
        matches!(&e.kind, EventKind::Deliver { to, .. } if to == rcpt)
            && e.message.as_deref() == Some(message)
    })
}

/// The attempts `host` made for `message`.
fn attempts(sim: &Sim, host: &str, message: &str) -> Vec<TraceEvent> {
    events(sim, |e| {
        matches!(e.kind, EventKind::Attempt { .. })
            && e.hosts[0] == host
            && e.message.as_deref() == Some(message)
    })
}

fn target(e: &TraceEvent) -> (&str, u16) {
    match &e.kind {
        EventKind::Attempt { target, port, .. } => (target.as_str(), *port),
        other => panic!("not an attempt: {other:?}"),
    }
}

/// The DSNs queued for `to`.
fn dsns_to(sim: &Sim, to: &str) -> Vec<TraceEvent> {
    events(
        sim,
        |e| matches!(&e.kind, EventKind::DsnSent { to: t, .. } if t == to),
    )
}

/// What the mailbox `address` on `host` holds.
fn mailbox(sim: &Sim, host: &str, address: &str) -> Vec<String> {
    sim.host(host)
        .unwrap()
        .mailboxes
        .get(address)
        .cloned()
        .unwrap_or_default()
}

/// The connections from `client` to `server`, in order.
fn connections(sim: &Sim, client: &str, server: &str) -> Vec<Connection> {
    sim.trace()
        .connections()
        .into_iter()
        .filter(|c| c.client == client && c.server == server)
        .collect()
}

/// The one connection from `client` to `server`.
fn only_connection(sim: &Sim, client: &str, server: &str) -> Connection {
    let c = connections(sim, client, server);
    assert_eq!(c.len(), 1, "{client} -> {server}: {c:?}");
    c.into_iter().next().unwrap()
}

/// The `C:`/`S:` lines of a connection.
fn lines(sim: &Sim, conn: u64) -> Vec<String> {
    transcript(sim.trace(), conn)
}

/// Where the first line starting with `prefix` is.
fn position(lines: &[String], prefix: &str) -> usize {
    lines
        .iter()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} in {lines:#?}"))
}

fn count(lines: &[String], prefix: &str) -> usize {
    lines.iter().filter(|l| l.starts_with(prefix)).count()
}

/// The reply lines to the EHLO at `lines[at]`: `250-` lines up to the
/// `250 ` one.
fn ehlo_reply(lines: &[String], at: usize) -> Vec<String> {
    let mut reply = Vec::new();
    for l in &lines[at + 1..] {
        if !l.starts_with("S: 250") {
            break;
        }
        reply.push(l.clone());
        if l.starts_with("S: 250 ") {
            break;
        }
    }
    reply
}

/// The position in the trace of the first event that `f` picks.
fn seq_of(sim: &Sim, f: impl Fn(&EventKind) -> bool) -> u64 {
    sim.trace()
        .iter()
        .find(|e| f(&e.kind))
        .map(|e| e.seq)
        .expect("no such event")
}

fn secs(t: SimTime) -> f64 {
    t.as_micros() as f64 / 1e6
}

/// The DNS answer `host` got for the MX records of `domain`.
fn mx_answer(sim: &Sim, host: &str, domain: &str) -> Vec<String> {
    events(sim, |e| {
        matches!(&e.kind, EventKind::DnsAnswer { name, .. } if name == domain) && e.hosts[0] == host
    })
    .first()
    .map(|e| match &e.kind {
        EventKind::DnsAnswer { answer, .. } => answer.iter().map(|a| a.to_string()).collect(),
        _ => unreachable!(),
    })
    .unwrap_or_else(|| panic!("{host} never asked for {domain}"))
}

/// "Alice's mail program submits one message to her provider's submission
/// server, which looks up the MX record of example.org and hands the
/// message to Bob's mail server: the classic SMTP session of RFC 5321
/// Appendix D, line by line."
#[test]
fn hello_smtp() {
    let sim = run(preset("hello-smtp"));
    let submit = only_connection(&sim, "alice-laptop.example.com", "smtp.example.com");
    assert_eq!(submit.port, 587);
    assert_eq!(
        mx_answer(&sim, "smtp.example.com", "example.org"),
        ["10 mx.example.org"]
    );
    let relay = only_connection(&sim, "smtp.example.com", "mx.example.org");
    assert_eq!(relay.port, 25);
    let t = lines(&sim, relay.conn);
    // The session of Appendix D: greeting, EHLO, MAIL, RCPT, DATA, the
    // content ended by a lone dot, QUIT; each answered in turn.
    let commands: Vec<&str> = t
        .iter()
        .filter(|l| l.starts_with("C: ") && l.chars().nth(3).is_some_and(char::is_uppercase))
        .filter(|l| {
            ["C: EHLO", "C: MAIL", "C: RCPT", "C: DATA", "C: QUIT"]
                .iter()
                .any(|c| l.starts_with(c))
        })
        .map(String::as_str)
        .collect();
    assert_eq!(
        commands,
        [
            "C: EHLO smtp.example.com",
            "C: MAIL FROM:<alice@example.com>",
            "C: RCPT TO:<bob@example.org>",
            "C: DATA",
            "C: QUIT"
        ]
    );
    assert!(t[0].starts_with("S: 220 mx.example.org"), "{t:#?}");
    let dot = position(&t, "C: .");
    assert!(position(&t, "S: 354") < dot);
    assert!(t[dot + 1].starts_with("S: 250 2.0.0"), "{t:#?}");
    assert!(t.last().unwrap().starts_with("S: 221"), "{t:#?}");
    assert_eq!(mailbox(&sim, "mx.example.org", "bob@example.org"), ["m1"]);
    let s = sim.summary();
    assert_eq!((s.delivered, s.bounced, s.queued), (1, 0, 0));
}

/// "... submits on port 587. The submission server offers STARTTLS and
/// insists on it: after the TLS handshake the session starts over with
/// EHLO, and only then is AUTH offered. Alice logs in with AUTH PLAIN,
/// and because she is authenticated the server relays her message to
/// Bob's MX ... the ESMTPSA in the Received field. From 2 h on the server
/// refuses every login (535 5.7.8): Alice's second message is deferred
/// (454 4.7.8), not bounced, and goes out once the fault ends."
#[test]
fn submission_starttls_auth() {
    let sim = run(preset("submission-starttls-auth"));
    let first = &connections(&sim, "alice-laptop.example.com", "smtp.example.com")[0];
    assert_eq!(first.port, 587);
    let t = lines(&sim, first.conn);
    let ehlo1 = position(&t, "C: EHLO");
    let before_tls = ehlo_reply(&t, ehlo1);
    assert!(before_tls.iter().any(|l| l.contains("STARTTLS")), "{t:#?}");
    assert!(!before_tls.iter().any(|l| l.contains("AUTH")), "{t:#?}");
    let starttls = position(&t, "C: STARTTLS");
    assert!(t[starttls + 1].starts_with("S: 220"), "{t:#?}");
    let ehlo2 = starttls + position(&t[starttls..], "C: EHLO");
    let after_tls = ehlo_reply(&t, ehlo2);
    assert!(after_tls.iter().any(|l| l.contains("AUTH PLAIN")), "{t:#?}");
    let auth = position(&t, "C: AUTH PLAIN");
    assert!(ehlo2 < auth && auth < position(&t, "C: MAIL FROM"));
    assert!(t[auth + 1].starts_with("S: 235"), "{t:#?}");
    // The lock: the handshake finished on this connection.
    assert!(
        events(&sim, |e| matches!(
            e.kind,
            EventKind::TlsUpgrade { conn, ok: true } if conn == first.conn
        ))
        .len()
            == 1
    );
    // Relayed to Bob's MX, with ESMTPSA in the Received field.
    let hop = hops(sim.trace(), "m1")
        .into_iter()
        .find(|h| h.hop.to == "mx.example.org")
        .unwrap();
    assert!(
        hop.hop
            .headers
            .iter()
            .any(|h| h.contains("by smtp.example.com with ESMTPSA")),
        "{:#?}",
        hop.hop.headers
    );
    assert_eq!(deliveries(&sim, "m1", "bob@example.org").len(), 1);

    // The second message, during the login fault (7200..9000 s).
    let refused = events(&sim, |e| {
        matches!(&e.kind, EventKind::Reply { .. })
            && e.message.as_deref() == Some("m2")
            && transcript_line(e).starts_with("535 5.7.8")
    });
    assert!(!refused.is_empty());
    assert!(refused
        .iter()
        .all(|e| (7200.0..9000.0).contains(&secs(e.at))));
    let deferred = events(&sim, |e| is_defer(e) && e.message.as_deref() == Some("m2"));
    assert!(!deferred.is_empty());
    assert!(deferred.iter().all(|e| code(e) == (454, "4.7.8")));
    assert!(bounces(&sim, "m2").is_empty());
    let delivered = deliveries(&sim, "m2", "bob@example.org");
    assert_eq!(delivered.len(), 1);
    assert!(secs(delivered[0].at) > 9000.0);
    assert_eq!(
        mailbox(&sim, "mx.example.org", "bob@example.org"),
        ["m1", "m2"]
    );
    let s = sim.summary();
    assert_eq!((s.delivered, s.bounced, s.queued), (2, 0, 0));
}

/// A reply or command line's text.
fn transcript_line(e: &TraceEvent) -> String {
    match &e.kind {
        EventKind::Reply { line, .. } | EventKind::Command { line, .. } => {
            mxlab_sim::inspect::line_text(line)
        }
        _ => String::new(),
    }
}

/// "Alice ... on port 587: plain text, STARTTLS, ... only after the
/// handshake and a second EHLO may she log in. Carol's phone submits on
/// port 465: TLS from the first byte, so the lock is on the link before
/// the greeting, the server never offers STARTTLS, and she logs in
/// straight after her only EHLO. The submission server relays both
/// messages to Bob's MX on port 25 ... Dave's ... SYN is dropped, every
/// attempt times out after 30 s, and the message waits in his outbox."
#[test]
fn submission_ports() {
    let sim = run(preset("submission-ports"));
    // Alice on 587.
    let alice = only_connection(&sim, "alice-laptop.example.com", "smtp.example.com");
    assert_eq!(alice.port, 587);
    let t = lines(&sim, alice.conn);
    assert_eq!(count(&t, "C: EHLO"), 2, "{t:#?}");
    let starttls = position(&t, "C: STARTTLS");
    let auth = position(&t, "C: AUTH");
    assert!(starttls < auth);
    let second_ehlo = starttls + position(&t[starttls..], "C: EHLO");
    assert!(second_ehlo < auth);

    // Carol on 465: the lock before the greeting, no STARTTLS, one EHLO.
    let carol = only_connection(&sim, "carol-phone.example.com", "smtp.example.com");
    assert_eq!(carol.port, 465);
    let tls = seq_of(
        &sim,
        |k| matches!(k, EventKind::TlsUpgrade { conn, ok: true } if *conn == carol.conn),
    );
    let greeting = seq_of(
        &sim,
        |k| matches!(k, EventKind::Reply { conn, .. } if *conn == carol.conn),
    );
    assert!(tls < greeting, "the lock comes before the 220");
    let t = lines(&sim, carol.conn);
    assert!(t[0].starts_with("S: 220"), "{t:#?}");
    assert_eq!(count(&t, "C: EHLO"), 1, "{t:#?}");
    assert_eq!(count(&t, "C: STARTTLS"), 0, "{t:#?}");
    assert!(!t.iter().any(|l| l.contains("STARTTLS")), "{t:#?}");
    let ehlo = position(&t, "C: EHLO");
    let reply = ehlo_reply(&t, ehlo);
    assert!(t[ehlo + reply.len() + 1].starts_with("C: AUTH"), "{t:#?}");

    // Both relayed to Bob's MX on port 25.
    let relayed = connections(&sim, "smtp.example.com", "mx.example.org");
    assert_eq!(relayed.len(), 2);
    assert!(relayed.iter().all(|c| c.port == 25));
    assert_eq!(
        mailbox(&sim, "mx.example.org", "bob@example.org"),
        ["m1", "m2"]
    );

    // Dave straight to port 25: never connected, each SYN times out at 30 s.
    let tries = attempts(&sim, "dave-desktop.example.com", "m3");
    assert!(tries.len() >= 3, "{}", tries.len());
    assert!(connections(&sim, "dave-desktop.example.com", "mx.example.org").is_empty());
    for a in &tries {
        assert_eq!(target(a), ("mx.example.org", 25));
        let failed = events(&sim, |e| {
            matches!(e.kind, EventKind::ConnectFailed { .. })
                && e.hosts[0] == "dave-desktop.example.com"
                && e.seq > a.seq
        });
        let f = &failed[0];
        assert!(matches!(
            f.kind,
            EventKind::ConnectFailed {
                reason: ConnectFailure::Timeout
            }
        ));
        assert_eq!(f.at.as_micros() - a.at.as_micros(), 30_000_000);
    }
    assert!(bounces(&sim, "m3").is_empty());
    let outbox = &sim.host("dave-desktop.example.com").unwrap().queue;
    assert!(outbox.values().any(|q| q.message_id == "m3"));
    let s = sim.summary();
    assert_eq!((s.delivered, s.bounced, s.queued), (2, 0, 1));
}

/// "Bob's only MX is down for a week. The sender's Postfix ... retries
/// with backoff: the wait doubles from 300 s up to maximal_backoff_time
/// (4000 s) and stays there, each retry taken by the next 300 s scan of
/// the deferred queue (600, 1200, 2400, 4800 s, then every 4200 s). After
/// maximal_queue_lifetime (5 days) it gives up: Alice gets a delivery
/// status notification (RFC 3464) ..."
#[test]
fn expiry_bounce() {
    let sim = run(preset("expiry-bounce"));
    let tries: Vec<f64> = attempts(&sim, "smtp.example.com", "m1")
        .iter()
        .map(|a| secs(a.at))
        .collect();
    let rounded: Vec<u64> = tries.iter().map(|t| t.round() as u64).collect();
    assert_eq!(rounded[1..5], [600, 1200, 2400, 4800], "{rounded:?}");
    let gaps: Vec<u64> = rounded.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps[4..].iter().all(|g| *g == 4200), "{gaps:?}");
    assert!(gaps.windows(2).all(|w| w[0] <= w[1]), "{gaps:?}");
    // Given up after 5 days, at the first retry past them.
    let b = bounces(&sim, "m1");
    assert_eq!(b.len(), 1);
    assert_eq!(code(&b[0]).1, "4.4.7");
    let five_days = 5.0 * 86400.0;
    assert!((five_days..five_days + 4200.0).contains(&secs(b[0].at)));
    // Postfix gives up when an attempt fails past the lifetime: the last
    // attempt is the first one after 5 days.
    assert!(tries.iter().all(|t| *t < secs(b[0].at)));
    assert!(tries[tries.len() - 2] < five_days && five_days < tries[tries.len() - 1]);
    // The DSN reaches Alice's mailbox.
    assert_eq!(dsns_to(&sim, "alice@example.com").len(), 1);
    assert_eq!(
        mailbox(&sim, "smtp.example.com", "alice@example.com"),
        ["m1.dsn"]
    );
    let report = dsn_report(sim.trace(), "m1.dsn").unwrap();
    assert_eq!(report.action, DsnAction::Failed);
    assert_eq!(report.recipients.len(), 1);
    assert_eq!(report.recipients[0].0, "bob@example.org");
    assert_eq!(report.recipients[0].1.enhanced, "4.4.7");
    let s = sim.summary();
    assert_eq!((s.delivered, s.bounced, s.queued), (0, 1, 0));
}

/// "... Her provider's relay keeps bare LFs as content and passes the
/// message on unchanged. The lenient MX ... a forged message 'from' the
/// CEO lands in Bob's mailbox ... The strict MX ... refuses the message
/// (550 5.5.2) and Mallory gets a bounce: her provider's relay, the MX of
/// example.net, files the DSN in her own mailbox."
#[test]
fn smtp_smuggling() {
    let sim = run(preset("smtp-smuggling"));
    // The bare LF crosses the relay unchanged, to both MXs.
    for mx in ["mx.lenient.example", "mx.strict.example"] {
        let c = only_connection(&sim, "smtp.example.net", mx);
        let t = lines(&sim, c.conn);
        // <LF>.<CR><LF>: a line ended by a bare LF, then a lone dot.
        let lf = position(&t, "C: Nothing to see here.<LF>");
        assert_eq!(t[lf], "C: Nothing to see here.<LF>");
        assert_eq!(t[lf + 1], "C: .", "{t:#?}");
    }
    // The lenient MX reads two transactions out of one DATA.
    let lenient = only_connection(&sim, "smtp.example.net", "mx.lenient.example");
    let t = lines(&sim, lenient.conn);
    assert_eq!(count(&t, "S: 250 2.0.0 Ok: queued as"), 2, "{t:#?}");
    assert!(t.iter().any(|l| l == "C: From: CEO <ceo@lenient.example>"));
    assert_eq!(
        mailbox(&sim, "mx.lenient.example", "bob@lenient.example"),
        ["m1", "m1.smuggled1"]
    );
    assert_eq!(
        deliveries(&sim, "m1.smuggled1", "bob@lenient.example").len(),
        1
    );
    // The strict MX refuses; Carol gets nothing.
    let strict = only_connection(&sim, "smtp.example.net", "mx.strict.example");
    let t = lines(&sim, strict.conn);
    assert_eq!(count(&t, "S: 550 5.5.2"), 1, "{t:#?}");
    assert!(mailbox(&sim, "mx.strict.example", "carol@strict.example").is_empty());
    let b = bounces(&sim, "m1");
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].recipient.as_deref(), Some("carol@strict.example"));
    assert_eq!(code(&b[0]), (550, "5.5.2"));
    // Mallory's bounce lands in her mailbox at her provider.
    assert_eq!(dsns_to(&sim, "mallory@example.net").len(), 1);
    assert_eq!(
        mailbox(&sim, "smtp.example.net", "mallory@example.net"),
        ["m1.dsn"]
    );
    assert!(bounces(&sim, "m1.dsn").is_empty());
    let s = sim.summary();
    assert_eq!((s.delivered, s.bounced, s.queued), (1, 1, 0));
}

/// "The submission server does not deliver directly: every outbound
/// message goes to the provider's smarthost (relay), which looks up the
/// MX and delivers. Watch the Received: headers grow by one line per
/// hop."
#[test]
fn relay_via_smarthost() {
    let sim = run(preset("relay-via-smarthost"));
    // The submission server asks no DNS and talks only to the smarthost.
    assert!(
        events(&sim, |e| matches!(e.kind, EventKind::DnsQuery { .. })
            && e.hosts[0] == "smtp.example.com")
        .is_empty()
    );
    let out: Vec<_> = attempts(&sim, "smtp.example.com", "m1")
        .iter()
        .map(|a| target(a).0.to_string())
        .collect();
    assert_eq!(out, ["relay.example.com"]);
    assert_eq!(
        mx_answer(&sim, "relay.example.com", "example.org"),
        ["10 mx.example.org"]
    );
    assert_eq!(
        only_connection(&sim, "relay.example.com", "mx.example.org").port,
        25
    );
    // One more Received: field per hop, the newest on top.
    let chain: Vec<(String, String, usize)> = hops(sim.trace(), "m1")
        .into_iter()
        .map(|h| {
            let received = count(&h.hop.headers, "Received:");
            (h.hop.from, h.hop.to, received)
        })
        .collect();
    assert_eq!(
        chain,
        [
            (
                "alice-laptop.example.com".into(),
                "smtp.example.com".into(),
                0
            ),
            ("smtp.example.com".into(), "relay.example.com".into(), 1),
            ("relay.example.com".into(), "mx.example.org".into(), 2),
        ]
    );
    let last = hops(sim.trace(), "m1").pop().unwrap().hop.headers;
    assert!(last[1].contains("by relay.example.com"), "{last:#?}");
    assert_eq!(mailbox(&sim, "mx.example.org", "bob@example.org"), ["m1"]);
}

/// "example.org has two MX records. The primary (preference 10) is down,
/// so the sender tries the next one in preference order: the backup MX
/// (preference 20) accepts the message, queues it, and, listing itself in
/// the MX set, only tries the more-preferred primary until it comes
/// back."
#[test]
fn mx_fallback() {
    let sim = run(preset("mx-fallback"));
    assert_eq!(
        mx_answer(&sim, "smtp.example.com", "example.org"),
        ["10 mx1.example.org", "20 mx2.example.org"]
    );
    // The sender: the primary refuses, the backup is tried at once.
    let sender = attempts(&sim, "smtp.example.com", "m1");
    assert_eq!(target(&sender[0]).0, "mx1.example.org");
    assert_eq!(target(&sender[1]).0, "mx2.example.org");
    assert!(secs(sender[1].at) - secs(sender[0].at) < 1.0);
    let refused = events(&sim, |e| {
        matches!(
            e.kind,
            EventKind::ConnectFailed {
                reason: ConnectFailure::Refused
            }
        ) && e.hosts[0] == "smtp.example.com"
            && e.hosts[1] == "mx1.example.org"
    });
    assert_eq!(refused.len(), 1);
    assert_eq!(
        deliveries(&sim, "m1", "mx2.example.org")
            .iter()
            .filter(|e| e.hosts[0] == "smtp.example.com")
            .count(),
        1,
        "the backup MX accepts the message"
    );
    // The backup MX tries only the primary, deferring until it is back.
    let backup = attempts(&sim, "mx2.example.org", "m1");
    assert!(backup.len() >= 2);
    assert!(backup.iter().all(|a| target(a).0 == "mx1.example.org"));
    let back_at = events(&sim, |e| matches!(e.kind, EventKind::FaultOff { .. }))[0].at;
    let defers = events(&sim, |e| is_defer(e) && e.hosts[0] == "mx2.example.org");
    assert!(!defers.is_empty());
    assert!(defers.iter().all(|d| d.at < back_at));
    let delivered = deliveries(&sim, "m1", "bob@example.org");
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].hosts[0], "mx1.example.org");
    assert!(delivered[0].at > back_at);
    assert_eq!(mailbox(&sim, "mx1.example.org", "bob@example.org"), ["m1"]);
    let s = sim.summary();
    assert_eq!((s.delivered, s.bounced, s.queued), (1, 0, 0));
}

/// "Bob's only MX is down for 40 minutes. The sender's Postfix queue
/// defers the message and retries ... Attempts at 0, 600, 1200 and 2400
/// s: the last one finds the MX back and the message is delivered."
#[test]
fn retry_until_mx_returns() {
    let sim = run(preset("retry-until-mx-returns"));
    let tries = attempts(&sim, "smtp.example.com", "m1");
    let at: Vec<u64> = tries.iter().map(|a| secs(a.at).round() as u64).collect();
    assert_eq!(at, [0, 600, 1200, 2400]);
    let defers = events(&sim, |e| is_defer(e) && e.message.as_deref() == Some("m1"));
    assert_eq!(defers.len(), 3);
    assert!(defers.iter().all(|d| diagnostic(d).is_temporary()));
    let refused = events(&sim, |e| {
        matches!(
            e.kind,
            EventKind::ConnectFailed {
                reason: ConnectFailure::Refused
            }
        )
    });
    assert_eq!(refused.len(), 3);
    assert!(refused.iter().all(|r| r.at < tries[3].at));
    let delivered = deliveries(&sim, "m1", "bob@example.org");
    assert_eq!(delivered.len(), 1);
    assert!(delivered[0].at > tries[3].at && secs(delivered[0].at) < 2401.0);
    assert_eq!(mailbox(&sim, "mx.example.org", "bob@example.org"), ["m1"]);
    let s = sim.summary();
    assert_eq!((s.delivered, s.bounced, s.queued), (1, 0, 0));
}

/// "Alice mistypes Bob's address. The MX answers RCPT TO with 550 5.1.1:
/// a permanent failure, so the submission server bounces the message with
/// a delivery status notification (RFC 3464) sent from the null
/// reverse-path <> back to Alice."
#[test]
fn unknown_user_bounce() {
    let sim = run(preset("unknown-user-bounce"));
    let c = only_connection(&sim, "smtp.example.com", "mx.example.org");
    let t = lines(&sim, c.conn);
    assert!(t.iter().any(|l| l == "C: RCPT TO:<bbo@example.org>"));
    assert_eq!(count(&t, "S: 550 5.1.1"), 1, "{t:#?}");
    let b = bounces(&sim, "m1");
    assert_eq!(b.len(), 1);
    assert_eq!(code(&b[0]), (550, "5.1.1"));
    assert_eq!(diagnostic(&b[0]).remote.as_deref(), Some("mx.example.org"));
    // Permanent: no retry.
    assert_eq!(attempts(&sim, "smtp.example.com", "m1").len(), 1);
    assert!(events(&sim, is_defer).is_empty());
    assert_eq!(dsns_to(&sim, "alice@example.com").len(), 1);
    assert_eq!(
        mailbox(&sim, "smtp.example.com", "alice@example.com"),
        ["m1.dsn"]
    );
    let report = dsn_report(sim.trace(), "m1.dsn").unwrap();
    assert_eq!(report.recipients[0].0, "bbo@example.org");
    assert_eq!(report.recipients[0].1.enhanced, "5.1.1");
}

/// "Bob's MX greylists (RFC 6647): the first attempt from a new (client,
/// sender, recipient) triplet gets 450 4.2.0. A real MTA simply retries
/// later; the retry after the greylisting delay is accepted."
#[test]
fn greylisting() {
    let sim = run(preset("greylisting"));
    let conns = connections(&sim, "smtp.example.com", "mx.example.org");
    assert_eq!(conns.len(), 2);
    let first = lines(&sim, conns[0].conn);
    assert_eq!(count(&first, "S: 450 4.2.0"), 1, "{first:#?}");
    let second = lines(&sim, conns[1].conn);
    assert_eq!(count(&second, "S: 4"), 0, "{second:#?}");
    let defers = events(&sim, is_defer);
    assert_eq!(defers.len(), 1);
    assert_eq!(code(&defers[0]), (450, "4.2.0"));
    // The retry comes after the 300 s greylisting delay, and is accepted.
    assert!(secs(conns[1].at) - secs(conns[0].at) >= 300.0);
    let delivered = deliveries(&sim, "m1", "bob@example.org");
    assert_eq!(delivered.len(), 1);
    assert!(delivered[0].at > conns[1].at);
    assert!(bounces(&sim, "m1").is_empty());
    assert_eq!(mailbox(&sim, "mx.example.org", "bob@example.org"), ["m1"]);

    // "Spam software that never retries never gets through": the same
    // message from a sender that gives up at the first failure.
    let mut s = preset("greylisting");
    s.profiles.push(mxlab_sim::scenario::CustomProfile {
        name: "fire-and-forget".into(),
        profile: mxlab_sim::timing::TimingProfile {
            max_queue_lifetime_secs: 0,
            ..Default::default()
        },
    });
    let sender = s
        .nodes
        .iter_mut()
        .find(|n| n.name == "smtp.example.com")
        .unwrap();
    sender.policy.timing = "fire-and-forget".into();
    let spam = run(s);
    assert_eq!(attempts(&spam, "smtp.example.com", "m1").len(), 1);
    assert!(deliveries(&spam, "m1", "bob@example.org").is_empty());
    assert!(mailbox(&spam, "mx.example.org", "bob@example.org").is_empty());
}

/// "example.org publishes a null MX (RFC 7505 ...): it accepts no mail.
/// The submission server does not even try to connect; it bounces at once
/// with 556 5.1.10 and sends a DSN to the sender from the null
/// reverse-path <>. smtp.example.com is also the MX of example.com, so the
/// DSN lands in Alice's mailbox there."
#[test]
fn null_mx() {
    let sim = run(preset("null-mx"));
    assert_eq!(mx_answer(&sim, "smtp.example.com", "example.org"), ["0 ."]);
    assert!(attempts(&sim, "smtp.example.com", "m1").is_empty());
    assert!(events(&sim, |e| matches!(e.kind, EventKind::Connect { .. })
        && e.hosts[0] == "smtp.example.com")
    .is_empty());
    let b = bounces(&sim, "m1");
    assert_eq!(b.len(), 1);
    assert_eq!(code(&b[0]), (556, "5.1.10"));
    let queued = events(&sim, |e| {
        matches!(e.kind, EventKind::Enqueue { .. })
            && e.hosts[0] == "smtp.example.com"
            && e.message.as_deref() == Some("m1")
    })[0]
        .at;
    assert!(secs(b[0].at) - secs(queued) < 1.0, "at once");
    // The DSN comes home.
    assert_eq!(dsns_to(&sim, "alice@example.com").len(), 1);
    assert_eq!(deliveries(&sim, "m1.dsn", "alice@example.com").len(), 1);
    assert_eq!(
        mailbox(&sim, "smtp.example.com", "alice@example.com"),
        ["m1.dsn"]
    );
    assert!(bounces(&sim, "m1.dsn").is_empty());
    let report = dsn_report(sim.trace(), "m1.dsn").unwrap();
    assert_eq!(report.recipients[0].1.enhanced, "5.1.10");
    let s = sim.summary();
    assert_eq!((s.delivered, s.bounced, s.queued), (0, 1, 0));
}

/// "Two relays are misconfigured to forward example.org mail to each
/// other (the submission server also listens on port 25, where the other
/// relay hands mail back). Each hop adds a Received: header; when a host
/// counts more than its hop limit (50 for Postfix), it stops the loop and
/// bounces with 554 5.4.6. The bounce to Alice is sent from the null
/// reverse-path <> ..., takes the same route and loops in its turn: at
/// the hop limit it is stopped with 554 5.4.6 as well, and then dropped,
/// because a bounce is never bounced. Alice never learns that her message
/// was lost."
#[test]
fn mail_loop() {
    let sim = run(preset("mail-loop"));
    // The relay hands mail back to the submission server on port 25.
    let back = connections(&sim, "relay.example.net", "smtp.example.com");
    assert!(!back.is_empty());
    assert!(back.iter().all(|c| c.port == 25));
    // Each hop one more Received: field; the last one carried 50.
    let chain: Vec<usize> = hops(sim.trace(), "m1")
        .iter()
        .map(|h| count(&h.hop.headers, "Received:"))
        .collect();
    assert_eq!(chain, (0..=50).collect::<Vec<_>>());
    let b = bounces(&sim, "m1");
    assert_eq!(b.len(), 1);
    assert_eq!(code(&b[0]), (554, "5.4.6"));
    let dsn = dsns_to(&sim, "alice@example.com");
    assert_eq!(dsn.len(), 1);
    assert_eq!(dsn[0].hosts[0], b[0].hosts[0]);
    // The DSN, from <>, loops between the same two hosts ...
    let dsn_hops = hops(sim.trace(), "m1.dsn");
    assert!(dsn_hops.len() >= 50, "{}", dsn_hops.len());
    let null_sender = events(&sim, |e| {
        matches!(e.kind, EventKind::Command { .. })
            && e.message.as_deref() == Some("m1.dsn")
            && transcript_line(e) == "MAIL FROM:<>"
    });
    assert_eq!(null_sender.len(), dsn_hops.len());
    assert!(events(&sim, |e| {
        matches!(e.kind, EventKind::Command { .. })
            && e.message.as_deref() == Some("m1.dsn")
            && transcript_line(e).starts_with("MAIL FROM:")
            && transcript_line(e) != "MAIL FROM:<>"
    })
    .is_empty());
    assert!(dsn_hops
        .iter()
        .all(|h| ["smtp.example.com", "relay.example.net"].contains(&h.hop.to.as_str())));
    // ... is stopped at the hop limit in its turn, and not bounced again.
    let b2 = bounces(&sim, "m1.dsn");
    assert_eq!(b2.len(), 1);
    assert_eq!(code(&b2[0]), (554, "5.4.6"));
    assert_eq!(
        events(&sim, |e| matches!(e.kind, EventKind::DsnSent { .. })).len(),
        1
    );
    // Alice never hears of it.
    assert!(deliveries(&sim, "m1.dsn", "alice@example.com").is_empty());
    assert!(sim
        .hosts()
        .iter()
        .all(|h| h.mailboxes.values().all(|m| m.is_empty())));
    let s = sim.summary();
    assert_eq!((s.delivered, s.bounced, s.queued), (0, 1, 0));
}

/// "Alice writes to Bob and Carol, both on example.org. The submission
/// server groups recipients by destination: one connection, one MAIL
/// FROM, two RCPT TO, and the body crosses the wire once."
#[test]
fn several_recipients() {
    let sim = run(preset("several-recipients"));
    let c = only_connection(&sim, "smtp.example.com", "mx.example.org");
    let t = lines(&sim, c.conn);
    assert_eq!(count(&t, "C: MAIL FROM:"), 1, "{t:#?}");
    assert_eq!(count(&t, "C: RCPT TO:"), 2, "{t:#?}");
    assert!(t.iter().any(|l| l == "C: RCPT TO:<bob@example.org>"));
    assert!(t.iter().any(|l| l == "C: RCPT TO:<carol@example.org>"));
    assert_eq!(count(&t, "C: DATA"), 1, "{t:#?}");
    assert_eq!(count(&t, "C: Hi Bob,"), 1, "{t:#?}");
    assert_eq!(mailbox(&sim, "mx.example.org", "bob@example.org"), ["m1"]);
    assert_eq!(mailbox(&sim, "mx.example.org", "carol@example.org"), ["m1"]);
    let s = sim.summary();
    assert_eq!((s.delivered, s.bounced, s.queued), (2, 0, 0));
}

/// "Alice sends to Bob and blind-copies Carol. The To: header names only
/// Bob, and there is no Bcc: header at all: Carol receives the message
/// because her address is in the envelope (RCPT TO) ..."
#[test]
fn bcc_envelope_vs_headers() {
    let sim = run(preset("bcc-envelope-vs-headers"));
    let all = hops(sim.trace(), "m1");
    assert_eq!(all.len(), 2);
    for h in &all {
        let headers = &h.hop.headers;
        assert!(headers.iter().any(|l| l == "To: Bob <bob@example.org>"));
        assert!(!headers
            .iter()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")));
        assert!(!headers.iter().any(|l| l.contains("carol")), "{headers:#?}");
    }
    let c = only_connection(&sim, "smtp.example.com", "mx.example.org");
    let t = lines(&sim, c.conn);
    assert!(t.iter().any(|l| l == "C: RCPT TO:<carol@example.org>"));
    assert_eq!(mailbox(&sim, "mx.example.org", "carol@example.org"), ["m1"]);
    assert_eq!(mailbox(&sim, "mx.example.org", "bob@example.org"), ["m1"]);
}

/// "Bob's MX writes the message to disk after the final dot, then crashes
/// before it can answer 250. The sender never hears the reply, so for it
/// the delivery failed: it keeps the message and retries when the MX is
/// back. Bob gets the message twice ..."
#[test]
fn rfc1047_duplicate() {
    let sim = run(preset("rfc1047-duplicate"));
    let conns = connections(&sim, "smtp.example.com", "mx.example.org");
    let t = lines(&sim, conns[0].conn);
    let dot = position(&t, "C: .");
    // No reply to the final dot: the connection is cut.
    assert!(t[dot + 1..].iter().all(|l| !l.starts_with("S: ")), "{t:#?}");
    let stored = deliveries(&sim, "m1", "bob@example.org");
    assert_eq!(stored.len(), 2);
    let cut = events(&sim, |e| matches!(e.kind, EventKind::Abort { .. }))[0].at;
    assert!(stored[0].at <= cut, "written to disk before the crash");
    // The sender keeps it, and retries once the MX is back.
    let defer = events(&sim, is_defer);
    assert_eq!(code(&defer[0]).0, 421);
    let back = events(&sim, |e| matches!(e.kind, EventKind::FaultOff { .. }))[0].at;
    assert!(stored[1].at > back);
    assert!(matches!(
        stored[1].kind,
        EventKind::Deliver {
            duplicate: true,
            ..
        }
    ));
    assert_eq!(
        mailbox(&sim, "mx.example.org", "bob@example.org"),
        ["m1", "m1"]
    );
    let s = sim.summary();
    assert_eq!((s.delivered, s.duplicates, s.bounced), (1, 1, 0));
}
