//! The hello-SMTP preset: one message, submission, MX lookup, delivery.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use common::*;
use mxlab_sim::trace::EventKind;

#[test]
fn message_reaches_bobs_mailbox_through_submission_and_mx() {
    let sim = run(preset("hello-smtp"));
    let mx = sim.host("mx.example.org").unwrap();
    assert_eq!(mx.mailboxes["bob@example.org"], ["m1"]);
    assert!(sim.hosts().iter().all(|h| h.queue.is_empty()));
    // Two hops: MUA -> submission, submission -> MX.
    let connects = kinds(sim.trace(), |k| matches!(k, EventKind::Connect { .. })).count();
    assert_eq!(connects, 2);
    // The submission server asked the resolver for example.org's MX.
    assert!(kinds(
        sim.trace(),
        |k| matches!(k, EventKind::DnsQuery { name, .. } if name == "example.org")
    )
    .next()
    .is_some());
}

#[test]
fn transcript_reads_like_rfc_5321_appendix_d() {
    let sim = run(preset("hello-smtp"));
    let t = transcript(sim.trace(), 2);
    for line in t.iter() {
        println!("{line}");
    }
    assert_eq!(t[0], "S: 220 mx.example.org ESMTP MX Lab");
    assert_eq!(t[1], "C: EHLO smtp.example.com");
    assert!(t.contains(&"C: MAIL FROM:<alice@example.com>".to_owned()));
    assert!(t.contains(&"C: RCPT TO:<bob@example.org>".to_owned()));
    assert!(t.contains(&"S: 354 End data with <CR><LF>.<CR><LF>".to_owned()));
    // The submission server's trace field (RFC 5321 §4.4), folded.
    let at = t
        .iter()
        .position(|l| l == "C: Received: from alice-laptop.example.com")
        .unwrap();
    assert!(t[at + 1].starts_with("C: \tby smtp.example.com with ESMTP id "));
    assert!(t[at + 2].starts_with("C: \tfor <bob@example.org>; Mon, 05 Jan 2026 09:00:"));
    assert_eq!(t.last().unwrap(), "S: 221 2.0.0 mx.example.org Bye");
}

#[test]
fn lines_take_link_latency() {
    let sim = run(preset("hello-smtp"));
    let first_connect = kinds(sim.trace(), |k| matches!(k, EventKind::Connect { .. }))
        .next()
        .unwrap();
    // Submitted at 1 s; a TCP round trip of 2 x 20 ms.
    assert_eq!(first_connect.at.as_micros(), 1_040_000);
}

#[test]
fn connections_are_listed_with_their_ends_and_ports() {
    let sim = run(preset("hello-smtp"));
    let conns: Vec<(u64, mxlab_sim::CompactString, mxlab_sim::CompactString, u16)> = sim
        .trace()
        .connections()
        .into_iter()
        .map(|c| (c.conn, c.client, c.server, c.port))
        .collect();
    // The MUA submits on 587 (RFC 6409); the submission server relays
    // to the MX on 25.
    assert_eq!(
        conns,
        [
            (
                1,
                "alice-laptop.example.com".into(),
                "smtp.example.com".into(),
                587
            ),
            (2, "smtp.example.com".into(), "mx.example.org".into(), 25),
        ]
    );
}
