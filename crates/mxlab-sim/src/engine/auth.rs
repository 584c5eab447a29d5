//! Mail authentication at a host's door: a DKIM signature on mail a host
//! accepts to send on for its own users, SPF, DKIM and DMARC checked at
//! the end of DATA on a host that verifies (its DNS questions and each
//! verdict in the trace), and the Sender Rewriting Scheme on forwarded
//! mail. The verdicts and signatures are [`crate::auth`]'s, the same
//! functions `mxlab serve` and `mxlab deliver` use.

use std::net::{IpAddr, Ipv4Addr};

use compact_str::CompactString;
use mxlab_auth::dkim;

use super::attempt::unix;
use super::session::Conn;
use super::{wire::TO_SERVER, Sim};
use crate::auth;
use crate::diagnostic::Diagnostic;
use crate::dns::Zone;
use crate::scenario::Scenario;
use crate::time::SimTime;
use crate::trace::{AuthCheck, EventKind, Names};

/// Each host's DKIM signers, by host index (shared by checkpoints).
pub(crate) type Signers = std::sync::Arc<Vec<Vec<dkim::Signer>>>;

/// The signers of every host ([`crate::auth`]'s), with the derived keys
/// published in `zone`.
pub(super) fn signers(scenario: &Scenario, zone: &mut Zone) -> Signers {
    let signers = auth::provider().map(|p| (p.signers)(scenario, zone));
    std::sync::Arc::new(signers.unwrap_or_default())
}

