//! A host's state: its queue of [`QueueEntry`]s with per-recipient state,
//! its mailboxes, and the faults currently striking it.

use mxlab_proto::hash::Fnv1a64;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::rng::SimRng;
use crate::scenario::{DownMode, FaultStage, Node};
use crate::time::SimTime;
use crate::timing::TimingProfile;
use crate::trace::NO_NAME;

/// Where one recipient of a queued message stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecipientStatus {
    /// Still to deliver.
    Pending,
    /// Delivered to a mailbox or handed to the next hop.
    Delivered,
    /// Failed permanently.
    Bounced,
}

/// One recipient of a queued message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientState {
    /// The address.
    pub address: String,
    /// Where it stands.
    pub status: RecipientStatus,
    /// The last temporary or permanent failure.
    pub last_error: Option<Diagnostic>,
}

/// A message in a host's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEntry {
    /// Queue id, unique on this host.
    pub queue_id: u64,
    /// The scenario's message id (a DSN gets `<id>.dsn`).
    pub message_id: CompactString,
    /// The envelope sender; empty for `<>` (a DSN).
    pub mail_from: String,
    /// Per-recipient state.
    pub recipients: Vec<RecipientState>,
    /// Headers and body, CRLF line ends, `Received:` headers on top.
    pub content: String,
    /// `Received:` headers so far (the hop count).
    pub hops: u32,
    /// When it entered this queue.
    pub arrival: SimTime,
    /// The first failed attempt here.
    pub first_failure: Option<SimTime>,
    /// Failed attempts so far.
    pub failures: u32,
    /// The last wait between attempts, in microseconds.
    pub last_gap_micros: u64,
    /// When the next attempt is due.
    pub next_attempt: Option<SimTime>,
    /// An attempt is in progress.
    pub in_flight: bool,
    /// Delay warnings sent so far.
    pub warnings: u32,
    /// DMARC quarantined it: a mailbox here files it as junk.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub junk: bool,
    /// The message id's name in the run's trace (set as it enters a queue).
    #[serde(skip)]
    pub(crate) name: u32,
}

impl QueueEntry {
    /// A message arriving with every recipient pending: `mail_from` empty
    /// for `<>`, `hops` its `Received:` headers so far.
    pub fn arriving(
        message_id: &str,
        mail_from: &str,
        recipients: &[String],
        content: String,
        hops: u32,
        now: SimTime,
    ) -> QueueEntry {
        QueueEntry::owning(
            message_id.into(),
            mail_from.to_owned(),
            recipients.to_vec(),
            content,
            (hops, now),
        )
    }

    /// [`QueueEntry::arriving`], taking its parts rather than copying them:
    /// `at` is (hops, now).
    pub(crate) fn owning(
        message_id: CompactString,
        mail_from: String,
        recipients: Vec<String>,
        content: String,
        (hops, now): (u32, SimTime),
    ) -> QueueEntry {
        QueueEntry {
            queue_id: 0,
            message_id,
            mail_from,
            recipients: recipients
                .into_iter()
                .map(|address| RecipientState {
                    address,
                    status: RecipientStatus::Pending,
                    last_error: None,
                })
                .collect(),
            content,
            hops,
            arrival: now,
            first_failure: None,
            failures: 0,
            last_gap_micros: 0,
            next_attempt: None,
            in_flight: false,
            warnings: 0,
            junk: false,
            name: NO_NAME,
        }
    }

    /// Whether this is a DSN (null reverse-path): never bounced.
    pub fn is_bounce(&self) -> bool {
        self.mail_from.is_empty()
    }

    /// The recipients still to deliver.
    pub fn pending(&self) -> impl Iterator<Item = &RecipientState> {
        self.recipients
            .iter()
            .filter(|r| r.status == RecipientStatus::Pending)
    }
}

/// A message as a mailbox stored it ([`Host::kept`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// The mailbox (lower case), as a key of [`Host::mailboxes`].
    pub mailbox: String,
    /// The scenario's message id (a DSN's own id for a DSN).
    pub message_id: String,
    /// The envelope sender; empty for `<>` (a DSN).
    pub mail_from: String,
    /// When it was stored.
    pub at: SimTime,
    /// Headers and body, CRLF line ends, every `Received:` on top.
    pub content: String,
}

