//! Bytes on the wire: command lines, message data, dot-stuffing, and the
//! bare CR / bare LF policy.
//!
//! SMTP lines end with CRLF (RFC 5321 §2.3.8). A bare LF or bare CR is not
//! a line ending, and the end of the data is CRLF "." CRLF only
//! (§4.1.1.4). Real servers have disagreed about that, and the
//! disagreement is what *SMTP smuggling* exploits: if one server passes
//! `<LF>.<CR><LF>` on as content and the next one takes it as the end of
//! the data, whatever follows becomes a second, forged message. MX Lab
//! names the behaviours so a scenario can pick one:
//!
//! | Policy | Bare LF / CR in data | End of data |
//! |---|---|---|
//! | [`BareLinePolicy::Strict`] | message refused after the dot (550 5.5.2) | `CRLF.CRLF` only |
//! | [`BareLinePolicy::Preserve`] | kept as content, passed on unchanged | `CRLF.CRLF` only |
//! | [`BareLinePolicy::Lenient`] | a bare LF ends a line | also `LF.LF`, `LF.CRLF`, `CRLF.LF` |

use crate::limits;

/// How bare CR and bare LF in message data are treated (see the module docs).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum BareLinePolicy {
    /// Refuse a message with a bare CR or LF (RFC 5321 §2.3.8; Postfix's
    /// `smtpd_forbid_bare_newline = reject`).
    #[default]
    Strict,
    /// Keep bare CR and LF as content; only CRLF.CRLF ends the data. A relay
    /// doing this forwards a smuggling payload intact.
    Preserve,
    /// Treat a bare LF as a line ending, so `<LF>.<LF>` and `<LF>.<CR><LF>`
    /// end the data (the behaviour SMTP smuggling relies on downstream).
    Lenient,
}

/// How a line read from the wire ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum LineEnding {
    /// CR LF, as the RFC requires.
    CrLf,
    /// A LF with no CR before it.
    BareLf,
}

/// One line read by a [`LineReader`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The line without its ending (truncated at the limit if too long).
    pub text: Vec<u8>,
    /// How it ended.
    pub ending: LineEnding,
    /// Whether the line, ending included, exceeded the reader's limit.
    pub too_long: bool,
    /// Whether the line contains a CR not followed by LF.
    pub bare_cr: bool,
}

/// Splits a byte stream into LF-terminated lines, in any chunking, keeping
/// at most `max` octets of a line in memory.
#[derive(Clone, Debug)]
pub struct LineReader {
    buf: Vec<u8>,
    len: usize,
    last: Option<u8>,
    max: usize,
}

impl LineReader {
    /// A reader for lines of at most `max` octets, CRLF included.
    pub fn new(max: usize) -> LineReader {
        LineReader {
            buf: Vec::new(),
            len: 0,
            last: None,
            max,
        }
    }

    /// Empties the reader for a new connection with limit `max`, keeping
    /// its buffer's room.
    pub fn reset(&mut self, max: usize) {
        self.buf.clear();
        self.len = 0;
        self.last = None;
        self.max = max;
    }

    /// Changes the limit (for example between commands and data).
    pub fn set_max(&mut self, max: usize) {
        self.max = max;
    }

    /// Whether part of a line is buffered.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Gives back the text of a line that has been read, so that the next
    /// line reuses its room.
    pub fn recycle(&mut self, mut text: Vec<u8>) {
        if self.buf.capacity() == 0 {
            text.clear();
            self.buf = text;
        }
    }

