//! A hand-typed SMTP session with one host of a scenario, as with
//! `nc host 25`: the host's real `mxlab-proto` server session answers,
//! with the same decisions on senders, recipients, sizes and logins as
//! the host makes inside a run. What it accepts is handed back as
//! [`Accepted`] messages, which [`Sim::accept`] puts in the host's queue so
//! that they travel on through the simulated network.
//!
//! STARTTLS is simulated: after `220 Ready to start TLS` the session goes
//! on as if the handshake had succeeded (a console cannot do TLS).

use mxlab_proto::message::{with_protocol, Received};
use mxlab_proto::server::{Decision, ServerEvent, ServerSession};
use mxlab_proto::{Input, Instant, Output, ServerState};

use crate::engine::{PeerState, ServerPolicy, Sim};
use crate::scenario::Node;
use crate::time::SimTime;

/// A message the console's host accepted (250 after the final dot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The name the client gave in HELO/EHLO.
    pub helo: String,
    /// The envelope sender, empty for `<>`.
    pub mail_from: String,
    /// The accepted recipients.
    pub rcpts: Vec<String>,
    /// Headers and body as received, with the host's `Received:` on top.
    pub content: String,
    /// The queue id the host gave it.
    pub queue_id: String,
}

/// One console session.
#[derive(Debug)]
pub struct Console {
    host: String,
    session: ServerSession,
    policy: ServerPolicy,
    at: SimTime,
    peer: PeerState,
    tls: bool,
    accepted: Vec<Accepted>,
}

impl Console {
    /// Opens a session with `node` at virtual time `at`; returns it and the
    /// server's greeting.
    pub fn open(node: &Node, at: SimTime) -> (Console, Vec<u8>) {
        let config = crate::engine::server_config(node, &node.name);
        let mut console = Console {
            host: node.name.clone(),
            session: ServerSession::new(config, Instant::ZERO),
            policy: ServerPolicy::new(node.clone(), 0),
            at,
            peer: PeerState::default(),
            tls: false,
            accepted: Vec::new(),
        };
        let greeting = console.pump();
        (console, greeting)
    }

    /// The host's name.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Types `bytes` (each line ending in CRLF, as `nc -C` sends them);
    /// returns what the server answers.
    pub fn type_bytes(&mut self, bytes: &[u8]) -> Vec<u8> {
        if self.is_closed() {
            return Vec::new();
        }
        self.session
            .handle_input(Instant::ZERO, Input::Bytes(bytes));
        self.pump()
    }

    /// Types one line (CRLF is added, as `nc -C` sends it); returns the
    /// server's reply lines, each without its CRLF.
    pub fn type_line(&mut self, line: &str) -> Vec<String> {
        let mut bytes = Vec::with_capacity(line.len() + 2);
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        reply_lines(&self.type_bytes(&bytes))
    }

    /// Whether the session has ended (QUIT, or the server closed it).
    pub fn is_closed(&self) -> bool {
        self.session.state() == ServerState::Closed
    }

    /// Whether STARTTLS was (simulated as) established.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// Why the host refuses to relay, naming its relay rule: what a
    /// console shows under a `554 5.7.1 … relay access denied`.
    pub fn relay_rule(&self) -> String {
        self.policy.node().policy.relay.explain(&self.host)
    }

    /// The messages accepted so far, in order.
    pub fn accepted(&self) -> &[Accepted] {
        &self.accepted
    }

    fn pump(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        // Each output is handled once; a bound keeps a bug from hanging.
        for _ in 0..10_000 {
            let Some(o) = self.session.poll_output() else {
                break;
            };
            match o {
                Output::Transmit(b) => out.extend_from_slice(&b),
                Output::Event(e) => {
                    if let Some(d) = self.answer(e) {
                        self.session.decide(Instant::ZERO, d);
                    }
                }
                Output::StartTls => {
                    self.tls = true;
                    self.session
                        .handle_input(Instant::ZERO, Input::TlsEstablished);
                }
                Output::Close | Output::Timeout(_) => {}
            }
        }
        out
    }

