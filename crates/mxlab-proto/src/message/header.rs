//! Header fields (RFC 5322 §2.1, §2.2): reading a message's header section
//! leniently, summarizing it for display and counting its hops; writing one
//! field on safe, folded lines.

use std::borrow::Cow;

/// Folded header lines are kept to this many characters where possible
/// (RFC 5322 §2.1.1: "SHOULD be no more than 78 characters").
pub(super) const LINE_WIDTH: usize = 78;

/// The most header fields [`header_fields`] reads from one message.
pub const MAX_HEADER_FIELDS: usize = 1000;

/// One header field as read from a message (RFC 5322 §2.2): the name as
/// written, and the unfolded value (every CRLF or LF that is followed by
/// white space removed, RFC 5322 §2.2.3), trimmed of surrounding white space.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HeaderField {
    /// The field name as written, without the colon (e.g. `"Subject"`).
    pub name: String,
    /// The unfolded, trimmed field body.
    pub value: String,
}

impl HeaderField {
    /// Whether this field's name is `name`, ignoring ASCII case (field names
    /// are case-insensitive, RFC 5322 §1.2.2).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// Splits a message into its header section and its body (RFC 5322 §2.1):
/// the header section is everything before the first empty line (including
/// the line ending of its last field, excluding the empty line), the body is
/// everything after the empty line. LF and CRLF line endings are both
/// accepted. A message without an empty line is all header section.
pub fn split_message(message: &[u8]) -> (&[u8], &[u8]) {
    let mut pos = 0usize;
    loop {
        let rest = message.get(pos..).unwrap_or_default();
        let head = message.get(..pos).unwrap_or_default();
        if rest.starts_with(b"\n") {
            return (head, rest.get(1..).unwrap_or_default());
        }
        if rest.starts_with(b"\r\n") {
            return (head, rest.get(2..).unwrap_or_default());
        }
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => pos = pos.saturating_add(i).saturating_add(1),
            None => return (message, &[]),
        }
    }
}

/// The header section of a message (see [`split_message`]).
pub fn header_section(message: &[u8]) -> &[u8] {
    split_message(message).0
}

/// The header fields of a message, in order (RFC 5322 §2.2).
///
/// Parsed leniently: the header section is everything before the first empty
/// line; LF and CRLF line endings are accepted; bytes are decoded as UTF-8
/// lossily; folded fields are unfolded (§2.2.3); white space between the
/// name and the colon is tolerated (the obsolete syntax of §4.5); lines
/// without a colon, or whose name is not printable ASCII, are skipped, along
/// with any continuation lines after them. At most [`MAX_HEADER_FIELDS`]
/// fields are returned. Never panics.
pub fn header_fields(message: &[u8]) -> Vec<HeaderField> {
    let text = String::from_utf8_lossy(header_section(message));
    let mut fields = Vec::new();
    let mut current: Option<HeaderField> = None;
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with([' ', '\t']) {
            // Unfolding: the line break goes, the white space stays.
            if let Some(field) = current.as_mut() {
                field.value.push_str(line);
            }
            continue;
        }
        if let Some(field) = current.take() {
            fields.push(finish(field));
            if fields.len() >= MAX_HEADER_FIELDS {
                return fields;
            }
        }
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim_end_matches([' ', '\t']);
            if is_field_name(name) {
                current = Some(HeaderField {
                    name: name.to_string(),
                    value: value.to_string(),
                });
            }
        }
    }
    if let Some(field) = current {
        fields.push(finish(field));
    }
    fields
}

fn finish(field: HeaderField) -> HeaderField {
    HeaderField {
        name: field.name,
        value: field.value.trim().to_string(),
    }
}

/// RFC 5322 §3.6.8: `field-name = 1*ftext`, printable US-ASCII except colon.
fn is_field_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b) && b != b':')
}

