use super::*;
use crate::presets;
use crate::trace::{DsnAction, EventKind};
use crate::{Sim, SimTime, Trace};

fn trace_of(name: &str) -> Trace {
    let s = presets::preset(name).unwrap();
    let seed = s.seed;
    let mut sim = Sim::new(s, seed);
    sim.run_to_quiescence();
    sim.take_trace()
}

#[test]
fn a_transcript_opens_with_the_greeting_and_ends_with_the_goodbye() {
    let trace = trace_of("hello-smtp");
    let all = transcripts(&trace, None);
    let (conn, t) = all.iter().next().unwrap();
    assert_eq!(t.first().map(|l| l.who), Some('S'));
    assert!(t[0].text.starts_with("220 "), "{t:?}");
    assert!(t
        .iter()
        .any(|l| l.who == 'C' && l.text.starts_with("EHLO ")));
    assert!(t.iter().all(|l| l.hover.contains("RFC")), "{t:?}");
    assert!(t.last().unwrap().text.starts_with("221"));
    assert_eq!(transcripts(&trace, Some(*conn))[conn], *t);
}

#[test]
fn lines_after_starttls_are_marked_encrypted() {
    let trace = trace_of("submission-starttls-auth");
    let all = transcripts(&trace, None);
    let t = all.values().next().unwrap();
    assert!(!t[0].encrypted);
    let starttls = t.iter().position(|l| l.text == "STARTTLS").unwrap();
    assert!(t[..=starttls].iter().all(|l| !l.encrypted), "{t:?}");
    assert!(t[starttls + 2..].iter().all(|l| l.encrypted), "{t:?}");
}

#[test]
fn a_cut_session_ends_with_the_cut_and_its_explanation() {
    let trace = trace_of("mx-fallback");
    let cut = transcripts(&trace, None)
        .into_values()
        .flatten()
        .filter(|l| l.who == CUT)
        .count();
    let aborts = trace
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Abort { .. }))
        .count();
    assert_eq!(cut, aborts);
}

#[test]
fn hops_show_the_received_chain_growing_and_stop_at_the_body() {
    let trace = trace_of("relay-via-smarthost");
    let all = hops(&trace, "m1");
    assert!(all.len() >= 2, "{all:?}");
    let received = |h: &Hop| {
        h.headers
            .iter()
            .filter(|l| l.starts_with("Received:"))
            .count()
    };
    assert!(received(&all[all.len() - 1].hop) > received(&all[0].hop));
    for h in &all {
        assert_eq!(h.hop.headers.len(), h.times.len());
        assert!(h.hop.headers.iter().any(|l| l.starts_with("Subject:")));
        // The header section ends at the empty line: no body line.
        assert!(
            h.hop
                .headers
                .iter()
                .all(|l| l.contains(':') || l.starts_with([' ', '\t'])),
            "{h:?}"
        );
    }
    // At the moment the first hop's first line arrived, the lines after
    // it are not seen yet.
    let first = &all[0];
    let same_instant = first.times.iter().filter(|t| **t == first.times[0]).count();
    assert_eq!(first.at(first.times[0]).headers.len(), same_instant);
    assert!(first
        .at(SimTime::from_micros(first.times[0].as_micros() - 1))
        .headers
        .is_empty());
    assert_eq!(first.at(*first.times.last().unwrap()), first.hop);
    assert_eq!(hops(&trace, "no-such-message"), Vec::new());
}

#[test]
fn a_dsn_reports_the_failed_recipient_with_its_diagnostic() {
    let trace = trace_of("unknown-user-bounce");
    let timeline = Timeline::read(&trace);
    assert_eq!(timeline.dsns.len(), 1);
    let id = timeline.dsns.iter().next().unwrap();
    let report = dsn_report(&trace, id).unwrap();
    assert_eq!(report.original, "m1");
    assert_eq!(report.to, "alice@example.com");
    assert_eq!(report.action, DsnAction::Failed);
    assert_eq!(report.recipients.len(), 1);
    assert_eq!(report.recipients[0].0, "bbo@example.org");
    assert_eq!(report.recipients[0].1.code, 550);
    assert!(dsn_report(&trace, "m1").is_none());
    let fields = report.fields();
    assert!(fields.starts_with("Reporting-MTA: dns; "), "{fields}");
    assert!(
        fields.contains("\nFinal-Recipient: rfc822; bbo@example.org\nAction: failed\nStatus: 5."),
        "{fields}"
    );
    assert!(
        fields.contains("\nDiagnostic-Code: smtp; 550 5."),
        "{fields}"
    );
}

