//! The ESMTP parameters of MAIL and RCPT (RFC 5321 §4.1.2 `esmtp-param`):
//! their types, how a parameter list is read, and RFC 3461 xtext.
//!
//! | Parameter | Of | RFC |
//! |---|---|---|
//! | `SIZE` | MAIL | 1870 |
//! | `BODY` | MAIL | 6152, 3030 |
//! | `SMTPUTF8` | MAIL | 6531 |
//! | `RET`, `ENVID` | MAIL | 3461 §4.3, §4.4 |
//! | `AUTH` | MAIL | 4954 §5 |
//! | `NOTIFY`, `ORCPT` | RCPT | 3461 §4.1, §4.2 |

use core::fmt;

use compact_str::CompactString;

use super::CommandError;

/// The BODY parameter (RFC 6152, RFC 3030).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Body {
    /// `BODY=7BIT`
    SevenBit,
    /// `BODY=8BITMIME`
    EightBitMime,
    /// `BODY=BINARYMIME`
    BinaryMime,
}

/// The RET parameter of RFC 3461 §4.3: what a failure DSN returns.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Ret {
    /// `RET=FULL`: the whole message.
    Full,
    /// `RET=HDRS`: the header section only.
    Hdrs,
}

/// The NOTIFY parameter of RFC 3461 §4.1.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Notify {
    /// `SUCCESS`
    pub success: bool,
    /// `FAILURE`
    pub failure: bool,
    /// `DELAY`
    pub delay: bool,
}

impl Notify {
    /// `NOTIFY=NEVER`.
    pub const NEVER: Notify = Notify {
        success: false,
        failure: false,
        delay: false,
    };

    fn parse(v: &str) -> Option<Notify> {
        if v.eq_ignore_ascii_case("NEVER") {
            return Some(Notify::NEVER);
        }
        let mut n = Notify::default();
        for item in v.as_bytes().split(|&b| b == b',') {
            let flag = if item.eq_ignore_ascii_case(b"SUCCESS") {
                &mut n.success
            } else if item.eq_ignore_ascii_case(b"FAILURE") {
                &mut n.failure
            } else if item.eq_ignore_ascii_case(b"DELAY") {
                &mut n.delay
            } else {
                return None;
            };
            if *flag {
                return None;
            }
            *flag = true;
        }
        Some(n)
    }
}

impl fmt::Display for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut items = Vec::new();
        if self.success {
            items.push("SUCCESS");
        }
        if self.failure {
            items.push("FAILURE");
        }
        if self.delay {
            items.push("DELAY");
        }
        if items.is_empty() {
            f.write_str("NEVER")
        } else {
            f.write_str(&items.join(","))
        }
    }
}

/// The ESMTP parameters of MAIL FROM.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MailParams {
    /// `SIZE=n`, the client's estimate of the message size (RFC 1870).
    pub size: Option<u64>,
    /// `BODY=...` (RFC 6152).
    pub body: Option<Body>,
    /// `SMTPUTF8` (RFC 6531).
    pub smtputf8: bool,
    /// `RET=FULL|HDRS` (RFC 3461).
    pub ret: Option<Ret>,
    /// `ENVID=xtext`, decoded (RFC 3461).
    pub envid: Option<CompactString>,
    /// `AUTH=<mailbox>|<>` as written, xtext decoded (RFC 4954 §5).
    pub auth: Option<CompactString>,
    /// Parameters MX Lab does not know, as written (the server answers 555).
    pub unknown: Vec<(CompactString, Option<CompactString>)>,
}

/// The ESMTP parameters of RCPT TO.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RcptParams {
    /// `NOTIFY=...` (RFC 3461 §4.1).
    pub notify: Option<Notify>,
    /// `ORCPT=addr-type;xtext`: the type and the decoded address (RFC 3461 §4.2).
    pub orcpt: Option<(CompactString, CompactString)>,
    /// Parameters MX Lab does not know, as written (the server answers 555).
    pub unknown: Vec<(CompactString, Option<CompactString>)>,
}

