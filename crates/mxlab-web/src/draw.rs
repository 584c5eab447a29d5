//! Drawing the network: each gesture on the stage (a host placed from the
//! palette, two hosts connected, a domain dropped on a host, something
//! deleted, a link's numbers changed) is an [`Edit`] that [`apply`] turns
//! into a new [`Scenario`], validated like any scenario text. Nothing here
//! knows the page: the state applies the edit and recomputes the run.
//!
//! An edit does what its gesture means in the scenario's own terms:
//! - a host placed gets a fresh name and address and its role's defaults
//!   (a MUA gets a message to send; the first resolver answers the zone);
//! - connecting a MUA (or a relay) to a server makes the server its
//!   smarthost and lets it relay (`policy.relay.allow_from`); connecting a
//!   resolver makes it the zone's resolver; every connection is a `links`
//!   entry with the default link's latency, jitter and loss;
//! - a domain dropped on a host is an MX record naming it (with the next
//!   preference), an A record for it, and, on an MX host, the domain as a
//!   destination with a mailbox for each recipient there; on a relay, the
//!   domain it relays for (a backup MX).

use mxlab_sim::scenario::{DnsDomain, Header, Link, Mailbox, MessageSpec, MxSpec, Node, Role};
use mxlab_sim::Scenario;

/// One change drawn on the stage.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// A new host of this role.
    AddHost(Role),
    /// A link between two hosts, from the first to the second.
    Connect(String, String),
    /// A link's numbers: (a, b, latency ms, jitter ms, loss 0..=1).
    SetLink(String, String, u64, u64, f64),
    /// An MX record of a domain naming a host.
    AddMx(String, String),
    /// The preference of a domain's MX record naming a host.
    SetPreference(String, String, u64),
    /// A host and everything that names it.
    RemoveHost(String),
    /// The link between two hosts.
    RemoveLink(String, String),
    /// A domain's MX record naming a host.
    RemoveMx(String, String),
}

/// What an edit made: the scenario, and the host it added, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    /// The scenario after the edit.
    pub scenario: Scenario,
    /// The name of the host added.
    pub added: Option<String>,
}

/// A new network with nothing in it yet: the hosts come from the palette.
pub fn new_network() -> Scenario {
    Scenario {
        name: "My network".into(),
        lesson: "Drawn with the palette: place hosts, connect them, drop a domain on its MX host."
            .into(),
        seed: 1,
        horizon_secs: 3600,
        ..crate::state::empty_scenario()
    }
}

/// The domain a host's name ends with for each role.
fn host_name(role: Role, n: usize) -> String {
    match role {
        Role::Mua => format!("mua{n}.example.com"),
        Role::Submission => format!("smtp{n}.example.com"),
        Role::Relay => format!("relay{n}.example.net"),
        Role::Mx => format!("mx{n}.example.org"),
        Role::Resolver => format!("resolver{n}.example.net"),
    }
}

/// The first name of `role`'s pattern no host has.
fn fresh_name(s: &Scenario, role: Role) -> String {
    (1..)
        .map(|n| host_name(role, n))
        .find(|name| !s.nodes.iter().any(|h| h.name.eq_ignore_ascii_case(name)))
        .unwrap_or_default()
}

/// The first documentation address (RFC 5737) no host has.
fn fresh_address(s: &Scenario) -> String {
    ["192.0.2", "198.51.100", "203.0.113"]
        .iter()
        .flat_map(|net| (1..255).map(move |i| format!("{net}.{i}")))
        .find(|a| !s.nodes.iter().any(|h| h.addresses.contains(a)))
        .unwrap_or_else(|| "192.0.2.255".into())
}

/// The domains mail is sent to or routed for: the zone's names that are
/// not a host's own name, then the recipients' domains, each once.
pub fn domains(s: &Scenario) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let zone = s.dns.domains.iter().map(|d| d.name.to_ascii_lowercase());
    let zone = zone.filter(|d| !s.nodes.iter().any(|n| n.name.eq_ignore_ascii_case(d)));
    // `_dmarc.example.org`, `s1._domainkey.example.org`: names of TXT
    // records, never a mail domain.
    let zone = zone.filter(|d| !d.split('.').any(|l| l.starts_with('_')));
    let rcpts = s.messages.iter().flat_map(|m| m.rcpt_to.iter());
    let rcpts = rcpts.filter_map(|r| r.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()));
    for d in zone.chain(rcpts) {
        if !d.is_empty() && !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// The MX records of every domain that name `host`: (domain, preference).
pub fn mx_of(s: &Scenario, host: &str) -> Vec<(String, u64)> {
    s.dns
        .domains
        .iter()
        .flat_map(|d| {
            d.mx.iter()
                .filter(|m| m.exchange.eq_ignore_ascii_case(host))
                .map(|m| (d.name.clone(), m.preference))
        })
        .collect()
}

/// The link listed between `a` and `b` (either way round).
pub fn link_of<'a>(s: &'a Scenario, a: &str, b: &str) -> Option<&'a Link> {
    s.links.iter().find(|l| same_pair(l, a, b))
}