/// A host and everything that changes on it during a run.
#[derive(Debug, Clone)]
pub struct Host {
    /// Its scenario description.
    pub node: Node,
    /// Its timing profile.
    pub profile: TimingProfile,
    /// Its queue by queue id, so in arrival order (ids are handed out in
    /// increasing order): an entry is found, added and removed in
    /// O(log n), so a host holding a million messages at once costs time
    /// in proportion to their count.
    pub queue: BTreeMap<u64, QueueEntry>,
    /// Delivered message ids per mailbox.
    pub mailboxes: BTreeMap<String, Vec<String>>,
    /// Bytes stored per mailbox.
    pub mailbox_bytes: BTreeMap<String, u64>,
    /// Every message stored in a mailbox here, as stored, in delivery
    /// order: kept only when [`crate::Sim::keep_messages`] is on (a run
    /// keeps only ids in `mailboxes` otherwise).
    pub kept: Vec<StoredMessage>,
    pub(crate) rng: SimRng,
    pub(crate) next_queue_id: u64,
    pub(crate) faults: HostFaults,
    pub(crate) greylist_seen: BTreeMap<(String, String, String), SimTime>,
    /// A hash of every (mailbox, message id) delivered here, so that
    /// spotting the RFC 1047 duplicate does not scan a mailbox holding
    /// thousands of messages (a hash seen before is then checked exactly).
    /// Only ever asked about membership, never iterated: its order cannot
    /// reach a run.
    pub(crate) delivered: HashSet<u64, BuildHasherDefault<Prehashed>>,
    /// Room to write a recipient and a sender in, reused by the door.
    scratch: (String, String),
}

/// The faults currently striking a host.
#[derive(Debug, Clone, Default)]
pub(crate) struct HostFaults {
    pub down: Option<DownMode>,
    pub greylisting: bool,
    pub disk_full: bool,
    pub full_mailboxes: BTreeSet<String>,
    pub size_limit: Option<u64>,
    pub forced: Vec<(usize, FaultStage, u16, f64)>,
    /// Crash at this stage of the next transaction.
    pub crash: Option<FaultStage>,
    /// Crashed: down until the crash fault ends.
    pub crashed: bool,
    /// Extra delay before every reply line, in milliseconds (a tarpit).
    pub tarpit_ms: u64,
    /// TLS handshakes with this host fail.
    pub tls_failure: bool,
    /// This host refuses every AUTH (535 5.7.8).
    pub auth_failure: bool,
    /// Outbound ports its network blocks: (fault index, port, how).
    pub blocked_ports: Vec<(usize, u16, DownMode)>,
}

impl HostFaults {
    /// How the host's network stops its connections to `port`, if it does.
    pub fn blocked(&self, port: u16) -> Option<DownMode> {
        self.blocked_ports.iter().find(|b| b.1 == port).map(|b| b.2)
    }
}

impl Host {
    pub(crate) fn new(node: Node, profile: TimingProfile, rng: SimRng) -> Self {
        Host {
            node,
            profile,
            queue: BTreeMap::new(),
            mailboxes: BTreeMap::new(),
            mailbox_bytes: BTreeMap::new(),
            kept: Vec::new(),
            rng,
            next_queue_id: 1,
            faults: HostFaults::default(),
            greylist_seen: BTreeMap::new(),
            delivered: HashSet::default(),
            scratch: (String::new(), String::new()),
        }
    }

    /// The entry `queue_id`.
    pub(crate) fn entry(&self, queue_id: u64) -> Option<&QueueEntry> {
        self.queue.get(&queue_id)
    }

    /// Stores `message_id` in the mailbox `key` (lower case); true when
    /// that mailbox already holds it (a second copy: the RFC 1047
    /// duplicate).
    pub(crate) fn store(&mut self, key: &str, message_id: &str) -> bool {
        let mut h = Fnv1a64::new();
        h.write(key.as_bytes());
        h.write(&[0]);
        h.write(message_id.as_bytes());
        let maybe_seen = !self.delivered.insert(h.finish());
        let stored = match self.mailboxes.get_mut(key) {
            Some(stored) => stored,
            None => self.mailboxes.entry(key.to_owned()).or_default(),
        };
        let duplicate = maybe_seen && stored.iter().any(|m| m == message_id);
        stored.push(message_id.to_owned());
        duplicate
    }

