use std::rc::Rc;

use mxlab_sim::scenario::Role;

use super::*;
use crate::lab::Run;

/// Applies `edits` in turn from a new network, each one valid.
fn drawn(edits: &[Edit]) -> (Scenario, Vec<String>) {
    let mut s = new_network();
    let mut added = Vec::new();
    for e in edits {
        let d = apply(&s, e).unwrap_or_else(|why| panic!("{e:?}: {why}"));
        added.extend(d.added);
        s = d.scenario;
    }
    (s, added)
}

fn three_hosts() -> Vec<Edit> {
    vec![
        Edit::AddHost(Role::Mua),
        Edit::AddHost(Role::Submission),
        Edit::AddHost(Role::Mx),
        Edit::AddHost(Role::Resolver),
        Edit::Connect("mua1.example.com".into(), "smtp1.example.com".into()),
        Edit::Connect("smtp1.example.com".into(), "mx1.example.org".into()),
        Edit::AddMx("example.org".into(), "mx1.example.org".into()),
    ]
}

#[test]
fn a_network_drawn_from_nothing_delivers_its_message() {
    let (s, added) = drawn(&three_hosts());
    assert_eq!(
        added,
        [
            "mua1.example.com",
            "smtp1.example.com",
            "mx1.example.org",
            "resolver1.example.net"
        ]
    );
    // It loads back from its own JSON, and runs to a delivery.
    let again = Scenario::from_json(&s.to_json()).unwrap();
    assert_eq!(again, s);
    let seed = s.seed;
    let run = Run::compute(Rc::new(s.clone()), seed, Vec::new());
    assert_eq!(run.summary.delivered, 1, "{:?}", run.summary);
    assert_eq!(
        run.mailbox_hosts.get("bob@example.org").map(String::as_str),
        Some("mx1.example.org")
    );
    // What each gesture meant.
    let mua = &s.nodes[0];
    assert_eq!(
        mua.policy.relay.smarthost.as_deref(),
        Some("smtp1.example.com")
    );
    assert_eq!(s.nodes[1].policy.relay.allow_from, ["mua1.example.com"]);
    assert_eq!(s.dns.resolver.as_deref(), Some("resolver1.example.net"));
    assert_eq!(s.links.len(), 2);
    assert_eq!(
        mx_of(&s, "mx1.example.org"),
        [("example.org".to_string(), 10)]
    );
    assert_eq!(s.nodes[2].policy.destination_domains, ["example.org"]);
}

#[test]
fn an_empty_network_runs_without_a_host() {
    let s = new_network();
    let run = Run::compute(Rc::new(s.clone()), 1, Vec::new());
    assert_eq!(run.summary.delivered, 0);
    assert_eq!(domains(&s), Vec::<String>::new());
}

#[test]
fn names_and_addresses_are_fresh() {
    let (s, added) = drawn(&[
        Edit::AddHost(Role::Mx),
        Edit::AddHost(Role::Mx),
        Edit::RemoveHost("mx1.example.org".into()),
        Edit::AddHost(Role::Mx),
        Edit::AddHost(Role::Mua),
        Edit::AddHost(Role::Mua),
    ]);
    assert_eq!(added[2], "mx1.example.org");
    let mut addresses: Vec<_> = s.nodes.iter().flat_map(|n| n.addresses.clone()).collect();
    addresses.sort();
    addresses.dedup();
    assert_eq!(addresses.len(), s.nodes.len());
    // Each MUA has a message of its own.
    let ids: Vec<_> = s.messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["m1", "m2"]);
}

#[test]
fn a_second_mx_gets_the_next_preference_and_both_are_editable() {
    let mut edits = three_hosts();
    edits.push(Edit::AddHost(Role::Relay));
    edits.push(Edit::AddMx(
        "example.org".into(),
        "relay1.example.net".into(),
    ));
    edits.push(Edit::SetPreference(
        "example.org".into(),
        "relay1.example.net".into(),
        5,
    ));
    let (s, _) = drawn(&edits);
    assert_eq!(
        mx_of(&s, "relay1.example.net"),
        [("example.org".to_string(), 5)]
    );
    assert_eq!(s.nodes[4].policy.relay.domains, ["example.org"]);
    let after = apply(
        &s,
        &Edit::RemoveMx("example.org".into(), "relay1.example.net".into()),
    )
    .unwrap()
    .scenario;
    assert!(mx_of(&after, "relay1.example.net").is_empty());
    assert!(after.nodes[4].policy.relay.domains.is_empty());
}

