//! Properties of the server session under random input: random command
//! streams (valid commands, printable junk, random bytes, bare LFs, long
//! lines, end-of-data look-alikes), random configurations and a random
//! accept/reject policy, fed in random chunkings.
//!
//! - it never panics;
//! - every `Transmit` is whole replies that `ReplyParser` reads without
//!   error, each line at most 512 octets (RFC 5321 §4.5.3.1.5);
//! - nothing follows `Close`, and a timeout or the peer going away ends
//!   the session;
//! - the chunking of the input does not change the output;
//! - input without a line ending is not buffered without bound.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use core::time::Duration;

use mxlab_proto::reply::{parse_reply, Reply, ReplyParser};
use mxlab_proto::server::{CloseReason, Decision, ServerConfig, ServerEvent, ServerSession};
use mxlab_proto::wire::BareLinePolicy;
use mxlab_proto::{limits, Input, Instant, Output};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

/// Lines a client might send, valid or not, in every state.
const COMMANDS: &[&str] = &[
    "EHLO client.example",
    "HELO client.example",
    "EHLO",
    "MAIL FROM:<alice@example.org>",
    "MAIL FROM:<>",
    "MAIL FROM:<alice@example.org> SIZE=50",
    "MAIL FROM:<a@example.org> SIZE=99999999999 BODY=8BITMIME SMTPUTF8",
    "MAIL FROM:<a@example.org> RET=HDRS ENVID=x+2By AUTH=<>",
    "MAIL FROM:<gilles>",
    "MAIL FROM:alice@example.org",
    "MAIL FROM:<jösé@example.org> SMTPUTF8",
    "RCPT TO:<bob@example.org>",
    "RCPT TO:<nobody@example.org>",
    "RCPT TO:<Postmaster>",
    "RCPT TO:<jösé@example.org>",
    "RCPT TO:<bob@example.org> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;bob@example.org",
    "RCPT TO:<x@example.org> XFOO",
    "DATA",
    "BDAT 10 LAST",
    "RSET",
    "NOOP",
    "QUIT",
    "VRFY bob",
    "EXPN list",
    "HELP",
    "STARTTLS",
    "AUTH PLAIN",
    "AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=",
    "AUTH PLAIN =",
    "AUTH LOGIN",
    "AUTH LOGIN YWxpY2U=",
    "AUTH CRAM-MD5",
    "YWxpY2U=",
    "d29uZGVybGFuZA==",
    "AGFsaWNlAHdvbmRlcmxhbmQ=",
    "*",
    ".",
    "..stuffed",
    "Subject: hi",
    "",
];

const STARTTLS: &[u8] = b"STARTTLS\r\n";

/// Lines of message content, including what the bare-line policies and the
/// line limit treat differently.
const BODY_LINES: &[&str] = &[
    "Subject: hi",
    "",
    "..a stuffed dot",
    ".unstuffed",
    "text",
    "bare\nLF",
    "bare\rCR",
    "MAIL FROM:<admin@bank.example>",
];

/// A whole transaction in one piece, so that random streams reach DATA and
/// the end of data often.
fn transaction() -> impl Strategy<Value = Vec<u8>> {
    (
        select(&["<alice@example.org>", "<>", "<alice@example.org> SIZE=120"][..]),
        vec(
            select(&["<bob@example.org>", "<nobody@example.org>", "<Postmaster>"][..]),
            1..4,
        ),
        vec(
            prop_oneof![
                8 => select(BODY_LINES).prop_map(str::to_string),
                1 => (995usize..1003).prop_map(|n| "x".repeat(n)),
            ],
            0..6,
        ),
        select(&[".\r\n", ".\r\n", ".\r\n", "\n.\r\n", "\r\n.\n", "\n.\n", ""][..]),
    )
        .prop_map(|(from, rcpts, body, end)| {
            let mut t = format!("MAIL FROM:{from}\r\n");
            for r in rcpts {
                t.push_str(&format!("RCPT TO:{r}\r\n"));
            }
            t.push_str("DATA\r\n");
            for line in body {
                t.push_str(&line);
                t.push_str("\r\n");
            }
            t.push_str(end);
            t.into_bytes()
        })
}

