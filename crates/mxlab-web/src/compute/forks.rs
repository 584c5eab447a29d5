//! Something done by hand at time t is computed from the run's last
//! checkpoint at or before t, and the branch is exactly the run computed
//! from zero with the same injections (same trace hash), whatever the
//! kind: a fault, a host brought up, a link healed, a typed message; and
//! whatever the order in which they were made.

use super::*;
use crate::lab::{Injected, CUT};
use mxlab_sim::console::Accepted;
use mxlab_sim::presets;
use mxlab_sim::scenario::{DownMode, Fault};
use serde_json::json;

/// A MUA, a submission server, eight MX hosts and 300 messages over the
/// first minute, one MX down and one link cut for the first hour: enough
/// events for several checkpoints, and faults to end by hand.
fn busy() -> Scenario {
    let mut nodes = vec![
        json!({"name": "mua.example.com", "role": "mua", "policy": {"relay": {"smarthost": "smtp.example.com"}}}),
        json!({"name": "smtp.example.com", "role": "submission", "addresses": ["10.0.0.1"],
               "policy": {"relay": {"allow_from": ["mua.example.com"]}}}),
        json!({"name": "resolver.example.net", "role": "resolver"}),
    ];
    let (mut zone, mut messages) = (Vec::new(), Vec::new());
    for d in 0..8 {
        let (host, domain) = (format!("mx.d{d}.example"), format!("d{d}.example"));
        let addr = format!("10.1.0.{}", d + 1);
        nodes.push(json!({"name": host, "role": "mx", "addresses": [addr],
            "policy": {"destination_domains": [domain], "mailboxes": [{"address": format!("user@{domain}")}]}}));
        zone.push(json!({"name": domain, "mx": [{"preference": 10, "exchange": host}]}));
        zone.push(json!({"name": host, "a": [addr]}));
    }
    for i in 0..300 {
        messages.push(json!({"id": format!("m{i}"), "from": "mua.example.com", "at_secs": i % 60,
            "mail_from": "alice@example.com", "rcpt_to": [format!("user@d{}.example", i % 8)], "body": "x\r\n"}));
    }
    let s = json!({"horizon_secs": 86400, "nodes": nodes,
    "dns": {"resolver": "resolver.example.net", "domains": zone},
    "messages": messages,
    "faults": [
        {"at_secs": 0, "until_secs": 3600, "fault": {"kind": "host_down", "host": "mx.d3.example"}},
        {"at_secs": 0, "until_secs": 3600, "fault": {"kind": "link_partition", "a": "smtp.example.com", "b": "mx.d6.example"}}
    ]});
    Scenario::from_json(&s.to_string()).unwrap()
}

/// Steps `c` to its end, a few events at a time, as the app does.
fn finish(mut c: Computation) -> Run {
    loop {
        if let Some(run) = c.step(STEP_EVENTS) {
            return run;
        }
    }
}

/// The run of `busy()` with checkpoints every 500 events.
fn base() -> Run {
    finish(Computation::new(Rc::new(busy()), 1, Vec::new()).checkpoint_every(500))
}

/// The same run computed from t = 0 with `injections`.
fn from_zero(base: &Run, injections: Vec<Injection>) -> Run {
    Run::compute(base.scenario.clone(), base.seed, injections)
}

fn at_secs(s: u64) -> SimTime {
    SimTime::from_secs(s)
}

/// One of each kind, at `at`.
fn every_kind(at: SimTime) -> Vec<Injection> {
    let what = [
        Injected::Fault {
            fault: Fault::HostDown {
                host: "mx.d5.example".into(),
                mode: DownMode::Refused,
            },
            until: Some(at.plus_secs(900)),
        },
        Injected::BringUp {
            host: "mx.d3.example".into(),
        },
        Injected::Heal {
            a: "mx.d6.example".into(),
            b: "smtp.example.com".into(),
        },
        Injected::Message {
            host: "smtp.example.com".into(),
            id: "console-1".into(),
            message: Accepted {
                helo: "student.example".into(),
                mail_from: "student@example.net".into(),
                rcpts: vec!["user@d2.example".into()],
                content: "Subject: typed by hand\r\n\r\nHello\r\n".into(),
                queue_id: "C000001".into(),
            },
        },
    ];
    what.into_iter()
        .map(|what| Injection { at, what })
        .collect()
}

#[test]
fn a_fork_is_the_run_from_zero_with_the_same_injection() {
    let base = base();
    let times: Vec<SimTime> = base.checkpoints.get().unwrap().times().collect();
    assert!(times.len() >= 4, "{} checkpoints", times.len());
    // Moments between checkpoints, exactly on one, and after the run's
    // busy first minute.
    for at in [
        at_secs(0),
        at_secs(13),
        times[2],
        at_secs(45),
        at_secs(2_000),
    ] {
        for injection in every_kind(at) {
            let fork = Computation::fork(&base, vec![injection.clone()]);
            let resumed = fork.resumed_at();
            assert!(resumed <= at, "{resumed} after {at}");
            if at >= times[1] {
                assert!(
                    resumed >= times[1],
                    "{:?} at {at} resumed at zero",
                    injection.what
                );
            }
            let fork = finish(fork);
            let zero = from_zero(&base, vec![injection.clone()]);
            assert_eq!(
                fork.events().hash_hex(),
                zero.events().hash_hex(),
                "{:?} at {at}",
                injection.what
            );
            assert_ne!(fork.events().hash(), base.events().hash(), "{injection:?}");
            assert_eq!(fork.injections, [injection]);
        }
    }
}