#[test]
fn refused_gestures_say_why_and_change_nothing() {
    let (s, _) = drawn(&three_hosts());
    let refused = |e: Edit| apply(&s, &e).unwrap_err();
    assert!(refused(Edit::Connect(
        "mx1.example.org".into(),
        "smtp1.example.com".into()
    ))
    .contains("linked already"));
    assert!(refused(Edit::Connect(
        "mx1.example.org".into(),
        "mx1.example.org".into()
    ))
    .contains("different"));
    assert!(
        refused(Edit::Connect("nowhere".into(), "mx1.example.org".into()))
            .contains("no host named nowhere")
    );
    assert!(
        refused(Edit::AddMx("example.org".into(), "mx1.example.org".into())).contains("already")
    );
    assert!(
        refused(Edit::AddMx("example.org".into(), "mua1.example.com".into()))
            .contains("no SMTP port")
    );
    assert!(refused(Edit::AddMx(" ".into(), "mx1.example.org".into())).contains("domain"));
    // Numbers out of range are the validator's problems, with their path.
    let loss = refused(Edit::SetLink(
        "mua1.example.com".into(),
        "smtp1.example.com".into(),
        20,
        0,
        1.5,
    ));
    assert!(loss.contains("links[0].loss"), "{loss}");
    assert!(refused(Edit::RemoveLink(
        "mua1.example.com".into(),
        "mx1.example.org".into()
    ))
    .contains("no link"));
    assert!(refused(Edit::RemoveHost("nowhere".into())).contains("no host"));
    assert!(refused(Edit::SetPreference("example.org".into(), "x".into(), 1)).contains("no MX"));
}

#[test]
fn a_link_edited_keeps_its_numbers() {
    let (s, _) = drawn(&three_hosts());
    let s = apply(
        &s,
        &Edit::SetLink(
            "smtp1.example.com".into(),
            "mua1.example.com".into(),
            250,
            40,
            0.25,
        ),
    )
    .unwrap()
    .scenario;
    let l = link_of(&s, "mua1.example.com", "smtp1.example.com").unwrap();
    assert_eq!((l.latency_ms, l.jitter_ms, l.loss), (250, 40, 0.25));
}

#[test]
fn removing_a_link_removes_its_route() {
    let (s, _) = drawn(&three_hosts());
    let s = apply(
        &s,
        &Edit::RemoveLink("smtp1.example.com".into(), "mua1.example.com".into()),
    )
    .unwrap()
    .scenario;
    assert_eq!(s.nodes[0].policy.relay.smarthost, None);
    assert!(s.nodes[1].policy.relay.allow_from.is_empty());
    assert_eq!(s.links.len(), 1);
}

#[test]
fn removing_a_host_removes_what_names_it() {
    let (mut s, _) = drawn(&three_hosts());
    s.faults = serde_json::from_value(serde_json::json!([
        {"at_secs": 5, "fault": {"kind": "host_down", "host": "mx1.example.org"}},
        {"at_secs": 5, "fault": {"kind": "host_down", "host": "smtp1.example.com"}}
    ]))
    .unwrap();
    let after = |host: &str| apply(&s, &Edit::RemoveHost(host.into())).unwrap().scenario;
    let no_mx = after("mx1.example.org");
    assert_eq!(no_mx.nodes.len(), 3);
    assert!(no_mx.dns.domains.iter().all(|d| d.mx.is_empty()));
    assert_eq!(no_mx.faults.len(), 1);
    assert_eq!(no_mx.links.len(), 1);
    let no_smtp = after("smtp1.example.com");
    assert_eq!(no_smtp.nodes[0].policy.relay.smarthost, None);
    assert!(no_smtp.links.is_empty());
    let no_mua = after("mua1.example.com");
    assert!(no_mua.messages.is_empty());
    assert!(no_mua.nodes[0].policy.relay.allow_from.is_empty());
    let no_resolver = after("resolver1.example.net");
    assert_eq!(no_resolver.dns.resolver, None);
    // The last host can go too: a network drawn from nothing again.
    let mut last = s.clone();
    for h in [
        "mua1.example.com",
        "smtp1.example.com",
        "mx1.example.org",
        "resolver1.example.net",
    ] {
        last = apply(&last, &Edit::RemoveHost(h.into())).unwrap().scenario;
    }
    assert!(last.nodes.is_empty() && last.links.is_empty());
}

#[test]
fn a_preset_is_edited_in_place() {
    let s = mxlab_sim::presets::preset("mx-fallback").unwrap();
    assert!(domains(&s).contains(&"example.org".to_string()));
    let d = apply(&s, &Edit::AddHost(Role::Mx)).unwrap();
    let name = d.added.unwrap();
    assert!(s.nodes.iter().all(|n| n.name != name));
    let d = apply(
        &d.scenario,
        &Edit::AddMx("example.org".into(), name.clone()),
    )
    .unwrap();
    let prefs: Vec<u64> = mx_of(&d.scenario, &name)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    assert_eq!(prefs.len(), 1);
    assert!(prefs[0] > 10);
}

#[test]
fn the_palette_offers_mail_domains_not_the_names_of_txt_records() {
    let s = mxlab_sim::presets::preset("dmarc-spoofing").unwrap();
    let d = domains(&s);
    assert!(d.contains(&"corp.example".to_string()), "{d:?}");
    assert!(d.contains(&"bank.example".to_string()), "{d:?}");
    assert!(d.iter().all(|n| !n.contains('_')), "{d:?}");
}
