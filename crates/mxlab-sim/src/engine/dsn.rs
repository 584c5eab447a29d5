//! Delivery status notifications (RFC 3464): bounces and delay warnings,
//! sent from the null reverse-path `<>` to the envelope sender.

use super::{Event, QueueEntry, Sim};
use crate::diagnostic::Diagnostic;
use crate::time::SimTime;
use crate::trace::{DsnAction, EventKind, Names};

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
        let suffix = match action {
            DsnAction::Failed => "dsn",
            DsnAction::Delayed => "delay",
        };
        let dsn_id = format!("{}.{suffix}", original.message_id);
        let mut content = format!(
            "From: MAILER-DAEMON@{name}\r\nTo: {to}\r\nSubject: {subject}\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"dsn\"\r\n\r\n--dsn\r\n\r\n{intro}\r\n--dsn\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; {name}\r\n",
            to = original.mail_from,
            subject = match action {
                DsnAction::Failed => "Undelivered Mail Returned to Sender",
                DsnAction::Delayed => "Delayed Mail (still being retried)",
            },
            intro = match action {
                DsnAction::Failed => "Your message could not be delivered to one or more recipients.",
                DsnAction::Delayed => "Your message has not been delivered yet; delivery is still being tried.",
            },
        );
        for (r, d) in rcpts {
            content.push_str(&format!(
                "\r\nFinal-Recipient: rfc822; {r}\r\nAction: {}\r\nStatus: {}\r\nDiagnostic-Code: smtp; {} {} {}\r\n",
                match action {
                    DsnAction::Failed => "failed",
                    DsnAction::Delayed => "delayed",
                },
                d.enhanced,
                d.code,
                d.enhanced,
                d.text
            ));
        }
        content.push_str("\r\n--dsn--\r\n");
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
