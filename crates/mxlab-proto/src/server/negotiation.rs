//! What the session negotiates before a transaction: the EHLO keywords it
//! offers now, and AUTH PLAIN and LOGIN (RFC 4954) up to the host's
//! decision on the credentials.

use super::{AuthStep, Mode, Pending, ServerEvent, ServerSession, AUTH_LINE};
use crate::reply::Reply;
use crate::sasl::Credentials;
use crate::session::{Output, ServerState};
use crate::{limits, sasl, CompactString};
use std::borrow::Cow;

impl ServerSession {
    /// The EHLO keywords this session offers now.
    pub fn ehlo_keywords(&self) -> Vec<Cow<'static, str>> {
        let e = &self.config.extensions;
        let mut k: Vec<Cow<'static, str>> = Vec::with_capacity(9);
        if e.pipelining {
            k.push("PIPELINING".into());
        }
        if let Some(size) = e.size {
            k.push(if size == 0 {
                "SIZE".into()
            } else {
                format!("SIZE {size}").into()
            });
        }
        if e.eight_bit_mime {
            k.push("8BITMIME".into());
        }
        if e.enhanced_status_codes {
            k.push("ENHANCEDSTATUSCODES".into());
        }
        if e.dsn {
            k.push("DSN".into());
        }
        if e.starttls && !self.tls {
            k.push("STARTTLS".into());
        }
        if e.auth && (self.tls || !self.config.auth_requires_tls) {
            k.push("AUTH PLAIN LOGIN".into());
        }
        if e.smtputf8 {
            k.push("SMTPUTF8".into());
        }
        k.push("HELP".into());
        k
    }

    pub(super) fn auth_command(
        &mut self,
        mechanism: CompactString,
        initial: Option<CompactString>,
    ) {
        let e = &self.config.extensions;
        if !e.auth {
            return self.error(Reply::enhanced(
                502,
                (5, 5, 1),
                "Error: authentication not enabled",
            ));
        }
        if self.helo.as_ref().is_none_or(|(esmtp, _)| !esmtp) {
            return self.error(Reply::enhanced(503, (5, 5, 1), "Error: send EHLO first"));
        }
        if self.auth_user.is_some() {
            return self.error(Reply::enhanced(
                503,
                (5, 5, 1),
                "Error: already authenticated",
            ));
        }
        if self.from.is_some() {
            return self.error(Reply::enhanced(
                503,
                (5, 5, 1),
                "Error: AUTH not allowed during a mail transaction",
            ));
        }
        if mechanism != "PLAIN" && mechanism != "LOGIN" {
            return self.error(Reply::enhanced(
                504,
                (5, 5, 4),
                "Error: unrecognized authentication type",
            ));
        }
        if self.config.auth_requires_tls && !self.tls {
            return self.error(Reply::enhanced(
                538,
                (5, 7, 11),
                "Error: encryption required for requested authentication mechanism",
            ));
        }
        self.state = ServerState::Auth;
        if mechanism == "PLAIN" {
            match initial {
                Some(i) => self.auth_line(AuthStep::PlainResponse, i.as_bytes()),
                None => {
                    self.mode = Mode::Auth(AuthStep::PlainResponse);
                    self.lines.set_max(AUTH_LINE);
                    self.out.push_back(Output::Transmit(b"334 \r\n".to_vec()));
                }
            }
        } else {
            match initial {
                Some(i) if !i.is_empty() => self.auth_line(AuthStep::LoginUser, i.as_bytes()),
                _ => {
                    self.mode = Mode::Auth(AuthStep::LoginUser);
                    self.lines.set_max(AUTH_LINE);
                    self.out
                        .push_back(Output::Transmit(b"334 VXNlcm5hbWU6\r\n".to_vec()));
                }
            }
        }
    }

    pub(super) fn auth_line(&mut self, step: AuthStep, text: &[u8]) {
        let text = String::from_utf8_lossy(text).trim().to_string();
        self.lines
            .set_max(limits::command_line_max(&self.config.extensions));
        if text == "*" {
            self.mode = Mode::Command;
            self.state = self.settled_state();
            return self.error(Reply::enhanced(501, (5, 0, 0), "Authentication cancelled"));
        }
        let bad = |s: &mut ServerSession| {
            s.mode = Mode::Command;
            s.state = s.settled_state();
            s.error(Reply::enhanced(
                501,
                (5, 5, 2),
                "Error: cannot decode response",
            ));
        };
        match step {
            AuthStep::PlainResponse => match sasl::plain_decode(&text) {
                Some(credentials) => self.ask_auth("PLAIN", credentials),
                None => bad(self),
            },
            AuthStep::LoginUser => match sasl::login_decode(&text) {
                Some(user) => {
                    self.mode = Mode::Auth(AuthStep::LoginPassword(user));
                    self.lines.set_max(AUTH_LINE);
                    self.out
                        .push_back(Output::Transmit(b"334 UGFzc3dvcmQ6\r\n".to_vec()));
                }
                None => bad(self),
            },
            AuthStep::LoginPassword(username) => match sasl::login_decode(&text) {
                Some(password) => self.ask_auth(
                    "LOGIN",
                    Credentials {
                        authzid: String::new(),
                        username,
                        password,
                    },
                ),
                None => bad(self),
            },
        }
    }

    fn ask_auth(&mut self, mechanism: &str, credentials: Credentials) {
        self.mode = Mode::Command;
        self.auth_user = None;
        self.pending = Some(Pending::Auth(credentials.username.clone()));
        self.state = ServerState::Deciding;
        self.emit(ServerEvent::AuthRequest {
            mechanism: mechanism.to_string(),
            credentials,
        });
    }
}
