//! Parsing and session benchmarks of the protocol core, group `proto`.
//!
//! - `reference/smtp-proto parse`: the `smtp-proto` crate's command parser
//!   over the lines of `tests/corpus/commands.txt` that both parsers accept
//!   (the reference `cargo xtask bench` computes ratios against);
//! - `smtp-proto parse + into_owned`: the same, keeping owned copies of
//!   what it read, as our commands do (for comparison, not a reference);
//! - `mxlab parse`: our `Command::parse` over the same lines;
//! - `reply parse`: `ReplyParser` over a stream of typical replies, a
//!   multi-line EHLO reply among them;
//! - `server transaction`: a whole server session (greeting, EHLO, MAIL,
//!   three RCPT, DATA with a 4 KB message, QUIT), the host accepting all.
//!
//! The design's budget (DESIGN.md §8): `mxlab parse` at least as fast as the
//! reference, same corpus, same run.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mxlab_proto::command::{Command, ParseOptions};
use mxlab_proto::reply::ReplyParser;
use mxlab_proto::server::{Decision, ServerConfig, ServerSession};
use mxlab_proto::{Input, Instant, Output};
use smtp_proto::Request;

#[path = "../tests/common/corpus.rs"]
mod corpus;

/// The corpus lines both parsers accept, without and with CRLF.
fn valid_lines() -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mut bare = Vec::new();
    let mut crlf = Vec::new();
    for entry in corpus::commands() {
        let mut line = entry.bytes.clone();
        line.extend_from_slice(b"\r\n");
        let ours = Command::parse(&entry.bytes, ParseOptions::default()).is_ok();
        let theirs = Request::parse(&mut line.iter()).is_ok();
        if ours && theirs {
            bare.push(entry.bytes);
            crlf.push(line);
        }
    }
    (bare, crlf)
}

const REPLIES: &[u8] = b"220 mx.example.org ESMTP MX Lab\r\n\
250-mx.example.org Hello client.example.org\r\n\
250-PIPELINING\r\n\
250-SIZE 10240000\r\n\
250-8BITMIME\r\n\
250-ENHANCEDSTATUSCODES\r\n\
250-DSN\r\n\
250-STARTTLS\r\n\
250-AUTH PLAIN LOGIN\r\n\
250-SMTPUTF8\r\n\
250 HELP\r\n\
250 2.1.0 Ok\r\n\
250 2.1.5 Ok\r\n\
550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown\r\n\
450-4.7.1 Greylisted, see\r\n\
450 4.7.1 https://example.org/greylisting\r\n\
354 End data with <CR><LF>.<CR><LF>\r\n\
250 2.0.0 Ok: queued as 4F2A91C0B3\r\n\
221 2.0.0 Bye\r\n";

/// A message of about 4 KB, already dot-stuffed, with its final dot.
fn message() -> Vec<u8> {
    let mut m = b"From: Alice <alice@example.org>\r\n\
To: Bob <bob@example.org>\r\n\
Subject: benchmark\r\n\
Message-ID: <bench@example.org>\r\n\
\r\n"
        .to_vec();
    while m.len() < 4096 {
        m.extend_from_slice(
            b"The quick brown fox jumps over the lazy dog, again and again, 0123456789.\r\n",
        );
    }
    m.extend_from_slice(b".\r\n");
    m
}

/// Runs one session to the end; returns how many bytes the server sent,
/// and keeps them in `transcript` if given.
fn server_session(steps: &[&[u8]], mut transcript: Option<&mut Vec<u8>>) -> usize {
    let now = Instant::ZERO;
    let mut s = ServerSession::new(ServerConfig::new("mx.example.org"), now);
    let mut sent = 0;
    let mut drain = |s: &mut ServerSession| loop {
        match s.poll_output() {
            None => break,
            Some(Output::Transmit(b)) => {
                sent += b.len();
                if let Some(t) = transcript.as_deref_mut() {
                    t.extend_from_slice(&b);
                }
            }
            Some(Output::Event(e)) => {
                black_box(&e);
                s.decide(now, Decision::Accept);
            }
            Some(_) => {}
        }
    };
    drain(&mut s);
    for step in steps {
        s.handle_input(now, Input::Bytes(step));
        drain(&mut s);
    }
    sent
}

fn bench(c: &mut Criterion) {
    let (bare, crlf) = valid_lines();
    let mut g = c.benchmark_group("proto");
    g.measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(30);

    g.throughput(Throughput::Elements(bare.len() as u64));
    g.bench_function("reference/smtp-proto parse", |b| {
        b.iter(|| {
            for line in &crlf {
                let _ = black_box(Request::parse(&mut black_box(line.as_slice()).iter()));
            }
        })
    });
    // Not a reference: smtp-proto borrows from the line (`Cow`), while our
    // commands own their strings. This row makes the same copies it would
    // take to keep its result, for a like-for-like comparison.
    g.bench_function("smtp-proto parse + into_owned", |b| {
        b.iter(|| {
            for line in &crlf {
                let _ = black_box(
                    Request::parse(&mut black_box(line.as_slice()).iter()).map(Request::into_owned),
                );
            }
        })
    });
    g.bench_function("mxlab parse", |b| {
        b.iter(|| {
            for line in &bare {
                let _ = black_box(Command::parse(
                    black_box(line.as_slice()),
                    ParseOptions::default(),
                ));
            }
        })
    });

    g.throughput(Throughput::Bytes(REPLIES.len() as u64));
    g.bench_function("reply parse", |b| {
        let mut out = Vec::with_capacity(16);
        b.iter(|| {
            let mut p = ReplyParser::new();
            out.clear();
            p.feed(black_box(REPLIES), false, &mut out);
            assert_eq!(out.len(), 9);
            black_box(&out);
        })
    });

    let msg = message();
    let steps: Vec<&[u8]> = vec![
        b"EHLO client.example.org\r\n",
        b"MAIL FROM:<alice@example.org> SIZE=4200\r\n",
        b"RCPT TO:<bob@example.org>\r\n",
        b"RCPT TO:<carol@example.org>\r\n",
        b"RCPT TO:<dave@example.org>\r\n",
        b"DATA\r\n",
        &msg,
        b"QUIT\r\n",
    ];
    let mut transcript = Vec::new();
    server_session(&steps, Some(&mut transcript));
    let transcript = String::from_utf8_lossy(&transcript);
    assert!(
        transcript.contains("250 2.0.0 Ok: queued")
            && transcript.ends_with("221 2.0.0 mx.example.org Bye\r\n"),
        "the benchmarked session must deliver and quit:\n{transcript}"
    );
    g.throughput(Throughput::Bytes(
        steps.iter().map(|s| s.len() as u64).sum(),
    ));
    g.bench_function("server transaction", |b| {
        b.iter(|| black_box(server_session(black_box(&steps), None)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
