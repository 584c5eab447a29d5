use super::*;
use crate::rng::fnv1a64;

fn sample() -> Trace {
    let mut t = Trace::new();
    let s = |h: &[&str]| Subject {
        hosts: h.iter().map(|s| (*s).into()).collect(),
        message: Some("m1".into()),
        recipient: None,
    };
    t.record(
        SimTime::ZERO,
        s(&["a", "b"]),
        EventKind::Connect { conn: 1, port: 25 },
    );
    t.record(
        SimTime::from_millis(20),
        s(&["b", "a"]),
        EventKind::Reply {
            conn: 1,
            line: Octets::new(b"220 b ESMTP\r\n"),
            sent_at: SimTime::ZERO,
        },
    );
    t
}

#[test]
fn hash_matches_fnv_of_canonical_json() {
    let t = sample();
    assert_eq!(t.hash(), fnv1a64(t.to_json().as_bytes()));
    assert_eq!(t.hash_hex().len(), 16);
}

#[test]
fn same_events_same_hash_different_events_different_hash() {
    assert_eq!(sample().hash(), sample().hash());
    let mut other = sample();
    other.record(
        SimTime::from_secs(1),
        Subject::default(),
        EventKind::Close { conn: 1 },
    );
    assert_ne!(sample().hash(), other.hash());
}

#[test]
fn trace_round_trips_through_json() {
    let t = sample();
    let back: Trace = serde_json::from_str(&t.to_json()).unwrap();
    assert_eq!(t, back);
}

#[test]
fn octets_keep_bare_lf_and_high_bytes() {
    let raw = b"DATA\n\xff.\r\n";
    let o = Octets::new(raw);
    assert_eq!(o.to_bytes(), raw);
    assert_eq!(o.len(), raw.len());
    let json = serde_json::to_string(&o).unwrap();
    let back: Octets = serde_json::from_str(&json).unwrap();
    assert_eq!(back.to_bytes(), raw);
    assert_eq!(Octets::new(b"a\r\n").display(), "a<CR><LF>");
}

#[test]
fn lines_are_described_by_their_verb_or_code() {
    let t = sample();
    let (text, rfc) = t.get(1).unwrap().describe();
    assert!(text.starts_with("220 Service ready"), "{text}");
    assert_eq!(rfc, "RFC 5321 §4.2.3");
    let mut t = Trace::new();
    t.record(
        SimTime::ZERO,
        Subject::default(),
        EventKind::Reply {
            conn: 1,
            line: Octets::new(b"550 5.1.1 no such user\r\n"),
            sent_at: SimTime::ZERO,
        },
    );
    t.record(
        SimTime::ZERO,
        Subject::default(),
        EventKind::Command {
            conn: 1,
            line: Octets::new(b"RCPT TO:<a@b>\r\n"),
            sent_at: SimTime::ZERO,
        },
    );
    let (text, rfc) = t.get(0).unwrap().describe();
    assert!(
        text.starts_with("550 ") && text.contains("5.1.1: "),
        "{text}"
    );
    assert!(rfc.contains("RFC 3463"), "{rfc}");
    let (text, _) = t.get(1).unwrap().describe();
    assert!(text.starts_with("RCPT"), "{text}");
    let (text, _) = sample().get(0).unwrap().describe();
    assert_eq!(text, sample().get(0).unwrap().explanation());
}

#[test]
fn every_event_is_explained_with_a_reference() {
    for e in &sample() {
        assert!(!e.explanation().is_empty());
        assert!(e.rfc().starts_with("RFC"));
    }
}

#[test]
fn an_event_in_the_store_is_48_bytes() {
    // Tens of millions of them make a large run: every byte counts.
    assert_eq!(std::mem::size_of::<Record>(), 48);
}

#[test]
fn a_line_over_an_hour_on_the_wire_or_past_four_billion_connections_reads_back_whole() {
    let mut t = Trace::default();
    let subject = Subject::default();
    let sent = SimTime::from_secs(1);
    let late = SimTime::from_secs(2 * 3600);
    t.record(
        late,
        subject.clone(),
        EventKind::line(true, 7, Octets::new(b"NOOP"), sent),
    );
    t.record(
        late,
        subject.clone(),
        EventKind::line(false, 1 << 40, Octets::new(b"250 Ok"), late),
    );
    t.record(late, subject, EventKind::Close { conn: 1 << 40 });
    let events: Vec<TraceEvent> = t.iter().collect();
    assert!(
        matches!(&events[0].kind, EventKind::Command { conn: 7, sent_at, .. } if *sent_at == sent)
    );
    assert!(matches!(&events[1].kind, EventKind::Reply { conn, .. } if *conn == 1 << 40));
    assert!(matches!(&events[2].kind, EventKind::Close { conn } if *conn == 1 << 40));
}
