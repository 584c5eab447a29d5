//! Arbitrary server bytes into a `ClientSession` running two transactions.
//!
//! Input layout: `[sep, cfg, stream...]`. `cfg` chooses the client's
//! configuration (TLS policy, pipelining, credentials) and the TLS
//! handshake's result. The stream is split at every `sep` byte into chunks
//! fed one `handle_input` each; an empty chunk (two separators in a row) is
//! a timeout instead. The connection closes at the end of the input.
//!
//! Properties: no panic; every `Transmit` is non-empty and ends with CRLF;
//! nothing comes out after `Close`; a `Timeout` is never in the past; the
//! session finishes once the peer has closed, and by then every recipient
//! of every transaction has exactly one outcome.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxlab_proto::client::{ClientConfig, ClientEvent, ClientSession, TlsPolicy, Transaction};
use mxlab_proto::path::{ForwardPath, PathOptions, ReversePath};
use mxlab_proto::sasl::Credentials;
use mxlab_proto::{Input, Instant, Output};

fn path(s: &str) -> ForwardPath {
    let opts = PathOptions {
        smtputf8: true,
        ..PathOptions::default()
    };
    ForwardPath::parse(s, opts).unwrap_or(ForwardPath::Postmaster)
}

fn transactions() -> Vec<Transaction> {
    let opts = PathOptions::default();
    let alice = ReversePath::parse("<alice@example.org>", opts).unwrap_or(ReversePath::Null);
    vec![
        Transaction::new(
            alice,
            vec![
                path("<bob@example.net>"),
                path("<carol@example.net>"),
                path("<Postmaster>"),
            ],
            b"Subject: one\r\n\r\nHello\r\n.leading dot\r\n".to_vec(),
        ),
        Transaction::new(
            ReversePath::Null,
            vec![path("<dave@example.net>"), path("<jösé@bücher.example>")],
            "Subject: two\r\n\r\nCaf\u{e9}, 8-bit body\r\n"
                .as_bytes()
                .to_vec(),
        ),
    ]
}

fn config(cfg: u8) -> ClientConfig {
    let bit = |n: u8| cfg & (1 << n) != 0;
    let mut c = ClientConfig::new("client.example.org");
    c.tls = match cfg % 3 {
        0 => TlsPolicy::Never,
        1 => TlsPolicy::Opportunistic,
        _ => TlsPolicy::Required,
    };
    c.pipelining = bit(2);
    c.auth_requires_tls = bit(3);
    if bit(4) {
        c.credentials = Some(Credentials {
            authzid: String::new(),
            username: "alice".into(),
            password: "secret".into(),
        });
    }
    c
}

#[derive(Default)]
struct Host {
    closed: bool,
    finished: bool,
    deadline: Option<Instant>,
    tls: Option<bool>,
    /// Recipients settled, per transaction id.
    settled: Vec<Vec<String>>,
}

impl Host {
    /// Reports the result of a requested TLS handshake, if one is due.
    fn finish_tls(&mut self, c: &mut ClientSession, now: Instant, tls_ok: bool) {
        if let Some(ok) = self.tls.take() {
            let input = if ok {
                Input::TlsEstablished
            } else {
                Input::TlsFailed
            };
            c.handle_input(now, input);
            self.drain(c, now, tls_ok);
        }
    }

    fn drain(&mut self, c: &mut ClientSession, now: Instant, tls_ok: bool) {
        while let Some(out) = c.poll_output() {
            assert!(!self.closed, "output after Close: {out:?}");
            match out {
                Output::Transmit(bytes) => {
                    assert!(
                        bytes.ends_with(b"\r\n"),
                        "{:?}",
                        String::from_utf8_lossy(&bytes)
                    );
                }
                Output::Event(ClientEvent::TransactionDone(t)) => {
                    assert!(!self.finished, "a transaction settled after Finished");
                    let Some(list) = self.settled.get_mut(t.id) else {
                        panic!("unknown transaction id {}", t.id);
                    };
                    list.extend(t.rcpts.iter().map(|o| o.rcpt.to_string()));
                }
                Output::Event(ClientEvent::Finished(_)) => {
                    assert!(!self.finished, "Finished twice");
                    self.finished = true;
                }
                Output::Event(_) => {}
                Output::StartTls => self.tls = Some(tls_ok),
                Output::Close => self.closed = true,
                Output::Timeout(at) => {
                    assert!(at >= now, "timeout {at:?} before now {now:?}");
                    self.deadline = Some(at);
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let [sep, cfg, stream @ ..] = data else {
        return;
    };
    let tls_ok = cfg & 0x80 == 0;
    let txs = transactions();
    let expected: Vec<Vec<String>> = txs
        .iter()
        .map(|t| {
            let mut v: Vec<String> = t.rcpts.iter().map(|(r, _)| r.to_string()).collect();
            v.sort();
            v
        })
        .collect();
    let mut now = Instant::ZERO;
    let mut c = ClientSession::new(config(*cfg), txs, now);
    let mut host = Host {
        settled: vec![Vec::new(); expected.len()],
        ..Host::default()
    };
    host.drain(&mut c, now, tls_ok);
    for chunk in stream.split(|b| b == sep) {
        now = now.saturating_add(core::time::Duration::from_secs(1));
        host.finish_tls(&mut c, now, tls_ok);
        if chunk.is_empty() {
            if let Some(at) = host.deadline {
                now = now.max(at);
            }
            c.handle_input(now, Input::Timeout);
        } else {
            c.handle_input(now, Input::Bytes(chunk));
        }
        host.drain(&mut c, now, tls_ok);
    }
    host.finish_tls(&mut c, now, tls_ok);
    c.handle_input(now, Input::PeerClosed);
    host.drain(&mut c, now, tls_ok);
    assert!(host.finished, "no Finished after the peer closed");
    for (id, (mut got, want)) in host.settled.into_iter().zip(expected).enumerate() {
        got.sort();
        assert_eq!(got, want, "transaction {id}: every recipient settled once");
    }
});
