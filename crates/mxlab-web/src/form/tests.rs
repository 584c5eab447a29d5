//! The form's typing and pointers.
use super::*;

#[test]
fn each_role_shows_the_fields_it_uses() {
    use sections::uses;
    let resolver = uses("resolver");
    assert!(!resolver.mailboxes && !resolver.smarthost && !resolver.relay && !resolver.server);
    let mua = uses("mua");
    assert!(mua.smarthost && mua.direct && !mua.mailboxes && !mua.server);
    let mx = uses("mx");
    assert!(mx.mailboxes && mx.server && mx.relay);
    assert!(!uses("submission").mailboxes && uses("relay").smarthost);
    // A role not known yet shows every field, its problem beside it.
    assert!(uses("router").mailboxes);
}

#[test]
fn host_pickers_list_the_hosts_of_their_roles() {
    let draft = json!({"nodes": [
        {"name": "mua.example", "role": "mua"},
        {"name": "smtp.example", "role": "submission"},
        {"name": "mx.example", "role": "mx"},
        {"role": "mx"},
        "garbage"
    ]});
    assert_eq!(
        host_names(&draft, &["submission", "relay", "mx"]),
        ["smtp.example", "mx.example"]
    );
    assert_eq!(host_names(&draft, &[]).len(), 3);
    assert!(host_names(&json!({"nodes": 3}), &[]).is_empty());
    assert!(host_names(&Value::Null, &["mua"]).is_empty());
}

#[test]
fn paths_become_pointers() {
    assert_eq!(pointer_of("$.nodes[0].role"), "/nodes/0/role");
    assert_eq!(
        pointer_of("nodes[12].policy.mailboxes[1].address"),
        "/nodes/12/policy/mailboxes/1/address"
    );
    assert_eq!(pointer_of("dns.domains[0].mx[1]"), "/dns/domains/0/mx/1");
    assert_eq!(pointer_of("$"), "");
    assert_eq!(pointer_of(""), "");
}

#[test]
fn set_creates_parents_and_removes() {
    let mut v = json!({"nodes": [{"name": "a"}]});
    set_at(
        &mut v,
        "/nodes/0/policy/relay/smarthost",
        Some(json!("s.example")),
    );
    assert_eq!(
        v.pointer("/nodes/0/policy/relay/smarthost"),
        Some(&json!("s.example"))
    );
    set_at(&mut v, "/nodes/0/policy/relay/smarthost", None);
    assert_eq!(v.pointer("/nodes/0/policy/relay/smarthost"), None);
    // A missing array element is left alone, never a panic.
    set_at(&mut v, "/nodes/5/name", Some(json!("x")));
    assert_eq!(v["nodes"].as_array().map(Vec::len), Some(1));
    push_at(&mut v, "/messages", json!({"id": "m1"}));
    push_at(&mut v, "/messages", json!({"id": "m2"}));
    remove_at(&mut v, "/messages", 0);
    remove_at(&mut v, "/messages", 9);
    assert_eq!(v["messages"], json!([{"id": "m2"}]));
}

#[test]
fn lists_and_mx_records_are_typed_as_text() {
    assert_eq!(
        list_value("a@b, c@d  e@f"),
        Some(json!(["a@b", "c@d", "e@f"]))
    );
    assert_eq!(list_value("  "), None);
    assert_eq!(
        mx_value("10 mx1.example.org, 20 mx2.example.org"),
        Some(
            json!([{"preference": 10, "exchange": "mx1.example.org"}, {"preference": 20, "exchange": "mx2.example.org"}])
        )
    );
    assert_eq!(
        mx_value("0 ."),
        Some(json!([{"preference": 0, "exchange": "."}]))
    );
    assert_eq!(text_of(mx_value("10 a.example").as_ref()), "10 a.example");
    assert_eq!(
        text_of(Some(&json!([{"address": "bob@example.org"}]))),
        "bob@example.org"
    );
    // Garbage is kept for the loader to report, not dropped.
    assert_eq!(
        mx_value("ten mx"),
        Some(json!([{"preference": "ten mx", "exchange": ""}]))
    );
}

#[test]
fn a_preset_edited_through_the_form_still_loads() {
    let s = mxlab_sim::presets::preset("hello-smtp").unwrap();
    let mut v = serde_json::to_value(&s).unwrap();
    let mx = s
        .nodes
        .iter()
        .position(|n| n.role == mxlab_sim::scenario::Role::Mx)
        .unwrap();
    push_at(
        &mut v,
        &format!("/nodes/{mx}/policy/mailboxes"),
        json!({"address": "carol@example.org"}),
    );
    let n = v["messages"].as_array().unwrap().len();
    let first = v["messages"][0].clone();
    push_at(&mut v, "/messages", first);
    set_at(&mut v, &format!("/messages/{n}/id"), Some(json!("m2")));
    set_at(
        &mut v,
        &format!("/messages/{n}/rcpt_to"),
        list_value("carol@example.org"),
    );
    let loaded = mxlab_sim::Scenario::from_json(&v.to_string()).unwrap();
    assert_eq!(loaded.messages.len(), 2);
    // A bad value is reported at the field's pointer.
    set_at(&mut v, "/nodes/0/role", Some(json!("router")));
    let problems = mxlab_sim::Scenario::from_json(&v.to_string())
        .unwrap_err()
        .problems();
    assert_eq!(pointer_of(&problems[0].path), "/nodes/0/role");
}

#[test]
fn editing_mailboxes_or_signers_keeps_what_the_form_does_not_show() {
    let old = json!([
        {"address": "team@lists.example", "list": {"members": ["bob@corp.example"]}},
        {"address": "old@lists.example", "quota_bytes": 10}
    ]);
    let new = keyed_list(
        "TEAM@lists.example, new@lists.example",
        Some(&old),
        "address",
        mailbox_of,
    )
    .unwrap();
    assert_eq!(
        new,
        json!([
            {"address": "TEAM@lists.example", "list": {"members": ["bob@corp.example"]}},
            {"address": "new@lists.example"}
        ])
    );
    let old = json!([{"domain": "bank.example", "selector": "s1", "algorithm": "rsa", "private_key": "AAAA"}]);
    assert_eq!(text_of(Some(&old)), "bank.example:s1");
    let new = keyed_list(
        "bank.example:s2 other.example:k",
        Some(&old),
        "domain",
        signer_of,
    )
    .unwrap();
    assert_eq!(
        new,
        json!([
            {"domain": "bank.example", "selector": "s2", "algorithm": "rsa", "private_key": "AAAA"},
            {"domain": "other.example", "selector": "k"}
        ])
    );
}
