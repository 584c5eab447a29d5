//! The scenario: plain data describing a network of mail hosts, its DNS
//! zone, links, the messages to send and the faults to strike.
//!
//! A scenario is JSON (see `scenario.schema.json` beside this crate).
//! [`Scenario::from_json`] parses and validates it, reporting every problem
//! with its JSON path; unknown fields are errors. What is legal but
//! probably not meant (an MX that leads to no host, a domain that receives
//! mail without records, a mailbox mail never reaches) is a warning, with
//! its path too ([`Scenario::warnings`]). Durations are whole
//! seconds (`_secs`) or milliseconds (`_ms`), as the field name says.
//!
//! Ports: a host listens on those of its role (25 for `relay` and `mx`,
//! 587 for `submission`) unless `policy.ports` lists others; 465 is
//! submission with TLS from the first byte (RFC 8314 §3.3). A MUA submits
//! to its `relay.smarthost` on 587 unless `relay.smarthost_port` says
//! otherwise, or, with `relay.direct_to_mx`, sends straight to the MX on
//! 25; every other host connects on 25. The fault `outbound_port_blocked`
//! stops a host's connections to one port, as a consumer ISP stops port 25.

mod auth;
pub use auth::{AuthPolicy, DkimAlgorithm, DkimSign, MailingList};
mod faults;
pub use faults::{FAULT_KINDS, FORCEABLE_CODES};
mod load;
mod ports;
pub(crate) mod tagged;
mod validate;
mod warnings;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::timing::TimingProfile;

pub use load::{
    line_of_path, lines_of_paths, Problem, ScenarioError, MAX_BODY_BYTES, MAX_HOSTS, MAX_MESSAGES,
    MAX_SCENARIO_BYTES,
};
pub use ports::{implicit_tls, SMTP_PORT, SUBMISSIONS_PORT, SUBMISSION_PORT};

/// A whole simulated network and what happens in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short title, shown in the preset picker.
    #[serde(default)]
    pub name: String,
    /// The lesson this scenario teaches, in plain text.
    #[serde(default)]
    pub lesson: String,
    /// The world seed: every random draw of a run derives from it.
    #[serde(default)]
    pub seed: u64,
    /// The run stops at this time, in seconds.
    pub horizon_secs: u64,
    /// The hosts of the network.
    pub nodes: Vec<Node>,
    /// The DNS zone the resolver answers from.
    #[serde(default)]
    pub dns: DnsZone,
    /// The links between hosts; pairs not listed use `default_link`.
    #[serde(default)]
    pub links: Vec<Link>,
    /// The link between any two hosts not listed in `links`.
    #[serde(default)]
    pub default_link: LinkProfile,
    /// Named custom timing profiles, referred to by `policy.timing`.
    #[serde(default)]
    pub profiles: Vec<CustomProfile>,
    /// The messages the MUAs submit.
    #[serde(default)]
    pub messages: Vec<MessageSpec>,
    /// Faults, scheduled or drawn with a probability.
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
}

/// What a host is in the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A mail user agent: submits the scenario's messages.
    Mua,
    /// A submission server: listens on port 587 (RFC 6409 §3.1) unless
    /// its policy lists other ports (465: implicit TLS, RFC 8314 §3.3).
    Submission,
    /// A relay or smarthost: listens on port 25.
    Relay,
    /// A destination MX with mailboxes: listens on port 25.
    Mx,
    /// The DNS resolver.
    Resolver,
}

/// One host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Its host name, e.g. `mx1.example.org` (unique, case-insensitive).
    pub name: String,
    /// Its role.
    pub role: Role,
    /// Its IPv4/IPv6 addresses (what A/AAAA records point to).
    #[serde(default)]
    pub addresses: Vec<String>,
    /// How it behaves as an MTA.
    #[serde(default)]
    pub policy: Policy,
}

/// How a host treats a bare LF or bare CR in message data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BareLfPolicy {
    /// Reject, as RFC 5321 §2.3.8 asks.
    #[default]
    Strict,
    /// Keep a bare LF as content and pass it on unchanged; only CRLF.CRLF
    /// ends the data (a relay that forwards a smuggling payload intact).
    Preserve,
    /// Accept a bare LF as a line end (the SMTP smuggling ambiguity).
    Lenient,
}

