//! Tests of the server session that need its insides; the behaviour seen
//! from outside is tested in `tests/server_*.rs`.

#![allow(clippy::unwrap_used)] // test code

use super::*;
use crate::session::Input;

/// Feeds `input` and answers every question with Accept; returns what
/// the server sent and the envelope of the message, if one came.
fn drive(s: &mut ServerSession, input: &str) -> (String, Option<Envelope>) {
    let now = Instant::ZERO;
    s.handle_input(now, Input::Bytes(input.as_bytes()));
    let (mut sent, mut envelope) = (Vec::new(), None);
    while let Some(out) = s.poll_output() {
        match out {
            Output::Transmit(bytes) => sent.extend(bytes),
            Output::Event(ServerEvent::Message { envelope: e, .. }) => {
                envelope = Some(*e);
                s.decide(now, Decision::Accept);
            }
            Output::Event(ServerEvent::Hello { .. } | ServerEvent::Reset) => {}
            Output::Event(ServerEvent::Closed(_)) => {}
            Output::Event(_) => s.decide(now, Decision::Accept),
            _ => {}
        }
    }
    (String::from_utf8(sent).unwrap(), envelope)
}

#[test]
fn a_session_under_implicit_tls_is_as_after_starttls() {
    let mut config = ServerConfig::new("mx.example.org");
    config.extensions.starttls = true;
    config.extensions.auth = true;
    config.require_tls = true;
    let mut s = ServerSession::new_implicit_tls(config.clone(), Instant::ZERO);
    assert!(s.is_tls());
    let (greeting, _) = drive(&mut s, "");
    assert_eq!(greeting, "220 mx.example.org ESMTP MX Lab\r\n");
    let (ehlo, _) = drive(&mut s, "EHLO client.example\r\n");
    assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
    assert!(ehlo.contains("250-AUTH PLAIN LOGIN\r\n"), "{ehlo}");
    let (again, _) = drive(&mut s, "STARTTLS\r\n");
    assert!(again.starts_with("503 5.5.1 "), "{again}");
    let (sent, envelope) = drive(
        &mut s,
        "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nHi.\r\n.\r\n",
    );
    assert!(sent.starts_with("250 2.1.0 "), "{sent}");
    assert!(envelope.unwrap().tls, "{sent}");

    // The same configuration on a plain connection: STARTTLS offered,
    // AUTH not yet, MAIL refused until TLS.
    let mut plain = ServerSession::new(config, Instant::ZERO);
    assert!(!plain.is_tls());
    let (ehlo, _) = drive(&mut plain, "EHLO client.example\r\n");
    assert!(
        ehlo.contains("250-STARTTLS\r\n") && !ehlo.contains("AUTH"),
        "{ehlo}"
    );
    let (mail, _) = drive(&mut plain, "MAIL FROM:<a@example.org>\r\n");
    assert!(mail.starts_with("530 "), "{mail}");
}
