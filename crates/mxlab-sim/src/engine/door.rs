//! The receiving host's side of a connection: each server event answered
//! through the host's door when it happens, a message taken into the
//! queue at the final dot, and each recipient's outcome as the client
//! settled it.

use compact_str::{CompactString, ToCompactString};
use mxlab_proto::client::{RecipientOutcome, Stage as ClientStage};
use mxlab_proto::explain;
use mxlab_proto::message::{with_protocol, ReceivedFields};
use mxlab_proto::path::ForwardPath;
use mxlab_proto::reply::Reply;
use mxlab_proto::server::{Decision, ServerEvent};

use super::auth::Verdict;
use super::host::QueueEntry;
use super::session::Conn;
use super::{Event, Sim};
use crate::diagnostic::Diagnostic;
use crate::scenario::FaultStage;
use crate::time::SimTime;

/// What the host's door says to a server event.
pub(super) enum Door {
    Decide(Decision),
    Nothing,
    /// The host crashes before answering.
    Crash,
}

/// A recipient's outcome as the engine counts it (`server` replied, unless
/// the client made the reply up: a timeout, a lost connection).
fn to_result(o: &RecipientOutcome, server: &str) -> Result<(), Diagnostic> {
    if o.is_delivered() {
        return Ok(());
    }
    if o.stage == ClientStage::Auth {
        // A refused login defers rather than bounces, as Postfix does by
        // default (smtp_sasl_auth_soft_bounce): the password may be fixed.
        return Err(Diagnostic::new(
            454,
            "4.7.8",
            &format!(
                "Authentication failed ({}); the message stays queued",
                o.reply.summary()
            ),
            "RFC 4954 §6",
        ));
    }
    let code = o.reply.code.get();
    let enhanced = o
        .reply
        .enhanced
        .map(|e| e.to_string())
        .unwrap_or_else(|| format!("{}.0.0", o.reply.code.class()));
    let d = Diagnostic::new(code, &enhanced, &o.reply.text(), explain::reply(code).rfc);
    Err(if o.local { d } else { d.from_server(server) })
}

/// Each recipient's result, in order, from what the client settled.
pub(super) fn per_rcpt(
    paths: &[Result<ForwardPath, String>],
    outcomes: &[RecipientOutcome],
    server: &str,
) -> Vec<Result<(), Diagnostic>> {
    let mut used: smallvec::SmallVec<[bool; 8]> = smallvec::smallvec![false; outcomes.len()];
    paths
        .iter()
        .map(|p| {
            let p = match p {
                Ok(p) => p,
                Err(e) => {
                    return Err(Diagnostic::new(
                        501,
                        "5.1.3",
                        &format!("Bad recipient address syntax: {e}"),
                        "RFC 5321 §4.1.2",
                    ))
                }
            };
            let found = outcomes
                .iter()
                .enumerate()
                .find(|(k, o)| !used.get(*k).copied().unwrap_or(true) && o.rcpt == *p);
            match found {
                Some((k, o)) => {
                    if let Some(u) = used.get_mut(k) {
                        *u = true;
                    }
                    to_result(o, server)
                }
                None => Err(Diagnostic::new(
                    451,
                    "4.4.2",
                    "Connection lost",
                    "RFC 5321 §4.2.2",
                )),
            }
        })
        .collect()
}

