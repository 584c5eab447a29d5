//! Just enough RFC 5322 for MX Lab: read the header section of a message,
//! prepend `Received:` trace fields, count hops for loop detection, and
//! build RFC 3464 delivery status notifications (bounces, delay warnings and
//! delivery reports).
//!
//! Everything here is pure: dates are formatted from Unix seconds the caller
//! passes in, and the DSN's MIME boundary is derived from its Message-ID, so
//! the same inputs always give the same bytes. Nothing panics on any input;
//! malformed messages are read leniently.
//!
//! | What | Where |
//! |---|---|
//! | [`rfc5322_date`] | RFC 5322 §3.3 |
//! | [`header_fields`], [`split_message`] | RFC 5322 §2.1, §2.2, §2.2.3 |
//! | [`summarize`] | RFC 5322 §3.6 |
//! | [`hop_count`], [`Received`], [`prepend_received`] | RFC 5321 §4.4, §6.3 |
//! | [`with_protocol`] | RFC 3848 |
//! | [`Dsn`] | RFC 3464, RFC 6522, RFC 3834 |

use std::borrow::Cow;
use std::fmt::Write as _;

/// Folded header lines are kept to this many characters where possible
/// (RFC 5322 §2.1.1: "SHOULD be no more than 78 characters").
const LINE_WIDTH: usize = 78;

/// Width of the human-readable text of a DSN.
const TEXT_WIDTH: usize = 76;

/// The most header fields [`header_fields`] reads from one message.
pub const MAX_HEADER_FIELDS: usize = 1000;

/// The earliest instant [`rfc5322_date`] formats: 0000-01-01T00:00:00Z.
const MIN_DATE: i64 = -62_167_219_200;
/// The latest instant [`rfc5322_date`] formats: 9999-12-31T23:59:59Z.
const MAX_DATE: i64 = 253_402_300_799;

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

// ---------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------

/// Formats a Unix time (seconds) as an RFC 5322 §3.3 `date-time` in UTC,
/// e.g. `"Mon, 23 Nov 2026 15:59:15 +0000"`.
///
/// Pure arithmetic (the proleptic Gregorian "civil from days" algorithm), no
/// clock. The grammar wants a four-digit year, so instants before year 0000 or
/// after year 9999 are clamped to the first or last second of that range.
pub fn rfc5322_date(unix_secs: i64) -> String {
    let mut buf = [0u8; 31];
    date_into(&mut buf, unix_secs).to_string()
}

/// Writes [`rfc5322_date`]'s text into `buf` (31 bytes: `Mon, 05 Jan 2026
/// 09:00:00 +0000`; the year is clamped to four digits) and returns it.
fn date_into(buf: &mut [u8; 31], unix_secs: i64) -> &str {
    let secs = unix_secs.clamp(MIN_DATE, MAX_DATE);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS
        .get(usize::try_from((days + 4).rem_euclid(7)).unwrap_or(0))
        .copied()
        .unwrap_or("Sun");
    let month_name = MONTHS
        .get(usize::try_from(month.saturating_sub(1)).unwrap_or(0))
        .copied()
        .unwrap_or("Jan");
    // Every part has a fixed width: `Mon, 05 Jan 2026 09:00:00 +0000`.
    let digit = |n: i64| b'0'.saturating_add(u8::try_from(n.rem_euclid(10)).unwrap_or(0));
    let two = |n: i64| [digit(n / 10), digit(n)];
    let [y0, y1] = two(year / 100);
    let [y2, y3] = two(year % 100);
    let [d0, d1] = two(day);
    let [h0, h1] = two(sod / 3600);
    let [m0, m1] = two((sod / 60) % 60);
    let [s0, s1] = two(sod % 60);
    let mut at = 0;
    for part in [
        weekday.as_bytes(),
        b", ",
        &[d0, d1],
        b" ",
        month_name.as_bytes(),
        b" ",
        &[y0, y1, y2, y3],
        b" ",
        &[h0, h1, b':', m0, m1, b':', s0, s1],
        b" +0000",
    ] {
        let end = at + part.len();
        if let Some(dst) = buf.get_mut(at..end) {
            dst.copy_from_slice(part);
            at = end;
        }
    }
    core::str::from_utf8(buf.get(..at).unwrap_or_default()).unwrap_or_default()
}

