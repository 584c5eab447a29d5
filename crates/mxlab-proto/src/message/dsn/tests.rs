//! Tests of the DSN writer: each notification is parsed back strictly (RFC
//! 2046 multipart, RFC 3464 field groups) and checked field by field.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::message::fixtures::MESSAGE;
use crate::message::{header_fields, split_message, summarize, HeaderField};
use proptest::prelude::*;

/// A parsed-back MIME part: header fields and body bytes.
struct Part {
    fields: Vec<HeaderField>,
    body: Vec<u8>,
}

impl Part {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.is(name))
            .map(|f| f.value.as_str())
    }
}

/// Splits a multipart message on its boundary, strictly by RFC 2046
/// §5.1.1 (delimiters are CRLF "--" boundary).
fn parse_multipart(msg: &[u8]) -> (Vec<HeaderField>, String, Vec<Part>) {
    let (head, body) = split_message(msg);
    let fields = header_fields(head);
    let ct = fields
        .iter()
        .find(|f| f.is("Content-Type"))
        .unwrap()
        .value
        .clone();
    assert!(ct.starts_with("multipart/report; report-type=delivery-status;"));
    let boundary = ct
        .split("boundary=\"")
        .nth(1)
        .unwrap()
        .trim_end_matches('"')
        .to_string();
    assert!(boundary.len() <= 70);
    let delim = format!("\r\n--{boundary}");
    let mut chunks: Vec<&[u8]> = Vec::new();
    let mut rest = body;
    while let Some(i) = rest
        .windows(delim.len())
        .position(|w| w == delim.as_bytes())
    {
        chunks.push(&rest[..i]);
        rest = &rest[i + delim.len()..];
    }
    assert_eq!(rest, b"--\r\n", "close delimiter ends the message");
    // chunks[0] is the preamble; the others start with CRLF after the
    // delimiter line.
    let parts = chunks[1..]
        .iter()
        .map(|c| {
            let c = c.strip_prefix(b"\r\n").unwrap();
            let (h, b) = split_message(c);
            Part {
                fields: header_fields(h),
                body: b.to_vec(),
            }
        })
        .collect();
    (fields, boundary, parts)
}

/// The delivery-status body as groups of fields (per-message first).
fn status_groups(body: &[u8]) -> Vec<Vec<HeaderField>> {
    let text = String::from_utf8(body.to_vec()).unwrap();
    text.split("\r\n\r\n")
        .filter(|g| !g.trim().is_empty())
        .map(|g| header_fields(format!("{g}\r\n").as_bytes()))
        .collect()
}

/// Text with line breaks and indentation collapsed to single spaces.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn get<'a>(fields: &'a [HeaderField], name: &str) -> Option<&'a str> {
    fields.iter().find(|f| f.is(name)).map(|f| f.value.as_str())
}

fn bounce() -> Dsn {
    Dsn {
        kind: DsnKind::Failure,
        reporting_mta: "mx.example.org".into(),
        postmaster: "MAILER-DAEMON@mx.example.org".into(),
        to: "alice@example.com".into(),
        envelope_id: Some("QQ314159".into()),
        arrival_unix: Some(1_795_449_555),
        unix_secs: 1_795_449_600,
        message_id: "dsn.4ABC123@mx.example.org".into(),
        recipients: vec![
            DsnRecipient {
                final_recipient: "bob@example.net".into(),
                original_recipient: Some("rfc822;Bob@Example.net".into()),
                action: DsnAction::Failed,
                status: "5.1.1".into(),
                remote_mta: Some("mx.example.net".into()),
                diagnostic: Some("550 5.1.1 <bob@example.net>: No such user".into()),
                last_attempt_unix: Some(1_795_449_590),
                will_retry_until_unix: None,
            },
            DsnRecipient {
                final_recipient: "rfc822; carol@example.net".into(),
                original_recipient: None,
                action: DsnAction::Failed,
                status: "5.2.2".into(),
                remote_mta: Some("dns; mx.example.net".into()),
                diagnostic: Some("552-5.2.2 Mailbox full\r\n552 5.2.2 Try later".into()),
                last_attempt_unix: None,
                will_retry_until_unix: None,
            },
        ],
        original: MESSAGE.to_vec(),
        return_full: true,
    }
}

