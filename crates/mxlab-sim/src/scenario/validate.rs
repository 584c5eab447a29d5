//! Semantic checks of a scenario: every problem, each with its JSON path.

use std::collections::BTreeMap;
use std::net::IpAddr;

use mxlab_proto::limits;

use super::load::{Problem, MAX_BODY_BYTES, MAX_HOSTS, MAX_MESSAGES};
use super::{
    DnsStatus, Fault, FaultSpec, Link, MessageSpec, Node, Role, Scenario, FORCEABLE_CODES,
};
use crate::timing::{Backoff, TimingProfile, BUILTIN_PROFILES};

/// The longest horizon: one year.
const MAX_HORIZON_SECS: u64 = 366 * 86_400;
/// The longest link latency or jitter: one minute.
const MAX_LINK_MS: u64 = 60_000;
/// Most recipients of one message.
const MAX_RECIPIENTS: usize = 1_000;
/// The highest hop limit.
const MAX_HOP_LIMIT: u64 = 1_000;

/// Host names by lower-case name, for reference checks.
struct Hosts<'a> {
    by_name: BTreeMap<String, (usize, &'a Node)>,
}

impl<'a> Hosts<'a> {
    fn get(&self, name: &str) -> Option<&'a Node> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .map(|(_, n)| *n)
    }
}

#[derive(Default)]
pub(super) struct Problems(Vec<Problem>);

impl Problems {
    pub(super) fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem::new(path, message));
    }

    fn host_ref(&mut self, hosts: &Hosts<'_>, path: String, name: &str) -> Option<Role> {
        match hosts.get(name) {
            Some(n) => Some(n.role),
            None => {
                self.push(path, format!("no host named `{name}` in nodes"));
                None
            }
        }
    }

    fn probability(&mut self, path: String, p: f64) {
        if !(0.0..=1.0).contains(&p) {
            self.push(path, "expected a probability 0..=1");
        }
    }

    fn port(&mut self, path: String, port: u64) {
        if port == 0 || port > u64::from(u16::MAX) {
            self.push(path, "expected a TCP port 1..=65535");
        }
    }
}

/// Whether `s` is a host name such as `mx1.example.org` (RFC 5321 §4.1.2
/// `Domain`): dot-separated labels of letters, digits and hyphens.
pub(crate) fn is_domain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= limits::DOMAIN
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Whether `s` looks like a mailbox `local@domain` within RFC 5321's limits.
pub(crate) fn is_mailbox(s: &str) -> bool {
    match s.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && local.len() <= limits::LOCAL_PART
                && local
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !b"<>()[]\\,;:@\"".contains(&b))
                && is_domain(domain)
        }
        None => false,
    }
}

const DOMAIN_EXPECTED: &str = "expected a host name such as mx1.example.org";
const MAILBOX_EXPECTED: &str = "expected a mailbox local@domain (local part at most 64 octets)";

impl Scenario {
    /// Every semantic problem of this scenario, in document order (empty
    /// when it is valid). [`Scenario::from_json`] calls this.
    pub fn validate(&self) -> Vec<Problem> {
        let mut p = Problems::default();
        if self.horizon_secs == 0 || self.horizon_secs > MAX_HORIZON_SECS {
            p.push(
                "horizon_secs",
                format!("expected a number of seconds 1..={MAX_HORIZON_SECS}"),
            );
        }
        let hosts = self.check_nodes(&mut p);
        let profiles = self.check_profiles(&mut p);
        for (i, node) in self.nodes.iter().enumerate() {
            check_policy(&mut p, &hosts, &profiles, i, node);
        }
        self.check_dns(&mut p, &hosts);
        self.check_auth(&mut p);
        self.check_links(&mut p, &hosts);
        self.check_messages(&mut p, &hosts);
        for (i, f) in self.faults.iter().enumerate() {
            check_fault(
                &mut p,
                &hosts,
                &format!("faults[{i}]"),
                f,
                self.horizon_secs,
            );
        }
        p.0
    }

