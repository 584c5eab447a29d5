//! Commands: the verbs of RFC 5321 §4.1.1 and the extensions MX Lab
//! speaks, with their ESMTP parameters; parsing and formatting.
//!
//! | Command | RFC | Notes |
//! |---|---|---|
//! | `HELO domain`, `EHLO domain` | 5321 §4.1.1.1 | |
//! | `MAIL FROM:<path> [params]` | 5321 §4.1.1.2 | SIZE (1870), BODY (6152, 3030), SMTPUTF8 (6531), RET and ENVID (3461), AUTH (4954) |
//! | `RCPT TO:<path> [params]` | 5321 §4.1.1.3 | NOTIFY and ORCPT (3461) |
//! | `DATA`, `RSET`, `QUIT` | 5321 §4.1.1.4, .5, .10 | no arguments |
//! | `NOOP [text]`, `HELP [topic]` | 5321 §4.1.1.9, .8 | |
//! | `VRFY string`, `EXPN string` | 5321 §4.1.1.6, .7 | |
//! | `STARTTLS` | 3207 §4 | |
//! | `AUTH mech [initial]` | 4954 §4 | |
//! | `BDAT size [LAST]` | 3030 §2 | parsed; the server answers 502 |
//!
//! The parser takes one command line without its CRLF. It is lenient where
//! widely deployed servers are (a space after `FROM:`, verbs in any case) and
//! strict where the RFCs require it (paths, parameter syntax).

use core::fmt;

use compact_str::CompactString;

use crate::path::{simple_path, ForwardPath, PathError, PathOptions, ReversePath};
use crate::reply::Reply;

/// The BODY parameter (RFC 6152, RFC 3030).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Body {
    /// `BODY=7BIT`
    SevenBit,
    /// `BODY=8BITMIME`
    EightBitMime,
    /// `BODY=BINARYMIME`
    BinaryMime,
}

/// The RET parameter of RFC 3461 §4.3: what a failure DSN returns.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Ret {
    /// `RET=FULL`: the whole message.
    Full,
    /// `RET=HDRS`: the header section only.
    Hdrs,
}

/// The NOTIFY parameter of RFC 3461 §4.1.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Notify {
    /// `SUCCESS`
    pub success: bool,
    /// `FAILURE`
    pub failure: bool,
    /// `DELAY`
    pub delay: bool,
}

impl Notify {
    /// `NOTIFY=NEVER`.
    pub const NEVER: Notify = Notify {
        success: false,
        failure: false,
        delay: false,
    };

    fn parse(v: &str) -> Option<Notify> {
        if v.eq_ignore_ascii_case("NEVER") {
            return Some(Notify::NEVER);
        }
        let mut n = Notify::default();
        for item in v.as_bytes().split(|&b| b == b',') {
            let flag = if item.eq_ignore_ascii_case(b"SUCCESS") {
                &mut n.success
            } else if item.eq_ignore_ascii_case(b"FAILURE") {
                &mut n.failure
            } else if item.eq_ignore_ascii_case(b"DELAY") {
                &mut n.delay
            } else {
                return None;
            };
            if *flag {
                return None;
            }
            *flag = true;
        }
        Some(n)
    }
}

impl fmt::Display for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut items = Vec::new();
        if self.success {
            items.push("SUCCESS");
        }
        if self.failure {
            items.push("FAILURE");
        }
        if self.delay {
            items.push("DELAY");
        }
        if items.is_empty() {
            f.write_str("NEVER")
        } else {
            f.write_str(&items.join(","))
        }
    }
}

/// The ESMTP parameters of MAIL FROM.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MailParams {
    /// `SIZE=n`, the client's estimate of the message size (RFC 1870).
    pub size: Option<u64>,
    /// `BODY=...` (RFC 6152).
    pub body: Option<Body>,
    /// `SMTPUTF8` (RFC 6531).
    pub smtputf8: bool,
    /// `RET=FULL|HDRS` (RFC 3461).
    pub ret: Option<Ret>,
    /// `ENVID=xtext`, decoded (RFC 3461).
    pub envid: Option<CompactString>,
    /// `AUTH=<mailbox>|<>` as written, xtext decoded (RFC 4954 §5).
    pub auth: Option<CompactString>,
    /// Parameters MX Lab does not know, as written (the server answers 555).
    pub unknown: Vec<(CompactString, Option<CompactString>)>,
}

