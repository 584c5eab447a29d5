//! How the clock moves while playing: at a speed (virtual seconds per
//! real second, from 0.1× to 10,000×), or at lesson pace, where every
//! step of the run (a line arriving, a DNS question or answer, a
//! connection opened or refused) takes the same real time however short
//! it was (a little more for several lines at once), so that a room can
//! follow it. Idle gaps (a retry's wait, a
//! timeout) are skipped, and the skip is said on screen long enough to be
//! read.

use mxlab_sim::SimTime;

use crate::lab::Run;

/// How the clock moves while playing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    /// The time shown.
    pub t: SimTime,
    /// Playing or paused.
    pub playing: bool,
    /// Virtual seconds per real second, when not at lesson pace.
    pub speed: f64,
    /// Lesson pace: real seconds per step of the run. `None` plays at
    /// `speed`.
    pub pace: Option<f64>,
    /// The idle gap skipped last, while it is said on screen.
    pub skip: Option<Skip>,
}

/// An idle gap skipped, said on screen for [`SKIP_SHOWN_SECS`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Skip {
    /// Where the gap starts.
    pub from: SimTime,
    /// The next event after it.
    pub to: SimTime,
    /// Real seconds it has been shown.
    pub shown: f64,
}

impl Skip {
    /// What the overlay says: `▶▶ 9 min 49 s skipped — next event at
    /// 00:10:00.000` (geometric shapes, which every font has; an emoji
    /// shows as an empty box without an emoji font).
    pub fn label(&self) -> String {
        let gap = self.to.as_micros().saturating_sub(self.from.as_micros());
        format!("▶▶ {} skipped — next event at {}", duration(gap), self.to)
    }
}

/// Idle gaps that would take longer than this (real seconds) at the
/// current speed are skipped, leaving [`GAP_LEAD_SECS`] of approach.
pub const GAP_SKIP_SECS: f64 = 0.75;
/// Real seconds of approach left before the next event after a skip.
pub const GAP_LEAD_SECS: f64 = 0.25;
/// Real seconds a skip is said on screen (at lesson pace, the clock
/// waits that long before it jumps).
pub const SKIP_SHOWN_SECS: f64 = 1.5;
/// At lesson pace, a gap between two events longer than this (virtual
/// microseconds) is idle time, skipped rather than played as a step.
pub const LESSON_IDLE_MICROS: u64 = 2_000_000;

/// The speeds offered, virtual seconds per real second.
pub const SPEEDS: [f64; 8] = [0.1, 0.25, 0.5, 1.0, 10.0, 100.0, 1000.0, 10_000.0];
/// The lesson paces offered, real seconds per step, with their names.
pub const PACES: [(f64, &str); 3] = [
    (0.8, "Lesson pace"),
    (1.6, "Lesson pace, slow"),
    (3.0, "Lesson pace, very slow"),
];
/// The lesson pace presets open at.
pub const DEFAULT_PACE: f64 = 0.8;

impl Default for Clock {
    fn default() -> Self {
        Clock {
            t: SimTime::ZERO,
            playing: false,
            speed: 1.0,
            pace: Some(DEFAULT_PACE),
            skip: None,
        }
    }
}

impl Clock {
    /// Whether the last advance began skipping an idle gap (its notice
    /// has not been shown yet).
    pub fn skipped(&self) -> bool {
        self.skip.is_some_and(|s| s.shown == 0.0)
    }

    /// The clock `real_secs` of wall time later, over `run`: idle gaps are
    /// skipped, and play stops at the run's end.
    pub fn advance(self, run: &Run, real_secs: f64) -> Clock {
        if !self.playing {
            return self;
        }
        let real = real_secs.clamp(0.0, 0.25);
        match self.pace {
            Some(pace) => self.lesson_step(run, real, pace),
            None => {
                let mut next = self.speed_step(run, real);
                // A skip said in an earlier frame stays on screen a while.
                if !next.skipped() {
                    next.skip = self
                        .skip
                        .map(|s| Skip {
                            shown: s.shown + real,
                            ..s
                        })
                        .filter(|s| s.shown < SKIP_SHOWN_SECS);
                }
                next
            }
        }
    }