    fn check_nodes(&self, p: &mut Problems) -> Hosts<'_> {
        if self.nodes.is_empty() {
            p.push("nodes", "expected at least one host");
        }
        if self.nodes.len() > MAX_HOSTS {
            p.push(
                "nodes",
                format!(
                    "{} hosts; a scenario may have at most {MAX_HOSTS}",
                    self.nodes.len()
                ),
            );
        }
        let mut by_name = BTreeMap::new();
        let mut addresses: BTreeMap<IpAddr, usize> = BTreeMap::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if !is_domain(&node.name) {
                p.push(format!("nodes[{i}].name"), DOMAIN_EXPECTED);
            }
            let key = node.name.to_ascii_lowercase();
            if let Some((first, _)) = by_name.get(&key) {
                p.push(
                    format!("nodes[{i}].name"),
                    format!("duplicate host name `{}` (also nodes[{first}])", node.name),
                );
            } else {
                by_name.insert(key, (i, node));
            }
            for (j, a) in node.addresses.iter().enumerate() {
                let path = format!("nodes[{i}].addresses[{j}]");
                match a.parse::<IpAddr>() {
                    Err(_) => p.push(path, "expected an IPv4 or IPv6 address"),
                    Ok(ip) => {
                        if let Some(first) = addresses.get(&ip) {
                            p.push(path, format!("address {ip} is also used by nodes[{first}]"));
                        } else {
                            addresses.insert(ip, i);
                        }
                    }
                }
            }
        }
        Hosts { by_name }
    }

    fn check_profiles(&self, p: &mut Problems) -> BTreeMap<String, usize> {
        let mut names = BTreeMap::new();
        for (i, c) in self.profiles.iter().enumerate() {
            let path = format!("profiles[{i}]");
            if c.name.is_empty() {
                p.push(format!("{path}.name"), "expected a profile name");
            } else if BUILTIN_PROFILES.contains(&c.name.as_str()) {
                p.push(
                    format!("{path}.name"),
                    format!("`{}` is a built-in profile; choose another name", c.name),
                );
            } else if let Some(first) = names.get(&c.name) {
                p.push(
                    format!("{path}.name"),
                    format!(
                        "duplicate profile name `{}` (also profiles[{first}])",
                        c.name
                    ),
                );
            } else {
                names.insert(c.name.clone(), i);
            }
            check_timing(p, &format!("{path}.profile"), &c.profile);
        }
        names
    }

    fn check_dns(&self, p: &mut Problems, hosts: &Hosts<'_>) {
        if let Some(r) = &self.dns.resolver {
            let role = p.host_ref(hosts, "dns.resolver".to_owned(), r);
            if role.is_some_and(|role| role != Role::Resolver) {
                p.push(
                    "dns.resolver",
                    format!("host `{r}` does not have the role `resolver`"),
                );
            }
        }
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        for (i, d) in self.dns.domains.iter().enumerate() {
            let path = format!("dns.domains[{i}]");
            if !super::auth::is_owner_name(&d.name) {
                p.push(format!("{path}.name"), DOMAIN_EXPECTED);
            }
            let key = d.name.to_ascii_lowercase();
            if let Some(first) = names.get(&key) {
                p.push(
                    format!("{path}.name"),
                    format!("duplicate name `{}` (also dns.domains[{first}])", d.name),
                );
            } else {
                names.insert(key, i);
            }
            let has_records = !(d.mx.is_empty() && d.a.is_empty() && d.aaaa.is_empty());
            if d.status == DnsStatus::Nxdomain && has_records {
                p.push(
                    format!("{path}.status"),
                    "a name that does not exist (nxdomain) cannot have records",
                );
            }
            let null_mx = d.mx.iter().any(|m| m.exchange == ".");
            for (j, mx) in d.mx.iter().enumerate() {
                let mpath = format!("{path}.mx[{j}]");
                if mx.preference > u64::from(u16::MAX) {
                    p.push(
                        format!("{mpath}.preference"),
                        "expected an integer 0..=65535",
                    );
                }
                if mx.exchange == "." {
                    if mx.preference != 0 {
                        p.push(
                            format!("{mpath}.preference"),
                            "a null MX (RFC 7505 §3) has preference 0",
                        );
                    }
                } else if !is_domain(&mx.exchange) {
                    p.push(
                        format!("{mpath}.exchange"),
                        "expected a host name, or `.` for a null MX",
                    );
                }
            }
            if null_mx && d.mx.len() > 1 {
                p.push(
                    format!("{path}.mx"),
                    "a domain with a null MX must have no other MX record (RFC 7505 §3)",
                );
            }
            for (j, a) in d.a.iter().enumerate() {
                if !matches!(a.parse::<IpAddr>(), Ok(IpAddr::V4(_))) {
                    p.push(format!("{path}.a[{j}]"), "expected an IPv4 address");
                }
            }
            for (j, a) in d.aaaa.iter().enumerate() {
                if !matches!(a.parse::<IpAddr>(), Ok(IpAddr::V6(_))) {
                    p.push(format!("{path}.aaaa[{j}]"), "expected an IPv6 address");
                }
            }
        }
    }

    fn check_links(&self, p: &mut Problems, hosts: &Hosts<'_>) {
        let d = &self.default_link;
        check_link_numbers(p, "default_link", d.latency_ms, d.jitter_ms, d.loss);
        let mut pairs: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (
            i,
            Link {
                a,
                b,
                latency_ms,
                jitter_ms,
                loss,
            },
        ) in self.links.iter().enumerate()
        {
            let path = format!("links[{i}]");
            p.host_ref(hosts, format!("{path}.a"), a);
            p.host_ref(hosts, format!("{path}.b"), b);
            let (x, y) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
            if x == y {
                p.push(format!("{path}.b"), "a link joins two different hosts");
            }
            let key = if x <= y { (x, y) } else { (y, x) };
            if let Some(first) = pairs.get(&key) {
                p.push(
                    path.clone(),
                    format!("duplicate link (also links[{first}])"),
                );
            } else {
                pairs.insert(key, i);
            }
            check_link_numbers(p, &path, *latency_ms, *jitter_ms, *loss);
        }
    }

    fn check_messages(&self, p: &mut Problems, hosts: &Hosts<'_>) {
        if self.messages.len() > MAX_MESSAGES {
            p.push(
                "messages",
                format!(
                    "{} messages; a scenario may have at most {MAX_MESSAGES}",
                    self.messages.len()
                ),
            );
        }
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, m) in self.messages.iter().enumerate() {
            if let Some(first) = ids.get(m.id.as_str()) {
                p.push(
                    format!("messages[{i}].id"),
                    format!("duplicate message id `{}` (also messages[{first}])", m.id),
                );
            } else {
                ids.insert(m.id.as_str(), i);
            }
            check_message(p, hosts, i, m, self.horizon_secs);
        }
    }
}