/// A host's MTA policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Domains this host is the final destination for.
    pub destination_domains: Vec<String>,
    /// Who may relay through this host, and where it forwards.
    pub relay: RelayRules,
    /// Largest message accepted, in bytes (the SIZE extension, RFC 1870).
    pub size_limit: Option<u64>,
    /// Offer STARTTLS (RFC 3207). Implied by `tls_required`.
    pub starttls: bool,
    /// Refuse mail before STARTTLS (RFC 3207).
    pub tls_required: bool,
    /// Refuse mail before AUTH (RFC 4954).
    pub auth_required: bool,
    /// Accounts for AUTH: on a server, who may log in; on a client, its login.
    pub credentials: Vec<Credential>,
    /// Greylisting (RFC 6647): first attempts from a new triplet get a 4xx.
    pub greylisting: Option<Greylisting>,
    /// Mailboxes on this host.
    pub mailboxes: Vec<Mailbox>,
    /// Overrides the timing profile's hop limit.
    pub hop_limit: Option<u64>,
    /// A built-in timing profile (`postfix`, `opensmtpd`, `exim`,
    /// `rfc5321`) or the name of one of the scenario's `profiles`.
    pub timing: String,
    /// How bare LF in message data is treated.
    pub bare_lf: BareLfPolicy,
    /// The TCP ports it listens on for SMTP; when absent, those of its
    /// role: 25 for a relay or an MX (RFC 5321 §4.5.4.2), 587 for a
    /// submission server (RFC 6409 §3.1), none for a MUA or the resolver.
    /// On 465 the connection is TLS from the first byte and STARTTLS is
    /// never offered (implicit TLS, RFC 8314 §3.3). A connection to a
    /// port it does not list is refused, as by a closed port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<u64>>,
    /// Mail authentication: DKIM signing, SPF/DKIM/DMARC checks, SRS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthPolicy>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            destination_domains: Vec::new(),
            relay: RelayRules::default(),
            size_limit: None,
            starttls: false,
            tls_required: false,
            auth_required: false,
            credentials: Vec::new(),
            greylisting: None,
            mailboxes: Vec::new(),
            hop_limit: None,
            timing: "postfix".to_owned(),
            bare_lf: BareLfPolicy::Strict,
            ports: None,
            auth: None,
        }
    }
}

/// Relay rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RelayRules {
    /// Hosts (by name) allowed to relay through this one.
    pub allow_from: Vec<String>,
    /// Whether authenticated clients may relay.
    pub allow_authenticated: bool,
    /// Domains this host relays for from any client (a backup MX's
    /// `relay_domains`).
    pub domains: Vec<String>,
    /// Send all outbound mail to this host instead of looking up MX
    /// records (for a MUA: its submission server).
    pub smarthost: Option<String>,
    /// The port the smarthost is reached on, as in Postfix's `relayhost =
    /// [host]:port`; when absent, 587 for a MUA (message submission, RFC
    /// 6409) and 25 for any other host. 465 submits with implicit TLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smarthost_port: Option<u64>,
    /// For a MUA instead of a smarthost: send each message straight to
    /// its recipients' MX hosts on port 25, as an MTA does (what a
    /// consumer ISP's block on outbound port 25 stops).
    #[serde(skip_serializing_if = "core::ops::Not::not")]
    pub direct_to_mx: bool,
    /// Relay for any client to any domain: an open relay (RFC 5321
    /// §3.6.2 says not to be one; spammers hunt for them).
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub open: bool,
}

impl RelayRules {
    /// Who `host` relays for, in words naming the policy's fields: for a
    /// "relay access denied" (554 5.7.1) to explain itself.
    pub fn explain(&self, host: &str) -> String {
        let mut who = Vec::new();
        if !self.allow_from.is_empty() {
            who.push(format!(
                "for the hosts in policy.relay.allow_from ({})",
                self.allow_from.join(", ")
            ));
        }
        if self.allow_authenticated {
            who.push("for clients that authenticated (policy.relay.allow_authenticated: AUTH, after STARTTLS where it is required)".to_string());
        }
        if !self.domains.is_empty() {
            who.push(format!(
                "to the domains in policy.relay.domains ({})",
                self.domains.join(", ")
            ));
        }
        if self.open {
            who.push("for anyone, to anywhere (policy.relay.open: an open relay)".to_string());
        }
        let rule = if who.is_empty() {
            format!("{host} relays for no one (policy.relay is empty)")
        } else {
            format!("{host} relays only {}", who.join("; "))
        };
        format!("{rule}. Any other recipient must have a mailbox on {host} itself (RFC 5321 §3.6.2: a server that relays for anyone is an open relay).")
    }
}

/// An AUTH account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// User name.
    pub user: String,
    /// Password.
    pub password: String,
}

/// Greylisting settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Greylisting {
    /// A retry of the same (client, sender, recipient) is accepted once this
    /// many seconds have passed since the first attempt.
    #[serde(default = "default_greylist_delay")]
    pub delay_secs: u64,
}

fn default_greylist_delay() -> u64 {
    300
}

