//! Drives a client session against a server session in memory, with a
//! scripted policy, and records the transcript.
#![allow(dead_code)]

use std::collections::BTreeMap;

use mxlab_proto::client::{
    ClientConfig, ClientEvent, ClientSession, ConnectionOutcome, Transaction, TransactionOutcome,
};
use mxlab_proto::reply::Reply;
use mxlab_proto::server::{Decision, Envelope, ServerConfig, ServerEvent, ServerSession};
use mxlab_proto::{Input, Instant, Output};

/// The server host's policy.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// Recipient (without brackets) → reply.
    pub reject_rcpt: BTreeMap<String, Reply>,
    /// Refuse every sender with this reply.
    pub reject_mail: Option<Reply>,
    /// Refuse every message with this reply.
    pub message: Option<Reply>,
    /// The one good user and password.
    pub credentials: Option<(String, String)>,
    /// Shut the server down when the first message arrives.
    pub shutdown_at_message: bool,
}

/// What happened.
#[derive(Debug, Default)]
pub struct Run {
    pub lines: Vec<String>,
    pub delivered: Vec<(Envelope, Vec<u8>)>,
    pub outcomes: Vec<TransactionOutcome>,
    pub connection: ConnectionOutcome,
    pub server_closed: bool,
    pub client_closed: bool,
    pub server_events: Vec<ServerEvent>,
}

impl Run {
    /// The conversation as C:/S: lines (CRLF-terminated, as on the wire).
    pub fn transcript(&self) -> String {
        self.lines.concat()
    }
}

fn record(lines: &mut Vec<String>, who: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for l in text.split_inclusive('\n') {
        lines.push(format!("{who}: {l}"));
    }
}

fn decide(policy: &Policy, e: &ServerEvent) -> Option<Decision> {
    Some(match e {
        ServerEvent::MailFrom { .. } => match &policy.reject_mail {
            Some(r) => Decision::Reject(r.clone()),
            None => Decision::Accept,
        },
        ServerEvent::RcptTo { to, .. } => {
            let key = to.to_string().trim_matches(['<', '>']).to_string();
            match policy.reject_rcpt.get(&key) {
                Some(r) => Decision::Reject(r.clone()),
                None => Decision::Accept,
            }
        }
        ServerEvent::AuthRequest { credentials, .. } => {
            let ok = policy
                .credentials
                .as_ref()
                .is_some_and(|(u, p)| *u == credentials.username && *p == credentials.password);
            if ok {
                Decision::Accept
            } else {
                Decision::bad_credentials()
            }
        }
        ServerEvent::Message { .. } => match &policy.message {
            Some(r) => Decision::Reject(r.clone()),
            None => Decision::Accept,
        },
        _ => return None,
    })
}

/// Runs the pair to completion (both sides closed), advancing a virtual
/// clock to the earliest deadline when nothing else moves, once with each
/// side's bytes delivered whole and once one byte at a time; both runs must
/// agree. Panics if the sessions do not converge.
pub fn run(
    server: ServerConfig,
    client: ClientConfig,
    txs: Vec<Transaction>,
    policy: Policy,
) -> Run {
    let whole = run_chunked(
        server.clone(),
        client.clone(),
        txs.clone(),
        policy.clone(),
        false,
    );
    let bytewise = run_chunked(server, client, txs, policy, true);
    assert_eq!(
        whole.transcript(),
        bytewise.transcript(),
        "chunking changed the conversation"
    );
    assert_eq!(
        whole.outcomes, bytewise.outcomes,
        "chunking changed the outcomes"
    );
    assert_eq!(
        whole.delivered, bytewise.delivered,
        "chunking changed the delivered mail"
    );
    whole
}

fn feed(now: Instant, bytes: &[u8], one: bool, mut f: impl FnMut(Instant, Input<'_>)) {
    if one {
        for b in bytes {
            f(now, Input::Bytes(core::slice::from_ref(b)));
        }
    } else {
        f(now, Input::Bytes(bytes));
    }
}

/// One run, with the given chunking.
pub fn run_chunked(
    server: ServerConfig,
    client: ClientConfig,
    txs: Vec<Transaction>,
    policy: Policy,
    one: bool,
) -> Run {
    let now = Instant::ZERO;
    let s = ServerSession::new(server, now);
    let c = ClientSession::new(client, txs, now);
    run_sessions(s, c, policy, one)
}

/// One run of sessions already set up (new or restarted), at time zero.
pub fn run_sessions(mut s: ServerSession, mut c: ClientSession, policy: Policy, one: bool) -> Run {
    let mut now = Instant::ZERO;
    let mut r = Run::default();
    let (mut s_deadline, mut c_deadline) = (None, None);
    let (mut s_tls, mut c_tls) = (false, false);
    for _ in 0..100_000 {
        let mut moved = false;
        while let Some(o) = s.poll_output() {
            moved = true;
            match o {
                Output::Transmit(b) => {
                    record(&mut r.lines, "S", &b);
                    feed(now, &b, one, |n, i| c.handle_input(n, i));
                }
                Output::Event(e) => {
                    if let ServerEvent::Message {
                        envelope, content, ..
                    } = &e
                    {
                        if policy.shutdown_at_message {
                            r.server_events.push(e.clone());
                            s.shutdown(now);
                            continue;
                        }
                        if policy.message.is_none() {
                            r.delivered.push(((**envelope).clone(), content.clone()));
                        }
                    }
                    if let Some(d) = decide(&policy, &e) {
                        s.decide(now, d);
                    }
                    r.server_events.push(e);
                }
                Output::StartTls => s_tls = true,
                Output::Close => {
                    r.server_closed = true;
                    c.handle_input(now, Input::PeerClosed);
                }
                Output::Timeout(t) => s_deadline = Some(t),
            }
        }
        while let Some(o) = c.poll_output() {
            moved = true;
            match o {
                Output::Transmit(b) => {
                    record(&mut r.lines, "C", &b);
                    feed(now, &b, one, |n, i| s.handle_input(n, i));
                }
                Output::Event(ClientEvent::TransactionDone(t)) => r.outcomes.push(t),
                Output::Event(ClientEvent::Finished(o)) => r.connection = *o,
                Output::Event(_) => {}
                Output::StartTls => c_tls = true,
                Output::Close => {
                    r.client_closed = true;
                    s.handle_input(now, Input::PeerClosed);
                }
                Output::Timeout(t) => c_deadline = Some(t),
            }
        }
        if s_tls && c_tls {
            s_tls = false;
            c_tls = false;
            r.lines.push("-- TLS --\r\n".into());
            s.handle_input(now, Input::TlsEstablished);
            c.handle_input(now, Input::TlsEstablished);
            continue;
        }
        if r.server_closed && r.client_closed {
            return r;
        }
        if !moved {
            let next = [s_deadline, c_deadline]
                .into_iter()
                .flatten()
                .filter(|&d| d >= now)
                .min();
            let Some(next) = next else {
                panic!("stuck with no deadline:\n{}", r.transcript());
            };
            now = next;
            if s_deadline == Some(now) {
                s_deadline = None;
                s.handle_input(now, Input::Timeout);
            }
            if c_deadline == Some(now) {
                c_deadline = None;
                c.handle_input(now, Input::Timeout);
            }
        }
    }
    panic!("did not converge:\n{}", r.transcript());
}
