//! One command line in: line limits and bare line endings checked, the
//! command parsed and answered. The session-wide commands (QUIT, HELO,
//! EHLO, NOOP, RSET, HELP, VRFY, EXPN, BDAT, STARTTLS) are answered here;
//! AUTH goes to [`super::negotiation`], MAIL, RCPT and DATA to
//! [`super::transaction`].

use super::{joined, CloseReason, Mode, ServerEvent, ServerSession};
use crate::command::{Command, CommandError, ParseOptions};
use crate::limits;
use crate::path::PathOptions;
use crate::reply::Reply;
use crate::session::{Instant, Output, ServerState};
use crate::wire::{BareLinePolicy, LineEnding};

impl ServerSession {
    pub(super) fn on_line(&mut self, _now: Instant, line: &crate::wire::Line) {
        let bare = self.config.bare_line_policy == BareLinePolicy::Strict
            && (line.ending == LineEnding::BareLf || line.bare_cr);
        if (line.too_long || bare) && matches!(self.mode, Mode::Auth(_)) {
            // The 500 below rejects the AUTH command (RFC 4954 §4): the
            // SASL exchange is over and the next line is a command again.
            self.mode = Mode::Command;
            self.lines
                .set_max(limits::command_line_max(&self.config.extensions));
            self.state = self.settled_state();
        }
        let longer_than_its_command_may_be = matches!(self.mode, Mode::Command)
            && line.text.len().saturating_add(2)
                > limits::command_line_limit(&self.config.extensions, &line.text);
        if line.too_long || longer_than_its_command_may_be {
            self.error(Reply::enhanced(500, (5, 5, 2), "Error: line too long"));
            return;
        }
        if bare {
            self.error(Reply::enhanced(
                500,
                (5, 5, 2),
                "Error: bare <CR> or <LF> received; lines end with <CR><LF>",
            ));
            return;
        }
        if let Mode::Auth(step) = &self.mode {
            let step = step.clone();
            self.auth_line(step, &line.text);
            return;
        }
        let opts = ParseOptions {
            path: PathOptions {
                smtputf8: false,
                ..self.config.paths
            },
        };
        match Command::parse(&line.text, opts) {
            Ok(cmd) => self.on_command(cmd),
            Err(e) => {
                if self.state == ServerState::Refusing {
                    return self.error(Reply::enhanced(
                        503,
                        (5, 5, 1),
                        "Error: no SMTP service here, only QUIT",
                    ));
                }
                // A recipient path that is UTF-8 under SMTPUTF8 is fine.
                if let CommandError::Path { sender: false, .. } = &e {
                    let smtputf8 = self.from.as_ref().is_some_and(|(_, p)| p.smtputf8);
                    if smtputf8 {
                        let opts = ParseOptions {
                            path: PathOptions {
                                smtputf8: true,
                                ..self.config.paths
                            },
                        };
                        if let Ok(cmd) = Command::parse(&line.text, opts) {
                            return self.on_command(cmd);
                        }
                    }
                }
                self.error(e.reply());
            }
        }
    }

    fn on_command(&mut self, cmd: Command) {
        if self.state == ServerState::Refusing && cmd != Command::Quit {
            return self.error(Reply::enhanced(
                503,
                (5, 5, 1),
                "Error: no SMTP service here, only QUIT",
            ));
        }
        let ext = self.config.extensions.clone();
        match cmd {
            Command::Quit => {
                let text = joined(&[&self.config.hostname, " Bye"]);
                self.send_line(221, Some((2, 0, 0)), &text);
                self.close(CloseReason::Quit);
            }
            Command::Helo(_) | Command::Ehlo(_) if self.config.hello_reply.is_some() => {
                let r = self
                    .config
                    .hello_reply
                    .clone()
                    .unwrap_or_else(|| Reply::new(554, ""));
                let closing = r.code.get() == 421;
                self.send(r);
                if closing {
                    self.close(CloseReason::Shutdown);
                }
            }
            Command::Helo(domain) => {
                self.reset_transaction(true);
                self.helo = Some((false, domain.to_string()));
                self.emit(ServerEvent::Hello {
                    esmtp: false,
                    domain: domain.into(),
                });
                self.send(Reply::new(250, self.config.hostname.clone()));
                self.state = ServerState::Ready;
            }
            Command::Ehlo(_) if !self.config.esmtp => {
                self.error(Reply::new(500, "Syntax error, command unrecognized"))
            }
            Command::Ehlo(domain) => {
                self.reset_transaction(true);
                self.helo = Some((true, domain.to_string()));
                self.emit(ServerEvent::Hello {
                    esmtp: true,
                    domain: domain.to_string(),
                });
                // A reply line is at most 512 octets (RFC 5321 §4.5.3.1.5)
                // and the greeting after the domain is optional (§4.1.1.1):
                // a client name too long to echo is left out.
                let mut first = joined(&[&self.config.hostname, " Hello ", domain.as_str()]);
                if first.len() + "250-\r\n".len() > limits::REPLY_LINE {
                    first = self.config.hostname.as_str().into();
                }
                let keywords = self.ehlo_keywords();
                // The EHLO reply carries no enhanced code (RFC 2034 §3).
                let mut bytes = self.spare.take();
                crate::reply::wire_form_into(
                    &mut bytes,
                    250,
                    None,
                    1 + keywords.len(),
                    core::iter::once(first.as_str()).chain(keywords.iter().map(|k| &**k)),
                );
                self.out.push_back(Output::Transmit(bytes));
                self.state = ServerState::Ready;
            }
            Command::Noop(_) => self.send(Reply::enhanced(250, (2, 0, 0), "Ok")),
            Command::Rset => {
                self.reset_transaction(true);
                self.send(Reply::enhanced(250, (2, 0, 0), "Ok"));
                self.state = self.settled_state();
            }
            Command::Help(_) => self.send(
                Reply::enhanced(
                    214,
                    (2, 0, 0),
                    "Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS AUTH",
                )
                .with_line("See RFC 5321 for what each does"),
            ),
            Command::Vrfy(_) => self.send(Reply::enhanced(
                252,
                (2, 0, 0),
                "Cannot VRFY user, but will accept message and attempt delivery",
            )),
            Command::Expn(_) => self.error(Reply::enhanced(
                502,
                (5, 5, 1),
                "Error: EXPN not implemented",
            )),
            Command::Bdat { .. } => self.error(Reply::enhanced(
                502,
                (5, 5, 1),
                "Error: BDAT (CHUNKING) not implemented",
            )),
            Command::StartTls => {
                if !ext.starttls {
                    return self.error(Reply::enhanced(
                        502,
                        (5, 5, 1),
                        "Error: STARTTLS not offered",
                    ));
                }
                if self.tls {
                    return self.error(Reply::enhanced(
                        503,
                        (5, 5, 1),
                        "Error: TLS already active",
                    ));
                }
                self.send(Reply::enhanced(220, (2, 0, 0), "Ready to start TLS"));
                self.reset_transaction(true);
                self.state = ServerState::TlsHandshake;
                self.start_tls_after = true;
            }
            Command::Auth { mechanism, initial } => self.auth_command(mechanism, initial),
            Command::Mail { from, params } => self.mail(from, params),
            Command::Rcpt { to, params } => self.rcpt(to, params),
            Command::Data => self.data(),
        }
    }
}
