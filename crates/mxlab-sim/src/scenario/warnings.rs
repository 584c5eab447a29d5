//! Warnings: what is legal in a scenario but probably not meant, each with
//! its JSON path, as [`Scenario::validate`] reports problems. A warning
//! never stops a scenario from loading or changes how it runs.
//!
//! The checks follow the simulation's own routing: an MX exchange leads
//! to the host whose address its A/AAAA records hold (as
//! [`crate::dns::Zone`] answers), a domain without an MX falls back to its
//! own address (the implicit MX of RFC 5321 §5.1), and a host that is no
//! destination for a domain passes its mail on by MX, or to its smarthost.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use super::load::Problem;
use super::{DnsDomain, DnsStatus, Role, Scenario};

/// The zone and the hosts, indexed by lower-case name and by address.
struct Network<'a> {
    scenario: &'a Scenario,
    /// dns.domains by lower-case name (the first of duplicates).
    zone: BTreeMap<String, &'a DnsDomain>,
    /// Hosts (their index in `nodes`) by address.
    by_address: BTreeMap<IpAddr, usize>,
    /// Hosts by lower-case name.
    by_name: BTreeMap<String, usize>,
}

/// Where an MX exchange (or a domain's own address) leads.
enum Reach {
    /// To these hosts.
    Hosts(Vec<usize>),
    /// The name is in the zone with a failing status: a fault the author
    /// wrote on purpose, not a slip.
    Failing,
    /// The zone has no A/AAAA record for it.
    NoAddress,
    /// Its addresses belong to no host.
    Nobody(Vec<String>),
}

impl<'a> Network<'a> {
    fn new(scenario: &'a Scenario) -> Self {
        let mut zone = BTreeMap::new();
        for d in &scenario.dns.domains {
            zone.entry(lower(&d.name)).or_insert(d);
        }
        let mut by_address = BTreeMap::new();
        let mut by_name = BTreeMap::new();
        for (i, n) in scenario.nodes.iter().enumerate() {
            by_name.entry(lower(&n.name)).or_insert(i);
            for a in &n.addresses {
                if let Ok(ip) = a.parse::<IpAddr>() {
                    by_address.entry(ip).or_insert(i);
                }
            }
        }
        Network {
            scenario,
            zone,
            by_address,
            by_name,
        }
    }

    fn node_name(&self, i: usize) -> &str {
        self.scenario.nodes.get(i).map_or("", |n| n.name.as_str())
    }

    /// The hosts `name`'s A/AAAA records lead to.
    fn reach(&self, name: &str) -> Reach {
        let Some(d) = self.zone.get(&lower(name)) else {
            return Reach::NoAddress;
        };
        if d.status != DnsStatus::Ok {
            return Reach::Failing;
        }
        let addresses: Vec<&String> = d.a.iter().chain(&d.aaaa).collect();
        if addresses.is_empty() {
            return Reach::NoAddress;
        }
        let mut hosts: Vec<usize> = addresses
            .iter()
            .filter_map(|a| a.parse::<IpAddr>().ok())
            .filter_map(|ip| self.by_address.get(&ip).copied())
            .collect();
        hosts.sort_unstable();
        hosts.dedup();
        if hosts.is_empty() {
            Reach::Nobody(addresses.into_iter().cloned().collect())
        } else {
            Reach::Hosts(hosts)
        }
    }

    /// Whether some host may look up `domain`'s MX: a mail server without
    /// a smarthost that is no destination for it, or a MUA sending direct
    /// to the MX. When none does, the domain needs no DNS records (mail
    /// for it goes from smarthost to smarthost, or stays where it is).
    fn looked_up(&self, domain: &str) -> bool {
        self.scenario.nodes.iter().any(|n| match n.role {
            Role::Mua => n.policy.relay.direct_to_mx,
            Role::Resolver => false,
            Role::Submission | Role::Relay | Role::Mx => {
                n.policy.relay.smarthost.is_none()
                    && !n
                        .policy
                        .destination_domains
                        .iter()
                        .any(|d| d.eq_ignore_ascii_case(domain))
            }
        })
    }