/// What the UI shows about a message: the originator, destination and
/// informational fields of RFC 5322 §3.6 (first occurrence of each, field
/// names matched case-insensitively) and the number of `Received:` trace
/// fields (RFC 5321 §4.4).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Summary {
    /// `Message-ID:` (RFC 5322 §3.6.4), as written, angle brackets included.
    pub message_id: Option<String>,
    /// `From:` (RFC 5322 §3.6.2).
    pub from: Option<String>,
    /// `To:` (RFC 5322 §3.6.3).
    pub to: Option<String>,
    /// `Cc:` (RFC 5322 §3.6.3).
    pub cc: Option<String>,
    /// `Subject:` (RFC 5322 §3.6.5).
    pub subject: Option<String>,
    /// `Date:` (RFC 5322 §3.6.1), as written.
    pub date: Option<String>,
    /// How many `Received:` fields the message carries (its hop count).
    pub received: usize,
}

/// Summarizes a message for display (see [`Summary`]). Never panics.
pub fn summarize(message: &[u8]) -> Summary {
    let mut summary = Summary::default();
    for field in header_fields(message) {
        let slot = match field.name.to_ascii_lowercase().as_str() {
            "message-id" => &mut summary.message_id,
            "from" => &mut summary.from,
            "to" => &mut summary.to,
            "cc" => &mut summary.cc,
            "subject" => &mut summary.subject,
            "date" => &mut summary.date,
            "received" => {
                summary.received = summary.received.saturating_add(1);
                continue;
            }
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(field.value);
        }
    }
    summary
}

/// Counts the `Received:` header fields of a message. RFC 5321 §6.3 has an
/// SMTP server detect mail loops by counting these hops and rejecting a
/// message with too many (at least 100 must be allowed). The count is of the
/// fields [`header_fields`] reads, so it is at most [`MAX_HEADER_FIELDS`].
pub fn hop_count(message: &[u8]) -> usize {
    header_fields(message)
        .iter()
        .filter(|f| f.is("Received"))
        .count()
}

// ---------------------------------------------------------------------------
// Writing header fields
// ---------------------------------------------------------------------------

