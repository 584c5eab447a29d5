//! Tests of command parsing and formatting: every command round-trips
//! through its line, and every malformed line gets the right reply.

use super::*;
use crate::path::Mailbox;

fn parse(s: &str) -> Result<Command, CommandError> {
    Command::parse(s.as_bytes(), ParseOptions::default())
}

fn mbox(s: &str) -> Mailbox {
    Mailbox::parse(s, PathOptions::default()).unwrap()
}

#[test]
fn parses_and_round_trips() {
    let cases: Vec<(&str, Command, &str)> = vec![
        (
            "HELO localhost",
            Command::Helo("localhost".into()),
            "HELO localhost",
        ),
        (
            "ehlo [127.0.0.1]",
            Command::Ehlo("[127.0.0.1]".into()),
            "EHLO [127.0.0.1]",
        ),
        (
            "MAIL FROM:<a@example.org>",
            Command::Mail {
                from: ReversePath::Mailbox(mbox("a@example.org")),
                params: MailParams::default(),
            },
            "MAIL FROM:<a@example.org>",
        ),
        (
            "mail from: <> SIZE=1000 BODY=8bitmime RET=HDRS ENVID=QQ+2B1",
            Command::Mail {
                from: ReversePath::Null,
                params: MailParams {
                    size: Some(1000),
                    body: Some(Body::EightBitMime),
                    ret: Some(Ret::Hdrs),
                    envid: Some("QQ+1".into()),
                    ..MailParams::default()
                },
            },
            "MAIL FROM:<> SIZE=1000 BODY=8BITMIME RET=HDRS ENVID=QQ+2B1",
        ),
        (
            "MAIL FROM:<jösé@bücher.example> SMTPUTF8",
            Command::Mail {
                from: ReversePath::Mailbox(
                    Mailbox::parse(
                        "jösé@bücher.example",
                        PathOptions {
                            smtputf8: true,
                            ..PathOptions::default()
                        },
                    )
                    .unwrap(),
                ),
                params: MailParams {
                    smtputf8: true,
                    ..MailParams::default()
                },
            },
            "MAIL FROM:<jösé@bücher.example> SMTPUTF8",
        ),
        (
            "RCPT TO:<b@example.org> NOTIFY=FAILURE,DELAY ORCPT=rfc822;b+2Bx@example.org",
            Command::Rcpt {
                to: ForwardPath::Mailbox(mbox("b@example.org")),
                params: RcptParams {
                    notify: Some(Notify {
                        success: false,
                        failure: true,
                        delay: true,
                    }),
                    orcpt: Some(("rfc822".into(), "b+x@example.org".into())),
                    unknown: vec![],
                },
            },
            "RCPT TO:<b@example.org> NOTIFY=FAILURE,DELAY ORCPT=rfc822;b+2Bx@example.org",
        ),
        (
            "RCPT TO:<Postmaster>",
            Command::Rcpt {
                to: ForwardPath::Postmaster,
                params: RcptParams::default(),
            },
            "RCPT TO:<Postmaster>",
        ),
        (
            "RCPT TO:<\"a > b\"@example.org> XFOO=1",
            Command::Rcpt {
                to: ForwardPath::Mailbox(mbox("\"a > b\"@example.org")),
                params: RcptParams {
                    unknown: vec![("XFOO".into(), Some("1".into()))],
                    ..RcptParams::default()
                },
            },
            "RCPT TO:<\"a > b\"@example.org> XFOO=1",
        ),
        ("DATA", Command::Data, "DATA"),
        ("rset", Command::Rset, "RSET"),
        ("NOOP", Command::Noop(None), "NOOP"),
        (
            "NOOP hello there",
            Command::Noop(Some("hello there".into())),
            "NOOP hello there",
        ),
        ("QUIT", Command::Quit, "QUIT"),
        ("VRFY gilles", Command::Vrfy("gilles".into()), "VRFY gilles"),
        ("EXPN staff", Command::Expn("staff".into()), "EXPN staff"),
        ("HELP", Command::Help(None), "HELP"),
        ("StartTLS", Command::StartTls, "STARTTLS"),
        (
            "AUTH plain AGFsaWNlAHNlY3JldA==",
            Command::Auth {
                mechanism: "PLAIN".into(),
                initial: Some("AGFsaWNlAHNlY3JldA==".into()),
            },
            "AUTH PLAIN AGFsaWNlAHNlY3JldA==",
        ),
        (
            "AUTH LOGIN =",
            Command::Auth {
                mechanism: "LOGIN".into(),
                initial: Some(CompactString::default()),
            },
            "AUTH LOGIN =",
        ),
        (
            "BDAT 100 LAST",
            Command::Bdat {
                size: 100,
                last: true,
            },
            "BDAT 100 LAST",
        ),
    ];
    for (line, want, shown) in cases {
        let got = parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(got, want, "{line}");
        assert_eq!(got.to_string(), shown);
        assert_eq!(
            parse(shown).unwrap(),
            want,
            "formatting round-trips for {line}"
        );
        assert_eq!(got.to_line(), format!("{shown}\r\n"));
    }
}

