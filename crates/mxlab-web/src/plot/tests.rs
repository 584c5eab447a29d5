use super::*;

fn labels(ticks: &[Tick]) -> Vec<&str> {
    ticks.iter().map(|t| t.label.as_str()).collect()
}

#[test]
fn scales_map_their_domain_onto_their_range() {
    let x = Linear {
        domain: (0.0, 100.0),
        range: (40.0, 440.0),
    };
    assert_eq!(x.at(0.0), 40.0);
    assert_eq!(x.at(50.0), 240.0);
    assert_eq!(x.at(100.0), 440.0);
    // Upside down, as a y axis is.
    let y = Linear {
        domain: (0.0, 4.0),
        range: (200.0, 0.0),
    };
    assert_eq!(y.at(1.0), 150.0);
    let empty = Linear {
        domain: (3.0, 3.0),
        range: (10.0, 20.0),
    };
    assert_eq!(empty.at(3.0), 10.0);
    let log = Log {
        domain: (1.0, 1000.0),
        range: (0.0, 300.0),
    };
    assert!((log.at(10.0) - 100.0).abs() < 1e-9);
    assert!((log.at(100.0) - 200.0).abs() < 1e-9);
    assert_eq!(log.at(0.0), 0.0);
    assert_eq!(log.at(-1.0), 0.0);
}

#[test]
fn time_ticks_are_round_numbers_of_one_unit() {
    assert_eq!(
        labels(&time_ticks(2410.0, 6)),
        ["0 min", "10 min", "20 min", "30 min", "40 min"]
    );
    assert_eq!(
        labels(&time_ticks(0.35, 5)),
        ["0 ms", "100 ms", "200 ms", "300 ms"]
    );
    assert_eq!(
        labels(&time_ticks(40.0, 5)),
        ["0 s", "10 s", "20 s", "30 s", "40 s"]
    );
    assert_eq!(labels(&time_ticks(50.0, 4)), ["0 s", "30 s"]);
    assert_eq!(
        labels(&time_ticks(5.0 * 86_400.0 + 10.0, 7)),
        ["0 d", "1 d", "2 d", "3 d", "4 d", "5 d"]
    );
    assert_eq!(
        labels(&time_ticks(1.5 * 86_400.0, 4)),
        ["0 d", "0.5 d", "1 d", "1.5 d"]
    );
    assert_eq!(
        labels(&time_ticks(86_400.0, 5)),
        ["0 h", "6 h", "12 h", "18 h", "24 h"]
    );
    assert_eq!(labels(&time_ticks(7200.0, 4)), ["0 h", "1 h", "2 h"]);
    // Past the list: steps of 10, 20, 50 … days.
    assert_eq!(
        labels(&time_ticks(90.0 * 86_400.0, 6)),
        ["0 d", "20 d", "40 d", "60 d", "80 d"]
    );
    assert_eq!(labels(&time_ticks(0.0, 6)), ["0 s"]);
    assert_eq!(labels(&time_ticks(f64::INFINITY, 6)), ["0 s"]);
}

#[test]
fn time_ticks_never_exceed_their_number_nor_the_end() {
    let mut end = 0.0005;
    while end < 1e9 {
        for max in [4, 5, 8, 12] {
            let ticks = time_ticks(end, max);
            assert!(ticks.len() <= max, "{end} s, {max}: {ticks:?}");
            assert!(ticks.len() >= 2 || end < 0.001, "{end} s, {max}: {ticks:?}");
            assert!(
                ticks.last().unwrap().value <= end * (1.0 + 1e-9),
                "{end}: {ticks:?}"
            );
            assert!(ticks.windows(2).all(|w| w[1].value > w[0].value));
            // One unit on the whole axis.
            let unit = |t: &Tick| t.label.rsplit(' ').next().unwrap().to_string();
            assert!(
                ticks.iter().all(|t| unit(t) == unit(&ticks[0])),
                "{ticks:?}"
            );
        }
        end *= 1.37;
    }
}

#[test]
fn count_ticks_are_whole_and_reach_past_the_highest() {
    let (t, top) = count_ticks(0, 5);
    assert_eq!((labels(&t), top), (vec!["0", "1"], 1));
    let (t, top) = count_ticks(7, 5);
    assert_eq!((labels(&t), top), (vec!["0", "2", "4", "6", "8"], 8));
    let (t, top) = count_ticks(1, 5);
    assert_eq!((labels(&t), top), (vec!["0", "1"], 1));
    let (t, top) = count_ticks(415, 6);
    assert_eq!(
        (labels(&t), top),
        (vec!["0", "100", "200", "300", "400", "500"], 500)
    );
    for max in 0..2000 {
        let (t, top) = count_ticks(max, 6);
        assert!(top >= max && t.len() <= 6 && t.len() >= 2, "{max}: {t:?}");
        assert_eq!(t.last().unwrap().value, top as f64);
    }
}

#[test]
fn bucket_edges_follow_one_two_five() {
    let edges: Vec<f64> = (-3..=4).map(edge).collect();
    assert_eq!(edges, [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0]);
    assert_eq!(edge_index(1000.0), 9);
    assert_eq!(edge_index(999.9), 8);
    assert_eq!(edge_index(1.0), 0);
    assert_eq!(edge_index(0.0), edge_index(SHORTEST));
    assert_eq!(edge_index(f64::NAN), edge_index(SHORTEST));
    assert_eq!(edge(edge_index(f64::INFINITY)), edge(edge_index(1e7)));
    // Every value lies in its bucket, powers of ten included.
    let mut v = SHORTEST;
    while v < 1e7 {
        let k = edge_index(v);
        assert!(
            edge(k) <= v * (1.0 + 1e-12) && v < edge(k + 1),
            "{v} in bucket {k}"
        );
        v *= 1.071;
    }
    for p in -3..7 {
        let v = 10f64.powi(p);
        assert_eq!(edge(edge_index(v)), v, "{v}");
    }
}

