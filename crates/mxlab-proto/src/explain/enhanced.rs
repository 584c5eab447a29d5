//! Explanations of enhanced status codes (RFC 3463 and the IANA registry
//! of RFC 5248): the class digit, and every registered subject and detail.

use super::reply::R4954;
use super::{ex, Explanation};

const E_OTHER: &str = "RFC 3463 §3.1";
const E_ADDR: &str = "RFC 3463 §3.2";
const E_MBOX: &str = "RFC 3463 §3.3";
const E_SYS: &str = "RFC 3463 §3.4";
const E_NET: &str = "RFC 3463 §3.5";
const E_PROTO: &str = "RFC 3463 §3.6";
const E_MEDIA: &str = "RFC 3463 §3.7";
const E_SEC: &str = "RFC 3463 §3.8";

/// Explains the class digit of an enhanced status code (RFC 3463 §2):
/// 2 success, 4 persistent transient failure, 5 permanent failure.
/// `None` for any other class.
pub fn enhanced_class(class: u8) -> Option<Explanation> {
    let text = match class {
        2 => "Success (2.x.x): the delivery action succeeded; the detail may report a change made on the way.",
        4 => "Persistent transient failure (4.x.x): the message is valid but a temporary condition stopped it; sending again later may succeed.",
        5 => "Permanent failure (5.x.x): resending the same message will not work; the message or the destination must change.",
        _ => return None,
    };
    Some(ex(text, "RFC 3463 §2"))
}

/// Explains an RFC 3463 enhanced status code `class.subject.detail`.
///
/// Covers every detail of RFC 3463 §3.1-§3.8 and the later IANA
/// registrations (RFC 3886, 4468, 4954, 5248, 6531, 6710, 7293, 7372, 7505,
/// 8617, 8689). The text describes the subject and detail; the class is
/// explained by [`enhanced_class`]. `None` when the class is not 2, 4 or 5.
/// An unregistered detail of a known subject gets that subject's
/// "other or undefined" text (X.s.0); an unknown subject gets the class
/// text, as RFC 3463 §2 asks clients to report the class even when the
/// subject is unrecognized.
pub fn enhanced(class: u8, subject: u16, detail: u16) -> Option<Explanation> {
    let class_text = enhanced_class(class)?;
    if let Some(e) = enhanced_detail(subject, detail) {
        return Some(e);
    }
    Some(enhanced_detail(subject, 0).unwrap_or(class_text))
}

