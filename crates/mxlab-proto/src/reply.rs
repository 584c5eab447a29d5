//! Replies: three-digit codes (RFC 5321 §4.2), multi-line replies, and the
//! enhanced status codes of RFC 3463 / RFC 2034.
//!
//! ```text
//! Reply-line     = *( Reply-code "-" [ textstring ] CRLF )
//!                  Reply-code [ SP textstring ] CRLF
//! ```
//!
//! [`Reply::to_bytes`] formats a reply; [`ReplyParser`] reads replies from a
//! byte stream in any chunking, bounded in memory.

use core::fmt;

use compact_str::CompactString;
use smallvec::SmallVec;

use crate::limits;

/// A three-digit reply code: first digit 2–5, second 0–5, third 0–9
/// (RFC 5321 §4.2.1).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReplyCode(u16);

impl ReplyCode {
    /// The code, if it is a valid SMTP reply code.
    pub const fn new(code: u16) -> Option<ReplyCode> {
        if code >= 200 && code <= 559 && (code / 10) % 10 <= 5 {
            Some(ReplyCode(code))
        } else {
            None
        }
    }

    /// The numeric value.
    pub const fn get(self) -> u16 {
        self.0
    }

    /// The first digit: 2 positive, 3 intermediate, 4 transient, 5 permanent.
    pub const fn class(self) -> u8 {
        (self.0 / 100) as u8
    }

    /// 2yz: the command succeeded.
    pub const fn is_positive(self) -> bool {
        self.class() == 2
    }

    /// 3yz: more input is expected (354, 334).
    pub const fn is_intermediate(self) -> bool {
        self.class() == 3
    }

    /// 4yz: failed this time; trying again later may work.
    pub const fn is_transient(self) -> bool {
        self.class() == 4
    }

    /// 5yz: failed for good; do not repeat the same request.
    pub const fn is_permanent(self) -> bool {
        self.class() == 5
    }
}

impl fmt::Display for ReplyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An RFC 3463 enhanced status code, `class.subject.detail`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EnhancedCode {
    /// 2 success, 4 persistent transient failure, 5 permanent failure.
    pub class: u8,
    /// What the status is about (0 other … 7 security), up to three digits.
    pub subject: u16,
    /// The detail within the subject, up to three digits.
    pub detail: u16,
}

impl EnhancedCode {
    /// A code from its three parts.
    pub const fn new(class: u8, subject: u16, detail: u16) -> EnhancedCode {
        EnhancedCode {
            class,
            subject,
            detail,
        }
    }

    /// Parses `class.subject.detail` (class 2, 4 or 5; 1–3 digits each).
    pub fn parse(s: &str) -> Option<EnhancedCode> {
        let mut parts = s.as_bytes().split(|&b| b == b'.');
        let class = parts.next()?;
        let subject = parts.next()?;
        let detail = parts.next()?;
        if parts.next().is_some() {
            return None;
        }
        let num = |p: &[u8]| {
            if p.is_empty() || p.len() > 3 || !p.iter().all(u8::is_ascii_digit) {
                None
            } else {
                Some(p.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0')))
            }
        };
        let class = match class {
            b"2" => 2,
            b"4" => 4,
            b"5" => 5,
            _ => return None,
        };
        Some(EnhancedCode::new(class, num(subject)?, num(detail)?))
    }
}

impl EnhancedCode {
    /// `class.subject.detail` as `Display` writes it: `text[..len]` (at
    /// most 17 octets), without allocating.
    fn canonical(self) -> ([u8; 17], usize) {
        let mut text = [0u8; 17];
        let mut len = 0;
        let parts = [u16::from(self.class), self.subject, self.detail];
        for (i, n) in parts.into_iter().enumerate() {
            if i > 0 {
                if let Some(b) = text.get_mut(len) {
                    *b = b'.';
                }
                len += 1;
            }
            let (digits, start) = decimal(n);
            for d in digits.get(start..).unwrap_or_default() {
                if let Some(b) = text.get_mut(len) {
                    *b = *d;
                }
                len += 1;
            }
        }
        (text, len.min(17))
    }

