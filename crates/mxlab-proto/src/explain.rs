//! Plain-English explanations, for the UI's hover text.
//!
//! Every reply code, enhanced status code, session state, command verb and
//! EHLO keyword maps to a one-line [`Explanation`]: what it means, what it
//! does to the client, and the RFC section where the rule lives. Lookups
//! are total and never panic; unknown inputs get a fallback text (reply
//! codes, enhanced details) or `None` (unknown verbs and keywords).
//!
//! Sources: RFC 5321 (SMTP), RFC 3463 and the IANA "SMTP Enhanced Status
//! Codes" registry (RFC 5248), and the RFCs of the extensions named on each
//! entry.

use crate::session::{ClientState, ServerState};

/// A plain-English explanation and where the rule lives.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Explanation {
    /// One line for a learner: the meaning and its consequence.
    pub text: &'static str,
    /// Where the rule lives, e.g. `"RFC 5321 §4.2.3"`.
    pub rfc: &'static str,
}

const fn ex(text: &'static str, rfc: &'static str) -> Explanation {
    Explanation { text, rfc }
}

// ---------------------------------------------------------------------------
// Reply codes
// ---------------------------------------------------------------------------

const R5321: &str = "RFC 5321 §4.2.3";
const R4954: &str = "RFC 4954 §6";
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

// ---------------------------------------------------------------------------
// Enhanced status codes
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Session states
// ---------------------------------------------------------------------------

/// Explains where a server session stands.
pub fn server_state(state: ServerState) -> Explanation {
    match state {
        ServerState::Greeted => ex(
            "Greeted: the server sent its 220 greeting and waits for the client to introduce itself with EHLO or HELO.",
            "RFC 5321 §3.2",
        ),
        ServerState::Refusing => ex(
            "Refusing: the server greeted with 554 (no service here); it answers 503 to everything but QUIT until the client leaves.",
            "RFC 5321 §3.1",
        ),
        ServerState::Ready => ex(
            "Ready: the client has introduced itself and no mail transaction is open; MAIL FROM starts one.",
            "RFC 5321 §4.1.4",
        ),
        ServerState::Mail => ex(
            "Mail: the sender was accepted; the server waits for recipients (RCPT TO).",
            "RFC 5321 §3.3",
        ),
        ServerState::Rcpt => ex(
            "Rcpt: at least one recipient was accepted; more RCPT TO may follow, or DATA to send the message.",
            "RFC 5321 §3.3",
        ),
        ServerState::Data => ex(
            "Data: after 354 the server reads the message content until the line holding a single dot.",
            "RFC 5321 §4.1.1.4",
        ),
        ServerState::Auth => ex(
            "Auth: a login is in progress; the server sends 334 challenges and reads the client's base64 answers (\"*\" cancels).",
            "RFC 4954 §4",
        ),
        ServerState::TlsHandshake => ex(
            "TLS handshake: STARTTLS was accepted with 220; when the handshake completes the session starts over and the client must send EHLO again.",
            "RFC 3207 §4.2",
        ),
        ServerState::Deciding => ex(
            "Deciding: the server waits for its host's policy to accept or refuse a sender, recipient or message before it replies.",
            "RFC 5321 §4.3.2",
        ),
        ServerState::Closed => ex(
            "Closed: the session is over (QUIT, a 421, or the connection went away); nothing more is exchanged.",
            "RFC 5321 §3.8",
        ),
    }
}

