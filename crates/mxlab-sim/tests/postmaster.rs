//! RFC 5321 §4.5.1: every host that relays or delivers mail accepts
//! `RCPT TO:<Postmaster>` (no domain, any case) and `postmaster@` each of
//! its destination domains, even when the scenario lists no such mailbox.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use mxlab_sim::console::Console;
use mxlab_sim::trace::EventKind;
use mxlab_sim::{presets, Scenario, Sim, SimTime};

fn hello() -> Scenario {
    presets::preset("hello-smtp").unwrap()
}

/// The replies of a console session with `host` typed line by line.
fn typed(scenario: &Scenario, host: &str, lines: &[&str]) -> (Console, Vec<String>) {
    let node = scenario.nodes.iter().find(|n| n.name == host).unwrap();
    let (mut console, greeting) = Console::open(node, SimTime::from_secs(5));
    let mut replies = vec![String::from_utf8_lossy(&greeting).into_owned()];
    for line in lines {
        let out = console.type_bytes(format!("{line}\r\n").as_bytes());
        replies.push(String::from_utf8_lossy(&out).into_owned());
    }
    (console, replies)
}

#[test]
fn postmaster_without_a_domain_is_accepted_in_any_case_by_every_host() {
    let scenario = hello();
    // The MX (a destination) and the submission server (a relay with no
    // destination domain of its own).
    for host in ["mx.example.org", "smtp.example.com"] {
        for rcpt in ["<Postmaster>", "<postmaster>", "<POSTMASTER>"] {
            let (_, replies) = typed(
                &scenario,
                host,
                &[
                    "EHLO client.example.net",
                    "MAIL FROM:<someone@example.net>",
                    &format!("RCPT TO:{rcpt}"),
                ],
            );
            assert!(replies[3].starts_with("250"), "{host} {rcpt}: {replies:?}");
        }
    }
}

#[test]
fn postmaster_at_a_destination_domain_is_accepted_without_a_listed_mailbox() {
    let scenario = hello();
    let (_, replies) = typed(
        &scenario,
        "mx.example.org",
        &[
            "EHLO client.example.net",
            "MAIL FROM:<someone@example.net>",
            "RCPT TO:<PostMaster@Example.ORG>",
            "RCPT TO:<nobody@example.org>",
        ],
    );
    assert!(replies[3].starts_with("250"), "{replies:?}");
    // An address that is not the postmaster still needs a mailbox.
    assert!(replies[4].starts_with("550"), "{replies:?}");
}

#[test]
fn postmaster_of_another_domain_is_still_subject_to_relay_rules() {
    let scenario = hello();
    let (_, replies) = typed(
        &scenario,
        "mx.example.org",
        &[
            "EHLO client.example.net",
            "MAIL FROM:<someone@example.net>",
            "RCPT TO:<postmaster@elsewhere.example>",
        ],
    );
    assert!(replies[3].starts_with("554"), "{replies:?}");
}

#[test]
fn mail_to_postmaster_at_a_destination_domain_is_delivered_across_the_network() {
    let mut scenario = hello();
    scenario.messages[0].rcpt_to = vec!["postmaster@example.org".into()];
    let mut sim = Sim::new(scenario, 1);
    assert!(sim.run_to_quiescence());
    let delivered: Vec<_> = sim
        .trace()
        .without_lines()
        .filter_map(|(_, e)| match e.kind {
            EventKind::Deliver { to, .. } => Some(to.to_string()),
            _ => None,
        })
        .collect();
    assert!(
        delivered
            .iter()
            .any(|to| to.eq_ignore_ascii_case("postmaster@example.org")),
        "{delivered:?}"
    );
    assert_eq!(sim.summary().bounced, 0);
    let mx = sim.host("mx.example.org").unwrap();
    assert_eq!(
        mx.mailboxes.get("postmaster@example.org").map(Vec::len),
        Some(1)
    );
}

#[test]
fn mail_typed_to_postmaster_stays_on_the_host_that_accepted_it() {
    let scenario = hello();
    let (console, replies) = typed(
        &scenario,
        "smtp.example.com",
        &[
            "EHLO client.example.net",
            "MAIL FROM:<someone@example.net>",
            "RCPT TO:<Postmaster>",
            "DATA",
            "Subject: hi\r\n\r\nhello postmaster\r\n.",
        ],
    );
    assert!(replies[5].starts_with("250"), "{replies:?}");
    let message = console.accepted().first().unwrap().clone();
    let mut sim = Sim::new(scenario, 1);
    assert_eq!(
        sim.accept("smtp.example.com", &message, "typed", SimTime::from_secs(5)),
        Ok(())
    );
    assert!(sim.run_to_quiescence());
    let host = sim.host("smtp.example.com").unwrap();
    assert_eq!(host.mailboxes.get("postmaster").map(Vec::len), Some(1));
    assert_eq!(sim.summary().bounced, 0);
}
