//! The exchange that plays every delivery attempt with `mxlab-proto`'s real
//! client and server sessions: the bytes on a simulated link are the bytes
//! those sessions produce, and the per-recipient outcomes are the ones the
//! client session recorded.
//!
//! The server host's decisions (computed by the engine from its policy and
//! faults) answer the server session's policy events; a forced reply at
//! the greeting or hello stage is configured on the server session.

use core::fmt::Write as _;

use compact_str::{CompactString, ToCompactString};

use mxlab_proto::client::{
    ClientConfig, ClientEvent, ClientSession, RecipientOutcome, Stage, TlsPolicy, Transaction,
};
use mxlab_proto::explain;
use mxlab_proto::path::{ForwardPath, PathOptions, ReversePath};
use mxlab_proto::reply::Reply;
use mxlab_proto::sasl::Credentials;
use mxlab_proto::server::{Decision as ServerDecision, ServerConfig, ServerEvent, ServerSession};
use mxlab_proto::{Input, Instant, Output};

use super::exchange::{
    Decision, SmtpExchange, SmuggledMessage, TransactionRequest, TransactionResult, WireLine,
};
use crate::diagnostic::{server_decision, Diagnostic};

/// Plays each transaction between a `ClientSession` and a `ServerSession`.
#[derive(Debug, Clone, Default)]
pub struct ProtoExchange {
    serial: u64,
    /// Room to write a path in, reused.
    scratch: String,
    /// The buffers of the last result, given back for reuse.
    spare_lines: Vec<WireLine>,
    spare_octets: Vec<u8>,
    /// The sessions of the last transaction, restarted for the next (their
    /// buffers are reused).
    sessions: Option<(ServerSession, ClientSession)>,
    /// The per-recipient outcomes of the last transaction, emptied.
    spare_outcomes: Vec<RecipientOutcome>,
}

pub(crate) const PATHS: PathOptions = PathOptions {
    smtputf8: true,
    allow_unqualified: true,
    allow_missing_brackets: false,
};

fn to_decision(o: &RecipientOutcome) -> Decision {
    if o.is_delivered() {
        return Ok(());
    }
    if o.stage == Stage::Auth {
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
    Err(Diagnostic::new(
        code,
        &enhanced,
        &o.reply.text(),
        explain::reply(code).rfc,
    ))
}

impl SmtpExchange for ProtoExchange {
    fn recycle(&mut self, mut lines: Vec<WireLine>, mut octets: Vec<u8>) {
        if lines.capacity() > self.spare_lines.capacity() {
            lines.clear();
            self.spare_lines = lines;
        }
        if octets.capacity() > self.spare_octets.capacity() {
            octets.clear();
            self.spare_octets = octets;
        }
    }

    fn transact(&mut self, req: &TransactionRequest<'_>) -> TransactionResult {
        let mut server_cfg = ServerConfig::new(req.server);
        server_cfg.paths = PATHS;
        server_cfg.extensions.size = None;
        server_cfg.greeting_reply = req.greeting.as_ref().err().map(Diagnostic::reply);
        server_cfg.hello_reply = req.helo.as_ref().err().map(Diagnostic::reply);
        let opts = &req.session;
        server_cfg.extensions.starttls = opts.offer_starttls;
        server_cfg.require_tls = opts.tls_required;
        server_cfg.extensions.auth = opts.offer_auth;
        server_cfg.require_auth = opts.auth_required;
        server_cfg.bare_line_policy = opts.bare_line_policy;
        let mut client_cfg = ClientConfig::new(req.client);
        client_cfg.tls = TlsPolicy::Opportunistic;
        client_cfg.verbose_events = false;
        client_cfg.credentials = opts.client_login.as_ref().map(|(u, p)| Credentials {
            authzid: String::new(),
            username: u.clone(),
            password: p.clone(),
        });
        let from =
            ReversePath::parse(self.bracket(req.mail_from), PATHS).unwrap_or(ReversePath::Null);
        let paths: Vec<_> = req
            .recipients
            .iter()
            .map(|(r, _)| ForwardPath::parse(self.bracket(r), PATHS))
            .collect();
        let rcpts = paths
            .iter()
            .filter_map(|p| p.as_ref().ok().cloned())
            .collect();
        let tx = Transaction::new(from, rcpts, req.content.as_bytes().to_vec());
        let now = Instant::ZERO;
        let (mut server, mut client) = match self.sessions.take() {
            Some((mut server, mut client)) => {
                server.restart(server_cfg, now);
                client.restart(client_cfg, [tx], now);
                (server, client)
            }
            None => (
                ServerSession::new(server_cfg, now),
                ClientSession::new(client_cfg, vec![tx], now),
            ),
        };
        let mut tls = None;
        let mut authenticated = false;
        let mut messages = 0usize;
        let mut smuggled = Vec::new();
        let mut lines = core::mem::take(&mut self.spare_lines);
        lines.clear();
        let mut octets = core::mem::take(&mut self.spare_octets);
        octets.clear();
        let mut outcomes = core::mem::take(&mut self.spare_outcomes);
        outcomes.clear();
        let (mut server_closed, mut client_closed) = (false, false);
        let (mut s_tls, mut c_tls) = (false, false);
        // Each round moves every pending output; a conversation of n lines
        // ends well within n rounds, and a bound keeps a bug from hanging.
        for _ in 0..100_000 {
            let mut moved = false;
            while let Some(o) = server.poll_output() {
                moved = true;
                match o {
                    Output::Transmit(b) => {
                        push_lines(&mut lines, &mut octets, false, &b);
                        if !client_closed {
                            client.handle_input(now, Input::Bytes(&b));
                        }
                        server.give_back(b);
                    }
                    Output::Event(e) => {
                        let d = match &e {
                            ServerEvent::Message {
                                envelope, content, ..
                            } => {
                                messages += 1;
                                if messages > 1 {
                                    // Not the client's message: read out of
                                    // its data by a lenient server.
                                    smuggled.push(SmuggledMessage {
                                        mail_from: envelope
                                            .from
                                            .mailbox()
                                            .map(|m| m.to_string())
                                            .unwrap_or_default(),
                                        rcpts: envelope
                                            .rcpts
                                            .iter()
                                            .map(|(r, _)| {
                                                r.mailbox()
                                                    .map_or("postmaster".into(), |m| m.to_string())
                                            })
                                            .collect(),
                                        content: String::from_utf8_lossy(content).into_owned(),
                                    });
                                    Some(self.queued())
                                } else {
                                    self.decide(req, &e)
                                }
                            }
                            ServerEvent::AuthRequest { credentials, .. } => {
                                let ok = !opts.auth_fails
                                    && opts.accounts.iter().any(|(u, p)| {
                                        *u == credentials.username && *p == credentials.password
                                    });
                                authenticated |= ok;
                                Some(if ok {
                                    ServerDecision::Accept
                                } else {
                                    ServerDecision::bad_credentials()
                                })
                            }
                            _ => self.decide(req, &e),
                        };
                        if let Some(d) = d {
                            server.decide(now, d);
                        }
                    }
                    Output::StartTls => s_tls = true,
                    Output::Close => {
                        server_closed = true;
                        client.handle_input(now, Input::PeerClosed);
                    }
                    Output::Timeout(_) => {}
                }
            }
            while let Some(o) = client.poll_output() {
                moved = true;
                match o {
                    Output::Transmit(b) => {
                        push_lines(&mut lines, &mut octets, true, &b);
                        if !server_closed {
                            server.handle_input(now, Input::Bytes(&b));
                        }
                        client.give_back(b);
                    }
                    Output::Event(ClientEvent::TransactionDone(t)) => outcomes.extend(t.rcpts),
                    Output::Event(_) | Output::Timeout(_) => {}
                    Output::StartTls => c_tls = true,
                    Output::Close => {
                        client_closed = true;
                        server.handle_input(now, Input::PeerClosed);
                    }
                }
            }
            if s_tls && c_tls {
                (s_tls, c_tls) = (false, false);
                let ok = !opts.tls_fails;
                tls = Some((lines.len(), ok));
                let input = if ok {
                    Input::TlsEstablished
                } else {
                    Input::TlsFailed
                };
                server.handle_input(now, input);
                client.handle_input(now, input);
                continue;
            }
            if (server_closed && client_closed) || !moved {
                break;
            }
        }
        self.sessions = Some((server, client));
        let mut used: smallvec::SmallVec<[bool; 8]> = smallvec::smallvec![false; outcomes.len()];
        let per_rcpt = paths
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
                        to_decision(o)
                    }
                    None => Err(Diagnostic::new(
                        451,
                        "4.4.2",
                        "Connection lost",
                        "RFC 5321 §4.2.2",
                    )),
                }
            })
            .collect();
        outcomes.clear();
        self.spare_outcomes = outcomes;
        TransactionResult {
            lines,
            octets,
            outcomes: per_rcpt,
            tls,
            authenticated,
            smuggled,
        }
    }
}

