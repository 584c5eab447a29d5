//! Mailboxes and paths: the grammar of RFC 5321 §4.1.2 and §4.1.3.
//!
//! ```text
//! Reverse-path   = Path / "<>"
//! Forward-path   = Path
//! Path           = "<" [ A-d-l ":" ] Mailbox ">"
//! Mailbox        = Local-part "@" ( Domain / address-literal )
//! Local-part     = Dot-string / Quoted-string
//! ```
//!
//! Local parts are case-sensitive and kept exactly as written; domains are
//! compared without regard to ASCII case (RFC 5321 §2.4). A source route
//! (`<@relay.example:user@example.org>`) is accepted and ignored, as §4.1.2
//! and Appendix C require of servers. With [`PathOptions::smtputf8`] the
//! local part and domain may contain UTF-8 (RFC 6531 §3.3). With
//! [`PathOptions::allow_unqualified`] a mailbox without a domain
//! (`<gilles>`, as OpenSMTPD and Postfix accept for local users) is read
//! with no host.

use core::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use compact_str::CompactString;

use crate::limits;

/// Why a path or one of its parts was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathError {
    /// The path is not enclosed in angle brackets.
    MissingBrackets,
    /// Nothing usable between the brackets.
    Empty,
    /// The local part breaks the Dot-string / Quoted-string grammar.
    BadLocalPart,
    /// The local part is longer than 64 octets (§4.5.3.1.1).
    LocalPartTooLong,
    /// The mailbox has no `@domain` and unqualified addresses are not allowed.
    MissingDomain,
    /// The domain breaks the sub-domain grammar.
    BadDomain,
    /// The domain is longer than 255 octets (§4.5.3.1.2).
    DomainTooLong,
    /// The address literal is not a valid IPv4, IPv6 or general literal.
    BadAddressLiteral,
    /// The path is longer than 256 octets (§4.5.3.1.3).
    PathTooLong,
    /// The source route (`@a,@b:`) is malformed.
    BadSourceRoute,
    /// Non-ASCII characters without SMTPUTF8 (RFC 6531 §3.4).
    NonAscii,
}

impl PathError {
    /// The reply code and enhanced status a server gives for this error.
    ///
    /// Syntax problems are 501 5.1.3 (bad destination mailbox address
    /// syntax, RFC 3463 §3.2); an over-long part is 501 5.1.3 too
    /// (§4.5.3.1.10 suggests "501 Path too long"); non-ASCII without
    /// SMTPUTF8 is 553 5.6.7 (RFC 6531 §3.7.4.1).
    pub fn reply_code(&self) -> (u16, (u8, u16, u16)) {
        match self {
            PathError::NonAscii => (553, (5, 6, 7)),
            PathError::LocalPartTooLong | PathError::DomainTooLong | PathError::PathTooLong => {
                (501, (5, 1, 3))
            }
            _ => (501, (5, 1, 3)),
        }
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathError::MissingBrackets => "address must be enclosed in <>",
            PathError::Empty => "empty address",
            PathError::BadLocalPart => "bad local part syntax",
            PathError::LocalPartTooLong => "local part longer than 64 octets",
            PathError::MissingDomain => "address needs a domain (user@domain)",
            PathError::BadDomain => "bad domain syntax",
            PathError::DomainTooLong => "domain longer than 255 octets",
            PathError::BadAddressLiteral => "bad address literal",
            PathError::PathTooLong => "path longer than 256 octets",
            PathError::BadSourceRoute => "bad source route",
            PathError::NonAscii => "non-ASCII address without SMTPUTF8",
        })
    }
}

impl std::error::Error for PathError {}

/// How permissive path parsing is.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PathOptions {
    /// Accept UTF-8 in local parts and domains (the SMTPUTF8 parameter, RFC 6531).
    pub smtputf8: bool,
    /// Accept a mailbox with no `@domain` (a local user, like `<gilles>`).
    pub allow_unqualified: bool,
    /// Accept a path written without angle brackets (`MAIL FROM:user@example.org`),
    /// as many real servers do although RFC 5321 requires them.
    pub allow_missing_brackets: bool,
}

/// A domain name (RFC 5321 §4.1.2 `Domain`). Compared case-insensitively.
#[derive(Clone, Debug, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Domain(CompactString);

