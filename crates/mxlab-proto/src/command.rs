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
//!
//! The ESMTP parameters of MAIL and RCPT, and xtext, live in `params`
//! (re-exported here).

use core::fmt;

use compact_str::CompactString;

use crate::path::{simple_path, ForwardPath, PathError, PathOptions, ReversePath};
use crate::reply::Reply;

mod params;

use params::{parse_mail_params, parse_rcpt_params};
pub use params::{xtext_decode, xtext_encode, Body, MailParams, Notify, RcptParams, Ret};

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

#[cfg(test)]
mod tests;