/// The ESMTP parameters of RCPT TO.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RcptParams {
    /// `NOTIFY=...` (RFC 3461 §4.1).
    pub notify: Option<Notify>,
    /// `ORCPT=addr-type;xtext`: the type and the decoded address (RFC 3461 §4.2).
    pub orcpt: Option<(CompactString, CompactString)>,
    /// Parameters MX Lab does not know, as written (the server answers 555).
    pub unknown: Vec<(CompactString, Option<CompactString>)>,
}

/// One SMTP command.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Command {
    /// `HELO domain`
    Helo(CompactString),
    /// `EHLO domain`
    Ehlo(CompactString),
    /// `MAIL FROM:<reverse-path> [params]`
    Mail {
        /// The reverse-path.
        from: ReversePath,
        /// The ESMTP parameters.
        params: MailParams,
    },
    /// `RCPT TO:<forward-path> [params]`
    Rcpt {
        /// The forward-path.
        to: ForwardPath,
        /// The ESMTP parameters.
        params: RcptParams,
    },
    /// `DATA`
    Data,
    /// `BDAT size [LAST]` (RFC 3030)
    Bdat {
        /// The chunk size in octets.
        size: u64,
        /// Whether this is the last chunk.
        last: bool,
    },
    /// `RSET`
    Rset,
    /// `NOOP [string]`
    Noop(Option<CompactString>),
    /// `QUIT`
    Quit,
    /// `VRFY string`
    Vrfy(CompactString),
    /// `EXPN string`
    Expn(CompactString),
    /// `HELP [string]`
    Help(Option<CompactString>),
    /// `STARTTLS` (RFC 3207)
    StartTls,
    /// `AUTH mechanism [initial-response]` (RFC 4954). An initial response
    /// of `=` (empty) is kept as `Some("")`.
    Auth {
        /// The SASL mechanism, upper-cased.
        mechanism: CompactString,
        /// The base64 initial response, if sent.
        initial: Option<CompactString>,
    },
}

/// Why a command line was refused, with the reply a server gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandError {
    /// Empty line or unknown verb: 500 5.5.1 (RFC 5321 §4.2.4).
    Unrecognized(String),
    /// The line is not printable text: 500 5.5.2.
    Garbage,
    /// Bad arguments: 501 5.5.4.
    Syntax(&'static str),
    /// A bad path in MAIL (501 5.1.7) or RCPT (501 5.1.3).
    Path {
        /// Whether it was the sender (MAIL) rather than a recipient.
        sender: bool,
        /// What was wrong.
        error: PathError,
    },
    /// A known parameter with a bad value: 501 5.5.4.
    BadParam(String),
}

impl CommandError {
    /// The reply a server sends for this error.
    pub fn reply(&self) -> Reply {
        match self {
            CommandError::Unrecognized(v) if v.is_empty() => {
                Reply::enhanced(500, (5, 5, 2), "Error: bad syntax")
            }
            CommandError::Unrecognized(_) => {
                Reply::enhanced(500, (5, 5, 1), "Error: command not recognized")
            }
            CommandError::Garbage => Reply::enhanced(500, (5, 5, 2), "Error: bad syntax"),
            CommandError::Syntax(what) => {
                Reply::enhanced(501, (5, 5, 4), format!("Syntax: {what}"))
            }
            CommandError::Path { sender, error } => {
                let (code, enhanced) = error.reply_code();
                let enhanced = if code == 501 && *sender {
                    (5, 1, 7)
                } else {
                    enhanced
                };
                Reply::enhanced(code, enhanced, format!("Bad address syntax: {error}"))
            }
            CommandError::BadParam(p) => {
                Reply::enhanced(501, (5, 5, 4), format!("Bad parameter value: {p}"))
            }
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reply().text())
    }
}

