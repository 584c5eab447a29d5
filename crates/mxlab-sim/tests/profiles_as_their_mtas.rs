//! Each built-in timing profile against its MTA's own algorithm, written
//! out here independently of the engine: one message queued at t = 100 s
//! on the submission server, to a domain whose only MX refuses
//! connections for 7 days. Every attempt fails the same short time after
//! it starts (the MX lookup and the refused SYN); from that, the MTA's
//! algorithm gives every attempt's time, the delay warnings and the
//! bounce, which the simulation must reproduce to the microsecond.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use common::*;
use mxlab_sim::trace::{DsnAction, EventKind};

const S: u64 = 1_000_000;
const HOUR: u64 = 3_600 * S;
const DAY: u64 = 24 * HOUR;
const ARRIVAL: u64 = 100 * S;

/// What the simulation did with the message on the submission server:
/// attempt times, delay warning times and the bounce time, in µs.
struct Seen {
    attempts: Vec<u64>,
    warnings: Vec<u64>,
    bounce: u64,
    /// How long after it starts an attempt fails.
    fails_after: u64,
}

fn simulate(profile: &str) -> Seen {
    let mut s = preset("retry-until-mx-returns");
    s.horizon_secs = 8 * 86_400;
    s.messages[0].at_secs = 100;
    s.messages[0].from = "smtp.example.com".into();
    s.faults[0].until_secs = Some(7 * 86_400);
    s.nodes[1].policy.timing = profile.into();
    let sim = run(s);
    let on_msa = |e: &mxlab_sim::TraceEvent| e.hosts[0] == "smtp.example.com";
    let times = |pred: &dyn Fn(&EventKind) -> bool| -> Vec<u64> {
        kinds(sim.trace(), |k| pred(k))
            .filter(|e| on_msa(e) && e.message.as_deref() == Some("m1"))
            .map(|e| e.at.as_micros())
            .collect()
    };
    let attempts = times(&|k| matches!(k, EventKind::Attempt { .. }));
    let defers = times(&|k| matches!(k, EventKind::Defer { .. }));
    let warnings = times(&|k| {
        matches!(
            k,
            EventKind::DsnSent {
                action: DsnAction::Delayed,
                ..
            }
        )
    });
    let bounces = times(&|k| matches!(k, EventKind::Bounce { .. }));
    // An attempt is recorded once its MX lookup is answered: the same
    // time after it starts, every time.
    let lookup = attempts[0] - ARRIVAL;
    assert!(
        lookup < S,
        "{profile}: the first attempt starts as it arrives"
    );
    let attempts: Vec<u64> = attempts.iter().map(|a| a - lookup).collect();
    let fails_after = defers[0] - attempts[0];
    for (a, d) in attempts.iter().zip(&defers) {
        assert_eq!(d - a, fails_after, "{profile}: every attempt fails alike");
    }
    assert_eq!(bounces.len(), 1, "{profile}");
    Seen {
        attempts,
        warnings,
        bounce: bounces[0],
        fails_after,
    }
}

/// The schedule an MTA's rule gives: `next(failure, failures, last_gap)`
/// returns the next attempt or `None` to bounce at that failure.
fn schedule(
    fails_after: u64,
    mut next: impl FnMut(u64, u64, u64) -> Option<u64>,
) -> (Vec<u64>, u64) {
    let mut attempts = vec![ARRIVAL];
    let mut gap = 0;
    loop {
        let failure = attempts.last().unwrap() + fails_after;
        match next(failure, attempts.len() as u64, gap) {
            Some(at) => {
                gap = at - failure;
                attempts.push(at);
            }
            None => return (attempts, failure),
        }
    }
}

fn report(profile: &str, seen: &Seen) {
    let first: Vec<String> = seen
        .attempts
        .iter()
        .take(10)
        .map(|t| format!("{:.3}", *t as f64 / S as f64))
        .collect();
    println!(
        "{profile}: attempts at [{}] s, ...; {} attempts; bounce at {:.3} s; warnings at {:?} s",
        first.join(", "),
        seen.attempts.len(),
        seen.bounce as f64 / S as f64,
        seen.warnings.iter().map(|t| t / S).collect::<Vec<_>>()
    );
}