impl Domain {
    /// Parses a domain: dot-separated labels of letters, digits and inner
    /// hyphens, at most 255 octets. UTF-8 labels only when `utf8` is set.
    pub fn parse(s: &str, utf8: bool) -> Result<Domain, PathError> {
        if s.is_empty() {
            return Err(PathError::BadDomain);
        }
        if s.len() > limits::DOMAIN {
            return Err(PathError::DomainTooLong);
        }
        // The common case: only letters, digits, hyphens and dots, so only
        // the label structure can be wrong.
        let b = s.as_bytes();
        if b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
        {
            for label in b.split(|&c| c == b'.') {
                match (label.first(), label.last()) {
                    (Some(&f), Some(&l)) if f != b'-' && l != b'-' && label.len() <= 63 => {}
                    _ => return Err(PathError::BadDomain),
                }
            }
            return Ok(Domain(s.into()));
        }
        // One pass over the labels. Within a label, a structural fault
        // (empty, a hyphen at either end, over 63 octets) is reported before
        // a bad character, so the character error waits for the label's end.
        let mut len = 0usize;
        let mut first = 0u8;
        let mut last = 0u8;
        let mut char_error = None;
        for &b in s.as_bytes().iter().chain(core::iter::once(&b'.')) {
            if b == b'.' {
                if len == 0 || first == b'-' || last == b'-' || len > 63 {
                    return Err(PathError::BadDomain);
                }
                if let Some(e) = char_error {
                    return Err(e);
                }
                len = 0;
                continue;
            }
            if len == 0 {
                first = b;
            }
            last = b;
            len += 1;
            if char_error.is_none() && !(b.is_ascii_alphanumeric() || b == b'-') {
                char_error = match (b >= 0x80, utf8) {
                    (true, true) => None,
                    (true, false) => Some(PathError::NonAscii),
                    (false, _) => Some(PathError::BadDomain),
                };
            }
        }
        Ok(Domain(s.into()))
    }

    /// The domain as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain in ASCII lower case, for lookups and comparisons.
    pub fn to_lowercase(&self) -> String {
        self.0.as_str().to_ascii_lowercase()
    }
}

impl PartialEq for Domain {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl core::hash::Hash for Domain {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An address literal (RFC 5321 §4.1.3): `[192.0.2.1]`, `[IPv6:2001:db8::1]`
/// or a general literal `[tag:content]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum AddressLiteral {
    /// An IPv4 address.
    V4(Ipv4Addr),
    /// An IPv6 address (written with the `IPv6:` tag).
    V6(Ipv6Addr),
    /// A general literal with a standardized tag other than IPv6.
    General {
        /// The tag (Ldh-str).
        tag: String,
        /// The content (printable US-ASCII except `[`, `]` and `\`).
        content: String,
    },
}

impl AddressLiteral {
    /// Parses `[...]`, brackets included.
    pub fn parse(s: &str) -> Result<AddressLiteral, PathError> {
        let inner = s
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .ok_or(PathError::BadAddressLiteral)?;
        if let Some(v6) = strip_prefix_ignore_case(inner, "IPv6:") {
            return v6
                .parse::<Ipv6Addr>()
                .map(AddressLiteral::V6)
                .map_err(|_| PathError::BadAddressLiteral);
        }
        if let Some((tag, content)) = inner.split_once(':') {
            let tag_ok = !tag.is_empty()
                && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !tag.ends_with('-');
            let content_ok = !content.is_empty()
                && content
                    .bytes()
                    .all(|b| (33..=126).contains(&b) && b != b'[' && b != b']' && b != b'\\');
            if tag_ok && content_ok {
                return Ok(AddressLiteral::General {
                    tag: tag.to_string(),
                    content: content.to_string(),
                });
            }
            return Err(PathError::BadAddressLiteral);
        }
        // RFC 5321 Snum: 1*3DIGIT, four of them; Ipv4Addr's parser rejects
        // leading zeros and out-of-range values.
        inner
            .parse::<Ipv4Addr>()
            .map(AddressLiteral::V4)
            .map_err(|_| PathError::BadAddressLiteral)
    }
}

impl fmt::Display for AddressLiteral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddressLiteral::V4(a) => write!(f, "[{a}]"),
            AddressLiteral::V6(a) => write!(f, "[IPv6:{a}]"),
            AddressLiteral::General { tag, content } => write!(f, "[{tag}:{content}]"),
        }
    }
}

/// The part of a mailbox after the `@`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Host {
    /// A domain name.
    Domain(Domain),
    /// An address literal.
    Literal(AddressLiteral),
}