/// Explains where a client session stands.
pub fn client_state(state: ClientState) -> Explanation {
    match state {
        ClientState::Greeting => ex(
            "Greeting: connected; the client waits for the server's 220 greeting before saying anything.",
            "RFC 5321 §3.1",
        ),
        ClientState::Ehlo => ex(
            "EHLO sent: waiting for 250 and the server's extension list; a 500 or 502 makes the client fall back to HELO.",
            "RFC 5321 §4.1.1.1",
        ),
        ClientState::Helo => ex(
            "HELO sent after EHLO was refused: waiting for 250; no extensions can be used in this session.",
            "RFC 5321 §3.2",
        ),
        ClientState::StartTls => ex(
            "STARTTLS sent: waiting for 220 to begin the TLS handshake; 454 means TLS is not available right now.",
            "RFC 3207 §4",
        ),
        ClientState::TlsHandshake => ex(
            "TLS handshake in progress; afterwards the client forgets the old extension list and sends EHLO again.",
            "RFC 3207 §4.2",
        ),
        ClientState::Auth => ex(
            "AUTH sent: answering the server's 334 challenges; 235 means logged in, 535 means the credentials were wrong.",
            "RFC 4954 §4",
        ),
        ClientState::Mail => ex(
            "MAIL FROM sent: waiting for the server to accept the sender.",
            "RFC 5321 §4.1.1.2",
        ),
        ClientState::Rcpt => ex(
            "RCPT TO sent: waiting for one reply per recipient; accepted recipients get the message, refused ones get their own outcome.",
            "RFC 5321 §4.1.1.3",
        ),
        ClientState::Data => ex(
            "DATA sent: waiting for 354 before sending the message content.",
            "RFC 5321 §4.1.1.4",
        ),
        ClientState::DataDone => ex(
            "Message sent: the content and final dot went out; the reply says whether the server took responsibility (250) or refused it.",
            "RFC 5321 §4.2.5",
        ),
        ClientState::Rset => ex(
            "RSET sent between transactions: waiting for 250 before starting the next transaction.",
            "RFC 5321 §4.1.1.5",
        ),
        ClientState::Quit => ex(
            "QUIT sent: waiting for 221, then the connection closes.",
            "RFC 5321 §4.1.1.10",
        ),
        ClientState::Closed => ex(
            "Closed: the session is over; each recipient keeps the outcome its replies gave (delivered, retry later, or bounce).",
            "RFC 5321 §3.8",
        ),
    }
}

// ---------------------------------------------------------------------------
// Commands and EHLO keywords
// ---------------------------------------------------------------------------

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

    const SPECIFIC: &[u16] = &[
        211, 214, 220, 221, 235, 250, 251, 252, 334, 354, 421, 432, 450, 451, 452, 454, 455, 500,
        501, 502, 503, 504, 521, 530, 534, 535, 538, 550, 551, 552, 553, 554, 555, 556,
    ];

    const ALL_SERVER: &[ServerState] = &[
        ServerState::Greeted,
        ServerState::Refusing,
        ServerState::Ready,
        ServerState::Mail,
        ServerState::Rcpt,
        ServerState::Data,
        ServerState::Auth,
        ServerState::TlsHandshake,
        ServerState::Deciding,
        ServerState::Closed,
    ];

    const ALL_CLIENT: &[ClientState] = &[
        ClientState::Greeting,
        ClientState::Ehlo,
        ClientState::Helo,
        ClientState::StartTls,
        ClientState::TlsHandshake,
        ClientState::Auth,
        ClientState::Mail,
        ClientState::Rcpt,
        ClientState::Data,
        ClientState::DataDone,
        ClientState::Rset,
        ClientState::Quit,
        ClientState::Closed,
    ];

    fn well_formed(e: Explanation) {
        assert!(!e.text.trim().is_empty(), "{e:?}");
        assert!(e.rfc.starts_with("RFC "), "{e:?}");
        assert!(!e.text.contains('\n'), "one line: {e:?}");
    }

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

    #[test]
    fn states_all_have_texts() {
        for &s in ALL_SERVER {
            well_formed(server_state(s));
        }
        for &s in ALL_CLIENT {
            well_formed(client_state(s));
        }
        for (i, &a) in ALL_SERVER.iter().enumerate() {
            for &b in &ALL_SERVER[i + 1..] {
                assert_ne!(server_state(a).text, server_state(b).text);
            }
        }
        for (i, &a) in ALL_CLIENT.iter().enumerate() {
            for &b in &ALL_CLIENT[i + 1..] {
                assert_ne!(client_state(a).text, client_state(b).text);
            }
        }
    }

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
