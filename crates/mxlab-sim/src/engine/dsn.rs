//! Delivery status notifications (RFC 3464): bounces and delay warnings,
//! written by `mxlab-proto`'s [`Dsn`] (an RFC 6522 `multipart/report`) and
//! sent from the null reverse-path `<>` to the envelope sender.

use mxlab_proto::message::{Dsn, DsnKind, DsnRecipient};

use super::attempt::unix;
use super::{Event, QueueEntry, Sim};
use crate::diagnostic::Diagnostic;
use crate::time::SimTime;
use crate::trace::{DsnAction, EventKind, Names};

/// One recipient's group of the report: a server's reply is an `smtp`
/// diagnostic with that server as `Remote-MTA`; what the sending host
/// found out itself (a refused connection, a timeout, an expired queue
/// lifetime) is said in its own words, not as a reply nobody sent.
pub(crate) fn recipient(
    rcpt: &str,
    d: &Diagnostic,
    action: DsnAction,
    now: SimTime,
) -> DsnRecipient {
    let diagnostic = match &d.remote {
        Some(_) => format!("smtp; {} {} {}", d.code, d.enhanced, d.text),
        None => format!("X-MX-Lab; {}", d.text),
    };
    DsnRecipient {
        final_recipient: rcpt.to_owned(),
        original_recipient: None,
        action,
        status: d.enhanced.clone(),
        remote_mta: d.remote.clone(),
        diagnostic: Some(diagnostic),
        last_attempt_unix: Some(unix(now)),
        will_retry_until_unix: None,
    }
}

impl Sim {
    /// Queues an RFC 3464 DSN from `<>` to the envelope sender of `original`.
    pub(super) fn send_dsn(
        &mut self,
        now: SimTime,
        host: usize,
        original: &QueueEntry,
        rcpts: &[(String, Diagnostic)],
        action: DsnAction,
    ) {
        let name = self.name(host);
        let (suffix, kind) = match action {
            DsnAction::Failed => ("dsn", DsnKind::Failure),
            DsnAction::Delayed => ("delay", DsnKind::Delay),
            DsnAction::Delivered | DsnAction::Relayed | DsnAction::Expanded => {
                ("report", DsnKind::Success)
            }
        };
        let per_rcpt = action;
        // A repeated delay warning (Exim) is a message of its own.
        let dsn_id = match action {
            DsnAction::Delayed if original.warnings > 1 => {
                format!("{}.{suffix}{}", original.message_id, original.warnings)
            }
            _ => format!("{}.{suffix}", original.message_id),
        };
        let retry_until = self.hosts.get(host).map(|h| {
            unix(
                original
                    .arrival
                    .plus_secs(h.profile.max_queue_lifetime_secs),
            )
        });
        let dsn = Dsn {
            kind,
            reporting_mta: name.to_string(),
            postmaster: String::new(),
            to: original.mail_from.clone(),
            envelope_id: None,
            arrival_unix: Some(unix(original.arrival)),
            unix_secs: unix(now),
            message_id: format!("{dsn_id}@{name}"),
            recipients: rcpts
                .iter()
                .map(|(r, d)| {
                    let mut group = recipient(r, d, per_rcpt, now);
                    if action == DsnAction::Delayed {
                        group.will_retry_until_unix = retry_until;
                    }
                    group
                })
                .collect(),
            original: original.content.as_bytes().to_vec(),
            return_full: false,
        };
        let content = String::from_utf8_lossy(&dsn.to_message()).into_owned();
        let names = Names::one(
            self.host_id(host),
            self.name_id(&original.message_id),
            self.name_id(&original.mail_from),
        );
        self.record(
            now,
            names,
            EventKind::DsnSent {
                action,
                to: original.mail_from.as_str().into(),
                dsn_message: dsn_id.as_str().into(),
            },
        );
        let entry = QueueEntry::arriving(
            &dsn_id,
            "",
            std::slice::from_ref(&original.mail_from),
            content,
            0,
            now,
        );
        self.events.push(
            now,
            Event::Arrive {
                host: super::id32(host),
                entry: Box::new(entry),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    /// The DSN `send_dsn` queues for `diagnostic`, as text.
    fn dsn_for(action: DsnAction, diagnostic: Diagnostic) -> String {
        let scenario = crate::presets::preset("hello-smtp").unwrap();
        let mut sim = Sim::new(scenario, 1);
        let original = QueueEntry::arriving(
            "m1",
            "alice@example.com",
            &["bob@example.org".to_owned()],
            "Received: from a\r\n\tby b; Mon, 05 Jan 2026 09:00:01 +0000\r\nSubject: Hello\r\n\r\nHi Bob\r\n"
                .into(),
            1,
            SimTime::from_secs(1),
        );
        let now = SimTime::from_secs(5 * 86_400);
        let rcpts = [("bob@example.org".to_owned(), diagnostic)];
        sim.send_dsn(now, 1, &original, &rcpts, action);
        loop {
            match sim.events.pop() {
                Some((_, Event::Arrive { entry, .. })) => {
                    assert_eq!(entry.mail_from, "", "a DSN goes from <>");
                    assert_eq!(entry.recipients[0].address, "alice@example.com");
                    return entry.content;
                }
                Some(_) => continue,
                None => panic!("no DSN queued"),
            }
        }
    }

    #[test]
    fn an_expired_message_is_reported_failed_with_4_4_7_and_no_invented_reply() {
        let expired = Diagnostic::new(
            554,
            "4.4.7",
            "message expired after 5 days in the queue; last error: connect to mx.example.org: connection refused",
            "RFC 5321 §4.5.4.1",
        );
        let text = dsn_for(DsnAction::Failed, expired);
        for field in [
            "From: Mail Delivery System <MAILER-DAEMON@smtp.example.com>",
            "To: <alice@example.com>",
            "Date: Sat, 10 Jan 2026 09:00:00 +0000",
            "Message-ID: <m1.dsn@smtp.example.com>",
            "Auto-Submitted: auto-replied",
            "MIME-Version: 1.0",
            "Content-Type: multipart/report; report-type=delivery-status;",
            "Reporting-MTA: dns; smtp.example.com",
            "Final-Recipient: rfc822; bob@example.org",
            "Action: failed",
            "Status: 4.4.7",
            "Diagnostic-Code: X-MX-Lab; message expired after 5 days",
            "Content-Type: text/rfc822-headers",
            "Subject: Hello",
        ] {
            assert!(text.contains(field), "{field:?} missing from\n{text}");
        }
        assert!(!text.contains("smtp; 554"), "{text}");
        assert!(!text.contains("Remote-MTA"), "{text}");
    }

    #[test]
    fn a_refusal_is_reported_with_the_server_that_gave_it() {
        let refused = Diagnostic::new(550, "5.1.1", "<bob@example.org>: no such mailbox here", "")
            .from_server("mx.example.org");
        let text = dsn_for(DsnAction::Failed, refused);
        assert!(text.contains("Remote-MTA: dns; mx.example.org"), "{text}");
        assert!(
            text.contains(
                "Diagnostic-Code: smtp; 550 5.1.1 <bob@example.org>: no such mailbox here"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_delay_warning_says_delayed_and_until_when() {
        let waiting = Diagnostic::new(
            451,
            "4.4.1",
            "connect to mx.example.org: connection refused",
            "",
        );
        let text = dsn_for(DsnAction::Delayed, waiting);
        assert!(text.contains("Action: delayed"), "{text}");
        assert!(text.contains("Status: 4.4.1"), "{text}");
        assert!(text.contains("Will-Retry-Until: "), "{text}");
        assert!(text.contains("Subject: Delayed Mail"), "{text}");
    }
}
