//! Table-driven server tests: for each case a configuration, the client's
//! bytes, and the reply codes the server must send, in order. Every case
//! runs with each segment fed in one piece and fed one byte at a time; both
//! must give the same codes. Together the cases produce every reply code
//! the server can send (checked by `the_table_covers_every_reply_code`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use mxlab_proto::reply::{Reply, ReplyParser};
use mxlab_proto::server::{Decision, ServerConfig, ServerEvent, ServerSession};
use mxlab_proto::wire::BareLinePolicy;
use mxlab_proto::{Input, Instant, Output};

/// Every reply code the server can produce.
const ALL_CODES: [u16; 23] = [
    214, 220, 221, 235, 250, 252, 334, 354, 421, 452, 500, 501, 502, 503, 504, 530, 535, 538, 550,
    552, 553, 554, 555,
];

const EHLO: &str = "EHLO client.example\r\n";
/// PLAIN for alice / wonderland (the good password) and alice / rabbit.
const PLAIN_GOOD: &str = "AGFsaWNlAHdvbmRlcmxhbmQ=";
const PLAIN_BAD: &str = "AGFsaWNlAHJhYmJpdA==";

struct Case {
    name: &'static str,
    tweak: fn(&mut ServerConfig),
    /// Segments fed one after the other (a STARTTLS ends a segment: what
    /// follows it in the same segment is plaintext the server drops).
    input: Vec<Vec<u8>>,
    codes: &'static [u16],
}

fn case(
    name: &'static str,
    tweak: fn(&mut ServerConfig),
    input: &[&str],
    codes: &'static [u16],
) -> Case {
    Case {
        name,
        tweak,
        input: input.iter().map(|s| s.as_bytes().to_vec()).collect(),
        codes,
    }
}

fn raw(
    name: &'static str,
    tweak: fn(&mut ServerConfig),
    input: Vec<u8>,
    codes: &'static [u16],
) -> Case {
    Case {
        name,
        tweak,
        input: vec![input],
        codes,
    }
}

fn none(_: &mut ServerConfig) {}

/// `head`, then `+41` xtext (an `A` each) to fill up, then `tail` and CRLF:
/// a command line of exactly `octets` octets.
fn line_of(head: &[u8], tail: &[u8], octets: usize) -> Vec<u8> {
    let fill = octets - head.len() - tail.len() - 2;
    let mut line = head.to_vec();
    line.extend(b"+41".repeat(fill / 3));
    line.extend(vec![b'a'; fill % 3]);
    line.extend_from_slice(tail);
    line.extend_from_slice(b"\r\n");
    assert_eq!(line.len(), octets);
    line
}

fn auth_in_plaintext(c: &mut ServerConfig) {
    c.extensions.auth = true;
    c.auth_requires_tls = false;
}

