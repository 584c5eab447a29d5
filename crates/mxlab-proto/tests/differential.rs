//! Differential test: our command parser against the `smtp-proto` crate
//! (Stalwart's SMTP parser) on the shared corpus `tests/corpus/commands.txt`.
//!
//! Each line is parsed by both. The outcomes are compared as one of
//!
//! - **accept**, with the main fields: verb, argument (host, path, string,
//!   mechanism or chunk size) and parameters, normalised the same way on
//!   both sides;
//! - **unsupported**: well-formed, but with an ESMTP parameter the parser
//!   does not know (our `MailParams::unknown`/`RcptParams::unknown`, which
//!   the server answers with 555; smtp-proto's `UnsupportedParameter`);
//! - **reject**: any other error.
//!
//! Every disagreement must be listed in [`KNOWN_DIFFERENCES`] with the RFC
//! rule we follow; the test fails on a disagreement that is not listed, and
//! on a listed line that no longer disagrees (or is no longer in the corpus).

use std::borrow::Cow;

use mxlab_proto::command::{Body, Command, ParseOptions, Ret};
use mxlab_proto::path::{ForwardPath, Mailbox, ReversePath};
use smtp_proto::{Error as ProtoError, Request};

#[path = "common/corpus.rs"]
mod corpus;

/// The lines (as written in the corpus) on which MX Lab and smtp-proto
/// disagree, and why MX Lab does what it does.
const KNOWN_DIFFERENCES: &[(&str /* line */, &str /* which RFC rule we follow and why */)] = &[
    // HELO / EHLO
    (
        "HELO   spaced.example",
        "lenient, as word-splitting servers are: extra spaces before the domain are skipped (RFC 5321 §4.1.1.1 asks for one SP); smtp-proto reads an empty host",
    ),
    // MAIL FROM: the keyword
    (
        "MAIL FROM :<alice@example.org>",
        "RFC 5321 §4.1.1.2 `\"MAIL FROM:\" Reverse-path`: no space before the colon; smtp-proto skips it",
    ),
    (
        "MAIL  FROM:<alice@example.org>",
        "RFC 5321 §4.1.1.2: one SP between MAIL and FROM:; smtp-proto skips extra spaces",
    ),
    // Paths: address literals (smtp-proto has none)
    (
        "MAIL FROM:<user@[192.0.2.1]>",
        "RFC 5321 §4.1.2 Mailbox = Local-part \"@\" ( Domain / address-literal ), §4.1.3 IPv4 literal; smtp-proto refuses every address literal",
    ),
    (
        "MAIL FROM:<user@[IPv6:2001:db8::1]>",
        "RFC 5321 §4.1.3 IPv6-address-literal; smtp-proto refuses every address literal",
    ),
    (
        "MAIL FROM:<user@[x-tag:abc]>",
        "RFC 5321 §4.1.3 General-address-literal = Standardized-tag \":\" 1*dcontent; smtp-proto refuses every address literal",
    ),
    (
        "RCPT TO:<bob@[192.0.2.7]>",
        "RFC 5321 §4.1.3 IPv4 literal in a forward-path; smtp-proto refuses every address literal",
    ),
    (
        "RCPT TO:<bob@[IPv6:2001:db8::7]>",
        "RFC 5321 §4.1.3 IPv6 literal in a forward-path; smtp-proto refuses every address literal",
    ),
    // Paths: grammar smtp-proto does not check
    (
        "MAIL FROM:<user@>",
        "RFC 5321 §4.1.2: after \"@\" comes a Domain or an address-literal, never nothing (501 5.1.7)",
    ),
    (
        "MAIL FROM:<user.@example.org>",
        "RFC 5321 §4.1.2 Dot-string = Atom *(\".\" Atom): no trailing dot in a local part",
    ),
    (
        "MAIL FROM:<user@-bad.example>",
        "RFC 5321 §4.1.2 sub-domain = Let-dig [Ldh-str]: a label cannot start with a hyphen",
    ),
    (
        "MAIL FROM:<user@example.org.>",
        "RFC 5321 §4.1.2 Domain = sub-domain *(\".\" sub-domain): no trailing dot (no empty label)",
    ),
    (
        "MAIL FROM:<user@bad_domain.example>",
        "RFC 5321 §4.1.2 Ldh-str: letters, digits and hyphens only; `_` is not a hostname character",
    ),
    (
        "MAIL FROM:<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.org>",
        "RFC 5321 §4.5.3.1.1: a local part is at most 64 octets (501 5.1.3); smtp-proto only limits the whole path to 256",
    ),
    // Paths: UTF-8 without SMTPUTF8
    (
        "MAIL FROM:<jösé@bücher.example>",
        "RFC 6531 §3.4: a non-ASCII path needs the SMTPUTF8 parameter (553 5.6.7); smtp-proto takes any byte >= 0x7f as atext",
    ),
    (
        "RCPT TO:<bøb@example.org>",
        "RFC 6531 §3.4: a non-ASCII forward-path needs SMTPUTF8 on MAIL; parsed alone it is refused (the server re-parses it when MAIL had SMTPUTF8)",
    ),
    // Paths: forward-path
    (
        "RCPT TO:<>",
        "RFC 5321 §4.1.1.3 RCPT TO:<Forward-path>: only the reverse-path has a null form `<>`; smtp-proto reads it as an empty address",
    ),
    // Parameters: syntax
    (
        "MAIL FROM:<alice@example.org>SIZE=100",
        "RFC 5321 §4.1.1.2 `Reverse-path [SP Mail-parameters]`: a space must separate the path from its parameters",
    ),
    (
        "MAIL FROM:<a@example.org> SIZE=99999999999999999999999",
        "RFC 1870 size-value = 1*20DIGIT and it must fit: 501; smtp-proto saturates and then restarts counting, reading SIZE=999",
    ),
    (
        "MAIL FROM:<a@example.org> SIZE=1 SIZE=2",
        "a repeated parameter is ambiguous (which SIZE counts?): 501 5.5.4 rather than letting the last one win silently",
    ),
    (
        "MAIL FROM:<a@example.org> BODY",
        "RFC 6152 §2 `BODY=7BIT / BODY=8BITMIME`: a known keyword without its value is a bad value (501 5.5.4), not an unknown parameter (555)",
    ),
    (
        "MAIL FROM:<a@example.org> SMTPUTF8=yes",
        "RFC 6531 §3.4: SMTPUTF8 takes no value; a known keyword with a bad value is 501 5.5.4, not an unknown parameter (555)",
    ),
    (
        "MAIL FROM:<a@example.org> ENVID=+zz",
        "RFC 3461 §4 xtext: \"+\" must be followed by two upper-case hex digits (501); smtp-proto drops the bad escape and reads ENVID=z",
    ),
    (
        "RCPT TO:<bob@example.org> NOTIFY=NEVER,SUCCESS",
        "RFC 3461 §4.1: NOTIFY is NEVER alone or a list of SUCCESS/FAILURE/DELAY (501); smtp-proto keeps NEVER and drops SUCCESS",
    ),
    (
        "RCPT TO:<bob@example.org> NOTIFY=SUCCESS,SUCCESS",
        "RFC 3461 §4.1 lists each notify keyword once; a repeated one is treated as a malformed value (501) rather than merged",
    ),
    (
        "RCPT TO:<bob@example.org> ORCPT=x-local;bob",
        "RFC 3461 §4.2 `ORCPT=addr-type \";\" xtext`, addr-type any atom (the IANA address-type registry, e.g. utf-8 of RFC 6533); smtp-proto accepts only rfc822",
    ),
    // Parameters of extensions MX Lab does not implement: unknown, 555
    (
        "MAIL FROM:<a@example.org> REQUIRETLS",
        "REQUIRETLS (RFC 8689) is not implemented or advertised: an unknown parameter, answered 555 5.5.4 (RFC 5321 §4.1.1.11)",
    ),
    (
        "MAIL FROM:<a@example.org> HOLDFOR=60",
        "FUTURERELEASE (RFC 4865) is not implemented or advertised: an unknown parameter, answered 555 5.5.4 (RFC 5321 §4.1.1.11)",
    ),
    (
        "MAIL FROM:<a@example.org> MT-PRIORITY=3",
        "MT-PRIORITY (RFC 6710) is not implemented or advertised: an unknown parameter, answered 555 5.5.4 (RFC 5321 §4.1.1.11)",
    ),
    (
        "MAIL FROM:<a@example.org> BY=120;R",
        "DELIVERBY (RFC 2852) is not implemented or advertised: an unknown parameter, answered 555 5.5.4 (RFC 5321 §4.1.1.11)",
    ),
    (
        "RCPT TO:<bob@example.org> CONNEG",
        "CONNEG (RFC 4141) is not implemented or advertised: an unknown parameter, answered 555 5.5.4 (RFC 5321 §4.1.1.11)",
    ),
    // Verbs that take no argument
    (
        "DATA now",
        "RFC 5321 §4.1.1.4 `data = \"DATA\" CRLF`: no argument (501 5.5.4); smtp-proto ignores the rest of the line",
    ),
    (
        "RSET everything",
        "RFC 5321 §4.1.1.5 `rset = \"RSET\" CRLF`: no argument (501 5.5.4); smtp-proto ignores the rest of the line",
    ),
    (
        "QUIT please",
        "RFC 5321 §4.1.1.10 `quit = \"QUIT\" CRLF`: no argument (501 5.5.4); smtp-proto ignores the rest of the line",
    ),
    (
        "StartTLS now",
        "RFC 3207 §4: STARTTLS takes no parameters, \"501 Syntax error (no parameters allowed)\"; smtp-proto ignores the rest of the line",
    ),
    // VRFY: field difference only
    (
        "VRFY \"John Doe\"",
        "RFC 5321 §4.1.1.6 `VRFY SP String`: the String is kept as written, quotes included, for the host to interpret; smtp-proto unquotes it",
    ),
    // AUTH
    (
        "AUTH PLAIN a b",
        "RFC 4954 §4 `\"AUTH\" SP sasl-mech [SP initial-response]`: at most one initial response (501); smtp-proto ignores the extra word",
    ),
    (
        "AUTH PL@IN",
        "RFC 4422 §3.1 sasl-mech = 1*20(UPPER-ALPHA / DIGIT / \"-\" / \"_\"): `@` is not allowed (501); smtp-proto reads an unknown mechanism",
    ),
    // Verbs MX Lab does not know
    (
        "LHLO client.example.org",
        "LHLO is LMTP's greeting (RFC 2033 §4.1), not an SMTP command: 500 5.5.1 (RFC 5321 §4.2.4)",
    ),
    (
        "ETRN example.org",
        "ETRN (RFC 1985) is not part of MX Lab: an unrecognised command, 500 5.5.1 (RFC 5321 §4.2.4)",
    ),
    (
        "ATRN example.org",
        "ATRN (RFC 2645, ODMR) is not part of MX Lab: an unrecognised command, 500 5.5.1 (RFC 5321 §4.2.4)",
    ),
    (
        "BURL imap://example.org/x LAST",
        "BURL (RFC 4468) is not part of MX Lab: an unrecognised command, 500 5.5.1 (RFC 5321 §4.2.4)",
    ),
    // Bytes that are not text
    (
        "NOOP \\x01",
        "RFC 5321 §4.1.1.9 NOOP's argument is a String (printable atoms or a quoted string): a control byte makes the line garbage, 500 5.5.2",
    ),
    (
        "HELO \\xff\\xfe",
        "RFC 5321 §2.4 commands are US-ASCII (RFC 6531 allows UTF-8, never invalid UTF-8): 500 5.5.2; smtp-proto replaces the bytes with U+FFFD",
    ),
];