/// Year, month (1..=12) and day (1..=31) of the day `days` after 1970-01-01
/// (Howard Hinnant's `civil_from_days`). Callers keep `days` within a few
/// million, far from overflow.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

// ---------------------------------------------------------------------------
// Reading header fields
// ---------------------------------------------------------------------------

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
// Received: trace fields
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Delivery status notifications
// ---------------------------------------------------------------------------

/// Which kind of delivery status notification (RFC 3464 §1; RFC 3461 §4.1
/// NOTIFY=FAILURE, DELAY, SUCCESS) a [`Dsn`] is. It chooses the Subject and
/// the wording of the human-readable part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum DsnKind {
    /// A bounce: delivery to one or more recipients failed permanently.
    Failure,
    /// A delay warning: delivery has not succeeded yet and is still retried.
    Delay,
    /// A positive report: the message was delivered or relayed.
    Success,
}

/// The `Action` field of a per-recipient group (RFC 3464 §2.3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum DsnAction {
    /// `failed`: the message could not be delivered and will not be retried.
    Failed,
    /// `delayed`: not delivered yet, still being retried.
    Delayed,
    /// `delivered`: delivered to the recipient's mailbox.
    Delivered,
    /// `relayed`: passed on to a system that does not send DSNs.
    Relayed,
    /// `expanded`: delivered to a mailing list or alias, which forwards it.
    Expanded,
}

impl DsnAction {
    /// The keyword written in the `Action` field (RFC 3464 §2.3.3).
    pub fn as_str(self) -> &'static str {
        match self {
            DsnAction::Failed => "failed",
            DsnAction::Delayed => "delayed",
            DsnAction::Delivered => "delivered",
            DsnAction::Relayed => "relayed",
            DsnAction::Expanded => "expanded",
        }
    }
}

/// One recipient's group of fields in a DSN (RFC 3464 §2.3).
///
/// Address-like values may be given with or without their type: a value
/// that does not start with `type;` gets the default type written in front
/// (`rfc822;` for recipients, `dns;` for the remote MTA, `smtp;` for the
/// diagnostic). Control characters and line breaks (of a multi-line reply,
/// say) are flattened to single spaces.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DsnRecipient {
    /// The recipient address (§2.3.2 `Final-Recipient`), e.g.
    /// `"user@example.org"`, written `rfc822; user@example.org`.
    pub final_recipient: String,
    /// The ORCPT parameter of RCPT (RFC 3461 §4.2), if the client gave one
    /// (§2.3.1 `Original-Recipient`).
    pub original_recipient: Option<String>,
    /// What happened (§2.3.3 `Action`).
    pub action: DsnAction,
    /// The enhanced status code (§2.3.4 `Status`, RFC 3463), e.g. `"5.1.1"`.
    pub status: String,
    /// The server that was tried (§2.3.5 `Remote-MTA`), e.g.
    /// `"mx.example.org"`, written `dns; mx.example.org`.
    pub remote_mta: Option<String>,
    /// The server's reply (§2.3.6 `Diagnostic-Code`), e.g.
    /// `"550 5.1.1 No such user"`, written `smtp; 550 5.1.1 No such user`.
    pub diagnostic: Option<String>,
    /// When delivery was last attempted (§2.3.7 `Last-Attempt-Date`).
    pub last_attempt_unix: Option<i64>,
    /// Until when delivery will be retried (§3.2.9 `Will-Retry-Until`), for
    /// delay notifications.
    pub will_retry_until_unix: Option<i64>,
}

