//! Recording the verdicts in the message: `Authentication-Results`
//! (RFC 8601) and `Received-SPF` (RFC 7208 §9.1), and reading
//! `Authentication-Results` back.

#[cfg(test)]
mod tests;

use std::net::IpAddr;

use crate::dkim::DkimVerdict;
use crate::dmarc::{DmarcResult, DmarcVerdict};
use crate::spf::{SpfIdentity, SpfResult, SpfVerdict};

/// The longest line MX Lab writes in a header field (RFC 5322 §2.1.1 SHOULD).
const LINE: usize = 78;

/// The Authentication-Results field (name included, folded, CRLF-terminated): `Authentication-Results: <authserv_id>;` then `spf=<r> smtp.mailfrom=<sender>` (or smtp.helo), each dkim `dkim=<r> header.d=<d> header.s=<s> header.b=<b_prefix>` (or `dkim=none`), and `dmarc=<r> (p=<P> dis=<D>) header.from=<domain>` when given. Comments in parentheses may carry short reasons.
///
/// RFC 8601 §2.2 (syntax), §2.7 (methods and results); RFC 6008 (header.b);
/// RFC 7489 §11.2 (dmarc). Each result stands on its own folded line, so
/// the field reads like the RFC's examples. `p=` and `dis=` are written in
/// capitals, as large receivers do.
pub fn authentication_results(
    authserv_id: &str,
    spf: &SpfVerdict,
    dkim: &[DkimVerdict],
    dmarc: Option<&DmarcVerdict>,
) -> String {
    let mut items: Vec<String> = Vec::new();
    let property = match spf.identity {
        SpfIdentity::MailFrom => format!("smtp.mailfrom={}", value(&spf.sender)),
        SpfIdentity::Helo => format!("smtp.helo={}", value(&spf.domain)),
    };
    let spf_comment = match (&spf.mechanism, spf.result) {
        (Some(term), _) => format!(" ({})", comment(&format!("matched {term}"))),
        (None, SpfResult::None) => " (no SPF record)".to_string(),
        _ => String::new(),
    };
    items.push(format!(
        "spf={}{spf_comment} {property}",
        spf.result.as_str()
    ));
    if dkim.is_empty() {
        items.push("dkim=none (message not signed)".to_string());
    }
    for verdict in dkim {
        let mut item = format!("dkim={}", verdict.result.as_str());
        if !verdict.domain.is_empty() {
            if !verdict.algorithm.is_empty() {
                item.push_str(&format!(" ({})", comment(&verdict.algorithm)));
            }
            item.push_str(&format!(" header.d={}", value(&verdict.domain)));
            if !verdict.selector.is_empty() {
                item.push_str(&format!(" header.s={}", value(&verdict.selector)));
            }
            if !verdict.b_prefix.is_empty() {
                item.push_str(&format!(" header.b={}", value(&verdict.b_prefix)));
            }
        } else {
            item.push_str(" (unreadable signature)");
        }
        items.push(item);
    }
    if let Some(dmarc) = dmarc {
        let mut item = format!("dmarc={}", dmarc.result.as_str());
        if let Some(policy) = dmarc.policy {
            item.push_str(&format!(
                " (p={} dis={})",
                policy.as_str().to_ascii_uppercase(),
                dmarc.disposition.as_str().to_ascii_uppercase()
            ));
        } else if dmarc.result == DmarcResult::None {
            item.push_str(" (no policy)");
        }
        if !dmarc.from_domain.is_empty() {
            item.push_str(&format!(" header.from={}", value(&dmarc.from_domain)));
        }
        items.push(item);
    }
    let mut out = format!("Authentication-Results: {};", value(authserv_id.trim()));
    let last = items.len().saturating_sub(1);
    for (i, item) in items.iter().enumerate() {
        let text = if i == last {
            item.clone()
        } else {
            format!("{item};")
        };
        out.push_str("\r\n");
        fold_into(&mut out, &text);
    }
    out.push_str("\r\n");
    out
}

