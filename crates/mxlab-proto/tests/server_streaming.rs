//! A server host that writes a long message out as it arrives
//! (`ServerSession::take_data`), and the idle timer that only a whole line
//! restarts (RFC 5321 §4.5.3.2.7: a slowloris peer trickling bytes is
//! timed out like a silent one).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use mxlab_proto::server::{CloseReason, Decision, ServerConfig, ServerEvent, ServerSession};
use mxlab_proto::{Input, Instant, Output};

/// A session and what it said, driven by hand.
struct Host {
    s: ServerSession,
    sent: String,
    deadline: Option<Instant>,
    /// Message data handed out by `take_data`, then the event's content.
    streamed: Vec<u8>,
    messages: Vec<Vec<u8>>,
    closed: Option<CloseReason>,
}

impl Host {
    fn new(config: ServerConfig) -> Host {
        let mut h = Host {
            s: ServerSession::new(config, Instant::ZERO),
            sent: String::new(),
            deadline: None,
            streamed: Vec::new(),
            messages: Vec::new(),
            closed: None,
        };
        h.drain(Instant::ZERO, true);
        h
    }

    fn drain(&mut self, now: Instant, stream: bool) {
        if stream {
            self.s.take_data(&mut self.streamed);
        }
        while let Some(out) = self.s.poll_output() {
            match out {
                Output::Transmit(b) => self.sent.push_str(&String::from_utf8_lossy(&b)),
                Output::Timeout(at) => self.deadline = Some(at),
                Output::Event(ServerEvent::Message { content, .. }) => {
                    let mut whole = std::mem::take(&mut self.streamed);
                    whole.extend_from_slice(&content);
                    self.messages.push(whole);
                    self.s.decide(now, Decision::Accept);
                    if stream {
                        self.s.take_data(&mut self.streamed);
                    }
                }
                Output::Event(ServerEvent::MailFrom { .. } | ServerEvent::RcptTo { .. }) => {
                    self.s.decide(now, Decision::Accept);
                    if stream {
                        self.s.take_data(&mut self.streamed);
                    }
                }
                Output::Event(ServerEvent::Closed(r)) => self.closed = Some(r),
                _ => {}
            }
        }
    }

    fn feed(&mut self, now: Instant, bytes: &[u8], stream: bool) {
        self.s.handle_input(now, Input::Bytes(bytes));
        self.drain(now, stream);
    }
}

fn at(secs: u64) -> Instant {
    Instant::from_micros(secs * 1_000_000)
}

const TRANSACTION: &[u8] =
    b"EHLO c.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n";

#[test]
fn data_taken_as_it_arrives_is_the_message_the_event_would_carry() {
    let mut body = Vec::new();
    for i in 0..2000 {
        body.extend_from_slice(format!("line {i} ..with a dot\r\n").as_bytes());
        if i % 7 == 0 {
            body.extend_from_slice(b"..stuffed\r\n");
        }
    }
    let mut wire = TRANSACTION.to_vec();
    wire.extend_from_slice(&body);
    wire.extend_from_slice(b".\r\nQUIT\r\n");

    let mut whole = Host::new(ServerConfig::new("mx.example.org"));
    whole.feed(at(1), &wire, false);
    assert_eq!(whole.messages.len(), 1, "{}", whole.sent);

    for chunk in [1, 7, 100, 4096] {
        let mut streaming = Host::new(ServerConfig::new("mx.example.org"));
        let mut largest = 0;
        for piece in wire.chunks(chunk) {
            streaming.feed(at(1), piece, true);
            largest = largest.max(streaming.streamed.len());
            // What the host holds is what it has not written yet: at
            // most one piece and one line, never the message.
            streaming.streamed.clear();
        }
        assert_eq!(streaming.sent, whole.sent, "chunks of {chunk}");
        assert!(largest <= chunk + 1000, "chunks of {chunk}: held {largest}");
    }

    // Kept rather than cleared, the pieces are the message, byte for byte.
    let mut kept = Host::new(ServerConfig::new("mx.example.org"));
    for piece in wire.chunks(333) {
        kept.feed(at(1), piece, true);
    }
    assert_eq!(kept.messages, whole.messages);
    assert!(kept.sent.ends_with(" Bye\r\n"), "{}", kept.sent);
}

#[test]
fn nothing_is_handed_out_past_the_size_limit() {
    let mut config = ServerConfig::new("mx.example.org");
    config.extensions.size = Some(1000);
    let mut h = Host::new(config);
    h.feed(at(1), TRANSACTION, true);
    let line = [b'x'; 98]
        .iter()
        .chain(b"\r\n")
        .copied()
        .collect::<Vec<u8>>();
    let mut handed = 0;
    for _ in 0..50 {
        h.feed(at(1), &line, true);
        handed += h.streamed.len();
        h.streamed.clear();
    }
    assert!(handed <= 1000, "{handed} octets handed out");
    h.feed(at(1), b".\r\n", true);
    assert!(h.sent.ends_with("552 5.3.4 Error: message too large\r\n"));
    assert!(h.messages.is_empty());
}

#[test]
fn a_peer_trickling_bytes_of_a_line_is_timed_out() {
    let mut config = ServerConfig::new("mx.example.org");
    config.timeout = Duration::from_secs(300);
    let mut h = Host::new(config);
    assert_eq!(h.deadline, Some(at(300)));
    // One byte every 10 s, never a whole line: the deadline stays.
    for (i, b) in b"EHLO slow.example".iter().enumerate() {
        let now = at(10 * (i as u64 + 1));
        h.feed(now, std::slice::from_ref(b), true);
        assert_eq!(h.deadline, Some(at(300)), "after byte {i}");
    }
    h.s.handle_input(at(300), Input::Timeout);
    h.drain(at(300), true);
    assert!(h
        .sent
        .ends_with("421 4.4.2 mx.example.org Error: timeout exceeded\r\n"));
    assert_eq!(h.closed, Some(CloseReason::Timeout));
}

#[test]
fn a_whole_line_restarts_the_idle_timer() {
    let mut h = Host::new(ServerConfig::new("mx.example.org"));
    h.feed(at(100), b"NOOP\r\n", true);
    assert_eq!(h.deadline, Some(at(400)));
    // In DATA, each whole line of the message counts too.
    h.feed(at(150), TRANSACTION, true);
    assert_eq!(h.deadline, Some(at(450)));
    h.feed(at(200), b"Subject: slow", true);
    assert_eq!(h.deadline, Some(at(450)));
    h.feed(at(250), b"\r\n", true);
    assert_eq!(h.deadline, Some(at(550)));
    // A timeout fed before its time changes nothing.
    h.s.handle_input(at(260), Input::Timeout);
    h.drain(at(260), true);
    assert_eq!(h.closed, None);
    assert_eq!(h.deadline, Some(at(550)));
}