/// An event of the trace made now and recorded at its moment: the DNS
/// answers a verifying host waits for, and its verdicts once they are in.
#[derive(Debug, Clone)]
pub(super) struct Later {
    names: Names,
    kind: EventKind,
    /// Its own explanation and RFC section, if any.
    explained: Option<(String, &'static str)>,
}

/// What a verifying host does with a message at the end of DATA.
pub(super) enum Verdict {
    /// Take it, with these header fields on top; into the junk folder
    /// when `junk` (DMARC quarantine).
    Accept { headers: String, junk: bool },
    /// Refuse it (DMARC reject).
    Reject(Diagnostic),
}

impl Sim {
    /// The client's address as the server sees it: its host's first.
    fn client_ip(&self, c: &Conn) -> IpAddr {
        self.hosts
            .get(c.client_host)
            .and_then(|h| h.node.addresses.iter().find_map(|a| a.parse().ok()))
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    /// SPF, DKIM and DMARC on a message at the end of DATA, if the
    /// server's host verifies and the client did not log in (a host's own
    /// users are not checked, as OpenDMARC leaves authenticated clients):
    /// the verdict, and when it is reached (its DNS answers in from the
    /// resolver).
    pub(super) fn verify(
        &mut self,
        now: SimTime,
        c: &Conn,
        mail_from: &str,
        content: &[u8],
    ) -> Option<(Verdict, SimTime)> {
        let host = self.hosts.get(c.server_host)?;
        if !host.node.policy.auth.as_ref().is_some_and(|a| a.verify) || c.peer.authenticated {
            return None;
        }
        let server = host.node.name.clone();
        let client = self.name(c.client_host);
        let helo = if c.peer.helo.is_empty() {
            client.to_string()
        } else {
            c.peer.helo.clone()
        };
        let ip = self.client_ip(c);
        let provider = auth::provider()?;
        let roll = u8::try_from(self.hosts.get_mut(c.server_host)?.rng.below(100)).unwrap_or(0);
        let auth::Verdicts {
            spf,
            dkim: dkims,
            dmarc,
            headers,
            action,
            asked,
        } = (provider.check)(
            &self.zone,
            &server,
            ip,
            &helo,
            mail_from,
            content,
            unix(now),
            roll,
        );

        // The questions go to the resolver one after another, each asked
        // when the answer before it is in (as a verifier's SPF walk
        // does); the reply at the end of DATA waits for the last answer.
        let message = c.names[TO_SERVER].message;
        let resolver = self.resolver();
        let names = self.dns_names(c.server_host, resolver, message);
        let mut at = now;
        for auth::Asked {
            name,
            qtype,
            answer,
        } in asked
        {
            let query = EventKind::DnsQuery {
                name: name.clone(),
                qtype,
            };
            self.at(now, at, names, query, None);
            at = at.plus_micros(resolver.map_or(0, |r| {
                let host = c.server_host;
                self.one_way(host, r).saturating_add(self.one_way(r, host))
            }));
            let answer = EventKind::DnsAnswer {
                name,
                qtype,
                answer,
            };
            self.at(now, at, names, answer, None);
        }
        let names = Names::pair(
            self.host_id(c.server_host),
            self.host_id(c.client_host),
            message,
        );
        let auth = |check, result: &str, domain: &str, action: &str| EventKind::Auth {
            check,
            result: result.into(),
            domain: domain.into(),
            action: action.into(),
            headers: CompactString::default(),
        };
        let kind = auth(AuthCheck::Spf, spf.result.as_str(), &spf.domain, "");
        self.at(now, at, names, kind, Some((spf.reason.clone(), spf.rfc)));
        for d in &dkims {
            let kind = auth(AuthCheck::Dkim, d.result.as_str(), &d.domain, "");
            self.at(now, at, names, kind, Some((d.reason.clone(), d.rfc)));
        }
        let mut kind = auth(
            AuthCheck::Dmarc,
            dmarc.result.as_str(),
            &dmarc.from_domain,
            dmarc.disposition.as_str(),
        );
        if let EventKind::Auth { headers: h, .. } = &mut kind {
            *h = headers.as_str().into();
        }
        self.at(
            now,
            at,
            names,
            kind,
            Some((dmarc.reason.clone(), dmarc.rfc)),
        );

        let verdict = match action {
            auth::Action::Reject(d) => Verdict::Reject(d),
            action => Verdict::Accept {
                headers,
                junk: action == auth::Action::Junk,
            },
        };
        Some((verdict, at))
    }

    /// Records `kind` at `at`: now if that is now, else when the clock
    /// gets there.
    fn at(
        &mut self,
        now: SimTime,
        at: SimTime,
        names: Names,
        kind: EventKind,
        explained: Option<(String, &'static str)>,
    ) {
        if at <= now {
            self.record_later(
                now,
                Later {
                    names,
                    kind,
                    explained,
                },
            );
        } else {
            let later = Later {
                names,
                kind,
                explained,
            };
            self.events.push(at, super::Event::Later(Box::new(later)));
        }
    }

    /// Records an event made earlier ([`Later`]).
    pub(super) fn record_later(&mut self, now: SimTime, later: Later) {
        let Later {
            names,
            kind,
            explained,
        } = later;
        match explained {
            Some((why, rfc)) => self.record_explained(now, names, kind, why, rfc),
            None => self.record(now, names, kind),
        }
    }

    /// The DKIM-Signature a host puts on `message` as it accepts it: when
    /// the client is one of its own (logged in, or a host it relays for)
    /// and it signs for the `From:` domain or a parent of it.
    pub(super) fn sign(&self, now: SimTime, c: &Conn, message: &str) -> Option<String> {
        let signers = self.signers.get(c.server_host)?;
        if signers.is_empty() {
            return None;
        }
        let host = self.hosts.get(c.server_host)?;
        let client = self.hosts.get(c.client_host)?;
        let own = c.peer.authenticated
            || host
                .node
                .policy
                .relay
                .allow_from
                .iter()
                .any(|h| h.eq_ignore_ascii_case(&client.node.name));
        if !own {
            return None;
        }
        (auth::provider()?.sign)(signers, message.as_bytes(), unix(now))
    }

    /// The envelope sender a host forwards with: the original, or with
    /// `auth.srs` on, rewritten to the forwarding domain (SRS0).
    pub(super) fn forward_sender(
        &self,
        now: SimTime,
        host: usize,
        sender: &str,
        mailbox: &str,
    ) -> String {
        let srs = self
            .hosts
            .get(host)
            .and_then(|h| h.node.policy.auth.as_ref())
            .is_some_and(|a| a.srs);
        let domain = mailbox.rsplit_once('@').map_or("", |(_, d)| d);
        if !srs || sender.is_empty() || domain.is_empty() {
            return sender.to_owned();
        }
        let secret = format!("mxlab srs {} {}", self.scenario.seed, self.name(host));
        mxlab_auth::srs::forward(sender, domain, secret.as_bytes(), unix(now))
    }
}