fn enhanced_detail(subject: u16, detail: u16) -> Option<Explanation> {
    let e = match (subject, detail) {
        (0, 0) => ex(
            "Other or undefined status: nothing more is known than the class.",
            E_OTHER,
        ),

        (1, 0) => ex(
            "Other address status: something about the sender or recipient address caused this report.",
            E_ADDR,
        ),
        (1, 1) => ex(
            "Bad destination mailbox address: the mailbox (the part left of the @) does not exist at the destination.",
            E_ADDR,
        ),
        (1, 2) => ex(
            "Bad destination system address: the recipient's domain (right of the @) does not exist or cannot take mail.",
            E_ADDR,
        ),
        (1, 3) => ex(
            "Bad destination mailbox address syntax: the recipient address is not well formed.",
            E_ADDR,
        ),
        (1, 4) => ex(
            "Destination mailbox address ambiguous: the address matches more than one mailbox at the destination.",
            E_ADDR,
        ),
        (1, 5) => ex(
            "Destination address valid: the recipient address was accepted.",
            E_ADDR,
        ),
        (1, 6) => ex(
            "Destination mailbox has moved, no forwarding address: the address used to work but no longer takes mail.",
            E_ADDR,
        ),
        (1, 7) => ex(
            "Bad sender's mailbox address syntax: the sender (MAIL FROM) address is not well formed.",
            E_ADDR,
        ),
        (1, 8) => ex(
            "Bad sender's system address: the sender's domain does not exist or cannot receive replies and bounces.",
            E_ADDR,
        ),
        (1, 9) => ex(
            "Message relayed to non-compliant mailer: the address was valid, but the message went on to a system that reports no delivery status.",
            "RFC 3886",
        ),
        (1, 10) => ex(
            "Recipient address has null MX: the recipient's domain declares that it never accepts mail.",
            "RFC 7505",
        ),

        (2, 0) => ex(
            "Other or undefined mailbox status: the mailbox exists, but something about it caused this report.",
            E_MBOX,
        ),
        (2, 1) => ex(
            "Mailbox disabled, not accepting messages: the mailbox exists but is switched off, for now or for good.",
            E_MBOX,
        ),
        (2, 2) => ex(
            "Mailbox full: the recipient is over quota; delivery can work later once they make room.",
            E_MBOX,
        ),
        (2, 3) => ex(
            "Message length exceeds administrative limit: the message is larger than this mailbox allows.",
            E_MBOX,
        ),
        (2, 4) => ex(
            "Mailing list expansion problem: the address is a list whose members could not be worked out.",
            E_MBOX,
        ),

        (3, 0) => ex(
            "Other or undefined mail system status: the destination normally takes mail, but something about the system caused this report.",
            E_SYS,
        ),
        (3, 1) => ex(
            "Mail system full: the destination server is out of storage (the recipient cannot fix it by deleting mail).",
            E_SYS,
        ),
        (3, 2) => ex(
            "System not accepting network messages: the host takes no mail right now (shutdown, overload or maintenance).",
            E_SYS,
        ),
        (3, 3) => ex(
            "System not capable of selected features: the destination lacks a feature this message needs.",
            E_SYS,
        ),
        (3, 4) => ex(
            "Message too big for system: the message is larger than the server's size limit (see the SIZE extension).",
            E_SYS,
        ),
        (3, 5) => ex(
            "System incorrectly configured: the receiving system is set up in a way that does not let it accept this message.",
            E_SYS,
        ),
        (3, 6) => ex(
            "Requested priority was changed: the message was accepted, but not at the priority the sender asked for.",
            "RFC 6710",
        ),

        (4, 0) => ex(
            "Other or undefined network or routing status: something went wrong in networking or routing.",
            E_NET,
        ),
        (4, 1) => ex(
            "No answer from host: the connection attempt was not answered (host busy or unreachable).",
            E_NET,
        ),
        (4, 2) => ex(
            "Bad connection: the connection was made but broke before the transaction finished (timeout or poor link).",
            E_NET,
        ),
        (4, 3) => ex(
            "Directory server failure: a directory server, usually DNS, could not be reached, so the message could not be routed.",
            E_NET,
        ),
        (4, 4) => ex(
            "Unable to route: no next hop could be found for the destination (for example DNS has no MX or address records).",
            E_NET,
        ),
        (4, 5) => ex(
            "Mail system congestion: the mail system is too busy to handle the message right now.",
            E_NET,
        ),
        (4, 6) => ex(
            "Routing loop detected: the message was passed on too many times (too many Received headers), so it was stopped.",
            E_NET,
        ),
        (4, 7) => ex(
            "Delivery time expired: the message waited in queues too long and the mail system gave up.",
            E_NET,
        ),

        (5, 0) => ex(
            "Other or undefined protocol status: something went wrong in the SMTP conversation itself.",
            E_PROTO,
        ),
        (5, 1) => ex(
            "Invalid command: a command was out of sequence or is not supported.",
            E_PROTO,
        ),
        (5, 2) => ex(
            "Syntax error: a command could not be understood (bad syntax or unrecognized).",
            E_PROTO,
        ),
        (5, 3) => ex(
            "Too many recipients: more than the server takes in one transaction; the rest go in another transaction.",
            E_PROTO,
        ),
        (5, 4) => ex(
            "Invalid command arguments: a valid command had an argument out of range or not recognized.",
            E_PROTO,
        ),
        (5, 5) => ex(
            "Wrong protocol version: the two sides could not agree on a protocol version.",
            E_PROTO,
        ),
        (5, 6) => ex(
            "Authentication exchange line too long: an AUTH answer line was longer than the server's buffer.",
            R4954,
        ),

        (6, 0) => ex(
            "Other or undefined media error: something about the message content made it undeliverable.",
            E_MEDIA,
        ),
        (6, 1) => ex(
            "Media not supported: the content type is not supported by the delivery protocol or the next system.",
            E_MEDIA,
        ),
        (6, 2) => ex(
            "Conversion required and prohibited: the content must be converted for delivery, but conversion is not allowed.",
            E_MEDIA,
        ),
        (6, 3) => ex(
            "Conversion required but not supported: the content must be converted (for example 8-bit to 7-bit) and the next hop cannot do it.",
            E_MEDIA,
        ),
        (6, 4) => ex(
            "Conversion with loss performed: the message was delivered, but converting it lost some data.",
            E_MEDIA,
        ),
        (6, 5) => ex(
            "Conversion failed: a required content conversion was tried and did not succeed.",
            E_MEDIA,
        ),
        (6, 6) => ex(
            "Message content not available: content sent by reference (BURL) could not be fetched.",
            "RFC 4468",
        ),
        (6, 7) => ex(
            "Non-ASCII addresses not permitted for that sender or recipient: an internationalized (UTF-8) address was refused.",
            "RFC 6531",
        ),
        (6, 8) => ex(
            "UTF-8 reply required but not permitted by the SMTP client: the answer needs UTF-8, and the client did not ask for SMTPUTF8.",
            "RFC 6531",
        ),
        (6, 9) => ex(
            "UTF-8 header message cannot be transferred to one or more recipients, so the message is rejected.",
            "RFC 6531",
        ),
        (6, 10) => ex(
            "Duplicate of X.6.8 (UTF-8 reply required but not permitted by the client), deprecated; read it as X.6.8.",
            "RFC 6531",
        ),

        (7, 0) => ex(
            "Other or undefined security status: refused for a security or policy reason that is not described further.",
            E_SEC,
        ),
        (7, 1) => ex(
            "Delivery not authorized, message refused: the sender may not send to this destination (for example relaying denied or blocked by policy).",
            E_SEC,
        ),
        (7, 2) => ex(
            "Mailing list expansion prohibited: the sender is not allowed to post to this mailing list.",
            E_SEC,
        ),
        (7, 3) => ex(
            "Security conversion required but not possible: the message would need converting between secure-mail formats, which cannot be done.",
            E_SEC,
        ),
        (7, 4) => ex(
            "Security features not supported: the message uses security features the delivery protocol cannot carry.",
            E_SEC,
        ),
        (7, 5) => ex(
            "Cryptographic failure: a system entitled to check or decrypt the message lacked a valid key or other needed data.",
            E_SEC,
        ),
        (7, 6) => ex(
            "Cryptographic algorithm not supported: a system entitled to check or decrypt the message does not support its algorithm.",
            E_SEC,
        ),
        (7, 7) => ex(
            "Message integrity failure: the message was corrupted or altered, so it could not be validated.",
            E_SEC,
        ),
        (7, 8) => ex(
            "Authentication credentials invalid: wrong user name or password in AUTH; new credentials are needed.",
            R4954,
        ),
        (7, 9) => ex(
            "Authentication mechanism too weak: server policy needs a stronger AUTH mechanism for this user.",
            R4954,
        ),
        (7, 10) => ex(
            "Encryption needed: a privacy layer such as TLS is required before this authentication mechanism may be used.",
            "RFC 5248",
        ),
        (7, 11) => ex(
            "Encryption required for the requested authentication mechanism: the client must start TLS before using it.",
            R4954,
        ),
        (7, 12) => ex(
            "A password transition is needed: log in once with PLAIN (over TLS) so the selected mechanism works afterwards.",
            R4954,
        ),
        (7, 13) => ex(
            "User account disabled: the login worked but the account is switched off; only an administrator can re-enable it.",
            "RFC 5248",
        ),
        (7, 14) => ex(
            "Trust relationship required: the submission server needs a configured trust with a third-party server to fetch the content.",
            "RFC 5248",
        ),
        (7, 15) => ex(
            "Priority level too low: the server currently accepts only higher-priority messages.",
            "RFC 6710",
        ),
        (7, 16) => ex(
            "Message too big for the specified priority: at this priority the server only accepts smaller messages.",
            "RFC 6710",
        ),
        (7, 17) => ex(
            "Mailbox owner has changed: the mailbox has not belonged to the same person since the date the sender required (RRVS).",
            "RFC 7293",
        ),
        (7, 18) => ex(
            "Domain owner has changed: the recipient's domain changed hands since the date the sender required (RRVS).",
            "RFC 7293",
        ),
        (7, 19) => ex(
            "RRVS test cannot be completed: the receiver never recorded the ownership date needed to check the sender's request.",
            "RFC 7293",
        ),
        (7, 20) => ex(
            "No passing DKIM signature found: local policy needs a valid DKIM signature and the message has none.",
            "RFC 7372",
        ),
        (7, 21) => ex(
            "No acceptable DKIM signature found: the message has passing DKIM signatures, but none that local policy accepts.",
            "RFC 7372",
        ),
        (7, 22) => ex(
            "No valid author-matched DKIM signature found: no passing DKIM signature matches the domain in the From header.",
            "RFC 7372",
        ),
        (7, 23) => ex(
            "SPF validation failed: the sending host is not authorized by the sender domain's SPF record.",
            "RFC 7372",
        ),
        (7, 24) => ex(
            "SPF validation error: checking the sender domain's SPF record ended in an error (DNS trouble or a broken record).",
            "RFC 7372",
        ),
        (7, 25) => ex(
            "Reverse DNS validation failed: the client's IP address has no matching reverse DNS name, against local policy.",
            "RFC 7372",
        ),
        (7, 26) => ex(
            "Multiple authentication checks failed: the message failed more than one check such as SPF and DKIM (commonly a DMARC failure).",
            "RFC 7372",
        ),
        (7, 27) => ex(
            "Sender address has null MX: the sender's domain says it never receives mail, so a bounce could not be returned.",
            "RFC 7505",
        ),
        (7, 29) => ex(
            "ARC validation failure: the message's Authenticated Received Chain did not validate.",
            "RFC 8617",
        ),
        (7, 30) => ex(
            "REQUIRETLS support required: the message demands TLS on every hop, and the next hop does not support REQUIRETLS.",
            "RFC 8689",
        ),
        _ => return None,
    };
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::well_formed;

    #[test]
    fn enhanced_codes_resolve() {
        let codes: &[(u16, u16, &str)] = &[
            (0, 0, E_OTHER),
            (1, 0, E_ADDR),
            (1, 1, E_ADDR),
            (1, 2, E_ADDR),
            (1, 3, E_ADDR),
            (1, 4, E_ADDR),
            (1, 5, E_ADDR),
            (1, 6, E_ADDR),
            (1, 7, E_ADDR),
            (1, 8, E_ADDR),
            (1, 9, "RFC 3886"),
            (1, 10, "RFC 7505"),
            (2, 0, E_MBOX),
            (2, 1, E_MBOX),
            (2, 2, E_MBOX),
            (2, 3, E_MBOX),
            (2, 4, E_MBOX),
            (3, 0, E_SYS),
            (3, 1, E_SYS),
            (3, 2, E_SYS),
            (3, 3, E_SYS),
            (3, 4, E_SYS),
            (3, 5, E_SYS),
            (3, 6, "RFC 6710"),
            (4, 0, E_NET),
            (4, 1, E_NET),
            (4, 2, E_NET),
            (4, 3, E_NET),
            (4, 4, E_NET),
            (4, 5, E_NET),
            (4, 6, E_NET),
            (4, 7, E_NET),
            (5, 0, E_PROTO),
            (5, 1, E_PROTO),
            (5, 2, E_PROTO),
            (5, 3, E_PROTO),
            (5, 4, E_PROTO),
            (5, 5, E_PROTO),
            (5, 6, "RFC 4954 §6"),
            (6, 0, E_MEDIA),
            (6, 1, E_MEDIA),
            (6, 2, E_MEDIA),
            (6, 3, E_MEDIA),
            (6, 4, E_MEDIA),
            (6, 5, E_MEDIA),
            (6, 6, "RFC 4468"),
            (6, 7, "RFC 6531"),
            (6, 8, "RFC 6531"),
            (6, 9, "RFC 6531"),
            (6, 10, "RFC 6531"),
            (7, 0, E_SEC),
            (7, 1, E_SEC),
            (7, 2, E_SEC),
            (7, 3, E_SEC),
            (7, 4, E_SEC),
            (7, 5, E_SEC),
            (7, 6, E_SEC),
            (7, 7, E_SEC),
            (7, 8, "RFC 4954 §6"),
            (7, 9, "RFC 4954 §6"),
            (7, 10, "RFC 5248"),
            (7, 11, "RFC 4954 §6"),
            (7, 12, "RFC 4954 §6"),
            (7, 13, "RFC 5248"),
            (7, 14, "RFC 5248"),
            (7, 15, "RFC 6710"),
            (7, 16, "RFC 6710"),
            (7, 17, "RFC 7293"),
            (7, 18, "RFC 7293"),
            (7, 19, "RFC 7293"),
            (7, 20, "RFC 7372"),
            (7, 21, "RFC 7372"),
            (7, 22, "RFC 7372"),
            (7, 23, "RFC 7372"),
            (7, 24, "RFC 7372"),
            (7, 25, "RFC 7372"),
            (7, 26, "RFC 7372"),
            (7, 27, "RFC 7505"),
            (7, 29, "RFC 8617"),
            (7, 30, "RFC 8689"),
        ];
        for &(subject, detail, rfc) in codes {
            for class in [2, 4, 5] {
                let e = enhanced(class, subject, detail);
                assert_eq!(e.map(|e| e.rfc), Some(rfc), "{class}.{subject}.{detail}");
            }
            // Registered details have their own text, not the X.s.0 fallback.
            if detail != 0 {
                assert_ne!(
                    enhanced(5, subject, detail),
                    enhanced(5, subject, 0),
                    "X.{subject}.{detail}"
                );
            }
        }
    }

    #[test]
    fn enhanced_fallbacks() {
        // Unregistered detail in a known subject: the subject's X.s.0 text.
        assert_eq!(enhanced(5, 1, 99), enhanced(5, 1, 0));
        assert_eq!(enhanced(4, 7, 28), enhanced(4, 7, 0));
        assert_eq!(enhanced(2, 0, 1), enhanced(2, 0, 0));
        assert_eq!(enhanced(5, 4, u16::MAX), enhanced(5, 4, 0));
        // Unknown subject: the class text.
        assert_eq!(enhanced(5, 8, 1), enhanced_class(5));
        assert_eq!(enhanced(4, u16::MAX, u16::MAX), enhanced_class(4));
        // Bad class: nothing.
        for class in [0, 1, 3, 6, 7, 8, 9, u8::MAX] {
            assert_eq!(enhanced(class, 1, 1), None);
            assert_eq!(enhanced_class(class), None);
        }
        for class in [2, 4, 5] {
            let e = enhanced_class(class);
            assert_eq!(e.map(|e| e.rfc), Some("RFC 3463 §2"));
        }
    }

    #[test]
    fn enhanced_exhaustive_never_panics() {
        for class in 0..=9u8 {
            for subject in 0..=9u16 {
                for detail in 0..=30u16 {
                    let e = enhanced(class, subject, detail);
                    assert_eq!(e.is_some(), matches!(class, 2 | 4 | 5));
                    if let Some(e) = e {
                        well_formed(e);
                    }
                }
            }
            if let Some(e) = enhanced_class(class) {
                well_formed(e);
            }
        }
    }
}
