//! The mail transaction (RFC 5321 §3.3): MAIL with its parameters, RCPT,
//! DATA, and the end of the message data handed to the host as an
//! [`Envelope`] and its content.

use super::{Envelope, Mode, Pending, ServerEvent, ServerSession};
use crate::command::{Body, MailParams, RcptParams};
use crate::path::{ForwardPath, ReversePath};
use crate::reply::Reply;
use crate::session::ServerState;
use crate::wire::{BareLinePolicy, DataEnd, DataReader};

impl ServerSession {
    pub(super) fn mail(&mut self, from: ReversePath, params: MailParams) {
        let esmtp = match &self.helo {
            None => {
                return self.error(Reply::enhanced(
                    503,
                    (5, 5, 1),
                    "Error: send HELO/EHLO first",
                ))
            }
            Some((esmtp, _)) => *esmtp,
        };
        if self.from.is_some() {
            return self.error(Reply::enhanced(
                503,
                (5, 5, 1),
                "Error: nested MAIL command",
            ));
        }
        if self.config.require_tls && !self.tls {
            return self.error(Reply::enhanced(
                530,
                (5, 7, 0),
                "Must issue a STARTTLS command first",
            ));
        }
        if self.config.require_auth && self.auth_user.is_none() {
            return self.error(Reply::enhanced(530, (5, 7, 0), "Authentication required"));
        }
        let e = &self.config.extensions;
        let unsupported = !params.unknown.is_empty()
            || (!esmtp && params != MailParams::default())
            || (params.size.is_some() && e.size.is_none())
            || (params.body == Some(Body::EightBitMime) && !e.eight_bit_mime)
            || params.body == Some(Body::BinaryMime)
            || (params.smtputf8 && !e.smtputf8)
            || ((params.ret.is_some() || params.envid.is_some()) && !e.dsn)
            || (params.auth.is_some() && !e.auth);
        if unsupported {
            return self.error(Reply::enhanced(
                555,
                (5, 5, 4),
                "MAIL FROM parameters not recognized or not implemented",
            ));
        }
        if let (Some(declared), Some(max)) = (params.size, e.size) {
            if max > 0 && declared > max {
                return self.send(Reply::enhanced(
                    552,
                    (5, 3, 4),
                    "Message size exceeds fixed maximum message size",
                ));
            }
        }
        self.pending = Some(Pending::Mail(from.clone(), params.clone()));
        self.state = ServerState::Deciding;
        self.emit(ServerEvent::MailFrom { from, params });
    }

    pub(super) fn rcpt(&mut self, to: ForwardPath, params: RcptParams) {
        let Some((from, mail_params)) = &self.from else {
            return self.error(Reply::enhanced(503, (5, 5, 1), "Error: need MAIL command"));
        };
        let esmtp = self.helo.as_ref().is_some_and(|(e, _)| *e);
        let dsn = self.config.extensions.dsn;
        if !params.unknown.is_empty()
            || (!esmtp && params != RcptParams::default())
            || ((params.notify.is_some() || params.orcpt.is_some()) && !dsn)
        {
            return self.error(Reply::enhanced(
                555,
                (5, 5, 4),
                "RCPT TO parameters not recognized or not implemented",
            ));
        }
        if to.mailbox().is_some_and(|m| !m.is_ascii()) && !mail_params.smtputf8 {
            return self.send(Reply::enhanced(
                553,
                (5, 6, 7),
                "Non-ASCII address requires SMTPUTF8",
            ));
        }
        self.rcpt_attempts += 1;
        if self.rcpts.len() >= self.config.max_recipients.max(1) {
            return self.send(Reply::enhanced(
                452,
                (4, 5, 3),
                "Error: too many recipients",
            ));
        }
        let from = from.clone();
        self.pending = Some(Pending::Rcpt(to.clone(), params.clone()));
        self.state = ServerState::Deciding;
        self.emit(ServerEvent::RcptTo { to, params, from });
    }

    pub(super) fn data(&mut self) {
        if self.from.is_none() {
            return self.error(Reply::enhanced(503, (5, 5, 1), "Error: need MAIL command"));
        }
        if self.rcpts.is_empty() {
            if self.rcpt_attempts > 0 {
                return self.error(Reply::enhanced(
                    554,
                    (5, 5, 1),
                    "Error: no valid recipients",
                ));
            }
            return self.error(Reply::enhanced(503, (5, 5, 1), "Error: need RCPT command"));
        }
        let max = self.config.extensions.size.filter(|&m| m > 0);
        self.mode = Mode::Data(Box::new(DataReader::new(self.config.bare_line_policy, max)));
        self.state = ServerState::Data;
        self.send_line(354, None, "End data with <CR><LF>.<CR><LF>");
    }

    pub(super) fn end_of_data(&mut self, end: DataEnd) {
        if end.too_big {
            self.reset_transaction(false);
            self.state = self.settled_state();
            return self.send(Reply::enhanced(552, (5, 3, 4), "Error: message too large"));
        }
        if end.line_too_long {
            self.reset_transaction(false);
            self.state = self.settled_state();
            return self.send(Reply::enhanced(
                500,
                (5, 5, 2),
                "Error: line too long in message data",
            ));
        }
        if end.bare_line_ending && self.config.bare_line_policy == BareLinePolicy::Strict {
            self.reset_transaction(false);
            self.state = self.settled_state();
            return self.send(Reply::enhanced(
                550,
                (5, 5, 2),
                "Error: bare <CR> or <LF> in message data (RFC 5321 §2.3.8)",
            ));
        }
        // The transaction ends with this message, whatever the host
        // decides: its envelope moves into the event.
        let Some((from, mail_params)) = self.from.take() else {
            return;
        };
        let (esmtp, helo) = self.helo.clone().unwrap_or_default();
        let envelope = Envelope {
            helo,
            esmtp,
            tls: self.tls,
            auth: self.auth_user.clone(),
            from,
            mail_params,
            rcpts: core::mem::take(&mut self.rcpts),
        };
        self.pending = Some(Pending::Message);
        self.state = ServerState::Deciding;
        self.emit(ServerEvent::Message {
            envelope: Box::new(envelope),
            content: end.content,
            terminator: end.terminator,
        });
    }
}
