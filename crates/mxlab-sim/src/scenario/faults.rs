//! Faults for people: a fault in a few words, as the timeline, the event
//! list and the list of what was done by hand name it; and the reply
//! codes a forced reply may carry.

use super::Fault;

/// The reply codes a `forced_reply` fault may make a host answer with:
/// the transient and permanent failures real servers give at any stage
/// (RFC 5321 §4.2.2, §4.2.3).
pub const FORCEABLE_CODES: [u16; 7] = [421, 450, 451, 452, 550, 552, 554];

/// Every kind of fault, as the scenario format names it (a fault's
/// `kind`), in the order of [`Fault`]'s variants.
pub const FAULT_KINDS: [&str; 15] = [
    "host_down",
    "host_crash",
    "link_partition",
    "link_latency",
    "link_loss",
    "dns_failure",
    "forced_reply",
    "greylisting",
    "mailbox_full",
    "disk_full",
    "tls_failure",
    "auth_failure",
    "tarpit",
    "size_limit",
    "outbound_port_blocked",
];

impl Fault {
    /// The hosts it names (none for a DNS failure, which names a domain).
    pub fn hosts(&self) -> Vec<&str> {
        match self {
            Fault::LinkPartition { a, b }
            | Fault::LinkLatency { a, b, .. }
            | Fault::LinkLoss { a, b, .. } => vec![a.as_str(), b.as_str()],
            Fault::DnsFailure { .. } => Vec::new(),
            Fault::HostDown { host, .. }
            | Fault::HostCrash { host, .. }
            | Fault::ForcedReply { host, .. }
            | Fault::Greylisting { host }
            | Fault::MailboxFull { host, .. }
            | Fault::DiskFull { host }
            | Fault::TlsFailure { host }
            | Fault::AuthFailure { host }
            | Fault::Tarpit { host, .. }
            | Fault::SizeLimit { host, .. }
            | Fault::OutboundPortBlocked { host, .. } => vec![host.as_str()],
        }
    }

    /// The fault in a few words: `mx.example.org down`, `link a – b
    /// loses 20%`.
    pub fn label(&self) -> String {
        match self {
            Fault::HostDown { host, .. } => format!("{host} down"),
            Fault::HostCrash { host, stage } => format!("{host} crashes at {stage:?}"),
            Fault::LinkPartition { a, b } => format!("link {a} – {b} partitioned"),
            Fault::LinkLatency { a, b, latency_ms } => {
                format!("link {a} – {b} latency {latency_ms} ms")
            }
            Fault::LinkLoss { a, b, loss } => {
                format!("link {a} – {b} loses {:.0}%", loss * 100.0)
            }
            Fault::DnsFailure { domain, status } => format!(
                "DNS {status:?} for {}",
                domain.as_deref().unwrap_or("every domain")
            ),
            Fault::ForcedReply {
                host, stage, code, ..
            } => format!("{host} answers {code} at {stage:?}"),
            Fault::Greylisting { host } => format!("greylisting on {host}"),
            Fault::MailboxFull { host, mailbox } => format!("mailbox {mailbox} on {host} full"),
            Fault::DiskFull { host } => format!("disk full on {host}"),
            Fault::TlsFailure { host } => format!("TLS fails on {host}"),
            Fault::AuthFailure { host } => format!("AUTH fails on {host}"),
            Fault::Tarpit { host, delay_ms } => format!("{host} tarpits ({delay_ms} ms a line)"),
            Fault::SizeLimit { host, bytes } => format!("{host} takes at most {bytes} bytes"),
            Fault::OutboundPortBlocked { host, port, .. } => {
                format!("outbound port {port} blocked for {host}")
            }
        }
    }
}