fn piece() -> impl Strategy<Value = Vec<u8>> {
    let with_crlf = |s: String| format!("{s}\r\n").into_bytes();
    prop_oneof![
        12 => select(COMMANDS).prop_map(move |s| with_crlf(s.to_string())),
        6 => transaction(),
        2 => "[ -~]{0,80}".prop_map(with_crlf),
        1 => vec(any::<u8>(), 0..64),
        1 => "[ -~]{0,20}".prop_map(|s| format!("{s}\n").into_bytes()),
        1 => (400usize..1300, b'a'..=b'z').prop_map(|(n, b)| {
            let mut v = vec![b; n];
            v.extend_from_slice(b"\r\n");
            v
        }),
        // A known verb with a long argument, around the 512-octet limit.
        1 => (
            select(&["EHLO ", "HELO ", "MAIL FROM:<", "RCPT TO:<", "VRFY ", "AUTH PLAIN ", "NOOP "][..]),
            480usize..530,
        )
            .prop_map(|(verb, n)| format!("{verb}{}>\r\n", "a".repeat(n - verb.len())).into_bytes()),
        1 => select(&["\r\n.\r\n", "\n.\r\n", "\r\n.\n", "\n.\n", "\r", "\n", ".\r\n"][..])
            .prop_map(|s| s.as_bytes().to_vec()),
    ]
}

fn config() -> impl Strategy<Value = ServerConfig> {
    (
        any::<[bool; 12]>(),
        select(
            &[
                BareLinePolicy::Strict,
                BareLinePolicy::Preserve,
                BareLinePolicy::Lenient,
            ][..],
        ),
        prop_oneof![Just(None), Just(Some(0u64)), (1u64..300).prop_map(Some)],
        1usize..4,
        prop_oneof![1 => 1u32..5, 3 => 20u32..60],
    )
        .prop_map(|(f, policy, size, max_recipients, max_errors)| {
            let mut c = ServerConfig::new("mx.example.org");
            c.refuse = f[0] && f[1] && f[2];
            c.extensions.starttls = f[3];
            c.extensions.auth = f[4];
            c.auth_requires_tls = f[5];
            c.require_auth = f[6] && f[7];
            c.require_tls = f[8] && f[7];
            c.extensions.enhanced_status_codes = f[9];
            c.extensions.pipelining = f[10];
            c.paths.allow_unqualified = f[11];
            c.paths.allow_missing_brackets = f[11];
            c.bare_line_policy = policy;
            c.extensions.size = size;
            c.max_recipients = max_recipients;
            c.max_errors = max_errors;
            c
        })
}

/// One random session.
#[derive(Clone, Debug)]
struct Scenario {
    config: ServerConfig,
    /// The client's bytes; a segment ends after each STARTTLS line (what a
    /// client sends after STARTTLS in plaintext is never fed on).
    segments: Vec<Vec<u8>>,
    /// The answer to the n-th question, cycled.
    decisions: Vec<u8>,
    /// Chunk sizes for the random chunking, cycled.
    chunks: Vec<usize>,
    /// End with a timeout (else with the peer closing).
    timeout_at_end: bool,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        config(),
        select(
            &[
                "",
                "EHLO client.example\r\n",
                "EHLO client.example\r\n",
                "HELO client.example\r\n",
            ][..],
        ),
        vec(piece(), 0..40),
        vec(prop_oneof![6 => 0u8..4, 1 => 4u8..8], 1..8),
        vec(
            prop_oneof![3 => 1usize..4, 2 => 4usize..64, 1 => 64usize..2048],
            1..12,
        ),
        any::<bool>(),
    )
        .prop_map(
            |(config, hello, pieces, decisions, chunks, timeout_at_end)| {
                let mut segments = vec![hello.as_bytes().to_vec()];
                for p in pieces {
                    let cut = p == STARTTLS;
                    segments.last_mut().unwrap().extend(p);
                    if cut {
                        segments.push(Vec::new());
                    }
                }
                Scenario {
                    config,
                    segments,
                    decisions,
                    chunks,
                    timeout_at_end,
                }
            },
        )
}

