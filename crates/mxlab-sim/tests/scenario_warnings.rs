//! Legal but probably unintended: an MX that leads to no host, a domain
//! that receives mail without records, a mailbox that mail never reaches.
//! Each is a warning with its JSON path; the scenario still loads.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use mxlab_sim::presets::{preset, PRESETS};
use mxlab_sim::{Problem, Scenario};
use serde_json::{json, Value};

/// mx-fallback: nodes alice-laptop, smtp, mx1, mx2 (relay), resolver;
/// dns.domains example.org (MX mx1, mx2), mx1.example.org, mx2.example.org.
fn base() -> Value {
    serde_json::from_str(include_str!("../scenarios/mx-fallback.json")).unwrap()
}

/// The warnings of a scenario that loads (it must).
fn warnings(v: &Value) -> Vec<String> {
    let (loaded, warnings) = Scenario::from_json_with_warnings(&v.to_string());
    let s = loaded.expect("a warning never stops a scenario from loading");
    assert_eq!(s.warnings(), warnings);
    warnings.iter().map(Problem::to_string).collect()
}

fn one_warning(v: &Value, path: &str, words: &[&str]) {
    let w = warnings(v);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert!(w[0].starts_with(&format!("{path}: ")), "{w:#?}");
    for word in words {
        assert!(w[0].contains(word), "{word:?} in {w:#?}");
    }
}

#[test]
fn no_preset_warns() {
    for (name, _) in PRESETS {
        let s = preset(name).unwrap();
        assert_eq!(s.warnings(), [], "{name}");
    }
}

#[test]
fn an_mx_naming_no_host_warns_at_its_exchange() {
    let mut v = base();
    v["dns"]["domains"][0]["mx"][1]["exchange"] = json!("mx9.example.org");
    one_warning(
        &v,
        "dns.domains[0].mx[1].exchange",
        &["no host named `mx9.example.org`", "example.org"],
    );
}

#[test]
fn an_mx_whose_address_no_host_has_warns() {
    let mut v = base();
    v["dns"]["domains"][2]["a"][0] = json!("198.51.100.99");
    one_warning(
        &v,
        "dns.domains[0].mx[1].exchange",
        &["198.51.100.99", "no host in nodes has it"],
    );
}

#[test]
fn an_mx_naming_a_host_without_an_address_record_warns_with_the_address() {
    let mut v = base();
    v["dns"]["domains"].as_array_mut().unwrap().remove(2);
    one_warning(
        &v,
        "dns.domains[0].mx[1].exchange",
        &["host `mx2.example.org` is in nodes", "198.51.100.26"],
    );
}

#[test]
fn an_mx_to_a_failing_name_is_a_fault_on_purpose_not_a_warning() {
    let mut v = base();
    v["dns"]["domains"][2] = json!({"name": "mx2.example.org", "status": "servfail"});
    assert_eq!(warnings(&v), Vec::<String>::new());
}

#[test]
fn a_recipient_domain_without_records_warns_once_at_its_first_mention() {
    let mut v = base();
    v["messages"][0]["rcpt_to"] = json!(["bob@example.org", "carol@example.net"]);
    let mut second = v["messages"][0].clone();
    second["id"] = json!("m2");
    v["messages"].as_array_mut().unwrap().push(second);
    one_warning(
        &v,
        "messages[0].rcpt_to[1]",
        &["`example.net`", "not in dns.domains", "NXDOMAIN"],
    );

    // Listed, but with no record.
    v["dns"]["domains"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "example.net"}));
    one_warning(
        &v,
        "messages[0].rcpt_to[1]",
        &["no MX and no A/AAAA record"],
    );

    // An address record is an implicit MX (RFC 5321 §5.1): no warning.
    v["dns"]["domains"][3]["a"] = json!(["198.51.100.25"]);
    assert_eq!(warnings(&v), Vec::<String>::new());

    // A name that does not exist on purpose.
    v["dns"]["domains"][3] = json!({"name": "example.net", "status": "nxdomain"});
    assert_eq!(warnings(&v), Vec::<String>::new());
}

