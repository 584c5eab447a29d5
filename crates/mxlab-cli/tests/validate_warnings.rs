//! `mxlab validate` lists what is legal but probably not meant as
//! `FILE: warning: $.path: message` lines after the problems, and exits 0
//! when there are only warnings.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::path::PathBuf;

mod common;
use common::*;

use mxlab_sim::presets::PRESETS;
use serde_json::{json, Value};

fn temp_file(name: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "mxlab-validate-warnings-{}-{name}",
        std::process::id()
    ));
    std::fs::write(&path, text).unwrap();
    path
}

/// mx-fallback, whose backup MX names a host that is not in the network.
fn with_a_stray_mx() -> Value {
    let text = PRESETS
        .iter()
        .find(|(n, _)| *n == "mx-fallback")
        .map(|(_, json)| *json)
        .unwrap();
    let mut v: Value = serde_json::from_str(text).unwrap();
    v["dns"]["domains"][0]["mx"][1]["exchange"] = json!("mx9.example.org");
    v
}

#[test]
fn warnings_alone_are_listed_after_ok_and_exit_0() {
    let file = temp_file("stray-mx.json", &with_a_stray_mx().to_string());
    let f = file.to_str().unwrap();
    let o = mxlab(&["validate", f]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(o.stderr.is_empty());
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("ok: 5 hosts"), "{text}");
    assert!(
        lines[1].starts_with(&format!(
            "{f}: warning: $.dns.domains[0].mx[1].exchange: no host named `mx9.example.org`"
        )),
        "{text}"
    );
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn warnings_follow_the_problems_and_the_exit_code_is_the_problems() {
    let mut v = with_a_stray_mx();
    v["horizon_secs"] = json!(0);
    v["messages"][0]["rcpt_to"] = json!(["bob@example.org", "carol@example.net"]);
    let file = temp_file("broken-and-stray.json", &v.to_string());
    let f = file.to_str().unwrap();
    let o = mxlab(&["validate", f]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some(format!("{f}: $.horizon_secs: expected a number of seconds 1..=31622400").as_str()),
        "{text}"
    );
    let warnings: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with(&format!("{f}: warning: ")))
        .collect();
    assert_eq!(warnings.len(), 2, "{text}");
    assert!(
        warnings[0].contains("$.dns.domains[0].mx[1].exchange: "),
        "{text}"
    );
    assert!(
        warnings[1].contains("$.messages[0].rcpt_to[1]: `example.net`"),
        "{text}"
    );
    // Every warning comes after every problem.
    let first_warning = lines
        .iter()
        .position(|l| l.contains(": warning: "))
        .unwrap();
    assert!(
        lines[first_warning..]
            .iter()
            .all(|l| l.contains(": warning: ")),
        "{text}"
    );
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn no_preset_has_a_warning() {
    for (name, _) in PRESETS {
        let o = mxlab(&["validate", &format!("preset:{name}")]);
        assert_eq!(o.status.code(), Some(0), "{name}");
        let text = stdout(&o);
        assert_eq!(text.lines().count(), 1, "{name}: {text}");
        assert!(text.starts_with("ok: "), "{name}: {text}");
    }
}