impl std::error::Error for CommandError {}

/// Options for [`Command::parse`].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Path leniency (unqualified addresses, missing brackets). UTF-8 in
    /// paths is allowed only when the command carries SMTPUTF8 (or, for
    /// RCPT, when `path.smtputf8` is set by the session).
    pub path: PathOptions,
}

impl Command {
    /// Parses one command line (without CRLF).
    pub fn parse(line: &[u8], opts: ParseOptions) -> Result<Command, CommandError> {
        if has_control(line) {
            return Err(CommandError::Garbage);
        }
        let line = core::str::from_utf8(line).map_err(|_| CommandError::Garbage)?;
        let (verb, rest) = match line.bytes().position(|b| b == b' ') {
            Some(i) => (
                line.get(..i).unwrap_or(line),
                line.get(i + 1..).unwrap_or(""),
            ),
            None => (line, ""),
        };
        let Some(known) = Verb::of(verb.as_bytes()) else {
            return Err(CommandError::Unrecognized(verb.to_string()));
        };
        // MAIL and RCPT read `rest` themselves.
        let arg = match known {
            Verb::Mail | Verb::Rcpt => "",
            _ => trim_spaces(rest),
        };
        match known {
            Verb::Helo | Verb::Ehlo => {
                let domain = first_word(arg);
                if domain.is_empty() {
                    return Err(CommandError::Syntax(if known == Verb::Helo {
                        "HELO hostname"
                    } else {
                        "EHLO hostname"
                    }));
                }
                Ok(if known == Verb::Helo {
                    Command::Helo(domain.into())
                } else {
                    Command::Ehlo(domain.into())
                })
            }
            Verb::Mail => {
                let rest = strip_keyword(rest, b"FROM:")
                    .ok_or(CommandError::Syntax("MAIL FROM:<address>"))?;
                let mut params = MailParams::default();
                if let Some((mailbox, end)) = simple_path(rest) {
                    parse_mail_params(rest.get(end..).unwrap_or(""), &mut params)?;
                    return Ok(Command::Mail {
                        from: ReversePath::Mailbox(mailbox),
                        params,
                    });
                }
                let (path, text) = split_path(rest);
                parse_mail_params(text, &mut params)?;
                let mut popts = opts.path;
                popts.smtputf8 |= params.smtputf8;
                let from = ReversePath::parse(path, popts).map_err(|error| CommandError::Path {
                    sender: true,
                    error,
                })?;
                Ok(Command::Mail { from, params })
            }
            Verb::Rcpt => {
                let rest =
                    strip_keyword(rest, b"TO:").ok_or(CommandError::Syntax("RCPT TO:<address>"))?;
                let mut params = RcptParams::default();
                if let Some((mailbox, end)) = simple_path(rest) {
                    parse_rcpt_params(rest.get(end..).unwrap_or(""), &mut params)?;
                    return Ok(Command::Rcpt {
                        to: ForwardPath::Mailbox(mailbox),
                        params,
                    });
                }
                let (path, text) = split_path(rest);
                parse_rcpt_params(text, &mut params)?;
                let to =
                    ForwardPath::parse(path, opts.path).map_err(|error| CommandError::Path {
                        sender: false,
                        error,
                    })?;
                Ok(Command::Rcpt { to, params })
            }
            // Checked before the command is built, so that the result is
            // written once (a command is a large value to move around).
            Verb::Data | Verb::Rset | Verb::Quit | Verb::StartTls if !arg.is_empty() => {
                Err(CommandError::Syntax("no parameters allowed"))
            }
            Verb::Data => Ok(Command::Data),
            Verb::Rset => Ok(Command::Rset),
            Verb::Quit => Ok(Command::Quit),
            Verb::StartTls => Ok(Command::StartTls),
            Verb::Noop => Ok(Command::Noop(some_text(arg))),
            Verb::Help => Ok(Command::Help(some_text(arg))),
            Verb::Vrfy => some_text(arg)
                .map(Command::Vrfy)
                .ok_or(CommandError::Syntax("VRFY address")),
            Verb::Expn => some_text(arg)
                .map(Command::Expn)
                .ok_or(CommandError::Syntax("EXPN list")),
            Verb::Auth => {
                let mut words = Words(arg);
                let mechanism = words.next().ok_or(CommandError::Syntax("AUTH mechanism"))?;
                let initial = words.next().map(|w| {
                    if w == "=" {
                        CompactString::default()
                    } else {
                        w.into()
                    }
                });
                if words.next().is_some() {
                    return Err(CommandError::Syntax("AUTH mechanism [initial-response]"));
                }
                if !mechanism
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    return Err(CommandError::Syntax("AUTH mechanism"));
                }
                Ok(Command::Auth {
                    mechanism: CompactString::from(mechanism).to_ascii_uppercase(),
                    initial,
                })
            }
            Verb::Bdat => {
                let mut words = Words(arg);
                let size = words
                    .next()
                    .filter(|w| w.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|w| w.parse::<u64>().ok())
                    .ok_or(CommandError::Syntax("BDAT size [LAST]"))?;
                let last = match words.next() {
                    None => false,
                    Some(w) if w.eq_ignore_ascii_case("LAST") => true,
                    Some(_) => return Err(CommandError::Syntax("BDAT size [LAST]")),
                };
                if words.next().is_some() {
                    return Err(CommandError::Syntax("BDAT size [LAST]"));
                }
                Ok(Command::Bdat { size, last })
            }
        }
    }

    /// The verb, upper case.
    pub fn verb(&self) -> &'static str {
        match self {
            Command::Helo(_) => "HELO",
            Command::Ehlo(_) => "EHLO",
            Command::Mail { .. } => "MAIL",
            Command::Rcpt { .. } => "RCPT",
            Command::Data => "DATA",
            Command::Bdat { .. } => "BDAT",
            Command::Rset => "RSET",
            Command::Noop(_) => "NOOP",
            Command::Quit => "QUIT",
            Command::Vrfy(_) => "VRFY",
            Command::Expn(_) => "EXPN",
            Command::Help(_) => "HELP",
            Command::StartTls => "STARTTLS",
            Command::Auth { .. } => "AUTH",
        }
    }

    /// The command line as a client sends it, CRLF included.
    pub fn to_line(&self) -> String {
        // Room for most commands at once (a path is rarely longer).
        let mut bytes = Vec::with_capacity(80);
        self.write_line(&mut bytes);
        // Only text was written.
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// Appends [`Command::to_line`]'s bytes to `out`.
    pub fn write_line(&self, out: &mut Vec<u8>) {
        use fmt::Write as _;
        struct Bytes<'a>(&'a mut Vec<u8>);
        impl fmt::Write for Bytes<'_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.0.extend_from_slice(s.as_bytes());
                Ok(())
            }
        }
        // Writing into a Vec cannot fail.
        let _ = write!(Bytes(out), "{self}\r\n");
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Helo(d) => write!(f, "HELO {d}"),
            Command::Ehlo(d) => write!(f, "EHLO {d}"),
            Command::Mail { from, params } => {
                write!(f, "MAIL FROM:{from}")?;
                if let Some(s) = params.size {
                    write!(f, " SIZE={s}")?;
                }
                if let Some(b) = params.body {
                    f.write_str(match b {
                        Body::SevenBit => " BODY=7BIT",
                        Body::EightBitMime => " BODY=8BITMIME",
                        Body::BinaryMime => " BODY=BINARYMIME",
                    })?;
                }
                if params.smtputf8 {
                    f.write_str(" SMTPUTF8")?;
                }
                if let Some(r) = params.ret {
                    f.write_str(match r {
                        Ret::Full => " RET=FULL",
                        Ret::Hdrs => " RET=HDRS",
                    })?;
                }
                if let Some(e) = &params.envid {
                    write!(f, " ENVID={}", xtext_encode(e))?;
                }
                if let Some(a) = &params.auth {
                    write!(f, " AUTH={}", xtext_encode(a))?;
                }
                write_unknown(f, &params.unknown)
            }
            Command::Rcpt { to, params } => {
                write!(f, "RCPT TO:{to}")?;
                if let Some(n) = params.notify {
                    write!(f, " NOTIFY={n}")?;
                }
                if let Some((t, a)) = &params.orcpt {
                    write!(f, " ORCPT={t};{}", xtext_encode(a))?;
                }
                write_unknown(f, &params.unknown)
            }
            Command::Data => f.write_str("DATA"),
            Command::Bdat { size, last } => {
                write!(f, "BDAT {size}{}", if *last { " LAST" } else { "" })
            }
            Command::Rset => f.write_str("RSET"),
            Command::Noop(None) => f.write_str("NOOP"),
            Command::Noop(Some(t)) => write!(f, "NOOP {t}"),
            Command::Quit => f.write_str("QUIT"),
            Command::Vrfy(t) => write!(f, "VRFY {t}"),
            Command::Expn(t) => write!(f, "EXPN {t}"),
            Command::Help(None) => f.write_str("HELP"),
            Command::Help(Some(t)) => write!(f, "HELP {t}"),
            Command::StartTls => f.write_str("STARTTLS"),
            Command::Auth { mechanism, initial } => match initial {
                None => write!(f, "AUTH {mechanism}"),
                Some(i) if i.is_empty() => write!(f, "AUTH {mechanism} ="),
                Some(i) => write!(f, "AUTH {mechanism} {i}"),
            },
        }
    }
}