impl ProtoExchange {
    /// `<addr>`, written in the scratch string.
    fn bracket(&mut self, addr: &str) -> &str {
        self.scratch.clear();
        self.scratch.push('<');
        self.scratch.push_str(addr);
        self.scratch.push('>');
        &self.scratch
    }

    /// Accepts a message with the next queue id.
    fn queued(&mut self) -> ServerDecision {
        self.serial = self.serial.wrapping_add(1);
        // `Ok: queued as Q000042`: six digits at least.
        let digits = self.serial.to_compact_string();
        let mut text = CompactString::const_new("Ok: queued as Q");
        for _ in digits.len()..6 {
            text.push('0');
        }
        text.push_str(&digits);
        ServerDecision::AcceptWith(Reply::enhanced(250, (2, 0, 0), text))
    }

    fn decide(&mut self, req: &TransactionRequest<'_>, e: &ServerEvent) -> Option<ServerDecision> {
        Some(match e {
            ServerEvent::MailFrom { .. } => server_decision(&req.mail),
            ServerEvent::RcptTo { to, .. } => {
                self.scratch.clear();
                let _ = write!(self.scratch, "{to}");
                let addr = self.scratch.trim_start_matches('<').trim_end_matches('>');
                req.recipients
                    .iter()
                    .find(|(r, _)| r.eq_ignore_ascii_case(addr))
                    .map_or(ServerDecision::Accept, |(_, d)| server_decision(d))
            }
            ServerEvent::Message { .. } => match &req.data {
                Ok(()) => self.queued(),
                Err(d) => ServerDecision::Reject(d.reply()),
            },
            _ => return None,
        })
    }
}

/// Splits transmitted bytes into wire lines (each keeps its CRLF).
fn push_lines(lines: &mut Vec<WireLine>, octets: &mut Vec<u8>, from_client: bool, bytes: &[u8]) {
    for (i, l) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        lines.push(WireLine {
            from_client,
            same_write: i > 0,
            start: octets.len(),
            len: l.len(),
        });
        octets.extend_from_slice(l);
    }
}