    /// Reads bytes until one line is complete. Returns how many bytes were
    /// consumed and the line, if one ended.
    pub fn feed(&mut self, bytes: &[u8]) -> (usize, Option<Line>) {
        let (chunk, consumed, done) = match memchr::memchr(b'\n', bytes) {
            Some(i) => (bytes.get(..i).unwrap_or_default(), i + 1, true),
            None => (bytes, bytes.len(), false),
        };
        // Keep one byte beyond the limit so a trailing CR can be recognised.
        let room = (self.max + 1).saturating_sub(self.buf.len());
        self.buf
            .extend_from_slice(chunk.get(..chunk.len().min(room)).unwrap_or_default());
        self.len = self.len.saturating_add(chunk.len());
        if let Some(&b) = chunk.last() {
            self.last = Some(b);
        }
        if !done {
            return (consumed, None);
        }
        let mut text = core::mem::take(&mut self.buf);
        let total = core::mem::take(&mut self.len);
        let crlf = self.last.take() == Some(b'\r');
        if crlf && total == text.len() {
            text.pop();
        }
        let octets = total + 1; // the LF
        let too_long = octets > self.max;
        text.truncate(self.max.saturating_sub(2));
        let bare_cr = memchr::memchr(b'\r', &text).is_some();
        let ending = if crlf {
            LineEnding::CrLf
        } else {
            LineEnding::BareLf
        };
        (
            consumed,
            Some(Line {
                text,
                ending,
                too_long,
                bare_cr,
            }),
        )
    }
}

/// What a [`DataReader`] found once the data ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataEnd {
    /// The message, un-stuffed, with the line endings as received (or CRLF
    /// for lines a lenient reader ended at a bare LF). Empty if the message
    /// exceeded the size limit.
    pub content: Vec<u8>,
    /// The message size in octets, counted even past the limit.
    pub size: u64,
    /// The message exceeded the size limit (RFC 1870: 552 5.3.4).
    pub too_big: bool,
    /// A text line exceeded 1000 octets (§4.5.3.1.6: 500 Line too long).
    pub line_too_long: bool,
    /// The data held a bare LF or bare CR.
    pub bare_line_ending: bool,
    /// How the end of data was written (`\r\n.\r\n`, or a lenient variant),
    /// for the trace.
    pub terminator: &'static str,
}

/// Reads message data after 354 up to the end-of-data marker, removing
/// dot-stuffing (RFC 5321 §4.5.2), in any chunking and in bounded memory.
#[derive(Clone, Debug)]
pub struct DataReader {
    lines: LineReader,
    policy: BareLinePolicy,
    max_size: Option<u64>,
    /// Whether the previous line ended with CRLF (true at the start: the
    /// DATA command's own CRLF precedes the content).
    prev_crlf: bool,
    end: DataEnd,
}

impl DataReader {
    /// A reader with a size limit (`None`: unlimited) and a policy.
    pub fn new(policy: BareLinePolicy, max_size: Option<u64>) -> DataReader {
        DataReader {
            // One octet more than §4.5.3.1.6 allows: the limit excludes the
            // dot added for transparency, checked once it is removed.
            lines: LineReader::new(limits::TEXT_LINE + 1),
            policy,
            max_size,
            prev_crlf: true,
            end: DataEnd::default(),
        }
    }

    /// The message size so far in octets, counted even past the limit:
    /// it grows by at least one with every line read.
    pub fn size(&self) -> u64 {
        self.end.size
    }

    /// Moves the content read so far to the end of `into`, so that it can
    /// be written out as it arrives; the [`DataEnd`] then holds only what
    /// came after. Nothing is kept once the message exceeded the size
    /// limit.
    pub fn take_content(&mut self, into: &mut Vec<u8>) {
        into.append(&mut self.end.content);
    }

    /// Reads bytes until the end of data. Returns how many bytes were
    /// consumed and, once the end marker was read, what was received. The
    /// bytes after the marker (pipelined commands) are not consumed.
    pub fn feed(&mut self, mut bytes: &[u8]) -> (usize, Option<DataEnd>) {
        let mut used = 0;
        while !bytes.is_empty() {
            let (n, line) = self.lines.feed(bytes);
            used += n;
            bytes = bytes.get(n..).unwrap_or_default();
            let Some(line) = line else { continue };
            if let Some(end) = self.line(line) {
                return (used, Some(end));
            }
        }
        (used, None)
    }