/// An RFC 3464 delivery status notification: a `multipart/report` message
/// (RFC 6522) with a human-readable part, a `message/delivery-status` part
/// and the returned message (whole, or its header section only).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Dsn {
    /// Bounce, delay warning or delivery report.
    pub kind: DsnKind,
    /// The host name of the MTA writing the report (§2.2.2 `Reporting-MTA`),
    /// e.g. `"mx.example.org"`, written `Reporting-MTA: dns; mx.example.org`.
    pub reporting_mta: String,
    /// The DSN's `From:`: a bare address (`"MAILER-DAEMON@mx.example.org"`)
    /// is written `Mail Delivery System <MAILER-DAEMON@mx.example.org>`; a
    /// value containing `<` is written as it is; an empty value means
    /// `MAILER-DAEMON@` the reporting MTA.
    pub postmaster: String,
    /// The envelope sender of the original message, to whom the DSN goes
    /// (written `To: <...>`; a value containing `<` is written as it is).
    /// The DSN itself must be sent with a null reverse-path (RFC 3461 §6.2,
    /// RFC 5321 §4.5.5).
    pub to: String,
    /// The ENVID parameter of MAIL (RFC 3461 §4.4), if given
    /// (§2.2.1 `Original-Envelope-Id`).
    pub envelope_id: Option<String>,
    /// When the original message arrived (§2.2.5 `Arrival-Date`).
    pub arrival_unix: Option<i64>,
    /// When the DSN is written (its `Date:`).
    pub unix_secs: i64,
    /// The DSN's unique `Message-ID`, without or with angle brackets,
    /// supplied by the caller (so output stays deterministic).
    pub message_id: String,
    /// One entry per recipient reported on (§2.3).
    pub recipients: Vec<DsnRecipient>,
    /// The original message.
    pub original: Vec<u8>,
    /// RET=FULL (RFC 3461 §4.3): return the whole message as
    /// `message/rfc822`; otherwise only its header section as
    /// `text/rfc822-headers` (RFC 6522 §4).
    pub return_full: bool,
}