/// A parse outcome, comparable across the two parsers.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Accept(Fields),
    Unsupported,
    Reject,
}

/// The main fields of an accepted command.
#[derive(Debug, PartialEq, Eq)]
struct Fields {
    verb: &'static str,
    /// HELO/EHLO host, MAIL/RCPT address (quotes and source route removed,
    /// `""` for `<>` and `<Postmaster>`), VRFY/EXPN string, AUTH mechanism,
    /// BDAT size. NOOP and HELP arguments are ignored by servers
    /// (RFC 5321 §4.1.1.8, §4.1.1.9) and not compared.
    arg: String,
    /// Parameters in a fixed order, values decoded.
    params: Vec<String>,
}

fn accept(verb: &'static str, arg: impl Into<String>, params: Vec<String>) -> Outcome {
    Outcome::Accept(Fields {
        verb,
        arg: arg.into(),
        params,
    })
}

/// SASL mechanisms by name, with smtp-proto's bit for each.
const MECHANISMS: &[(&str, u64)] = &[
    ("PLAIN", smtp_proto::AUTH_PLAIN),
    ("LOGIN", smtp_proto::AUTH_LOGIN),
    ("CRAM-MD5", smtp_proto::AUTH_CRAM_MD5),
    ("DIGEST-MD5", smtp_proto::AUTH_DIGEST_MD5),
    ("XOAUTH2", smtp_proto::AUTH_XOAUTH2),
    ("OAUTHBEARER", smtp_proto::AUTH_OAUTHBEARER),
    ("GSSAPI", smtp_proto::AUTH_GSSAPI),
    ("EXTERNAL", smtp_proto::AUTH_EXTERNAL),
    ("ANONYMOUS", smtp_proto::AUTH_ANONYMOUS),
    ("SCRAM-SHA-1", smtp_proto::AUTH_SCRAM_SHA_1),
    ("SCRAM-SHA-256", smtp_proto::AUTH_SCRAM_SHA_256),
];