fn decision(kind: u8, event: &ServerEvent) -> Decision {
    let refusal = match event {
        ServerEvent::AuthRequest { .. } => Reply::enhanced(535, (5, 7, 8), "Bad credentials"),
        ServerEvent::RcptTo { .. } => Reply::enhanced(550, (5, 1, 1), "No such user"),
        _ => Reply::enhanced(554, (5, 7, 1), "Refused"),
    };
    match kind {
        0..=2 => Decision::Accept,
        3 => Decision::AcceptWith(Reply::enhanced(250, (2, 0, 0), "Fine by me")),
        4 => Decision::Reject(refusal),
        5 => Decision::Reject(Reply::enhanced(451, (4, 7, 1), "Try again later")),
        6 => Decision::Reject(Reply::enhanced(421, (4, 7, 0), "Going away")),
        // A confused host: a positive "rejection", a negative "acceptance".
        _ => {
            if matches!(event, ServerEvent::Message { .. }) {
                Decision::AcceptWith(Reply::new(550, "Refused"))
            } else {
                Decision::Reject(Reply::new(250, "Ok?"))
            }
        }
    }
}

#[derive(Copy, Clone, Debug)]
enum Chunking<'a> {
    Whole,
    Sizes(&'a [usize]),
    OneByte,
}

/// A session being driven, with what the driver knows about it.
struct Driver<'a> {
    sc: &'a Scenario,
    s: ServerSession,
    now: Instant,
    outputs: Vec<Output<ServerEvent>>,
    closed: bool,
    tls: bool,
    questions: usize,
    deadline: Option<Instant>,
}

impl Driver<'_> {
    fn input(&mut self, input: Input<'_>) -> Result<(), TestCaseError> {
        self.s.handle_input(self.now, input);
        self.drain()
    }

    /// Drains the outputs, answering questions and checking each output.
    fn drain(&mut self) -> Result<(), TestCaseError> {
        while let Some(out) = self.s.poll_output() {
            prop_assert!(!self.closed, "output after Close: {:?}", out);
            match &out {
                Output::Transmit(bytes) => check_replies(bytes)?,
                Output::Event(e) => {
                    let asks = matches!(
                        e,
                        ServerEvent::AuthRequest { .. }
                            | ServerEvent::MailFrom { .. }
                            | ServerEvent::RcptTo { .. }
                            | ServerEvent::Message { .. }
                    );
                    if asks {
                        let kind = self.sc.decisions[self.questions % self.sc.decisions.len()];
                        self.questions += 1;
                        self.s.decide(self.now, decision(kind, e));
                    }
                }
                Output::StartTls => self.tls = true,
                Output::Close => self.closed = true,
                Output::Timeout(at) => {
                    prop_assert!(*at > self.now, "a deadline in the past");
                    self.deadline = Some(*at);
                }
            }
            if !matches!(out, Output::Timeout(_)) {
                self.outputs.push(out);
            }
        }
        Ok(())
    }
}