impl Host {
    /// Parses a domain or, when it starts with `[`, an address literal.
    pub fn parse(s: &str, utf8: bool) -> Result<Host, PathError> {
        if s.starts_with('[') {
            AddressLiteral::parse(s).map(Host::Literal)
        } else {
            Domain::parse(s, utf8).map(Host::Domain)
        }
    }

    /// The domain, if this host is one.
    pub fn domain(&self) -> Option<&Domain> {
        match self {
            Host::Domain(d) => Some(d),
            Host::Literal(_) => None,
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => d.fmt(f),
            Host::Literal(l) => l.fmt(f),
        }
    }
}

/// A local part as written: a Dot-string or a Quoted-string (quotes kept).
/// Case-sensitive (RFC 5321 §2.4).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LocalPart(CompactString);

impl LocalPart {
    /// Parses a Dot-string (`atext` atoms joined by single dots) or a
    /// Quoted-string (`"..."` with qtextSMTP and `\` quoted-pairs).
    pub fn parse(s: &str, utf8: bool) -> Result<LocalPart, PathError> {
        if s.len() > limits::LOCAL_PART {
            return Err(PathError::LocalPartTooLong);
        }
        let bytes = s.as_bytes();
        if !utf8 && !s.is_ascii() {
            return Err(PathError::NonAscii);
        }
        if bytes.first() == Some(&b'"') {
            if quoted_string_len(bytes) != Some(bytes.len()) {
                return Err(PathError::BadLocalPart);
            }
        } else {
            // Dot-string: atoms of atext (or UTF-8) joined by single dots.
            let mut after_dot = true;
            for &b in bytes {
                if b == b'.' {
                    if after_dot {
                        return Err(PathError::BadLocalPart);
                    }
                    after_dot = true;
                } else if is_atext(b) || b >= 0x80 {
                    after_dot = false;
                } else {
                    return Err(PathError::BadLocalPart);
                }
            }
            if after_dot {
                return Err(PathError::BadLocalPart);
            }
        }
        Ok(LocalPart(s.into()))
    }

    /// The local part as written (quotes included if quoted).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the local part is a Quoted-string.
    pub fn is_quoted(&self) -> bool {
        self.0.starts_with('"')
    }

    /// The local part without quoting: quotes and `\` escapes removed.
    pub fn unquoted(&self) -> String {
        if !self.is_quoted() {
            return self.0.to_string();
        }
        let inner = self
            .0
            .get(1..self.0.len().saturating_sub(1))
            .unwrap_or_default();
        let mut out = String::with_capacity(inner.len());
        let mut escaped = false;
        for c in inner.chars() {
            if escaped || c != '\\' {
                out.push(c);
                escaped = false;
            } else {
                escaped = true;
            }
        }
        out
    }
}

impl fmt::Display for LocalPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mailbox: `local-part@host`, or a bare local part when unqualified
/// addresses are allowed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Mailbox {
    /// The local part, case-sensitive.
    pub local: LocalPart,
    /// The host, or `None` for an unqualified local user.
    pub host: Option<Host>,
}

impl Mailbox {
    /// Parses `local@host` (no angle brackets).
    pub fn parse(s: &str, opts: PathOptions) -> Result<Mailbox, PathError> {
        if s.is_empty() {
            return Err(PathError::Empty);
        }
        let at = local_part_end(s.as_bytes()).ok_or(PathError::BadLocalPart)?;
        let local = s.get(..at).ok_or(PathError::BadLocalPart)?;
        let local = LocalPart::parse(local, opts.smtputf8)?;
        match s.get(at..) {
            Some("") | None => {
                if opts.allow_unqualified {
                    Ok(Mailbox { local, host: None })
                } else {
                    Err(PathError::MissingDomain)
                }
            }
            Some(rest) => {
                let host = rest.strip_prefix('@').ok_or(PathError::BadLocalPart)?;
                if host.is_empty() {
                    return Err(PathError::MissingDomain);
                }
                Ok(Mailbox {
                    local,
                    host: Some(Host::parse(host, opts.smtputf8)?),
                })
            }
        }
    }

    /// The domain part, if the host is a domain.
    pub fn domain(&self) -> Option<&Domain> {
        self.host.as_ref().and_then(Host::domain)
    }

    /// Whether this is the postmaster address (`Postmaster`, any case, RFC 5321 §4.5.1).
    pub fn is_postmaster(&self) -> bool {
        self.local.unquoted().eq_ignore_ascii_case("postmaster")
    }

