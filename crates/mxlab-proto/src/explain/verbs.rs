//! Explanations of command verbs and EHLO keywords, looked up
//! case-insensitively in two tables.

use super::{ex, Explanation};

const COMMANDS: &[(&str, Explanation)] = &[
    (
        "HELO",
        ex(
            "HELO: the client introduces itself by name (the original greeting); the server answers 250 without listing extensions.",
            "RFC 5321 §4.1.1.1",
        ),
    ),
    (
        "EHLO",
        ex(
            "EHLO: the client introduces itself and asks for the server's extensions; the 250 reply lists the keywords the client may use.",
            "RFC 5321 §4.1.1.1",
        ),
    ),
    (
        "MAIL",
        ex(
            "MAIL FROM: starts a mail transaction and gives the return path where bounces go (<> for a bounce itself).",
            "RFC 5321 §4.1.1.2",
        ),
    ),
    (
        "RCPT",
        ex(
            "RCPT TO: names one recipient, repeated for each; every recipient gets its own reply, so some may be accepted and others refused.",
            "RFC 5321 §4.1.1.3",
        ),
    ),
    (
        "DATA",
        ex(
            "DATA: asks to send the message; after 354 the client sends the content and ends it with a line holding a single dot.",
            "RFC 5321 §4.1.1.4",
        ),
    ),
    (
        "RSET",
        ex(
            "RSET: aborts the current mail transaction, forgetting sender and recipients; the connection stays open.",
            "RFC 5321 §4.1.1.5",
        ),
    ),
    (
        "VRFY",
        ex(
            "VRFY: asks whether an address is a real mailbox; many servers answer 252 (cannot verify) so as not to leak addresses.",
            "RFC 5321 §4.1.1.6",
        ),
    ),
    (
        "EXPN",
        ex(
            "EXPN: asks the server to list the members of a mailing list; usually disabled for privacy.",
            "RFC 5321 §4.1.1.7",
        ),
    ),
    (
        "HELP",
        ex(
            "HELP: asks for human-readable help about the server or a command; answered with 214.",
            "RFC 5321 §4.1.1.8",
        ),
    ),
    (
        "NOOP",
        ex(
            "NOOP: does nothing but get a 250 reply; used to keep the connection alive or test it.",
            "RFC 5321 §4.1.1.9",
        ),
    ),
    (
        "QUIT",
        ex(
            "QUIT: asks the server to close the connection; the server answers 221 and closes.",
            "RFC 5321 §4.1.1.10",
        ),
    ),
    (
        "STARTTLS",
        ex(
            "STARTTLS: asks to encrypt the connection with TLS; after 220 and the handshake the session starts over and the client sends EHLO again.",
            "RFC 3207 §4",
        ),
    ),
    (
        "AUTH",
        ex(
            "AUTH: logs in with a SASL mechanism such as PLAIN or LOGIN; the server answers 334 challenges and finally 235 on success.",
            "RFC 4954 §4",
        ),
    ),
    (
        "BDAT",
        ex(
            "BDAT: sends the message in chunks of a stated size, with no dot-stuffing; the chunk marked LAST ends the message.",
            "RFC 3030",
        ),
    ),
];