/// Runs a scenario, checking the per-output properties on the way. Returns
/// every output but `Timeout`.
fn run(sc: &Scenario, chunking: Chunking<'_>) -> Result<Vec<Output<ServerEvent>>, TestCaseError> {
    let now = Instant::ZERO;
    let mut d = Driver {
        sc,
        s: ServerSession::new(sc.config.clone(), now),
        now,
        outputs: Vec::new(),
        closed: false,
        tls: false,
        questions: 0,
        deadline: None,
    };
    d.drain()?;
    let mut sizes = match chunking {
        Chunking::Sizes(sizes) => sizes.iter().copied().cycle(),
        _ => [1].iter().copied().cycle(),
    };
    for segment in &sc.segments {
        let mut rest = &segment[..];
        while !rest.is_empty() && !d.tls && !d.closed {
            let n = match chunking {
                Chunking::Whole => rest.len(),
                Chunking::OneByte => 1,
                Chunking::Sizes(_) => sizes.next().unwrap_or(1).min(rest.len()),
            };
            let (chunk, tail) = rest.split_at(n);
            rest = tail;
            d.input(Input::Bytes(chunk))?;
        }
        if core::mem::take(&mut d.tls) {
            d.input(Input::TlsEstablished)?;
        }
    }
    let was_closed = d.closed;
    let before = d.outputs.len();
    if sc.timeout_at_end {
        d.now = d.now.saturating_add(sc.config.timeout);
        prop_assert!(
            was_closed || d.deadline.is_some(),
            "an open session has a deadline"
        );
        if let Some(at) = d.deadline {
            prop_assert!(
                at <= d.now,
                "the deadline is the timeout after the last input"
            );
        }
        d.input(Input::Timeout)?;
        prop_assert!(d.closed, "the timeout closes the session");
        if !was_closed {
            let after = &d.outputs[before..];
            prop_assert!(
                matches!(
                    after,
                    [
                        Output::Transmit(t),
                        Output::Event(ServerEvent::Closed(CloseReason::Timeout)),
                        Output::Close
                    ] if t.starts_with(b"421")
                ),
                "timeout: {:?}",
                after
            );
        }
    } else {
        d.input(Input::PeerClosed)?;
        let after = d.outputs[before..].to_vec();
        if was_closed {
            prop_assert!(after.is_empty());
        } else {
            prop_assert_eq!(
                after,
                vec![Output::Event(ServerEvent::Closed(CloseReason::PeerClosed))]
            );
        }
    }
    // A finished session ignores everything.
    d.s.handle_input(d.now, Input::Bytes(b"NOOP\r\n"));
    d.s.handle_input(d.now, Input::Timeout);
    prop_assert_eq!(d.s.poll_output(), None);
    prop_assert!(!d.s.wants_input());
    Ok(d.outputs)
}

/// A `Transmit` holds whole, well-formed replies with lines of at most 512
/// octets.
fn check_replies(bytes: &[u8]) -> Result<(), TestCaseError> {
    prop_assert!(
        bytes.ends_with(b"\r\n"),
        "a reply ends with CRLF: {:?}",
        bytes
    );
    let mut parser = ReplyParser::new();
    let mut replies = Vec::new();
    prop_assert_eq!(parser.feed(bytes, false, &mut replies), bytes.len());
    prop_assert!(
        parser.is_idle(),
        "a partial reply: {:?}",
        String::from_utf8_lossy(bytes)
    );
    prop_assert!(!replies.is_empty());
    for r in &replies {
        prop_assert!(r.is_ok(), "{:?} in {:?}", r, String::from_utf8_lossy(bytes));
    }
    prop_assert!(parse_reply(bytes).is_ok());
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        prop_assert!(
            line.len() <= limits::REPLY_LINE,
            "a reply line of {} octets (RFC 5321 §4.5.3.1.5: 512)",
            line.len()
        );
        prop_assert!(line.ends_with(b"\r\n"));
        prop_assert!(!line[..line.len() - 2].contains(&b'\r'));
    }
    Ok(())
}

proptest! {
    // Shrunk failures become `regression_*` tests below, not a file.
    #![proptest_config(ProptestConfig {
        cases: 1024,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_sessions_keep_the_invariants(sc in scenario()) {
        let whole = run(&sc, Chunking::Whole)?;
        let sized = run(&sc, Chunking::Sizes(&sc.chunks))?;
        prop_assert_eq!(&whole, &sized, "random chunking {:?} changed the output", sc.chunks);
        let total: usize = sc.segments.iter().map(Vec::len).sum();
        if total <= 4096 {
            let bytewise = run(&sc, Chunking::OneByte)?;
            prop_assert_eq!(&whole, &bytewise, "one byte at a time changed the output");
        }
    }
}

