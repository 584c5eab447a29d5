//! `Received:` trace fields (RFC 5321 §4.4): their parts, how they are
//! written and folded, prepending one to a message, and the `with` keyword
//! of RFC 3848.

use super::date::date_into;
use super::header::{clean_cow, LINE_WIDTH};

/// The parts of a `Received:` trace field, the time stamp line an SMTP server
/// adds to every message it accepts (RFC 5321 §4.4):
///
/// ```text
/// Received: from <helo> (<tcp-info>) by <by> with <protocol> id <id> for <rcpt>; <date>
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Received {
    /// The domain (or address literal) the client gave in HELO or EHLO
    /// (the `From-domain` clause). Written as `unknown` when empty.
    pub from_helo: String,
    /// The client's IP address as seen by the server (the `TCP-info`
    /// comment), e.g. `"192.0.2.1"` or `"2001:db8::1"`; written as an address
    /// literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`, RFC 5321 §4.1.3).
    /// Already bracketed values are written as they are.
    pub from_ip: Option<String>,
    /// The receiving server's own name (the `By-domain` clause).
    pub by: String,
    /// The protocol (the `With` clause): `SMTP`, `ESMTP`, `ESMTPS`,
    /// `ESMTPA` or `ESMTPSA` per RFC 3848; see [`with_protocol`].
    pub with: String,
    /// The server's identifier for this message, e.g. its queue id (the `ID`
    /// clause).
    pub id: Option<String>,
    /// The recipient (the `For` clause). RFC 5321 §7.2 advises giving it only
    /// when the message has a single recipient, so as not to disclose the
    /// others. Angle brackets are added if missing.
    pub for_rcpt: Option<String>,
    /// When the message was received, as Unix seconds (the date-time after
    /// the semicolon).
    pub unix_secs: i64,
}

impl Received {
    /// The header field, folded (RFC 5322 §2.2.3) between its clauses so
    /// that no line exceeds 78 characters where possible, each line ending
    /// with CRLF. A new line always starts before `by` and before `for`:
    ///
    /// ```text
    /// Received: from mail.example.com ([192.0.2.1])\r\n
    /// \tby mx.example.org with ESMTPS id 4ABC123\r\n
    /// \tfor <bob@example.org>; Mon, 23 Nov 2026 15:59:15 +0000\r\n
    /// ```
    ///
    /// Control characters (CR and LF included) in any part are replaced by
    /// spaces, so a hostile HELO cannot inject header fields.
    pub fn to_header(&self) -> String {
        let mut out = String::with_capacity(128);
        self.fields().write_to(&mut out);
        out
    }

    /// The same fields, borrowed.
    pub fn fields(&self) -> ReceivedFields<'_> {
        ReceivedFields {
            from_helo: &self.from_helo,
            from_ip: self.from_ip.as_deref(),
            by: &self.by,
            with: &self.with,
            id: self.id.as_deref(),
            for_rcpt: self.for_rcpt.as_deref(),
            unix_secs: self.unix_secs,
        }
    }
}

/// The parts of a `Received:` field, borrowed: what [`Received`] holds, for
/// writing the field without a copy of each part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceivedFields<'a> {
    /// See [`Received::from_helo`].
    pub from_helo: &'a str,
    /// See [`Received::from_ip`].
    pub from_ip: Option<&'a str>,
    /// See [`Received::by`].
    pub by: &'a str,
    /// See [`Received::with`].
    pub with: &'a str,
    /// See [`Received::id`].
    pub id: Option<&'a str>,
    /// See [`Received::for_rcpt`].
    pub for_rcpt: Option<&'a str>,
    /// See [`Received::unix_secs`].
    pub unix_secs: i64,
}