    /// The hosts mail for `domain` arrives at through DNS, and those they
    /// pass it to by smarthost; `None` when the domain declares on purpose
    /// that it takes no mail (a null MX) or its lookup fails (a status
    /// other than `ok`), or has no records at all.
    fn destinations(&self, domain: &str) -> Option<BTreeSet<usize>> {
        let d = self.zone.get(&lower(domain))?;
        if d.status != DnsStatus::Ok || d.mx.iter().any(|m| m.exchange == ".") {
            return None;
        }
        let mut found = BTreeSet::new();
        if d.mx.is_empty() {
            if let Reach::Hosts(h) = self.reach(&d.name) {
                found.extend(h);
            }
        }
        for m in &d.mx {
            if let Reach::Hosts(h) = self.reach(&m.exchange) {
                found.extend(h);
            }
        }
        // Mail arriving at a host that is not its destination goes on to
        // the host's smarthost (an inbound gateway before a mail hub).
        let mut next: Vec<usize> = found.iter().copied().collect();
        while let Some(i) = next.pop() {
            let hub = self
                .scenario
                .nodes
                .get(i)
                .and_then(|n| n.policy.relay.smarthost.as_deref())
                .and_then(|s| self.by_name.get(&lower(s)).copied());
            if let Some(hub) = hub {
                if found.insert(hub) {
                    next.push(hub);
                }
            }
        }
        Some(found)
    }
}

fn lower(s: &str) -> String {
    s.trim_end_matches('.').to_ascii_lowercase()
}

fn domain_of(address: &str) -> Option<&str> {
    address
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
}

impl Scenario {
    /// What is legal in this scenario but probably not meant, each with its
    /// JSON path, in the order of [`Scenario::validate`]'s problems: an MX
    /// record that leads to no host, a domain that receives mail but has no
    /// MX and no address record, a mailbox on a host that mail for its
    /// domain never reaches. Empty for every preset. A warning does not
    /// stop the scenario from loading; it is listed after the problems.
    pub fn warnings(&self) -> Vec<Problem> {
        let net = Network::new(self);
        let mut w = Vec::new();
        self.warn_mx_exchanges(&net, &mut w);
        self.warn_mailboxes(&net, &mut w);
        self.warn_domains_without_records(&net, &mut w);
        w
    }

    /// An MX whose exchange leads to no host.
    fn warn_mx_exchanges(&self, net: &Network<'_>, w: &mut Vec<Problem>) {
        for (i, d) in self.dns.domains.iter().enumerate() {
            if d.status != DnsStatus::Ok {
                continue;
            }
            for (j, m) in d.mx.iter().enumerate() {
                if m.exchange == "." {
                    continue;
                }
                let x = &m.exchange;
                let named = net.by_name.get(&lower(x)).copied();
                let why = match (net.reach(x), named) {
                    (Reach::Hosts(_) | Reach::Failing, _) => continue,
                    (Reach::NoAddress, None) => format!(
                        "no host named `{x}` in nodes and no A/AAAA record for it in dns.domains: \
                         mail for `{}` can never be delivered to this MX",
                        d.name
                    ),
                    (Reach::NoAddress, Some(n)) => {
                        let node = self.nodes.get(n);
                        let hint = node
                            .and_then(|n| n.addresses.first())
                            .map(|a| format!(" (add one with its address {a})"))
                            .unwrap_or_default();
                        format!(
                            "host `{x}` is in nodes, but dns.domains has no A/AAAA record for `{x}`: \
                             mail for `{}` cannot reach it through this MX{hint}",
                            d.name
                        )
                    }
                    (Reach::Nobody(addresses), _) => format!(
                        "`{x}` has the address {} in dns.domains, but no host in nodes has it: \
                         mail for `{}` can never be delivered to this MX",
                        addresses.join(", "),
                        d.name
                    ),
                };
                w.push(Problem::new(
                    format!("dns.domains[{i}].mx[{j}].exchange"),
                    why,
                ));
            }
        }
    }