fn same_pair(l: &Link, a: &str, b: &str) -> bool {
    (l.a.eq_ignore_ascii_case(a) && l.b.eq_ignore_ascii_case(b))
        || (l.a.eq_ignore_ascii_case(b) && l.b.eq_ignore_ascii_case(a))
}

fn node_mut<'a>(s: &'a mut Scenario, name: &str) -> Option<&'a mut Node> {
    s.nodes
        .iter_mut()
        .find(|n| n.name.eq_ignore_ascii_case(name))
}

fn role_of(s: &Scenario, name: &str) -> Option<Role> {
    s.nodes
        .iter()
        .find(|n| n.name.eq_ignore_ascii_case(name))
        .map(|n| n.role)
}

fn push_once(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x.eq_ignore_ascii_case(item)) {
        list.push(item.to_string());
    }
}

/// `edit` applied to `s`, validated; or why it cannot be.
pub fn apply(s: &Scenario, edit: &Edit) -> Result<Drawn, String> {
    let mut s = s.clone();
    let mut added = None;
    match edit {
        Edit::AddHost(role) => added = Some(add_host(&mut s, *role)?),
        Edit::Connect(a, b) => connect(&mut s, a, b)?,
        Edit::SetLink(a, b, latency_ms, jitter_ms, loss) => {
            if role_of(&s, a).is_none() || role_of(&s, b).is_none() {
                return Err(format!("no link between {a} and {b}"));
            }
            // A pair on the default link gets a link of its own.
            let link = Link {
                a: a.clone(),
                b: b.clone(),
                latency_ms: *latency_ms,
                jitter_ms: *jitter_ms,
                loss: *loss,
            };
            match s.links.iter_mut().find(|l| same_pair(l, a, b)) {
                Some(l) => (l.latency_ms, l.jitter_ms, l.loss) = (*latency_ms, *jitter_ms, *loss),
                None => s.links.push(link),
            }
        }
        Edit::AddMx(domain, host) => add_mx(&mut s, domain, host)?,
        Edit::SetPreference(domain, host, preference) => {
            let mx = s
                .dns
                .domains
                .iter_mut()
                .filter(|d| d.name.eq_ignore_ascii_case(domain))
                .flat_map(|d| d.mx.iter_mut())
                .find(|m| m.exchange.eq_ignore_ascii_case(host));
            mx.ok_or_else(|| format!("{domain} has no MX record naming {host}"))?
                .preference = *preference;
        }
        Edit::RemoveHost(host) => remove_host(&mut s, host)?,
        Edit::RemoveLink(a, b) => {
            let before = s.links.len();
            s.links.retain(|l| !same_pair(l, a, b));
            // The route the connection made goes with it.
            let unrouted = unroute(&mut s, a, b) | unroute(&mut s, b, a);
            if s.links.len() == before && !unrouted {
                return Err(format!("no link between {a} and {b}"));
            }
        }
        Edit::RemoveMx(domain, host) => remove_mx(&mut s, domain, host)?,
    }
    let problems: Vec<String> = s
        .validate()
        .into_iter()
        // A network drawn from nothing has no host for a while.
        .filter(|p| !(p.path == "nodes" && s.nodes.is_empty()))
        .map(|p| format!("{}: {}", p.path, p.message))
        .collect();
    if problems.is_empty() {
        Ok(Drawn { scenario: s, added })
    } else {
        Err(problems.join("; "))
    }
}

fn add_host(s: &mut Scenario, role: Role) -> Result<String, String> {
    if s.nodes.len() >= mxlab_sim::scenario::MAX_HOSTS {
        return Err(format!(
            "a scenario has at most {} hosts",
            mxlab_sim::scenario::MAX_HOSTS
        ));
    }
    let name = fresh_name(s, role);
    let mut node = Node {
        name: name.clone(),
        role,
        addresses: vec![fresh_address(s)],
        policy: Default::default(),
    };
    // A MUA sends straight to the MX until it is connected to a server.
    node.policy.relay.direct_to_mx = role == Role::Mua;
    s.nodes.push(node);
    match role {
        Role::Resolver if s.dns.resolver.is_none() => s.dns.resolver = Some(name.clone()),
        Role::Mua => {
            let n = (1..)
                .find(|n| !s.messages.iter().any(|m| m.id == format!("m{n}")))
                .unwrap_or(1);
            let sender = if n == 1 {
                "alice".into()
            } else {
                format!("user{n}")
            };
            let from = format!("{sender}@example.com");
            let header = |name: &str, value: String| Header {
                name: name.into(),
                value,
            };
            s.messages.push(MessageSpec {
                id: format!("m{n}"),
                from: name.clone(),
                at_secs: 1,
                mail_from: from.clone(),
                rcpt_to: vec!["bob@example.org".into()],
                headers: vec![
                    header("From", from),
                    header("To", "bob@example.org".into()),
                    header("Subject", format!("Hello from {name}")),
                ],
                body: "Hi Bob,\r\nthis network was drawn.\r\n".into(),
            });
        }
        _ => {}
    }
    Ok(name)
}