    /// Appends `class.subject.detail`, as `Display` writes it.
    fn write_to(self, out: &mut Vec<u8>) {
        let (text, len) = self.canonical();
        out.extend_from_slice(text.get(..len).unwrap_or_default());
    }
}

/// The decimal digits of `n`: `digits[start..]`.
fn decimal(mut n: u16) -> ([u8; 5], usize) {
    let mut digits = [0u8; 5];
    let mut i = digits.len();
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    (digits, i)
}

impl From<(u8, u16, u16)> for EnhancedCode {
    fn from((c, s, d): (u8, u16, u16)) -> Self {
        EnhancedCode::new(c, s, d)
    }
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// A complete reply: a code, an optional enhanced code, and one or more
/// lines of text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Reply {
    /// The reply code, the same on every line.
    pub code: ReplyCode,
    /// The enhanced code written at the start of each line, if any.
    pub enhanced: Option<EnhancedCode>,
    /// The text of each line, without code, separator or enhanced code.
    pub lines: ReplyLines,
}

/// The lines of a reply's text: one line (most replies) and short lines
/// are kept inline, without an allocation.
pub type ReplyLines = SmallVec<[CompactString; 1]>;

impl Reply {
    /// A single-line reply. An invalid `code` becomes 451 (local error).
    pub fn new(code: u16, text: impl Into<CompactString>) -> Reply {
        Reply {
            code: ReplyCode::new(code).unwrap_or(ReplyCode(451)),
            enhanced: None,
            lines: smallvec::smallvec![text.into()],
        }
    }

    /// A single-line reply with an enhanced status code.
    pub fn enhanced(
        code: u16,
        enhanced: impl Into<EnhancedCode>,
        text: impl Into<CompactString>,
    ) -> Reply {
        Reply {
            enhanced: Some(enhanced.into()),
            ..Reply::new(code, text)
        }
    }

    /// Adds a line of text (the reply becomes multi-line).
    pub fn with_line(mut self, text: impl Into<CompactString>) -> Reply {
        self.lines.push(text.into());
        self
    }

    /// All lines' text joined with a space (for logs and DSNs).
    pub fn text(&self) -> String {
        self.lines.join(" ")
    }

    /// The reply as one line for logs and diagnostics: `550 5.1.1 text`.
    pub fn summary(&self) -> String {
        match self.enhanced {
            Some(e) => format!("{} {} {}", self.code, e, self.text()),
            None => format!("{} {}", self.code, self.text()),
        }
    }

    /// The wire form: `250-first\r\n250 last\r\n`, the enhanced code (if
    /// any) repeated at the start of every line as RFC 2034 §4 requires.
    /// Text containing CR or LF is cleaned so a reply can never inject a
    /// line.
    pub fn to_bytes(&self) -> Vec<u8> {
        wire_form(
            self.code.get(),
            self.enhanced,
            self.lines.len(),
            self.lines.iter().map(CompactString::as_str),
        )
    }
}

/// The wire form of a reply of `n` lines (at least one; missing lines are
/// empty): what [`Reply::to_bytes`] writes, for replies that need not be
/// built first.
pub(crate) fn wire_form<'a>(
    code: u16,
    enhanced: Option<EnhancedCode>,
    n: usize,
    texts: impl Iterator<Item = &'a str> + Clone,
) -> Vec<u8> {
    let mut out = Vec::new();
    wire_form_into(&mut out, code, enhanced, n, texts);
    out
}

/// [`wire_form`], appended to `out`.
pub(crate) fn wire_form_into<'a>(
    out: &mut Vec<u8>,
    code: u16,
    enhanced: Option<EnhancedCode>,
    n: usize,
    texts: impl Iterator<Item = &'a str> + Clone,
) {
    let n = n.max(1);
    // Code, separator, enhanced code (at most 11), space, CRLF.
    let per_line = 4 + if enhanced.is_some() { 12 } else { 0 } + 2;
    out.reserve(n * per_line + texts.clone().map(str::len).sum::<usize>());
    let (digits, start) = decimal(code);
    let code = digits.get(start..).unwrap_or_default();
    let mut texts = texts;
    for i in 0..n {
        let text = texts.next().unwrap_or("");
        out.extend_from_slice(code);
        out.push(if i + 1 < n { b'-' } else { b' ' });
        if let Some(e) = enhanced {
            e.write_to(out);
            if !text.is_empty() {
                out.push(b' ');
            }
        }
        out.extend(
            text.bytes()
                .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
        out.extend_from_slice(b"\r\n");
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_bytes()))
    }
}