#[test]
fn errors_carry_the_right_reply() {
    let cases: &[(&str, u16, &str)] = &[
        ("", 500, "5.5.2"),
        ("FOO bar", 500, "5.5.1"),
        ("MAIL", 501, "5.5.4"),
        ("MAIL TO:<a@b.example>", 501, "5.5.4"),
        ("MAIL FROM:a@example.org", 501, "5.1.7"),
        ("MAIL FROM:<a@example.org>SIZE=1", 501, "5.5.4"),
        ("MAIL FROM:<a@example.org> SIZE=big", 501, "5.5.4"),
        ("MAIL FROM:<a@example.org> SIZE=1 SIZE=2", 501, "5.5.4"),
        ("MAIL FROM:<a@example.org> BODY=9BIT", 501, "5.5.4"),
        ("MAIL FROM:<a@example.org> ENVID=+zz", 501, "5.5.4"),
        ("MAIL FROM:<jösé@example.org>", 553, "5.6.7"),
        ("RCPT TO:<>", 501, "5.1.3"),
        ("RCPT TO:<gilles>", 501, "5.1.3"),
        ("RCPT TO:<b@example.org> NOTIFY=NEVER,SUCCESS", 501, "5.5.4"),
        ("RCPT TO:<b@example.org> ORCPT=nosemicolon", 501, "5.5.4"),
        ("DATA now", 501, "5.5.4"),
        ("QUIT please", 501, "5.5.4"),
        ("HELO", 501, "5.5.4"),
        ("EHLO ", 501, "5.5.4"),
        ("VRFY", 501, "5.5.4"),
        ("AUTH", 501, "5.5.4"),
        ("AUTH PLAIN a b", 501, "5.5.4"),
        ("BDAT x", 501, "5.5.4"),
        ("NOOP \u{1}", 500, "5.5.2"),
    ];
    for (line, code, enhanced) in cases {
        let err = parse(line).expect_err(line);
        let r = err.reply();
        assert_eq!(r.code.get(), *code, "{line}: {err:?}");
        assert_eq!(
            r.enhanced.map(|e| e.to_string()).as_deref(),
            Some(*enhanced),
            "{line}"
        );
    }
    assert_eq!(
        Command::parse(&[0xff, 0xfe], ParseOptions::default()),
        Err(CommandError::Garbage)
    );
}

#[test]
fn lenient_paths_by_option() {
    let opts = ParseOptions {
        path: PathOptions {
            allow_unqualified: true,
            ..PathOptions::default()
        },
    };
    let c = Command::parse(b"MAIL FROM:<gilles>", opts).unwrap();
    assert_eq!(c.to_string(), "MAIL FROM:<gilles>");
}