impl Sim {
    /// The server's host answers one event of its session.
    pub(super) fn door(&mut self, now: SimTime, c: &mut Conn, e: ServerEvent) -> Door {
        let Some(h) = self.hosts.get_mut(c.server_host) else {
            return Door::Nothing;
        };
        let crash = h.faults.crash;
        match e {
            ServerEvent::Hello { .. } if crash == Some(FaultStage::Helo) => Door::Crash,
            ServerEvent::MailFrom { .. } if crash == Some(FaultStage::Mail) => Door::Crash,
            ServerEvent::RcptTo { .. } if crash == Some(FaultStage::Rcpt) => Door::Crash,
            ServerEvent::Message {
                envelope, content, ..
            } => {
                c.messages = c.messages.saturating_add(1);
                if c.messages == 1 {
                    let forced = h
                        .forced_reply(FaultStage::Data)
                        .or_else(|| h.forced_reply(FaultStage::EndOfData));
                    if let Some(d) = forced {
                        return Door::Decide(Decision::Reject(d.reply()));
                    }
                }
                let verified = self.verify(now, c, &envelope.sender(), &content);
                // The reply, and the message's entry into the queue, wait
                // for the verdict.
                let decided = verified.as_ref().map_or(now, |(_, at)| *at);
                c.server_sent = c.server_sent.max(decided);
                let (headers, junk) = match verified {
                    Some((Verdict::Reject(d), _)) => {
                        return Door::Decide(Decision::Reject(d.reply()))
                    }
                    Some((Verdict::Accept { headers, junk }, _)) => (headers, junk),
                    None => (String::new(), false),
                };
                self.store((now, decided), c, &envelope, content, (headers, junk));
                if crash == Some(FaultStage::EndOfData) {
                    return Door::Crash;
                }
                Door::Decide(self.queued())
            }
            other => h
                .answer(&mut c.peer, &other, now)
                .map_or(Door::Nothing, Door::Decide),
        }
    }

    /// The server took responsibility for a message: it enters its queue
    /// (at `arrives`: once its verdict is in) with a `Received:` on top
    /// and a fresh retry history (a second message on the same connection
    /// was smuggled past the end of data).
    fn store(
        &mut self,
        (now, arrives): (SimTime, SimTime),
        c: &Conn,
        envelope: &mxlab_proto::server::Envelope,
        content: Vec<u8>,
        (auth_headers, junk): (String, bool),
    ) {
        let message_id = if c.messages <= 1 {
            c.message_id.clone()
        } else {
            compact_str::format_compact!("{}.smuggled{}", c.message_id, c.messages - 1)
        };
        let (mail_from, rcpts) = (envelope.sender(), envelope.recipients());
        let content = match String::from_utf8(content) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        let mut id = message_id.clone();
        id.push('.');
        id.push_str(&c.id.to_compact_string());
        let (client, server) = (self.name(c.client_host), self.name(c.server_host));
        let mut out = String::with_capacity(content.len().saturating_add(192));
        out.push_str(&auth_headers);
        ReceivedFields {
            from_helo: &client,
            from_ip: None,
            by: &server,
            with: with_protocol(true, envelope.tls, envelope.auth.is_some()),
            id: Some(&id),
            for_rcpt: match rcpts.as_slice() {
                [one] => Some(one),
                _ => None,
            },
            unix_secs: super::attempt::unix(now),
        }
        .write_to(&mut out);
        out.push_str(&content);
        if let Some(signature) = self.sign(now, c, &out) {
            out.insert_str(0, &signature);
        }
        let hops = c.hops.saturating_add(1);
        let mut entry = QueueEntry::owning(message_id, mail_from, rcpts, out, (hops, now));
        entry.junk = junk;
        if c.messages <= 1 {
            // The connection's own message: its name is in the trace
            // already (looking it up again is a cache miss per message).
            entry.name = c.names[super::wire::TO_SERVER].message;
        }
        self.events.push(
            arrives,
            Event::Arrive {
                host: super::id32(c.server_host),
                entry: Box::new(entry),
            },
        );
    }

    /// Accepts a message with the next queue id.
    fn queued(&mut self) -> Decision {
        self.serial = self.serial.wrapping_add(1);
        // `Ok: queued as Q000042`: six digits at least.
        let digits = self.serial.to_compact_string();
        let mut text = CompactString::const_new("Ok: queued as Q");
        for _ in digits.len()..6 {
            text.push('0');
        }
        text.push_str(&digits);
        Decision::AcceptWith(Reply::enhanced(250, (2, 0, 0), text))
    }
}