/// Why bytes from a server could not be read as a reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyError {
    /// A line does not start with a valid three-digit code and a separator.
    BadLine(String),
    /// A continuation line's code differs from the first line's.
    CodeChanged {
        /// The first line's code.
        expected: u16,
        /// The line's code.
        found: u16,
    },
    /// A line is longer than the parser's limit.
    LineTooLong,
    /// The reply has more lines than the parser's limit.
    TooManyLines,
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplyError::BadLine(l) => write!(f, "not an SMTP reply line: {l:?}"),
            ReplyError::CodeChanged { expected, found } => {
                write!(
                    f,
                    "reply code changed from {expected} to {found} inside a multi-line reply"
                )
            }
            ReplyError::LineTooLong => f.write_str("reply line too long"),
            ReplyError::TooManyLines => f.write_str("multi-line reply too long"),
        }
    }
}

impl std::error::Error for ReplyError {}

/// Parses one reply line (without its line ending): `(code, last, text)`.
pub fn parse_line(line: &[u8]) -> Result<(ReplyCode, bool, &[u8]), ReplyError> {
    let bad = || ReplyError::BadLine(String::from_utf8_lossy(line).into_owned());
    let digits = line.get(..3).ok_or_else(bad)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let n = digits
        .iter()
        .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    let code = ReplyCode::new(n).ok_or_else(bad)?;
    match line.get(3) {
        None => Ok((code, true, &[])),
        Some(b' ') => Ok((code, true, line.get(4..).unwrap_or_default())),
        Some(b'-') => Ok((code, false, line.get(4..).unwrap_or_default())),
        Some(_) => Err(bad()),
    }
}

/// Reads replies from a byte stream, in any chunking.
///
/// Lines end with LF (a preceding CR is removed); a bare CR inside a line
/// becomes a space, as [`Reply::to_bytes`] writes it, so a reply read here
/// formats back to the bytes that read as the same reply. Enhanced codes are recognised when the text of the first line
/// starts with one whose class matches the reply code's first digit
/// (RFC 2034 §4), and removed from every line that repeats it.
#[derive(Clone, Debug)]
pub struct ReplyParser {
    line: Vec<u8>,
    overflow: bool,
    /// The lines so far of a multi-line reply, and its enhanced code (read
    /// from the first line).
    pending: Option<(ReplyCode, ReplyLines, Option<EnhancedCode>)>,
    max_line: usize,
    max_lines: usize,
}

impl Default for ReplyParser {
    fn default() -> Self {
        ReplyParser::new()
    }
}

impl ReplyParser {
    /// A parser with MX Lab's limits: lines of 2048 octets (four times
    /// §4.5.3.1.5, as real servers exceed it), 256 lines per reply.
    pub fn new() -> ReplyParser {
        ReplyParser {
            line: Vec::new(),
            overflow: false,
            pending: None,
            max_line: limits::REPLY_LINE * 4,
            max_lines: 256,
        }
    }