/// An ESMTP keyword of up to eight bytes, upper-cased, as a number (the
/// bytes big-endian); 0 for a longer one. Keywords never hold a zero byte,
/// so two keywords of up to eight bytes have the same code only if they are
/// equal without regard to case.
const fn keyword_code(k: &[u8]) -> u64 {
    if k.len() > 8 {
        return 0;
    }
    let mut code = 0u64;
    let mut i = 0;
    while i < k.len() {
        code = code << 8 | k[i].to_ascii_uppercase() as u64;
        i += 1;
    }
    code
}

const SIZE: u64 = keyword_code(b"SIZE");
const BODY: u64 = keyword_code(b"BODY");
const SMTPUTF8: u64 = keyword_code(b"SMTPUTF8");
const RET: u64 = keyword_code(b"RET");
const ENVID: u64 = keyword_code(b"ENVID");
const AUTH: u64 = keyword_code(b"AUTH");
const NOTIFY: u64 = keyword_code(b"NOTIFY");
const ORCPT: u64 = keyword_code(b"ORCPT");

/// Runs `interpret` on each parameter of ` key[=value] ...`, in order, with
/// its [`keyword_code`]. The syntax of every parameter is checked: a syntax
/// error anywhere in the line wins over a bad value (an error from
/// `interpret`) before it.
fn each_param<'a>(
    s: &'a str,
    mut interpret: impl FnMut(u64, &'a str, Option<&'a str>) -> Result<(), CommandError>,
) -> Result<(), CommandError> {
    const SYNTAX: CommandError = CommandError::Syntax("bad ESMTP parameter");
    let b = s.as_bytes();
    if b.first().is_some_and(|&c| c != b' ') {
        return Err(CommandError::Syntax(
            "a space must separate the address and its parameters",
        ));
    }
    let mut bad_value = None;
    let mut i = 0;
    loop {
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        let Some(&first) = b.get(i) else {
            break;
        };
        // esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
        if !first.is_ascii_alphanumeric() {
            return Err(SYNTAX);
        }
        let key_start = i;
        let mut code = 0u64;
        while let Some(&c) = b.get(i) {
            if c == b' ' || c == b'=' {
                break;
            }
            if !(c.is_ascii_alphanumeric() || c == b'-') {
                return Err(SYNTAX);
            }
            code = code << 8 | u64::from(c.to_ascii_uppercase());
            i += 1;
        }
        if i - key_start > 8 {
            code = 0;
        }
        let key = s.get(key_start..i).ok_or(SYNTAX)?;
        // esmtp-value = 1*(%d33-60 / %d62-126)
        let value = if b.get(i) == Some(&b'=') {
            i += 1;
            let value_start = i;
            while let Some(&c) = b.get(i) {
                if c == b' ' {
                    break;
                }
                if !(33..=126).contains(&c) || c == b'=' {
                    return Err(SYNTAX);
                }
                i += 1;
            }
            if i == value_start {
                return Err(SYNTAX);
            }
            Some(s.get(value_start..i).ok_or(SYNTAX)?)
        } else {
            None
        };
        if bad_value.is_none() {
            bad_value = interpret(code, key, value).err();
        }
    }
    bad_value.map_or(Ok(()), Err)
}