    /// Whether this host is the final destination for `domain`.
    pub fn is_destination(&self, domain: &str) -> bool {
        self.node
            .policy
            .destination_domains
            .iter()
            .any(|d| d.eq_ignore_ascii_case(domain))
    }

    /// Whether `address` is one of this host's mailboxes; the postmaster
    /// always is ([`Host::is_postmaster`]).
    pub fn has_mailbox(&self, address: &str) -> bool {
        self.is_postmaster(address) || self.mailbox(address).is_some()
    }

    /// The scenario's mailbox `address` on this host, if it lists one.
    pub fn mailbox(&self, address: &str) -> Option<&crate::scenario::Mailbox> {
        self.node
            .policy
            .mailboxes
            .iter()
            .find(|m| m.address.eq_ignore_ascii_case(address))
    }

    /// Whether `address` is this host's postmaster: `Postmaster` with no
    /// domain, or `postmaster@` one of its destination domains, in any
    /// case. RFC 5321 §4.5.1: every host that relays or delivers mail
    /// accepts it, whether or not the scenario lists such a mailbox.
    pub fn is_postmaster(&self, address: &str) -> bool {
        match address.rsplit_once('@') {
            None => address.eq_ignore_ascii_case("postmaster"),
            Some((local, domain)) => {
                local.eq_ignore_ascii_case("postmaster") && self.is_destination(domain)
            }
        }
    }

    /// The effective size limit.
    pub fn size_limit(&self) -> Option<u64> {
        self.faults.size_limit.or(self.node.policy.size_limit)
    }

    /// A forced reply for `stage`, drawn with its probability.
    pub(crate) fn forced_reply(&mut self, stage: FaultStage) -> Option<Diagnostic> {
        let matching: Vec<(u16, f64)> = self
            .faults
            .forced
            .iter()
            .filter(|f| f.1 == stage)
            .map(|f| (f.2, f.3))
            .collect();
        for (code, p) in matching {
            if self.rng.chance(p) {
                return Some(forced(code));
            }
        }
        None
    }

    /// The server's decision on one recipient from `client`.
    pub(crate) fn decide_rcpt(
        &mut self,
        client: &str,
        mail_from: &str,
        rcpt: &str,
        size: u64,
        now: SimTime,
        authenticated: bool,
    ) -> Result<(), Diagnostic> {
        if let Some(d) = self.forced_reply(FaultStage::Rcpt) {
            return Err(d);
        }
        // The postmaster is always reachable (RFC 5321 §4.5.1): no relay
        // rule, mailbox list, quota or greylisting stands in the way.
        if self.is_postmaster(rcpt) {
            return Ok(());
        }
        let domain = rcpt.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
        if self.is_destination(domain) {
            if !self.has_mailbox(rcpt) {
                return Err(Diagnostic::new(
                    550,
                    "5.1.1",
                    &format!("<{rcpt}>: no such mailbox here"),
                    "RFC 3463 §3.2",
                ));
            }
            let full = self
                .faults
                .full_mailboxes
                .contains(&rcpt.to_ascii_lowercase());
            let quota = self.mailbox(rcpt).and_then(|m| m.quota_bytes);
            let used = self
                .mailbox_bytes
                .get(&rcpt.to_ascii_lowercase())
                .copied()
                .unwrap_or(0);
            if full || quota.is_some_and(|q| used.saturating_add(size) > q) {
                return Err(Diagnostic::new(
                    552,
                    "5.2.2",
                    &format!("<{rcpt}>: mailbox full"),
                    "RFC 3463 §3.3",
                ));
            }
        } else {
            let relay = &self.node.policy.relay;
            let allowed = relay
                .allow_from
                .iter()
                .any(|h| h.eq_ignore_ascii_case(client))
                || relay.domains.iter().any(|d| d.eq_ignore_ascii_case(domain))
                || (relay.allow_authenticated && authenticated)
                || relay.open;
            if !allowed {
                return Err(Diagnostic::new(
                    554,
                    "5.7.1",
                    &format!("<{rcpt}>: relay access denied"),
                    "RFC 5321 §3.6.2",
                ));
            }
        }
        let greylisting = self.faults.greylisting || self.node.policy.greylisting.is_some();
        if greylisting {
            let delay = self
                .node
                .policy
                .greylisting
                .as_ref()
                .map_or(300, |g| g.delay_secs);
            let key = (client.to_owned(), mail_from.to_owned(), rcpt.to_owned());
            let first = *self.greylist_seen.entry(key).or_insert(now);
            if now < first.plus_secs(delay) {
                return Err(Diagnostic::new(
                    450,
                    "4.2.0",
                    &format!("<{rcpt}>: greylisted, try again later"),
                    "RFC 6647 §2.1",
                ));
            }
        }
        Ok(())
    }