fn check_link_numbers(p: &mut Problems, path: &str, latency: u64, jitter: u64, loss: f64) {
    if latency > MAX_LINK_MS {
        p.push(
            format!("{path}.latency_ms"),
            format!("expected milliseconds 0..={MAX_LINK_MS}"),
        );
    }
    if jitter > MAX_LINK_MS {
        p.push(
            format!("{path}.jitter_ms"),
            format!("expected milliseconds 0..={MAX_LINK_MS}"),
        );
    }
    p.probability(format!("{path}.loss"), loss);
}

fn check_timing(p: &mut Problems, path: &str, t: &TimingProfile) {
    if t.queue_run_delay_secs == Some(0) {
        p.push(
            format!("{path}.queue_run_delay_secs"),
            "expected a number of seconds >= 1",
        );
    }
    if t.max_queue_lifetime_secs == 0 {
        p.push(
            format!("{path}.max_queue_lifetime_secs"),
            "expected a number of seconds >= 1",
        );
    }
    if t.hop_limit == 0 || u64::from(t.hop_limit) > MAX_HOP_LIMIT {
        p.push(
            format!("{path}.hop_limit"),
            format!("expected an integer 1..={MAX_HOP_LIMIT}"),
        );
    }
    let bpath = format!("{path}.backoff");
    match &t.backoff {
        Backoff::Doubling { min_secs, max_secs } => {
            if *min_secs == 0 {
                p.push(
                    format!("{bpath}.min_secs"),
                    "expected a number of seconds >= 1",
                );
            }
            if max_secs < min_secs {
                p.push(format!("{bpath}.max_secs"), "expected at least min_secs");
            }
        }
        Backoff::Quadratic { unit_secs } => {
            if *unit_secs == 0 {
                p.push(
                    format!("{bpath}.unit_secs"),
                    "expected a number of seconds >= 1",
                );
            }
        }
        Backoff::Fixed { interval_secs } => {
            if *interval_secs == 0 {
                p.push(
                    format!("{bpath}.interval_secs"),
                    "expected a number of seconds >= 1",
                );
            }
        }
        Backoff::Rules { rules } => {
            if rules.is_empty() {
                p.push(format!("{bpath}.rules"), "expected at least one retry rule");
            }
            let mut previous = 0;
            for (i, r) in rules.iter().enumerate() {
                let rpath = format!("{bpath}.rules[{i}]");
                if r.interval_secs == 0 {
                    p.push(
                        format!("{rpath}.interval_secs"),
                        "expected a number of seconds >= 1",
                    );
                }
                if r.until_secs <= previous {
                    p.push(
                        format!("{rpath}.until_secs"),
                        "expected cutoffs in increasing order",
                    );
                }
                previous = r.until_secs;
                if !(1.0..=100.0).contains(&r.factor) {
                    p.push(format!("{rpath}.factor"), "expected a factor 1..=100");
                }
            }
        }
    }
}

