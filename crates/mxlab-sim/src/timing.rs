//! MTA timing profiles: when a deferred message is tried again, when it
//! expires, when the sender is warned, and the SMTP client's timeouts.
//!
//! Each built-in profile reproduces a real MTA's documented defaults, so a
//! lecture can put them side by side:
//!
//! | profile | retries | gives up | delay warnings |
//! | --- | --- | --- | --- |
//! | `postfix` | backoff = message age clamped to 300..=4000 s, picked up by the deferred-queue scan every 300 s | first failure at or after 5 d | none |
//! | `opensmtpd` | 400·n² s after arrival | exactly 4 d after arrival | one, at the failure whose next try is at or after 4 h |
//! | `exim` | `F,2h,15m; G,16h,1h,1.5; F,4d,6h` from the first failure, each rule while at most its cutoff has passed | first failure past 4 d | every 24 h |
//! | `rfc5321` | every 30 min (RFC 5321 §4.5.4.1) | first failure at or after 5 d | none |
//!
//! Each constructor cites the MTA's own parameter names, their default
//! values and the source files they come from;
//! `tests/profiles_as_their_mtas.rs` checks every attempt, warning and
//! bounce against each MTA's algorithm written out independently.

use core::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::time::SimTime;

/// How long to wait before the next delivery attempt of a deferred message.
// Read from JSON by the scenario's `tagged`, not by serde's derive.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Backoff {
    /// Postfix's queue manager: the next attempt is due after the message's
    /// age, clamped to `min_secs..=max_secs` (`minimal_backoff_time`,
    /// `maximal_backoff_time`), which doubles the wait after each failure.
    Doubling {
        /// `minimal_backoff_time`.
        min_secs: u64,
        /// `maximal_backoff_time`.
        max_secs: u64,
    },
    /// OpenSMTPD's scheduler: attempt n is due `unit_secs`·n² after arrival.
    Quadratic {
        /// The base delay (400 s in OpenSMTPD).
        unit_secs: u64,
    },
    /// A fixed interval between attempts (RFC 5321 §4.5.4.1: at least 30 min).
    Fixed {
        /// Seconds between attempts.
        interval_secs: u64,
    },
    /// Exim's retry rules, each applying until its cutoff, measured from
    /// the first failure.
    Rules {
        /// The rules, in order of cutoff.
        rules: Vec<RetryRule>,
    },
}

/// The shape of one Exim retry rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum RetryKind {
    /// `F`: a fixed interval.
    F,
    /// `G`: a geometric interval, the previous one times a factor.
    G,
}

/// One Exim retry rule, such as `G,16h,1h,1.5`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryRule {
    /// `F` or `G`.
    pub kind: RetryKind,
    /// The rule applies while the time since the first failure is below this.
    pub until_secs: u64,
    /// The (first) interval.
    pub interval_secs: u64,
    /// The multiplier of a `G` rule (ignored for `F`).
    #[serde(default = "one")]
    pub factor: f64,
}

fn one() -> f64 {
    1.0
}

/// The SMTP client's timeouts (RFC 5321 §4.5.3.2), in seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ClientTimeouts {
    /// TCP connection set-up.
    pub connect_secs: u64,
    /// Waiting for the greeting and the HELO/EHLO reply.
    pub helo_secs: u64,
    /// Waiting for the MAIL reply.
    pub mail_secs: u64,
    /// Waiting for each RCPT reply.
    pub rcpt_secs: u64,
    /// Waiting for the 354 reply to DATA.
    pub data_init_secs: u64,
    /// Sending each block of message data.
    pub data_block_secs: u64,
    /// Waiting for the reply to the final dot.
    pub data_done_secs: u64,
}

impl Default for ClientTimeouts {
    /// Postfix's `smtp_*_timeout` defaults (which are also RFC 5321's).
    fn default() -> Self {
        ClientTimeouts {
            connect_secs: 30,
            helo_secs: 300,
            mail_secs: 300,
            rcpt_secs: 300,
            data_init_secs: 120,
            data_block_secs: 180,
            data_done_secs: 600,
        }
    }
}