impl ReceivedFields<'_> {
    /// Appends the header field to `out`, as [`Received::to_header`]
    /// writes it.
    pub fn write_to(&self, out: &mut String) {
        let helo = clean_cow(self.from_helo);
        let helo: &str = if helo.is_empty() { "unknown" } else { &helo };
        let ip = self
            .from_ip
            .map(clean_cow)
            .filter(|ip| !ip.is_empty())
            .map(|ip| address_literal(&ip));
        let by = clean_cow(self.by);
        let by: &str = if by.is_empty() { "unknown" } else { &by };
        let with = clean_cow(self.with);
        let id = self.id.map(clean_cow).filter(|s| !s.is_empty());
        let rcpt = self.for_rcpt.map(clean_cow).filter(|s| !s.is_empty());
        let mut date = [0u8; 31];
        let date = date_into(&mut date, self.unix_secs);
        // Each clause in parts, and whether it must start a new line.
        let mut clauses: smallvec::SmallVec<[([&str; 4], bool); 8]> = smallvec::SmallVec::new();
        clauses.push((["from ", helo, "", ""], false));
        if let Some(ip) = &ip {
            clauses.push((["(", ip, ")", ""], false));
        }
        clauses.push((["by ", by, "", ""], true));
        if !with.is_empty() {
            clauses.push((["with ", &with, "", ""], false));
        }
        if let Some(id) = &id {
            clauses.push((["id ", id, "", ""], false));
        }
        if let Some(rcpt) = &rcpt {
            if rcpt.starts_with('<') {
                clauses.push((["for ", rcpt, "", ""], true));
            } else {
                clauses.push((["for <", rcpt, ">", ""], true));
            }
        }
        // The clauses end with a semicolon before the date.
        if let Some(end) = clauses.last_mut().and_then(|(parts, _)| parts.get_mut(3)) {
            *end = ";";
        }
        clauses.push(([date, "", "", ""], false));
        let start = out.len();
        out.push_str("Received:");
        let mut width = out.len() - start;
        for (parts, force_break) in &clauses {
            let len: usize = parts.iter().map(|p| p.chars().count()).sum();
            if width > "Received:".len() && (*force_break || width + 1 + len > LINE_WIDTH) {
                out.push_str("\r\n\t");
                width = 1;
            } else {
                out.push(' ');
                width += 1;
            }
            for p in parts {
                out.push_str(p);
            }
            width += len;
        }
        out.push_str("\r\n");
    }
}

/// Writes an IP address as an RFC 5321 §4.1.3 address literal.
fn address_literal(ip: &str) -> String {
    if ip.starts_with('[') {
        ip.to_string()
    } else if ip.contains(':') && !ip.starts_with("IPv6:") {
        format!("[IPv6:{ip}]")
    } else {
        format!("[{ip}]")
    }
}

/// Returns a new message: `received`'s header field followed by the message
/// unchanged. Trace fields go at the top of the message, newest first
/// (RFC 5321 §4.4: "the SMTP server MUST insert trace information at the
/// beginning of the message content").
pub fn prepend_received(message: &[u8], received: &Received) -> Vec<u8> {
    let header = received.to_header();
    let mut out = Vec::with_capacity(header.len().saturating_add(message.len()));
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(message);
    out
}