    /// At a speed: `real` seconds are `real × speed` virtual seconds, and
    /// an idle gap is jumped to a little before its end.
    fn speed_step(self, run: &Run, real: f64) -> Clock {
        let step = (real * self.speed * 1e6) as u64;
        let mut t = self.t.as_micros().saturating_add(step);
        let mut skip = None;
        if let Some(next) = run.next_time(self.t) {
            let gap = next.as_micros().saturating_sub(self.t.as_micros()) as f64 / 1e6;
            if gap / self.speed > GAP_SKIP_SECS {
                let lead = (GAP_LEAD_SECS * self.speed * 1e6) as u64;
                let jump = next.as_micros().saturating_sub(lead);
                if jump > t {
                    t = jump;
                    skip = Some(Skip {
                        from: self.t,
                        to: next,
                        shown: 0.0,
                    });
                }
            }
        }
        self.moved_to(run, t, skip)
    }

    /// At lesson pace: from the last event to the next takes `pace` real
    /// seconds (more when several arrive at once: [`step_weight`]); an idle gap is said for [`SKIP_SHOWN_SECS`] and then
    /// jumped whole.
    fn lesson_step(self, run: &Run, real: f64, pace: f64) -> Clock {
        let now = self.t.as_micros();
        let Some(next) = run.next_time(self.t) else {
            return self.moved_to(run, run.end().as_micros(), None);
        };
        // Waiting out an idle gap's notice: jump once it has been read.
        if let Some(s) = self.skip.filter(|s| s.to == next && self.t < s.to) {
            let shown = s.shown + real;
            if shown >= SKIP_SHOWN_SECS {
                return self.moved_to(run, next.as_micros(), None);
            }
            return Clock {
                skip: Some(Skip { shown, ..s }),
                ..self
            };
        }
        let last = run.time_at(run.position(self.t)).as_micros().min(now);
        let gap = next.as_micros().saturating_sub(last).max(1);
        if gap > LESSON_IDLE_MICROS {
            return Clock {
                skip: Some(Skip {
                    from: self.t,
                    to: next,
                    shown: 0.0,
                }),
                ..self
            };
        }
        let step =
            (real / (pace.max(0.05) * step_weight(run, self.t, next)) * gap as f64).ceil() as u64;
        let t = now.saturating_add(step).min(next.as_micros());
        self.moved_to(run, t, None)
    }

    /// The clock at virtual time `t` (capped at the run's end, where play
    /// stops), having skipped `skip`.
    fn moved_to(self, run: &Run, t: u64, skip: Option<Skip>) -> Clock {
        let end = run.end().as_micros();
        Clock {
            t: SimTime::from_micros(t.min(end)),
            playing: t < end,
            skip,
            ..self
        }
    }

    /// What the speed menu shows: `lesson:0.8` at lesson pace, else the
    /// speed (`100`).
    pub fn menu_value(&self) -> String {
        match self.pace {
            Some(p) => format!("lesson:{p}"),
            None => self.speed.to_string(),
        }
    }
}

/// How many paces the step from `t` to the next event at `next` takes:
/// one for a single event, half a pace more for each other event at the
/// same instant (the six lines of an EHLO reply, a pipelined MAIL, RCPT
/// and DATA, a message's body in one write), at most three.
pub fn step_weight(run: &Run, t: SimTime, next: SimTime) -> f64 {
    let together = run.position(next).saturating_sub(run.position(t)).max(1);
    (1.0 + 0.5 * (together - 1) as f64).min(3.0)
}

/// A virtual duration for people: `850 ms`, `42 s`, `9 min 49 s`,
/// `2 h 5 min`, `3 d 4 h`.
pub fn duration(micros: u64) -> String {
    let secs = micros / 1_000_000;
    match secs {
        0 => format!("{} ms", micros / 1000),
        1..=59 => format!("{secs} s"),
        60..=3599 => match secs % 60 {
            0 => format!("{} min", secs / 60),
            s => format!("{} min {s} s", secs / 60),
        },
        3600..=86_399 => match (secs % 3600) / 60 {
            0 => format!("{} h", secs / 3600),
            m => format!("{} h {m} min", secs / 3600),
        },
        _ => match (secs % 86_400) / 3600 {
            0 => format!("{} d", secs / 86_400),
            h => format!("{} d {h} h", secs / 86_400),
        },
    }
}

#[cfg(test)]
mod tests;
