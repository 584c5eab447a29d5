//! The C:/S: lines of a run's sessions, each with its meaning and RFC
//! section, as a transcript shows them.

use std::collections::{BTreeMap, BTreeSet};

use crate::time::SimTime;
use compact_str::CompactString;

use crate::trace::{EventKind, Hosts, Octets, Trace};

/// One line of a transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscriptLine {
    /// `C` (client), `S` (server), or [`CUT`] for the marker that ends a
    /// session cut before QUIT (a reset, or the client's timeout).
    pub who: char,
    /// The line, line ending removed; for the marker, the trace's
    /// explanation of the cut.
    pub text: String,
    /// When it arrived.
    pub at: SimTime,
    /// What it means, with its RFC section.
    pub hover: String,
    /// Sent after TLS was established (ciphertext on the wire).
    pub encrypted: bool,
}

/// The `who` of the marker line ending a cut session (written `-- ` before
/// its explanation in an exported transcript, as `mxlab transcript` does).
pub const CUT: char = '-';

/// Two hosts, either way round, and a message.
type Key = (CompactString, CompactString, Option<CompactString>);

fn key(hosts: &Hosts, message: &Option<CompactString>) -> Key {
    let a = hosts.first().cloned().unwrap_or_default();
    let b = hosts.get(1).cloned().unwrap_or_default();
    if a <= b {
        (a, b, message.clone())
    } else {
        (b, a, message.clone())
    }
}

/// The lines of connection `only`, or of every connection, in one pass
/// over `trace`, by connection.
pub fn transcripts(trace: &Trace, only: Option<u64>) -> BTreeMap<u64, Vec<TranscriptLine>> {
    let mut tls = BTreeSet::new();
    let mut out: BTreeMap<u64, Vec<TranscriptLine>> = BTreeMap::new();
    // The connection each pair of hosts last sent a command on, for each
    // message: a verifying host's verdicts are told in the hover of its
    // next reply on it (its answer to the end of DATA).
    let mut last_conn: BTreeMap<Key, u64> = BTreeMap::new();
    let mut verdicts: BTreeMap<u64, String> = BTreeMap::new();
    for e in trace {
        if let EventKind::Command { conn, .. } = &e.kind {
            last_conn.insert(key(&e.hosts, &e.message), *conn);
        }
        match &e.kind {
            EventKind::Command { conn, line, .. } | EventKind::Reply { conn, line, .. }
                if only.is_none_or(|o| o == *conn) =>
            {
                let (text, rfc) = e.describe();
                let who = if matches!(e.kind, EventKind::Command { .. }) {
                    'C'
                } else {
                    'S'
                };
                let mut hover = format!("{text} ({rfc})");
                if who == 'S' {
                    if let Some(v) = verdicts.remove(conn) {
                        hover.push_str("\n\nAuthentication:");
                        hover.push_str(&v);
                    }
                }
                out.entry(*conn).or_default().push(TranscriptLine {
                    who,
                    text: line_text(line),
                    at: e.at,
                    hover,
                    encrypted: tls.contains(conn),
                });
            }
            EventKind::Auth { check, result, .. } => {
                if let Some(conn) = last_conn.get(&key(&e.hosts, &e.message)) {
                    let (why, rfc) = e.describe();
                    let told = verdicts.entry(*conn).or_default();
                    told.push_str(&format!("\n{} {result}: {why} ({rfc})", check.label()));
                }
            }
            EventKind::Abort { conn, .. } if only.is_none_or(|o| o == *conn) => {
                verdicts.remove(conn);
                let (text, rfc) = e.describe();
                out.entry(*conn).or_default().push(TranscriptLine {
                    who: CUT,
                    hover: format!("{text} ({rfc})"),
                    text,
                    at: e.at,
                    encrypted: false,
                });
            }
            EventKind::TlsUpgrade { conn, ok: true } => {
                tls.insert(*conn);
            }
            _ => {}
        }
    }
    out
}

/// What a line of SMTP means, with its RFC section: for a command line
/// (`who` `C`), what its verb does; for a reply line (`S`), what its code
/// (and enhanced status code) means. `None` for a line it cannot place.
/// The trace's events and the console's lines are explained by this one
/// function.
pub fn explain_line(who: char, line: &[u8]) -> Option<(String, String)> {
    use mxlab_proto::explain;
    match who {
        'C' => {
            let verb = line
                .split(|b| *b == b' ' || *b == b'\r' || *b == b'\n')
                .next()
                .and_then(|w| core::str::from_utf8(w).ok())
                .unwrap_or_default();
            explain::command(verb).map(|e| (e.text.to_string(), e.rfc.to_string()))
        }
        'S' => {
            let line = line.strip_suffix(b"\r\n").unwrap_or(line);
            let (code, _, text) = mxlab_proto::reply::parse_line(line).ok()?;
            let e = explain::reply(code.get());
            let mut out = format!("{} {}", code.get(), e.text);
            let mut rfc = e.rfc.to_string();
            let first = core::str::from_utf8(text)
                .unwrap_or_default()
                .split(' ')
                .next()
                .unwrap_or_default();
            if let Some(d) = mxlab_proto::reply::EnhancedCode::parse(first)
                .and_then(|c| explain::enhanced(c.class, c.subject, c.detail))
            {
                out.push_str(&format!(" {first}: {}", d.text));
                rfc.push_str(&format!("; {}", d.rfc));
            }
            Some((out, rfc))
        }
        _ => None,
    }
}