/// Everything about time that differs between MTAs. Every number can be
/// set in a scenario's custom profile; unset numbers take Postfix's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TimingProfile {
    /// When set, deferred messages are only picked up by a queue scan every
    /// this many seconds (Postfix's `queue_run_delay`).
    pub queue_run_delay_secs: Option<u64>,
    /// The wait between attempts.
    pub backoff: Backoff,
    /// Give up (bounce) when a message has been queued this long.
    pub max_queue_lifetime_secs: u64,
    /// Bounce exactly at the lifetime (OpenSMTPD) instead of at the first
    /// failed attempt after it (Postfix, Exim).
    pub expire_exactly: bool,
    /// Send a delay warning (RFC 3464 `action: delayed`) when a message
    /// has been queued this long.
    pub delay_warning_secs: Option<u64>,
    /// Send it again each time the message has waited that long once
    /// more (Exim's `delay_warning`, whose last time repeats: 24 h, 48 h,
    /// 72 h, ...); otherwise once.
    pub delay_warning_repeats: bool,
    /// Send it at the failed attempt whose *next* try falls at or after
    /// the warning time (OpenSMTPD: the sender hears before the wait that
    /// crosses it), rather than at the first failed attempt at or after
    /// it (Postfix's `delay_warning_time`, Exim).
    pub delay_warning_before_next_try: bool,
    /// Maximum `Received:` headers before a message is a loop (554 5.4.6).
    pub hop_limit: u32,
    /// The SMTP client's timeouts.
    pub timeouts: ClientTimeouts,
    /// At most this many connections open at once to one destination (a
    /// domain, or the smarthost); the next delivery waits for one to
    /// close. `None`: no limit.
    pub destination_concurrency: Option<u32>,
}

impl Default for TimingProfile {
    fn default() -> Self {
        TimingProfile::postfix()
    }
}

/// What to do after a failed delivery attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RetryDecision {
    /// Try again at this time.
    RetryAt(SimTime),
    /// The queue lifetime is over: bounce at this time.
    ExpireAt(SimTime),
}

/// The names of the built-in profiles.
pub const BUILTIN_PROFILES: [&str; 4] = ["postfix", "opensmtpd", "exim", "rfc5321"];

const HOUR: u64 = 3_600;
const DAY: u64 = 86_400;

impl TimingProfile {
    /// Postfix 3.x defaults, from `src/global/mail_params.h` (documented in
    /// postconf(5)): `queue_run_delay = 300s` (`DEF_QUEUE_RUN_DELAY`),
    /// `minimal_backoff_time = 300s` (`DEF_MIN_BACKOFF_TIME`),
    /// `maximal_backoff_time = 4000s` (`DEF_MAX_BACKOFF_TIME`),
    /// `maximal_queue_lifetime = 5d` (`DEF_MAX_QUEUE_TIME`),
    /// `delay_warning_time = 0h`, off (`DEF_DELAY_WARN_TIME`),
    /// `hopcount_limit = 50` (`DEF_HOPCOUNT_LIMIT`),
    /// `default_destination_concurrency_limit = 20`, and the `smtp_*_timeout`
    /// defaults (connect 30 s, helo/mail/rcpt 300 s, data_init 120 s,
    /// data_xfer 180 s, data_done 600 s). The wait after a failure is the
    /// message's age clamped between the two backoff times
    /// (`src/qmgr/qmgr_active.c`, `qmgr_active_defer`), and deferred mail is
    /// picked up by the next deferred-queue scan.
    pub fn postfix() -> Self {
        TimingProfile {
            queue_run_delay_secs: Some(300),
            backoff: Backoff::Doubling {
                min_secs: 300,
                max_secs: 4_000,
            },
            max_queue_lifetime_secs: 5 * DAY,
            expire_exactly: false,
            delay_warning_secs: None,
            delay_warning_repeats: false,
            delay_warning_before_next_try: false,
            hop_limit: 50,
            timeouts: ClientTimeouts::default(),
            // `default_destination_concurrency_limit`.
            destination_concurrency: Some(20),
        }
    }

