//! Arbitrary bytes from a server, fed to a `ReplyParser` in an arbitrary
//! chunking (the first byte seeds the chunk sizes): the chunking never
//! changes the result, stopping after each reply neither, and every reply
//! read formats (`to_bytes`) to bytes that parse back to the same reply
//! (when its lines fit the parser's line limit).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxlab_proto::limits;
use mxlab_proto::reply::{parse_reply, Reply, ReplyError, ReplyParser};

/// `ReplyParser::new`'s line limit (CR included, LF excluded).
const LINE_LIMIT: usize = limits::REPLY_LINE * 4;

fn feed_all(bytes: &[u8], mut chunk: impl FnMut() -> usize) -> Vec<Result<Reply, ReplyError>> {
    let mut p = ReplyParser::new();
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = chunk().clamp(1, rest.len());
        let (head, tail) = rest.split_at(n);
        assert_eq!(p.feed(head, false, &mut out), head.len());
        rest = tail;
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&seed, stream)) = data.split_first() else {
        return;
    };
    let whole = feed_all(stream, || usize::MAX);
    // A small xorshift generator seeded by the first byte picks chunk sizes
    // from 1 to 16 bytes; a zero seed means one byte at a time.
    let mut state = u32::from(seed);
    let chunked = feed_all(stream, || {
        if state == 0 {
            return 1;
        }
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state % 16) as usize + 1
    });
    assert_eq!(whole, chunked, "the chunking changed the replies");

    for reply in whole.iter().flatten() {
        let bytes = reply.to_bytes();
        // The parser's line limit bounds the memory raw input can take;
        // formatting may lengthen a line past it (an invalid byte read as
        // U+FFFD takes three, an enhanced code is repeated on every line),
        // and the limit then refuses it. Only replies that fit are compared.
        if bytes.split(|&b| b == b'\n').any(|l| l.len() > LINE_LIMIT) {
            continue;
        }
        assert_eq!(
            parse_reply(&bytes).as_ref(),
            Ok(reply),
            "{reply:?} formatted as {:?}",
            String::from_utf8_lossy(&bytes)
        );
    }

    // Stopping after each reply consumes the stream reply by reply.
    let mut p = ReplyParser::new();
    let mut rest = stream;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let before = out.len();
        let used = p.feed(rest, true, &mut out);
        assert!(used > 0 && used <= rest.len());
        // A stopping feed stops at the first result, reply or error.
        assert!(
            out.len() - before <= 1,
            "two results from one stopping feed"
        );
        assert!(used == rest.len() || out.len() == before + 1);
        rest = rest.get(used..).unwrap_or_default();
    }
    assert_eq!(out, whole, "stopping after each reply changed the replies");
});