fn check_policy(
    p: &mut Problems,
    hosts: &Hosts<'_>,
    profiles: &BTreeMap<String, usize>,
    i: usize,
    node: &Node,
) {
    let path = format!("nodes[{i}].policy");
    let pol = &node.policy;
    for (j, d) in pol.destination_domains.iter().enumerate() {
        if !is_domain(d) {
            p.push(format!("{path}.destination_domains[{j}]"), DOMAIN_EXPECTED);
        }
    }
    for (j, d) in pol.relay.domains.iter().enumerate() {
        if !is_domain(d) {
            p.push(format!("{path}.relay.domains[{j}]"), DOMAIN_EXPECTED);
        }
    }
    for (j, h) in pol.relay.allow_from.iter().enumerate() {
        p.host_ref(hosts, format!("{path}.relay.allow_from[{j}]"), h);
    }
    if let Some(s) = &pol.relay.smarthost {
        p.host_ref(hosts, format!("{path}.relay.smarthost"), s);
        if s.eq_ignore_ascii_case(&node.name) {
            p.push(
                format!("{path}.relay.smarthost"),
                "a host cannot be its own smarthost",
            );
        }
    }
    check_routing(p, &path, node);
    check_ports(p, &path, node);
    if pol.size_limit == Some(0) {
        p.push(
            format!("{path}.size_limit"),
            "expected a number of bytes >= 1",
        );
    }
    if pol.auth_required && pol.credentials.is_empty() {
        p.push(
            format!("{path}.credentials"),
            "auth_required is set but no credentials are given",
        );
    }
    for (j, c) in pol.credentials.iter().enumerate() {
        if c.user.is_empty() {
            p.push(
                format!("{path}.credentials[{j}].user"),
                "expected a user name",
            );
        }
    }
    if let Some(g) = &pol.greylisting {
        if g.delay_secs > 86_400 {
            p.push(
                format!("{path}.greylisting.delay_secs"),
                "expected seconds 0..=86400",
            );
        }
    }
    let mut boxes: BTreeMap<String, usize> = BTreeMap::new();
    for (j, m) in pol.mailboxes.iter().enumerate() {
        let mpath = format!("{path}.mailboxes[{j}]");
        if !is_mailbox(&m.address) {
            p.push(format!("{mpath}.address"), MAILBOX_EXPECTED);
            continue;
        }
        if let Some(first) = boxes.get(&m.address) {
            p.push(
                format!("{mpath}.address"),
                format!("duplicate mailbox (also mailboxes[{first}])"),
            );
        } else {
            boxes.insert(m.address.clone(), j);
        }
        let domain = m
            .address
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or_default();
        if !pol
            .destination_domains
            .iter()
            .any(|d| d.eq_ignore_ascii_case(domain))
        {
            p.push(
                format!("{mpath}.address"),
                format!("domain `{domain}` is not in this host's destination_domains"),
            );
        }
    }
    if let Some(h) = pol.hop_limit {
        if h == 0 || h > MAX_HOP_LIMIT {
            p.push(
                format!("{path}.hop_limit"),
                format!("expected an integer 1..={MAX_HOP_LIMIT}"),
            );
        }
    }
    if !BUILTIN_PROFILES.contains(&pol.timing.as_str()) && !profiles.contains_key(&pol.timing) {
        p.push(
            format!("{path}.timing"),
            format!(
                "unknown timing profile `{}`; expected one of postfix, opensmtpd, exim, rfc5321 or a name from profiles",
                pol.timing
            ),
        );
    }
}

