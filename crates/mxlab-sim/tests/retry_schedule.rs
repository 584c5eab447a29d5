//! The retry schedule of each built-in timing profile, printed and checked
//! against the MTA's documented numbers.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use core::time::Duration;

use mxlab_sim::timing::{RetryDecision, TimingProfile};
use mxlab_sim::SimTime;

fn secs(schedule: &[SimTime]) -> Vec<u64> {
    schedule.iter().map(|t| t.as_secs()).collect()
}

fn print(name: &str, p: &TimingProfile) -> (Vec<u64>, u64) {
    let (attempts, expiry) = p.retry_schedule();
    let s = secs(&attempts);
    println!("{name}: {} attempts, expires at {}", s.len(), expiry);
    for t in &attempts {
        println!("  attempt at {t}");
    }
    (s, expiry.as_secs())
}

#[test]
fn postfix_doubles_from_300_to_4000_and_bounces_after_5_days() {
    let (s, expiry) = print("postfix", &TimingProfile::postfix());
    assert_eq!(&s[..8], &[0, 300, 600, 1200, 2400, 4800, 9000, 13200]);
    // Then every maximal_backoff_time (4000 s), rounded up to the next
    // deferred-queue scan (every 300 s): 4200 s.
    for w in s[6..].windows(2) {
        assert_eq!(w[1] - w[0], 4200);
    }
    // The first failed attempt at or after 5 days bounces.
    let last = *s.last().unwrap();
    assert!(s[s.len() - 2] < 5 * 86_400 && last >= 5 * 86_400);
    assert_eq!(expiry, last);
    assert!(expiry < 5 * 86_400 + 4200);
}

#[test]
fn postfix_waits_for_the_deferred_queue_scan() {
    let p = TimingProfile::postfix();
    // Arrived at 17 s, failed at once: due at 317 s, but the scan runs
    // every 300 s from zero, so it is picked up at 600 s.
    let at = SimTime::from_secs(17);
    assert_eq!(
        p.after_failure(at, at, at, 1, Duration::ZERO),
        RetryDecision::RetryAt(SimTime::from_secs(600))
    );
}

#[test]
fn opensmtpd_retries_at_400_n_squared_and_expires_at_4_days() {
    let (s, expiry) = print("opensmtpd", &TimingProfile::opensmtpd());
    assert_eq!(&s[..5], &[0, 400, 1600, 3600, 6400]);
    for (n, t) in s.iter().enumerate() {
        assert_eq!(*t, 400 * (n as u64) * (n as u64));
    }
    assert_eq!(expiry, 4 * 86_400);
    let p = TimingProfile::opensmtpd();
    assert_eq!(p.delay_warning_secs, Some(4 * 3_600));
    assert_eq!(p.hop_limit, 100);
}

#[test]
fn exim_follows_f_2h_15m_g_16h_1h_1_5_f_4d_6h() {
    let (s, expiry) = print("exim", &TimingProfile::exim());
    // Every 15 minutes while at most 2 hours have passed since the first
    // failure: the failure at exactly 2 h retries in 15 minutes too.
    let first: Vec<u64> = s.iter().copied().take_while(|t| *t <= 8100).collect();
    assert_eq!(first, (0..=9).map(|k| k * 900).collect::<Vec<_>>());
    // Then geometric from 1 h by 1.5.
    let gaps: Vec<u64> = s.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(&gaps[9..13], &[3600, 5400, 8100, 12150]);
    // After 16 h, every 6 hours.
    let late: Vec<u64> = s
        .windows(2)
        .filter(|w| w[0] >= 16 * 3600)
        .map(|w| w[1] - w[0])
        .collect();
    assert!(late.iter().all(|g| *g == 6 * 3600), "{late:?}");
    assert!((4 * 86_400..4 * 86_400 + 6 * 3600).contains(&expiry));
}

#[test]
fn rfc5321_waits_30_minutes_and_gives_up_after_5_days() {
    let (s, expiry) = print("rfc5321", &TimingProfile::rfc5321());
    assert!(s.windows(2).all(|w| w[1] - w[0] == 1800));
    // 0, 30 min, ..., and the last one exactly at 5 days, which fails and bounces.
    assert_eq!(s.len(), 5 * 48 + 1);
    assert_eq!(*s.last().unwrap(), 5 * 86_400);
    assert_eq!(expiry, 5 * 86_400);
}

#[test]
fn postfix_client_timeouts_are_documented_defaults() {
    let t = TimingProfile::postfix().timeouts;
    assert_eq!(
        (t.connect_secs, t.helo_secs, t.mail_secs, t.rcpt_secs),
        (30, 300, 300, 300)
    );
    assert_eq!(
        (t.data_init_secs, t.data_block_secs, t.data_done_secs),
        (120, 180, 600)
    );
    assert_eq!(TimingProfile::postfix().delay_warning_secs, None);
    assert_eq!(TimingProfile::postfix().hop_limit, 50);
}

#[test]
fn every_builtin_name_resolves() {
    for name in mxlab_sim::timing::BUILTIN_PROFILES {
        assert!(TimingProfile::builtin(name).is_some(), "{name}");
    }
    assert!(TimingProfile::builtin("sendmail").is_none());
}

#[test]
fn a_zero_backoff_still_moves_the_clock() {
    // Validation rejects these numbers; the engine must still terminate.
    let mut p = TimingProfile::postfix();
    p.queue_run_delay_secs = None;
    p.backoff = mxlab_sim::timing::Backoff::Doubling {
        min_secs: 0,
        max_secs: 0,
    };
    let now = SimTime::ZERO;
    match p.after_failure(now, now, now, 1, Duration::ZERO) {
        RetryDecision::RetryAt(at) => assert!(at > now),
        other => panic!("{other:?}"),
    }
}

#[test]
fn exim_uses_its_own_transport_timeouts_and_received_headers_max() {
    let p = TimingProfile::exim();
    let t = &p.timeouts;
    // connect_timeout, command_timeout, data_timeout 5 m; final_timeout 10 m.
    assert_eq!(
        (t.connect_secs, t.helo_secs, t.mail_secs, t.rcpt_secs),
        (300, 300, 300, 300)
    );
    assert_eq!(
        (t.data_init_secs, t.data_block_secs, t.data_done_secs),
        (300, 300, 600)
    );
    assert_eq!(p.hop_limit, 30);
    assert!(p.delay_warning_repeats && !p.delay_warning_before_next_try);
    assert!(TimingProfile::opensmtpd().delay_warning_before_next_try);
}