    /// A mailbox on a host that mail for its domain never reaches: the
    /// domain's MX hosts (or its own address, without an MX) lead
    /// elsewhere. One warning per host and domain, at its first mailbox.
    fn warn_mailboxes(&self, net: &Network<'_>, w: &mut Vec<Problem>) {
        let mut destinations: BTreeMap<String, Option<BTreeSet<usize>>> = BTreeMap::new();
        for (i, node) in self.nodes.iter().enumerate() {
            let mut warned = BTreeSet::new();
            for (j, m) in node.policy.mailboxes.iter().enumerate() {
                let Some(domain) = domain_of(&m.address) else {
                    continue;
                };
                let key = lower(domain);
                let dest = destinations
                    .entry(key.clone())
                    .or_insert_with(|| net.destinations(domain));
                // No records at all is the domain's own warning.
                let Some(dest) = dest else { continue };
                if dest.is_empty() || dest.contains(&i) || !warned.insert(key) {
                    continue;
                }
                let by = match net.zone.get(&lower(domain)) {
                    Some(d) if !d.mx.is_empty() => "its MX records lead",
                    _ => "its address records lead",
                };
                let to: Vec<&str> = dest.iter().map(|&h| net.node_name(h)).collect();
                w.push(Problem::new(
                    format!("nodes[{i}].policy.mailboxes[{j}].address"),
                    format!(
                        "mail for `{domain}` never reaches `{}`: {by} to {}, so this mailbox stays empty",
                        node.name,
                        to.join(", ")
                    ),
                ));
            }
        }
    }

    /// A domain that receives mail (a recipient's, a mailbox's, one a host
    /// is destination for, or a sender's domain that is in the zone)
    /// without an MX or an address record. One warning per domain, at its
    /// first mention.
    fn warn_domains_without_records(&self, net: &Network<'_>, w: &mut Vec<Problem>) {
        let mut seen = BTreeSet::new();
        let mut check = |path: String, domain: &str, w: &mut Vec<Problem>| {
            let key = lower(domain);
            if key.is_empty() || !seen.insert(key.clone()) || !net.looked_up(&key) {
                return;
            }
            let why = match net.zone.get(&key) {
                None => format!(
                    "`{domain}` receives mail but is not in dns.domains: every lookup of it \
                     answers NXDOMAIN and mail to it bounces (add an MX record, or list it \
                     with status nxdomain if that is meant)"
                ),
                Some(d)
                    if d.status == DnsStatus::Ok
                        && d.mx.is_empty()
                        && d.a.is_empty()
                        && d.aaaa.is_empty() =>
                {
                    format!(
                        "`{domain}` receives mail but has no MX and no A/AAAA record in dns.domains: \
                         mail to it cannot be delivered (RFC 5321 §5.1)"
                    )
                }
                Some(_) => return,
            };
            w.push(Problem::new(path, why));
        };
        for (i, node) in self.nodes.iter().enumerate() {
            let path = format!("nodes[{i}].policy");
            for (j, d) in node.policy.destination_domains.iter().enumerate() {
                check(format!("{path}.destination_domains[{j}]"), d, w);
            }
            for (j, m) in node.policy.mailboxes.iter().enumerate() {
                if let Some(d) = domain_of(&m.address) {
                    check(format!("{path}.mailboxes[{j}].address"), d, w);
                }
            }
        }
        for (i, m) in self.messages.iter().enumerate() {
            for (j, r) in m.rcpt_to.iter().enumerate() {
                if let Some(d) = domain_of(r) {
                    check(format!("messages[{i}].rcpt_to[{j}]"), d, w);
                }
            }
            // A sender's domain receives its bounces; one that is nowhere
            // else in the scenario is outside the simulated world (its
            // bounces go to the bouncing host's postmaster), not a slip.
            if let Some(d) = domain_of(&m.mail_from) {
                if net.zone.contains_key(&lower(d)) {
                    check(format!("messages[{i}].mail_from"), d, w);
                }
            }
        }
    }
}