/// Where the host sends: a smarthost on a port, or the MX directly.
fn check_routing(p: &mut Problems, path: &str, node: &Node) {
    let relay = &node.policy.relay;
    if relay.direct_to_mx {
        if node.role != Role::Mua {
            p.push(
                format!("{path}.relay.direct_to_mx"),
                "only a MUA chooses this: any other host without a smarthost sends to the MX",
            );
        } else if relay.smarthost.is_some() {
            p.push(
                format!("{path}.relay.direct_to_mx"),
                "a MUA sends either to its smarthost or direct to the MX, not both",
            );
        }
    } else if node.role == Role::Mua && relay.smarthost.is_none() {
        p.push(
            format!("{path}.relay.smarthost"),
            "a MUA needs a smarthost (the submission server it sends to), or direct_to_mx",
        );
    }
    if let Some(port) = relay.smarthost_port {
        p.port(format!("{path}.relay.smarthost_port"), port);
        if relay.smarthost.is_none() {
            p.push(
                format!("{path}.relay.smarthost_port"),
                "a smarthost_port needs a smarthost",
            );
        }
    }
}

/// The ports the host listens on.
fn check_ports(p: &mut Problems, path: &str, node: &Node) {
    let Some(ports) = &node.policy.ports else {
        return;
    };
    if !ports.is_empty() && matches!(node.role, Role::Mua | Role::Resolver) {
        p.push(
            format!("{path}.ports"),
            "only mail servers (submission, relay, mx) listen for SMTP",
        );
    }
    let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
    for (j, &port) in ports.iter().enumerate() {
        let ppath = format!("{path}.ports[{j}]");
        p.port(ppath.clone(), port);
        if let Some(first) = seen.get(&port) {
            p.push(
                ppath,
                format!("duplicate port {port} (also ports[{first}])"),
            );
        } else {
            seen.insert(port, j);
        }
    }
}

fn check_message(p: &mut Problems, hosts: &Hosts<'_>, i: usize, m: &MessageSpec, horizon: u64) {
    let path = format!("messages[{i}]");
    if m.id.is_empty() {
        p.push(format!("{path}.id"), "expected a message id");
    }
    if let Some(role) = p.host_ref(hosts, format!("{path}.from"), &m.from) {
        if role != Role::Mua {
            p.push(
                format!("{path}.from"),
                format!("host `{}` is not a MUA", m.from),
            );
        }
    }
    if m.at_secs > horizon {
        p.push(
            format!("{path}.at_secs"),
            format!("expected a time within the horizon (0..={horizon})"),
        );
    }
    if !is_mailbox(&m.mail_from) {
        p.push(format!("{path}.mail_from"), MAILBOX_EXPECTED);
    }
    if m.rcpt_to.is_empty() {
        p.push(format!("{path}.rcpt_to"), "expected at least one recipient");
    }
    if m.rcpt_to.len() > MAX_RECIPIENTS {
        p.push(
            format!("{path}.rcpt_to"),
            format!("at most {MAX_RECIPIENTS} recipients"),
        );
    }
    for (j, r) in m.rcpt_to.iter().enumerate() {
        if !is_mailbox(r) {
            p.push(format!("{path}.rcpt_to[{j}]"), MAILBOX_EXPECTED);
        }
    }
    for (j, h) in m.headers.iter().enumerate() {
        if h.name.is_empty() || !h.name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            p.push(
                format!("{path}.headers[{j}].name"),
                "expected a header field name (RFC 5322 §3.6.8)",
            );
        }
        if h.value.contains(['\r', '\n']) {
            p.push(
                format!("{path}.headers[{j}].value"),
                "a header value is one line",
            );
        }
    }
    if m.body.len() > MAX_BODY_BYTES {
        p.push(
            format!("{path}.body"),
            format!(
                "{} bytes; a body may have at most {MAX_BODY_BYTES}",
                m.body.len()
            ),
        );
    }
}

