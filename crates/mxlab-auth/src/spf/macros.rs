//! SPF macro strings (RFC 7208 §7): parsed once when the record is read,
//! expanded when a term is evaluated.

use std::net::IpAddr;

/// One piece of a macro string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Macro {
        letter: char,
        /// An upper-case letter asks for the value URL-escaped (§7.3).
        escape: bool,
        /// Keep this many right-hand parts (never zero).
        digits: Option<usize>,
        reverse: bool,
        /// The characters that split the value into parts ("." when none given).
        delimiters: String,
    },
}

/// A parsed macro string (a `domain-spec` or a modifier's value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MacroString {
    pieces: Vec<Piece>,
}

/// What the macros stand for while one `check_host()` runs (§7.2).
pub(crate) struct MacroContext<'a> {
    /// `%{s}`: the sender.
    pub sender: &'a str,
    /// `%{l}`: its local part.
    pub local: &'a str,
    /// `%{o}`: its domain.
    pub sender_domain: &'a str,
    /// `%{d}`: the domain whose record is being evaluated.
    pub domain: &'a str,
    /// `%{i}`, `%{v}`: the client's address.
    pub ip: IpAddr,
    /// `%{h}`: the HELO/EHLO name.
    pub helo: &'a str,
}

impl MacroString {
    /// Parses a macro string; `None` for a syntax error. The letters `c`, `r`
    /// and `t` belong to explanation strings only and are refused here.
    pub(crate) fn parse(text: &str) -> Option<MacroString> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                // macro-literal = %x21-24 / %x26-7E
                if !('\x21'..='\x7e').contains(&c) {
                    return None;
                }
                literal.push(c);
                continue;
            }
            match chars.next()? {
                '%' => literal.push('%'),
                '_' => literal.push(' '),
                '-' => literal.push_str("%20"),
                '{' => {
                    let mut body = String::new();
                    loop {
                        match chars.next()? {
                            '}' => break,
                            c => body.push(c),
                        }
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(parse_macro(&body)?);
                }
                _ => return None,
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Some(MacroString { pieces })
    }

    /// Parses a `domain-spec` (§7.1): a macro string whose end is a macro or
    /// a top label that is not all digits.
    pub(crate) fn parse_domain_spec(text: &str) -> Option<MacroString> {
        let spec = MacroString::parse(text)?;
        match spec.pieces.last()? {
            Piece::Macro { .. } => Some(spec),
            Piece::Literal(tail) => {
                // A literal tail that came from a macro-expand ("%%", "%-",
                // "%_") also ends the spec acceptably.
                if text.ends_with("%%") || text.ends_with("%-") || text.ends_with("%_") {
                    return Some(spec);
                }
                let tail = tail.strip_suffix('.').unwrap_or(tail);
                // domain-end = "." toplabel [ "." ]
                match tail.rsplit_once('.') {
                    Some((_, label)) if toplabel(label) => Some(spec),
                    _ => None,
                }
            }
        }
    }

    /// The expanded string (§7.3), before any truncation.
    #[cfg(test)]
    pub(crate) fn expand(&self, context: &MacroContext<'_>) -> String {
        self.pieces
            .iter()
            .map(|piece| piece_text(piece, context))
            .collect()
    }

    /// The expanded string truncated as a domain name ([`truncate_domain`],
    /// §7.3). Only the right-hand end survives truncation, so the pieces
    /// are expanded from the last one until there is enough to cut: a
    /// hostile record may hold thousands of macros, each as long as the
    /// sender, and expanding them all would build megabytes per term.
    pub(crate) fn expand_domain(&self, context: &MacroContext<'_>) -> String {
        // truncate_domain keeps at most the last 253 bytes and the dot
        // before them, after one trailing dot: 256 bytes decide the result.
        const ENOUGH: usize = 256;
        let mut tail: Vec<String> = Vec::new();
        let mut length = 0;
        for piece in self.pieces.iter().rev() {
            let text = piece_text(piece, context);
            length += text.len();
            tail.push(text);
            if length >= ENOUGH {
                break;
            }
        }
        tail.reverse();
        truncate_domain(&tail.concat())
    }
}

