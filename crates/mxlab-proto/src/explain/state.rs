//! Explanations of where a session stands: every [`ServerState`] and
//! [`ClientState`].

use super::{ex, Explanation};
use crate::session::{ClientState, ServerState};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::well_formed;

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
}
