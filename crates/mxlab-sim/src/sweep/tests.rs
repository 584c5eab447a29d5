use super::*;
use crate::budget::Limit;
use crate::presets;

fn histogram_of(values: &[u64]) -> Vec<Bucket> {
    let mut counts = BTreeMap::new();
    for v in values {
        *counts.entry(*v).or_default() += 1;
    }
    histogram(&counts)
}

fn rows(h: &[Bucket]) -> Vec<(u64, u64, u64)> {
    h.iter().map(|b| (b.from, b.to, b.runs)).collect()
}

/// A run with these counts and latencies (in seconds).
fn run(seed: u64, delivered: usize, attempts: usize, latencies: &[f64]) -> SweepRun {
    let summary = Summary {
        delivered,
        attempts,
        latencies_secs: latencies.to_vec(),
        ..Summary::default()
    };
    SweepRun::of_summary(seed, &summary, None, |_| String::new())
}

/// Seeds `seeds` of a preset on noisy links, where the seed matters.
fn noisy_runs(preset: &str, seeds: std::ops::Range<u64>) -> Vec<SweepRun> {
    let scenario = presets::noisy(presets::preset(preset).unwrap(), 400, 0.05);
    seeds
        .map(|seed| {
            let sim = simulate(scenario.clone(), seed, None, Budget::DEFAULT);
            SweepRun::of(seed, &sim, |_| "advice".to_owned())
        })
        .collect()
}

fn totals_of(runs: &[SweepRun]) -> Totals {
    let mut t = Totals::default();
    for r in runs {
        t.add(r);
    }
    t
}

#[test]
fn few_values_get_a_row_each() {
    assert_eq!(
        rows(&histogram_of(&[3, 2, 3, 7])),
        [(2, 2, 1), (3, 3, 2), (7, 7, 1)]
    );
    assert!(histogram_of(&[]).is_empty());
}

#[test]
fn many_values_are_grouped_into_ranges_with_the_gaps_kept() {
    let values: Vec<u64> = (100..200).collect();
    let h = histogram_of(&values);
    assert_eq!(h.len(), 20);
    assert_eq!(rows(&h[..1]), [(100, 104, 5)]);
    assert_eq!(h.iter().map(|b| b.runs).sum::<u64>(), 100);
    assert_eq!(h.last().map(|b| b.to), Some(199));
    assert_eq!(h[0].label(), "100..=104");

    let mut spread: Vec<u64> = (0..21).collect();
    spread.push(1000);
    let h = histogram_of(&spread);
    assert!(h.iter().any(|b| b.runs == 0), "an empty range shows");
    assert_eq!(h.iter().map(|b| b.runs).sum::<u64>(), 22);
}

#[test]
fn the_widest_range_of_values_does_not_overflow() {
    let h = histogram_of(&(0..30).chain([u64::MAX]).collect::<Vec<_>>());
    assert_eq!(h.iter().map(|b| b.runs).sum::<u64>(), 31);
    assert_eq!(h.last().map(|b| b.to), Some(u64::MAX));
}

#[test]
fn spread_of_counts() {
    let mut c = Column::default();
    for v in [1, 2, 3, 6] {
        c.add(v);
    }
    assert_eq!(
        c.spread(4),
        Spread {
            total: 12,
            min: 1,
            mean: 3.0,
            max: 6
        }
    );
    assert_eq!(Column::default().spread(0).min, 0);
    assert_eq!(Column::default().spread(0).mean, 0.0);
}

#[test]
fn totals_add_up_the_same_in_any_order() {
    let mut one = totals_of(&[run(0, 1, 2, &[0.5]), run(1, 3, 2, &[0.1])]);
    let other = totals_of(&[run(2, 2, 5, &[9.0])]);
    let mut reversed = other.clone();
    reversed.merge(one.clone());
    one.merge(other);
    let a = SweepReport::of("x", "", None, one);
    let b = SweepReport::of("x", "", None, reversed);
    assert_eq!(a, b);
    assert_eq!(a.json(), b.json());
    assert_eq!(a.seeds, 3);
    assert_eq!(a.delivered.total, 6);
    assert_eq!(a.latency_secs.max, Some(9.0));
    assert_eq!(a.latency_secs.p50, Some(0.5));
    assert_eq!(rows(&a.attempts_histogram), [(2, 2, 2), (5, 5, 1)]);
}

#[test]
fn a_sweep_split_between_threads_reports_what_one_thread_reports() {
    let runs = noisy_runs("relay-via-smarthost", 0..30);
    // The seed matters on noisy links: the runs differ.
    let attempts: std::collections::BTreeSet<u64> = runs.iter().map(|r| r.attempts).collect();
    assert!(attempts.len() > 1, "{attempts:?}");
    let whole = SweepReport::of("l", "t", None, totals_of(&runs));
    let mut split = totals_of(&runs[20..]);
    split.merge(totals_of(&runs[..7]));
    split.merge(totals_of(&runs[7..20]));
    let split = SweepReport::of("l", "t", None, split);
    assert_eq!(whole.text(), split.text());
    assert_eq!(whole.json(), split.json());
    assert_eq!(whole.seeds, 30);
}

