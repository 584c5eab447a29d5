//! Mail that goes on from a mailbox: a `.forward` (`forward_to`) sends
//! the message unchanged to another address, with its envelope sender
//! kept or rewritten by SRS; a mailing list (`list`) sends it to every
//! member from the list's own bounce address, changed as a list server
//! changes it (a subject tag, a footer, `From:` rewritten).

use super::{Event, QueueEntry, Sim};
use crate::scenario::{Mailbox, MailingList};
use crate::time::SimTime;

impl Sim {
    /// Queues on `host` what its forwarding mailboxes and lists send on
    /// of the message `queue_id`.
    pub(super) fn send_onward(
        &mut self,
        now: SimTime,
        host: usize,
        queue_id: u64,
        mailboxes: Vec<Mailbox>,
    ) {
        for m in mailboxes {
            let Some(e) = self.hosts.get(host).and_then(|h| h.queue.get(&queue_id)) else {
                return;
            };
            let (id, sender, content, hops, name) = (
                e.message_id.clone(),
                e.mail_from.clone(),
                e.content.clone(),
                e.hops,
                e.name,
            );
            let (sender, recipients, content) = match (&m.forward_to, &m.list) {
                (_, Some(list)) => {
                    let bounces = match m.address.rsplit_once('@') {
                        Some((local, domain)) => format!("{local}-bounces@{domain}"),
                        None => m.address.clone(),
                    };
                    // A bounce is never answered with mail (RFC 5321 §4.5.5).
                    let sender = if sender.is_empty() { sender } else { bounces };
                    (
                        sender,
                        list.members.clone(),
                        list_copy(&content, list, &m.address),
                    )
                }
                (Some(to), None) => (
                    self.forward_sender(now, host, &sender, &m.address),
                    vec![to.clone()],
                    content,
                ),
                (None, None) => continue,
            };
            let mut entry = QueueEntry::owning(id, sender, recipients, content, (hops, now));
            entry.name = name;
            self.events.push(
                now,
                Event::Arrive {
                    host: super::id32(host),
                    entry: Box::new(entry),
                },
            );
        }
    }
}

/// The message as list `address` sends it on: its subject tagged, its body
/// with the footer, its `From:` the list's when it rewrites, and a
/// `List-Id:` (RFC 2919) on top of the header fields.
pub(crate) fn list_copy(content: &str, list: &MailingList, address: &str) -> String {
    let (header, body) = match content.find("\r\n\r\n") {
        Some(i) => (&content[..i + 2], &content[i + 4..]),
        None => (content, ""),
    };
    let mut out = String::with_capacity(content.len() + 256);
    let id = address.replacen('@', ".", 1);
    out.push_str(&format!("List-Id: <{id}>\r\n"));
    let mut lines = header.split_inclusive("\r\n").peekable();
    while let Some(line) = lines.next() {
        // A field with its folded continuation lines.
        let mut field = line.to_string();
        while let Some(next) = lines.peek() {
            if next.starts_with(' ') || next.starts_with('\t') {
                field.push_str(next);
                lines.next();
            } else {
                break;
            }
        }
        let (name, value) = field.split_once(':').unwrap_or(("", ""));
        let (name, value) = (name.trim().to_string(), value.to_string());
        if name.eq_ignore_ascii_case("subject") {
            if let Some(tag) = &list.subject_tag {
                let value = value.trim_start();
                if !value.contains(tag.as_str()) {
                    field = format!("Subject: {tag} {value}");
                }
            }
        } else if name.eq_ignore_ascii_case("from") && list.rewrite_from {
            let value = value.trim().to_string();
            let display = match value.find('<') {
                Some(i) if i > 0 => value[..i].trim().trim_matches('"').to_string(),
                _ => value.trim_matches(|c| c == '<' || c == '>').to_string(),
            };
            let local = address.split('@').next().unwrap_or(address);
            field = format!("From: \"{display} via {local}\" <{address}>\r\nReply-To: {value}\r\n");
        }
        out.push_str(&field);
    }
    out.push_str("\r\n");
    out.push_str(body);
    if let Some(footer) = &list.footer {
        if !body.is_empty() && !body.ends_with("\r\n") {
            out.push_str("\r\n");
        }
        out.push_str("-- \r\n");
        for l in footer.lines() {
            out.push_str(l);
            out.push_str("\r\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(tag: bool, footer: bool, rewrite: bool) -> MailingList {
        MailingList {
            members: vec!["bob@corp.example".into()],
            subject_tag: tag.then(|| "[team]".into()),
            footer: footer
                .then(|| "team mailing list\nunsubscribe: team-leave@lists.example".into()),
            rewrite_from: rewrite,
        }
    }

    const MSG: &str = "Received: from a\r\n\tby b\r\nFrom: Alice <alice@bank.example>\r\nSubject: Lunch?\r\n\r\nFriday?\r\n";

    #[test]
    fn a_list_tags_the_subject_adds_a_footer_and_keeps_the_rest() {
        let out = list_copy(MSG, &list(true, true, false), "team@lists.example");
        assert_eq!(
            out,
            "List-Id: <team.lists.example>\r\nReceived: from a\r\n\tby b\r\nFrom: Alice <alice@bank.example>\r\nSubject: [team] Lunch?\r\n\r\nFriday?\r\n-- \r\nteam mailing list\r\nunsubscribe: team-leave@lists.example\r\n"
        );
        // Tagged once, however often it passes the list.
        let again = list_copy(&out, &list(true, false, false), "team@lists.example");
        assert_eq!(again.matches("[team]").count(), 1);
    }

    #[test]
    fn a_list_that_rewrites_from_keeps_the_author_in_reply_to() {
        let out = list_copy(MSG, &list(false, false, true), "team@lists.example");
        assert!(out.contains("From: \"Alice via team\" <team@lists.example>\r\nReply-To: Alice <alice@bank.example>\r\n"), "{out}");
        assert!(out.ends_with("\r\n\r\nFriday?\r\n"), "{out}");
    }

    #[test]
    fn a_message_without_a_body_or_header_end_is_still_sent_on() {
        let out = list_copy("Subject: x\r\n", &list(true, true, true), "l@x.example");
        assert!(out.contains("Subject: [team] x"), "{out}");
        assert!(out.contains("-- \r\n"), "{out}");
    }
}
