//! `mxlab serve` as a verifying scenario host (`policy.auth.verify`): SPF
//! with the real client's address and HELO name, DKIM and DMARC on each
//! message a client that did not log in sends, at the end of DATA, with
//! every DNS question answered from the scenario's zone (its DKIM keys
//! published, derived ones included). The checks are the simulator's own
//! ([`mxlab_sim::auth`]): a verdict here is the verdict a run gives.
//!
//! DMARC reject is answered 550 5.7.1; quarantine stores the message in
//! the junk folder (`junk/` in the Maildir, `FILE.junk` beside an mbox);
//! otherwise `Authentication-Results:` and `Received-SPF:` go on top.
//! Checking needs the whole message: it is read back from its spool file
//! into memory, so a verifying server holds each message (up to the size
//! limit) for the time of its checks.

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use mxlab_sim::auth::{Action, Verdicts, Verifier};

use super::{trace, Spooling};

/// The pct roll of a real receiver: a draw in 0..100 (RFC 7489 §6.6.4),
/// from the clock's nanoseconds.
fn pct_roll() -> u8 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    u8::try_from(nanos % 100).unwrap_or(0)
}

/// What the checks asked of one message.
pub(super) struct Message<'a> {
    /// The connection's number, for the log.
    pub id: u64,
    /// The client's address.
    pub ip: IpAddr,
    /// Its EHLO/HELO name.
    pub helo: &'a str,
    /// The envelope sender (empty for `<>`).
    pub sender: &'a str,
    /// The arrival time.
    pub unix: i64,
}

/// SPF, DKIM and DMARC on the message spooled so far, printed to the log;
/// `None` when the store failed already (the message gets 451).
pub(super) fn check(
    verifier: &Verifier,
    authserv_id: &str,
    m: &Message<'_>,
    spool: &mut Spooling,
) -> Option<Verdicts> {
    let content = match spool {
        Spooling::None => Vec::new(),
        Spooling::Open(s) => match s.read_all() {
            Ok(c) => c,
            Err(e) => {
                *spool = Spooling::Failed(e.to_string());
                return None;
            }
        },
        Spooling::Failed(_) => return None,
    };
    let helo = if m.helo.is_empty() {
        m.ip.to_string()
    } else {
        m.helo.to_owned()
    };
    let v = verifier.verify(
        authserv_id,
        m.ip,
        &helo,
        m.sender,
        &content,
        m.unix,
        pct_roll(),
    );
    trace(&summary(m.id, &v));
    Some(v)
}

/// One log line: each verdict with its domain, and what follows.
fn summary(id: u64, v: &Verdicts) -> String {
    let mut line = format!(
        "auth on connection {id}: spf={} ({})",
        v.spf.result.as_str(),
        or_none(&v.spf.domain)
    );
    if v.dkim.is_empty() {
        line.push_str(" dkim=none");
    }
    for d in &v.dkim {
        line.push_str(&format!(
            " dkim={} ({})",
            d.result.as_str(),
            or_none(&d.domain)
        ));
    }
    line.push_str(&format!(
        " dmarc={} ({}",
        v.dmarc.result.as_str(),
        or_none(&v.dmarc.from_domain)
    ));
    if let Some(p) = v.dmarc.policy {
        line.push_str(&format!(", p={}", p.as_str()));
    }
    line.push_str(match &v.action {
        Action::Accept => ") -> accept",
        Action::Junk => ") -> junk folder (DMARC quarantine)",
        Action::Reject(_) => ") -> reject (DMARC reject)",
    });
    line.push_str(&format!(": {}", crate::one_line(&v.dmarc.reason)));
    line
}

fn or_none(domain: &str) -> &str {
    if domain.is_empty() {
        "no domain"
    } else {
        domain
    }
}