    /// OpenSMTPD defaults: the n-th retry at creation + 400·n² s
    /// (`smtpd/scheduler_ramqueue.c`, `BACKOFF_TRANSFER` 400 s for relayed
    /// mail), expiry exactly at creation + `queue ttl`, 4 d
    /// (`SMTPD_QUEUE_EXPIRY` in `smtpd/smtpd.h`), one delay warning per
    /// `bounce warn-interval`, 4 h by default (smtpd.conf(5)), sent at the
    /// failure whose next try falls at or after it; hop limit 100
    /// (`MAX_HOPS_COUNT` in `smtpd/smtpd.h`); `MAXCONN_PER_ROUTE` 5
    /// (`smtpd/mta.c`); connect timeout 300 s.
    pub fn opensmtpd() -> Self {
        TimingProfile {
            queue_run_delay_secs: None,
            backoff: Backoff::Quadratic { unit_secs: 400 },
            max_queue_lifetime_secs: 4 * DAY,
            expire_exactly: true,
            delay_warning_secs: Some(4 * HOUR),
            delay_warning_repeats: false,
            delay_warning_before_next_try: true,
            hop_limit: 100,
            timeouts: ClientTimeouts {
                connect_secs: 300,
                ..ClientTimeouts::default()
            },
            // `MAXCONN_PER_ROUTE` in its mta.c (one source to one MX).
            destination_concurrency: Some(5),
        }
    }

    /// Exim's defaults: the retry rule of `src/configure.default`
    /// (`* * F,2h,15m; G,16h,1h,1.5; F,4d,6h`), each rule applying while
    /// the time since the first failure is at most its cutoff
    /// (`src/retry.c`: `failing_interval <= rule->timeout`), the address
    /// bouncing at the first failure past the last; `delay_warning = 24h`
    /// (`src/readconf.c`), whose last time repeats: a warning after 24 h,
    /// 48 h, 72 h; `received_headers_max = 30`; the smtp transport's
    /// `connect_timeout`, `command_timeout` and `data_timeout` of 5 m and
    /// `final_timeout` of 10 m (`src/transports/smtp.c`).
    pub fn exim() -> Self {
        TimingProfile {
            queue_run_delay_secs: None,
            backoff: Backoff::Rules {
                rules: vec![
                    RetryRule {
                        kind: RetryKind::F,
                        until_secs: 2 * HOUR,
                        interval_secs: 15 * 60,
                        factor: 1.0,
                    },
                    RetryRule {
                        kind: RetryKind::G,
                        until_secs: 16 * HOUR,
                        interval_secs: HOUR,
                        factor: 1.5,
                    },
                    RetryRule {
                        kind: RetryKind::F,
                        until_secs: 4 * DAY,
                        interval_secs: 6 * HOUR,
                        factor: 1.0,
                    },
                ],
            },
            max_queue_lifetime_secs: 4 * DAY,
            expire_exactly: false,
            delay_warning_secs: Some(24 * HOUR),
            delay_warning_repeats: true,
            delay_warning_before_next_try: false,
            hop_limit: 30,
            timeouts: ClientTimeouts {
                connect_secs: 300,
                helo_secs: 300,
                mail_secs: 300,
                rcpt_secs: 300,
                data_init_secs: 300,
                data_block_secs: 300,
                data_done_secs: 600,
            },
            // No per-destination limit unless `serialize_hosts` is set.
            destination_concurrency: None,
        }
    }

    /// RFC 5321 §4.5.4.1: at least 30 minutes between attempts, give up
    /// after 4–5 days (5 here); hop limit 100 (§6.3).
    pub fn rfc5321() -> Self {
        TimingProfile {
            queue_run_delay_secs: None,
            backoff: Backoff::Fixed {
                interval_secs: 30 * 60,
            },
            max_queue_lifetime_secs: 5 * DAY,
            expire_exactly: false,
            delay_warning_secs: None,
            delay_warning_repeats: false,
            delay_warning_before_next_try: false,
            hop_limit: 100,
            timeouts: ClientTimeouts {
                connect_secs: 300,
                ..ClientTimeouts::default()
            },
            // The RFC gives no number.
            destination_concurrency: None,
        }
    }