/// The `with` protocol keyword of a `Received:` field (RFC 3848 §1,
/// registered in the "Mail Transmission Types" registry of RFC 5321 §8):
///
/// | EHLO | TLS | AUTH | keyword |
/// |---|---|---|---|
/// | no | – | – | `SMTP` |
/// | yes | no | no | `ESMTP` |
/// | yes | yes | no | `ESMTPS` |
/// | yes | no | yes | `ESMTPA` |
/// | yes | yes | yes | `ESMTPSA` |
///
/// Without EHLO no service extension was negotiated (RFC 5321 §2.2.1), so a
/// HELO session is `SMTP` whatever `tls` and `auth` say.
pub fn with_protocol(esmtp: bool, tls: bool, auth: bool) -> &'static str {
    match (esmtp, tls, auth) {
        (false, _, _) => "SMTP",
        (true, false, false) => "ESMTP",
        (true, true, false) => "ESMTPS",
        (true, false, true) => "ESMTPA",
        (true, true, true) => "ESMTPSA",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::message::fixtures::received;
    use crate::message::{header_fields, hop_count, summarize};
    use proptest::prelude::*;

    #[test]
    fn received_headers() {
        let base = received();
        let long = "a-very-long-host-name.with.many.labels.in-a-subdomain.example.org";
        let cases: Vec<(Received, &str)> = vec![
            (
                base.clone(),
                "Received: from mail.example.com ([192.0.2.1])\r\n\
                 \tby mx.example.org with ESMTPS id 4ABC123\r\n\
                 \tfor <bob@example.org>; Mon, 23 Nov 2026 15:59:15 +0000\r\n",
            ),
            (
                Received {
                    for_rcpt: None,
                    ..base.clone()
                },
                "Received: from mail.example.com ([192.0.2.1])\r\n\
                 \tby mx.example.org with ESMTPS id 4ABC123; Mon, 23 Nov 2026 15:59:15 +0000\r\n",
            ),
            (
                Received {
                    from_ip: Some("2001:db8::1".into()),
                    id: None,
                    for_rcpt: Some("<bob@example.org>".into()),
                    with: with_protocol(false, false, false).into(),
                    ..base.clone()
                },
                "Received: from mail.example.com ([IPv6:2001:db8::1])\r\n\
                 \tby mx.example.org with SMTP\r\n\
                 \tfor <bob@example.org>; Mon, 23 Nov 2026 15:59:15 +0000\r\n",
            ),
            (
                Received {
                    by: long.into(),
                    for_rcpt: None,
                    ..base.clone()
                },
                "Received: from mail.example.com ([192.0.2.1])\r\n\
                 \tby a-very-long-host-name.with.many.labels.in-a-subdomain.example.org\r\n\
                 \twith ESMTPS id 4ABC123; Mon, 23 Nov 2026 15:59:15 +0000\r\n",
            ),
            (
                Received {
                    from_helo: "evil\r\nX-Injected: yes".into(),
                    from_ip: None,
                    id: None,
                    for_rcpt: None,
                    ..base.clone()
                },
                "Received: from evil X-Injected: yes\r\n\
                 \tby mx.example.org with ESMTPS; Mon, 23 Nov 2026 15:59:15 +0000\r\n",
            ),
        ];
        for (r, want) in cases {
            let got = r.to_header();
            assert_eq!(got, want);
            for line in got.split("\r\n") {
                assert!(line.len() <= LINE_WIDTH, "{line:?}");
            }
            let fields = header_fields(got.as_bytes());
            assert_eq!(fields.len(), 1);
            assert!(fields[0].is("received"));
        }
    }

    #[test]
    fn prepend() {
        let msg = b"Subject: hi\r\n\r\nbody\r\n";
        let out = prepend_received(msg, &received());
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "Received: from mail.example.com ([192.0.2.1])\r\n\
             \tby mx.example.org with ESMTPS id 4ABC123\r\n\
             \tfor <bob@example.org>; Mon, 23 Nov 2026 15:59:15 +0000\r\n\
             Subject: hi\r\n\r\nbody\r\n"
        );
        assert_eq!(hop_count(&out), 1);
        assert_eq!(hop_count(&prepend_received(&out, &received())), 2);
        assert_eq!(summarize(&out).subject.as_deref(), Some("hi"));
    }

    #[test]
    fn protocols() {
        let cases = [
            ((false, false, false), "SMTP"),
            ((false, true, true), "SMTP"),
            ((true, false, false), "ESMTP"),
            ((true, true, false), "ESMTPS"),
            ((true, false, true), "ESMTPA"),
            ((true, true, true), "ESMTPSA"),
        ];
        for ((e, t, a), want) in cases {
            assert_eq!(with_protocol(e, t, a), want);
        }
    }

    proptest! {
        #[test]
        fn received_is_one_field(helo in any::<String>(), ip in any::<String>(),
                                 id in any::<String>(), rcpt in any::<String>(),
                                 secs in any::<i64>()) {
            let r = Received {
                from_helo: helo,
                from_ip: Some(ip),
                by: "mx.example.org".into(),
                with: "ESMTP".into(),
                id: Some(id),
                for_rcpt: Some(rcpt),
                unix_secs: secs,
            };
            let h = r.to_header();
            prop_assert!(h.ends_with("\r\n"));
            prop_assert_eq!(header_fields(h.as_bytes()).len(), 1);
            prop_assert_eq!(hop_count(h.as_bytes()), 1);
        }
    }
}
