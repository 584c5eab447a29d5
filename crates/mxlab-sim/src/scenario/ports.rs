//! Ports: where each host listens, and where each host connects.
//!
//! Relay and MX hosts listen on port 25 (RFC 5321 §4.5.4.2), submission
//! servers on 587 (RFC 6409 §3.1), and a host whose policy lists 465 takes
//! submissions with implicit TLS there (RFC 8314 §3.3). A MUA submits to
//! its smarthost on 587 unless its policy says otherwise; every other
//! connection (to a smarthost of a relay, to an MX) goes to port 25.

use super::{Node, Role};

/// SMTP between MTAs: relay and delivery to an MX (RFC 5321 §4.5.4.2).
pub const SMTP_PORT: u16 = 25;
/// Message submission, with STARTTLS (RFC 6409 §3.1).
pub const SUBMISSION_PORT: u16 = 587;
/// Message submission with implicit TLS: TLS from the first byte (RFC
/// 8314 §3.3, the `submissions` service).
pub const SUBMISSIONS_PORT: u16 = 465;

impl Role {
    /// The ports a host of this role listens on unless its policy lists
    /// its own.
    pub fn default_ports(self) -> &'static [u16] {
        match self {
            Role::Relay | Role::Mx => &[SMTP_PORT],
            Role::Submission => &[SUBMISSION_PORT],
            Role::Mua | Role::Resolver => &[],
        }
    }
}

/// Whether a connection to `port` is TLS from the first byte.
pub fn implicit_tls(port: u16) -> bool {
    port == SUBMISSIONS_PORT
}

impl Node {
    /// Whether this host listens for SMTP on `port`: its policy's ports,
    /// or its role's.
    pub fn listens_on(&self, port: u16) -> bool {
        match &self.policy.ports {
            Some(ports) => ports.contains(&u64::from(port)),
            None => self.role.default_ports().contains(&port),
        }
    }

    /// The ports this host listens on, in the order its policy lists them.
    pub fn ports(&self) -> Vec<u16> {
        match &self.policy.ports {
            Some(ports) => ports
                .iter()
                .filter_map(|p| u16::try_from(*p).ok())
                .collect(),
            None => self.role.default_ports().to_vec(),
        }
    }

    /// The port this host connects to when it sends mail on: its
    /// smarthost's (587 for a MUA's submission server unless set), or 25
    /// for an MX.
    pub fn outbound_port(&self) -> u16 {
        let relay = &self.policy.relay;
        if relay.smarthost.is_none() {
            return SMTP_PORT;
        }
        match relay.smarthost_port.and_then(|p| u16::try_from(p).ok()) {
            Some(p) => p,
            None if self.role == Role::Mua => SUBMISSION_PORT,
            None => SMTP_PORT,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn node(json: &str) -> Node {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn hosts_listen_on_their_roles_ports_unless_their_policy_lists_others() {
        let mx = node(r#"{"name": "mx.example.org", "role": "mx"}"#);
        assert!(mx.listens_on(25) && !mx.listens_on(587));
        let submission = node(r#"{"name": "smtp.example.com", "role": "submission"}"#);
        assert!(submission.listens_on(587) && !submission.listens_on(25));
        assert!(!submission.listens_on(465));
        let both = node(
            r#"{"name": "smtp.example.com", "role": "submission", "policy": {"ports": [587, 465]}}"#,
        );
        assert_eq!(both.ports(), [587, 465]);
        assert!(both.listens_on(465) && !both.listens_on(25));
        let mua = node(r#"{"name": "laptop.example.com", "role": "mua"}"#);
        assert!(mua.ports().is_empty());
        assert!(implicit_tls(465) && !implicit_tls(587) && !implicit_tls(25));
    }

    #[test]
    fn a_mua_submits_on_587_and_everything_else_relays_on_25() {
        let mua = node(
            r#"{"name": "laptop.example.com", "role": "mua", "policy": {"relay": {"smarthost": "smtp.example.com"}}}"#,
        );
        assert_eq!(mua.outbound_port(), 587);
        let on_465 = node(
            r#"{"name": "phone.example.com", "role": "mua", "policy": {"relay": {"smarthost": "smtp.example.com", "smarthost_port": 465}}}"#,
        );
        assert_eq!(on_465.outbound_port(), 465);
        let direct = node(
            r#"{"name": "desktop.example.com", "role": "mua", "policy": {"relay": {"direct_to_mx": true}}}"#,
        );
        assert_eq!(direct.outbound_port(), 25);
        let relay = node(
            r#"{"name": "smtp.example.com", "role": "submission", "policy": {"relay": {"smarthost": "relay.example.com"}}}"#,
        );
        assert_eq!(relay.outbound_port(), 25);
    }
}