const EXTENSIONS: &[(&str, Explanation)] = &[
    (
        "PIPELINING",
        ex(
            "PIPELINING: the client may send several commands (such as MAIL, RCPT, RCPT, DATA) without waiting for each reply, saving round trips.",
            "RFC 2920",
        ),
    ),
    (
        "SIZE",
        ex(
            "SIZE: the server states its largest accepted message and the client declares the size in MAIL FROM, so oversized mail is refused before it is sent.",
            "RFC 1870",
        ),
    ),
    (
        "8BITMIME",
        ex(
            "8BITMIME: the server accepts message bodies with 8-bit characters (BODY=8BITMIME), so they need not be converted to 7-bit.",
            "RFC 6152",
        ),
    ),
    (
        "ENHANCEDSTATUSCODES",
        ex(
            "ENHANCEDSTATUSCODES: the server puts an enhanced status code (class.subject.detail, such as 5.1.1) in its replies for a more precise diagnosis.",
            "RFC 2034",
        ),
    ),
    (
        "DSN",
        ex(
            "DSN: the client may ask for delivery status notifications (NOTIFY on RCPT; RET and ENVID on MAIL).",
            "RFC 3461",
        ),
    ),
    (
        "STARTTLS",
        ex(
            "STARTTLS: the server can encrypt the connection with TLS; the client sends STARTTLS, then EHLO again.",
            "RFC 3207",
        ),
    ),
    (
        "AUTH",
        ex(
            "AUTH: the server accepts logins; the keyword lists the SASL mechanisms offered (for example PLAIN LOGIN).",
            "RFC 4954 §3",
        ),
    ),
    (
        "SMTPUTF8",
        ex(
            "SMTPUTF8: the server accepts internationalized (UTF-8) addresses and headers when the client adds SMTPUTF8 to MAIL FROM.",
            "RFC 6531",
        ),
    ),
    (
        "CHUNKING",
        ex(
            "CHUNKING: the server accepts BDAT, so the message can be sent in sized chunks instead of DATA with a final dot.",
            "RFC 3030",
        ),
    ),
    (
        "BINARYMIME",
        ex(
            "BINARYMIME: the server accepts binary message bodies (BODY=BINARYMIME), which must be sent with BDAT.",
            "RFC 3030",
        ),
    ),
    (
        "VRFY",
        ex(
            "VRFY: the server says it answers the VRFY command (address verification).",
            "RFC 5321 §3.5",
        ),
    ),
    (
        "ETRN",
        ex(
            "ETRN: the client may ask the server to start delivering the mail it holds queued for a domain.",
            "RFC 1985",
        ),
    ),
    (
        "HELP",
        ex(
            "HELP: the server answers the HELP command with human-readable help.",
            "RFC 5321 §4.1.1.8",
        ),
    ),
];

fn lookup(table: &[(&str, Explanation)], key: &str) -> Option<Explanation> {
    table
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(key))
        .map(|&(_, e)| e)
}

/// Explains an SMTP command verb (HELO EHLO MAIL RCPT DATA RSET NOOP QUIT
/// VRFY EXPN HELP STARTTLS AUTH BDAT), case-insensitively; `None` for any
/// other word.
pub fn command(verb: &str) -> Option<Explanation> {
    lookup(COMMANDS, verb)
}

/// Explains an EHLO keyword (PIPELINING SIZE 8BITMIME ENHANCEDSTATUSCODES
/// DSN STARTTLS AUTH SMTPUTF8 CHUNKING BINARYMIME VRFY ETRN HELP),
/// case-insensitively; `None` for any other keyword.
pub fn extension(keyword: &str) -> Option<Explanation> {
    lookup(EXTENSIONS, keyword)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::well_formed;

    #[test]
    fn commands_case_insensitive() {
        let verbs = [
            "HELO", "EHLO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT", "VRFY", "EXPN", "HELP",
            "STARTTLS", "AUTH", "BDAT",
        ];
        assert_eq!(verbs.len(), COMMANDS.len());
        for verb in verbs {
            let upper = command(verb);
            assert!(upper.is_some(), "{verb}");
            if let Some(e) = upper {
                well_formed(e);
            }
            assert_eq!(command(&verb.to_lowercase()), upper, "{verb}");
        }
        assert_eq!(command("StartTls"), command("STARTTLS"));
        for unknown in [
            "",
            "MAI",
            "MAILX",
            "TURN",
            "ETRN",
            "HELO ",
            "mail from",
            "ÉHLO",
        ] {
            assert_eq!(command(unknown), None, "{unknown:?}");
        }
    }

    #[test]
    fn extensions_case_insensitive() {
        let keywords = [
            "PIPELINING",
            "SIZE",
            "8BITMIME",
            "ENHANCEDSTATUSCODES",
            "DSN",
            "STARTTLS",
            "AUTH",
            "SMTPUTF8",
            "CHUNKING",
            "BINARYMIME",
            "VRFY",
            "ETRN",
            "HELP",
        ];
        assert_eq!(keywords.len(), EXTENSIONS.len());
        for kw in keywords {
            let upper = extension(kw);
            assert!(upper.is_some(), "{kw}");
            if let Some(e) = upper {
                well_formed(e);
            }
            assert_eq!(extension(&kw.to_lowercase()), upper, "{kw}");
        }
        assert_eq!(extension("SmtpUtf8"), extension("SMTPUTF8"));
        for unknown in ["", "XCLIENT", "SIZE 1000", "PIPELINE", "\u{0}"] {
            assert_eq!(extension(unknown), None, "{unknown:?}");
        }
    }
}
