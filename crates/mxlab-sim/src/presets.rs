//! The preset scenarios, compiled in: each a scenario file under
//! `scenarios/` with its lesson text.

use crate::scenario::{Scenario, ScenarioError};

/// `(file stem, JSON text)` of every preset, in teaching order.
pub const PRESETS: [(&str, &str); 14] = [
    ("hello-smtp", include_str!("../scenarios/hello-smtp.json")),
    (
        "submission-starttls-auth",
        include_str!("../scenarios/submission-starttls-auth.json"),
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
        "rfc1047-duplicate",
        include_str!("../scenarios/rfc1047-duplicate.json"),
    ),
];

/// The preset with this file stem, parsed and validated.
pub fn preset(name: &str) -> Option<Result<Scenario, ScenarioError>> {
    PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, json)| Scenario::from_json(json))
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