fn cases() -> Vec<Case> {
    let ehlo = |rest: &str| format!("{EHLO}{rest}");
    let tx = "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n";
    vec![
        // Greeting, QUIT, the informational commands.
        case("quit", none, &["QUIT\r\n"], &[220, 221]),
        case("input after QUIT is ignored", none, &["QUIT\r\nNOOP\r\n"], &[220, 221]),
        case("refused greeting: 503 until QUIT", |c| c.refuse = true, &["EHLO a\r\nMAIL FROM:<>\r\nQUIT\r\n"], &[554, 503, 503, 221]),
        case("helo", none, &["HELO client.example\r\n"], &[220, 250]),
        case("ehlo", none, &[EHLO], &[220, 250]),
        case("ehlo refused by an RFC 821 server", |c| c.esmtp = false, &["EHLO a\r\nHELO a\r\n"], &[220, 500, 250]),
        case("noop vrfy help", none, &["NOOP\r\nVRFY bob\r\nHELP\r\nHELP MAIL\r\n"], &[220, 250, 252, 214, 214]),
        case("rset before helo", none, &["RSET\r\n"], &[220, 250]),
        // Transactions.
        case("one message", none, &[&ehlo(&format!("{tx}Subject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n"))], &[220, 250, 250, 250, 354, 250, 221]),
        case("null sender to postmaster", none, &[&ehlo("MAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\n")], &[220, 250, 250, 250]),
        case("two messages in one session", none, &[&ehlo(&format!("{tx}a\r\n.\r\n{tx}b\r\n.\r\n"))], &[220, 250, 250, 250, 354, 250, 250, 250, 354, 250]),
        case("rset clears the transaction", none, &[&ehlo("MAIL FROM:<a@example.org>\r\nRSET\r\nRCPT TO:<b@example.org>\r\n")], &[220, 250, 250, 250, 503]),
        case("helo resets the transaction", none, &[&ehlo("MAIL FROM:<a@example.org>\r\nHELO a\r\nRCPT TO:<b@example.org>\r\n")], &[220, 250, 250, 250, 503]),
        case("source route ignored", none, &[&ehlo("MAIL FROM:<@relay.example:a@example.org>\r\nRCPT TO:<@x.example,@y.example:b@example.org>\r\n")], &[220, 250, 250, 250]),
        case("address literal", none, &[&ehlo("MAIL FROM:<a@[192.0.2.1]>\r\nRCPT TO:<b@[IPv6:2001:db8::1]>\r\n")], &[220, 250, 250, 250]),
        case("utf-8 address with SMTPUTF8", none, &[&ehlo("MAIL FROM:<a@example.org> SMTPUTF8\r\nRCPT TO:<jösé@bücher.example>\r\n")], &[220, 250, 250, 250]),
        case("missing brackets allowed", |c| c.paths.allow_missing_brackets = true, &[&ehlo("MAIL FROM:a@example.org\r\n")], &[220, 250, 250]),
        case("unqualified sender allowed", |c| c.paths.allow_unqualified = true, &[&ehlo("MAIL FROM:<gilles>\r\n")], &[220, 250, 250]),
        // 500: unknown, garbage, too long, bare LF (strict).
        case("unknown command", none, &["XYZZY\r\n"], &[220, 500]),
        case("empty line", none, &["\r\n"], &[220, 500]),
        raw("not UTF-8", none, b"\xff\xfe\r\n".to_vec(), &[220, 500]),
        raw("control character", none, b"NOOP \x01\r\n".to_vec(), &[220, 500]),
        raw("command line of 512 octets", none, [b"NOOP ".to_vec(), vec![b'a'; 505], b"\r\n".to_vec()].concat(), &[220, 250]),
        raw("command line of 513 octets", none, [b"NOOP ".to_vec(), vec![b'a'; 506], b"\r\n".to_vec()].concat(), &[220, 500]),
        // Longer MAIL and RCPT lines by the extensions offered: SIZE +26,
        // DSN +100 (MAIL) and +500 (RCPT), AUTH +500 (MAIL).
        raw("MAIL FROM with AUTH= of 1138 octets (SIZE, DSN and AUTH offered)", auth_in_plaintext, [EHLO.as_bytes().to_vec(), line_of(b"MAIL FROM:<alice@example.org> AUTH=alice", b"@example.org", 1138)].concat(), &[220, 250, 250]),
        raw("MAIL FROM with AUTH= of 1139 octets", auth_in_plaintext, [EHLO.as_bytes().to_vec(), line_of(b"MAIL FROM:<alice@example.org> AUTH=alice", b"@example.org", 1139)].concat(), &[220, 250, 500]),
        raw("MAIL FROM of 639 octets without AUTH offered", none, [EHLO.as_bytes().to_vec(), line_of(b"MAIL FROM:<alice@example.org> ENVID=", b"", 639)].concat(), &[220, 250, 500]),
        raw("RCPT TO with ORCPT of 1012 octets (DSN offered)", none, [EHLO.as_bytes().to_vec(), b"MAIL FROM:<a@example.org>\r\n".to_vec(), line_of(b"RCPT TO:<bob@example.org> ORCPT=rfc822;bob", b"@example.org", 1012)].concat(), &[220, 250, 250, 250]),
        raw("RCPT TO of 1013 octets", none, [EHLO.as_bytes().to_vec(), b"MAIL FROM:<a@example.org>\r\n".to_vec(), line_of(b"RCPT TO:<bob@example.org> ORCPT=rfc822;bob", b"@example.org", 1013)].concat(), &[220, 250, 250, 500]),
        raw("HELO of 513 octets", none, [b"HELO ".to_vec(), vec![b'a'; 506], b"\r\n".to_vec()].concat(), &[220, 500]),
        raw("one long line, one reply", none, [vec![b'a'; 100_000], b"\r\nNOOP\r\n".to_vec()].concat(), &[220, 500, 250]),
        case("bare LF command, strict", none, &["NOOP\n"], &[220, 500]),
        case("bare CR in a command, strict", none, &["NOOP\ra\r\n"], &[220, 500]),
        case("bare LF command, lenient", |c| c.bare_line_policy = BareLinePolicy::Lenient, &["NOOP\nNOOP\r\n"], &[220, 250, 250]),
        case("bare LF command, preserve", |c| c.bare_line_policy = BareLinePolicy::Preserve, &["NOOP\n"], &[220, 250]),
        raw("text line of 1001 octets", none, [ehlo(tx).into_bytes(), vec![b'x'; 999], b"\r\n.\r\n".to_vec()].concat(), &[220, 250, 250, 250, 354, 500]),
        // 501: bad arguments.
        case("helo without a domain", none, &["HELO\r\nEHLO \r\n"], &[220, 501, 501]),
        case("mail without FROM:", none, &[&ehlo("MAIL <a@example.org>\r\n")], &[220, 250, 501]),
        case("sender without brackets", none, &[&ehlo("MAIL FROM:a@example.org\r\n")], &[220, 250, 501]),
        case("unqualified sender refused", none, &[&ehlo("MAIL FROM:<gilles>\r\n")], &[220, 250, 501]),
        case("bad recipient", none, &[&ehlo("MAIL FROM:<>\r\nRCPT TO:<>\r\nRCPT TO:<a..b@example.org>\r\nRCPT TO:<a@-x.example>\r\n")], &[220, 250, 250, 501, 501, 501]),
        case("bad SIZE value", none, &[&ehlo("MAIL FROM:<a@example.org> SIZE=lots\r\n")], &[220, 250, 501]),
        case("bad parameter syntax", none, &[&ehlo("MAIL FROM:<a@example.org>SIZE=1\r\nMAIL FROM:<a@example.org> =x\r\n")], &[220, 250, 501, 501]),
        case("arguments where none are allowed", none, &[&ehlo("DATA now\r\nRSET all\r\nQUIT now\r\n")], &[220, 250, 501, 501, 501]),
        case("VRFY and AUTH without arguments", auth_in_plaintext, &[&ehlo("VRFY\r\nAUTH\r\n")], &[220, 250, 501, 501]),
        raw("local part of 65 octets", none, format!("{EHLO}MAIL FROM:<{}@example.org>\r\n", "a".repeat(65)).into_bytes(), &[220, 250, 501]),
        raw("path of 257 octets", none, format!("{EHLO}MAIL FROM:<>\r\nRCPT TO:<{}@{}.{}.{}.org>\r\n", "r".repeat(64), "d".repeat(63), "d".repeat(63), "d".repeat(58)).into_bytes(), &[220, 250, 250, 501]),
        // 502: not implemented.
        case("EXPN", none, &["EXPN staff\r\n"], &[220, 502]),
        case("BDAT", none, &[&ehlo("BDAT 0 LAST\r\n")], &[220, 250, 502]),
        case("STARTTLS not offered", none, &[&ehlo("STARTTLS\r\n")], &[220, 250, 502]),
        case("AUTH not enabled", none, &[&ehlo(&format!("AUTH PLAIN {PLAIN_GOOD}\r\n"))], &[220, 250, 502]),
        // 503: out of sequence.
        case("mail before helo", none, &["MAIL FROM:<a@example.org>\r\n"], &[220, 503]),
        case("rcpt before mail", none, &[&ehlo("RCPT TO:<b@example.org>\r\n")], &[220, 250, 503]),
        case("data before mail, data before rcpt", none, &[&ehlo("DATA\r\nMAIL FROM:<a@example.org>\r\nDATA\r\n")], &[220, 250, 503, 250, 503]),
        case("nested mail", none, &[&ehlo("MAIL FROM:<a@example.org>\r\nMAIL FROM:<a@example.org>\r\n")], &[220, 250, 250, 503]),
        case("auth before ehlo, and after helo", auth_in_plaintext, &["AUTH PLAIN\r\nHELO a\r\nAUTH PLAIN\r\n"], &[220, 503, 250, 503]),
        case("auth during a transaction", auth_in_plaintext, &[&ehlo("MAIL FROM:<a@example.org>\r\nAUTH PLAIN\r\n")], &[220, 250, 250, 503]),
        case("auth twice", auth_in_plaintext, &[&ehlo(&format!("AUTH PLAIN {PLAIN_GOOD}\r\nAUTH PLAIN {PLAIN_GOOD}\r\n"))], &[220, 250, 235, 503]),
        case("starttls twice", |c| c.extensions.starttls = true, &[&ehlo("STARTTLS\r\n"), &ehlo("STARTTLS\r\n")], &[220, 250, 220, 250, 503]),
        case("after STARTTLS the EHLO is forgotten", |c| c.extensions.starttls = true, &[&ehlo("STARTTLS\r\n"), "MAIL FROM:<a@example.org>\r\n"], &[220, 250, 220, 503]),
        case("plaintext after STARTTLS is dropped", |c| c.extensions.starttls = true, &[&ehlo("STARTTLS\r\nMAIL FROM:<a@example.org>\r\n"), &ehlo("RCPT TO:<b@example.org>\r\n")], &[220, 250, 220, 250, 503]),
        // 504.
        case("unknown SASL mechanism", auth_in_plaintext, &[&ehlo("AUTH CRAM-MD5\r\nAUTH GSSAPI\r\n")], &[220, 250, 504, 504]),
        // AUTH: 235, 334, 535, 538, and 501 for cancel and bad base64.
        case("auth plain, initial response", auth_in_plaintext, &[&ehlo(&format!("AUTH PLAIN {PLAIN_GOOD}\r\n"))], &[220, 250, 235]),
        case("auth plain after a challenge", auth_in_plaintext, &[&ehlo(&format!("AUTH PLAIN\r\n{PLAIN_GOOD}\r\n"))], &[220, 250, 334, 235]),
        case("auth login", auth_in_plaintext, &[&ehlo("AUTH LOGIN\r\nYWxpY2U=\r\nd29uZGVybGFuZA==\r\n")], &[220, 250, 334, 334, 235]),
        case("auth login with the user name", auth_in_plaintext, &[&ehlo("AUTH LOGIN YWxpY2U=\r\nd29uZGVybGFuZA==\r\n")], &[220, 250, 334, 235]),
        case("auth bad password", auth_in_plaintext, &[&ehlo(&format!("AUTH PLAIN {PLAIN_BAD}\r\nAUTH PLAIN {PLAIN_GOOD}\r\n"))], &[220, 250, 535, 235]),
        case("auth cancelled", auth_in_plaintext, &[&ehlo("AUTH LOGIN\r\n*\r\nAUTH PLAIN\r\n*\r\n")], &[220, 250, 334, 501, 334, 501]),
        case("auth response not base64", auth_in_plaintext, &[&ehlo("AUTH PLAIN !!!!\r\nAUTH LOGIN\r\n%%%\r\n")], &[220, 250, 501, 334, 501]),
        case("auth needs TLS", |c| c.extensions.auth = true, &[&ehlo(&format!("AUTH PLAIN {PLAIN_GOOD}\r\n"))], &[220, 250, 538]),
        case("auth over TLS", |c| {
            c.extensions.auth = true;
            c.extensions.starttls = true;
        }, &[&ehlo("STARTTLS\r\n"), &ehlo(&format!("AUTH PLAIN {PLAIN_GOOD}\r\n"))], &[220, 250, 220, 250, 235]),
        case("plaintext auth forgotten after STARTTLS", |c| {
            auth_in_plaintext(c);
            c.extensions.starttls = true;
            c.require_auth = true;
        }, &[&ehlo(&format!("AUTH PLAIN {PLAIN_GOOD}\r\nSTARTTLS\r\n")), &ehlo("MAIL FROM:<a@example.org>\r\n")], &[220, 250, 235, 220, 250, 530]),
        raw(
            "an over-long AUTH response ends the exchange",
            auth_in_plaintext,
            [ehlo("AUTH PLAIN\r\n").into_bytes(), vec![b'A'; 20_000], b"\r\nNOOP\r\n".to_vec()].concat(),
            &[220, 250, 334, 500, 250],
        ),
        case(
            "a bare LF AUTH response ends the exchange",
            auth_in_plaintext,
            &[&ehlo("AUTH LOGIN\r\nYWxpY2U=\nNOOP\r\n")],
            &[220, 250, 334, 500, 250],
        ),
        // 530.
        case("TLS required", |c| {
            c.extensions.starttls = true;
            c.require_tls = true;
        }, &[&ehlo("MAIL FROM:<a@example.org>\r\nSTARTTLS\r\n"), &ehlo("MAIL FROM:<a@example.org>\r\n")], &[220, 250, 530, 220, 250, 250]),
        case("authentication required", |c| {
            auth_in_plaintext(c);
            c.require_auth = true;
        }, &[&ehlo(&format!("MAIL FROM:<a@example.org>\r\nAUTH PLAIN {PLAIN_GOOD}\r\nMAIL FROM:<a@example.org>\r\n"))], &[220, 250, 530, 235, 250]),
        // Policy refusals: 550, 554.
        case("sender refused", none, &[&ehlo("MAIL FROM:<spammer@example.net>\r\nRCPT TO:<b@example.org>\r\n")], &[220, 250, 550, 503]),
        case("recipient refused", none, &[&ehlo("MAIL FROM:<a@example.org>\r\nRCPT TO:<nobody@example.org>\r\nRCPT TO:<b@example.org>\r\n")], &[220, 250, 250, 550, 250]),
        case("no valid recipients", none, &[&ehlo("MAIL FROM:<a@example.org>\r\nRCPT TO:<nobody@example.org>\r\nDATA\r\n")], &[220, 250, 250, 550, 554]),
        case("message refused", none, &[&ehlo(&format!("{tx}SPAM\r\n.\r\n{tx}ham\r\n.\r\n"))], &[220, 250, 250, 250, 354, 554, 250, 250, 354, 250]),
        // Bare LF in data under each policy.
        case("bare LF in data, strict", none, &[&ehlo(&format!("{tx}a\nb\r\n.\r\n"))], &[220, 250, 250, 250, 354, 550]),
        case("bare LF in data, preserve", |c| c.bare_line_policy = BareLinePolicy::Preserve, &[&ehlo(&format!("{tx}a\n.\r\nb\r\n.\r\n"))], &[220, 250, 250, 250, 354, 250]),
        case("bare LF in data, lenient", |c| c.bare_line_policy = BareLinePolicy::Lenient, &[&ehlo(&format!("{tx}a\n.\r\n{tx}b\r\n.\r\n"))], &[220, 250, 250, 250, 354, 250, 250, 250, 354, 250]),
        // 552: SIZE.
        case("declared size too big", |c| c.extensions.size = Some(100), &[&ehlo("MAIL FROM:<a@example.org> SIZE=101\r\nMAIL FROM:<a@example.org> SIZE=100\r\n")], &[220, 250, 552, 250]),
        case("message too big", |c| c.extensions.size = Some(10), &[&ehlo(&format!("{tx}0123456789\r\n.\r\n{tx}01234567\r\n.\r\n"))], &[220, 250, 250, 250, 354, 552, 250, 250, 354, 250]),
        case("no size limit", |c| c.extensions.size = Some(0), &[&ehlo("MAIL FROM:<a@example.org> SIZE=99999999999\r\n")], &[220, 250, 250]),
        // 553: non-ASCII without SMTPUTF8.
        case("utf-8 recipient without SMTPUTF8", none, &[&ehlo("MAIL FROM:<a@example.org>\r\nRCPT TO:<jösé@example.org>\r\n")], &[220, 250, 250, 553]),
        case("utf-8 sender without SMTPUTF8", none, &[&ehlo("MAIL FROM:<jösé@example.org>\r\n")], &[220, 250, 553]),
        // 555: parameters.
        case("unknown MAIL parameter", none, &[&ehlo("MAIL FROM:<a@example.org> XFOO=1\r\n")], &[220, 250, 555]),
        case("unknown RCPT parameter", none, &[&ehlo("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org> XBAR\r\n")], &[220, 250, 250, 555]),
        case("parameters after HELO", none, &["HELO a\r\nMAIL FROM:<a@example.org> BODY=8BITMIME\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org> NOTIFY=NEVER\r\n"], &[220, 250, 555, 250, 555]),
        case("extension switched off", |c| {
            c.extensions.smtputf8 = false;
            c.extensions.dsn = false;
            c.extensions.eight_bit_mime = false;
        }, &[&ehlo("MAIL FROM:<a@example.org> SMTPUTF8\r\nMAIL FROM:<a@example.org> RET=FULL\r\nMAIL FROM:<a@example.org> BODY=8BITMIME\r\nMAIL FROM:<a@example.org> BODY=7BIT\r\nRCPT TO:<b@example.org> NOTIFY=NEVER\r\n")], &[220, 250, 555, 555, 555, 250, 555]),
        case("BINARYMIME", none, &[&ehlo("MAIL FROM:<a@example.org> BODY=BINARYMIME\r\n")], &[220, 250, 555]),
        // 452 and 421.
        case("too many recipients", |c| c.max_recipients = 2, &[&ehlo("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nRCPT TO:<d@example.org>\r\nDATA\r\n")], &[220, 250, 250, 250, 250, 452, 354]),
        case("too many errors", |c| c.max_errors = 3, &["FOO\r\nBAR\r\nBAZ\r\nNOOP\r\n"], &[220, 500, 500, 500, 421]),
        case("errors of every kind count", |c| c.max_errors = 4, &["MAIL FROM:<a@example.org>\r\nHELO\r\nEXPN x\r\nXYZZY\r\nNOOP\r\n"], &[220, 503, 501, 502, 500, 421]),
        case("policy refusals are not errors", |c| c.max_errors = 1, &[&ehlo("MAIL FROM:<spammer@example.net>\r\nNOOP\r\n")], &[220, 250, 550, 250]),
    ]
}

