//! Canonicalization (RFC 6376 §3.4), tag lists (§3.2) and the data a
//! signature covers (§3.7).

use std::collections::HashMap;

use crate::mail::{trim, Field};

/// The canonicalization of the header or of the body (RFC 6376 §3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Canon {
    /// Nothing changes (§3.4.1, §3.4.3).
    Simple,
    /// Whitespace and header name case do not matter (§3.4.2, §3.4.4).
    Relaxed,
}

impl Canon {
    pub(crate) fn parse(text: &str) -> Option<Canon> {
        match text.to_ascii_lowercase().as_str() {
            "simple" => Some(Canon::Simple),
            "relaxed" => Some(Canon::Relaxed),
            _ => None,
        }
    }
}

fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// One header field canonicalized, without its final CRLF.
pub(crate) fn header(raw: &[u8], canon: Canon) -> Vec<u8> {
    let raw = raw.strip_suffix(b"\r\n").unwrap_or(raw);
    match canon {
        Canon::Simple => raw.to_vec(),
        Canon::Relaxed => {
            let (name, value) = match raw.iter().position(|&b| b == b':') {
                Some(colon) => (
                    raw.get(..colon).unwrap_or_default(),
                    raw.get(colon + 1..).unwrap_or_default(),
                ),
                None => (raw, &[][..]),
            };
            let mut out: Vec<u8> = trim(name).to_ascii_lowercase();
            out.push(b':');
            // Unfold, then make every run of whitespace one space.
            let mut pending_space = false;
            let mut started = false;
            for &b in value {
                if b == b'\r' || b == b'\n' {
                    continue;
                }
                if is_wsp(b) {
                    pending_space = true;
                    continue;
                }
                if pending_space && started {
                    out.push(b' ');
                }
                pending_space = false;
                started = true;
                out.push(b);
            }
            out
        }
    }
}

/// The body canonicalized (§3.4.3, §3.4.4), before any `l=` limit.
pub(crate) fn body(body: &[u8], canon: Canon) -> Vec<u8> {
    match canon {
        Canon::Simple => {
            let mut end = body;
            while let Some(shorter) = end.strip_suffix(b"\r\n") {
                end = shorter;
            }
            let mut out = end.to_vec();
            out.extend_from_slice(b"\r\n");
            out
        }
        Canon::Relaxed => {
            let mut lines: Vec<Vec<u8>> = Vec::new();
            let text = body.strip_suffix(b"\r\n").unwrap_or(body);
            if !body.is_empty() {
                for line in split_crlf(text) {
                    let mut out = Vec::with_capacity(line.len());
                    let mut pending_space = false;
                    for &b in line {
                        if is_wsp(b) {
                            pending_space = true;
                            continue;
                        }
                        if pending_space {
                            out.push(b' ');
                        }
                        pending_space = false;
                        out.push(b);
                    }
                    lines.push(out);
                }
            }
            while lines.last().is_some_and(Vec::is_empty) {
                lines.pop();
            }
            let mut out = Vec::with_capacity(body.len());
            for line in lines {
                out.extend_from_slice(&line);
                out.extend_from_slice(b"\r\n");
            }
            out
        }
    }
}

fn split_crlf(text: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut at = 0;
    while at + 1 < text.len() {
        if text.get(at) == Some(&b'\r') && text.get(at + 1) == Some(&b'\n') {
            lines.push(text.get(start..at).unwrap_or_default());
            at += 2;
            start = at;
        } else {
            at += 1;
        }
    }
    lines.push(text.get(start..).unwrap_or_default());
    lines
}

/// Parses a tag list (§3.2): `None` for a tag without `=`, a bad tag name
/// or a tag given twice. Values have surrounding whitespace removed; names
/// are kept as written (they are case-sensitive).
pub(crate) fn tag_list(text: &str) -> Option<Vec<(String, String)>> {
    let mut tags: Vec<(String, String)> = Vec::new();
    // A hostile field can carry many thousands of tags: look names up in a
    // set, not by scanning the list for each one.
    let mut seen = std::collections::HashSet::new();
    for spec in text.split(';') {
        let spec = spec.trim_matches(|c: char| c.is_ascii_whitespace());
        if spec.is_empty() {
            continue;
        }
        let (name, value) = spec.split_once('=')?;
        let name = name.trim_matches(|c: char| c.is_ascii_whitespace());
        let mut chars = name.chars();
        if !chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return None;
        }
        if !seen.insert(name) {
            return None;
        }
        let value = value.trim_matches(|c: char| c.is_ascii_whitespace());
        tags.push((name.to_string(), value.to_string()));
    }
    Some(tags)
}

/// The value of tag `name`, if present.
pub(crate) fn tag<'a>(tags: &'a [(String, String)], name: &str) -> Option<&'a str> {
    tags.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// `text` without any whitespace (base64 values may be folded).
pub(crate) fn without_whitespace(text: &str) -> String {
    text.chars().filter(|c| !c.is_ascii_whitespace()).collect()
}

/// The DKIM-Signature field with the value of its `b=` tag (and the
/// whitespace around it) removed (§3.7), without the final CRLF.
pub(crate) fn without_b_value(raw: &[u8]) -> Vec<u8> {
    let raw = raw.strip_suffix(b"\r\n").unwrap_or(raw);
    let Some(colon) = raw.iter().position(|&b| b == b':') else {
        return raw.to_vec();
    };
    let mut out = raw.get(..=colon).unwrap_or_default().to_vec();
    let value = raw.get(colon + 1..).unwrap_or_default();
    let mut first = true;
    for segment in value.split(|&b| b == b';') {
        if !first {
            out.push(b';');
        }
        first = false;
        let is_b = segment.iter().position(|&b| b == b'=').is_some_and(|eq| {
            let name = segment.get(..eq).unwrap_or_default();
            let name: Vec<u8> = name
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            name == b"b"
        });
        match (is_b, segment.iter().position(|&b| b == b'=')) {
            (true, Some(eq)) => out.extend_from_slice(segment.get(..=eq).unwrap_or_default()),
            _ => out.extend_from_slice(segment),
        }
    }
    out
}

/// The bytes the header signature covers (§3.7): the fields named in `h=`,
/// each the last not yet used instance of its name (a name with no
/// instance left adds nothing), then the signature field itself without
/// its `b=` value and final CRLF.
pub(crate) fn signed_data(
    fields: &[Field<'_>],
    names: &[String],
    signature: &[u8],
    canon: Canon,
) -> Vec<u8> {
    // The fields of each name, first to last; h= takes them from the end.
    // (Indexed once: a hostile message may have a huge h= list and many
    // thousands of fields, and scanning the fields for each name would
    // take their product in time.)
    let mut by_name: HashMap<Vec<u8>, Vec<&Field<'_>>> = HashMap::new();
    for field in fields {
        by_name
            .entry(trim(field.name).to_ascii_lowercase())
            .or_default()
            .push(field);
    }
    let mut out = Vec::new();
    for name in names {
        let found = by_name
            .get_mut(name.to_ascii_lowercase().as_bytes())
            .and_then(Vec::pop);
        if let Some(field) = found {
            out.extend_from_slice(&header(field.raw, canon));
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(&header(&without_b_value(signature), canon));
    out
}