fn mechanism_name(bit: u64) -> String {
    MECHANISMS
        .iter()
        .find(|(_, b)| *b == bit)
        .map_or_else(|| "(other)".to_string(), |(n, _)| (*n).to_string())
}

fn mailbox(m: &Mailbox) -> String {
    match &m.host {
        Some(h) => format!("{}@{h}", m.local.unquoted()),
        None => m.local.unquoted(),
    }
}

fn ours(line: &[u8]) -> Outcome {
    let Ok(cmd) = Command::parse(line, ParseOptions::default()) else {
        return Outcome::Reject;
    };
    match cmd {
        Command::Helo(h) => accept("HELO", h, vec![]),
        Command::Ehlo(h) => accept("EHLO", h, vec![]),
        Command::Mail { from, params } => {
            if !params.unknown.is_empty() {
                return Outcome::Unsupported;
            }
            let mut p = Vec::new();
            // smtp-proto has no "absent" SIZE: 0 stands for both.
            if let Some(size) = params.size.filter(|&s| s > 0) {
                p.push(format!("SIZE={size}"));
            }
            if let Some(body) = params.body {
                p.push(
                    match body {
                        Body::SevenBit => "BODY=7BIT",
                        Body::EightBitMime => "BODY=8BITMIME",
                        Body::BinaryMime => "BODY=BINARYMIME",
                    }
                    .to_string(),
                );
            }
            if params.smtputf8 {
                p.push("SMTPUTF8".into());
            }
            if let Some(ret) = params.ret {
                p.push(
                    match ret {
                        Ret::Full => "RET=FULL",
                        Ret::Hdrs => "RET=HDRS",
                    }
                    .to_string(),
                );
            }
            if let Some(e) = params.envid {
                p.push(format!("ENVID={e}"));
            }
            if let Some(a) = params.auth {
                p.push(format!("AUTH={a}"));
            }
            let addr = match &from {
                ReversePath::Null => String::new(),
                ReversePath::Mailbox(m) => mailbox(m),
            };
            accept("MAIL", addr, p)
        }
        Command::Rcpt { to, params } => {
            if !params.unknown.is_empty() {
                return Outcome::Unsupported;
            }
            let mut p = Vec::new();
            if let Some(n) = params.notify {
                p.push(format!("NOTIFY={n}"));
            }
            if let Some((kind, addr)) = params.orcpt {
                // smtp-proto keeps only the address of an rfc822 ORCPT.
                if kind.eq_ignore_ascii_case("rfc822") {
                    p.push(format!("ORCPT={addr}"));
                } else {
                    p.push(format!("ORCPT={kind};{addr}"));
                }
            }
            let addr = match &to {
                ForwardPath::Postmaster => String::new(),
                ForwardPath::Mailbox(m) => mailbox(m),
            };
            accept("RCPT", addr, p)
        }
        Command::Data => accept("DATA", "", vec![]),
        Command::Rset => accept("RSET", "", vec![]),
        Command::Quit => accept("QUIT", "", vec![]),
        Command::StartTls => accept("STARTTLS", "", vec![]),
        Command::Noop(_) => accept("NOOP", "", vec![]),
        Command::Help(_) => accept("HELP", "", vec![]),
        Command::Vrfy(s) => accept("VRFY", s, vec![]),
        Command::Expn(s) => accept("EXPN", s, vec![]),
        Command::Auth { mechanism, initial } => {
            let bit = MECHANISMS
                .iter()
                .find(|(n, _)| *n == mechanism)
                .map_or(0, |(_, b)| *b);
            let initial = match initial {
                None => String::new(),
                Some(i) if i.is_empty() => "=".to_string(),
                Some(i) => i.to_string(),
            };
            accept("AUTH", mechanism_name(bit), vec![initial])
        }
        Command::Bdat { size, last } => accept(
            "BDAT",
            size.to_string(),
            if last { vec!["LAST".into()] } else { vec![] },
        ),
    }
}