    /// Feeds bytes; complete replies (or errors) are pushed to `out` in
    /// order. Returns how many bytes were consumed: all of them, unless a
    /// reply (or an error) completed and `stop_after_reply` is set, in which
    /// case the rest
    /// (for example the plaintext after a 220 to STARTTLS) is left to the
    /// caller.
    pub fn feed(
        &mut self,
        bytes: &[u8],
        stop_after_reply: bool,
        out: &mut Vec<Result<Reply, ReplyError>>,
    ) -> usize {
        let mut at = 0;
        while at < bytes.len() {
            let rest = bytes.get(at..).unwrap_or_default();
            let (chunk, end) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (rest.get(..i).unwrap_or_default(), Some(at + i + 1)),
                None => (rest, None),
            };
            // Bytes past the line limit are dropped; the line is refused.
            let room = self.max_line.saturating_sub(self.line.len());
            if chunk.len() > room {
                self.overflow = true;
            }
            self.line
                .extend_from_slice(chunk.get(..chunk.len().min(room)).unwrap_or_default());
            let Some(next) = end else {
                break;
            };
            at = next;
            if self.line.last() == Some(&b'\r') {
                self.line.pop();
            }
            if core::mem::take(&mut self.overflow) {
                self.line.clear();
                self.pending = None;
                out.push(Err(ReplyError::LineTooLong));
                // Like any other result, this one ends a stopping feed.
                if stop_after_reply {
                    return at;
                }
                continue;
            }
            // The buffer goes back (emptied) for the next line.
            let mut line = core::mem::take(&mut self.line);
            let reply = self.take_line(&line);
            line.clear();
            self.line = line;
            if let Some(r) = reply {
                out.push(r);
                if stop_after_reply {
                    return at;
                }
            }
        }
        bytes.len()
    }

    /// Forgets any partial reply or line (for a new connection), keeping
    /// the line buffer's room.
    pub fn reset(&mut self) {
        self.line.clear();
        self.overflow = false;
        self.pending = None;
    }

    /// Whether a partial reply or line is buffered.
    pub fn is_idle(&self) -> bool {
        self.line.is_empty() && self.pending.is_none()
    }

    fn take_line(&mut self, line: &[u8]) -> Option<Result<Reply, ReplyError>> {
        let (code, last, text) = match parse_line(line) {
            Ok(v) => v,
            Err(e) => {
                self.pending = None;
                return Some(Err(e));
            }
        };
        let (first_code, mut lines, enhanced) = match self.pending.take() {
            Some(p) => p,
            // The enhanced code, if any, starts the first line (RFC 2034 §4).
            None => (code, ReplyLines::new(), enhanced_of(code, text)),
        };
        if first_code != code {
            return Some(Err(ReplyError::CodeChanged {
                expected: first_code.get(),
                found: code.get(),
            }));
        }
        if lines.len() >= self.max_lines {
            return Some(Err(ReplyError::TooManyLines));
        }
        lines.push(line_text(text, enhanced));
        if !last {
            self.pending = Some((code, lines, enhanced));
            return None;
        }
        Some(Ok(Reply {
            code,
            enhanced,
            lines,
        }))
    }
}

/// The enhanced code at the start of a reply's first line, if it has one of
/// the reply's class.
fn enhanced_of(code: ReplyCode, first: &[u8]) -> Option<EnhancedCode> {
    // A bare CR reads as a space (see `line_text`).
    let word = first.split(|&b| b == b' ' || b == b'\r').next()?;
    core::str::from_utf8(word)
        .ok()
        .and_then(EnhancedCode::parse)
        .filter(|e| e.class == code.class())
}

/// A line's text without the reply's enhanced code (and the space after
/// it). A bare CR cannot be written back (`to_bytes` cleans it): a space.
fn line_text(text: &[u8], enhanced: Option<EnhancedCode>) -> CompactString {
    let cut = enhanced.map_or(0, |e| {
        let (canonical, len) = e.canonical();
        let prefix = canonical.get(..len).unwrap_or_default();
        match text.strip_prefix(prefix) {
            Some([]) => prefix.len(),
            Some([b' ' | b'\r', ..]) => prefix.len() + 1,
            _ => 0,
        }
    });
    let rest = text.get(cut..).unwrap_or_default();
    let s = String::from_utf8_lossy(rest);
    if s.contains('\r') {
        CompactString::from(s.replace('\r', " "))
    } else {
        CompactString::from(s.as_ref())
    }
}