    fn line(&mut self, line: Line) -> Option<DataEnd> {
        let crlf = line.ending == LineEnding::CrLf;
        let lenient = self.policy == BareLinePolicy::Lenient;
        if line.text == b"." && (lenient || (crlf && self.prev_crlf)) {
            let mut end = core::mem::take(&mut self.end);
            end.terminator = match (self.prev_crlf, crlf) {
                (true, true) => "\\r\\n.\\r\\n",
                (true, false) => "\\r\\n.\\n",
                (false, true) => "\\n.\\r\\n",
                (false, false) => "\\n.\\n",
            };
            if end.too_big {
                end.content = Vec::new();
            }
            self.lines.recycle(line.text);
            return Some(end);
        }
        // A line starts after a real line ending; only there is a leading
        // dot transparency (§4.5.2).
        let starts_line = lenient || self.prev_crlf;
        let text = match line.text.split_first() {
            Some((b'.', rest)) if starts_line => rest,
            _ => &line.text[..],
        };
        if line.bare_cr || !crlf {
            self.end.bare_line_ending = true;
        }
        let ending_len = if crlf { 2 } else { 1 };
        if line.too_long || text.len() + ending_len > limits::TEXT_LINE {
            self.end.line_too_long = true;
        }
        let ending: &[u8] = match (crlf, lenient) {
            (true, _) | (false, true) => b"\r\n",
            (false, false) => b"\n",
        };
        let n = (text.len() + ending.len()) as u64;
        self.end.size = self.end.size.saturating_add(n);
        if self.max_size.is_some_and(|m| self.end.size > m) {
            self.end.too_big = true;
            self.end.content = Vec::new();
        } else {
            self.end.content.extend_from_slice(text);
            self.end.content.extend_from_slice(ending);
        }
        self.prev_crlf = crlf;
        self.lines.recycle(line.text);
        None
    }
}