fn theirs(line: &[u8]) -> Outcome {
    let mut bytes = line.to_vec();
    bytes.extend_from_slice(b"\r\n");
    let request = match Request::parse(&mut bytes.iter()) {
        Ok(r) => r,
        Err(ProtoError::UnsupportedParameter { .. }) => return Outcome::Unsupported,
        Err(_) => return Outcome::Reject,
    };
    let s = |c: Cow<'_, str>| c.into_owned();
    match request {
        Request::Helo { host } => accept("HELO", s(host), vec![]),
        Request::Ehlo { host } => accept("EHLO", s(host), vec![]),
        Request::Lhlo { host } => accept("LHLO", s(host), vec![]),
        Request::Mail { from } => {
            let mut p = Vec::new();
            if from.size > 0 {
                p.push(format!("SIZE={}", from.size));
            }
            let flag = |bit: u64| from.flags & bit != 0;
            for (bit, name) in [
                (smtp_proto::MAIL_BODY_7BIT, "BODY=7BIT"),
                (smtp_proto::MAIL_BODY_8BITMIME, "BODY=8BITMIME"),
                (smtp_proto::MAIL_BODY_BINARYMIME, "BODY=BINARYMIME"),
                (smtp_proto::MAIL_SMTPUTF8, "SMTPUTF8"),
                (smtp_proto::MAIL_RET_FULL, "RET=FULL"),
                (smtp_proto::MAIL_RET_HDRS, "RET=HDRS"),
            ] {
                if flag(bit) {
                    p.push(name.to_string());
                }
            }
            if let Some(e) = &from.env_id {
                p.push(format!("ENVID={e}"));
            }
            if let Some(a) = &from.auth {
                p.push(format!("AUTH={a}"));
            }
            // Parameters MX Lab does not implement.
            for (bit, name) in [
                (smtp_proto::MAIL_REQUIRETLS, "REQUIRETLS"),
                (smtp_proto::MAIL_CONPERM, "CONPERM"),
                (smtp_proto::MAIL_BY_NOTIFY, "BY"),
                (smtp_proto::MAIL_BY_RETURN, "BY"),
            ] {
                if flag(bit) {
                    p.push(name.to_string());
                }
            }
            if from.hold_for > 0 || from.hold_until > 0 {
                p.push("HOLD".into());
            }
            if from.mt_priority != 0 {
                p.push(format!("MT-PRIORITY={}", from.mt_priority));
            }
            if from.trans_id.is_some() || from.solicit.is_some() || from.mtrk.is_some() {
                p.push("(other)".into());
            }
            accept("MAIL", s(from.address), p)
        }
        Request::Rcpt { to } => {
            let mut p = Vec::new();
            let flag = |bit: u64| to.flags & bit != 0;
            if flag(smtp_proto::RCPT_NOTIFY_NEVER) {
                p.push("NOTIFY=NEVER".to_string());
            } else {
                let items: Vec<&str> = [
                    (smtp_proto::RCPT_NOTIFY_SUCCESS, "SUCCESS"),
                    (smtp_proto::RCPT_NOTIFY_FAILURE, "FAILURE"),
                    (smtp_proto::RCPT_NOTIFY_DELAY, "DELAY"),
                ]
                .into_iter()
                .filter(|(bit, _)| flag(*bit))
                .map(|(_, n)| n)
                .collect();
                if !items.is_empty() {
                    p.push(format!("NOTIFY={}", items.join(",")));
                }
            }
            if let Some(o) = &to.orcpt {
                p.push(format!("ORCPT={o}"));
            }
            if flag(smtp_proto::RCPT_CONNEG) {
                p.push("CONNEG".into());
            }
            if flag(smtp_proto::RCPT_RRVS_REJECT) || flag(smtp_proto::RCPT_RRVS_CONTINUE) {
                p.push("RRVS".into());
            }
            accept("RCPT", s(to.address), p)
        }
        Request::Data => accept("DATA", "", vec![]),
        Request::Rset => accept("RSET", "", vec![]),
        Request::Quit => accept("QUIT", "", vec![]),
        Request::StartTls => accept("STARTTLS", "", vec![]),
        Request::Noop { .. } => accept("NOOP", "", vec![]),
        Request::Help { .. } => accept("HELP", "", vec![]),
        Request::Vrfy { value } => accept("VRFY", s(value), vec![]),
        Request::Expn { value } => accept("EXPN", s(value), vec![]),
        Request::Auth {
            mechanism,
            initial_response,
        } => accept("AUTH", mechanism_name(mechanism), vec![s(initial_response)]),
        Request::Bdat {
            chunk_size,
            is_last,
        } => accept(
            "BDAT",
            chunk_size.to_string(),
            if is_last { vec!["LAST".into()] } else { vec![] },
        ),
        Request::Etrn { name } => accept("ETRN", s(name), vec![]),
        Request::Atrn { domains } => accept(
            "ATRN",
            domains.into_iter().map(s).collect::<Vec<_>>().join(","),
            vec![],
        ),
        Request::Burl { uri, is_last } => accept(
            "BURL",
            s(uri),
            if is_last { vec!["LAST".into()] } else { vec![] },
        ),
    }
}