fn check_fault(p: &mut Problems, hosts: &Hosts<'_>, path: &str, f: &FaultSpec, horizon: u64) {
    if f.at_secs > horizon {
        p.push(
            format!("{path}.at_secs"),
            format!("expected a time within the horizon (0..={horizon})"),
        );
    }
    if let Some(u) = f.until_secs {
        if u <= f.at_secs {
            p.push(
                format!("{path}.until_secs"),
                "expected a time after at_secs",
            );
        }
    }
    if let Some(pr) = f.probability {
        p.probability(format!("{path}.probability"), pr);
    }
    let fp = format!("{path}.fault");
    match &f.fault {
        Fault::HostDown { host, .. }
        | Fault::HostCrash { host, .. }
        | Fault::Greylisting { host }
        | Fault::DiskFull { host }
        | Fault::TlsFailure { host }
        | Fault::AuthFailure { host }
        | Fault::Tarpit { host, .. }
        | Fault::SizeLimit { host, .. } => {
            p.host_ref(hosts, format!("{fp}.host"), host);
        }
        Fault::OutboundPortBlocked { host, port, .. } => {
            p.host_ref(hosts, format!("{fp}.host"), host);
            p.port(format!("{fp}.port"), *port);
        }
        Fault::MailboxFull { host, mailbox } => {
            p.host_ref(hosts, format!("{fp}.host"), host);
            if !is_mailbox(mailbox) {
                p.push(format!("{fp}.mailbox"), MAILBOX_EXPECTED);
            }
        }
        Fault::ForcedReply {
            host,
            code,
            probability,
            ..
        } => {
            p.host_ref(hosts, format!("{fp}.host"), host);
            if !FORCEABLE_CODES.contains(code) {
                let codes: Vec<String> = FORCEABLE_CODES.iter().map(u16::to_string).collect();
                p.push(
                    format!("{fp}.code"),
                    format!("expected one of {}", codes.join(", ")),
                );
            }
            p.probability(format!("{fp}.probability"), *probability);
        }
        Fault::LinkPartition { a, b }
        | Fault::LinkLatency { a, b, .. }
        | Fault::LinkLoss { a, b, .. } => {
            p.host_ref(hosts, format!("{fp}.a"), a);
            p.host_ref(hosts, format!("{fp}.b"), b);
            if let Fault::LinkLoss { loss, .. } = &f.fault {
                p.probability(format!("{fp}.loss"), *loss);
            }
            if let Fault::LinkLatency { latency_ms, .. } = &f.fault {
                if *latency_ms > MAX_LINK_MS {
                    p.push(
                        format!("{fp}.latency_ms"),
                        format!("expected milliseconds 0..={MAX_LINK_MS}"),
                    );
                }
            }
        }
        Fault::DnsFailure { domain, status } => {
            if let Some(d) = domain {
                if !is_domain(d) {
                    p.push(format!("{fp}.domain"), DOMAIN_EXPECTED);
                }
            }
            if !matches!(status, DnsStatus::Servfail | DnsStatus::Timeout) {
                p.push(format!("{fp}.status"), "expected servfail or timeout");
            }
        }
    }
}