/// Dot-stuffs a message for DATA and appends the end-of-data marker
/// (RFC 5321 §4.5.2): a line starting with `.` gets another `.`, a message
/// not ending in CRLF gets one, then `.` CRLF. Bare LFs are left as they
/// are: a client that sends them is what the smuggling lesson shows.
pub fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 64 + 5);
    // A line starts at the beginning and after each CRLF; a dot there is
    // doubled. Everything between is copied as it is.
    if message.first() == Some(&b'.') {
        out.push(b'.');
    }
    let mut copied = 0;
    for at in memchr::memmem::find_iter(message, b"\r\n.") {
        // Up to and including the line's first dot, then one more.
        out.extend_from_slice(message.get(copied..at + 3).unwrap_or_default());
        out.push(b'.');
        copied = at + 3;
    }
    out.extend_from_slice(message.get(copied..).unwrap_or_default());
    if !out.ends_with(b"\r\n") && !message.is_empty() {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// Converts every bare LF to CRLF (what a careful client does with a
/// message read from a Unix file before sending it).
pub fn normalize_crlf(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 32);
    let mut prev = 0u8;
    for &b in message {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_data(
        policy: BareLinePolicy,
        max: Option<u64>,
        bytes: &[u8],
        one: bool,
    ) -> (usize, Option<DataEnd>) {
        let mut r = DataReader::new(policy, max);
        if !one {
            return r.feed(bytes);
        }
        for (i, b) in bytes.iter().enumerate() {
            let (n, end) = r.feed(core::slice::from_ref(b));
            assert_eq!(n, 1);
            if end.is_some() {
                return (i + 1, end);
            }
        }
        (bytes.len(), None)
    }

    #[test]
    fn lines_in_any_chunking() {
        let input = b"EHLO a\r\nMAIL FROM:<b>\nNOOP\rx\r\n";
        for one in [false, true] {
            let mut r = LineReader::new(512);
            let mut lines = Vec::new();
            let mut rest: &[u8] = input;
            while !rest.is_empty() {
                let step = if one { 1 } else { rest.len() };
                let (n, line) = r.feed(rest.get(..step).unwrap());
                rest = &rest[n..];
                lines.extend(line);
            }
            assert_eq!(lines.len(), 3);
            assert_eq!(lines[0].text, b"EHLO a");
            assert_eq!(lines[0].ending, LineEnding::CrLf);
            assert_eq!(lines[1].ending, LineEnding::BareLf);
            assert!(lines[2].bare_cr);
            assert!(lines.iter().all(|l| !l.too_long));
        }
    }

    #[test]
    fn line_limit_counts_crlf_and_bounds_memory() {
        let mut r = LineReader::new(512);
        let ok = [vec![b'a'; 510], b"\r\n".to_vec()].concat();
        assert!(!r.feed(&ok).1.unwrap().too_long);
        let long = [vec![b'a'; 511], b"\r\n".to_vec()].concat();
        assert!(r.feed(&long).1.unwrap().too_long);
        for _ in 0..1000 {
            assert_eq!(r.feed(&[b'x'; 1000]), (1000, None));
        }
        assert!(r.buf.len() <= 513);
        let l = r.feed(b"\r\n").1.unwrap();
        assert!(l.too_long);
        assert_eq!(l.text.len(), 510);
    }

    type DataCase<'a> = (BareLinePolicy, &'a [u8], Option<&'a [u8]>, &'a str);

    #[test]
    fn data_end_and_unstuffing() {
        let cases: &[DataCase<'_>] = &[
            (
                BareLinePolicy::Strict,
                b"Subject: x\r\n\r\npoint made\r\n.\r\nQUIT\r\n",
                Some(b"Subject: x\r\n\r\npoint made\r\n"),
                "\\r\\n.\\r\\n",
            ),
            (
                BareLinePolicy::Strict,
                b"..leading dot\r\n...\r\n.\r\n",
                Some(b".leading dot\r\n..\r\n"),
                "\\r\\n.\\r\\n",
            ),
            (BareLinePolicy::Strict, b".\r\n", Some(b""), "\\r\\n.\\r\\n"),
            // Smuggling inputs: not an end for Strict or Preserve...
            (
                BareLinePolicy::Strict,
                b"a\n.\r\nMAIL FROM:<x@y.example>\r\n",
                None,
                "",
            ),
            (BareLinePolicy::Preserve, b"a\n.\r\nb\r\n", None, ""),
            (BareLinePolicy::Strict, b"a\r\n.\nb\r\n", None, ""),
            // ...but the end for Lenient.
            (
                BareLinePolicy::Lenient,
                b"a\n.\r\nMAIL FROM:<x@y.example>\r\n",
                Some(b"a\r\n"),
                "\\n.\\r\\n",
            ),
            (
                BareLinePolicy::Lenient,
                b"a\r\n.\nMAIL",
                Some(b"a\r\n"),
                "\\r\\n.\\n",
            ),
            (
                BareLinePolicy::Lenient,
                b"a\n.\nMAIL",
                Some(b"a\r\n"),
                "\\n.\\n",
            ),
        ];
        for (policy, input, want, term) in cases {
            for one in [false, true] {
                let (used, end) = read_data(*policy, None, input, one);
                match want {
                    None => assert!(end.is_none(), "{policy:?} {input:?}"),
                    Some(content) => {
                        let end = end.unwrap_or_else(|| panic!("{policy:?} {input:?}"));
                        assert_eq!(&end.content[..], *content, "{policy:?} {input:?}");
                        assert_eq!(end.terminator, *term);
                        assert!(
                            !input[used..].starts_with(b"."),
                            "pipelined bytes stay unread"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn preserve_keeps_bare_lf_and_strict_flags_it() {
        let input = b"a\n.\r\nb\r\n.\r\n";
        let (_, end) = read_data(BareLinePolicy::Preserve, None, input, false);
        let end = end.unwrap();
        assert_eq!(end.content, b"a\n.\r\nb\r\n");
        assert!(end.bare_line_ending);
        let (_, end) = read_data(BareLinePolicy::Strict, None, b"x\ry\r\n.\r\n", true);
        assert!(end.unwrap().bare_line_ending);
    }

    #[test]
    fn size_and_line_limits() {
        let body = [b"0123456789\r\n".repeat(100), b".\r\n".to_vec()].concat();
        let (_, end) = read_data(BareLinePolicy::Strict, Some(500), &body, false);
        let end = end.unwrap();
        assert!(end.too_big);
        assert!(end.content.is_empty());
        assert_eq!(end.size, 1200);
        let long = [vec![b'x'; 999], b"\r\n.\r\n".to_vec()].concat();
        let (_, end) = read_data(BareLinePolicy::Strict, None, &long, false);
        assert!(end.unwrap().line_too_long);
        let fits = [vec![b'x'; 998], b"\r\n.\r\n".to_vec()].concat();
        let (_, end) = read_data(BareLinePolicy::Strict, None, &fits, false);
        assert!(!end.unwrap().line_too_long);
        // The transparency dot does not count (§4.5.3.1.6).
        let stuffed = [b"..".to_vec(), vec![b'x'; 997], b"\r\n.\r\n".to_vec()].concat();
        let (_, end) = read_data(BareLinePolicy::Strict, None, &stuffed, false);
        assert!(!end.unwrap().line_too_long);
        let over = [b"..".to_vec(), vec![b'x'; 998], b"\r\n.\r\n".to_vec()].concat();
        let (_, end) = read_data(BareLinePolicy::Strict, None, &over, false);
        assert!(end.unwrap().line_too_long);
    }

    #[test]
    fn stuffing_round_trips() {
        let msgs: &[&[u8]] = &[
            b"Subject: x\r\n\r\n.hidden\r\n..two\r\nend",
            b"",
            b".\r\n",
            b"a\r\n.\r\n",
        ];
        for m in msgs {
            let wire = dot_stuff(m);
            let (used, end) = read_data(BareLinePolicy::Strict, None, &wire, false);
            assert_eq!(used, wire.len());
            let mut want = m.to_vec();
            if !want.is_empty() && !want.ends_with(b"\r\n") {
                want.extend_from_slice(b"\r\n");
            }
            assert_eq!(end.unwrap().content, want);
        }
        assert_eq!(normalize_crlf(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
    }

    /// RFC 5321 §4.5.2 line by line: a line that starts with a dot gets
    /// another (the reference `dot_stuff` is checked against).
    fn stuffed_line_by_line(message: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut rest = message;
        loop {
            if rest.first() == Some(&b'.') {
                out.push(b'.');
            }
            let Some(end) = rest.windows(2).position(|w| w == b"\r\n") else {
                out.extend_from_slice(rest);
                break;
            };
            let (line, next) = rest.split_at(end + 2);
            out.extend_from_slice(line);
            rest = next;
        }
        if !out.ends_with(b"\r\n") && !message.is_empty() {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
        out
    }

    proptest::proptest! {
        #[test]
        fn stuffing_doubles_the_dot_at_the_start_of_every_line(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(&b"\r\n"[..]),
                    proptest::strategy::Just(&b"."[..]),
                    proptest::strategy::Just(&b"\r"[..]),
                    proptest::strategy::Just(&b"\n"[..]),
                    proptest::strategy::Just(&b"x"[..]),
                ],
                0..40,
            )
        ) {
            let message = parts.concat();
            proptest::prop_assert_eq!(dot_stuff(&message), stuffed_line_by_line(&message));
        }
    }
}

/// Buffers a host gave back after transmitting them, for a session's next
/// output: a session that talks for long allocates its output once.
#[derive(Clone, Debug, Default)]
pub(crate) struct Spare(Vec<Vec<u8>>);

impl Spare {
    /// At most this many buffers are kept, each of at most this capacity.
    const KEEP: usize = 8;
    const ROOM: usize = 4096;

    /// An empty buffer: a spare one, or a new one.
    pub(crate) fn take(&mut self) -> Vec<u8> {
        self.0.pop().unwrap_or_default()
    }

    /// Keeps `buf` (emptied) for later, unless enough are kept already.
    pub(crate) fn keep(&mut self, mut buf: Vec<u8>) {
        if self.0.len() < Self::KEEP && buf.capacity() > 0 && buf.capacity() <= Self::ROOM {
            buf.clear();
            self.0.push(buf);
        }
    }
}