/// One piece expanded (§7.3).
fn piece_text(piece: &Piece, context: &MacroContext<'_>) -> String {
    match piece {
        Piece::Literal(text) => text.clone(),
        Piece::Macro {
            letter,
            escape,
            digits,
            reverse,
            delimiters,
        } => {
            let value = letter_value(*letter, context);
            let transformed = transform(&value, *digits, *reverse, delimiters);
            if *escape {
                url_escape(&transformed)
            } else {
                transformed
            }
        }
    }
}

/// `toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )`
fn toplabel(label: &str) -> bool {
    let bytes = label.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && (bytes.iter().any(u8::is_ascii_alphabetic) || bytes.contains(&b'-'))
}

fn parse_macro(body: &str) -> Option<Piece> {
    let mut chars = body.chars();
    let letter = chars.next()?;
    let lower = letter.to_ascii_lowercase();
    if !matches!(lower, 's' | 'l' | 'o' | 'd' | 'i' | 'p' | 'h' | 'v') {
        return None;
    }
    let rest: &str = chars.as_str();
    let digit_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (number, rest) = rest.split_at(digit_end);
    let digits = if number.is_empty() {
        None
    } else {
        // "If a DIGIT is specified, the value MUST be nonzero" (§7.3).
        let n: usize = number.parse().ok().filter(|&n| n > 0).or_else(|| {
            // A huge number still means "all parts".
            (number.trim_start_matches('0').len() > 5).then_some(usize::MAX)
        })?;
        Some(n)
    };
    let (reverse, rest) = match rest.strip_prefix(['r', 'R']) {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    if !rest.chars().all(|c| ".-+,/_=".contains(c)) {
        return None;
    }
    Some(Piece::Macro {
        letter: lower,
        escape: letter.is_ascii_uppercase(),
        digits,
        reverse,
        delimiters: if rest.is_empty() {
            ".".to_string()
        } else {
            rest.to_string()
        },
    })
}

fn letter_value(letter: char, context: &MacroContext<'_>) -> String {
    match letter {
        's' => context.sender.to_string(),
        'l' => context.local.to_string(),
        'o' => context.sender_domain.to_string(),
        'd' => context.domain.to_string(),
        'i' => match context.ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                // Dot-format: 32 nibbles (§7.3).
                let mut nibbles = Vec::with_capacity(32);
                for byte in v6.octets() {
                    nibbles.push(format!("{:x}", byte >> 4));
                    nibbles.push(format!("{:x}", byte & 0xf));
                }
                nibbles.join(".")
            }
        },
        // MX Lab does not validate reverse names; §7.3 allows "unknown".
        'p' => "unknown".to_string(),
        'v' => match context.ip {
            IpAddr::V4(_) => "in-addr".to_string(),
            IpAddr::V6(_) => "ip6".to_string(),
        },
        'h' => context.helo.to_string(),
        _ => String::new(),
    }
}

fn transform(value: &str, digits: Option<usize>, reverse: bool, delimiters: &str) -> String {
    let mut parts: Vec<&str> = value.split(|c| delimiters.contains(c)).collect();
    if reverse {
        parts.reverse();
    }
    if let Some(keep) = digits {
        if keep < parts.len() {
            parts = parts.split_off(parts.len() - keep);
        }
    }
    parts.join(".")
}

fn url_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Truncates an expanded domain name of more than 253 characters from the
/// left, a whole label at a time (§7.3).
pub(crate) fn truncate_domain(expanded: &str) -> String {
    let mut name = expanded.strip_suffix('.').unwrap_or(expanded);
    while name.len() > 253 {
        match name.find('.') {
            Some(dot) => name = name.get(dot + 1..).unwrap_or(""),
            None => return String::new(),
        }
    }
    name.to_string()
}
