//! Every preset is compiled in, loads, runs cleanly, and teaches what its
//! lesson says.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use common::*;
use mxlab_sim::presets::{preset as compiled, PRESETS};
use mxlab_sim::trace::EventKind;

#[test]
fn every_scenario_file_is_a_compiled_in_preset_and_runs() {
    let dir = format!("{}/scenarios", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".json")
                .to_owned()
        })
        .collect();
    files.sort();
    let mut names: Vec<String> = PRESETS.iter().map(|(n, _)| (*n).to_owned()).collect();
    names.sort();
    assert_eq!(files, names);
    for (name, _) in PRESETS {
        let s = compiled(name).unwrap();
        assert!(!s.lesson.is_empty(), "{name} has a lesson");
        let sim = run(s);
        check_conservation(&sim);
    }
    assert!(matches!(
        compiled("nope"),
        Err(mxlab_sim::presets::PresetError::Unknown(_))
    ));
}

#[test]
fn a_presets_title_is_its_scenarios_name() {
    for (name, _) in PRESETS {
        let s = compiled(name).unwrap();
        assert_eq!(mxlab_sim::presets::title(name), Some(s.name.as_str()));
    }
    assert_eq!(mxlab_sim::presets::title("hello-smtp"), Some("Hello SMTP"));
    assert_eq!(mxlab_sim::presets::title("nope"), None);
}

#[test]
fn smarthost_adds_a_hop_and_a_received_header() {
    let sim = run(preset("relay-via-smarthost"));
    let hops: Vec<(String, String)> =
        kinds(sim.trace(), |k| matches!(k, EventKind::Connect { .. }))
            .map(|e| (e.hosts[0].to_string(), e.hosts[1].to_string()))
            .collect();
    assert_eq!(
        hops,
        [
            ("alice-laptop.example.com".into(), "smtp.example.com".into()),
            ("smtp.example.com".into(), "relay.example.com".into()),
            ("relay.example.com".into(), "mx.example.org".into()),
        ]
    );
    let t = transcript(sim.trace(), 3);
    let received = t.iter().filter(|l| l.starts_with("C: Received:")).count();
    assert_eq!(received, 2);
}

#[test]
fn several_recipients_share_one_transaction() {
    let sim = run(preset("several-recipients"));
    let to_mx: Vec<u64> = kinds(sim.trace(), |k| matches!(k, EventKind::Connect { .. }))
        .filter(|e| e.hosts[1] == "mx.example.org")
        .map(|e| match e.kind {
            EventKind::Connect { conn, .. } => conn,
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(to_mx.len(), 1);
    let t = transcript(sim.trace(), to_mx[0]);
    assert_eq!(t.iter().filter(|l| l.starts_with("C: RCPT TO:")).count(), 2);
    assert_eq!(t.iter().filter(|l| *l == "C: DATA").count(), 1);
    let mx = sim.host("mx.example.org").unwrap();
    assert_eq!(mx.mailboxes["bob@example.org"], ["m1"]);
    assert_eq!(mx.mailboxes["carol@example.org"], ["m1"]);
}

#[test]
fn bcc_recipient_is_in_the_envelope_not_the_headers() {
    let sim = run(preset("bcc-envelope-vs-headers"));
    let mx = sim.host("mx.example.org").unwrap();
    assert_eq!(mx.mailboxes["carol@example.org"], ["m1"]);
    let t = transcript(sim.trace(), 2);
    assert!(t.contains(&"C: RCPT TO:<carol@example.org>".to_owned()));
    assert!(t.contains(&"C: To: Bob <bob@example.org>".to_owned()));
    assert!(!t
        .iter()
        .any(|l| l.contains("Bcc:") || (l.starts_with("C: To:") && l.contains("carol"))));
}

#[test]
fn summary_counts_outcomes_and_latency() {
    let sim = run(preset("retry-until-mx-returns"));
    let s = sim.summary();
    assert_eq!(
        (s.delivered, s.bounced, s.queued, s.duplicates),
        (1, 0, 0, 0)
    );
    // MUA -> submission once, then four attempts to the MX.
    assert_eq!(s.attempts, 5);
    let p50 = s.latency_percentile(50.0).unwrap();
    assert!((2400.0..2401.0).contains(&p50), "{p50}");
    let dup = run(preset("rfc1047-duplicate")).summary();
    assert_eq!((dup.delivered, dup.duplicates), (1, 1));
    let bounced = run(preset("null-mx")).summary();
    assert_eq!((bounced.delivered, bounced.bounced), (0, 1));
}

#[test]
fn tarpit_slows_every_reply() {
    let plain = run(preset("hello-smtp"));
    let mut s = preset("hello-smtp");
    s.faults.push(mxlab_sim::scenario::FaultSpec {
        at_secs: 0,
        until_secs: None,
        probability: None,
        fault: mxlab_sim::scenario::Fault::Tarpit {
            host: "mx.example.org".into(),
            delay_ms: 1000,
        },
    });
    let slow = run(s);
    let done = |sim: &mxlab_sim::Sim| sim.trace().end().unwrap().as_secs();
    assert!(
        done(&slow) >= done(&plain) + 7,
        "{} vs {}",
        done(&slow),
        done(&plain)
    );
}