/// A megabyte with no line ending, in one call and then in pieces, in each
/// reading mode: fast (no quadratic work) and with bounded memory (the
/// session's `Debug` form, which shows its buffers, stays small).
#[test]
fn a_megabyte_without_a_newline_is_not_buffered() {
    let prefixes: [(&str, &[u8]); 3] = [
        ("command", b"EHLO client.example\r\n"),
        (
            "data",
            b"EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n",
        ),
        ("auth", b"EHLO client.example\r\nAUTH PLAIN\r\n"),
    ];
    let megabyte = vec![b'x'; 1 << 20];
    let piece = vec![b'y'; 64 << 10];
    for (mode, prefix) in prefixes {
        let mut config = ServerConfig::new("mx.example.org");
        config.extensions.auth = true;
        config.auth_requires_tls = false;
        config.extensions.size = None;
        let now = Instant::ZERO;
        let mut s = ServerSession::new(config, now);
        let mut codes = Vec::new();
        let drain = |s: &mut ServerSession, codes: &mut Vec<u16>| {
            while let Some(out) = s.poll_output() {
                match out {
                    Output::Transmit(b) => codes.push(parse_reply(&b).unwrap().code.get()),
                    Output::Event(ServerEvent::MailFrom { .. } | ServerEvent::RcptTo { .. }) => {
                        s.decide(now, Decision::Accept)
                    }
                    _ => {}
                }
            }
        };
        s.handle_input(now, Input::Bytes(prefix));
        drain(&mut s, &mut codes);
        let before = format!("{s:?}").len();
        let start = std::time::Instant::now();
        s.handle_input(now, Input::Bytes(&megabyte));
        drain(&mut s, &mut codes);
        for _ in 0..16 {
            s.handle_input(now, Input::Bytes(&piece));
            drain(&mut s, &mut codes);
        }
        let elapsed = start.elapsed();
        let after = format!("{s:?}").len();
        assert!(
            elapsed < Duration::from_secs(20),
            "{mode}: 2 MB took {elapsed:?}"
        );
        // The longest line kept is the AUTH response limit (12288 octets),
        // about five characters each in the Debug form.
        assert!(
            after < before + 80_000,
            "{mode}: the session grew from {before} to {after} Debug characters"
        );
        assert!(s.wants_input(), "{mode}");
        let replies = codes.len();
        // The line finally ends: one reply for it, and the session goes on.
        s.handle_input(now, Input::Bytes(b"\r\n"));
        drain(&mut s, &mut codes);
        if mode == "data" {
            assert_eq!(codes.len(), replies, "still in the data");
            s.handle_input(now, Input::Bytes(b".\r\n"));
            drain(&mut s, &mut codes);
        }
        s.handle_input(now, Input::Bytes(b"NOOP\r\n"));
        drain(&mut s, &mut codes);
        let tail = &codes[replies..];
        assert_eq!(tail, [500, 250], "{mode}: {codes:?}");
    }
}

/// Found by `random_sessions_keep_the_invariants`: EHLO with a name as long
/// as a command line allows made a 513-octet reply line.
#[test]
fn regression_ehlo_name_too_long_to_echo() {
    let mut config = ServerConfig::new("mx.example.org");
    config.extensions.enhanced_status_codes = false;
    let name = "a".repeat(491);
    let sc = Scenario {
        config,
        segments: vec![format!("EHLO {name}>\r\n").into_bytes()],
        decisions: vec![0],
        chunks: vec![1],
        timeout_at_end: false,
    };
    let outputs = run(&sc, Chunking::Whole).unwrap();
    let ehlo = outputs.iter().find_map(|o| match o {
        Output::Transmit(t) if t.starts_with(b"250") => Some(t),
        _ => None,
    });
    assert!(ehlo.unwrap().starts_with(b"250-mx.example.org\r\n"));
}