#[test]
fn postfix_matches_qmgr_backoff_and_the_deferred_queue_scan() {
    let seen = simulate("postfix");
    report("postfix", &seen);
    // qmgr: wait the message's age, clamped to minimal_backoff_time (300 s)
    // ..maximal_backoff_time (4000 s); picked up by the next deferred queue
    // scan (every queue_run_delay, 300 s); bounce at the first failure
    // at or after maximal_queue_lifetime (5 d).
    let (attempts, bounce) = schedule(seen.fails_after, |failure, _, _| {
        if failure - ARRIVAL >= 5 * DAY {
            return None;
        }
        let due = failure + (failure - ARRIVAL).clamp(300 * S, 4_000 * S);
        Some(due.div_ceil(300 * S) * 300 * S)
    });
    assert_eq!(seen.attempts, attempts);
    assert_eq!(seen.bounce, bounce);
    assert!(seen.warnings.is_empty(), "delay_warning_time is 0");
}

#[test]
fn opensmtpd_matches_its_400_n_squared_schedule_warns_before_the_wait_that_crosses_4_hours() {
    let seen = simulate("opensmtpd");
    report("opensmtpd", &seen);
    // scheduler: the n-th retry at creation + 400·n² s, expiry exactly at
    // creation + queue ttl (4 d).
    let (attempts, _) = schedule(seen.fails_after, |failure, n, _| {
        let due = (ARRIVAL + 400 * S * n * n).max(failure + S);
        (due < ARRIVAL + 4 * DAY).then_some(due)
    });
    assert_eq!(seen.attempts, attempts);
    assert_eq!(seen.bounce, ARRIVAL + 4 * DAY);
    // bounce warn-interval 4h: at the failure whose next try is at or
    // after 4 h (the 6th failure, its next try at 100 + 400·36 = 14,500 s).
    let warned_at = attempts
        .windows(2)
        .find(|w| w[1] >= ARRIVAL + 4 * HOUR)
        .map(|w| w[0] + seen.fails_after)
        .unwrap();
    assert_eq!(seen.warnings, vec![warned_at]);
    assert_eq!(warned_at / S, 10_100);
}

#[test]
fn exim_matches_its_default_retry_rule_at_most_its_cutoffs_and_warns_every_24_hours() {
    let seen = simulate("exim");
    report("exim", &seen);
    // `F,2h,15m; G,16h,1h,1.5; F,4d,6h` (configure.default), from the first
    // failure; a rule applies while the time since the first failure is
    // at most its cutoff (retry.c: failing_interval <= rule->timeout);
    // past the last one the address bounces.
    let first_failure = ARRIVAL + seen.fails_after;
    let (attempts, bounce) = schedule(seen.fails_after, |failure, _, gap| {
        // In whole seconds, as Exim's clock (time_t) counts.
        let failing = (failure / S - first_failure / S) * S;
        let interval = if failing <= 2 * HOUR {
            15 * 60 * S
        } else if failing <= 16 * HOUR {
            // G: the last gap times 1.5, at least 1 h.
            if gap < HOUR {
                HOUR
            } else {
                gap / S * 1_500 / 1_000 * S
            }
        } else if failing <= 4 * DAY {
            6 * HOUR
        } else {
            return None;
        };
        Some(failure + interval)
    });
    assert_eq!(seen.attempts, attempts);
    assert_eq!(seen.bounce, bounce);
    // At exactly 2 h Exim makes one more 15-minute retry: 9 attempts at
    // 15-minute steps after the first.
    let steps = attempts
        .windows(2)
        .take_while(|w| w[1] - w[0] == 15 * 60 * S + seen.fails_after)
        .count();
    assert_eq!(steps, 9);
    assert_eq!(attempts.len(), 29);
    // delay_warning 24h, repeated: one at each failure past 24 h, 48 h and
    // 72 h of waiting, three in a 4-day life.
    let expected: Vec<u64> = [1, 2, 3]
        .iter()
        .map(|k| {
            attempts
                .iter()
                .map(|a| a + seen.fails_after)
                .find(|f| f - ARRIVAL >= k * DAY)
                .unwrap()
        })
        .collect();
    assert_eq!(seen.warnings, expected);
}

#[test]
fn rfc5321_retries_every_30_minutes_and_gives_up_after_5_days() {
    let seen = simulate("rfc5321");
    report("rfc5321", &seen);
    // §4.5.4.1: at least 30 minutes between attempts; give up after 4–5 d.
    let (attempts, bounce) = schedule(seen.fails_after, |failure, _, _| {
        (failure - ARRIVAL < 5 * DAY).then_some(failure + 30 * 60 * S)
    });
    assert_eq!(seen.attempts, attempts);
    assert_eq!(seen.bounce, bounce);
    assert!(seen.warnings.is_empty());
}
