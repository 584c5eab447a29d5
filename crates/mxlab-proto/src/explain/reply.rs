//! Explanations of three-digit reply codes (RFC 5321 §4.2): a specific
//! text for every code of RFC 5321, RFC 4954 and RFC 7504, a generic one
//! from the first two digits for any other.

use super::{ex, Explanation};

const R5321: &str = "RFC 5321 §4.2.3";
/// AUTH replies (also cited by the enhanced codes of AUTH).
pub(super) const R4954: &str = "RFC 4954 §6";
const R7504: &str = "RFC 7504";
const R_THEORY: &str = "RFC 5321 §4.2.1";

/// Explains a three-digit SMTP reply code.
///
/// Every code of RFC 5321 §4.2.2/§4.2.3 and the codes added by RFC 4954
/// (AUTH) and RFC 7504 (521, 556) get a specific text. Any other code in
/// `200..=599` gets a generic text from its first digit (2 positive
/// completion, 3 intermediate, 4 transient failure, 5 permanent failure)
/// and second digit (x0 syntax, x1 information, x2 connections, x3/x4
/// unspecified, x5 mail system), as RFC 5321 §4.2.1 tells clients to read
/// codes they do not know. Anything else is "not a valid SMTP reply code".
pub fn reply(code: u16) -> Explanation {
    match code {
        211 => ex(
            "System status or help reply: information only; the session goes on unchanged.",
            R5321,
        ),
        214 => ex(
            "Help message for a human reader (the answer to HELP); the session goes on unchanged.",
            R5321,
        ),
        220 => ex(
            "Service ready: the server's greeting, so the client may introduce itself with EHLO; in answer to STARTTLS it means \"start the TLS handshake now\".",
            R5321,
        ),
        221 => ex(
            "Service closing the connection: the normal answer to QUIT; the session is over.",
            R5321,
        ),
        235 => ex(
            "Authentication succeeded: the client is logged in and may now send mail as that user.",
            R4954,
        ),
        250 => ex(
            "Requested action okay, completed: the command worked and the client moves on; after the final dot it means the server has taken responsibility for the message.",
            R5321,
        ),
        251 => ex(
            "User not local, will forward: the server accepts the recipient and forwards the message itself; for the client the recipient is accepted.",
            R5321,
        ),
        252 => ex(
            "Cannot verify the user, but the server will accept a message for them and try to deliver it; this does not confirm that the mailbox exists.",
            R5321,
        ),
        334 => ex(
            "Authentication challenge: the server sends a base64 prompt and waits for the client's next base64 answer line (\"*\" cancels the login).",
            "RFC 4954 §4",
        ),
        354 => ex(
            "Start mail input: the client now sends the message content and ends it with a line holding a single dot (CRLF.CRLF).",
            R5321,
        ),
        421 => ex(
            "Service not available, closing the connection (shutdown, overload or too many errors); the client keeps the message and tries again later, possibly at another MX.",
            R5321,
        ),
        432 => ex(
            "A password transition is needed: the user must log in once with PLAIN (over TLS) before this mechanism works; a temporary failure, so the client may retry.",
            R4954,
        ),
        450 => ex(
            "Mailbox busy or temporarily unavailable (for example greylisted or blocked for now); the client keeps the message and tries again later.",
            R5321,
        ),
        451 => ex(
            "Action aborted by a local error on the server; the client keeps the message and tries again later.",
            R5321,
        ),
        452 => ex(
            "Insufficient system storage, or too many recipients for now; the client tries again later (extra recipients go in a later transaction).",
            R5321,
        ),
        454 => ex(
            "TLS or authentication temporarily unavailable; the client may try again later, and continues without it only if its policy allows.",
            R4954,
        ),
        455 => ex(
            "Server unable to accommodate the MAIL or RCPT parameters right now; the client tries again later.",
            R5321,
        ),
        500 => ex(
            "Syntax error, command unrecognized (or the line was too long); repeating it unchanged will fail again, and an old server answering EHLO this way makes the client fall back to HELO.",
            R5321,
        ),
        501 => ex(
            "Syntax error in parameters or arguments (for example a malformed address); the command failed and must be corrected before it can succeed.",
            R5321,
        ),
        502 => ex(
            "Command not implemented by this server; the client has to do without it (after EHLO, it falls back to HELO).",
            R5321,
        ),
        503 => ex(
            "Bad sequence of commands (for example RCPT before MAIL, or DATA with no accepted recipient); the client must send commands in the right order.",
            R5321,
        ),
        504 => ex(
            "Command parameter not implemented (for example an unknown AUTH mechanism); the client must use another parameter.",
            R5321,
        ),
        521 => ex(
            "This host does not accept mail at all; the client must not retry here, and if no other MX is left the message bounces.",
            R7504,
        ),
        530 => ex(
            "Authentication required: the server refuses this command until the client logs in with AUTH (some servers also demand STARTTLS first).",
            R4954,
        ),
        534 => ex(
            "Authentication mechanism too weak for this user; the client must log in again with a stronger mechanism.",
            R4954,
        ),
        535 => ex(
            "Authentication credentials invalid (wrong user name or password); the client needs correct credentials before it can send as this user.",
            R4954,
        ),
        538 => ex(
            "Encryption required for the requested authentication mechanism: the client must STARTTLS before using it (deprecated by RFC 4954, still seen in the wild).",
            R4954,
        ),
        550 => ex(
            "Mailbox unavailable (not found, no access, or refused by policy); a permanent failure: the client does not retry and this recipient bounces.",
            R5321,
        ),
        551 => ex(
            "User not local; the server names another path but will not forward; a permanent failure: the address must be updated or the recipient bounces.",
            R5321,
        ),
        552 => ex(
            "Exceeded storage allocation (mailbox full or message too big); a permanent failure for this message: it bounces unless made smaller.",
            R5321,
        ),
        553 => ex(
            "Mailbox name not allowed (for example bad address syntax); a permanent failure: the address must be corrected.",
            R5321,
        ),
        554 => ex(
            "Transaction failed: the message (or, as a greeting, the whole connection: \"no SMTP service here\") is refused for good; the client does not retry and the message bounces.",
            R5321,
        ),
        555 => ex(
            "MAIL FROM or RCPT TO parameters not recognized or not implemented; the client must resend the command without the unsupported parameters.",
            R5321,
        ),
        556 => ex(
            "Domain does not accept mail (it publishes a null MX); the recipient is undeliverable and the message bounces without retries.",
            R7504,
        ),
        200..=599 => generic_reply(code),
        _ => ex(
            "Not a valid SMTP reply code: a reply is three digits from 200 to 599, the first digit 2 to 5.",
            "RFC 5321 §4.2",
        ),
    }
}