#[test]
fn dsn_failure_structure() {
    let dsn = bounce();
    let msg = dsn.to_message();
    assert!(msg.is_ascii());
    // Every line ends in CRLF and none is too long for SMTP.
    for line in msg.split(|&b| b == b'\n') {
        assert!(line.is_empty() || line.ends_with(b"\r"), "{line:?}");
        assert!(line.len() < 998);
    }
    let (fields, boundary, parts) = parse_multipart(&msg);
    assert_eq!(boundary, boundary_for(&dsn.message_id, &[]));
    let h = |n| get(&fields, n);
    assert_eq!(
        h("From"),
        Some("Mail Delivery System <MAILER-DAEMON@mx.example.org>")
    );
    assert_eq!(h("To"), Some("<alice@example.com>"));
    assert_eq!(h("Subject"), Some("Undelivered Mail Returned to Sender"));
    assert_eq!(h("Date"), Some("Mon, 23 Nov 2026 16:00:00 +0000"));
    assert_eq!(h("Message-ID"), Some("<dsn.4ABC123@mx.example.org>"));
    assert_eq!(h("Auto-Submitted"), Some("auto-replied"));
    assert_eq!(h("MIME-Version"), Some("1.0"));
    assert_eq!(h("Content-Transfer-Encoding"), None);

    assert_eq!(parts.len(), 3);
    assert_eq!(
        parts[0].get("Content-Type"),
        Some("text/plain; charset=us-ascii")
    );
    let text = String::from_utf8(parts[0].body.clone()).unwrap();
    for line in text.split("\r\n") {
        assert!(line.chars().count() <= TEXT_WIDTH, "{line:?}");
    }
    let text = flat(&text);
    assert!(text.starts_with("This is the mail system at host mx.example.org. "));
    assert!(text.contains("<bob@example.net>: could not be delivered (status 5.1.1)."));
    assert!(text.contains("The server mx.example.net answered: 550 5.1.1"));
    assert!(text.contains("552-5.2.2 Mailbox full 552 5.2.2 Try later"));
    assert!(text.contains("A copy of your message is attached"));

    assert_eq!(
        parts[1].get("Content-Type"),
        Some("message/delivery-status")
    );
    let groups = status_groups(&parts[1].body);
    assert_eq!(groups.len(), 3);
    let g = |i: usize, n| get(&groups[i], n);
    assert_eq!(g(0, "Reporting-MTA"), Some("dns; mx.example.org"));
    assert_eq!(g(0, "Original-Envelope-Id"), Some("QQ314159"));
    assert_eq!(
        g(0, "Arrival-Date"),
        Some("Mon, 23 Nov 2026 15:59:15 +0000")
    );
    assert_eq!(g(1, "Original-Recipient"), Some("rfc822; Bob@Example.net"));
    assert_eq!(g(1, "Final-Recipient"), Some("rfc822; bob@example.net"));
    assert_eq!(g(1, "Action"), Some("failed"));
    assert_eq!(g(1, "Status"), Some("5.1.1"));
    assert_eq!(g(1, "Remote-MTA"), Some("dns; mx.example.net"));
    assert_eq!(
        g(1, "Diagnostic-Code"),
        Some("smtp; 550 5.1.1 <bob@example.net>: No such user")
    );
    assert_eq!(
        g(1, "Last-Attempt-Date"),
        Some("Mon, 23 Nov 2026 15:59:50 +0000")
    );
    assert_eq!(g(1, "Will-Retry-Until"), None);
    assert_eq!(g(2, "Final-Recipient"), Some("rfc822; carol@example.net"));
    assert_eq!(g(2, "Original-Recipient"), None);
    assert_eq!(g(2, "Remote-MTA"), Some("dns; mx.example.net"));
    assert_eq!(
        g(2, "Diagnostic-Code"),
        Some("smtp; 552-5.2.2 Mailbox full 552 5.2.2 Try later")
    );

    assert_eq!(parts[2].get("Content-Type"), Some("message/rfc822"));
    assert_eq!(parts[2].body, MESSAGE, "original returned byte-exact");
    assert_eq!(summarize(&parts[2].body), summarize(MESSAGE));
}

