//! Peers that misbehave, against `mxlab serve`: each gets the right reply,
//! the server keeps serving others, its memory stays bounded, and mail
//! already accepted stays.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::common::{crlf, mxlab, scratch, wait_for, Server};

/// Reads reply lines until a last line (`NNN ` or end of stream).
fn reply(r: &mut BufReader<TcpStream>) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return all;
        }
        all.push_str(&line);
        if line.as_bytes().get(3) == Some(&b' ') {
            return all;
        }
    }
}

/// Sends `bytes` and returns the next reply.
fn say(s: &mut TcpStream, r: &mut BufReader<TcpStream>, bytes: &[u8]) -> String {
    s.write_all(bytes).unwrap();
    reply(r)
}

fn open(server: &Server) -> (TcpStream, BufReader<TcpStream>) {
    let s = server.connect();
    let mut r = BufReader::new(s.try_clone().unwrap());
    assert!(reply(&mut r).starts_with("220 "));
    (s, r)
}

/// One good message through `mxlab deliver`: the server still serves.
fn good_delivery(server: &Server, dir: &std::path::Path, n: usize) {
    let file = dir.join(format!("good{n}.eml"));
    std::fs::write(&file, crlf(&["Subject: good", "", "still here"])).unwrap();
    let out = mxlab()
        .args(["deliver", "--to", &server.addr, "--from", "a@example.org"])
        .args(["--rcpt", "b@example.org", "--file"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn hostile_peers_are_answered_and_others_are_served() {
    let dir = scratch("hostile");
    let mut server = Server::start(
        &dir,
        &["--max-message-size", "1048576", "--timeout", "3", "--quiet"],
    );
    good_delivery(&server, &dir, 0);

    // An endless line: 500 5.5.2, and the session goes on.
    let (mut s, mut r) = open(&server);
    let long = vec![b'A'; 4 * 1024 * 1024];
    s.write_all(&long).unwrap();
    let answer = say(&mut s, &mut r, b"\r\n");
    assert!(answer.starts_with("500 5.5.2"), "{answer}");
    assert!(say(&mut s, &mut r, b"NOOP\r\n").starts_with("250"));

    // Bare LF and bare CR in commands: refused, RFC 5321 §2.3.8.
    assert!(say(&mut s, &mut r, b"EHLO x.example\n").starts_with("500 5.5.2"));
    assert!(say(&mut s, &mut r, b"NOOP\rNOOP\r\n").starts_with("500 5.5.2"));
    assert!(say(&mut s, &mut r, b"EHLO x.example\r\n").starts_with("250"));

    // Bare LF in message data: the message is refused, not mangled.
    assert!(say(&mut s, &mut r, b"MAIL FROM:<a@example.org>\r\n").starts_with("250"));
    assert!(say(&mut s, &mut r, b"RCPT TO:<b@example.org>\r\n").starts_with("250"));
    assert!(say(&mut s, &mut r, b"DATA\r\n").starts_with("354"));
    let answer = say(&mut s, &mut r, b"Subject: x\r\n\r\nbare\nlf\r\n.\r\n");
    assert!(answer.starts_with("550 5.5.2"), "{answer}");

    // 100 MB of DATA past a 1 MB SIZE: 552 5.3.4 after the dot, and the
    // server does not keep it.
    assert!(say(&mut s, &mut r, b"MAIL FROM:<a@example.org>\r\n").starts_with("250"));
    assert!(say(&mut s, &mut r, b"RCPT TO:<b@example.org>\r\n").starts_with("250"));
    assert!(say(&mut s, &mut r, b"DATA\r\n").starts_with("354"));
    let chunk = "0123456789 The quick brown fox jumps over the lazy dog.\r\n".repeat(1024 * 16);
    let mut sent = 0;
    while sent < 100 * 1024 * 1024 {
        s.write_all(chunk.as_bytes()).unwrap();
        sent += chunk.len();
    }
    let answer = say(&mut s, &mut r, b".\r\n");
    assert!(answer.starts_with("552 5.3.4"), "{answer}");
    assert!(say(&mut s, &mut r, b"QUIT\r\n").starts_with("221"));

    // Binary garbage, a line at a time: each answered with 500, then 421
    // 4.7.0 and the end of the connection after too many errors.
    let (mut g, mut gr) = open(&server);
    let mut answers = Vec::new();
    for k in 0..40u32 {
        let line: Vec<u8> = (0..200u32)
            .map(|i| ((i + k * 200).wrapping_mul(2_654_435_761) >> 13) as u8)
            .filter(|b| *b != b'\r' && *b != b'\n')
            .chain(*b"\r\n")
            .collect();
        if g.write_all(&line).is_err() {
            break;
        }
        let answer = reply(&mut gr);
        if answer.is_empty() {
            break;
        }
        answers.push(answer);
    }
    assert!(answers.len() >= 2 && answers.len() < 40, "{answers:?}");
    let (last, errors) = answers.split_last().unwrap();
    assert!(errors.iter().all(|a| a.starts_with("500 ")), "{errors:?}");
    assert!(last.starts_with("421 4.7.0"), "{last}");
    good_delivery(&server, &dir, 1);

    // 500 idle connections, and a good client still gets through.
    let idle: Vec<TcpStream> = (0..500).map(|_| server.connect()).collect();
    good_delivery(&server, &dir, 2);

    // A client that pipelines and stops reading: the server's writes
    // block, it gives up after the timeout, and others are served.
    // Two million NOOPs ask for 28 MB of replies, more than any socket
    // buffers hold.
    let mut stuck = server.connect();
    let noops = b"NOOP\r\n".repeat(2_000_000);
    stuck
        .set_write_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stuck.write_all(&noops);
        stuck
    });
    good_delivery(&server, &dir, 3);
    let mut stuck = writer.join().unwrap();
    // The server gave up on it: the connection ends (reset or closed)
    // instead of hanging until the read timeout.
    stuck
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut sink = Vec::new();
    if let Err(e) = std::io::Read::read_to_end(&mut stuck, &mut sink) {
        assert!(
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "the stuck client was not dropped: {e}"
        );
    }

    // The idle ones hear 421 4.4.2 when the timeout strikes.
    let mut first = BufReader::new(idle.into_iter().next().unwrap());
    assert!(reply(&mut first).starts_with("220 "));
    let answer = reply(&mut first);
    assert!(answer.starts_with("421 4.4.2"), "{answer}");

    let peak = server.peak_rss_kib();
    eprintln!("hostile peers: peak resident memory of mxlab serve {peak} KiB");
    assert!(peak < 128 * 1024, "memory stayed bounded: {peak} KiB");

    // Nothing accepted was lost.
    wait_for(10, "four good messages", || server.messages().len() == 4);
    assert_eq!(server.accepted().len(), 4);
    assert!(server.terminate(), "clean exit on SIGTERM");
    assert_eq!(server.messages().len(), 4);
}

#[test]
fn shutdown_answers_open_sessions_with_421() {
    let dir = scratch("shutdown");
    let mut server = Server::start(&dir, &["--quiet", "--grace", "5"]);
    let (mut s, mut r) = open(&server);
    assert!(say(&mut s, &mut r, b"EHLO x.example\r\n").starts_with("250"));
    assert!(say(&mut s, &mut r, b"MAIL FROM:<a@example.org>\r\n").starts_with("250"));
    assert!(say(&mut s, &mut r, b"RCPT TO:<b@example.org>\r\n").starts_with("250"));
    assert!(say(&mut s, &mut r, b"DATA\r\n").starts_with("354"));
    s.write_all(b"Subject: kept\r\n\r\nkept\r\n.\r\n").unwrap();
    assert!(reply(&mut r).starts_with("250 2.0.0"));
    assert!(server.terminate(), "clean exit on SIGTERM");
    let answer = reply(&mut r);
    assert!(answer.starts_with("421 4.3.2"), "{answer}");
    assert_eq!(server.messages().len(), 1, "the accepted message stays");
}

#[test]
fn over_the_connection_limit_a_client_hears_421() {
    let dir = scratch("limit");
    let server = Server::start(&dir, &["--quiet", "--max-connections", "2"]);
    let first = open(&server);
    let _second = open(&server);
    let mut third = BufReader::new(server.connect());
    let answer = reply(&mut third);
    assert!(answer.starts_with("421 4.3.2"), "{answer}");
    drop(first);
    wait_for(10, "a free slot", || {
        let mut r = BufReader::new(server.connect());
        reply(&mut r).starts_with("220 ")
    });
}

/// One client's message of `size` octets: a subject naming the client,
/// then numbered lines of text (dot-stuffing none: no line starts with a
/// dot). The same client and size give the same bytes.
fn big_message(client: usize, size: usize) -> Vec<u8> {
    let mut m = format!("Subject: client {client}\r\n\r\n").into_bytes();
    let mut i = 0u64;
    while m.len() < size {
        let line = format!("{client:02} {i:09} The quick brown fox jumps over the lazy dog.\r\n");
        m.extend_from_slice(line.as_bytes());
        i += 1;
    }
    m.truncate(size - 2);
    while m.last() == Some(&b'\r') || m.last() == Some(&b'\n') {
        m.pop();
    }
    m.extend_from_slice(b"\r\n");
    m
}

#[test]
fn forty_clients_sending_34_mb_each_are_stored_intact_in_bounded_memory() {
    const CLIENTS: usize = 40;
    const SIZE: usize = 34_000_000;
    let dir = scratch("forty");
    let server = Server::start(&dir, &["--quiet", "--timeout", "120"]);
    let started = std::time::Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|k| {
            let s = server.connect();
            std::thread::spawn(move || {
                let mut s = s;
                let mut r = BufReader::new(s.try_clone().unwrap());
                assert!(reply(&mut r).starts_with("220 "));
                assert!(say(&mut s, &mut r, b"EHLO big.example\r\n").starts_with("250"));
                assert!(say(&mut s, &mut r, b"MAIL FROM:<a@example.org>\r\n").starts_with("250"));
                assert!(say(&mut s, &mut r, b"RCPT TO:<b@example.org>\r\n").starts_with("250"));
                assert!(say(&mut s, &mut r, b"DATA\r\n").starts_with("354"));
                let message = big_message(k, SIZE);
                for chunk in message.chunks(64 * 1024) {
                    s.write_all(chunk).unwrap();
                }
                drop(message);
                let answer = say(&mut s, &mut r, b".\r\n");
                assert!(answer.starts_with("250 2.0.0"), "client {k}: {answer}");
                assert!(say(&mut s, &mut r, b"QUIT\r\n").starts_with("221"));
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    let elapsed = started.elapsed();
    let peak = server.peak_rss_kib();
    eprintln!(
        "{CLIENTS} clients x {SIZE} octets: peak resident memory of mxlab serve {} MiB \
         ({peak} KiB), {:.1} s",
        peak / 1024,
        elapsed.as_secs_f64()
    );
    // The goal is under 200 MB; streamed to the store, the messages take
    // a few MiB, so a bound well below it catches a message held whole.
    assert!(
        peak < 64 * 1024,
        "peak resident memory {peak} KiB, over 64 MiB"
    );

    // Nothing lost: every message stored once, byte for byte (read one
    // at a time: together they are 1.36 GB).
    wait_for(10, "an accepted line per message", || {
        server.accepted().len() == CLIENTS
    });
    let stored: Vec<std::path::PathBuf> = std::fs::read_dir(server.maildir.join("new"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(stored.len(), CLIENTS);
    let mut seen = [false; CLIENTS];
    for path in &stored {
        let m = std::fs::read(path).unwrap();
        let sent = crate::common::sent_part(&m);
        let client: usize = std::str::from_utf8(&sent[b"Subject: client ".len()..][..2])
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(!seen[client], "client {client} stored twice");
        seen[client] = true;
        assert!(
            sent == big_message(client, SIZE),
            "client {client}: stored differently"
        );
    }
    let leftovers = std::fs::read_dir(server.maildir.join("tmp"))
        .unwrap()
        .count();
    assert_eq!(leftovers, 0, "spool files left in tmp/");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_peer_sending_a_line_a_byte_at_a_time_is_dropped_after_the_timeout() {
    let dir = scratch("slowloris");
    let server = Server::start(&dir, &["--quiet", "--timeout", "2"]);
    for before in [
        &b""[..],
        b"EHLO x.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n",
    ] {
        let (mut s, mut r) = open(&server);
        if !before.is_empty() {
            s.write_all(before).unwrap();
            for _ in 0..4 {
                assert!(!reply(&mut r).is_empty());
            }
        }
        let started = std::time::Instant::now();
        let mut trickle = s.try_clone().unwrap();
        let writer = std::thread::spawn(move || {
            // One byte every 300 ms, never a whole line, for up to 9 s.
            for b in b"Subject: a line that never ends".iter().cycle().take(30) {
                if trickle.write_all(std::slice::from_ref(b)).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(300));
            }
        });
        let answer = reply(&mut r);
        let waited = started.elapsed();
        assert!(answer.starts_with("421 4.4.2"), "{answer:?}");
        assert!(
            waited < Duration::from_millis(3500),
            "dropped after {waited:?}, not after the 2 s timeout"
        );
        // And the connection ends.
        let mut rest = String::new();
        assert_eq!(r.read_line(&mut rest).unwrap_or(0), 0, "{rest}");
        drop(s);
        writer.join().unwrap();
    }
    assert!(server.messages().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn connections_beyond_the_memory_budget_hear_421() {
    let dir = scratch("budget");
    // 512 KiB holds two connections at 256 KiB each.
    let server = Server::start(
        &dir,
        &[
            "--quiet",
            "--max-memory",
            "512KiB",
            "--max-message-size",
            "1MiB",
        ],
    );
    let (mut s, mut r) = open(&server);
    let ehlo = say(&mut s, &mut r, b"EHLO x.example\r\n");
    assert!(ehlo.contains("250-SIZE 1048576\r\n"), "{ehlo}");
    let _second = open(&server);
    let mut third = BufReader::new(server.connect());
    let answer = reply(&mut third);
    assert!(answer.starts_with("421 4.3.2"), "{answer}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_large_message_into_an_mbox_is_streamed_not_held() {
    const SIZE: usize = 34_000_000;
    let dir = scratch("mbox-large");
    let mbox = dir.join("mail.mbox");
    let mbox_arg = mbox.display().to_string();
    let server = Server::start_with_store(&dir, &["--mbox", &mbox_arg, "--quiet"]);
    let (mut s, mut r) = open(&server);
    assert!(say(&mut s, &mut r, b"EHLO big.example\r\n").starts_with("250"));
    assert!(say(&mut s, &mut r, b"MAIL FROM:<a@example.org>\r\n").starts_with("250"));
    assert!(say(&mut s, &mut r, b"RCPT TO:<b@example.org>\r\n").starts_with("250"));
    assert!(say(&mut s, &mut r, b"DATA\r\n").starts_with("354"));
    let message = big_message(7, SIZE);
    s.write_all(&message).unwrap();
    let answer = say(&mut s, &mut r, b".\r\n");
    assert!(answer.starts_with("250 2.0.0"), "{answer}");
    let peak = server.peak_rss_kib();
    assert!(peak < 64 * 1024, "peak resident memory {peak} KiB");
    // mboxrd: LF line ends, a From line on top, an empty line after.
    let stored = std::fs::read(&mbox).unwrap();
    let lf: Vec<u8> = message.iter().copied().filter(|&b| b != b'\r').collect();
    assert!(stored.starts_with(b"From a@example.org "));
    assert!(stored.ends_with(&[&lf[lf.len() - 200..], b"\n"].concat()));
    let body_at = stored
        .windows(b"Subject: client 7".len())
        .position(|w| w == b"Subject: client 7")
        .unwrap();
    assert_eq!(&stored[body_at..stored.len() - 1], &lf[..]);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("spool"))
        .collect();
    assert!(leftovers.is_empty(), "spool files left: {leftovers:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