    /// The one door through which this host answers a server session, in
    /// a run, at the console and behind `mxlab serve`: the decision on
    /// AUTH, MAIL and RCPT at `now`, by its policy and the faults striking
    /// it then, and the bookkeeping of HELO/EHLO and STARTTLS in `peer`.
    /// `None` for what it leaves to the caller: the message itself (where
    /// it is stored), a reset, the close.
    pub fn answer(
        &mut self,
        peer: &mut PeerState,
        event: &mxlab_proto::server::ServerEvent,
        now: SimTime,
    ) -> Option<mxlab_proto::server::Decision> {
        use mxlab_proto::server::{Decision, ServerEvent};
        match event {
            ServerEvent::Hello { domain, .. } => {
                peer.helo.clone_from(domain);
                None
            }
            ServerEvent::TlsEstablished => {
                peer.helo.clear();
                peer.authenticated = false;
                None
            }
            ServerEvent::AuthRequest { credentials, .. } => {
                let ok = self.login(&credentials.username, &credentials.password);
                peer.authenticated |= ok;
                Some(if ok {
                    Decision::Accept
                } else {
                    Decision::bad_credentials()
                })
            }
            ServerEvent::MailFrom { params, .. } => {
                if params.size.is_some() {
                    peer.message_size = params.size;
                }
                let size = peer.message_size.unwrap_or(0);
                Some(crate::diagnostic::server_decision(&self.decide_mail(size)))
            }
            ServerEvent::RcptTo { to, from, .. } => {
                use core::fmt::Write as _;
                let (mut rcpt, mut sender) = core::mem::take(&mut self.scratch);
                rcpt.clear();
                sender.clear();
                match to.mailbox() {
                    Some(m) => {
                        let _ = write!(rcpt, "{m}");
                    }
                    None => rcpt.push_str("postmaster"),
                }
                if let Some(m) = from.mailbox() {
                    let _ = write!(sender, "{m}");
                }
                let size = peer.message_size.unwrap_or(0);
                let decision =
                    self.decide_rcpt(&peer.helo, &sender, &rcpt, size, now, peer.authenticated);
                self.scratch = (rcpt, sender);
                Some(crate::diagnostic::server_decision(&decision))
            }
            ServerEvent::Message { .. } | ServerEvent::Reset | ServerEvent::Closed(_) => None,
        }
    }

    /// Whether `user` and `password` are one of the host's accounts (never,
    /// while an AUTH failure fault strikes it).
    pub fn login(&self, user: &str, password: &str) -> bool {
        !self.faults.auth_failure
            && self
                .node
                .policy
                .credentials
                .iter()
                .any(|c| c.user == user && c.password == password)
    }

    /// The server's decision on MAIL FROM for a message of `size` bytes.
    pub(crate) fn decide_mail(&mut self, size: u64) -> Result<(), Diagnostic> {
        if let Some(d) = self.forced_reply(FaultStage::Mail) {
            return Err(d);
        }
        if self.faults.disk_full {
            return Err(Diagnostic::new(
                452,
                "4.3.1",
                "insufficient system storage",
                "RFC 3463 §3.4",
            ));
        }
        if self.size_limit().is_some_and(|l| size > l) {
            return Err(Diagnostic::new(
                552,
                "5.3.4",
                "message size exceeds fixed maximum message size",
                "RFC 1870 §6",
            ));
        }
        Ok(())
    }
}

