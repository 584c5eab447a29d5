//! The SMTP conversation of one delivery attempt, behind a small trait so
//! that `mxlab-proto`'s client and server sessions slot in.
//!
//! The host's policy decides (accept this recipient? greylist? too big?)
//! and the exchange renders the conversation as lines on the wire.
//! [`ScriptedExchange`] is the interim implementation: it writes the
//! RFC 5321 dialogue line by line from those decisions. It will be
//! replaced by driving a `mxlab_proto` client session against a server
//! session byte by byte.

use crate::diagnostic::Diagnostic;
use crate::trace::Octets;

/// The host's answer to one stage of a transaction.
pub type Decision = Result<(), Diagnostic>;

/// Everything an exchange needs to play one transaction.
#[derive(Debug, Clone)]
pub struct TransactionRequest<'a> {
    /// The client's host name.
    pub client: &'a str,
    /// The server's host name.
    pub server: &'a str,
    /// The greeting decision (a forced 421/554, or accept).
    pub greeting: Decision,
    /// The decision on EHLO (a forced reply, or accept).
    pub helo: Decision,
    /// The envelope sender; empty for the null reverse-path `<>`.
    pub mail_from: &'a str,
    /// The decision on MAIL FROM (size, disk full...).
    pub mail: Decision,
    /// Each recipient and the server's decision on it.
    pub recipients: &'a [(String, Decision)],
    /// The message (headers and body), CRLF line ends.
    pub content: &'a str,
    /// The decision after the final dot.
    pub data: Decision,
}

/// One line on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireLine {
    /// True when the client sent it.
    pub from_client: bool,
    /// Its octets, CRLF included.
    pub octets: Octets,
}

/// What one transaction produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionResult {
    /// The lines, in order.
    pub lines: Vec<WireLine>,
    /// Each recipient's outcome, in request order.
    pub outcomes: Vec<Decision>,
}

/// Plays one SMTP transaction between a client and a server.
pub trait SmtpExchange {
    /// The conversation and its per-recipient outcomes.
    fn transact(&mut self, req: &TransactionRequest<'_>) -> TransactionResult;
}

/// The interim exchange: renders the RFC 5321 dialogue from the decisions.
#[derive(Debug, Clone, Default)]
pub struct ScriptedExchange {
    serial: u64,
}

fn reply(d: &Diagnostic) -> String {
    format!("{} {} {}", d.code, d.enhanced, d.text)
}

impl SmtpExchange for ScriptedExchange {
    fn transact(&mut self, req: &TransactionRequest<'_>) -> TransactionResult {
        let mut cs: Vec<(bool, String)> = Vec::new();
        let mut say = |from_client: bool, l: String| cs.push((from_client, l));
        let fail_all = |d: &Diagnostic| vec![Err(d.clone()); req.recipients.len()];
        let outcomes;
        'session: {
            if let Err(d) = &req.greeting {
                say(false, reply(d));
                say(true, "QUIT".into());
                say(
                    false,
                    format!("221 2.0.0 {} closing connection", req.server),
                );
                outcomes = fail_all(d);
                break 'session;
            }
            say(false, format!("220 {} ESMTP MX Lab", req.server));
            say(true, format!("EHLO {}", req.client));
            if let Err(d) = &req.helo {
                say(false, reply(d));
                say(true, "QUIT".into());
                say(
                    false,
                    format!("221 2.0.0 {} closing connection", req.server),
                );
                outcomes = fail_all(d);
                break 'session;
            }
            say(false, format!("250-{} greets {}", req.server, req.client));
            say(false, "250-PIPELINING".into());
            say(false, "250-8BITMIME".into());
            say(false, "250 ENHANCEDSTATUSCODES".into());
            say(true, format!("MAIL FROM:<{}>", req.mail_from));
            if let Err(d) = &req.mail {
                say(false, reply(d));
                outcomes = fail_all(d);
            } else {
                say(false, "250 2.1.0 Sender ok".into());
                let mut rcpt = Vec::new();
                for (r, decision) in req.recipients {
                    say(true, format!("RCPT TO:<{r}>"));
                    match decision {
                        Ok(()) => say(false, "250 2.1.5 Recipient ok".into()),
                        Err(d) => say(false, reply(d)),
                    }
                    rcpt.push(decision.clone());
                }
                if rcpt.iter().any(Result::is_ok) {
                    say(true, "DATA".into());
                    say(false, "354 End data with <CR><LF>.<CR><LF>".into());
                    for l in req.content.lines() {
                        // Dot-stuffing (RFC 5321 §4.5.2).
                        let stuffed = if l.starts_with('.') {
                            format!(".{l}")
                        } else {
                            l.to_owned()
                        };
                        say(true, stuffed);
                    }
                    say(true, ".".into());
                    match &req.data {
                        Ok(()) => {
                            self.serial = self.serial.wrapping_add(1);
                            say(
                                false,
                                format!("250 2.0.0 Ok: queued as Q{:06}", self.serial),
                            );
                        }
                        Err(d) => {
                            say(false, reply(d));
                            rcpt = rcpt.into_iter().map(|r| r.and(Err(d.clone()))).collect();
                        }
                    }
                } else {
                    say(true, "RSET".into());
                    say(false, "250 2.0.0 Ok".into());
                }
                outcomes = rcpt;
            }
            say(true, "QUIT".into());
            say(
                false,
                format!("221 2.0.0 {} closing connection", req.server),
            );
        }
        let lines = cs
            .into_iter()
            .map(|(from_client, l)| WireLine {
                from_client,
                octets: Octets::new(format!("{l}\r\n").as_bytes()),
            })
            .collect();
        TransactionResult { lines, outcomes }
    }
}
