//! Arbitrary client bytes into a `ServerSession`.
//!
//! Input layout: `[sep, cfg1, cfg2, cfg3, stream...]`. The three `cfg`
//! bytes choose the server's configuration (extensions, requirements,
//! limits, bare-line policy, path leniency). The stream is split at every
//! `sep` byte into chunks fed one `handle_input` each; an empty chunk (two
//! separators in a row) is a timeout instead. The host's decisions (accept,
//! accept with a reply, reject, a wrong decision, or a late one) and the
//! TLS handshake's result are derived from the input too.
//!
//! Properties: no panic; every `Transmit` is one or more complete, valid
//! replies; nothing comes out after `Close`; a `Timeout` is never in the
//! past.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxlab_proto::path::PathOptions;
use mxlab_proto::reply::{Reply, ReplyParser};
use mxlab_proto::server::{Decision, ServerConfig, ServerEvent, ServerSession};
use mxlab_proto::wire::BareLinePolicy;
use mxlab_proto::{Input, Instant, Output};

fn config(c1: u8, c2: u8, c3: u8) -> ServerConfig {
    let bit = |b: u8, n: u8| b & (1 << n) != 0;
    let mut c = ServerConfig::new("mx.example.org");
    c.extensions.starttls = bit(c1, 0);
    c.extensions.auth = bit(c1, 1);
    c.auth_requires_tls = bit(c1, 2);
    c.require_auth = bit(c1, 3);
    c.require_tls = bit(c1, 4);
    c.refuse = bit(c1, 5);
    c.extensions.enhanced_status_codes = !bit(c1, 6);
    c.esmtp = !bit(c1, 7);
    c.bare_line_policy = match c2 % 3 {
        0 => BareLinePolicy::Strict,
        1 => BareLinePolicy::Preserve,
        _ => BareLinePolicy::Lenient,
    };
    c.extensions.size = match (c2 >> 2) % 4 {
        0 => None,
        1 => Some(0),
        2 => Some(64),
        _ => Some(10_240_000),
    };
    c.max_recipients = if bit(c2, 4) { 2 } else { 100 };
    c.max_errors = if bit(c2, 5) { 3 } else { 20 };
    c.paths = PathOptions {
        smtputf8: false,
        allow_unqualified: bit(c2, 6),
        allow_missing_brackets: bit(c2, 7),
    };
    c.extensions.pipelining = !bit(c3, 0);
    c.extensions.eight_bit_mime = !bit(c3, 1);
    c.extensions.dsn = !bit(c3, 2);
    c.extensions.smtputf8 = !bit(c3, 3);
    if bit(c3, 4) {
        c.greeting_reply = Some(if bit(c3, 5) {
            Reply::enhanced(421, (4, 3, 2), "mx.example.org closing")
        } else {
            Reply::new(554, "mx.example.org no service")
        });
    }
    if bit(c3, 6) {
        c.hello_reply = Some(if bit(c3, 7) {
            Reply::enhanced(421, (4, 7, 0), "go away")
        } else {
            Reply::enhanced(550, (5, 7, 1), "not you")
        });
    }
    c
}

struct Host<'a> {
    stream: &'a [u8],
    decisions: usize,
    /// A decision held back until the next chunk.
    late: bool,
    closed: bool,
    tls: Option<bool>,
    deadline: Option<Instant>,
}

impl Host<'_> {
    /// A byte of the input for the `n`th choice.
    fn choice(&self, n: usize) -> u8 {
        match self.stream.len() {
            0 => 0,
            len => self
                .stream
                .get(n.wrapping_mul(7919) % len)
                .copied()
                .unwrap_or(0),
        }
    }

    fn decision(&mut self) -> Option<Decision> {
        self.decisions += 1;
        Some(match self.choice(self.decisions) % 8 {
            0..=2 => Decision::Accept,
            3 => Decision::AcceptWith(Reply::enhanced(250, (2, 0, 0), "fine by me")),
            4 => Decision::Reject(Reply::enhanced(550, (5, 7, 1), "policy")),
            5 => Decision::Reject(Reply::enhanced(451, (4, 7, 1), "greylisted")),
            // A host bug: a 3xx is no answer to a question.
            6 => Decision::AcceptWith(Reply::new(354, "go on")),
            _ => return None,
        })
    }

    fn drain(&mut self, s: &mut ServerSession, now: Instant) {
        while let Some(out) = s.poll_output() {
            assert!(!self.closed, "output after Close: {out:?}");
            match out {
                Output::Transmit(bytes) => {
                    let mut p = ReplyParser::new();
                    let mut replies = Vec::new();
                    p.feed(&bytes, false, &mut replies);
                    let text = String::from_utf8_lossy(&bytes);
                    assert!(!replies.is_empty(), "not a reply: {text:?}");
                    assert!(p.is_idle(), "incomplete reply: {text:?}");
                    for r in replies {
                        assert!(r.is_ok(), "bad reply {r:?} in {text:?}");
                    }
                }
                Output::Event(
                    ServerEvent::AuthRequest { .. }
                    | ServerEvent::MailFrom { .. }
                    | ServerEvent::RcptTo { .. }
                    | ServerEvent::Message { .. },
                ) => match self.decision() {
                    Some(d) => s.decide(now, d),
                    None => self.late = true,
                },
                Output::Event(_) => {}
                Output::StartTls => {
                    self.tls = Some(!self.choice(self.decisions + 1000).is_multiple_of(4));
                }
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
    let [sep, c1, c2, c3, stream @ ..] = data else {
        return;
    };
    let mut now = Instant::ZERO;
    let mut s = ServerSession::new(config(*c1, *c2, *c3), now);
    let mut host = Host {
        stream,
        decisions: 0,
        late: false,
        closed: false,
        tls: None,
        deadline: None,
    };
    host.drain(&mut s, now);
    for chunk in stream.split(|b| b == sep) {
        now = now.saturating_add(core::time::Duration::from_secs(1));
        if std::mem::take(&mut host.late) {
            s.decide(now, Decision::Accept);
            host.drain(&mut s, now);
        }
        if let Some(ok) = host.tls.take() {
            s.handle_input(
                now,
                if ok {
                    Input::TlsEstablished
                } else {
                    Input::TlsFailed
                },
            );
            host.drain(&mut s, now);
        }
        if chunk.is_empty() {
            if let Some(at) = host.deadline {
                now = now.max(at);
            }
            s.handle_input(now, Input::Timeout);
        } else {
            s.handle_input(now, Input::Bytes(chunk));
        }
        host.drain(&mut s, now);
    }
    s.handle_input(now, Input::PeerClosed);
    host.drain(&mut s, now);
});