/// [`clean`], without a copy when there is nothing to clean.
pub(super) fn clean_cow(s: &str) -> Cow<'_, str> {
    if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        Cow::Owned(clean(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// Replaces every control character (CR, LF and TAB included) and every run
/// of white space with a single space, and trims: safe to put on one header
/// line.
pub(super) fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_control() || c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// Appends `Name: value` CRLF, folded at spaces so that lines stay within
/// 78 characters where possible (RFC 5322 §2.2.3). The value must already be
/// on one line (see [`clean`]).
pub(super) fn push_field(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push(':');
    let mut width = name.chars().count() + 1;
    let mut first = true;
    for word in value.split(' ').filter(|w| !w.is_empty()) {
        let len = word.chars().count();
        if !first && width + 1 + len > LINE_WIDTH {
            out.push_str("\r\n ");
            width = 1;
        } else {
            out.push(' ');
            width += 1;
        }
        out.push_str(word);
        width += len;
        first = false;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::message::fixtures::{received, MESSAGE};
    use crate::message::prepend_received;
    use proptest::prelude::*;

    /// A message and the (name, value) pairs it should yield.
    type FieldCase<'a> = (&'a [u8], &'a [(&'a str, &'a str)]);

    #[test]
    fn unfolding_and_leniency() {
        let cases: &[FieldCase<'_>] = &[
            (b"Subject: hi\r\n\r\nbody: no\r\n", &[("Subject", "hi")]),
            (
                b"Subject: a\r\n  folded\r\n\tline\r\nTo: x\r\n\r\n",
                &[("Subject", "a  folded\tline"), ("To", "x")],
            ),
            (
                b"Subject: lf\n only\nX-A:b\n\nX-B: body\n",
                &[("Subject", "lf only"), ("X-A", "b")],
            ),
            (b"no colon here\r\nFrom: a\r\n", &[("From", "a")]),
            (b" leading continuation\r\nFrom: a\r\n", &[("From", "a")]),
            (b"bad name: x\r\n more\r\nTo: y\r\n", &[("To", "y")]),
            (
                b"Subject : obsolete space\r\n",
                &[("Subject", "obsolete space")],
            ),
            (
                b"Empty:\r\nTo:   spaced   \r\n",
                &[("Empty", ""), ("To", "spaced")],
            ),
            (b"\r\nFrom: in body\r\n", &[]),
            (b"", &[]),
            (b"X: \xff\xfe\r\n", &[("X", "\u{fffd}\u{fffd}")]),
            (b"Time: 12:30:00\r\n", &[("Time", "12:30:00")]),
        ];
        for (input, want) in cases {
            let got = header_fields(input);
            let got: Vec<(&str, &str)> = got
                .iter()
                .map(|f| (f.name.as_str(), f.value.as_str()))
                .collect();
            assert_eq!(&got, want, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn split() {
        let cases: &[(&[u8], &[u8], &[u8])] = &[
            (b"A: b\r\n\r\nbody", b"A: b\r\n", b"body"),
            (b"A: b\n\nbody", b"A: b\n", b"body"),
            (b"A: b\r\n", b"A: b\r\n", b""),
            (b"\r\nbody", b"", b"body"),
            (b"", b"", b""),
        ];
        for (msg, head, body) in cases {
            assert_eq!(split_message(msg), (*head, *body));
        }
    }

    #[test]
    fn field_limit() {
        let mut msg = Vec::new();
        for i in 0..1500 {
            msg.extend_from_slice(format!("Received: hop {i}\r\n").as_bytes());
        }
        assert_eq!(header_fields(&msg).len(), MAX_HEADER_FIELDS);
        assert_eq!(hop_count(&msg), MAX_HEADER_FIELDS);
    }

    #[test]
    fn summary_of_realistic_message() {
        let s = summarize(MESSAGE);
        assert_eq!(
            s,
            Summary {
                message_id: Some("<1234@example.com>".into()),
                from: Some("Alice Example <alice@example.com>".into()),
                to: Some("Bob <bob@example.org>".into()),
                cc: Some("carol@example.net, dave@example.net".into()),
                subject: Some("Lunch  on Friday?".into()),
                date: Some("Mon, 23 Nov 2026 16:59:09 +0100".into()),
                received: 2,
            }
        );
        assert_eq!(summarize(b"garbage"), Summary::default());
    }

    #[test]
    fn hop_counts() {
        let cases: &[(&[u8], usize)] = &[
            (MESSAGE, 2),
            (b"", 0),
            (b"Subject: x\r\n\r\nReceived: body\r\n", 0),
            (
                b"received: a\nRECEIVED: b\nReceived : c\nX-Received: d\n",
                3,
            ),
            (b"Received: a\r\n Received: folded\r\n", 1),
        ];
        for (msg, want) in cases {
            assert_eq!(hop_count(msg), *want, "{:?}", String::from_utf8_lossy(msg));
        }
    }

    proptest! {
        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
            let fields = header_fields(&bytes);
            prop_assert!(fields.len() <= MAX_HEADER_FIELDS);
            let s = summarize(&bytes);
            let hops = hop_count(&bytes);
            prop_assert_eq!(s.received, hops);
            let out = prepend_received(&bytes, &received());
            prop_assert!(out.ends_with(&bytes));
            prop_assert_eq!(hop_count(&out), hops + 1);
        }

        #[test]
        fn header_like_garbage(lines in proptest::collection::vec(
            "(Received|Subject|From|[ \t]|[A-Za-z-]{0,5})[ :]{0,2}[ -~\u{80}-\u{10ffff}]{0,20}(\r\n|\n|\r)",
            0..40,
        )) {
            let msg = lines.concat().into_bytes();
            let _ = header_fields(&msg);
            let _ = summarize(&msg);
            let out = prepend_received(&msg, &received());
            prop_assert_eq!(hop_count(&out), hop_count(&msg) + 1);
        }
    }
}
