//! The simulation's virtual clock: [`SimTime`], microseconds since the
//! start of a run. Nothing here reads a wall clock.

use core::fmt;
use core::time::Duration;

use mxlab_proto::Instant;
use serde::{Deserialize, Serialize};

/// A point on the simulation's virtual clock, in microseconds since the
/// start of the run. The clock only moves when the event queue hands out
/// the next event; it never reads the wall clock.
#[derive(
    Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimTime(u64);

impl SimTime {
    /// The start of the run.
    pub const ZERO: SimTime = SimTime(0);
    /// The end of time (never reached by a run).
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// `micros` microseconds after the start.
    pub const fn from_micros(micros: u64) -> Self {
        SimTime(micros)
    }

    /// `millis` milliseconds after the start, saturating.
    pub const fn from_millis(millis: u64) -> Self {
        SimTime(millis.saturating_mul(1_000))
    }

    /// `secs` seconds after the start, saturating.
    pub const fn from_secs(secs: u64) -> Self {
        SimTime(secs.saturating_mul(1_000_000))
    }

    /// Microseconds since the start.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Whole seconds since the start (rounded down).
    pub const fn as_secs(self) -> u64 {
        self.0 / 1_000_000
    }

    /// This time plus `d`, saturating at [`SimTime::MAX`].
    pub fn saturating_add(self, d: Duration) -> Self {
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        SimTime(self.0.saturating_add(micros))
    }

    /// This time plus `micros` microseconds, saturating.
    pub const fn plus_micros(self, micros: u64) -> Self {
        SimTime(self.0.saturating_add(micros))
    }

    /// This time plus `secs` seconds, saturating.
    pub const fn plus_secs(self, secs: u64) -> Self {
        SimTime(self.0.saturating_add(secs.saturating_mul(1_000_000)))
    }

    /// The time from `earlier` to this one, or zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: SimTime) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
}

impl From<Instant> for SimTime {
    fn from(i: Instant) -> Self {
        SimTime(i.as_micros())
    }
}

impl From<SimTime> for Instant {
    fn from(t: SimTime) -> Self {
        Instant::from_micros(t.0)
    }
}

impl fmt::Display for SimTime {
    /// `1d 02:03:04.567` (days only when non-zero), as the timeline shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = (self.0 / 1_000) % 1_000;
        let secs = self.0 / 1_000_000;
        let (d, h, m, s) = (secs / 86_400, secs / 3_600 % 24, secs / 60 % 60, secs % 60);
        if d > 0 {
            write!(f, "{d}d ")?;
        }
        write!(f, "{h:02}:{m:02}:{s:02}.{millis:03}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_to_and_from_proto_instant() {
        let t = SimTime::from_secs(300);
        let i: Instant = t.into();
        assert_eq!(i, Instant::from_secs(300));
        assert_eq!(SimTime::from(i), t);
    }

    #[test]
    fn displays_days_hours_minutes_seconds_millis() {
        assert_eq!(SimTime::from_millis(1_500).to_string(), "00:00:01.500");
        assert_eq!(
            SimTime::from_secs(86_400 + 2 * 3_600 + 3 * 60 + 4).to_string(),
            "1d 02:03:04.000"
        );
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(SimTime::MAX.plus_secs(1), SimTime::MAX);
        assert_eq!(
            SimTime::ZERO.saturating_duration_since(SimTime::from_secs(1)),
            Duration::ZERO
        );
        assert_eq!(
            SimTime::ZERO.saturating_add(Duration::from_millis(2)),
            SimTime::from_micros(2_000)
        );
    }
}