#[test]
fn a_destination_domain_without_records_warns() {
    let mut v = base();
    v["nodes"][2]["policy"]["destination_domains"] = json!(["example.org", "example.net"]);
    one_warning(
        &v,
        "nodes[2].policy.destination_domains[1]",
        &["`example.net`"],
    );
}

#[test]
fn a_sender_domain_warns_when_it_is_in_the_zone_without_records() {
    let mut v = base();
    // Not in the zone at all: outside the simulated world (every preset).
    assert_eq!(warnings(&v), Vec::<String>::new());
    v["dns"]["domains"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "example.com"}));
    one_warning(&v, "messages[0].mail_from", &["`example.com`"]);
}

#[test]
fn a_domain_no_host_looks_up_needs_no_records() {
    // Every server sends to its smarthost: nothing looks up an MX.
    let mut v = base();
    v["dns"]["domains"] = json!([]);
    v["nodes"][1]["policy"]["relay"]["smarthost"] = json!("mx1.example.org");
    assert!(!warnings(&v).is_empty(), "mx2, a relay, still looks up MX");
    v["nodes"][3]["policy"]["relay"]["smarthost"] = json!("mx1.example.org");
    assert_eq!(warnings(&v), Vec::<String>::new());
}

#[test]
fn a_mailbox_on_a_host_its_domain_does_not_lead_to_warns() {
    let mut v = base();
    v["nodes"].as_array_mut().unwrap().push(json!({
        "name": "mx3.example.org", "role": "mx", "addresses": ["198.51.100.27"],
        "policy": {"destination_domains": ["example.org"],
                   "mailboxes": [{"address": "carol@example.org"}, {"address": "dave@example.org"}]}
    }));
    one_warning(
        &v,
        "nodes[5].policy.mailboxes[0].address",
        &[
            "never reaches `mx3.example.org`",
            "MX records lead to mx1.example.org, mx2.example.org",
        ],
    );

    // Without an MX, the domain's own address is where mail goes.
    v["dns"]["domains"][0] = json!({"name": "example.org", "a": ["198.51.100.25"]});
    one_warning(
        &v,
        "nodes[5].policy.mailboxes[0].address",
        &["address records lead to mx1.example.org"],
    );

    // Listed as an MX, it is a destination.
    v["dns"]["domains"][0] = json!({"name": "example.org", "mx": [
        {"preference": 10, "exchange": "mx1.example.org"},
        {"preference": 20, "exchange": "mx3.example.org"}]});
    v["dns"]["domains"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "mx3.example.org", "a": ["198.51.100.27"]}));
    assert_eq!(warnings(&v), Vec::<String>::new());
}

#[test]
fn a_mailbox_behind_an_inbound_gateway_does_not_warn() {
    // The MX is a relay that passes everything to its smarthost, the hub
    // with the mailboxes.
    let mut v = base();
    v["dns"]["domains"][0]["mx"] = json!([{"preference": 10, "exchange": "mx2.example.org"}]);
    v["nodes"][3]["policy"]["relay"] =
        json!({"domains": ["example.org"], "smarthost": "mx1.example.org"});
    assert_eq!(warnings(&v), Vec::<String>::new());
}

#[test]
fn a_mailbox_behind_a_null_mx_is_meant_not_a_slip() {
    let mut v = base();
    v["dns"]["domains"][0]["mx"] = json!([{"preference": 0, "exchange": "."}]);
    assert_eq!(warnings(&v), Vec::<String>::new());
}

#[test]
fn an_invalid_scenario_has_its_warnings_too_and_bad_json_none() {
    let mut v = base();
    v["horizon_secs"] = json!(0);
    v["dns"]["domains"][0]["mx"][1]["exchange"] = json!("mx9.example.org");
    let (loaded, w) = Scenario::from_json_with_warnings(&v.to_string());
    assert_eq!(loaded.unwrap_err().problems()[0].path, "horizon_secs");
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].path, "dns.domains[0].mx[1].exchange");
    let (loaded, w) = Scenario::from_json_with_warnings("{\"nodes\": [");
    assert!(loaded.is_err());
    assert!(w.is_empty());
}
