//! The size limits of RFC 5321 §4.5.3.1, and the timeouts of §4.5.3.2.

use core::time::Duration;

use crate::server::Extensions;

/// Maximum length of a command line, including the final CRLF (§4.5.3.1.4).
pub const COMMAND_LINE: usize = 512;
/// Maximum length of a reply line, including the final CRLF (§4.5.3.1.5).
pub const REPLY_LINE: usize = 512;
/// Maximum length of a text line in DATA, including the final CRLF (§4.5.3.1.6).
pub const TEXT_LINE: usize = 1000;
/// Maximum length of a local part (§4.5.3.1.1).
pub const LOCAL_PART: usize = 64;
/// Maximum length of a domain (§4.5.3.1.2).
pub const DOMAIN: usize = 255;
/// Maximum length of a path, including the angle brackets (§4.5.3.1.3).
pub const PATH: usize = 256;
/// Minimum number of recipients a server must accept per transaction (§4.5.3.1.8).
pub const MIN_RECIPIENTS: usize = 100;

/// Client: time to wait for the 220 greeting (§4.5.3.2.1).
pub const INITIAL_220: Duration = Duration::from_secs(5 * 60);
/// Client: time to wait for the reply to MAIL (§4.5.3.2.2).
pub const MAIL: Duration = Duration::from_secs(5 * 60);
/// Client: time to wait for the reply to RCPT (§4.5.3.2.3).
pub const RCPT: Duration = Duration::from_secs(5 * 60);
/// Client: time to wait for the 354 reply to DATA (§4.5.3.2.4).
pub const DATA_INITIATION: Duration = Duration::from_secs(2 * 60);
/// Client: time to wait for each data block's TCP send to complete (§4.5.3.2.5).
pub const DATA_BLOCK: Duration = Duration::from_secs(3 * 60);
/// Client: time to wait for the reply to the final dot (§4.5.3.2.6).
pub const DATA_TERMINATION: Duration = Duration::from_secs(10 * 60);
/// Server: time to wait for the next command from the client (§4.5.3.2.7).
pub const SERVER_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The longest command line `text` may be, CRLF included: 512 octets
/// (RFC 5321 §4.5.3.1.4), and more for MAIL and RCPT by the extensions
/// offered, which each add parameters to them: SIZE 26 octets to MAIL
/// (RFC 1870 §4), DSN 100 to MAIL and 500 to RCPT (RFC 3461 §4), AUTH 500
/// to MAIL (RFC 4954 §3).
pub(crate) fn command_line_limit(ext: &Extensions, text: &[u8]) -> usize {
    let verb = |v: &[u8]| {
        text.get(..v.len())
            .is_some_and(|t| t.eq_ignore_ascii_case(v))
    };
    let mut extra = 0;
    if verb(b"MAIL ") {
        extra += if ext.size.is_some() { 26 } else { 0 };
        extra += if ext.dsn { 100 } else { 0 };
        extra += if ext.auth { 500 } else { 0 };
    } else if verb(b"RCPT ") && ext.dsn {
        extra += 500;
    }
    COMMAND_LINE + extra
}

/// The longest command line read at all: the longest a MAIL or RCPT may
/// be ([`command_line_limit`]).
pub(crate) fn command_line_max(ext: &Extensions) -> usize {
    command_line_limit(ext, b"MAIL ").max(command_line_limit(ext, b"RCPT "))
}
