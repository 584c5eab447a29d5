//! Malformed scenarios: every problem is reported with its exact JSON path.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use mxlab_sim::{Problem, Scenario, ScenarioError};
use serde_json::{json, Value};

fn base() -> Value {
    serde_json::from_str(include_str!("../scenarios/mx-fallback.json")).unwrap()
}

fn problems(v: &Value) -> Vec<String> {
    match Scenario::from_json(&v.to_string()) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems().iter().map(Problem::to_string).collect(),
    }
}

fn paths(v: &Value) -> Vec<String> {
    match Scenario::from_json(&v.to_string()) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems().into_iter().map(|p| p.path).collect(),
    }
}

#[test]
fn preference_out_of_range_is_reported_at_its_path() {
    let mut v = base();
    v["dns"]["domains"][0]["mx"][1]["preference"] = json!(70000);
    assert_eq!(
        problems(&v),
        ["dns.domains[0].mx[1].preference: expected an integer 0..=65535"]
    );
}

#[test]
fn every_semantic_problem_is_collected_not_just_the_first() {
    let mut v = base();
    v["dns"]["domains"][0]["mx"][0]["preference"] = json!(65536);
    v["nodes"][3]["name"] = json!("mx1.example.org");
    v["nodes"][1]["policy"]["relay"]["allow_from"][0] = json!("nowhere.example");
    v["nodes"][2]["policy"]["timing"] = json!("sendmail");
    v["links"][0]["loss"] = json!(1.5);
    v["messages"][0]["rcpt_to"][0] = json!("not-an-address");
    v["faults"][0]["until_secs"] = json!(0);
    assert_eq!(
        paths(&v),
        [
            "nodes[3].name",
            "nodes[1].policy.relay.allow_from[0]",
            "nodes[2].policy.timing",
            "dns.domains[0].mx[0].preference",
            "links[0].a",
            "links[0].loss",
            "messages[0].rcpt_to[0]",
            "faults[0].until_secs",
        ]
    );
    let text = problems(&v).join("\n");
    assert!(
        text.contains("duplicate host name `mx1.example.org` (also nodes[2])"),
        "{text}"
    );
    assert!(
        text.contains("no host named `nowhere.example` in nodes"),
        "{text}"
    );
    assert!(text.contains("unknown timing profile `sendmail`"), "{text}");
}

