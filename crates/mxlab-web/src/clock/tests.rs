use std::rc::Rc;

use mxlab_sim::presets;
use mxlab_sim::trace::EventKind;

use super::*;

fn run(name: &str) -> Run {
    let s = presets::preset(name).unwrap();
    let seed = s.seed;
    Run::compute(Rc::new(s), seed, Vec::new())
}

/// Plays `clock` over `run` in frames of 1/60 s until it stops; the
/// clock after every frame.
fn play(run: &Run, clock: Clock) -> Vec<Clock> {
    let mut c = Clock {
        playing: true,
        ..clock
    };
    let mut frames = Vec::new();
    for _ in 0..2_000_000 {
        let before = c.t;
        c = c.advance(run, 1.0 / 60.0);
        assert!(c.t >= before, "the clock never goes back");
        frames.push(c);
        if !c.playing {
            break;
        }
    }
    frames
}

#[test]
fn at_a_speed_the_clock_skips_idle_gaps_and_stops_at_the_end() {
    let r = run("retry-until-mx-returns");
    let frames = play(
        &r,
        Clock {
            pace: None,
            speed: 1.0,
            ..Clock::default()
        },
    );
    let last = frames.last().unwrap();
    assert!(!last.playing, "reached the end");
    assert_eq!(last.t, r.end());
    let skips = frames.iter().filter(|c| c.skipped()).count();
    assert!(skips >= 2, "the retry waits were skipped ({skips})");
    // A skip is said for 1.5 s (90 frames), not one frame, or until the
    // next skip replaces it.
    let skipped_at: Vec<usize> = (0..frames.len()).filter(|&i| frames[i].skipped()).collect();
    for (k, &i) in skipped_at.iter().enumerate() {
        let until = skipped_at
            .get(k + 1)
            .copied()
            .unwrap_or(frames.len())
            .min(i + 89);
        assert!(
            frames[i..until]
                .iter()
                .all(|c| c.skip.is_some_and(|s| s.to == frames[i].skip.unwrap().to)),
            "the skip at frame {i} is said until frame {until}"
        );
        if until == i + 89 {
            assert!(frames
                .get(i + 92)
                .is_none_or(|c| c.skip.is_none() || c.skipped()));
        }
    }
    // Paused, the clock does not move.
    let paused = Clock {
        playing: false,
        ..*last
    };
    assert_eq!(paused.advance(&r, 1.0).t, last.t);
}

#[test]
fn speeds_below_one_play_slower_than_real_time() {
    let r = run("hello-smtp");
    let start = r.next_time(SimTime::ZERO).unwrap();
    let c = Clock {
        t: start,
        playing: true,
        pace: None,
        speed: 0.1,
        ..Clock::default()
    };
    let later = c.advance(&r, 0.1);
    assert_eq!(
        later.t.as_micros() - start.as_micros(),
        10_000,
        "0.1 s at 0.1× is 10 ms"
    );
}

#[test]
fn at_lesson_pace_every_step_takes_the_same_real_time() {
    let r = run("hello-smtp");
    let pace = 0.8;
    let frames = play(
        &r,
        Clock {
            pace: Some(pace),
            ..Clock::default()
        },
    );
    assert_eq!(frames.last().unwrap().t, r.end(), "played to the end");
    // The real time spent between two consecutive events is the pace
    // (48 frames), or more for several events at once, whatever their
    // virtual distance.
    let mut reached: Vec<(SimTime, usize)> = Vec::new();
    for (i, c) in frames.iter().enumerate() {
        if r.position(c.t) > reached.last().map_or(0, |(t, _)| r.position(*t)) {
            reached.push((c.t, i));
        }
    }
    assert!(
        reached.len() >= 15,
        "a session has many steps: {}",
        reached.len()
    );
    let mut weighted = 0;
    for w in reached.windows(2) {
        let frames = w[1].1 - w[0].1;
        let weight = step_weight(&r, w[0].0, w[1].0);
        let expected = 48.0 * weight;
        assert!(
            (frames as f64 - expected).abs() <= 2.0,
            "a step of weight {weight} took {frames} frames"
        );
        weighted += usize::from(weight > 1.0);
    }
    assert!(
        weighted >= 3,
        "the EHLO reply, the pipelined commands and the body weigh more"
    );
    // The whole session plays for longer than 8 s of real time.
    let first = &r.sessions[0];
    let closed = r
        .events()
        .iter()
        .find(|e| matches!(e.kind, EventKind::Close { conn } if conn == first.conn))
        .map(|e| e.at)
        .unwrap();
    let open = frames
        .iter()
        .filter(|c| c.t >= first.opened && c.t < closed)
        .count();
    assert!(
        open as f64 / 60.0 >= 8.0,
        "the first session shows {open} frames"
    );
}

#[test]
fn at_lesson_pace_an_idle_gap_is_said_then_jumped() {
    let r = run("retry-until-mx-returns");
    let frames = play(
        &r,
        Clock {
            pace: Some(0.8),
            ..Clock::default()
        },
    );
    assert_eq!(frames.last().unwrap().t, r.end());
    // A retry's wait: the clock holds with the notice up, then jumps.
    let held: Vec<&Clock> = frames
        .iter()
        .filter(|c| {
            c.skip
                .is_some_and(|s| s.to.as_micros() - s.from.as_micros() >= 60_000_000)
        })
        .collect();
    assert!(!held.is_empty(), "a retry wait was skipped");
    let first = held[0].skip.unwrap();
    let same: Vec<&&Clock> = held
        .iter()
        .filter(|c| c.skip.unwrap().to == first.to)
        .collect();
    assert!(
        (88..=92).contains(&same.len()),
        "held {} frames",
        same.len()
    );
    assert!(
        same.iter().all(|c| c.t == first.from),
        "the clock waits while the notice shows"
    );
    assert!(first.label().starts_with("▶▶ "), "{}", first.label());
    assert!(
        first.label().contains(" skipped — next event at "),
        "{}",
        first.label()
    );
}

#[test]
fn durations_read_as_people_say_them() {
    assert_eq!(duration(850_000), "850 ms");
    assert_eq!(duration(42_000_000), "42 s");
    assert_eq!(duration(589_000_000), "9 min 49 s");
    assert_eq!(duration(600_000_000), "10 min");
    assert_eq!(duration(7_500_000_000), "2 h 5 min");
    assert_eq!(duration(273_600_000_000), "3 d 4 h");
}

#[test]
fn the_menu_names_the_pace_or_the_speed() {
    assert_eq!(Clock::default().menu_value(), "lesson:0.8");
    let c = Clock {
        pace: None,
        speed: 100.0,
        ..Clock::default()
    };
    assert_eq!(c.menu_value(), "100");
}