fn write_unknown(
    f: &mut fmt::Formatter<'_>,
    params: &[(CompactString, Option<CompactString>)],
) -> fmt::Result {
    for (k, v) in params {
        match v {
            Some(v) => write!(f, " {k}={v}")?,
            None => write!(f, " {k}")?,
        }
    }
    Ok(())
}

fn some_text(arg: &str) -> Option<CompactString> {
    if arg.is_empty() {
        None
    } else {
        Some(arg.into())
    }
}

/// Whether `line` holds a control byte other than TAB, or DEL: garbage.
fn has_control(line: &[u8]) -> bool {
    // Eight bytes at a time: a byte below 0x20 or equal to 0x7f sets the
    // high bit of its lane (no false negatives). TAB is such a byte too, so
    // a hit is confirmed byte by byte.
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut chunks = line.chunks_exact(8);
    let mut hit = 0;
    for c in &mut chunks {
        let x = u64::from_le_bytes(<[u8; 8]>::try_from(c).unwrap_or([b'a'; 8]));
        let del = x ^ (LO * 0x7f);
        hit |= (x.wrapping_sub(LO * 0x20) & !x | del.wrapping_sub(LO) & !del) & HI;
    }
    let is_control = |&b: &u8| (b < 0x20 && b != b'\t') || b == 0x7f;
    if hit == 0 {
        chunks.remainder().iter().any(is_control)
    } else {
        line.iter().any(is_control)
    }
}

