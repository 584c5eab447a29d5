//! The client session's own cases: implicit TLS (RFC 8314 §3.3).
#![allow(clippy::unwrap_used)]

use super::*;
use crate::path::{ForwardPath, PathOptions, ReversePath};
use crate::sasl::Credentials;
use crate::session::Input;

fn session(tls: TlsPolicy) -> ClientSession {
    let tx = Transaction::new(
        ReversePath::parse("<alice@example.com>", PathOptions::default()).unwrap(),
        vec![ForwardPath::parse("<bob@example.org>", PathOptions::default()).unwrap()],
        b"Subject: hi\r\n\r\nHi\r\n".to_vec(),
    );
    let mut config = ClientConfig::new("laptop.example.com");
    config.tls = tls;
    config.credentials = Some(Credentials {
        authzid: String::new(),
        username: "alice".into(),
        password: "secret".into(),
    });
    ClientSession::new(config, vec![tx], Instant::ZERO)
}

/// What the session has to say: the bytes it sends, and whether it
/// asked for a TLS handshake.
fn drain(c: &mut ClientSession) -> (String, bool) {
    let (mut sent, mut handshake) = (String::new(), false);
    while let Some(o) = c.poll_output() {
        match o {
            Output::Transmit(b) => sent.push_str(&String::from_utf8_lossy(&b)),
            Output::StartTls => handshake = true,
            _ => {}
        }
    }
    (sent, handshake)
}

fn feed(c: &mut ClientSession, input: Input<'_>) -> (String, bool) {
    c.handle_input(Instant::ZERO, input);
    drain(c)
}

#[test]
fn implicit_tls_handshakes_before_the_greeting_and_never_sends_starttls() {
    let mut c = session(TlsPolicy::Implicit);
    // The handshake is asked for before any byte is read or written.
    assert_eq!(drain(&mut c), (String::new(), true));
    assert_eq!(c.state(), ClientState::TlsHandshake);
    // Nothing from the server counts before TLS is in place.
    let plain = feed(&mut c, Input::Bytes(b"220 smtp.example.com ESMTP\r\n"));
    assert_eq!(plain, (String::new(), false));
    assert!(c.outcome().greeting.is_none());
    assert_eq!(feed(&mut c, Input::TlsEstablished), (String::new(), false));
    assert!(c.outcome().tls);
    assert_eq!(c.state(), ClientState::Greeting);
    let (ehlo, _) = feed(&mut c, Input::Bytes(b"220 smtp.example.com ESMTP\r\n"));
    assert_eq!(ehlo, "EHLO laptop.example.com\r\n");
    // Even if the server offers STARTTLS, TLS is already there: AUTH
    // comes next.
    let (auth, handshake) = feed(
        &mut c,
        Input::Bytes(b"250-smtp.example.com\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n"),
    );
    assert!(auth.starts_with("AUTH PLAIN "), "{auth}");
    assert!(!handshake);

    // The same session with STARTTLS: greeting first, in plain text.
    let mut c = session(TlsPolicy::Opportunistic);
    assert_eq!(drain(&mut c), (String::new(), false));
    let (ehlo, _) = feed(&mut c, Input::Bytes(b"220 smtp.example.com ESMTP\r\n"));
    assert_eq!(ehlo, "EHLO laptop.example.com\r\n");
    let (starttls, _) = feed(
        &mut c,
        Input::Bytes(b"250-smtp.example.com\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n"),
    );
    assert_eq!(starttls, "STARTTLS\r\n");
}

#[test]
fn a_failed_implicit_handshake_defers_every_recipient() {
    let mut c = session(TlsPolicy::Implicit);
    drain(&mut c);
    c.handle_input(Instant::ZERO, Input::TlsFailed);
    let mut outcomes = Vec::new();
    let mut closed = false;
    while let Some(o) = c.poll_output() {
        match o {
            Output::Event(ClientEvent::TransactionDone(t)) => outcomes.extend(t.rcpts),
            Output::Close => closed = true,
            Output::Transmit(b) => panic!("sent {:?}", String::from_utf8_lossy(&b)),
            _ => {}
        }
    }
    assert!(closed);
    assert_eq!(outcomes.len(), 1);
    assert!(outcomes[0].is_transient() && outcomes[0].local);
    assert_eq!(outcomes[0].reply.code.get(), 421);
    assert!(!c.outcome().tls);
}
