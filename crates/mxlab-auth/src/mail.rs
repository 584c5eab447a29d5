//! Just enough RFC 5322 to authenticate a message: line endings, the split
//! between header section and body, and header fields kept byte for byte
//! (DKIM's simple canonicalization needs them exactly as sent).

use std::borrow::Cow;

/// The message with every bare LF turned into CRLF (MX Lab's messages use
/// CRLF; a bare LF from a hand-typed message is read as a line end).
pub(crate) fn crlf(message: &[u8]) -> Cow<'_, [u8]> {
    let bare = message
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\n' && (i == 0 || message.get(i - 1) != Some(&b'\r')));
    if !bare {
        return Cow::Borrowed(message);
    }
    let mut out = Vec::with_capacity(message.len() + 64);
    let mut previous = 0u8;
    for &b in message {
        if b == b'\n' && previous != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        previous = b;
    }
    Cow::Owned(out)
}

/// Splits a CRLF message into its header section (each field ending in
/// CRLF, without the empty line) and its body (after the empty line).
/// A message without an empty line is all header section.
pub(crate) fn split(message: &[u8]) -> (&[u8], &[u8]) {
    if message.starts_with(b"\r\n") {
        return (&[], message.get(2..).unwrap_or_default());
    }
    match find(message, b"\r\n\r\n") {
        Some(at) => (
            message.get(..at + 2).unwrap_or_default(),
            message.get(at + 4..).unwrap_or_default(),
        ),
        None => (message, &[]),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One header field as it appears in the message.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field<'a> {
    /// The field name, as written (without the colon or surrounding space).
    pub name: &'a [u8],
    /// The whole field: name, colon, value and every continuation line, with
    /// the final CRLF.
    pub raw: &'a [u8],
    /// Everything after the colon, with the final CRLF.
    pub value: &'a [u8],
}

impl Field<'_> {
    /// Whether the field is called `name` (compared case-insensitively).
    pub(crate) fn is(&self, name: &str) -> bool {
        trim(self.name).eq_ignore_ascii_case(name.as_bytes())
    }

    /// The value unfolded, as text (invalid UTF-8 replaced), trimmed.
    pub(crate) fn text(&self) -> String {
        let unfolded: Vec<u8> = self
            .value
            .iter()
            .copied()
            .filter(|&b| b != b'\r' && b != b'\n')
            .collect();
        String::from_utf8_lossy(&unfolded).trim().to_string()
    }
}

/// The header fields of a header section, in order. A line that is neither
/// a field nor a continuation (no colon) is kept as a field with that whole
/// line as its name, so it is never selected by name.
pub(crate) fn fields(header: &[u8]) -> Vec<Field<'_>> {
    let mut starts = Vec::new();
    let mut at = 0;
    while at < header.len() {
        let line_end = find(header.get(at..).unwrap_or_default(), b"\r\n")
            .map_or(header.len(), |n| at + n + 2);
        let first = header.get(at).copied().unwrap_or(b' ');
        if (first != b' ' && first != b'\t') || starts.is_empty() {
            starts.push(at);
        }
        at = line_end;
    }
    let mut out = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(header.len());
        let raw = header.get(start..end).unwrap_or_default();
        let (name, value) = match raw.iter().position(|&b| b == b':') {
            Some(colon) => (
                raw.get(..colon).unwrap_or_default(),
                raw.get(colon + 1..).unwrap_or_default(),
            ),
            None => (raw, &[][..]),
        };
        out.push(Field { name, raw, value });
    }
    out
}

/// `bytes` without leading and trailing spaces and tabs.
pub(crate) fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(start, |e| e + 1);
    bytes.get(start..end).unwrap_or_default()
}

/// Removes RFC 5322 comments (parenthesised, nested, outside quoted strings).
pub(crate) fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' if quoted || depth > 0 => {
                escaped = true;
                if depth == 0 {
                    out.push(c);
                }
            }
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The domains of the addresses in an address-list field value (From:),
/// lower-case, in order; an address without a domain gives an empty string.
pub(crate) fn address_domains(value: &str) -> Vec<String> {
    let text = strip_comments(value);
    let mut items = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut angle = false;
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            escaped = false;
            current.push(c);
            continue;
        }
        match c {
            '\\' if quoted => {
                escaped = true;
                current.push(c);
            }
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            '<' if !quoted => {
                angle = true;
                current.push(c);
            }
            '>' if !quoted => {
                angle = false;
                current.push(c);
            }
            // A group's display name ends at its colon; its list at `;`.
            ':' if !quoted && !angle => current.clear(),
            ',' | ';' if !quoted && !angle => items.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    items.push(current);
    items
        .iter()
        .map(|item| item.trim())
        .filter(|item| !item.is_empty())
        .map(|item| {
            let spec = match (item.rfind('<'), item.rfind('>')) {
                (Some(open), Some(close)) if open < close => {
                    item.get(open + 1..close).unwrap_or("")
                }
                (Some(open), None) => item.get(open + 1..).unwrap_or(""),
                _ => item,
            };
            // Outside the quoted local part, the domain follows the last `@`.
            match spec.rfind('@') {
                Some(at) => spec
                    .get(at + 1..)
                    .unwrap_or("")
                    .trim()
                    .trim_end_matches('.')
                    .to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect()
}