/// Parses one complete reply from bytes (convenience for tests and tools).
pub fn parse_reply(bytes: &[u8]) -> Result<Reply, ReplyError> {
    let mut p = ReplyParser::new();
    let mut out = Vec::new();
    p.feed(bytes, true, &mut out);
    out.into_iter().next().unwrap_or_else(|| {
        Err(ReplyError::BadLine(
            String::from_utf8_lossy(bytes).into_owned(),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_all(bytes: &[u8], one_at_a_time: bool) -> Vec<Result<Reply, ReplyError>> {
        let mut p = ReplyParser::new();
        let mut out = Vec::new();
        if one_at_a_time {
            for b in bytes {
                p.feed(core::slice::from_ref(b), false, &mut out);
            }
        } else {
            p.feed(bytes, false, &mut out);
        }
        out
    }

    #[test]
    fn canonical_enhanced_code_is_what_display_writes() {
        for (class, subject, detail) in [(2, 0, 0), (4, 7, 10), (5, 999, 999), (2, 65535, 65535)] {
            let e = EnhancedCode::new(class, subject, detail);
            let (text, len) = e.canonical();
            assert_eq!(&text[..len], e.to_string().as_bytes());
        }
    }

    #[test]
    fn enhanced_code_leaves_every_line_and_a_bare_cr_reads_as_a_space() {
        let r = parse_reply(b"250-2.1.0 first\r\n250-2.1.0\r\n250 2.1.0\rlast \xff\r\n").unwrap();
        assert_eq!(r.enhanced, Some(EnhancedCode::new(2, 1, 0)));
        assert_eq!(r.lines.as_slice(), ["first", "", "last \u{fffd}"]);
        // An enhanced code of another class is text; so is a non-canonical one.
        let r = parse_reply(b"250 5.1.1 odd\r\n").unwrap();
        assert_eq!((r.enhanced, r.lines[0].as_str()), (None, "5.1.1 odd"));
        let r = parse_reply(b"250 2.01.0 ok\r\n").unwrap();
        assert_eq!(r.enhanced, Some(EnhancedCode::new(2, 1, 0)));
        assert_eq!(r.lines[0], "2.01.0 ok");
        // A bare CR inside the first word still ends it.
        let r = parse_reply(b"451 4.3.0\rbusy\r\n").unwrap();
        assert_eq!(
            (r.enhanced, r.lines[0].as_str()),
            (Some(EnhancedCode::new(4, 3, 0)), "busy")
        );
    }

    #[test]
    fn parses_replies_in_any_chunking() {
        let cases: &[(&[u8], Reply)] = &[
            (
                b"220 poolp.org ESMTP OpenSMTPD\r\n",
                Reply::new(220, "poolp.org ESMTP OpenSMTPD"),
            ),
            (
                b"250 2.1.5 Destination address valid: Recipient ok\r\n",
                Reply::enhanced(250, (2, 1, 5), "Destination address valid: Recipient ok"),
            ),
            (
                b"250-poolp.org Hello\r\n250-8BITMIME\r\n250-SIZE 36700160\r\n250 HELP\r\n",
                Reply::new(250, "poolp.org Hello")
                    .with_line("8BITMIME")
                    .with_line("SIZE 36700160")
                    .with_line("HELP"),
            ),
            (
                b"550-5.1.1 No such user\r\n550 5.1.1 here\r\n",
                Reply::enhanced(550, (5, 1, 1), "No such user").with_line("here"),
            ),
            // Class mismatch: not an enhanced code (RFC 2034 §4).
            (b"250 5.0.0 odd\r\n", Reply::new(250, "5.0.0 odd")),
            (b"354\n", Reply::new(354, "")),
            (b"221 2.0.0\r\n", Reply::enhanced(221, (2, 0, 0), "")),
        ];
        for (bytes, want) in cases {
            for one in [false, true] {
                let got = feed_all(bytes, one);
                assert_eq!(
                    got,
                    vec![Ok(want.clone())],
                    "{:?}",
                    String::from_utf8_lossy(bytes)
                );
            }
        }
    }

    #[test]
    fn format_round_trips() {
        let replies = [
            Reply::new(220, "mx.example.org ESMTP MX Lab"),
            Reply::enhanced(552, (5, 3, 4), "Message size exceeds fixed limit"),
            Reply::new(250, "mx.example.org")
                .with_line("PIPELINING")
                .with_line("SIZE 10240000"),
            Reply::enhanced(550, (5, 7, 1), "Relaying denied").with_line("see policy"),
        ];
        for r in replies {
            let bytes = r.to_bytes();
            assert_eq!(parse_reply(&bytes), Ok(r.clone()));
        }
        assert_eq!(
            Reply::new(250, "a").with_line("b").to_bytes(),
            b"250-a\r\n250 b\r\n".to_vec()
        );
        assert_eq!(
            Reply::new(250, "x\r\n250 y").to_bytes(),
            b"250 x  250 y\r\n".to_vec()
        );
    }

    #[test]
    fn rejects_bad_lines() {
        let cases: &[(&[u8], ReplyError)] = &[
            (b"hello\r\n", ReplyError::BadLine("hello".into())),
            (b"600 no\r\n", ReplyError::BadLine("600 no".into())),
            (b"25 short\r\n", ReplyError::BadLine("25 short".into())),
            (b"250+x\r\n", ReplyError::BadLine("250+x".into())),
            (
                b"250-a\r\n550 b\r\n",
                ReplyError::CodeChanged {
                    expected: 250,
                    found: 550,
                },
            ),
        ];
        for (bytes, err) in cases {
            for one in [false, true] {
                assert_eq!(feed_all(bytes, one), vec![Err(err.clone())]);
            }
        }
        let mut long = vec![b'2', b'5', b'0', b' '];
        long.extend(std::iter::repeat_n(b'x', 10_000));
        long.extend_from_slice(b"\r\n250 ok\r\n");
        assert_eq!(
            feed_all(&long, false),
            vec![Err(ReplyError::LineTooLong), Ok(Reply::new(250, "ok"))]
        );
    }

    #[test]
    fn a_bare_cr_in_a_reply_line_reads_as_a_space() {
        // Found by the reply_parser fuzz target: the CR was kept in the text,
        // and `to_bytes` wrote a space, so the reply did not round-trip.
        let bytes = b"250-mx.example.org Hello\r\n250-PIPELINING\r\x05\r\n250 HELP\r\n";
        for one in [false, true] {
            let got = feed_all(bytes, one);
            let want = Reply::new(250, "mx.example.org Hello")
                .with_line("PIPELINING \u{5}")
                .with_line("HELP");
            assert_eq!(got, vec![Ok(want.clone())]);
            assert_eq!(parse_reply(&want.to_bytes()), Ok(want));
        }
    }

    #[test]
    fn a_too_long_line_ends_a_stopping_feed_too() {
        // Found by the client_session fuzz target: the error for an
        // over-long line did not stop the feed, so the reply after it came
        // out of the same call; the client acted on the error (closed the
        // session) and then on the reply (an event after Close).
        let mut bytes = b"250 ".to_vec();
        bytes.extend(std::iter::repeat_n(b'x', 3000));
        bytes.extend_from_slice(b"\r\n250 ok\r\n");
        let mut p = ReplyParser::new();
        let mut out = Vec::new();
        let used = p.feed(&bytes, true, &mut out);
        assert_eq!(out, vec![Err(ReplyError::LineTooLong)]);
        assert_eq!(used, 3006);
        let rest = bytes.get(used..).unwrap_or_default();
        assert_eq!(p.feed(rest, true, &mut out), rest.len());
        assert_eq!(
            out,
            vec![Err(ReplyError::LineTooLong), Ok(Reply::new(250, "ok"))]
        );
    }

    #[test]
    fn stops_after_one_reply_when_asked() {
        let mut p = ReplyParser::new();
        let mut out = Vec::new();
        let bytes = b"220 2.0.0 Ready to start TLS\r\n250 injected\r\n";
        let used = p.feed(bytes, true, &mut out);
        assert_eq!(used, 30);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn codes() {
        assert!(ReplyCode::new(199).is_none());
        assert!(ReplyCode::new(260).is_none());
        assert!(ReplyCode::new(600).is_none());
        assert!(ReplyCode::new(452).unwrap().is_transient());
        assert_eq!(
            EnhancedCode::parse("5.1.10"),
            Some(EnhancedCode::new(5, 1, 10))
        );
        assert_eq!(EnhancedCode::parse("3.1.1"), None);
        assert_eq!(EnhancedCode::parse("5.1"), None);
        assert_eq!(EnhancedCode::parse("5.1.1000"), None);
    }
}