impl Dsn {
    /// The DSN's `Subject:`.
    pub fn subject(&self) -> &'static str {
        match self.kind {
            DsnKind::Failure => "Undelivered Mail Returned to Sender",
            DsnKind::Delay => "Delayed Mail (still being retried)",
            DsnKind::Success => "Successful Mail Delivery Report",
        }
    }

    /// The complete DSN message, header section and body, with CRLF line
    /// endings.
    ///
    /// Header fields: `From`, `To`, `Subject`, `Date`, `Message-ID`,
    /// `Auto-Submitted: auto-replied` (RFC 3834 §5, so that vacation
    /// responders and the like do not answer it), `MIME-Version` and
    /// `Content-Type: multipart/report; report-type=delivery-status;
    /// boundary="..."` (RFC 6522 §3). The boundary is derived from
    /// `message_id` and chosen so that it occurs in none of the parts.
    ///
    /// Parts, in the order of RFC 6522 §3:
    /// 1. `text/plain`: what happened to each recipient, in plain English;
    /// 2. `message/delivery-status`: the per-message fields, an empty line,
    ///    then one group of per-recipient fields for each recipient, groups
    ///    separated by empty lines (RFC 3464 §2.1 to §2.3);
    /// 3. the returned message: `message/rfc822` with the whole original if
    ///    `return_full`, else `text/rfc822-headers` with its header section.
    ///
    /// The original is included byte-exact when all its line endings are
    /// CRLF, which is always the case for a message received over SMTP
    /// (RFC 5321 §2.3.8). A bare LF or bare CR is rewritten to CRLF, because
    /// a MIME body part is made of CRLF-terminated lines (RFC 2045 §2.10,
    /// RFC 2046 §5.1.1) and a receiving MTA would otherwise reject or mangle
    /// the DSN; that is the only change made. Parts containing 8-bit bytes
    /// are labelled `Content-Transfer-Encoding: 8bit` (RFC 2045 §6.2), and
    /// so is the message as a whole.
    pub fn to_message(&self) -> Vec<u8> {
        let text = self.text_part();
        let status = self.status_part();
        let (returned, returned_type, returned_desc): (Cow<'_, [u8]>, _, _) = if self.return_full {
            (
                crlf_lines(&self.original),
                "message/rfc822",
                self.returned_description(false),
            )
        } else {
            (
                crlf_lines(header_section(&self.original)),
                "text/rfc822-headers",
                self.returned_description(true),
            )
        };
        let boundary = boundary_for(
            &self.message_id,
            &[text.as_bytes(), status.as_bytes(), &returned],
        );
        let eight_bit = |b: &[u8]| !b.is_ascii();
        let any_8bit =
            eight_bit(text.as_bytes()) || eight_bit(status.as_bytes()) || eight_bit(&returned);

        let reporting = clean(&self.reporting_mta);
        let from = {
            let p = clean(&self.postmaster);
            if p.is_empty() {
                format!("Mail Delivery System <MAILER-DAEMON@{reporting}>")
            } else if p.contains('<') {
                p
            } else {
                format!("Mail Delivery System <{p}>")
            }
        };
        let to = {
            let t = clean(&self.to);
            if t.contains('<') {
                t
            } else {
                format!("<{t}>")
            }
        };
        let message_id = clean(&self.message_id);
        let message_id = message_id.trim_start_matches('<').trim_end_matches('>');

        let mut head = String::new();
        push_field(&mut head, "From", &from);
        push_field(&mut head, "To", &to);
        push_field(&mut head, "Subject", self.subject());
        push_field(&mut head, "Date", &rfc5322_date(self.unix_secs));
        push_field(&mut head, "Message-ID", &format!("<{message_id}>"));
        push_field(&mut head, "Auto-Submitted", "auto-replied");
        push_field(&mut head, "MIME-Version", "1.0");
        push_field(
            &mut head,
            "Content-Type",
            &format!("multipart/report; report-type=delivery-status; boundary=\"{boundary}\""),
        );
        if any_8bit {
            push_field(&mut head, "Content-Transfer-Encoding", "8bit");
        }
        head.push_str("\r\nThis is a MIME-encapsulated message.\r\n");

        // Part 1: the human-readable explanation.
        let _ = write!(head, "\r\n--{boundary}\r\n");
        push_field(&mut head, "Content-Description", "Notification");
        if text.is_ascii() {
            push_field(&mut head, "Content-Type", "text/plain; charset=us-ascii");
        } else {
            push_field(&mut head, "Content-Type", "text/plain; charset=utf-8");
            push_field(&mut head, "Content-Transfer-Encoding", "8bit");
        }
        head.push_str("\r\n");
        head.push_str(&text);

        // Part 2: the machine-readable report.
        let _ = write!(head, "\r\n--{boundary}\r\n");
        push_field(&mut head, "Content-Description", "Delivery report");
        push_field(&mut head, "Content-Type", "message/delivery-status");
        if !status.is_ascii() {
            push_field(&mut head, "Content-Transfer-Encoding", "8bit");
        }
        head.push_str("\r\n");
        head.push_str(&status);

        // Part 3: the returned message or its header section.
        let _ = write!(head, "\r\n--{boundary}\r\n");
        push_field(&mut head, "Content-Description", returned_desc);
        push_field(&mut head, "Content-Type", returned_type);
        if eight_bit(&returned) {
            push_field(&mut head, "Content-Transfer-Encoding", "8bit");
        }
        head.push_str("\r\n");

        let mut out = head.into_bytes();
        out.extend_from_slice(&returned);
        out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        out
    }

    fn returned_description(&self, headers_only: bool) -> &'static str {
        match (self.kind, headers_only) {
            (DsnKind::Failure, false) => "Undelivered Message",
            (DsnKind::Failure, true) => "Undelivered Message Headers",
            (DsnKind::Delay, false) => "Delayed Message",
            (DsnKind::Delay, true) => "Delayed Message Headers",
            (DsnKind::Success, false) => "Delivered Message",
            (DsnKind::Success, true) => "Delivered Message Headers",
        }
    }

    /// The human-readable part, CRLF line endings, wrapped at 76 columns.
    fn text_part(&self) -> String {
        let mta = clean(&self.reporting_mta);
        let returned = if self.return_full {
            "A copy of your message is attached below."
        } else {
            "The header lines of your message are attached below (its body is \
             not returned)."
        };
        let mut paragraphs: Vec<String> = vec![format!("This is the mail system at host {mta}.")];
        match self.kind {
            DsnKind::Failure => {
                paragraphs.push(
                    "Your message could not be delivered to one or more of its \
                     recipients. This is a permanent error: the mail system has \
                     given up on them and will not try again. The reason for \
                     each recipient is given below, as reported by the server \
                     that refused the message or by this mail system."
                        .into(),
                );
                paragraphs.push(returned.into());
                paragraphs.push(format!(
                    "If you need help, write to <postmaster@{mta}> and include \
                     this report."
                ));
            }
            DsnKind::Delay => {
                paragraphs.push(
                    "This is a warning only; you do not need to do anything. \
                     Your message has not yet been delivered to one or more of \
                     its recipients. The mail system is still trying, and will \
                     write to you again if it has to give up."
                        .into(),
                );
                paragraphs.push(returned.into());
            }
            DsnKind::Success => {
                paragraphs.push(
                    "Your message was delivered to the recipients listed below. \
                     You are receiving this report because delivery \
                     notification was requested when the message was sent."
                        .into(),
                );
                paragraphs.push(returned.into());
            }
        }

        let mut out = String::new();
        for p in &paragraphs {
            wrap_into(&mut out, p, "", "");
            out.push_str("\r\n");
        }
        for (i, r) in self.recipients.iter().enumerate() {
            if i > 0 {
                out.push_str("\r\n");
            }
            let addr = untyped(&r.final_recipient);
            let status = clean(&r.status);
            let what = match r.action {
                DsnAction::Failed => "could not be delivered",
                DsnAction::Delayed => "not delivered yet; still trying",
                DsnAction::Delivered => "delivered to the mailbox",
                DsnAction::Relayed => "passed on to a system that does not send delivery reports",
                DsnAction::Expanded => {
                    "delivered to a mailing list or alias, which passes it on \
                     to its members"
                }
            };
            let mut line = format!("<{addr}>: {what}");
            if !status.is_empty() {
                let _ = write!(line, " (status {status})");
            }
            line.push('.');
            wrap_into(&mut out, &line, "", "    ");
            if let Some(orig) = r.original_recipient.as_deref() {
                let orig = untyped(orig);
                if !orig.is_empty() && orig != addr {
                    let orig = format!("The address was originally written <{orig}>.");
                    wrap_into(&mut out, &orig, "    ", "    ");
                }
            }
            let remote = r.remote_mta.as_deref().map(untyped);
            let diag = r.diagnostic.as_deref().map(untyped);
            let detail = match (remote, diag) {
                (Some(m), Some(d)) => Some(format!("The server {m} answered: {d}")),
                (None, Some(d)) => Some(format!("The mail system reported: {d}")),
                (Some(m), None) => Some(format!("The last server tried was {m}.")),
                (None, None) => None,
            };
            if let Some(detail) = detail {
                wrap_into(&mut out, &detail, "    ", "    ");
            }
            if let Some(t) = r.last_attempt_unix {
                wrap_into(
                    &mut out,
                    &format!("Last attempt: {}.", rfc5322_date(t)),
                    "    ",
                    "    ",
                );
            }
            if let Some(t) = r.will_retry_until_unix {
                wrap_into(
                    &mut out,
                    &format!(
                        "The mail system will keep trying until {}.",
                        rfc5322_date(t)
                    ),
                    "    ",
                    "    ",
                );
            }
        }
        out
    }

    /// The `message/delivery-status` body (RFC 3464 §2.1).
    fn status_part(&self) -> String {
        let mut out = String::new();
        if let Some(envid) = self.envelope_id.as_deref() {
            push_field(&mut out, "Original-Envelope-Id", &clean(envid));
        }
        push_field(
            &mut out,
            "Reporting-MTA",
            &typed("dns", &self.reporting_mta),
        );
        if let Some(t) = self.arrival_unix {
            push_field(&mut out, "Arrival-Date", &rfc5322_date(t));
        }
        for r in &self.recipients {
            out.push_str("\r\n");
            if let Some(orig) = r.original_recipient.as_deref() {
                push_field(&mut out, "Original-Recipient", &typed("rfc822", orig));
            }
            push_field(
                &mut out,
                "Final-Recipient",
                &typed("rfc822", &r.final_recipient),
            );
            push_field(&mut out, "Action", r.action.as_str());
            push_field(&mut out, "Status", &clean(&r.status));
            if let Some(m) = r.remote_mta.as_deref() {
                push_field(&mut out, "Remote-MTA", &typed("dns", m));
            }
            if let Some(d) = r.diagnostic.as_deref() {
                push_field(&mut out, "Diagnostic-Code", &typed("smtp", d));
            }
            if let Some(t) = r.last_attempt_unix {
                push_field(&mut out, "Last-Attempt-Date", &rfc5322_date(t));
            }
            if let Some(t) = r.will_retry_until_unix {
                push_field(&mut out, "Will-Retry-Until", &rfc5322_date(t));
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Replaces every control character (CR, LF and TAB included) and every run
/// of white space with a single space, and trims: safe to put on one header
/// line.
/// [`clean`], without a copy when there is nothing to clean.
fn clean_cow(s: &str) -> Cow<'_, str> {
    if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        Cow::Owned(clean(s))
    } else {
        Cow::Borrowed(s)
    }
}

fn clean(s: &str) -> String {
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

/// If `s` (cleaned) starts with an RFC 3464 type (`atom ;`), its type and the
/// rest; `None` otherwise.
fn split_type(s: &str) -> Option<(&str, &str)> {
    let (ty, rest) = s.split_once(';')?;
    let ty = ty.trim();
    (!ty.is_empty() && ty.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .then(|| (ty, rest.trim()))
}

/// `default_type; value` unless `value` already carries a type (RFC 3464
/// §2.1.2 address types, §2.1.3 diagnostic types).
fn typed(default_type: &str, value: &str) -> String {
    let value = clean(value);
    match split_type(&value) {
        Some((ty, rest)) => format!("{ty}; {rest}"),
        None => format!("{default_type}; {value}"),
    }
}

/// The value without its type, for the human-readable text.
fn untyped(value: &str) -> String {
    let value = clean(value);
    match split_type(&value) {
        Some((_, rest)) => rest.to_string(),
        None => value,
    }
}

/// Appends `Name: value` CRLF, folded at spaces so that lines stay within
/// 78 characters where possible (RFC 5322 §2.2.3). The value must already be
/// on one line (see [`clean`]).
fn push_field(out: &mut String, name: &str, value: &str) {
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

/// Appends `text` word-wrapped at [`TEXT_WIDTH`] columns, the first line
/// indented by `first`, the others by `rest`, each line ending in CRLF.
fn wrap_into(out: &mut String, text: &str, first: &str, rest: &str) {
    let mut line = String::from(first);
    let mut width = first.chars().count();
    let mut empty = true;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if !empty && width + 1 + len > TEXT_WIDTH {
            out.push_str(&line);
            out.push_str("\r\n");
            line = String::from(rest);
            width = rest.chars().count();
            empty = true;
        }
        if !empty {
            line.push(' ');
            width += 1;
        }
        line.push_str(word);
        width += len;
        empty = false;
    }
    out.push_str(&line);
    out.push_str("\r\n");
}

/// `bytes` with every bare LF and bare CR turned into CRLF; borrowed (and so
/// byte-exact) when there is none.
fn crlf_lines(bytes: &[u8]) -> Cow<'_, [u8]> {
    let mut clean = true;
    let mut prev = 0u8;
    for (i, &b) in bytes.iter().enumerate() {
        let next = bytes.get(i + 1).copied();
        if (b == b'\n' && prev != b'\r') || (b == b'\r' && next != Some(b'\n')) {
            clean = false;
            break;
        }
        prev = b;
    }
    if clean {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len().saturating_add(bytes.len() / 16));
    let mut iter = bytes.iter().copied().peekable();
    while let Some(b) = iter.next() {
        match b {
            b'\r' => {
                out.extend_from_slice(b"\r\n");
                if iter.peek() == Some(&b'\n') {
                    iter.next();
                }
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            _ => out.push(b),
        }
    }
    Cow::Owned(out)
}

/// A MIME boundary (RFC 2046 §5.1.1) derived from `seed` that occurs in none
/// of `parts`. `=_` cannot occur in quoted-printable text, and the hash of the
/// seed makes a collision with anything else unlikely; should one occur, a
/// counter is appended until the boundary is unique.
fn boundary_for(seed: &str, parts: &[&[u8]]) -> String {
    // FNV-1a, 64 bits.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut n: u64 = 0;
    loop {
        let candidate = if n == 0 {
            format!("=_mxlab_{hash:016x}")
        } else {
            format!("=_mxlab_{hash:016x}_{n}")
        };
        if !parts.iter().any(|p| contains(p, candidate.as_bytes())) {
            return candidate;
        }
        // Each candidate found in the parts is a distinct substring of them,
        // so this ends after at most (total length) tries.
        n = n.wrapping_add(1);
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dates() {
        let cases: &[(i64, &str)] = &[
            (0, "Thu, 01 Jan 1970 00:00:00 +0000"),
            (-1, "Wed, 31 Dec 1969 23:59:59 +0000"),
            (1_795_449_555, "Mon, 23 Nov 2026 15:59:15 +0000"),
            (951_782_400, "Tue, 29 Feb 2000 00:00:00 +0000"), // 400-year leap
            (68_256_000, "Wed, 01 Mar 1972 00:00:00 +0000"),  // after a leap day
            (68_255_999, "Tue, 29 Feb 1972 23:59:59 +0000"),
            (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 +0000"), // 2100 is not leap
            (1_709_164_800, "Thu, 29 Feb 2024 00:00:00 +0000"),
            (1_735_689_599, "Tue, 31 Dec 2024 23:59:59 +0000"),
            (-62_167_219_200, "Sat, 01 Jan 0000 00:00:00 +0000"),
            (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 +0000"),
            (i64::MIN, "Sat, 01 Jan 0000 00:00:00 +0000"), // clamped
            (i64::MAX, "Fri, 31 Dec 9999 23:59:59 +0000"), // clamped
        ];
        for &(secs, want) in cases {
            assert_eq!(rfc5322_date(secs), want, "{secs}");
        }
    }

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

    const MESSAGE: &[u8] = b"Received: from mail.example.com ([192.0.2.1])\r\n\
        \tby mx.example.org with ESMTPS id 4ABC\r\n\
        \tfor <bob@example.org>; Mon, 23 Nov 2026 15:59:15 +0000\r\n\
        Received: from laptop ([198.51.100.7])\r\n\
        \tby mail.example.com with ESMTPSA id 99; Mon, 23 Nov 2026 15:59:10 +0000\r\n\
        DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel;\r\n\
        \th=from:to:subject; bh=abc=; b=def=\r\n\
        message-id: <1234@example.com>\r\n\
        From: Alice Example <alice@example.com>\r\n\
        TO: Bob <bob@example.org>\r\n\
        Cc: carol@example.net,\r\n dave@example.net\r\n\
        Subject: Lunch\r\n  on Friday?\r\n\
        Subject: second subject is ignored\r\n\
        Date: Mon, 23 Nov 2026 16:59:09 +0100\r\n\
        MIME-Version: 1.0\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\
        \r\n\
        Hi Bob,\r\n\
        Received: not a header, this is the body\r\n\
        .. see you\r\n";

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

    fn received() -> Received {
        Received {
            from_helo: "mail.example.com".into(),
            from_ip: Some("192.0.2.1".into()),
            by: "mx.example.org".into(),
            with: with_protocol(true, true, false).into(),
            id: Some("4ABC123".into()),
            for_rcpt: Some("bob@example.org".into()),
            unix_secs: 1_795_449_555,
        }
    }

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

    // --- DSNs -------------------------------------------------------------

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

        #[test]
        fn dates_are_well_formed(secs in any::<i64>()) {
            let d = rfc5322_date(secs);
            prop_assert_eq!(d.len(), 31);
            prop_assert!(d.ends_with(" +0000"));
        }
    }
}