#[test]
fn the_timeline_read_in_slices_is_the_timeline_read_at_once() {
    let trace = trace_of("retry-until-mx-returns");
    let whole = Timeline::read(&trace);
    let mut sliced = Timeline::default();
    let mut steps = 0;
    while !sliced.advance(&trace, 7) {
        steps += 1;
    }
    assert!(steps > 10);
    assert_eq!(sliced.read_so_far(), trace.len());
    assert_eq!(sliced.markers, whole.markers);
    assert_eq!(sliced.sessions, whole.sessions);
    assert_eq!(sliced.links, whole.links);
    assert!(whole.markers.iter().any(|m| m.kind == MarkerKind::Deferred));
    assert!(whole
        .markers
        .iter()
        .any(|m| m.kind == MarkerKind::Delivered));
    assert!(whole
        .markers
        .windows(2)
        .all(|w| w[0].position < w[1].position));
}

#[test]
fn sessions_name_their_hosts_and_port() {
    let submission = Timeline::read(&trace_of("submission-starttls-auth"));
    let first = &submission.sessions[0];
    assert_eq!(first.port, 587, "{first:?}");
    assert_eq!(first.message.as_deref(), Some("m1"));
    let trace = trace_of("relay-via-smarthost");
    let t = Timeline::read(&trace);
    assert!(t.sessions.len() >= 2);
    assert!(
        t.sessions[1..].iter().all(|s| s.port == 25),
        "{:?}",
        t.sessions
    );
    assert!(t.links.iter().any(|(_, _, dns)| *dns));
    // Each pair once.
    let mut pairs = t.links.clone();
    pairs.sort();
    pairs.dedup();
    assert_eq!(pairs.len(), t.links.len());
}

#[test]
fn scrambled_lines_hide_the_text() {
    let s = scrambled("AUTH PLAIN AGFsaWNlAHNlY3JldA==");
    assert!(!s.contains("AUTH"));
    assert_eq!(s, scrambled("AUTH PLAIN AGFsaWNlAHNlY3JldA=="));
    assert_ne!(s, scrambled("AUTH PLAIN AGFsaWNlAHNlY3JldB=="));
}

#[test]
fn a_packet_is_drawn_with_its_first_word() {
    assert_eq!(packet_word("MAIL FROM:<alice@example.com>"), "MAIL");
    assert_eq!(packet_word("RCPT TO:<bob@example.org>"), "RCPT");
    assert_eq!(packet_word("250-smtp.example.com Hello"), "250-smtp.exam…");
    assert_eq!(packet_word("250-SMTPUTF8"), "250-SMTPUTF8");
    assert_eq!(packet_word("250-PIPELINING"), "250-PIPELINING");
    assert_eq!(packet_word("250-ENHANCEDSTATUSCODES"), "250-ENHANCEDS…");
    assert_eq!(packet_word("250 HELP"), "250 HELP");
    assert_eq!(packet_word("250 HELP<CR><LF>"), "250 HELP");
    assert_eq!(
        packet_word("354 End data with <CR><LF>.<CR><LF>"),
        "354 End"
    );
    assert_eq!(packet_word("250 "), "250");
    assert_eq!(packet_word("<CR><LF>"), "⏎");
    assert_eq!(packet_word(""), "⏎");
}

#[test]
fn a_line_is_shown_as_on_the_wire_without_its_crlf() {
    assert_eq!(visible(b"EHLO a.example\r\n"), "EHLO a.example");
    assert_eq!(visible(b"DATA\n"), "DATA<LF>");
    assert_eq!(visible(b"a\rb\r\n"), "a<CR>b");
    assert_eq!(
        visible(b"\x1b[31mred\t\x7f\xff\r\n"),
        "<0x1B>[31mred\t<0x7F><0xFF>"
    );
    assert_eq!(visible("Grüße\r\n".as_bytes()), "Grüße");
    assert_eq!(visible("a\u{85}b".as_bytes()), "a<0xC2><0x85>b");
    assert_eq!(visible(b"\r\n\r\n"), "<CR><LF>");
    let utf8 = crate::trace::Octets::new("Subject: Grüße\r\n".as_bytes());
    assert_eq!(line_text(&utf8), "Subject: Grüße");
}