    fn answer(&mut self, e: ServerEvent) -> Option<Decision> {
        match e {
            ServerEvent::Message {
                envelope, content, ..
            } => {
                let queue_id = format!("C{:06}", self.accepted.len() + 1);
                let rcpts = envelope.recipients();
                let received = Received {
                    from_helo: envelope.helo.clone(),
                    from_ip: None,
                    by: self.host.clone(),
                    with: with_protocol(envelope.esmtp, envelope.tls, envelope.auth.is_some())
                        .into(),
                    id: Some(queue_id.clone()),
                    for_rcpt: match rcpts.as_slice() {
                        [one] => Some(one.clone()),
                        _ => None,
                    },
                    unix_secs: crate::engine::unix(self.at),
                };
                let mut text = received.to_header();
                text.push_str(&String::from_utf8_lossy(&content));
                self.accepted.push(Accepted {
                    mail_from: envelope.sender(),
                    helo: envelope.helo,
                    rcpts,
                    content: text,
                    queue_id: queue_id.clone(),
                });
                Some(Decision::AcceptWith(mxlab_proto::reply::Reply::enhanced(
                    250,
                    (2, 0, 0),
                    format!("Ok: queued as {queue_id}"),
                )))
            }
            other => self.policy.answer(&mut self.peer, &other, self.at),
        }
    }
}

impl Sim {
    /// Puts a message accepted by a console session with `host` into that
    /// host's queue at `at` (not before now), as message `id`: from there
    /// it is routed, relayed, retried or bounced like any other.
    pub fn accept(
        &mut self,
        host: &str,
        message: &Accepted,
        id: &str,
        at: SimTime,
    ) -> Result<(), crate::engine::InjectError> {
        let hops = message
            .content
            .split("\r\n")
            .take_while(|l| !l.is_empty())
            .filter(|l| l.len() >= 9 && l[..9].eq_ignore_ascii_case("received:"))
            .count();
        let entry = crate::engine::QueueEntry::arriving(
            id,
            &message.mail_from,
            &message.rcpts,
            message.content.clone(),
            u32::try_from(hops).unwrap_or(u32::MAX),
            at,
        );
        if self.arrive_at(host, at, entry) {
            Ok(())
        } else {
            Err(crate::engine::InjectError::UnknownHost(host.to_string()))
        }
    }
}

