//! What the session negotiates before a transaction: EHLO (and the HELO
//! fallback), the keywords the server offers, STARTTLS when offered or
//! required, and AUTH PLAIN or LOGIN (RFC 4954) with the configured
//! credentials.

use super::{ClientSession, Expect, Stage, TlsPolicy};
use crate::command::Command;
use crate::reply::Reply;
use crate::sasl;
use crate::session::ClientState;

impl ClientSession {
    pub(super) fn ehlo(&mut self) {
        let t = self.config.timeouts.command;
        self.send(
            &Command::Ehlo(self.config.helo_name.as_str().into()),
            Expect::Ehlo,
            ClientState::Ehlo,
            t,
        );
    }

    /// The parameters of the EHLO keyword `name` (case-insensitive), if
    /// the server offered it: the text after the keyword's first space.
    pub(super) fn keyword(&self, name: &str) -> Option<&str> {
        self.outcome.extensions.iter().find_map(|l| {
            let kw = l.get(..name.len())?;
            if !kw.eq_ignore_ascii_case(name) {
                return None;
            }
            match l.as_bytes().get(name.len()) {
                None => Some(""),
                Some(b' ') => l.get(name.len() + 1..),
                Some(_) => None,
            }
        })
    }

    pub(super) fn after_hello(&mut self) {
        let offered = self.keyword("STARTTLS").is_some();
        if !self.outcome.tls && self.config.tls != TlsPolicy::Never && offered {
            let t = self.config.timeouts.command;
            self.send(
                &Command::StartTls,
                Expect::StartTls,
                ClientState::StartTls,
                t,
            );
            return;
        }
        if !self.outcome.tls && self.config.tls == TlsPolicy::Required {
            let r = Reply::enhanced(
                451,
                (4, 7, 10),
                "TLS is required but the server does not offer STARTTLS",
            );
            self.settle_all(&r, Stage::StartTls, true);
            self.outcome.error = Some("STARTTLS required but not offered".into());
            self.quit();
            return;
        }
        self.after_tls_decision();
    }

    pub(super) fn after_tls_decision(&mut self) {
        let creds_usable = self.config.credentials.is_some()
            && !self.outcome.authenticated
            && (self.outcome.tls || !self.config.auth_requires_tls);
        let mechs = self
            .keyword("AUTH")
            .unwrap_or_default()
            .to_ascii_uppercase();
        let mechs: Vec<&str> = mechs.split(' ').collect();
        if creds_usable && self.outcome.esmtp {
            let t = self.config.timeouts.command;
            if let Some(c) = self.config.credentials.clone() {
                if mechs.contains(&"PLAIN") {
                    let cmd = Command::Auth {
                        mechanism: "PLAIN".into(),
                        initial: Some(sasl::plain_encode(&c).into()),
                    };
                    self.send(&cmd, Expect::Auth, ClientState::Auth, t);
                    return;
                }
                if mechs.contains(&"LOGIN") {
                    self.auth_login = true;
                    let cmd = Command::Auth {
                        mechanism: "LOGIN".into(),
                        initial: None,
                    };
                    self.send(&cmd, Expect::Auth, ClientState::Auth, t);
                    return;
                }
            }
        }
        self.next_transaction();
    }

    pub(super) fn auth_continue(&mut self) {
        let t = self.config.timeouts.command;
        let Some(c) = self.config.credentials.clone() else {
            return self.quit();
        };
        // After AUTH LOGIN the 334 asks for the user name; after AUTH PLAIN
        // sent with an initial response a 334 is a protocol oddity: answer
        // with the response again.
        if !self.auth_login {
            self.send_raw(
                format!("{}\r\n", sasl::plain_encode(&c)).into_bytes(),
                Expect::Auth,
                ClientState::Auth,
                t,
            );
        } else {
            self.send_raw(
                format!("{}\r\n", sasl::base64_encode(c.username.as_bytes())).into_bytes(),
                Expect::AuthLoginUser,
                ClientState::Auth,
                t,
            );
        }
    }
}
