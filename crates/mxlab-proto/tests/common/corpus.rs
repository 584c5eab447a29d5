//! The shared command corpus (`tests/corpus/commands.txt`), read by the
//! differential test and by the parse benchmarks (each uses part of it).
#![allow(dead_code)]

/// The corpus file, as written.
pub const COMMANDS: &str = include_str!("../corpus/commands.txt");

/// One corpus entry: the line as written in the file and the bytes it stands for.
pub struct Entry {
    /// The line as written (escapes not decoded): the key of `KNOWN_DIFFERENCES`.
    pub written: &'static str,
    /// The command line, without CRLF.
    pub bytes: Vec<u8>,
}

/// Every command of the corpus, in file order.
pub fn commands() -> Vec<Entry> {
    COMMANDS
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| Entry {
            written: l,
            bytes: unescape(l),
        })
        .collect()
}

/// Decodes `\xHH` (a byte) and `\e` (nothing); other backslashes are literal.
pub fn unescape(line: &str) -> Vec<u8> {
    let b = line.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'\\' {
            if b.get(i + 1) == Some(&b'e') {
                i += 2;
                continue;
            }
            if b.get(i + 1) == Some(&b'x') {
                let hex = b
                    .get(i + 2..i + 4)
                    .and_then(|h| core::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(byte) = hex {
                    out.push(byte);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    out
}