    /// The built-in profile with this name.
    pub fn builtin(name: &str) -> Option<Self> {
        match name {
            "postfix" => Some(Self::postfix()),
            "opensmtpd" => Some(Self::opensmtpd()),
            "exim" => Some(Self::exim()),
            "rfc5321" => Some(Self::rfc5321()),
            _ => None,
        }
    }

    /// The decision after a failed attempt at `now` of a message that
    /// arrived at `arrival`, first failed at `first_failure`, has now failed
    /// `failures` times (this one included, so at least 1), and whose
    /// previous wait between attempts was `last_gap`.
    pub fn after_failure(
        &self,
        arrival: SimTime,
        first_failure: SimTime,
        now: SimTime,
        failures: u32,
        last_gap: Duration,
    ) -> RetryDecision {
        let lifetime_end = arrival.plus_secs(self.max_queue_lifetime_secs);
        if now >= lifetime_end {
            return RetryDecision::ExpireAt(now);
        }
        let age = now.saturating_duration_since(arrival).as_secs();
        let due = match &self.backoff {
            Backoff::Doubling { min_secs, max_secs } => {
                now.plus_secs(age.clamp(*min_secs, (*max_secs).max(*min_secs)).max(1))
            }
            Backoff::Quadratic { unit_secs } => {
                let n = u64::from(failures);
                let at = arrival.plus_secs(unit_secs.saturating_mul(n.saturating_mul(n)));
                at.max(now.plus_secs(1))
            }
            Backoff::Fixed { interval_secs } => now.plus_secs((*interval_secs).max(1)),
            Backoff::Rules { rules } => {
                let since_first = now.saturating_duration_since(first_failure).as_secs();
                // Exim's `retry.c`: a rule applies while the time since the
                // first failure is at most its cutoff
                // (`failing_interval <= rule->timeout`).
                match rules.iter().find(|r| since_first <= r.until_secs) {
                    None => return RetryDecision::ExpireAt(now),
                    Some(rule) => {
                        let interval = match rule.kind {
                            RetryKind::F => rule.interval_secs,
                            RetryKind::G => {
                                let grown = (last_gap.as_secs() as f64 * rule.factor) as u64;
                                grown.max(rule.interval_secs)
                            }
                        };
                        now.plus_secs(interval.max(1))
                    }
                }
            }
        };
        let due = match self.queue_run_delay_secs {
            Some(scan) if scan > 0 => next_scan(due, scan),
            _ => due,
        };
        if self.expire_exactly && due >= lifetime_end {
            RetryDecision::ExpireAt(lifetime_end)
        } else {
            RetryDecision::RetryAt(due)
        }
    }

    /// The attempts of a message that arrives at zero, is tried at once, and
    /// fails every time: each attempt's time, then the time it expires.
    pub fn retry_schedule(&self) -> (Vec<SimTime>, SimTime) {
        let mut attempts = vec![SimTime::ZERO];
        let mut now = SimTime::ZERO;
        let mut gap = Duration::ZERO;
        let mut failures = 0u32;
        loop {
            failures = failures.saturating_add(1);
            match self.after_failure(SimTime::ZERO, SimTime::ZERO, now, failures, gap) {
                RetryDecision::RetryAt(at) => {
                    gap = at.saturating_duration_since(now);
                    now = at;
                    attempts.push(at);
                }
                RetryDecision::ExpireAt(at) => return (attempts, at),
            }
            if attempts.len() > 100_000 {
                return (attempts, now);
            }
        }
    }
}

/// The first deferred-queue scan at or after `due`, scans running every
/// `scan_secs` from time zero.
fn next_scan(due: SimTime, scan_secs: u64) -> SimTime {
    let period = scan_secs.saturating_mul(1_000_000);
    let t = due.as_micros();
    let rem = t % period;
    if rem == 0 {
        due
    } else {
        SimTime::from_micros(t.saturating_add(period - rem))
    }
}