/// The heading of a session in a transcript written as text, as
/// `mxlab transcript` and the app's export write it:
/// `# conn 3: carol-phone.example.com -> smtp.example.com:465 at 00:00:01.000`.
pub fn session_heading(conn: u64, client: &str, server: &str, port: u16, at: SimTime) -> String {
    format!("# conn {conn}: {client} -> {server}:{port} at {at}")
}

/// What a server port is for, with the RFC that says so: 25, 587, 465.
pub fn port_purpose(port: u16) -> Option<&'static str> {
    match port {
        25 => Some("port 25: SMTP between mail servers, relay and MX (RFC 5321 §4.5.4.2)"),
        587 => Some("port 587: message submission, STARTTLS before AUTH (RFC 6409 §3.1)"),
        465 => Some("port 465: message submission with TLS from the first byte (RFC 8314 §3.3)"),
        _ => None,
    }
}

/// A line as text, as [`visible`] shows it.
pub fn line_text(line: &Octets) -> String {
    visible(&line.to_bytes())
}

/// One line as on the wire, its CRLF removed: printable text (UTF-8
/// included, and the tab that folds a header line) as it is; a bare CR or
/// LF as `<CR>`, `<LF>`; any other control character or byte that is not
/// UTF-8 as `<0xNN>`. The one way MX Lab writes a line for people: the
/// app's transcript, `mxlab transcript` and [`Trace::transcript`].
///
/// [`Trace::transcript`]: crate::Trace::transcript
pub fn visible(bytes: &[u8]) -> String {
    let bytes = bytes.strip_suffix(b"\r\n").unwrap_or(bytes);
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\r' => text.push_str("<CR>"),
                '\n' => text.push_str("<LF>"),
                '\t' => text.push('\t'),
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        text.push_str(&format!("<0x{b:02X}>"));
                    }
                }
                c => text.push(c),
            }
        }
        for b in chunk.invalid() {
            text.push_str(&format!("<0x{b:02X}>"));
        }
    }
    text
}

/// Most characters of a packet's word.
const PACKET_WORD_CHARS: usize = 14;

/// The word a line in flight is drawn with: a command's verb, a header's
/// name, a reply's code with its separator and first word (`250-PIPELINING`,
/// `250 HELP`), at most 14 characters (cut with `…`); `⏎` for an empty line.
pub fn packet_word(text: &str) -> String {
    let first = text.split([' ', '<']).next().unwrap_or_default();
    let is_code = first.len() == 3 && first.bytes().all(|b| b.is_ascii_digit());
    let word = match text.get(3..) {
        // `250 HELP`: the code alone says little; its first word with it.
        Some(rest) if is_code && rest.starts_with(' ') => {
            let next = rest[1..].split([' ', '<']).next().unwrap_or_default();
            if next.is_empty() {
                first.to_string()
            } else {
                format!("{first} {next}")
            }
        }
        _ => first.to_string(),
    };
    if word.is_empty() {
        return "⏎".to_string();
    }
    if word.chars().count() > PACKET_WORD_CHARS {
        let mut cut: String = word.chars().take(PACKET_WORD_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        word
    }
}

/// Ciphertext-looking bytes for a line sent inside TLS: the same line
/// always looks the same, and nothing of it can be read.
pub fn scrambled(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut out = String::with_capacity(text.len() * 2 + 16);
    for (i, b) in text.bytes().chain(*b"\r\n").enumerate() {
        h ^= u64::from(b) ^ (i as u64);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        out.push_str(&format!("{:02x}", (h >> 24) as u8));
    }
    // Records are longer than their plaintext (header and tag).
    for _ in 0..8 {
        h = h.wrapping_mul(0x0000_0100_0000_01b3) ^ 0x5a;
        out.push_str(&format!("{:02x}", (h >> 16) as u8));
    }
    out
}

/// What a line on the wire is, for a click on its packet.
#[derive(Debug, Clone, PartialEq)]
pub struct LineDetails {
    /// The sender.
    pub from: String,
    /// The receiver.
    pub to: String,
    /// When it arrives.
    pub at: SimTime,
    /// `C` or `S`.
    pub who: char,
    /// The line, as [`visible`] writes it.
    pub text: String,
    /// What it means, with its RFC section.
    pub explanation: String,
    /// Its octets on the wire, CRLF included, in hexadecimal pairs.
    pub hex: String,
}

/// The details of the line whose arrival is event `index` of `trace`;
/// `None` for any other event.
pub fn line_details(trace: &Trace, index: usize) -> Option<LineDetails> {
    let e = trace.get(index)?;
    let (who, line) = match &e.kind {
        EventKind::Command { line, .. } => ('C', line),
        EventKind::Reply { line, .. } => ('S', line),
        _ => return None,
    };
    let bytes = line.to_bytes();
    let (text, rfc) = e.describe();
    Some(LineDetails {
        from: e.hosts.first().map(ToString::to_string).unwrap_or_default(),
        to: e.hosts.get(1).map(ToString::to_string).unwrap_or_default(),
        at: e.at,
        who,
        text: visible(&bytes),
        explanation: format!("{text} ({rfc})"),
        hex: bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" "),
    })
}