#[test]
fn dsn_is_deterministic() {
    assert_eq!(bounce().to_message(), bounce().to_message());
}

#[test]
fn dsn_headers_only() {
    let dsn = Dsn {
        return_full: false,
        ..bounce()
    };
    let msg = dsn.to_message();
    let (_, _, parts) = parse_multipart(&msg);
    assert_eq!(parts[2].get("Content-Type"), Some("text/rfc822-headers"));
    assert_eq!(
        parts[2].get("Content-Description"),
        Some("Undelivered Message Headers")
    );
    assert_eq!(parts[2].body, header_section(MESSAGE));
    assert!(!contains(&msg, b"Hi Bob"));
    let text = flat(&String::from_utf8(parts[0].body.clone()).unwrap());
    assert!(text.contains("body is not returned"));
}

#[test]
fn dsn_delay() {
    let dsn = Dsn {
        kind: DsnKind::Delay,
        postmaster: String::new(),
        to: "<alice@example.com>".into(),
        envelope_id: None,
        arrival_unix: None,
        message_id: "<delay.1@mx.example.org>".into(),
        recipients: vec![DsnRecipient {
            final_recipient: "bob@example.net".into(),
            original_recipient: None,
            action: DsnAction::Delayed,
            status: "4.4.1".into(),
            remote_mta: None,
            diagnostic: Some("connect to mx.example.net: Connection timed out".into()),
            last_attempt_unix: Some(1_795_449_590),
            will_retry_until_unix: Some(1_795_449_555 + 5 * 86_400),
        }],
        return_full: false,
        ..bounce()
    };
    let msg = dsn.to_message();
    let (fields, _, parts) = parse_multipart(&msg);
    assert_eq!(
        get(&fields, "Subject"),
        Some("Delayed Mail (still being retried)")
    );
    assert_eq!(
        get(&fields, "From"),
        Some("Mail Delivery System <MAILER-DAEMON@mx.example.org>")
    );
    assert_eq!(get(&fields, "To"), Some("<alice@example.com>"));
    assert_eq!(get(&fields, "Message-ID"), Some("<delay.1@mx.example.org>"));
    let groups = status_groups(&parts[1].body);
    assert_eq!(groups.len(), 2);
    assert_eq!(get(&groups[0], "Original-Envelope-Id"), None);
    assert_eq!(get(&groups[1], "Action"), Some("delayed"));
    assert_eq!(get(&groups[1], "Status"), Some("4.4.1"));
    assert_eq!(
        get(&groups[1], "Will-Retry-Until"),
        Some("Sat, 28 Nov 2026 15:59:15 +0000")
    );
    let text = flat(&String::from_utf8(parts[0].body.clone()).unwrap());
    assert!(text.contains("warning only"));
    assert!(text.contains("keep trying until Sat, 28 Nov 2026"));
    assert_eq!(
        parts[2].get("Content-Description"),
        Some("Delayed Message Headers")
    );
}

#[test]
fn dsn_success_and_actions() {
    let actions = [
        (DsnAction::Delivered, "delivered"),
        (DsnAction::Relayed, "relayed"),
        (DsnAction::Expanded, "expanded"),
    ];
    for (action, word) in actions {
        let dsn = Dsn {
            kind: DsnKind::Success,
            recipients: vec![DsnRecipient {
                final_recipient: "bob@example.net".into(),
                original_recipient: None,
                action,
                status: "2.0.0".into(),
                remote_mta: None,
                diagnostic: None,
                last_attempt_unix: None,
                will_retry_until_unix: None,
            }],
            ..bounce()
        };
        let (fields, _, parts) = parse_multipart(&dsn.to_message());
        assert_eq!(
            get(&fields, "Subject"),
            Some("Successful Mail Delivery Report")
        );
        let groups = status_groups(&parts[1].body);
        assert_eq!(get(&groups[1], "Action"), Some(word));
        assert_eq!(get(&groups[1], "Diagnostic-Code"), None);
    }
}