/// Received-SPF (RFC 7208 §9.1): `Received-SPF: pass (<receiver>: domain of <sender> designates <ip> as permitted sender) client-ip=<ip>; envelope-from="<sender>"; helo=<helo>;` folded, CRLF-terminated.
///
/// The comment for each result follows the wording of the RFC's examples
/// and of widely deployed implementations.
pub fn received_spf(receiver: &str, spf: &SpfVerdict, ip: IpAddr, helo: &str) -> String {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    let sender = &spf.sender;
    let text = match spf.result {
        SpfResult::Pass => format!("domain of {sender} designates {ip} as permitted sender"),
        SpfResult::Fail => {
            format!("domain of {sender} does not designate {ip} as permitted sender")
        }
        SpfResult::SoftFail => {
            format!("domain of transitioning {sender} does not designate {ip} as permitted sender")
        }
        SpfResult::Neutral => format!("{ip} is neither permitted nor denied by domain of {sender}"),
        SpfResult::None => format!("domain of {sender} does not designate permitted sender hosts"),
        SpfResult::TempError => {
            format!("error in processing during lookup of {sender}: DNS timeout")
        }
        SpfResult::PermError => {
            format!("error in processing during lookup of {sender}: the SPF record is invalid")
        }
    };
    let words = [
        format!(
            "{} ({})",
            spf.result.as_str(),
            comment(&format!("{receiver}: {text}"))
        ),
        format!("client-ip={ip};"),
        format!("envelope-from=\"{}\";", quotable(sender)),
        format!("helo={};", value(helo.trim())),
    ];
    let mut out = String::from("Received-SPF:");
    let mut column = out.len();
    for word in words {
        for piece in word.split(' ') {
            if column + 1 + piece.len() > LINE && column > 1 {
                out.push_str("\r\n ");
                column = 1;
            } else {
                out.push(' ');
                column += 1;
            }
            out.push_str(piece);
            column += piece.len();
        }
    }
    out.push_str("\r\n");
    out
}

/// Parses an Authentication-Results field's value back into (method, result) pairs, e.g. [("spf","fail"),("dkim","none"),("dmarc","fail")], for tests and the app's inspector.
///
/// RFC 8601 §2.2: comments are skipped, the authserv-id (and its version)
/// is skipped, `none` alone means no results. The field name may be
/// included. Method and result are returned lower-case; a method version
/// (`dkim/1`) is dropped.
pub fn parse_results(value: &str) -> Vec<(String, String)> {
    let unfolded: String = value
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect();
    let mut text = unfolded.trim();
    if let Some((name, rest)) = text.split_once(':') {
        if name.trim().eq_ignore_ascii_case("authentication-results") {
            text = rest;
        }
    }
    let text = crate::mail::strip_comments(text);
    let mut out = Vec::new();
    for statement in split_outside_quotes(&text).into_iter().skip(1) {
        let Some(first) = statement.split_whitespace().next() else {
            continue;
        };
        let Some((method, result)) = first.split_once('=') else {
            continue;
        };
        let method = method
            .split('/')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let result = result.trim().to_ascii_lowercase();
        if !method.is_empty() && !result.is_empty() {
            out.push((method, result));
        }
    }
    out
}

fn split_outside_quotes(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ';' if !quoted => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts
}

/// Text safe inside a comment: no parentheses, backslashes, line breaks
/// or other control characters.
fn comment(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '(' | ')' | '\\' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// Text safe inside a quoted string: no quotes, backslashes, line breaks or
/// other control characters (a hostile MAIL FROM or HELO could otherwise
/// end the header field and start another).
fn quotable(text: &str) -> String {
    text.chars()
        .filter(|&c| c != '"' && c != '\\' && !c.is_control())
        .collect()
}

/// A property value: a token as is, anything else quoted (RFC 8601 §2.2, `value`).
fn value(text: &str) -> String {
    let token = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_graphic() && !"()<>,;:\\\"[]?=".contains(c) || c == '@');
    if token {
        text.to_string()
    } else {
        format!("\"{}\"", quotable(text))
    }
}

/// Appends one result, starting a continuation line, folding at spaces.
fn fold_into(out: &mut String, text: &str) {
    out.push(' ');
    let mut column = 1;
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            if column + 1 + word.len() > LINE {
                out.push_str("\r\n   ");
                column = 3;
            } else {
                out.push(' ');
                column += 1;
            }
        }
        out.push_str(word);
        column += word.len();
    }
}