/// The generic explanation of a code in `200..=599` from its first two
/// digits (RFC 5321 §4.2.1); `reply` uses it for codes it does not know.
fn generic_reply(code: u16) -> Explanation {
    let first = code / 100;
    let second = (code / 10) % 10;
    let text = match (first, second) {
        (2, 0) => "Positive completion (20x, syntax): the command succeeded; the client goes on.",
        (2, 1) => "Positive completion (21x, information): the command succeeded and the reply carries status or help information.",
        (2, 2) => "Positive completion (22x, connection): the command about the connection succeeded; the client goes on.",
        (2, 3) | (2, 4) => "Positive completion (2xx, unspecified category): the command succeeded; the client goes on.",
        (2, 5) => "Positive completion (25x, mail system): the requested mail action succeeded; the client goes on.",
        (2, _) => "Positive completion (2xx) with an unassigned second digit: read by its first digit, the command succeeded.",
        (3, 0) => "Positive intermediate (30x, syntax): the command was accepted and the server waits for more input to finish it.",
        (3, 1) => "Positive intermediate (31x, information): the server waits for more input; the text carries information.",
        (3, 2) => "Positive intermediate (32x, connection): the server waits for more input about the connection.",
        (3, 3) | (3, 4) => "Positive intermediate (3xx, unspecified category): the command was accepted and the server waits for more input.",
        (3, 5) => "Positive intermediate (35x, mail system): the mail action is held until the client sends more (as with 354 after DATA).",
        (3, _) => "Positive intermediate (3xx) with an unassigned second digit: read by its first digit, the server waits for more input.",
        (4, 0) => "Transient failure (40x, syntax): the command failed for now; the client may try again later.",
        (4, 1) => "Transient failure (41x, information): the request for information failed for now; the client may try again later.",
        (4, 2) => "Transient failure (42x, connection): a temporary connection problem; the client keeps the message and retries later.",
        (4, 3) | (4, 4) => "Transient failure (4xx, unspecified category): the command failed for now; the client keeps the message and retries later.",
        (4, 5) => "Transient failure (45x, mail system): the mail system could not act now; the client keeps the message and retries later.",
        (4, _) => "Transient failure (4xx) with an unassigned second digit: read by its first digit, the client keeps the message and retries later.",
        (5, 0) => "Permanent failure (50x, syntax): the command is wrong; repeating it unchanged fails again.",
        (5, 1) => "Permanent failure (51x, information): the request for information is refused; repeating it unchanged fails again.",
        (5, 2) => "Permanent failure (52x, connection): the connection is refused for good; the client does not retry here.",
        (5, 3) | (5, 4) => "Permanent failure (5xx, unspecified category): the command failed for good; the client does not retry it unchanged.",
        (5, 5) => "Permanent failure (55x, mail system): the mail action is refused for good; the recipient or message bounces.",
        _ => "Permanent failure (5xx) with an unassigned second digit: read by its first digit, the command failed for good.",
    };
    ex(text, R_THEORY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::well_formed;

    const SPECIFIC: &[u16] = &[
        211, 214, 220, 221, 235, 250, 251, 252, 334, 354, 421, 432, 450, 451, 452, 454, 455, 500,
        501, 502, 503, 504, 521, 530, 534, 535, 538, 550, 551, 552, 553, 554, 555, 556,
    ];

    #[test]
    fn every_listed_reply_code_is_specific() {
        for &code in SPECIFIC {
            let e = reply(code);
            well_formed(e);
            assert_ne!(
                e,
                generic_reply(code),
                "{code} fell through to the generic text"
            );
            assert_ne!(e.rfc, R_THEORY, "{code}");
            assert!(!e.text.to_lowercase().contains("not a valid"), "{code}");
        }
    }

    #[test]
    fn specific_reply_texts_are_distinct() {
        for (i, &a) in SPECIFIC.iter().enumerate() {
            for &b in &SPECIFIC[i + 1..] {
                assert_ne!(reply(a).text, reply(b).text, "{a} and {b}");
            }
        }
    }

    #[test]
    fn reply_rfc_sections() {
        let table: &[(u16, &str)] = &[
            (250, "RFC 5321 §4.2.3"),
            (455, "RFC 5321 §4.2.3"),
            (555, "RFC 5321 §4.2.3"),
            (235, "RFC 4954 §6"),
            (334, "RFC 4954 §4"),
            (535, "RFC 4954 §6"),
            (521, "RFC 7504"),
            (556, "RFC 7504"),
        ];
        for &(code, rfc) in table {
            assert_eq!(reply(code).rfc, rfc, "{code}");
        }
        assert!(reply(450).text.contains("tries again later"));
        assert!(reply(550).text.contains("bounces"));
    }

    #[test]
    fn unknown_codes_in_range_are_generic() {
        for code in [200, 259, 299, 300, 399, 480, 490, 499, 509, 560, 599] {
            let e = reply(code);
            well_formed(e);
            assert_eq!(e, generic_reply(code), "{code}");
            assert_eq!(e.rfc, R_THEORY, "{code}");
        }
        assert!(reply(259).text.starts_with("Positive completion (25x"));
        assert!(reply(480).text.starts_with("Transient failure"));
        assert!(reply(523).text.starts_with("Permanent failure"));
        assert!(reply(301).text.starts_with("Positive intermediate"));
    }

    #[test]
    fn invalid_codes() {
        for code in [0, 1, 99, 100, 199, 600, 999, 1000, u16::MAX] {
            let e = reply(code);
            well_formed(e);
            assert!(
                e.text
                    .to_lowercase()
                    .contains("not a valid smtp reply code"),
                "{code}"
            );
        }
    }

    #[test]
    fn every_u16_reply_is_well_formed() {
        for code in 0..=u16::MAX {
            well_formed(reply(code));
        }
    }
}