/// What a server sent, as reply lines without their CRLF (a line that is
/// not UTF-8 is shown with U+FFFD in place of its bad bytes).
pub fn reply_lines(out: &[u8]) -> Vec<String> {
    out.split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets;

    fn text(b: &[u8]) -> String {
        String::from_utf8_lossy(b).into_owned()
    }

    /// hello-smtp and its MX host.
    fn hello_and_its_mx() -> (crate::Scenario, crate::scenario::Node) {
        let scenario = presets::preset("hello-smtp").unwrap();
        let mx = scenario
            .nodes
            .iter()
            .find(|n| n.role == crate::scenario::Role::Mx)
            .unwrap()
            .clone();
        (scenario, mx)
    }

    #[test]
    fn a_typed_line_is_answered_with_reply_lines() {
        let (_, mx) = hello_and_its_mx();
        let (mut console, greeting) = Console::open(&mx, SimTime::ZERO);
        assert_eq!(reply_lines(&greeting).len(), 1);
        let ehlo = console.type_line("EHLO student.example");
        assert!(ehlo.len() > 1, "{ehlo:?}");
        assert!(ehlo[..ehlo.len() - 1].iter().all(|l| l.starts_with("250-")));
        assert!(ehlo.last().unwrap().starts_with("250 "));
        assert!(ehlo.iter().all(|l| !l.contains(['\r', '\n'])));
        assert_eq!(console.type_line("QUIT").len(), 1);
        assert!(console.is_closed());
        assert_eq!(reply_lines(b"250-a\r\n250 b\r\n"), ["250-a", "250 b"]);
    }

    #[test]
    fn a_relay_refusal_can_name_the_relay_rule() {
        let scenario = presets::preset("hello-smtp").unwrap();
        let msa = scenario
            .nodes
            .iter()
            .find(|n| n.name == "smtp.example.com")
            .unwrap();
        let (mut console, _) = Console::open(msa, SimTime::ZERO);
        console.type_line("EHLO student.example");
        console.type_line("MAIL FROM:<student@example.net>");
        let refused = console.type_line("RCPT TO:<bob@example.org>");
        assert!(refused[0].starts_with("554 5.7.1 "), "{refused:?}");
        let why = console.relay_rule();
        assert!(why.starts_with("smtp.example.com relays only "), "{why}");
        assert!(
            why.contains("policy.relay.allow_from (alice-laptop.example.com)"),
            "{why}"
        );
        assert!(why.contains("RFC 5321 §3.6.2"), "{why}");
    }

    #[test]
    fn a_typed_session_is_answered_and_its_mail_delivered() {
        let (scenario, mx) = hello_and_its_mx();
        let mx = &mx;
        let (mut c, greeting) = Console::open(mx, SimTime::from_secs(5));
        assert!(text(&greeting).starts_with("220 "), "{}", text(&greeting));
        assert!(text(&c.type_bytes(b"HELO student.example\r\n")).starts_with("250 "));
        assert!(text(&c.type_bytes(b"MAIL FROM:<student@example.net>\r\n")).starts_with("250 "));
        let r = text(&c.type_bytes(b"RCPT TO:<nobody@example.org>\r\n"));
        assert!(r.starts_with("550 "), "{r}");
        assert!(text(&c.type_bytes(b"RCPT TO:<bob@example.org>\r\n")).starts_with("250 "));
        assert!(text(&c.type_bytes(b"DATA\r\n")).starts_with("354 "));
        assert!(c
            .type_bytes(b"Subject: typed by hand\r\n\r\nHello Bob\r\n")
            .is_empty());
        let r = text(&c.type_bytes(b".\r\n"));
        assert!(r.starts_with("250 2.0.0 Ok: queued as C000001"), "{r}");
        assert!(text(&c.type_bytes(b"QUIT\r\n")).starts_with("221 "));
        assert!(c.is_closed());
        assert!(c.type_bytes(b"NOOP\r\n").is_empty());
        let m = &c.accepted()[0];
        assert_eq!(m.rcpts, ["bob@example.org"]);
        assert!(
            m.content.starts_with("Received: from student.example"),
            "{}",
            m.content
        );

        let mut sim = crate::Sim::new(scenario.clone(), 1);
        sim.run_until(SimTime::from_secs(5));
        assert_eq!(
            sim.accept(&mx.name, m, "console-1", SimTime::from_secs(5)),
            Ok(())
        );
        assert_eq!(
            sim.accept("nowhere.example", m, "console-2", SimTime::from_secs(5)),
            Err(crate::InjectError::UnknownHost("nowhere.example".into()))
        );
        sim.run_to_quiescence();
        let mailbox = &sim.host(&mx.name).unwrap().mailboxes["bob@example.org"];
        assert!(mailbox.iter().any(|id| id == "console-1"), "{mailbox:?}");
    }

    #[test]
    fn garbage_gets_an_error_reply_not_a_panic() {
        let scenario = presets::preset("hello-smtp").unwrap();
        let (mut c, _) = Console::open(&scenario.nodes[1], SimTime::ZERO);
        let r = text(&c.type_bytes(b"\xff\x00 <img src=x onerror=alert(1)>\r\n"));
        assert!(r.starts_with("500 "), "{r}");
        let r = text(&c.type_bytes(b"RCPT TO:<a@b>\r\n"));
        assert!(r.starts_with("503 "), "{r}");
    }
}
