//! The preset scenarios, compiled in: each a scenario file under
//! `scenarios/` with its lesson text.

use serde_json::json;

use crate::scenario::{Scenario, ScenarioError};

/// `(file stem, JSON text)` of every preset, in teaching order.
pub const PRESETS: [(&str, &str); 19] = [
    ("hello-smtp", include_str!("../scenarios/hello-smtp.json")),
    (
        "submission-starttls-auth",
        include_str!("../scenarios/submission-starttls-auth.json"),
    ),
    (
        "submission-ports",
        include_str!("../scenarios/submission-ports.json"),
    ),
    (
        "expiry-bounce",
        include_str!("../scenarios/expiry-bounce.json"),
    ),
    (
        "smtp-smuggling",
        include_str!("../scenarios/smtp-smuggling.json"),
    ),
    (
        "relay-via-smarthost",
        include_str!("../scenarios/relay-via-smarthost.json"),
    ),
    ("mx-fallback", include_str!("../scenarios/mx-fallback.json")),
    (
        "retry-until-mx-returns",
        include_str!("../scenarios/retry-until-mx-returns.json"),
    ),
    (
        "unknown-user-bounce",
        include_str!("../scenarios/unknown-user-bounce.json"),
    ),
    ("greylisting", include_str!("../scenarios/greylisting.json")),
    ("null-mx", include_str!("../scenarios/null-mx.json")),
    ("mail-loop", include_str!("../scenarios/mail-loop.json")),
    (
        "several-recipients",
        include_str!("../scenarios/several-recipients.json"),
    ),
    (
        "bcc-envelope-vs-headers",
        include_str!("../scenarios/bcc-envelope-vs-headers.json"),
    ),
    (
        "dmarc-spoofing",
        include_str!("../scenarios/dmarc-spoofing.json"),
    ),
    (
        "forwarding-spf-dkim",
        include_str!("../scenarios/forwarding-spf-dkim.json"),
    ),
    (
        "mailing-list-dmarc",
        include_str!("../scenarios/mailing-list-dmarc.json"),
    ),
    ("open-relay", include_str!("../scenarios/open-relay.json")),
    (
        "rfc1047-duplicate",
        include_str!("../scenarios/rfc1047-duplicate.json"),
    ),
];

/// Why a preset cannot be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PresetError {
    /// No preset has this name.
    #[error("no preset named {0}")]
    Unknown(String),
    /// The preset's scenario does not load (a test of the presets
    /// catches this before a release).
    #[error("preset {name} is invalid: {source}")]
    Invalid {
        /// The preset's name.
        name: &'static str,
        /// Why its scenario does not load.
        source: ScenarioError,
    },
}

/// The preset with this file stem, parsed and validated.
pub fn preset(name: &str) -> Result<Scenario, PresetError> {
    let (name, json) = PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| PresetError::Unknown(name.to_string()))?;
    Scenario::from_json(json).map_err(|source| PresetError::Invalid { name, source })
}

/// A preset's title (its scenario's `name`, or its own name if that is
/// empty or it does not load), read once: a page lists the presets at
/// every redraw.
pub fn title(name: &str) -> Option<&'static str> {
    static TITLES: std::sync::OnceLock<Vec<(&'static str, String)>> = std::sync::OnceLock::new();
    let titles = TITLES.get_or_init(|| {
        PRESETS
            .iter()
            .map(|(n, json)| {
                let title = Scenario::from_json(json)
                    .ok()
                    .map(|s| s.name)
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| n.to_string());
                (*n, title)
            })
            .collect()
    });
    titles
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| t.as_str())
}

/// The same scenario on noisy links: every link (and the default link)
/// gets `jitter_ms` of jitter and `loss` packet loss on top of what it has.
/// Used to check that runs stay deterministic when the seeded RNG matters,
/// and for sweeps over seeds.
pub fn noisy(mut scenario: Scenario, jitter_ms: u64, loss: f64) -> Scenario {
    let l = &mut scenario.default_link;
    l.jitter_ms = l.jitter_ms.saturating_add(jitter_ms);
    l.loss = (l.loss + loss).clamp(0.0, 1.0);
    for l in &mut scenario.links {
        l.jitter_ms = l.jitter_ms.saturating_add(jitter_ms);
        l.loss = (l.loss + loss).clamp(0.0, 1.0);
    }
    scenario
}

/// The same scenario with `messages` copies of its first message, all
/// submitted at t = 0 and a day's horizon: one host holds them all in its
/// queue at once (a load for tests and benchmarks; built directly, as a
/// million messages are past a scenario file's size limit).
pub fn burst(mut scenario: Scenario, messages: usize) -> Scenario {
    if let Some(template) = scenario.messages.first().cloned() {
        scenario.messages = (0..messages)
            .map(|i| {
                let mut m = template.clone();
                m.id = format!("m{i}");
                m.at_secs = 0;
                m
            })
            .collect();
    }
    scenario.horizon_secs = 86_400;
    scenario
}

/// `domains` MX hosts each with one mailbox, one submission server, one
/// MUA, and `messages` messages spread over the domains and over the first
/// hour; 10% of the MX hosts are down for that hour: the engine's
/// benchmark, natively and in the browser.
pub fn network(domains: usize, messages: usize) -> Result<Scenario, ScenarioError> {
    let mut nodes = vec![
        json!({"name": "mua.example.com", "role": "mua", "policy": {"relay": {"smarthost": "smtp.example.com"}}}),
        json!({"name": "smtp.example.com", "role": "submission", "addresses": ["10.0.0.1"],
               "policy": {"relay": {"allow_from": ["mua.example.com"]}}}),
        json!({"name": "resolver.example.net", "role": "resolver"}),
    ];
    let mut zone = Vec::new();
    let mut faults = Vec::new();
    for d in 0..domains {
        let (host, domain) = (format!("mx.d{d}.example"), format!("d{d}.example"));
        let addr = format!("10.1.{}.{}", d / 250, d % 250 + 1);
        nodes.push(json!({"name": host, "role": "mx", "addresses": [addr],
            "policy": {"destination_domains": [domain], "mailboxes": [{"address": format!("user@{domain}")}]}}));
        zone.push(json!({"name": domain, "mx": [{"preference": 10, "exchange": host}]}));
        zone.push(json!({"name": host, "a": [addr]}));
        if d % 10 == 0 {
            faults.push(json!({"at_secs": 0, "until_secs": 3600, "fault": {"kind": "host_down", "host": host}}));
        }
    }
    let msgs: Vec<_> = (0..messages)
        .map(|i| {
            json!({"id": format!("m{i}"), "from": "mua.example.com", "at_secs": i % 3600,
            "mail_from": "alice@example.com", "rcpt_to": [format!("user@d{}.example", i % domains)],
            "headers": [{"name": "Subject", "value": "bench"}], "body": "x\r\n"})
        })
        .collect();
    let s = json!({"horizon_secs": 86400, "nodes": nodes,
        "dns": {"resolver": "resolver.example.net", "domains": zone},
        "messages": msgs, "faults": faults});
    Scenario::from_json(&s.to_string())
}