    /// Whether any part of the address is non-ASCII (needs SMTPUTF8 to relay).
    pub fn is_ascii(&self) -> bool {
        // The written form, checked as it is written (no copy).
        struct Ascii(bool);
        impl fmt::Write for Ascii {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.0 &= s.is_ascii();
                Ok(())
            }
        }
        let mut check = Ascii(true);
        let _ = fmt::write(&mut check, format_args!("{self}"));
        check.0
    }
}

impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            Some(h) => write!(f, "{}@{}", self.local, h),
            None => write!(f, "{}", self.local),
        }
    }
}

/// The argument of `MAIL FROM:` (RFC 5321 §4.1.1.2): a mailbox, or `<>`
/// for notifications that must never be answered (bounces, §4.5.5).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ReversePath {
    /// `<>`, the null reverse-path.
    Null,
    /// A sender mailbox.
    Mailbox(Mailbox),
}

impl ReversePath {
    /// Parses the path text (brackets included).
    pub fn parse(s: &str, opts: PathOptions) -> Result<ReversePath, PathError> {
        let inner = unbracket(s, opts)?;
        if inner.is_empty() {
            return Ok(ReversePath::Null);
        }
        Ok(ReversePath::Mailbox(Mailbox::parse(
            strip_source_route(inner)?,
            opts,
        )?))
    }

    /// The mailbox, unless this is the null path.
    pub fn mailbox(&self) -> Option<&Mailbox> {
        match self {
            ReversePath::Null => None,
            ReversePath::Mailbox(m) => Some(m),
        }
    }
}

impl fmt::Display for ReversePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReversePath::Null => f.write_str("<>"),
            ReversePath::Mailbox(m) => write!(f, "<{m}>"),
        }
    }
}

/// The argument of `RCPT TO:` (RFC 5321 §4.1.1.3): a mailbox, or the
/// special `<Postmaster>` every server must accept (§4.5.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ForwardPath {
    /// `<Postmaster>` with no domain: the postmaster of the server itself.
    Postmaster,
    /// A recipient mailbox.
    Mailbox(Mailbox),
}

impl ForwardPath {
    /// Parses the path text (brackets included).
    pub fn parse(s: &str, opts: PathOptions) -> Result<ForwardPath, PathError> {
        let inner = unbracket(s, opts)?;
        if inner.is_empty() {
            return Err(PathError::Empty);
        }
        if inner.eq_ignore_ascii_case("postmaster") {
            return Ok(ForwardPath::Postmaster);
        }
        Ok(ForwardPath::Mailbox(Mailbox::parse(
            strip_source_route(inner)?,
            opts,
        )?))
    }

    /// The mailbox, unless this is the bare `<Postmaster>`.
    pub fn mailbox(&self) -> Option<&Mailbox> {
        match self {
            ForwardPath::Postmaster => None,
            ForwardPath::Mailbox(m) => Some(m),
        }
    }
}

impl fmt::Display for ForwardPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForwardPath::Postmaster => f.write_str("<Postmaster>"),
            ForwardPath::Mailbox(m) => write!(f, "<{m}>"),
        }
    }
}

/// RFC 5322 `atext`, the characters of a Dot-string atom.
pub fn is_atext(b: u8) -> bool {
    ATEXT.get(usize::from(b)).copied().unwrap_or(false)
}

/// [`is_atext`] as a table, built at compile time.
const ATEXT: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'/'
                    | b'='
                    | b'?'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'{'
                    | b'|'
                    | b'}'
                    | b'~'
            );
        i += 1;
    }
    t
};

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// Length of the Quoted-string at the start of `b`, closing quote included.
fn quoted_string_len(b: &[u8]) -> Option<usize> {
    if b.first() != Some(&b'"') {
        return None;
    }
    let mut i = 1;
    while i < b.len() {
        match b.get(i).copied()? {
            b'"' => return Some(i + 1),
            b'\\' => {
                let next = b.get(i + 1).copied()?;
                if !(32..=126).contains(&next) {
                    return None;
                }
                i += 2;
            }
            // qtextSMTP: %d32-33 / %d35-91 / %d93-126, and UTF-8 (RFC 6531).
            c if (32..=126).contains(&c) || c >= 0x80 => i += 1,
            _ => return None,
        }
    }
    None
}