/// Where a role sits on the way of a message: a client connects to a
/// host further on.
fn rank(role: Role) -> u8 {
    match role {
        Role::Mua => 0,
        Role::Submission => 1,
        Role::Relay => 2,
        Role::Mx => 3,
        Role::Resolver => 4,
    }
}

fn connect(s: &mut Scenario, a: &str, b: &str) -> Result<(), String> {
    let (ra, rb) = (role_of(s, a), role_of(s, b));
    let (Some(ra), Some(rb)) = (ra, rb) else {
        return Err(format!(
            "no host named {}",
            if ra.is_none() { a } else { b }
        ));
    };
    if a.eq_ignore_ascii_case(b) {
        return Err("a link joins two different hosts".into());
    }
    if link_of(s, a, b).is_some() {
        return Err(format!("{a} and {b} are linked already"));
    }
    let d = &s.default_link;
    s.links.push(Link {
        a: a.to_string(),
        b: b.to_string(),
        latency_ms: d.latency_ms,
        jitter_ms: d.jitter_ms,
        loss: d.loss,
    });
    // The client is the end earlier on a message's way.
    let ((client, rc), (server, rs)) = if rank(ra) <= rank(rb) {
        ((a, ra), (b, rb))
    } else {
        ((b, rb), (a, ra))
    };
    if rs == Role::Resolver {
        if s.dns.resolver.is_none() {
            s.dns.resolver = Some(server.to_string());
        }
        return Ok(());
    }
    // A MUA submits to the server it is connected to; a submission server
    // or relay forwards to a relay (an MX is found through DNS instead).
    let smarthost = matches!(
        (rc, rs),
        (Role::Mua, Role::Submission | Role::Relay | Role::Mx)
            | (Role::Submission | Role::Relay, Role::Relay)
    );
    if smarthost {
        let relay = node_mut(s, client).map(|n| &mut n.policy.relay);
        let mua = rc == Role::Mua;
        if let Some(r) = relay.filter(|r| r.smarthost.is_none() && (mua || !r.direct_to_mx)) {
            r.smarthost = Some(server.to_string());
            r.direct_to_mx = false;
            if let Some(n) = node_mut(s, server) {
                push_once(&mut n.policy.relay.allow_from, client);
            }
        }
    }
    Ok(())
}

/// Undoes the route `client` → `server` a connection made (a MUA sends
/// straight to the MX again); whether there was one.
fn unroute(s: &mut Scenario, client: &str, server: &str) -> bool {
    let Some(n) = node_mut(s, client) else {
        return false;
    };
    if n.policy
        .relay
        .smarthost
        .as_deref()
        .is_some_and(|h| h.eq_ignore_ascii_case(server))
    {
        n.policy.relay.smarthost = None;
        n.policy.relay.smarthost_port = None;
        n.policy.relay.direct_to_mx = n.role == Role::Mua;
        if let Some(srv) = node_mut(s, server) {
            srv.policy
                .relay
                .allow_from
                .retain(|h| !h.eq_ignore_ascii_case(client));
        }
        return true;
    }
    false
}