#[test]
fn a_session_heading_names_both_ends_and_the_port() {
    let at = SimTime::from_millis(1_000);
    assert_eq!(
        session_heading(3, "carol-phone.example.com", "smtp.example.com", 465, at),
        format!("# conn 3: carol-phone.example.com -> smtp.example.com:465 at {at}")
    );
    assert!(port_purpose(587).unwrap().contains("RFC 6409"));
    assert!(port_purpose(465).unwrap().contains("RFC 8314"));
    assert!(port_purpose(25).unwrap().contains("RFC 5321"));
    assert_eq!(port_purpose(2525), None);
}

#[test]
fn a_refused_connection_is_captioned_and_stays_in_the_view_beside_the_next_attempt() {
    let trace = &trace_of("mx-fallback");
    let refused = trace
        .iter()
        .find(|e| matches!(e.kind, EventKind::ConnectFailed { .. }))
        .unwrap();
    let text = super::caption(trace, refused.at).unwrap();
    assert!(
        text.starts_with("smtp.example.com → mx1.example.org: connection refused"),
        "{text}"
    );
    assert!(text.ends_with("(RFC 5321 §5.1)"), "{text}");
    let frame = crate::view_at(trace, refused.at);
    let failed: Vec<_> = frame.failed.iter().collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        (
            failed[0].client.as_str(),
            failed[0].server.as_str(),
            failed[0].port
        ),
        ("smtp.example.com", "mx1.example.org", 25)
    );
    assert_eq!(failed[0].reason, crate::trace::ConnectFailure::Refused);
    // The next MX is being dialled at the same instant.
    assert!(
        frame.dialing.iter().any(|d| d.server == "mx2.example.org"),
        "{:?}",
        frame.dialing
    );
    assert!(!frame.dialing.iter().any(|d| d.server == "mx1.example.org"));
    // Once mx2 answers, it is no longer being dialled; mx1's refusal stays
    // until the two connect.
    let connected = trace
        .iter()
        .find(|e| e.at > refused.at && matches!(e.kind, EventKind::Connect { .. }))
        .unwrap();
    let frame = crate::view_at(trace, connected.at);
    assert!(frame.dialing.is_empty());
    assert_eq!(frame.failed.len(), 1);
}

#[test]
fn a_line_is_captioned_with_its_text_and_meaning() {
    let trace = &trace_of("hello-smtp");
    let ehlo = trace
        .iter()
        .find(|e| matches!(&e.kind, EventKind::Command { line, .. } if line.to_bytes().starts_with(b"EHLO")))
        .unwrap();
    let text = super::caption(trace, ehlo.at).unwrap();
    assert!(
        text.starts_with(
            "alice-laptop.example.com → smtp.example.com: “EHLO alice-laptop.example.com” — "
        ),
        "{text}"
    );
    assert!(text.contains("RFC 5321"), "{text}");
    // Before the first event, no caption.
    assert!(trace.time(0) > Some(SimTime::ZERO));
    assert_eq!(super::caption(trace, SimTime::ZERO), None);
}

#[test]
fn the_view_keeps_a_dns_question_until_answered_and_then_its_answer() {
    let trace = &trace_of("mx-fallback");
    let query = trace
        .iter()
        .find(|e| matches!(&e.kind, EventKind::DnsQuery { name, .. } if name == "example.org"))
        .unwrap();
    let frame = crate::view_at(trace, query.at);
    let q = frame.dns_pending.iter().next().unwrap();
    assert_eq!((q.qtype.as_str(), q.name.as_str()), ("MX", "example.org"));
    let answer = trace
        .iter()
        .find(|e| matches!(&e.kind, EventKind::DnsAnswer { name, .. } if name == "example.org"))
        .unwrap();
    let frame = crate::view_at(trace, answer.at);
    assert!(frame.dns_pending.is_empty());
    let a = frame.dns_answered.iter().next().unwrap();
    assert_eq!(
        a.answer.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        ["10 mx1.example.org", "20 mx2.example.org"]
    );
    assert_eq!(a.resolver, "resolver.example.net");
    assert!(a.after_events <= frame.events_applied);
}

