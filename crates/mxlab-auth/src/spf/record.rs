//! Reading an SPF record (RFC 7208 §4.5, §4.6.1, §5, §6, §12 ABNF). The whole
//! record is parsed before any term is evaluated: a syntax error anywhere
//! makes the result `permerror` (§4.6).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::macros::MacroString;
use super::SpfResult;

/// A mechanism of §5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mechanism {
    All,
    Include(MacroString),
    A {
        domain: Option<MacroString>,
        cidr4: u8,
        cidr6: u8,
    },
    Mx {
        domain: Option<MacroString>,
        cidr4: u8,
        cidr6: u8,
    },
    Ptr(Option<MacroString>),
    Ip4(Ipv4Addr, u8),
    Ip6(Ipv6Addr, u8),
    Exists(MacroString),
}

impl Mechanism {
    /// Whether evaluating it queries the DNS, so counts against the limit of 10 (§4.6.4).
    pub(crate) fn queries_dns(&self) -> bool {
        matches!(
            self,
            Mechanism::Include(_)
                | Mechanism::A { .. }
                | Mechanism::Mx { .. }
                | Mechanism::Ptr(_)
                | Mechanism::Exists(_)
        )
    }
}

/// A qualifier and a mechanism, and the term as written (for the verdict).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Directive {
    pub qualifier: SpfResult,
    pub mechanism: Mechanism,
    pub text: String,
}

/// A parsed record: its directives in order and its modifiers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Record {
    pub directives: Vec<Directive>,
    pub redirect: Option<(MacroString, String)>,
}

/// Why a record could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SyntaxError {
    /// A term that is not valid, as written.
    Term(String),
    /// `redirect=` or `exp=` given twice (§6).
    Duplicate(&'static str),
}

/// Whether a TXT record is an SPF record: "v=spf1" followed by a space or
/// the end (§4.5), compared case-insensitively.
pub(crate) fn is_spf(txt: &str) -> bool {
    let bytes = txt.as_bytes();
    bytes.len() >= 6
        && bytes
            .get(..6)
            .is_some_and(|v| v.eq_ignore_ascii_case(b"v=spf1"))
        && matches!(bytes.get(6), None | Some(b' '))
}

/// Parses the terms of an SPF record (the text after "v=spf1").
pub(crate) fn parse(txt: &str) -> Result<Record, SyntaxError> {
    let terms = txt.get(6..).unwrap_or("");
    let mut record = Record::default();
    let mut exp_seen = false;
    for term in terms.split(' ').filter(|t| !t.is_empty()) {
        if let Some((name, value)) = modifier(term) {
            if name.eq_ignore_ascii_case("redirect") {
                if record.redirect.is_some() {
                    return Err(SyntaxError::Duplicate("redirect"));
                }
                let spec = MacroString::parse_domain_spec(value)
                    .ok_or_else(|| SyntaxError::Term(term.to_string()))?;
                record.redirect = Some((spec, term.to_string()));
            } else if name.eq_ignore_ascii_case("exp") {
                if exp_seen {
                    return Err(SyntaxError::Duplicate("exp"));
                }
                exp_seen = true;
                MacroString::parse_domain_spec(value)
                    .ok_or_else(|| SyntaxError::Term(term.to_string()))?;
            } else {
                // Unknown modifiers are ignored, but must be well formed (§6).
                MacroString::parse(value).ok_or_else(|| SyntaxError::Term(term.to_string()))?;
            }
            continue;
        }
        let directive = directive(term).ok_or_else(|| SyntaxError::Term(term.to_string()))?;
        record.directives.push(directive);
    }
    Ok(record)
}

/// `name "=" macro-string` with `name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )`.
fn modifier(term: &str) -> Option<(&str, &str)> {
    let (name, value) = term.split_once('=')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .then_some((name, value))
}

fn directive(term: &str) -> Option<Directive> {
    let (qualifier, rest) = match term.chars().next()? {
        '+' => (SpfResult::Pass, term.get(1..)?),
        '-' => (SpfResult::Fail, term.get(1..)?),
        '~' => (SpfResult::SoftFail, term.get(1..)?),
        '?' => (SpfResult::Neutral, term.get(1..)?),
        _ => (SpfResult::Pass, term),
    };
    let name_end = rest.find([':', '/']).unwrap_or(rest.len());
    let (name, args) = rest.split_at(name_end);
    let name = name.to_ascii_lowercase();
    let mechanism = match name.as_str() {
        "all" => args.is_empty().then_some(Mechanism::All)?,
        "include" => Mechanism::Include(required_spec(args)?),
        "exists" => Mechanism::Exists(required_spec(args)?),
        "ptr" => Mechanism::Ptr(optional_spec(args)?),
        "a" | "mx" => {
            let (spec, cidr4, cidr6) = dual_cidr(args)?;
            let domain = optional_spec(spec)?;
            if name == "a" {
                Mechanism::A {
                    domain,
                    cidr4,
                    cidr6,
                }
            } else {
                Mechanism::Mx {
                    domain,
                    cidr4,
                    cidr6,
                }
            }
        }
        "ip4" => {
            let network = args.strip_prefix(':')?;
            let (address, length) = match network.split_once('/') {
                Some((address, length)) => (address, cidr(length, 32)?),
                None => (network, 32),
            };
            Mechanism::Ip4(address.parse().ok()?, length)
        }
        "ip6" => {
            let network = args.strip_prefix(':')?;
            let (address, length) = match network.split_once('/') {
                Some((address, length)) => (address, cidr(length, 128)?),
                None => (network, 128),
            };
            Mechanism::Ip6(address.parse().ok()?, length)
        }
        _ => return None,
    };
    Some(Directive {
        qualifier,
        mechanism,
        text: term.to_string(),
    })
}

fn required_spec(args: &str) -> Option<MacroString> {
    MacroString::parse_domain_spec(args.strip_prefix(':')?)
}

/// `[ ":" domain-spec ]`: nothing, or a colon and a valid domain-spec.
fn optional_spec(args: &str) -> Option<Option<MacroString>> {
    if args.is_empty() {
        return Some(None);
    }
    Some(Some(required_spec(args)?))
}

/// Splits `[":" domain-spec] [ "/" ip4-cidr ] [ "//" ip6-cidr ]` into the
/// domain part and the two lengths (defaults 32 and 128).
fn dual_cidr(args: &str) -> Option<(&str, u8, u8)> {
    let (rest, cidr6) = match args.rfind("//") {
        Some(at) if args.get(at + 2..)?.bytes().all(|b| b.is_ascii_digit()) => {
            (args.get(..at)?, cidr(args.get(at + 2..)?, 128)?)
        }
        _ => (args, 128),
    };
    let (rest, cidr4) = match rest.rfind('/') {
        Some(at) if rest.get(at + 1..)?.bytes().all(|b| b.is_ascii_digit()) => {
            (rest.get(..at)?, cidr(rest.get(at + 1..)?, 32)?)
        }
        _ => (rest, 32),
    };
    Some((rest, cidr4, cidr6))
}

/// A CIDR length: digits without a leading zero (except "0"), at most `max`.
fn cidr(text: &str, max: u8) -> Option<u8> {
    if text.is_empty()
        || !text.bytes().all(|b| b.is_ascii_digit())
        || (text.len() > 1 && text.starts_with('0'))
    {
        return None;
    }
    text.parse::<u8>().ok().filter(|&n| n <= max)
}