#[test]
fn command_parsing_agrees_with_smtp_proto_except_where_documented() {
    let commands = corpus::commands();
    assert!(commands.len() >= 80, "the corpus has {}", commands.len());

    let mut agree = 0;
    let mut known = 0;
    let mut problems = Vec::new();
    for entry in &commands {
        let (a, b) = (ours(&entry.bytes), theirs(&entry.bytes));
        let listed = KNOWN_DIFFERENCES.iter().any(|(l, _)| *l == entry.written);
        match (a == b, listed) {
            (true, false) => agree += 1,
            (false, true) => known += 1,
            (false, false) => problems.push(format!(
                "new disagreement on {:?}\n    mxlab:      {a:?}\n    smtp-proto: {b:?}",
                entry.written
            )),
            (true, true) => problems.push(format!(
                "{:?} is in KNOWN_DIFFERENCES but both parsers now give {a:?}",
                entry.written
            )),
        }
    }
    for (line, why) in KNOWN_DIFFERENCES {
        assert!(!why.is_empty(), "{line:?}: say which rule we follow");
        if !commands.iter().any(|e| e.written == *line) {
            problems.push(format!(
                "{line:?} is in KNOWN_DIFFERENCES but not in the corpus"
            ));
        }
    }
    println!(
        "{} commands, {agree} agree, {known} known differences",
        commands.len()
    );
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn corpus_escapes_decode() {
    assert_eq!(corpus::unescape(r"\e"), b"");
    assert_eq!(corpus::unescape(r"A\x20"), b"A ");
    assert_eq!(corpus::unescape(r#""a\"b""#), br#""a\"b""#);
    assert_eq!(corpus::unescape(r"\xff\xfe"), [0xff, 0xfe]);
}