#[test]
fn dsn_boundary_avoids_original_and_normalises_bare_lf() {
    let plain = boundary_for("dsn.x@mx", &[]);
    // An original that contains the natural boundary (and a bare LF).
    let original = format!("Subject: tricky\n\n--{plain}\r\n{plain}--\n").into_bytes();
    let dsn = Dsn {
        message_id: "dsn.x@mx".into(),
        original: original.clone(),
        ..bounce()
    };
    let msg = dsn.to_message();
    let (_, boundary, parts) = parse_multipart(&msg);
    assert_ne!(boundary, plain);
    assert_eq!(parts.len(), 3);
    let want = format!("Subject: tricky\r\n\r\n--{plain}\r\n{plain}--\r\n");
    assert_eq!(parts[2].body, want.as_bytes());
    assert_eq!(
        crlf_lines(b"a\rb\r\nc\n"),
        Cow::<[u8]>::Owned(b"a\r\nb\r\nc\r\n".to_vec())
    );
    assert!(matches!(crlf_lines(b"a\r\nb"), Cow::Borrowed(_)));
}

#[test]
fn dsn_eight_bit() {
    let dsn = Dsn {
        original: "Subject: Grüße\r\n\r\nBody ünïcödé\r\n".as_bytes().to_vec(),
        ..bounce()
    };
    let msg = dsn.to_message();
    let (fields, _, parts) = parse_multipart(&msg);
    assert_eq!(get(&fields, "Content-Transfer-Encoding"), Some("8bit"));
    assert_eq!(parts[2].get("Content-Transfer-Encoding"), Some("8bit"));
    assert_eq!(parts[0].get("Content-Transfer-Encoding"), None);
    assert_eq!(parts[2].body, dsn.original);
}

#[test]
fn typed_values() {
    let cases = [
        ("rfc822", "a@b", "rfc822; a@b"),
        ("rfc822", "rfc822;a@b", "rfc822; a@b"),
        ("rfc822", "utf-8; ü@b", "utf-8; ü@b"),
        ("smtp", "550 5.1.1 no; really", "smtp; 550 5.1.1 no; really"),
        ("smtp", "X-Postfix; host said", "X-Postfix; host said"),
        ("dns", "  mx\r\n.example ", "dns; mx .example"),
    ];
    for (ty, value, want) in cases {
        assert_eq!(typed(ty, value), want);
    }
}

proptest! {
    #[test]
    fn dsn_of_anything(original in proptest::collection::vec(any::<u8>(), 0..512),
                       id in any::<String>(), rcpt in any::<String>(),
                       diag in any::<String>(), full in any::<bool>(),
                       secs in any::<i64>()) {
        let dsn = Dsn {
            message_id: id,
            original,
            return_full: full,
            unix_secs: secs,
            recipients: vec![DsnRecipient {
                final_recipient: rcpt,
                original_recipient: None,
                action: DsnAction::Failed,
                status: "5.0.0".into(),
                remote_mta: None,
                diagnostic: Some(diag),
                last_attempt_unix: Some(secs),
                will_retry_until_unix: None,
            }],
            ..bounce()
        };
        let msg = dsn.to_message();
        let (_, _, parts) = parse_multipart(&msg);
        prop_assert_eq!(parts.len(), 3);
        let groups = status_groups(&parts[1].body);
        prop_assert_eq!(groups.len(), 2);
        prop_assert!(get(&groups[1], "Final-Recipient").is_some());
        prop_assert!(get(&groups[1], "Diagnostic-Code").is_some());
    }
}