#[test]
fn a_run_keeps_its_latencies_to_the_microsecond() {
    let scenario = presets::noisy(presets::preset("several-recipients").unwrap(), 400, 0.05);
    for seed in 0..10 {
        let sim = simulate(scenario.clone(), seed, None, Budget::DEFAULT);
        let summary = sim.summary();
        let r = SweepRun::of(seed, &sim, |_| String::new());
        assert_eq!(r.latency(), Latency::of(&summary), "seed {seed}");
        let back: Vec<f64> = r
            .latencies_micros
            .iter()
            .map(|&us| secs_of_micros(us))
            .collect();
        assert_eq!(back, summary.latencies_secs, "seed {seed}");
        assert_eq!(r.delivered as usize, summary.delivered);
        assert_eq!(r.attempts as usize, summary.attempts);
    }
}

#[test]
fn a_run_crosses_json_unchanged() {
    for r in noisy_runs("mx-fallback", 0..5) {
        let text = serde_json::to_string(&r).unwrap();
        let back: SweepRun = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.csv_row(), r.csv_row());
    }
}

#[test]
fn csv_rows_have_every_column_and_empty_percentiles_without_deliveries() {
    let columns = CSV_HEADER.split(',').count();
    let r = run(7, 2, 3, &[1.5, 0.25]);
    assert_eq!(r.csv_row(), "7,2,0,0,0,3,2,1.5,1.5,1.5,1.5,false");
    assert_eq!(r.csv_row().split(',').count(), columns);
    let none = run(8, 0, 4, &[]);
    assert_eq!(none.csv_row(), "8,0,0,0,0,4,0,,,,,false");
    assert_eq!(none.csv_row().split(',').count(), columns);
}

#[test]
fn a_budget_stop_is_counted_and_the_smallest_seed_named() {
    let scenario = presets::preset("retry-until-mx-returns").unwrap();
    let budget = Budget {
        max_events: 40,
        max_trace_bytes: u64::MAX,
    };
    let runs: Vec<SweepRun> = [3, 1, 2]
        .into_iter()
        .map(|seed| {
            let sim = simulate(scenario.clone(), seed, None, budget);
            assert_eq!(sim.stopped().map(|s| s.limit), Some(Limit::Events));
            SweepRun::of(seed, &sim, |s| format!("raise it ({:?})", s.limit))
        })
        .collect();
    assert!(runs.iter().all(|r| r.csv_row().ends_with(",true")));
    let report = SweepReport::of("f", "", None, totals_of(&runs));
    assert_eq!(report.budget_stopped_runs, 3);
    let warning = report.stop_warning.clone().unwrap();
    assert!(warning.starts_with("stopped at "), "{warning}");
    assert!(
        warning.ends_with(" in seed 1; 3 of 3 runs stopped on the budget: raise it (Events)"),
        "{warning}"
    );
    assert!(report
        .text()
        .contains("stopped      3 runs on the budget: their figures are up to the stop\n"));
    // The warning is not part of the JSON.
    assert!(!report.json().contains("stop_warning"));
}

#[test]
fn the_report_reads_as_the_sweep_prints_it() {
    let runs = noisy_runs("relay-via-smarthost", 0..20);
    let report = SweepReport::of(
        "preset:x",
        "Relay",
        Some(SimTime::from_secs(3600)),
        totals_of(&runs),
    );
    let text = report.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "scenario     preset:x (Relay)");
    assert!(
        lines[1].starts_with("seeds        0..20 (20 runs, each until 3600.000 s (1h)); "),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[3],
        "                  total    min/run   mean/run  max/run"
    );
    let delivered = &report.delivered;
    assert_eq!(
        lines[4],
        format!(
            "delivered    {:>10}   {:>8} {:>10.2} {:>8}",
            delivered.total, delivered.min, delivered.mean, delivered.max
        )
    );
    assert!(text.contains("\nlatency over "));
    let p50 = report.latency_secs.p50.unwrap();
    assert!(text.contains(&format!("\n         p50 {}\n", format_latency(p50))));
    let histogram_rows = lines
        .iter()
        .skip_while(|l| **l != "attempts per run")
        .skip(1);
    assert_eq!(histogram_rows.count(), report.attempts_histogram.len());
    // The largest bar is the full width.
    assert!(text.contains(&format!(" {} ", "#".repeat(40))));
    let json: serde_json::Value = serde_json::from_str(&report.json()).unwrap();
    assert_eq!(json["seeds"], 20);
    assert_eq!(json["until_secs"], 3600.0);
    assert_eq!(
        json["attempts_histogram"].as_array().map(Vec::len),
        Some(report.attempts_histogram.len())
    );
}

#[test]
fn an_empty_sweep_reports_zeros_without_a_panic() {
    let report = SweepReport::of("x", "", None, Totals::default());
    assert_eq!(report.seeds, 0);
    assert_eq!(report.delivered.min, 0);
    assert_eq!(report.latency_secs.p50, None);
    assert!(report.attempts_histogram.is_empty());
    assert!(report
        .text()
        .contains("latency over 0 recipients delivered\n"));
    assert_eq!(Latency::of_micros(&[]).line(), "none delivered");
}

#[test]
fn latencies_print_in_seconds_with_units_beyond_a_minute() {
    assert_eq!(format_secs(0), "0s");
    assert_eq!(format_secs(90), "1m 30s");
    assert_eq!(format_secs(5 * 86_400 + 3_600), "5d 1h");
    assert_eq!(format_latency(0.5), "0.500 s");
    assert_eq!(format_latency(612.0411), "612.041 s (10m 12s)");
    let l = Latency::of_micros(&[500_000, 2_000_000]);
    assert_eq!(
        l.line(),
        "p50 2.000 s   p90 2.000 s   p99 2.000 s   max 2.000 s"
    );
}