/// The host's policy for every case.
fn policy(e: &ServerEvent) -> Option<Decision> {
    let refuse = |code, enh, text: &str| Decision::Reject(Reply::enhanced(code, enh, text));
    Some(match e {
        ServerEvent::MailFrom { from, .. } if from.to_string() == "<spammer@example.net>" => {
            refuse(550, (5, 7, 1), "Sender refused")
        }
        ServerEvent::RcptTo { to, .. } if to.to_string() == "<nobody@example.org>" => {
            refuse(550, (5, 1, 1), "No such user")
        }
        ServerEvent::Message { content, .. } if content.starts_with(b"SPAM") => {
            refuse(554, (5, 7, 1), "Message refused")
        }
        ServerEvent::AuthRequest { credentials, .. } if credentials.password != "wonderland" => {
            refuse(535, (5, 7, 8), "Authentication credentials invalid")
        }
        ServerEvent::MailFrom { .. }
        | ServerEvent::RcptTo { .. }
        | ServerEvent::Message { .. }
        | ServerEvent::AuthRequest { .. } => Decision::Accept,
        _ => return None,
    })
}

/// What a run produced: the reply codes, and whether the server closed.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    codes: Vec<u16>,
    closed: bool,
}

fn run(config: &ServerConfig, input: &[Vec<u8>], one_byte: bool) -> Outcome {
    let now = Instant::ZERO;
    let mut s = ServerSession::new(config.clone(), now);
    let mut parser = ReplyParser::new();
    let mut out = Outcome {
        codes: Vec::new(),
        closed: false,
    };
    let mut tls = false;
    let mut drain = |s: &mut ServerSession, out: &mut Outcome, tls: &mut bool| {
        while let Some(o) = s.poll_output() {
            match o {
                Output::Transmit(bytes) => {
                    let mut replies = Vec::new();
                    parser.feed(&bytes, false, &mut replies);
                    assert!(
                        parser.is_idle(),
                        "a Transmit holds whole replies: {bytes:?}"
                    );
                    for r in replies {
                        out.codes.push(r.expect("a valid reply").code.get());
                    }
                }
                Output::Event(e) => {
                    if let Some(d) = policy(&e) {
                        s.decide(now, d);
                    }
                }
                Output::StartTls => *tls = true,
                Output::Close => out.closed = true,
                Output::Timeout(_) => {}
            }
        }
    };
    drain(&mut s, &mut out, &mut tls);
    for segment in input {
        let chunks: Vec<&[u8]> = if one_byte {
            segment.chunks(1).collect()
        } else {
            vec![segment]
        };
        for chunk in chunks {
            if tls || out.closed {
                break;
            }
            s.handle_input(now, Input::Bytes(chunk));
            drain(&mut s, &mut out, &mut tls);
        }
        if core::mem::take(&mut tls) {
            s.handle_input(now, Input::TlsEstablished);
            drain(&mut s, &mut out, &mut tls);
        }
    }
    out
}