#[test]
fn the_event_list_shows_the_events_around_a_moment_filtered_by_class() {
    use super::{event_rows, EventClass};
    let trace = &trace_of("mx-fallback");
    let all = EventClass::ALL.iter().fold(0, |m, c| m | c.bit());
    let refused = trace
        .iter()
        .position(|e| matches!(e.kind, EventKind::ConnectFailed { .. }))
        .unwrap();
    // Just after the refusal: it is the current row, with rows around it.
    let (rows, current) = event_rows(trace, refused + 1, all, 5, 5, 10_000);
    let now = &rows[current.unwrap()];
    assert_eq!(now.index, refused);
    assert_eq!(now.what, "connection refused");
    assert_eq!(
        (now.from.as_str(), now.to.as_deref()),
        ("smtp.example.com", Some("mx1.example.org"))
    );
    assert_eq!(now.rfc, "RFC 5321 §5.1");
    assert_eq!(now.class, EventClass::Smtp);
    assert_eq!(rows.len(), 10);
    assert!(rows.windows(2).all(|w| w[0].index < w[1].index));
    // DNS only: the question and its answer, in order.
    let (dns, _) = event_rows(trace, 0, EventClass::Dns.bit(), 10, 10, 10_000);
    let whats: Vec<&str> = dns.iter().map(|r| r.what.as_str()).collect();
    assert!(whats.contains(&"MX example.org?"), "{whats:?}");
    assert!(
        whats.contains(&"MX example.org: 10 mx1.example.org · 20 mx2.example.org"),
        "{whats:?}"
    );
    assert!(dns.iter().all(|r| r.class == EventClass::Dns));
    // Before anything happened, nothing is current.
    let (_, none) = event_rows(trace, 0, all, 5, 5, 10_000);
    assert_eq!(none, None);
    // Nothing of a class that never happens.
    let (dsn, _) = event_rows(trace, trace.len(), EventClass::Dsn.bit(), 5, 5, 10_000);
    assert!(dsn.is_empty());
}

#[test]
fn hosts_named_by_mx_records_are_labelled_with_their_preference() {
    let s = presets::preset("mx-fallback").unwrap();
    assert_eq!(
        super::mx_label(&s, "mx1.example.org").as_deref(),
        Some("MX (pref 10)")
    );
    assert_eq!(
        super::mx_label(&s, "mx2.example.org").as_deref(),
        Some("backup MX (pref 20)")
    );
    assert_eq!(super::mx_label(&s, "smtp.example.com"), None);
}

#[test]
fn a_line_in_flight_has_its_details_its_meaning_and_its_octets() {
    let trace = &trace_of("hello-smtp");
    let ehlo = trace
        .iter()
        .position(|e| matches!(&e.kind, EventKind::Command { line, .. } if line.to_bytes().starts_with(b"EHLO")))
        .unwrap();
    let Some(EventKind::Command { sent_at, .. }) = trace.get(ehlo).map(|e| e.kind) else {
        panic!()
    };
    // Halfway along its link, the view has it in flight with its position.
    let arrives = trace.time(ehlo).unwrap();
    let mid = SimTime::from_micros((sent_at.as_micros() + arrives.as_micros()) / 2);
    let frame = crate::view_at(trace, mid);
    let flying = frame
        .in_flight
        .iter()
        .find(|l| l.text.starts_with("EHLO"))
        .unwrap();
    assert_eq!(flying.index, ehlo);
    let d = super::line_details(trace, flying.index).unwrap();
    assert_eq!(
        (d.from.as_str(), d.to.as_str(), d.who),
        ("alice-laptop.example.com", "smtp.example.com", 'C')
    );
    assert_eq!(d.text, "EHLO alice-laptop.example.com");
    assert!(d.explanation.contains("RFC 5321"), "{}", d.explanation);
    assert!(d.hex.starts_with("45 48 4c 4f 20 "), "{}", d.hex);
    assert!(d.hex.ends_with(" 0d 0a"), "{}", d.hex);
    // Not a line: no details.
    assert_eq!(super::line_details(trace, 0), None);
}

#[test]
fn dns_records_read_in_full_or_by_first_label() {
    let answer = ["10 mx1.example.org".into(), "20 mx2.example.org".into()];
    assert_eq!(
        super::dns_records(&answer, false),
        "10 mx1.example.org · 20 mx2.example.org"
    );
    assert_eq!(super::dns_records(&answer, true), "10 mx1 · 20 mx2");
    assert_eq!(super::dns_records(&[], true), "no records");
}