/// A mailbox on a destination host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mailbox {
    /// Its address, `local@domain`.
    pub address: String,
    /// Its quota in bytes; beyond it, 552 5.2.2 (mailbox full).
    #[serde(default)]
    pub quota_bytes: Option<u64>,
    /// Forward what arrives to this address instead of keeping it (a
    /// `.forward` file): the message goes on unchanged, its envelope
    /// sender kept, or rewritten when the host's `auth.srs` is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_to: Option<String>,
    /// A mailing list at this address: what arrives is sent on to every
    /// member, changed as a list server changes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<MailingList>,
}

/// What the resolver answers for one name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DnsStatus {
    /// The records listed.
    #[default]
    Ok,
    /// The name does not exist (RCODE 3).
    Nxdomain,
    /// The server failed (RCODE 2): a temporary error.
    Servfail,
    /// No answer at all: a temporary error after the resolver's timeout.
    Timeout,
}

/// The DNS zone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DnsZone {
    /// The host (role `resolver`) that answers queries, drawn on the stage.
    pub resolver: Option<String>,
    /// The names in the zone.
    pub domains: Vec<DnsDomain>,
}

/// One name of the zone and its records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsDomain {
    /// The owner name, e.g. `example.org`.
    pub name: String,
    /// Its MX records. A single record with exchange `.` is a null MX
    /// (RFC 7505): the domain accepts no mail.
    #[serde(default)]
    pub mx: Vec<MxSpec>,
    /// IPv4 addresses (A records).
    #[serde(default)]
    pub a: Vec<String>,
    /// IPv6 addresses (AAAA records).
    #[serde(default)]
    pub aaaa: Vec<String>,
    /// TXT records: an SPF policy (`v=spf1 ...`, RFC 7208) at a domain, a
    /// DKIM key (`v=DKIM1; ...`, RFC 6376) at `<selector>._domainkey.<domain>`,
    /// a DMARC policy (`v=DMARC1; p=...`, RFC 7489) at `_dmarc.<domain>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub txt: Vec<String>,
    /// Answer normally, or fail.
    #[serde(default)]
    pub status: DnsStatus,
}

/// One MX record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MxSpec {
    /// Preference, 0..=65535: lower is tried first.
    pub preference: u64,
    /// The exchange's host name, or `.` for a null MX.
    pub exchange: String,
}

/// The behaviour of a link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LinkProfile {
    /// One-way latency in milliseconds.
    pub latency_ms: u64,
    /// Up to this many milliseconds added at random to each transmission.
    pub jitter_ms: u64,
    /// Probability that a connection attempt is lost, 0..=1.
    pub loss: f64,
}

impl Default for LinkProfile {
    fn default() -> Self {
        LinkProfile {
            latency_ms: 20,
            jitter_ms: 0,
            loss: 0.0,
        }
    }
}

/// A link between two hosts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// One end (a host name).
    pub a: String,
    /// The other end (a host name).
    pub b: String,
    /// One-way latency in milliseconds.
    #[serde(default = "default_latency")]
    pub latency_ms: u64,
    /// Up to this many milliseconds of random extra delay.
    #[serde(default)]
    pub jitter_ms: u64,
    /// Probability that a connection attempt is lost, 0..=1.
    #[serde(default)]
    pub loss: f64,
}

fn default_latency() -> u64 {
    20
}

/// A named custom timing profile: every number editable; unset numbers
/// take Postfix's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomProfile {
    /// The name `policy.timing` refers to.
    pub name: String,
    /// The numbers.
    #[serde(default)]
    pub profile: TimingProfile,
}

/// One header field of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Field name, e.g. `Subject`.
    pub name: String,
    /// Field body.
    pub value: String,
}

/// A message a MUA submits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageSpec {
    /// Its identifier in the trace (unique).
    pub id: String,
    /// The MUA (host name) that submits it.
    pub from: String,
    /// When it is submitted, in seconds.
    #[serde(default)]
    pub at_secs: u64,
    /// The envelope sender (MAIL FROM), `local@domain`.
    pub mail_from: String,
    /// The envelope recipients (RCPT TO).
    pub rcpt_to: Vec<String>,
    /// Header fields, in order.
    #[serde(default)]
    pub headers: Vec<Header>,
    /// The body, lines separated by CRLF or LF.
    #[serde(default)]
    pub body: String,
}

/// A fault: when it strikes, and with what probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// When it starts, in seconds.
    pub at_secs: u64,
    /// When it ends, in seconds (never, when absent).
    #[serde(default)]
    pub until_secs: Option<u64>,
    /// When set, the fault happens only with this probability (0..=1),
    /// drawn once per run from the seeded fault stream.
    #[serde(default)]
    pub probability: Option<f64>,
    /// What goes wrong.
    pub fault: Fault,
}