/// A SIZE value: 1 to 20 digits that fit in a `u64`.
fn size_value(v: &str) -> Option<u64> {
    if v.is_empty() || v.len() > 20 {
        return None;
    }
    v.bytes().try_fold(0u64, |n, c| {
        let digit = c.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// Reads the MAIL parameters in `s` into `p` (which starts as the default).
pub(super) fn parse_mail_params(s: &str, p: &mut MailParams) -> Result<(), CommandError> {
    if s.is_empty() {
        return Ok(());
    }
    each_param(s, |code, k, v| {
        let bad = || CommandError::BadParam(k.to_ascii_uppercase());
        match (code, v) {
            (SIZE, Some(v)) if p.size.is_none() => p.size = Some(size_value(v).ok_or_else(bad)?),
            (BODY, Some(v)) if p.body.is_none() => {
                p.body = Some(if v.eq_ignore_ascii_case("7BIT") {
                    Body::SevenBit
                } else if v.eq_ignore_ascii_case("8BITMIME") {
                    Body::EightBitMime
                } else if v.eq_ignore_ascii_case("BINARYMIME") {
                    Body::BinaryMime
                } else {
                    return Err(bad());
                });
            }
            (SMTPUTF8, None) if !p.smtputf8 => p.smtputf8 = true,
            (RET, Some(v)) if p.ret.is_none() => {
                p.ret = Some(if v.eq_ignore_ascii_case("FULL") {
                    Ret::Full
                } else if v.eq_ignore_ascii_case("HDRS") {
                    Ret::Hdrs
                } else {
                    return Err(bad());
                });
            }
            (ENVID, Some(v)) if p.envid.is_none() => {
                let d = xtext_decode(v).ok_or_else(bad)?;
                if d.len() > 100 {
                    return Err(bad());
                }
                p.envid = Some(d);
            }
            (AUTH, Some(v)) if p.auth.is_none() => p.auth = Some(xtext_decode(v).ok_or_else(bad)?),
            (SIZE | BODY | SMTPUTF8 | RET | ENVID | AUTH, _) => return Err(bad()),
            _ => p.unknown.push((k.into(), v.map(CompactString::from))),
        }
        Ok(())
    })
}

/// Reads the RCPT parameters in `s` into `p` (which starts as the default).
pub(super) fn parse_rcpt_params(s: &str, p: &mut RcptParams) -> Result<(), CommandError> {
    if s.is_empty() {
        return Ok(());
    }
    each_param(s, |code, k, v| {
        let bad = || CommandError::BadParam(k.to_ascii_uppercase());
        match (code, v) {
            (NOTIFY, Some(v)) if p.notify.is_none() => {
                p.notify = Some(Notify::parse(v).ok_or_else(bad)?);
            }
            (ORCPT, Some(v)) if p.orcpt.is_none() => {
                let (t, a) = v.split_once(';').ok_or_else(bad)?;
                if t.is_empty() || !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    return Err(bad());
                }
                let a = xtext_decode(a).ok_or_else(bad)?;
                if a.is_empty() || a.len() > 500 {
                    return Err(bad());
                }
                p.orcpt = Some((t.into(), a));
            }
            (NOTIFY | ORCPT, _) => return Err(bad()),
            _ => p.unknown.push((k.into(), v.map(CompactString::from))),
        }
        Ok(())
    })
}

/// Encodes text as RFC 3461 §4 xtext: `+`, `=` and characters outside
/// `!`..`~` become `+XX`.
pub fn xtext_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if (33..=126).contains(&b) && b != b'+' && b != b'=' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("+{b:02X}"));
        }
    }
    out
}

/// Decodes RFC 3461 xtext; `None` if a `+` is not followed by two upper-case
/// hex digits or the result is not UTF-8.
pub fn xtext_decode(s: &str) -> Option<CompactString> {
    let b = s.as_bytes();
    if !b.contains(&b'+') {
        return Some(s.into());
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'+' {
            let hex = |x: u8| match x {
                b'0'..=b'9' => Some(x - b'0'),
                b'A'..=b'F' => Some(x - b'A' + 10),
                _ => None,
            };
            let hi = hex(*b.get(i + 1)?)?;
            let lo = hex(*b.get(i + 2)?)?;
            out.push(hi * 16 + lo);
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    CompactString::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xtext() {
        for s in ["plain", "a+b=c", "sp ace", "ünï"] {
            assert_eq!(xtext_decode(&xtext_encode(s)).as_deref(), Some(s));
        }
        assert_eq!(xtext_encode("a+b"), "a+2Bb");
        assert_eq!(xtext_decode("+2b"), None);
    }
}