/// Index of the `@` that ends the local part (or the end of the string).
fn local_part_end(b: &[u8]) -> Option<usize> {
    if b.first() == Some(&b'"') {
        let n = quoted_string_len(b)?;
        return Some(n);
    }
    Some(b.iter().rposition(|&c| c == b'@').unwrap_or(b.len()))
}

/// The common case of a path and what follows it, in one pass:
/// `<dot-atom@domain>` in ASCII, with no quoted local part or address
/// literal, and maybe a source route of such domains (`<@a,@b:...>`,
/// skipped as [`ReversePath::parse`] does). Returns the mailbox and the
/// length of the path, brackets included (where its parameters start).
///
/// `None` means "not that simple", never "wrong": the caller then runs the
/// full parser ([`ReversePath::parse`], [`ForwardPath::parse`]), which gives
/// the same mailbox on every input this function accepts, whatever the
/// [`PathOptions`] (they only relax what this function does not accept).
pub(crate) fn simple_path(s: &str) -> Option<(Mailbox, usize)> {
    let b = s.as_bytes();
    if b.first() != Some(&b'<') {
        return None;
    }
    let mut i = 1;
    // A source route: `@domain` hops separated by commas, ending with `:`.
    if b.get(i) == Some(&b'@') {
        loop {
            i = simple_domain(b, i + 1)?;
            match b.get(i)? {
                b',' if b.get(i + 1) == Some(&b'@') => i += 1,
                b':' => break,
                _ => return None,
            }
        }
        i += 1;
    }
    let start = i;
    // Local part: non-empty runs of atext joined by single dots, up to `@`.
    loop {
        let run = b.get(i..)?.iter().position(|&c| !is_atext(c))?;
        if run == 0 {
            return None;
        }
        i += run;
        match b.get(i)? {
            b'.' => i += 1,
            b'@' => break,
            _ => return None,
        }
    }
    let at = i;
    if at - start > limits::LOCAL_PART {
        return None;
    }
    let end = simple_domain(b, at + 1)?;
    if b.get(end) != Some(&b'>') || end + 1 > limits::PATH {
        return None;
    }
    let local = CompactString::from(s.get(start..at)?);
    let domain = CompactString::from(s.get(at + 1..end)?);
    Some((
        Mailbox {
            local: LocalPart(local),
            host: Some(Host::Domain(Domain(domain))),
        },
        end + 1,
    ))
}

/// The end of the domain starting at `b[start]`: labels of 1 to 63
/// letters, digits and inner hyphens joined by dots, at most 255 octets,
/// as [`Domain::parse`] accepts them, followed by a byte that is none of
/// those. `None` if there is no such domain there.
fn simple_domain(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    loop {
        let label = b.get(i..)?.iter().position(|&c| !is_ldh(c))?;
        let (first, last) = (b.get(i)?, b.get(i + label.checked_sub(1)?)?);
        if label > 63 || *first == b'-' || *last == b'-' {
            return None;
        }
        i += label;
        if b.get(i) != Some(&b'.') {
            break;
        }
        i += 1;
    }
    (i - start <= limits::DOMAIN).then_some(i)
}

/// A letter, digit or hyphen (RFC 5321 `Ldh-str`).
fn is_ldh(b: u8) -> bool {
    LDH.get(usize::from(b)).copied().unwrap_or(false)
}

/// [`is_ldh`] as a table, built at compile time.
const LDH: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric() || b == b'-';
        i += 1;
    }
    t
};

fn unbracket(s: &str, opts: PathOptions) -> Result<&str, PathError> {
    if s.len() > limits::PATH {
        return Err(PathError::PathTooLong);
    }
    match s.strip_prefix('<') {
        Some(rest) => rest.strip_suffix('>').ok_or(PathError::MissingBrackets),
        None if opts.allow_missing_brackets && !s.contains(['<', '>']) => Ok(s),
        None => Err(PathError::MissingBrackets),
    }
}

/// Removes an A-d-l source route (`@one,@two:`), checking its syntax.
fn strip_source_route(s: &str) -> Result<&str, PathError> {
    if !s.starts_with('@') {
        return Ok(s);
    }
    let (route, rest) = s.split_once(':').ok_or(PathError::BadSourceRoute)?;
    for hop in route.split(',') {
        let d = hop.strip_prefix('@').ok_or(PathError::BadSourceRoute)?;
        Host::parse(d, true).map_err(|_| PathError::BadSourceRoute)?;
    }
    Ok(rest)
}

#[cfg(test)]
mod tests;