/// How a host that is down behaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DownMode {
    /// Connections are refused at once (TCP RST).
    #[default]
    Refused,
    /// Connections go unanswered until the client's connect timeout.
    Silent,
}

/// The stage of an SMTP transaction where a fault strikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FaultStage {
    /// The greeting.
    Connect,
    /// HELO/EHLO.
    Helo,
    /// MAIL FROM.
    Mail,
    /// RCPT TO.
    Rcpt,
    /// DATA (before 354).
    Data,
    /// After the final dot, before the reply (the RFC 1047 window).
    EndOfData,
}

impl FaultStage {
    /// Every stage, in session order.
    pub const ALL: [FaultStage; 6] = [
        FaultStage::Connect,
        FaultStage::Helo,
        FaultStage::Mail,
        FaultStage::Rcpt,
        FaultStage::Data,
        FaultStage::EndOfData,
    ];

    /// The stage as the scenario format names it (`end_of_data`).
    pub fn name(self) -> &'static str {
        match self {
            FaultStage::Connect => "connect",
            FaultStage::Helo => "helo",
            FaultStage::Mail => "mail",
            FaultStage::Rcpt => "rcpt",
            FaultStage::Data => "data",
            FaultStage::EndOfData => "end_of_data",
        }
    }
}

/// What goes wrong.
// Read from JSON by `tagged`, not by serde's derive.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Fault {
    /// The host is down.
    HostDown {
        /// The host.
        host: String,
        /// Refused or silent.
        #[serde(default)]
        mode: DownMode,
    },
    /// The host crashes at a stage of the next transaction.
    HostCrash {
        /// The host.
        host: String,
        /// Where it crashes; `end_of_data` gives the RFC 1047 duplicate.
        stage: FaultStage,
    },
    /// The link between two hosts carries nothing.
    LinkPartition {
        /// One end.
        a: String,
        /// The other end.
        b: String,
    },
    /// The link's latency changes.
    LinkLatency {
        /// One end.
        a: String,
        /// The other end.
        b: String,
        /// The new one-way latency.
        latency_ms: u64,
    },
    /// The link loses connection attempts.
    LinkLoss {
        /// One end.
        a: String,
        /// The other end.
        b: String,
        /// Probability of loss, 0..=1.
        loss: f64,
    },
    /// The resolver fails for a domain (or for every domain).
    DnsFailure {
        /// The domain; every domain when absent.
        #[serde(default)]
        domain: Option<String>,
        /// `servfail` or `timeout`.
        status: DnsStatus,
    },
    /// The host answers a chosen code at a chosen stage.
    ForcedReply {
        /// The host.
        host: String,
        /// The stage.
        stage: FaultStage,
        /// One of 421, 450, 451, 452, 550, 552, 554.
        code: u16,
        /// Probability per transaction, 0..=1.
        #[serde(default = "certain")]
        probability: f64,
    },
    /// The host greylists every new triplet.
    Greylisting {
        /// The host.
        host: String,
    },
    /// A mailbox is full (552 5.2.2).
    MailboxFull {
        /// The host.
        host: String,
        /// The mailbox address.
        mailbox: String,
    },
    /// The host's disk is full (452 4.3.1).
    DiskFull {
        /// The host.
        host: String,
    },
    /// TLS handshakes with the host fail.
    TlsFailure {
        /// The host.
        host: String,
    },
    /// AUTH at the host fails (535 5.7.8).
    AuthFailure {
        /// The host.
        host: String,
    },
    /// The host answers slowly.
    Tarpit {
        /// The host.
        host: String,
        /// Delay added before every reply.
        delay_ms: u64,
    },
    /// The host's size limit drops.
    SizeLimit {
        /// The host.
        host: String,
        /// The new limit in bytes.
        bytes: u64,
    },
    /// The host's network blocks its outbound connections to a port, as
    /// many consumer ISPs block port 25 (RFC 5068 §3): it can still
    /// submit on 587 or 465, but cannot talk to an MX itself.
    OutboundPortBlocked {
        /// The host behind the block.
        host: String,
        /// The port blocked.
        #[serde(default = "smtp_port")]
        port: u64,
        /// `silent` (the SYN is dropped and the connection times out, as
        /// most such blocks do) or `refused` (a reset comes back).
        #[serde(default = "silent")]
        mode: DownMode,
    },
}

fn smtp_port() -> u64 {
    u64::from(SMTP_PORT)
}

fn silent() -> DownMode {
    DownMode::Silent
}

fn certain() -> f64 {
    1.0
}