/// The verbs [`Command::parse`] knows.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Verb {
    Helo,
    Ehlo,
    Mail,
    Rcpt,
    Data,
    Rset,
    Quit,
    StartTls,
    Noop,
    Help,
    Vrfy,
    Expn,
    Auth,
    Bdat,
}

impl Verb {
    /// The verb, in any case; `None` if unknown.
    fn of(v: &[u8]) -> Option<Verb> {
        const fn word(s: &[u8; 4]) -> u32 {
            u32::from_be_bytes(*s)
        }
        const HELO: u32 = word(b"HELO");
        const EHLO: u32 = word(b"EHLO");
        const MAIL: u32 = word(b"MAIL");
        const RCPT: u32 = word(b"RCPT");
        const DATA: u32 = word(b"DATA");
        const RSET: u32 = word(b"RSET");
        const QUIT: u32 = word(b"QUIT");
        const NOOP: u32 = word(b"NOOP");
        const HELP: u32 = word(b"HELP");
        const VRFY: u32 = word(b"VRFY");
        const EXPN: u32 = word(b"EXPN");
        const AUTH: u32 = word(b"AUTH");
        const BDAT: u32 = word(b"BDAT");
        match *v {
            // Clearing bit 5 upper-cases ASCII letters and never turns any
            // other byte into an upper-case letter; the four-letter verbs
            // are letters only.
            [a, b, c, d] => Some(match u32::from_be_bytes([a, b, c, d]) & 0xDFDF_DFDF {
                HELO => Verb::Helo,
                EHLO => Verb::Ehlo,
                MAIL => Verb::Mail,
                RCPT => Verb::Rcpt,
                DATA => Verb::Data,
                RSET => Verb::Rset,
                QUIT => Verb::Quit,
                NOOP => Verb::Noop,
                HELP => Verb::Help,
                VRFY => Verb::Vrfy,
                EXPN => Verb::Expn,
                AUTH => Verb::Auth,
                BDAT => Verb::Bdat,
                _ => return None,
            }),
            _ if v.eq_ignore_ascii_case(b"STARTTLS") => Some(Verb::StartTls),
            _ => None,
        }
    }
}