#[test]
fn every_case_in_one_piece_and_one_byte_at_a_time() {
    let mut failures = Vec::new();
    let cases = cases();
    for case in &cases {
        let mut config = ServerConfig::new("mx.example.org");
        (case.tweak)(&mut config);
        let want = Outcome {
            codes: case.codes.to_vec(),
            closed: matches!(case.codes.last(), Some(221 | 421)),
        };
        for one_byte in [false, true] {
            let got = run(&config, &case.input, one_byte);
            if got != want {
                failures.push(format!(
                    "{} ({}):\n  want {:?}\n  got  {:?}",
                    case.name,
                    if one_byte {
                        "one byte at a time"
                    } else {
                        "in one piece"
                    },
                    want,
                    got
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} runs failed:\n{}",
        failures.len(),
        cases.len() * 2,
        failures.join("\n")
    );
}

#[test]
fn the_table_covers_every_reply_code() {
    let seen: BTreeSet<u16> = cases()
        .iter()
        .flat_map(|c| c.codes.iter().copied())
        .collect();
    let missing: Vec<u16> = ALL_CODES
        .iter()
        .copied()
        .filter(|c| !seen.contains(c))
        .collect();
    assert!(missing.is_empty(), "no case produces {missing:?}");
}

#[test]
fn case_names_are_unique() {
    let cases = cases();
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), cases.len());
}
