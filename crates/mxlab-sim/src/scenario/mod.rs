//! The scenario: plain data describing a network of mail hosts, its DNS
//! zone, links, the messages to send and the faults to strike.
//!
//! A scenario is JSON (see `scenario.schema.json` beside this crate).
//! [`Scenario::from_json`] parses and validates it, reporting every problem
//! with its JSON path; unknown fields are errors. Durations are whole
//! seconds (`_secs`) or milliseconds (`_ms`), as the field name says.

mod load;
mod validate;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::timing::TimingProfile;

pub use load::{
    line_of_path, lines_of_paths, Problem, ScenarioError, MAX_BODY_BYTES, MAX_HOSTS, MAX_MESSAGES,
    MAX_SCENARIO_BYTES,
};

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
    /// A submission server (port 587, RFC 6409).
    Submission,
    /// A relay or smarthost.
    Relay,
    /// A destination MX with mailboxes.
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
pub enum Stage {
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

impl Stage {
    /// Every stage, in session order.
    pub const ALL: [Stage; 6] = [
        Stage::Connect,
        Stage::Helo,
        Stage::Mail,
        Stage::Rcpt,
        Stage::Data,
        Stage::EndOfData,
    ];

    /// The stage as the scenario format names it (`end_of_data`).
    pub fn name(self) -> &'static str {
        match self {
            Stage::Connect => "connect",
            Stage::Helo => "helo",
            Stage::Mail => "mail",
            Stage::Rcpt => "rcpt",
            Stage::Data => "data",
            Stage::EndOfData => "end_of_data",
        }
    }
}

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
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
        stage: Stage,
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
        stage: Stage,
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
}

fn certain() -> f64 {
    1.0
}