/// `s` without leading and trailing spaces.
fn trim_spaces(s: &str) -> &str {
    let b = s.as_bytes();
    let Some(start) = b.iter().position(|&c| c != b' ') else {
        return "";
    };
    let end = b
        .iter()
        .rposition(|&c| c != b' ')
        .map_or(b.len(), |i| i + 1);
    s.get(start..end).unwrap_or("")
}

/// `s` up to its first space.
fn first_word(s: &str) -> &str {
    match s.bytes().position(|b| b == b' ') {
        Some(i) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

/// The words of a string separated by one or more spaces.
struct Words<'a>(&'a str);

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let b = self.0.as_bytes();
        let start = b.iter().position(|&c| c != b' ')?;
        let end = b
            .get(start..)
            .and_then(|r| r.iter().position(|&c| c == b' '))
            .map_or(b.len(), |n| start + n);
        let word = self.0.get(start..end)?;
        self.0 = self.0.get(end..).unwrap_or("");
        Some(word)
    }
}

/// Strips `FROM:` / `TO:` (any case; `kw` is upper-case letters and a
/// colon) and the spaces after it.
fn strip_keyword<'a>(rest: &'a str, kw: &[u8]) -> Option<&'a str> {
    let b = rest.as_bytes();
    let head = b.get(..kw.len())?;
    if !head
        .iter()
        .zip(kw)
        .all(|(&h, &k)| h.to_ascii_uppercase() == k)
    {
        return None;
    }
    let spaces = b
        .get(kw.len()..)?
        .iter()
        .take_while(|&&c| c == b' ')
        .count();
    rest.get(kw.len() + spaces..)
}

/// Splits `<path> params` at the end of the path. A path in brackets ends
/// at the `>` outside a quoted string; an unbracketed one at the first space.
fn split_path(s: &str) -> (&str, &str) {
    let b = s.as_bytes();
    if b.first() == Some(&b'<') {
        // The common case: a `>` before any quote.
        if let Some(i) = b.iter().position(|&c| c == b'>' || c == b'"') {
            if b.get(i) == Some(&b'>') {
                return s.split_at(i + 1);
            }
        }
        let mut quoted = false;
        let mut escaped = false;
        for (i, &c) in b.iter().enumerate() {
            if escaped {
                escaped = false;
            } else if quoted && c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                quoted = !quoted;
            } else if c == b'>' && !quoted {
                return s.split_at(i + 1);
            }
        }
        return (s, "");
    }
    match b.iter().position(|&c| c == b' ') {
        Some(i) => s.split_at(i),
        None => (s, ""),
    }
}

