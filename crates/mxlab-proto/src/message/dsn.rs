//! RFC 3464 delivery status notifications: bounces, delay warnings and
//! delivery reports written as `multipart/report` messages (RFC 6522), with
//! a deterministic MIME boundary derived from the DSN's Message-ID.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::date::rfc5322_date;
use super::header::{clean, header_section, push_field};

/// Width of the human-readable text of a DSN.
const TEXT_WIDTH: usize = 76;

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

/// The `Action` field of a per-recipient group (RFC 3464 §2.3.3); with
/// serde, written as its keyword (`failed`, `delayed` …).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
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

    /// The `message/delivery-status` body (RFC 3464 §2.1): the
    /// per-message fields, then a group of fields per recipient, each line
    /// ending in CRLF.
    pub fn status_part(&self) -> String {
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
    let hash = crate::hash::fnv1a64(seed.as_bytes());
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

#[cfg(test)]
mod tests;