/// The server session's configuration for a scenario host, named `name`:
/// what it offers and requires (STARTTLS, AUTH), its size limit
/// (advertised with SIZE, RFC 1870) and how it reads bare CR and LF. The
/// engine, the console and `mxlab serve` all start from it.
pub fn server_config(node: &Node, name: &str) -> mxlab_proto::server::ServerConfig {
    use crate::scenario::BareLfPolicy;
    use mxlab_proto::wire::BareLinePolicy;
    let p = &node.policy;
    let mut c = mxlab_proto::server::ServerConfig::new(name);
    c.paths = super::PATHS;
    c.extensions.starttls = p.starttls || p.tls_required;
    c.require_tls = p.tls_required;
    c.extensions.auth = !p.credentials.is_empty();
    c.require_auth = p.auth_required && c.extensions.auth;
    c.extensions.size = p.size_limit;
    c.bare_line_policy = match p.bare_lf {
        BareLfPolicy::Strict => BareLinePolicy::Strict,
        BareLfPolicy::Preserve => BareLinePolicy::Preserve,
        BareLfPolicy::Lenient => BareLinePolicy::Lenient,
    };
    c
}

/// The diagnostic of a forced reply code.
pub(crate) fn forced(code: u16) -> Diagnostic {
    let (enhanced, text) = match code {
        421 => (
            "4.3.2",
            "service not available, closing transmission channel",
        ),
        450 => ("4.2.1", "mailbox unavailable"),
        451 => ("4.3.0", "local error in processing"),
        452 => ("4.3.1", "insufficient system storage"),
        550 => ("5.1.1", "mailbox unavailable"),
        552 => ("5.3.4", "exceeded storage allocation"),
        _ => ("5.3.0", "transaction failed"),
    };
    Diagnostic::new(
        code,
        enhanced,
        &format!("{text} (forced by a fault)"),
        "RFC 5321 §4.2.3",
    )
}

/// The hasher of a set of hashes: each key is already an FNV-1a hash, so
/// it is its own hash (the same on every platform).
#[derive(Default)]
pub(crate) struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// What a server session's client has said so far that the host's
/// decisions depend on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerState {
    /// The name it gave in HELO/EHLO (cleared by STARTTLS).
    pub helo: String,
    /// Whether it logged in with AUTH.
    pub authenticated: bool,
    /// The size of the message the client is about to send, when known
    /// before its data (a `SIZE=` parameter, or, inside a run, the queued
    /// message the client is delivering): checked against size limits and
    /// mailbox quotas at MAIL and RCPT.
    pub message_size: Option<u64>,
}

/// One scenario host's policy as an SMTP server, for a server outside the
/// simulation (`mxlab serve`): the same decisions on senders, recipients
/// and sizes as the host makes inside a run, with the caller's clock.
#[derive(Debug, Clone)]
pub struct ServerPolicy {
    host: Host,
}

impl ServerPolicy {
    /// The policy of `node`, with the default timing profile; `seed` seeds
    /// the draws of forced replies (none without faults).
    pub fn new(node: Node, seed: u64) -> Self {
        let rng = SimRng::fork(seed, &format!("host:{}", node.name.to_ascii_lowercase()));
        ServerPolicy {
            host: Host::new(node, TimingProfile::default(), rng),
        }
    }

    /// The host's scenario description.
    pub fn node(&self) -> &Node {
        &self.host.node
    }

    /// The decision on MAIL FROM for a message of `size` octets (0 when
    /// the client gave no SIZE).
    pub fn mail(&mut self, size: u64) -> Result<(), Diagnostic> {
        self.host.decide_mail(size)
    }

    /// The decision on one recipient. `client` is the name the client gave
    /// in EHLO/HELO (matched against the relay rules); `now` is the time
    /// greylisting counts from.
    pub fn rcpt(
        &mut self,
        client: &str,
        mail_from: &str,
        rcpt: &str,
        now: SimTime,
        authenticated: bool,
    ) -> Result<(), Diagnostic> {
        self.host
            .decide_rcpt(client, mail_from, rcpt, 0, now, authenticated)
    }

    /// The host's answer to a server session event at `now`: the same
    /// door a host answers through inside a run ([`Host::answer`]).
    pub fn answer(
        &mut self,
        peer: &mut PeerState,
        event: &mxlab_proto::server::ServerEvent,
        now: SimTime,
    ) -> Option<mxlab_proto::server::Decision> {
        self.host.answer(peer, event, now)
    }

    /// Whether `user` and `password` are one of the host's accounts.
    pub fn login(&self, user: &str, password: &str) -> bool {
        self.host.login(user, password)
    }
}