/// An ESMTP keyword of up to eight bytes, upper-cased, as a number (the
/// bytes big-endian); 0 for a longer one. Keywords never hold a zero byte,
/// so two keywords of up to eight bytes have the same code only if they are
/// equal without regard to case.
const fn keyword_code(k: &[u8]) -> u64 {
    if k.len() > 8 {
        return 0;
    }
    let mut code = 0u64;
    let mut i = 0;
    while i < k.len() {
        code = code << 8 | k[i].to_ascii_uppercase() as u64;
        i += 1;
    }
    code
}

const SIZE: u64 = keyword_code(b"SIZE");
const BODY: u64 = keyword_code(b"BODY");
const SMTPUTF8: u64 = keyword_code(b"SMTPUTF8");
const RET: u64 = keyword_code(b"RET");
const ENVID: u64 = keyword_code(b"ENVID");
const AUTH: u64 = keyword_code(b"AUTH");
const NOTIFY: u64 = keyword_code(b"NOTIFY");
const ORCPT: u64 = keyword_code(b"ORCPT");

/// Runs `interpret` on each parameter of ` key[=value] ...`, in order, with
/// its [`keyword_code`]. The syntax of every parameter is checked: a syntax
/// error anywhere in the line wins over a bad value (an error from
/// `interpret`) before it.
fn each_param<'a>(
    s: &'a str,
    mut interpret: impl FnMut(u64, &'a str, Option<&'a str>) -> Result<(), CommandError>,
) -> Result<(), CommandError> {
    const SYNTAX: CommandError = CommandError::Syntax("bad ESMTP parameter");
    let b = s.as_bytes();
    if b.first().is_some_and(|&c| c != b' ') {
        return Err(CommandError::Syntax(
            "a space must separate the address and its parameters",
        ));
    }
    let mut bad_value = None;
    let mut i = 0;
    loop {
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        let Some(&first) = b.get(i) else {
            break;
        };
        // esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
        if !first.is_ascii_alphanumeric() {
            return Err(SYNTAX);
        }
        let key_start = i;
        let mut code = 0u64;
        while let Some(&c) = b.get(i) {
            if c == b' ' || c == b'=' {
                break;
            }
            if !(c.is_ascii_alphanumeric() || c == b'-') {
                return Err(SYNTAX);
            }
            code = code << 8 | u64::from(c.to_ascii_uppercase());
            i += 1;
        }
        if i - key_start > 8 {
            code = 0;
        }
        let key = s.get(key_start..i).ok_or(SYNTAX)?;
        // esmtp-value = 1*(%d33-60 / %d62-126)
        let value = if b.get(i) == Some(&b'=') {
            i += 1;
            let value_start = i;
            while let Some(&c) = b.get(i) {
                if c == b' ' {
                    break;
                }
                if !(33..=126).contains(&c) || c == b'=' {
                    return Err(SYNTAX);
                }
                i += 1;
            }
            if i == value_start {
                return Err(SYNTAX);
            }
            Some(s.get(value_start..i).ok_or(SYNTAX)?)
        } else {
            None
        };
        if bad_value.is_none() {
            bad_value = interpret(code, key, value).err();
        }
    }
    bad_value.map_or(Ok(()), Err)
}