#[test]
fn latency_buckets_are_contiguous_and_count_every_value() {
    let values = [0.3, 0.35, 2400.0, 2400.5, 0.0];
    let b = log_buckets(&values);
    assert_eq!(b.first().map(|b| b.lo), Some(SHORTEST));
    assert_eq!(b.last().map(|b| (b.lo, b.hi)), Some((2000.0, 5000.0)));
    assert!(b.windows(2).all(|w| w[0].hi == w[1].lo));
    assert!(b.iter().all(|b| {
        let ratio = b.hi / b.lo;
        (ratio - 2.0).abs() < 1e-9 || (ratio - 2.5).abs() < 1e-9
    }));
    assert_eq!(b.iter().map(|b| b.count).sum::<usize>(), values.len());
    let at = |lo: f64| b.iter().find(|b| (b.lo - lo).abs() < 1e-12).unwrap().count;
    assert_eq!((at(0.2), at(2000.0), at(SHORTEST), at(1.0)), (2, 2, 1, 0));
    assert!(log_buckets(&[]).is_empty());
    assert!(log_buckets(&[f64::NAN]).is_empty());
}

#[test]
fn the_log_axis_spans_whole_decades() {
    let one = |lo: f64, hi: f64| Bucket { lo, hi, count: 1 };
    assert_eq!(decades(&[one(2000.0, 5000.0)]), (1000.0, 10_000.0));
    assert_eq!(decades(&[one(1.0, 2.0)]), (1.0, 10.0));
    assert_eq!(decades(&[one(0.2, 0.5), one(0.5, 1.0)]), (0.1, 1.0));
    assert_eq!(decades(&[]), (1.0, 10.0));
    assert_eq!(
        labels(&decade_ticks((0.001, 10_000.0), 10)),
        ["1 ms", "10 ms", "100 ms", "1 s", "10 s", "100 s", "1000 s", "10⁴ s"]
    );
    assert_eq!(
        labels(&decade_ticks((0.001, 1e6), 5)),
        ["1 ms", "100 ms", "10 s", "1000 s", "10⁵ s"]
    );
    assert_eq!(decade_label(1e-2), "10 ms");
}

#[test]
fn attempt_bins_are_whole_numbers_from_one() {
    let hist: BTreeMap<u32, usize> = [(1, 3), (4, 1)].into();
    let bins = int_bins(&hist, 40);
    assert_eq!(
        bins.iter()
            .map(|b| (b.label(), b.count))
            .collect::<Vec<_>>(),
        [
            ("1".into(), 3),
            ("2".into(), 0),
            ("3".into(), 0),
            ("4".into(), 1)
        ]
    );
    let zero: BTreeMap<u32, usize> = [(0, 1), (2, 1)].into();
    assert_eq!(int_bins(&zero, 40).first().map(|b| b.lo), Some(0));
    // Too many numbers: the first alone, then regular bins.
    let wide: BTreeMap<u32, usize> = [(1, 1), (2, 4), (100, 2)].into();
    let bins = int_bins(&wide, 40);
    assert!(bins.len() <= 40);
    let shown: Vec<(String, usize)> = bins.iter().map(|b| (b.label(), b.count)).collect();
    assert_eq!(
        shown[..3],
        [("1".into(), 1), ("2–4".into(), 4), ("5–7".into(), 0)]
    );
    assert_eq!(shown.last().unwrap(), &("98–100".to_string(), 2));
    assert!(bins.windows(2).all(|w| w[1].lo == w[0].hi + 1), "{bins:?}");
    assert!(bins[1..]
        .windows(2)
        .all(|w| w[1].hi - w[1].lo == w[0].hi - w[0].lo));
    let expiry: BTreeMap<u32, usize> = [(1, 1), (107, 1)].into();
    let bins = int_bins(&expiry, 8);
    assert_eq!(bins.len(), 8);
    assert_eq!((bins[0].label(), bins[0].count), ("1".into(), 1));
    assert_eq!(bins.last().map(|b| b.count), Some(1));
    let huge: BTreeMap<u32, usize> = [(1, 1), (u32::MAX, 1)].into();
    assert_eq!(
        int_bins(&huge, 10).iter().map(|b| b.count).sum::<usize>(),
        2
    );
    assert!(int_bins(&BTreeMap::new(), 10).is_empty());
}

#[test]
fn a_step_series_is_drawn_level_then_up_or_down() {
    let x = Linear {
        domain: (0.0, 30.0),
        range: (0.0, 300.0),
    };
    let y = Linear {
        domain: (0.0, 2.0),
        range: (100.0, 0.0),
    };
    assert_eq!(
        step_path(&[(0.0, 0), (10.0, 2), (20.0, 1)], x, y, 30.0),
        "M0.0,100.0 L100.0,100.0 L100.0,0.0 L200.0,0.0 L200.0,50.0 L300.0,50.0"
    );
    assert_eq!(step_path(&[], x, y, 30.0), "");
}