fn add_mx(s: &mut Scenario, domain: &str, host: &str) -> Result<(), String> {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let Some(role) = role_of(s, host) else {
        return Err(format!("no host named {host}"));
    };
    if matches!(role, Role::Mua | Role::Resolver) {
        return Err(format!(
            "{host} listens on no SMTP port: only a server (an MX host or a relay) can be an MX"
        ));
    }
    if domain.is_empty() {
        return Err("a domain name is needed".into());
    }
    let address = {
        let n = node_mut(s, host).ok_or_else(|| format!("no host named {host}"))?;
        let address = n.addresses.first().cloned();
        match address {
            Some(a) => a,
            None => {
                let a = fresh_address(s);
                if let Some(n) = node_mut(s, host) {
                    n.addresses.push(a.clone());
                }
                a
            }
        }
    };
    let entry = |s: &mut Scenario, name: &str| -> usize {
        match s
            .dns
            .domains
            .iter()
            .position(|d| d.name.eq_ignore_ascii_case(name))
        {
            Some(i) => i,
            None => {
                s.dns.domains.push(DnsDomain {
                    name: name.to_string(),
                    mx: Vec::new(),
                    a: Vec::new(),
                    aaaa: Vec::new(),
                    txt: Vec::new(),
                    status: Default::default(),
                });
                s.dns.domains.len() - 1
            }
        }
    };
    let i = entry(s, &domain);
    let Some(d) = s.dns.domains.get_mut(i) else {
        return Err(format!("no domain {domain}"));
    };
    if d.mx.iter().any(|m| m.exchange.eq_ignore_ascii_case(host)) {
        return Err(format!("{host} is an MX of {domain} already"));
    }
    // A null MX gives way to a real one.
    d.mx.retain(|m| m.exchange != ".");
    let preference =
        d.mx.iter()
            .map(|m| m.preference)
            .max()
            .map_or(10, |p| p + 10);
    d.mx.push(MxSpec {
        preference,
        exchange: host.to_string(),
    });
    let j = entry(s, host);
    if let Some(a) = s.dns.domains.get_mut(j) {
        if a.a.is_empty() && a.aaaa.is_empty() {
            a.a.push(address);
        }
    }
    // Who has a mailbox already, and who is sent mail at the domain.
    let boxed: Vec<String> = s
        .nodes
        .iter()
        .flat_map(|n| {
            n.policy
                .mailboxes
                .iter()
                .map(|m| m.address.to_ascii_lowercase())
        })
        .collect();
    let suffix = format!("@{domain}");
    let mut wanted: Vec<String> = Vec::new();
    for r in s.messages.iter().flat_map(|m| m.rcpt_to.iter()) {
        let r = r.to_ascii_lowercase();
        if r.ends_with(&suffix) && !boxed.contains(&r) && !wanted.contains(&r) {
            wanted.push(r);
        }
    }
    if let Some(n) = node_mut(s, host) {
        match role {
            Role::Mx => {
                push_once(&mut n.policy.destination_domains, &domain);
                n.policy
                    .mailboxes
                    .extend(wanted.into_iter().map(|address| Mailbox {
                        address,
                        quota_bytes: None,
                        forward_to: None,
                        list: None,
                    }));
            }
            Role::Relay | Role::Submission => push_once(&mut n.policy.relay.domains, &domain),
            _ => {}
        }
    }
    Ok(())
}

fn remove_mx(s: &mut Scenario, domain: &str, host: &str) -> Result<(), String> {
    let d = s
        .dns
        .domains
        .iter_mut()
        .find(|d| d.name.eq_ignore_ascii_case(domain))
        .ok_or_else(|| format!("no domain {domain}"))?;
    let before = d.mx.len();
    d.mx.retain(|m| !m.exchange.eq_ignore_ascii_case(host));
    if d.mx.len() == before {
        return Err(format!("{domain} has no MX record naming {host}"));
    }
    // A relay no longer relays for it; an MX host keeps the domain's
    // mailboxes (and the domain with them).
    if let Some(n) = node_mut(s, host) {
        n.policy
            .relay
            .domains
            .retain(|x| !x.eq_ignore_ascii_case(domain));
    }
    Ok(())
}

fn remove_host(s: &mut Scenario, host: &str) -> Result<(), String> {
    let before = s.nodes.len();
    s.nodes.retain(|n| !n.name.eq_ignore_ascii_case(host));
    if s.nodes.len() == before {
        return Err(format!("no host named {host}"));
    }
    let is = |x: &str| x.eq_ignore_ascii_case(host);
    s.links.retain(|l| !is(&l.a) && !is(&l.b));
    for n in &mut s.nodes {
        let r = &mut n.policy.relay;
        if r.smarthost.as_deref().is_some_and(is) {
            r.smarthost = None;
            r.smarthost_port = None;
            r.direct_to_mx = n.role == Role::Mua;
        }
        r.allow_from.retain(|h| !is(h));
    }
    if s.dns.resolver.as_deref().is_some_and(is) {
        // Another resolver takes over, if there is one.
        s.dns.resolver = s
            .nodes
            .iter()
            .find(|n| n.role == Role::Resolver)
            .map(|n| n.name.clone());
    }
    for d in &mut s.dns.domains {
        d.mx.retain(|m| !is(&m.exchange));
    }
    s.dns.domains.retain(|d| !is(&d.name));
    s.messages.retain(|m| !is(&m.from));
    // A fault that strikes the host, or its links, goes too. (Read in
    // the JSON the scenario is written in: one serialiser in the bundle.)
    let quoted = format!("\"{}\"", host.to_ascii_lowercase());
    s.faults.retain(|f| {
        serde_json::to_string_pretty(&f.fault)
            .map_or(true, |j| !j.to_ascii_lowercase().contains(&quoted))
    });
    Ok(())
}

#[cfg(test)]
mod tests;