#[test]
fn unknown_fields_are_errors_with_line_column_and_path() {
    let text = r#"{
  "horizon_secs": 60,
  "nodes": [
    { "name": "a.example", "role": "mx", "colour": "red" }
  ]
}"#;
    match Scenario::from_json(text) {
        Err(ScenarioError::Syntax {
            line,
            column,
            problem,
        }) => {
            assert_eq!(line, 4);
            assert!(column > 40, "{column}");
            assert_eq!(problem.path, "nodes[0].colour");
            assert!(
                problem.message.starts_with("unknown field `colour`"),
                "{}",
                problem.message
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_fault_field_and_kind_are_errors() {
    let mut v = base();
    v["faults"][0]["fault"]["colour"] = json!("red");
    let p = paths(&v);
    assert_eq!(p.len(), 1);
    assert!(p[0].starts_with("faults[0].fault"), "{p:?}");
    let mut v = base();
    v["faults"][0]["fault"]["kind"] = json!("meteor");
    let t = problems(&v);
    assert!(t[0].starts_with("faults[0].fault"), "{t:?}");
    assert!(t[0].contains("meteor"), "{t:?}");
}

#[test]
fn wrong_types_report_the_path() {
    let mut v = base();
    v["nodes"][0]["role"] = json!("router");
    let t = problems(&v);
    assert_eq!(t.len(), 1);
    assert!(
        t[0].starts_with("nodes[0].role: unknown variant `router`"),
        "{t:?}"
    );
    let mut v = base();
    v["horizon_secs"] = json!(-5);
    assert_eq!(paths(&v), ["horizon_secs"]);
}

#[test]
fn broken_json_reports_line_and_column() {
    match Scenario::from_json("{\n  \"horizon_secs\": 60,\n  \"nodes\": [,]\n}") {
        Err(ScenarioError::Syntax { line, column, .. }) => assert_eq!((line, column), (3, 13)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Scenario::from_json("{\"horizon_secs\": 1, \"nodes\": []} trailing"),
        Err(ScenarioError::Syntax { .. })
    ));
}

#[test]
fn null_mx_must_stand_alone_with_preference_zero() {
    let mut v = base();
    v["dns"]["domains"][0]["mx"] = json!([
        { "preference": 5, "exchange": "." },
        { "preference": 10, "exchange": "mx1.example.org" }
    ]);
    assert_eq!(
        paths(&v),
        ["dns.domains[0].mx[0].preference", "dns.domains[0].mx"]
    );
}

#[test]
fn nxdomain_with_records_and_bad_addresses() {
    let mut v = base();
    v["dns"]["domains"][1]["status"] = json!("nxdomain");
    v["dns"]["domains"][2]["a"] = json!(["2001:db8::1", "300.1.1.1"]);
    v["nodes"][0]["addresses"] = json!(["198.51.100.25"]);
    assert_eq!(
        paths(&v),
        [
            "nodes[2].addresses[0]",
            "dns.domains[1].status",
            "dns.domains[2].a[0]",
            "dns.domains[2].a[1]",
        ]
    );
}

#[test]
fn message_checks_name_the_field() {
    let mut v = base();
    v["messages"][0]["from"] = json!("smtp.example.com");
    v["messages"][0]["at_secs"] = json!(999_999);
    v["messages"][0]["rcpt_to"] = json!([]);
    v["messages"][0]["headers"][0]["name"] = json!("Sub ject");
    let copy = v["messages"][0].clone();
    v["messages"].as_array_mut().unwrap().push(copy);
    let t = problems(&v);
    assert!(
        t.contains(&"messages[0].from: host `smtp.example.com` is not a MUA".to_owned()),
        "{t:?}"
    );
    assert!(
        t.contains(&"messages[1].id: duplicate message id `m1` (also messages[0])".to_owned()),
        "{t:?}"
    );
    let p = paths(&v);
    for expected in [
        "messages[0].at_secs",
        "messages[0].rcpt_to",
        "messages[0].headers[0].name",
    ] {
        assert!(p.contains(&expected.to_owned()), "{expected} in {p:?}");
    }
}

#[test]
fn custom_profiles_are_checked_and_usable() {
    let mut v = base();
    v["profiles"] = json!([
        { "name": "impatient", "profile": { "max_queue_lifetime_secs": 3600,
          "backoff": { "kind": "fixed", "interval_secs": 60 } } },
        { "name": "postfix" },
        { "name": "broken", "profile": { "backoff": { "kind": "doubling", "min_secs": 600, "max_secs": 300 }, "hop_limit": 0 } }
    ]);
    v["nodes"][1]["policy"]["timing"] = json!("impatient");
    assert_eq!(
        paths(&v),
        [
            "profiles[1].name",
            "profiles[2].profile.hop_limit",
            "profiles[2].profile.backoff.max_secs",
        ]
    );
}

#[test]
fn size_bounds_have_a_clear_message() {
    let mut v = base();
    v["messages"][0]["body"] = json!("x".repeat(mxlab_sim::scenario::MAX_BODY_BYTES + 1));
    let t = problems(&v);
    assert_eq!(t.len(), 1);
    assert!(
        t[0].starts_with("messages[0].body: 10485761 bytes; a body may have at most 10485760"),
        "{t:?}"
    );
    let mut v = base();
    let node = v["nodes"][0].clone();
    let nodes = v["nodes"].as_array_mut().unwrap();
    for i in 0..mxlab_sim::scenario::MAX_HOSTS {
        let mut n = node.clone();
        n["name"] = json!(format!("h{i}.example"));
        n["addresses"] = json!([]);
        nodes.push(n);
    }
    let t = problems(&v);
    assert_eq!(t, ["nodes: 1005 hosts; a scenario may have at most 1000"]);
}

#[test]
fn a_mua_needs_a_smarthost_and_auth_needs_credentials() {
    let mut v = base();
    v["nodes"][0]["policy"] = json!({});
    v["nodes"][1]["policy"]["auth_required"] = json!(true);
    assert_eq!(
        paths(&v),
        [
            "nodes[0].policy.relay.smarthost",
            "nodes[1].policy.credentials"
        ]
    );
}

#[test]
fn ports_are_checked_where_they_are_listed() {
    let mut v = base();
    v["nodes"][1]["policy"]["ports"] = json!([587, 0, 465, 587, 70000]);
    v["nodes"][0]["policy"]["ports"] = json!([25]);
    v["nodes"][0]["policy"]["relay"]["smarthost_port"] = json!(0);
    v["nodes"][2]["policy"]["relay"] = json!({"smarthost_port": 2525});
    v["faults"][0]["fault"] =
        json!({"kind": "outbound_port_blocked", "host": "nowhere.example", "port": 65536});
    assert_eq!(
        problems(&v),
        [
            "nodes[0].policy.relay.smarthost_port: expected a TCP port 1..=65535",
            "nodes[0].policy.ports: only mail servers (submission, relay, mx) listen for SMTP",
            "nodes[1].policy.ports[1]: expected a TCP port 1..=65535",
            "nodes[1].policy.ports[3]: duplicate port 587 (also ports[0])",
            "nodes[1].policy.ports[4]: expected a TCP port 1..=65535",
            "nodes[2].policy.relay.smarthost_port: a smarthost_port needs a smarthost",
            "faults[0].fault.host: no host named `nowhere.example` in nodes",
            "faults[0].fault.port: expected a TCP port 1..=65535",
        ]
    );
    // The fault's port and mode have defaults: port 25, silent.
    let mut v = base();
    v["faults"][0]["fault"] =
        json!({"kind": "outbound_port_blocked", "host": "alice-laptop.example.com"});
    let s = Scenario::from_json(&v.to_string()).unwrap();
    assert_eq!(
        s.faults[0].fault,
        mxlab_sim::scenario::Fault::OutboundPortBlocked {
            host: "alice-laptop.example.com".into(),
            port: 25,
            mode: mxlab_sim::scenario::DownMode::Silent,
        }
    );
}

#[test]
fn only_a_mua_chooses_direct_to_mx_and_not_beside_a_smarthost() {
    let mut v = base();
    v["nodes"][0]["policy"]["relay"]["direct_to_mx"] = json!(true);
    v["nodes"][1]["policy"]["relay"]["direct_to_mx"] = json!(true);
    assert_eq!(
        problems(&v),
        [
            "nodes[0].policy.relay.direct_to_mx: a MUA sends either to its smarthost or direct to the MX, not both",
            "nodes[1].policy.relay.direct_to_mx: only a MUA chooses this: any other host without a smarthost sends to the MX",
        ]
    );
    // Without its smarthost, a MUA may send direct to the MX.
    let mut v = base();
    v["nodes"][0]["policy"]["relay"] = json!({"direct_to_mx": true});
    assert_eq!(problems(&v), Vec::<String>::new());
    // The new fields do not appear in a scenario that does not use them.
    let s = Scenario::from_json(&base().to_string()).unwrap();
    let text = s.to_json();
    assert!(
        !text.contains("ports") && !text.contains("direct_to_mx"),
        "{text}"
    );
}