/// A SIZE value: 1 to 20 digits that fit in a `u64`.
fn size_value(v: &str) -> Option<u64> {
    if v.is_empty() || v.len() > 20 {
        return None;
    }
    v.bytes().try_fold(0u64, |n, c| {
        let digit = c.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// Reads the MAIL parameters in `s` into `p` (which starts as the default).
fn parse_mail_params(s: &str, p: &mut MailParams) -> Result<(), CommandError> {
    if s.is_empty() {
        return Ok(());
    }
    each_param(s, |code, k, v| {
        let bad = || CommandError::BadParam(k.to_ascii_uppercase());
        match (code, v) {
            (SIZE, Some(v)) if p.size.is_none() => p.size = Some(size_value(v).ok_or_else(bad)?),
            (BODY, Some(v)) if p.body.is_none() => {
                p.body = Some(if v.eq_ignore_ascii_case("7BIT") {
                    Body::SevenBit
                } else if v.eq_ignore_ascii_case("8BITMIME") {
                    Body::EightBitMime
                } else if v.eq_ignore_ascii_case("BINARYMIME") {
                    Body::BinaryMime
                } else {
                    return Err(bad());
                });
            }
            (SMTPUTF8, None) if !p.smtputf8 => p.smtputf8 = true,
            (RET, Some(v)) if p.ret.is_none() => {
                p.ret = Some(if v.eq_ignore_ascii_case("FULL") {
                    Ret::Full
                } else if v.eq_ignore_ascii_case("HDRS") {
                    Ret::Hdrs
                } else {
                    return Err(bad());
                });
            }
            (ENVID, Some(v)) if p.envid.is_none() => {
                let d = xtext_decode(v).ok_or_else(bad)?;
                if d.len() > 100 {
                    return Err(bad());
                }
                p.envid = Some(d);
            }
            (AUTH, Some(v)) if p.auth.is_none() => p.auth = Some(xtext_decode(v).ok_or_else(bad)?),
            (SIZE | BODY | SMTPUTF8 | RET | ENVID | AUTH, _) => return Err(bad()),
            _ => p.unknown.push((k.into(), v.map(CompactString::from))),
        }
        Ok(())
    })
}

/// Reads the RCPT parameters in `s` into `p` (which starts as the default).
fn parse_rcpt_params(s: &str, p: &mut RcptParams) -> Result<(), CommandError> {
    if s.is_empty() {
        return Ok(());
    }
    each_param(s, |code, k, v| {
        let bad = || CommandError::BadParam(k.to_ascii_uppercase());
        match (code, v) {
            (NOTIFY, Some(v)) if p.notify.is_none() => {
                p.notify = Some(Notify::parse(v).ok_or_else(bad)?);
            }
            (ORCPT, Some(v)) if p.orcpt.is_none() => {
                let (t, a) = v.split_once(';').ok_or_else(bad)?;
                if t.is_empty() || !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    return Err(bad());
                }
                let a = xtext_decode(a).ok_or_else(bad)?;
                if a.is_empty() || a.len() > 500 {
                    return Err(bad());
                }
                p.orcpt = Some((t.into(), a));
            }
            (NOTIFY | ORCPT, _) => return Err(bad()),
            _ => p.unknown.push((k.into(), v.map(CompactString::from))),
        }
        Ok(())
    })
}

/// Encodes text as RFC 3461 §4 xtext: `+`, `=` and characters outside
/// `!`..`~` become `+XX`.
pub fn xtext_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if (33..=126).contains(&b) && b != b'+' && b != b'=' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("+{b:02X}"));
        }
    }
    out
}

/// Decodes RFC 3461 xtext; `None` if a `+` is not followed by two upper-case
/// hex digits or the result is not UTF-8.
pub fn xtext_decode(s: &str) -> Option<CompactString> {
    let b = s.as_bytes();
    if !b.contains(&b'+') {
        return Some(s.into());
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'+' {
            let hex = |x: u8| match x {
                b'0'..=b'9' => Some(x - b'0'),
                b'A'..=b'F' => Some(x - b'A' + 10),
                _ => None,
            };
            let hi = hex(*b.get(i + 1)?)?;
            let lo = hex(*b.get(i + 2)?)?;
            out.push(hi * 16 + lo);
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    CompactString::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn xtext() {
        for s in ["plain", "a+b=c", "sp ace", "ünï"] {
            assert_eq!(xtext_decode(&xtext_encode(s)).as_deref(), Some(s));
        }
        assert_eq!(xtext_encode("a+b"), "a+2Bb");
        assert_eq!(xtext_decode("+2b"), None);
    }
}