#[test]
fn a_branch_keeps_the_checkpoints_before_its_moment_and_takes_its_own() {
    let base = base();
    let at = at_secs(30);
    let [down, ..] = &every_kind(at)[..] else {
        unreachable!()
    };
    let branch = finish(Computation::fork(&base, vec![down.clone()]));
    let before: Vec<_> = base
        .checkpoints
        .get()
        .unwrap()
        .times()
        .filter(|&c| c <= at)
        .collect();
    let kept: Vec<_> = branch.checkpoints.get().unwrap().times().collect();
    assert_eq!(kept[..before.len()], before[..]);
    assert!(
        kept.len() > before.len(),
        "the branch took its own after {at}"
    );
    assert!(kept[before.len()..].iter().all(|&c| c > at));
}

#[test]
fn forks_of_forks_in_any_order_are_the_run_from_zero_with_all_of_them() {
    let base = base();
    let kinds = |at| every_kind(at).into_iter();
    let late = kinds(at_secs(45)).next().unwrap();
    let early = kinds(at_secs(20)).nth(1).unwrap();
    let between = kinds(at_secs(31)).nth(3).unwrap();
    let last = kinds(at_secs(600)).nth(2).unwrap();
    // Made late first, then an earlier one: the branch forks before the
    // first and must apply it again on its way.
    let a = finish(Computation::fork(&base, vec![late.clone()]));
    let b = finish(Computation::fork(&a, vec![early.clone()]));
    let c = finish(Computation::fork(&b, vec![between.clone()]));
    let d = finish(Computation::fork(&c, vec![last.clone()]));
    let all = [late, early, between, last];
    for (n, run) in [(1, &a), (2, &b), (3, &c), (4, &d)] {
        let zero = from_zero(&base, all[..n].to_vec());
        assert_eq!(run.events().hash_hex(), zero.events().hash_hex(), "{n}");
        assert_eq!(run.summary, zero.summary, "{n}");
    }
    // Two made at the same moment, in one go or one after the other.
    let both = every_kind(at_secs(13));
    let one_go = finish(Computation::fork(&base, both.clone()));
    let first = finish(Computation::fork(&base, both[..2].to_vec()));
    let then = finish(Computation::fork(&first, both[2..].to_vec()));
    let zero = from_zero(&base, both);
    assert_eq!(one_go.events().hash(), zero.events().hash());
    assert_eq!(then.events().hash(), zero.events().hash());
}

/// The time of the first line of connection `conn` that starts with
/// `prefix` (a line of the trace, read as the transcript panel shows it).
fn line_at(run: &Run, conn: u64, prefix: &str) -> SimTime {
    run.transcript(conn)
        .iter()
        .find(|l| l.text.starts_with(prefix))
        .map(|l| l.at)
        .unwrap()
}

#[test]
fn the_mx_taken_down_in_data_cuts_the_session_defers_and_delivers_once_it_is_back() {
    let s = presets::preset("hello-smtp").unwrap();
    let seed = s.seed;
    let base = Run::compute(Rc::new(s), seed, Vec::new());
    let relay = base
        .sessions
        .iter()
        .find(|s| s.client == "smtp.example.com" && s.server == "mx.example.org")
        .unwrap()
        .conn;
    // The 354 has reached the client; the final dot has not reached the MX.
    let at = line_at(&base, relay, "354");
    assert!(at < line_at(&base, relay, "."));
    let down = Injection::fault(
        at,
        Fault::HostDown {
            host: "mx.example.org".into(),
            mode: DownMode::Refused,
        },
    );
    let cut = finish(Computation::fork(&base, vec![down.clone()]));
    let lines = cut.transcript(relay);
    let last = lines.last().unwrap();
    assert_eq!(last.who, CUT, "{lines:#?}");
    assert!(last.text.starts_with("connection reset"), "{}", last.text);
    assert!(last.hover.contains("RFC"), "{}", last.hover);
    assert!(lines
        .iter()
        .all(|l| l.who == CUT || !l.text.starts_with('.')));
    assert_eq!(lines.iter().filter(|l| l.who == CUT).count(), 1);
    assert_eq!(cut.summary.delivered, 0);
    // The submission server keeps the message, with the reason.
    let view = cut.index.view_at(at.plus_secs(1));
    let queued = &view.queues["smtp.example.com"];
    let m1 = queued.iter().find(|r| r.message == "m1").unwrap();
    let error = m1.last_error.clone().unwrap();
    assert!(!error.is_empty());
    assert!(m1.next_attempt.is_some_and(|t| t > at), "{m1:?}");

    // Brought back up a minute later: the retry delivers it, once.
    let up = Injection {
        at: at.plus_secs(60),
        what: Injected::BringUp {
            host: "mx.example.org".into(),
        },
    };
    let back = finish(Computation::fork(&cut, vec![up.clone()]));
    assert_eq!(back.summary.delivered, 1);
    assert_eq!(back.summary.duplicates, 0);
    let end = back.index.view_at(back.end());
    assert_eq!(end.mailboxes["bob@example.org"].len(), 1, "{end:?}");
    assert_eq!(
        back.events().hash(),
        from_zero(&base, vec![down, up]).events().hash()
    );
}
