//! The vertical scale of a ladder: simulated time to y and back.
//!
//! Time flows down, but not linearly: every moment at which something is
//! drawn (an *instant*) gets a stack of rows, one per arrow end, marker or
//! note line there (what arrives first, then what leaves, so a reply
//! leaves below the command it answers); the space between two instants
//! grows with the logarithm of the time between them, and a gap longer
//! than the idle threshold is compressed into a fixed-height break. The
//! map is monotonic, so it inverts.

use core::time::Duration;

use crate::time::SimTime;

/// Height of one row: one arrow end, one marker, one line of a note.
pub(super) const ROW: f64 = 18.0;
/// Space below the last row of an instant, before the next one.
const PAD: f64 = 8.0;
/// Height of a compressed idle gap (below the last row of its instant).
pub(super) const BREAK: f64 = 52.0;

/// One moment at which something is drawn.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Instant {
    /// When.
    pub t: SimTime,
    /// The y of its first row.
    pub y: f64,
    /// Rows of what arrives then.
    pub arriving: usize,
    /// Rows in all.
    pub rows: usize,
}

/// An idle gap compressed into a break, with the time it skips.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Gap {
    /// The instant before it (index into the instants).
    pub after: usize,
}

/// The instants of a ladder, placed.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Scale {
    pub instants: Vec<Instant>,
    pub gaps: Vec<Gap>,
}

impl Scale {
    /// Places instants `(t, arriving rows, leaving rows)` (in time order,
    /// each time once) from `top` down; gaps longer than `idle` become
    /// breaks.
    pub fn place(stacks: &[(SimTime, usize, usize)], top: f64, idle: Duration) -> Scale {
        let mut scale = Scale::default();
        let mut y = top;
        let idle = u64::try_from(idle.as_micros()).unwrap_or(u64::MAX);
        for (i, &(t, arriving, leaving)) in stacks.iter().enumerate() {
            let rows = (arriving + leaving).max(1);
            scale.instants.push(Instant {
                t,
                y,
                arriving,
                rows,
            });
            let Some(&(next, _, _)) = stacks.get(i + 1) else {
                break;
            };
            let dt = next.as_micros().saturating_sub(t.as_micros());
            let stack = rows as f64 * ROW;
            if dt > idle {
                scale.gaps.push(Gap { after: i });
                y += stack + BREAK;
            } else {
                // 20 ms (a line's flight on a typical link) adds 22 px,
                // a second 93 px: sloped arrows, readable gaps.
                let ms = dt as f64 / 1_000.0;
                y += stack + PAD + 14.0 * (1.0 + ms / 10.0).log2();
            }
        }
        scale
    }

    /// The y of row `row` of the instant at `t` (or of the last before).
    pub fn row_y(&self, t: SimTime, row: usize) -> f64 {
        let i = self
            .instants
            .partition_point(|s| s.t <= t)
            .saturating_sub(1);
        self.instants.get(i).map_or(0.0, |s| s.y + row as f64 * ROW)
    }

    /// Half a row above the first row of instant `i`: where the moment
    /// just before it is drawn.
    fn before(s: &Instant) -> f64 {
        s.y - ROW / 2.0
    }

    /// Half a row below the last row of instant `i`: where its moment is
    /// drawn (all that happened then is above it).
    fn after(s: &Instant) -> f64 {
        s.y + (s.rows as f64 - 0.5) * ROW
    }

    /// The y of moment `t`: below everything drawn at or before `t`, above
    /// everything after it; linear between two instants.
    pub fn y_at(&self, t: SimTime) -> f64 {
        let i = self.instants.partition_point(|s| s.t <= t);
        let (Some(prev), next) = (
            i.checked_sub(1).and_then(|p| self.instants.get(p)),
            self.instants.get(i),
        ) else {
            return self.instants.first().map_or(0.0, Self::before);
        };
        let Some(next) = next else {
            return Self::after(prev);
        };
        let (y0, y1) = (Self::after(prev), Self::before(next));
        let span = next.t.as_micros().saturating_sub(prev.t.as_micros()) as f64;
        let part = t.as_micros().saturating_sub(prev.t.as_micros()) as f64;
        if span <= 0.0 {
            y0
        } else {
            y0 + (y1 - y0) * (part / span)
        }
    }

    /// The moment drawn at `y`: the inverse of [`Scale::y_at`] (the time of
    /// an instant across its rows, linear between instants).
    pub fn time_at(&self, y: f64) -> SimTime {
        let (Some(first), Some(last)) = (self.instants.first(), self.instants.last()) else {
            return SimTime::ZERO;
        };
        if y <= Self::after(first) {
            return first.t;
        }
        if y >= Self::after(last) {
            return last.t;
        }
        for pair in self.instants.windows(2) {
            let [prev, next] = pair else { continue };
            let (y0, y1) = (Self::after(prev), Self::before(next));
            if y <= y0 {
                return prev.t;
            }
            if y < y1 {
                let span = next.t.as_micros().saturating_sub(prev.t.as_micros()) as f64;
                let part = ((y - y0) / (y1 - y0)).clamp(0.0, 1.0);
                return prev.t.plus_micros((span * part).round() as u64);
            }
            if y <= Self::after(next) {
                return next.t;
            }
        }
        last.t
    }

    /// The band `(y1, y2)` of a break, between the last row of the
    /// instant before it and the first row of the one after.
    pub fn gap_band(&self, gap: Gap) -> Option<(f64, f64, SimTime, SimTime)> {
        let prev = self.instants.get(gap.after)?;
        let next = self.instants.get(gap.after + 1)?;
        Some((Self::after(prev), Self::before(next), prev.t, next.t))
    }
}

/// A skipped duration in words: `40 ms`, `1.5 s`, `9 min 58 s`,
/// `1 h 20 min`, `2 d 3 h`.
pub fn duration_words(micros: u64) -> String {
    let ms = micros / 1_000;
    let s = micros / 1_000_000;
    if s < 1 {
        return format!("{ms} ms");
    }
    if s < 60 {
        let tenths = micros / 100_000;
        return if tenths % 10 == 0 {
            format!("{s} s")
        } else {
            format!("{}.{} s", tenths / 10, tenths % 10)
        };
    }
    let (d, h, m, sec) = (s / 86_400, s / 3_600 % 24, s / 60 % 60, s % 60);
    let two = |a: u64, ua: &str, b: u64, ub: &str| {
        if b == 0 {
            format!("{a} {ua}")
        } else {
            format!("{a} {ua} {b} {ub}")
        }
    };
    if d > 0 {
        two(d, "d", h, "h")
    } else if h > 0 {
        two(h, "h", m, "min")
    } else {
        two(m, "min", sec, "s")
    }
}
