use super::*;

/// The text of every `<text class="{class}" …>` element, in order.
fn texts(svg: &str, class: &str) -> Vec<String> {
    let open = format!("<text class=\"{class}\"");
    svg.match_indices(&open)
        .map(|(i, _)| {
            let rest = &svg[i..];
            let start = rest.find('>').unwrap() + 1;
            let end = rest.find("</text>").unwrap();
            rest[start..end].to_string()
        })
        .collect()
}

/// The value of the first attribute `name` after `from` in `svg`.
fn attr(svg: &str, from: &str, name: &str) -> f64 {
    let rest = &svg[svg.find(from).unwrap()..];
    let key = format!(" {name}=\"");
    let at = rest.find(&key).unwrap() + key.len();
    rest[at..at + rest[at..].find('"').unwrap()]
        .parse()
        .unwrap()
}

/// Every element opened is closed.
fn balanced(svg: &str) {
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(svg.ends_with("</svg>"));
    for tag in ["g", "text", "rect", "title", "svg"] {
        let opened =
            svg.matches(&format!("<{tag} ")).count() + svg.matches(&format!("<{tag}>")).count();
        assert_eq!(
            opened,
            svg.matches(&format!("</{tag}>")).count(),
            "<{tag}> in {svg}"
        );
    }
}

fn s(secs: u64) -> SimTime {
    SimTime::from_secs(secs)
}

const LAPTOP: Size = Size {
    width: 1300.0,
    font: 15.0,
};

#[test]
fn the_queue_plot_has_time_and_count_axes_with_units_and_the_fault_shaded() {
    let series = [(s(0), 1), (s(2400), 0)];
    let bands = [Band {
        from: s(0),
        until: Some(s(2400)),
        label: "mx.example.org down".into(),
    }];
    let plot = queue(&series, s(2410), &bands, LAPTOP);
    let svg = &plot.svg;
    balanced(svg);
    let ticks = texts(svg, "tick");
    assert_eq!(ticks[..2], ["0", "1"], "y ticks, then x ticks: {ticks:?}");
    assert_eq!(
        ticks[2..],
        ["0 min", "5 min", "10 min", "15 min", "20 min", "25 min", "30 min", "35 min", "40 min"]
    );
    // On a phone, fewer.
    let phone = queue(
        &series,
        s(2410),
        &bands,
        Size {
            width: 340.0,
            font: 15.0,
        },
    );
    assert_eq!(
        texts(&phone.svg, "tick")[2..],
        ["0 min", "15 min", "30 min"]
    );
    assert_eq!(
        texts(svg, "title"),
        ["recipients queued", "simulated time since the start"]
    );
    // The band spans the fault's window on the time scale.
    let x = attr(svg, "<g class=\"fault-band\"", "x");
    let width = attr(svg, "<g class=\"fault-band\"", "width");
    assert!((x - plot.x.at(0.0)).abs() < 0.1);
    assert!((x + width - plot.x.at(2400.0)).abs() < 0.1);
    assert!(svg.contains("data-from-us=\"0\" data-until-us=\"2400000000\""));
    assert!(svg.contains("<title>mx.example.org down: from 00:00:00.000 to 00:40:00.000</title>"));
    // The line: level at 1 from the start, down to 0 at 2400 s.
    let y1 = plot.frame.y1;
    assert!(
        svg.contains(&format!(
            "d=\"M{},{} L{},{} L{},{}",
            px(plot.frame.x0),
            px(y1),
            px(plot.x.at(2400.0)),
            px(y1),
            px(plot.x.at(2400.0)),
            px(plot.frame.y0)
        )),
        "{svg}"
    );
    assert_eq!(plot.x.at(2410.0), plot.frame.x1);
}

#[test]
fn a_fault_to_the_end_is_shaded_to_the_end_and_its_words_escaped() {
    let bands = [Band {
        from: s(10),
        until: None,
        label: "<script>&\"".into(),
    }];
    let plot = queue(&[(s(0), 0), (s(5), 3)], s(100), &bands, LAPTOP);
    balanced(&plot.svg);
    assert!(!plot.svg.contains("<script>"));
    assert!(plot
        .svg
        .contains("data-fault=\"&lt;script&gt;&amp;&quot;\""));
    assert!(plot.svg.contains("to the end</title>"));
    let x = attr(&plot.svg, "<g class=\"fault-band\"", "x");
    let width = attr(&plot.svg, "<g class=\"fault-band\"", "width");
    assert!((x + width - plot.frame.x1).abs() < 0.1);
    assert_eq!(texts(&plot.svg, "tick")[..4], ["0", "1", "2", "3"]);
}

#[test]
fn the_latency_histogram_labels_its_bars_and_marks_its_percentiles() {
    let values = [0.2, 0.25, 0.3, 2400.5];
    let p = [(50, 0.3), (90, 2400.5), (99, 2400.5)];
    let svg = latency(&values, &p, LAPTOP).unwrap();
    balanced(&svg);
    let ticks = texts(&svg, "tick");
    assert_eq!(ticks[..4], ["0", "1", "2", "3"]);
    assert_eq!(
        ticks[4..],
        ["100 ms", "1 s", "10 s", "100 s", "1000 s", "10⁴ s"]
    );
    assert_eq!(texts(&svg, "count"), ["3", "1"]);
    assert_eq!(svg.matches("<line class=\"percentile\"").count(), 3);
    // p90 and p99 are the same moment: one label for both.
    assert_eq!(texts(&svg, "")[..], ["p50", "p90 p99"]);
    assert!(
        svg.contains("<title>3 delivered in 200 ms to 500 ms</title>"),
        "{svg}"
    );
    assert!(svg.contains("<title>p90: 40 min</title>"));
    assert_eq!(latency(&[], &[], LAPTOP), None);
}

#[test]
fn attempts_are_bars_of_whole_numbers_each_with_its_count() {
    let hist: BTreeMap<u32, usize> = [(1, 2), (4, 1)].into();
    let labels = Labels {
        name: "Attempts per hop",
        x: "tries on one hop",
        y: "hops",
        bar: |b| format!("{} hop(s): {}", b.count, b.label()),
    };
    let svg = bars(&hist, &labels, LAPTOP).unwrap();
    balanced(&svg);
    let ticks = texts(&svg, "tick");
    assert_eq!(ticks[ticks.len() - 4..], ["1", "2", "3", "4"]);
    assert_eq!(texts(&svg, "count"), ["2", "1"]);
    assert!(svg.contains("<title>2 hop(s): 1</title>"));
    assert!(svg.contains("aria-label=\"Attempts per hop\""));
    assert_eq!(bars(&BTreeMap::new(), &labels, LAPTOP), None);
    // On a phone, thirty numbers share fewer, wider bins.
    let many: BTreeMap<u32, usize> = (1..=30).map(|n| (n, 1)).collect();
    let phone = Size {
        width: 340.0,
        font: 15.0,
    };
    let svg = bars(&many, &labels, phone).unwrap();
    let counts = texts(&svg, "count");
    assert!(counts.len() < 30 && counts.len() >= 3, "{counts:?}");
    assert_eq!(
        counts
            .iter()
            .map(|c| c.parse::<usize>().unwrap())
            .sum::<usize>(),
        30
    );
}

#[test]
fn a_frame_fits_any_size_it_is_given() {
    for size in [
        Size {
            width: 0.0,
            font: 15.0,
        },
        Size {
            width: 340.0,
            font: 15.0,
        },
        Size {
            width: 1900.0,
            font: 21.0,
        },
        Size {
            width: f64::NAN,
            font: f64::INFINITY,
        },
    ] {
        let f = Frame::new(size, 4);
        assert!(f.x0 < f.x1 && f.y1 < f.y0, "{size:?}: {f:?}");
        assert!(f.x1 <= f.width && f.y0 <= f.height);
        assert!(f.x_ticks(7) >= 2 && f.y_ticks() >= 2, "{size:?}: {f:?}");
    }
}

/// `(x, y, text)` of every `<text class="{class}" …>`.
fn placed(svg: &str, class: &str) -> Vec<(f64, f64, String)> {
    let open = format!("<text class=\"{class}\"");
    let labels = texts(svg, class);
    svg.match_indices(&open)
        .zip(labels)
        .map(|((i, _), t)| {
            (
                attr(&svg[i..], "<text", "x"),
                attr(&svg[i..], "<text", "y"),
                t,
            )
        })
        .collect()
}

#[test]
fn counts_on_narrow_bars_side_by_side_do_not_overlap() {
    let phone = Size {
        width: 340.0,
        font: 15.0,
    };
    // Every bucket from 1 ms to 5000 s, each with a two-digit count.
    let values: Vec<f64> = (-9..12)
        .flat_map(|k: i32| {
            std::iter::repeat_n(crate::plot::edge(k) * 1.01, 10 + k.unsigned_abs() as usize)
        })
        .collect();
    let svg = latency(&values, &[], phone).unwrap();
    let counts = placed(&svg, "count");
    assert_eq!(counts.len(), 21);
    assert!(
        counts.windows(2).any(|w| w[0].1 != w[1].1),
        "some are raised"
    );
    let half = |t: &str| char_width(15.0) * t.len() as f64 / 2.0;
    for (i, a) in counts.iter().enumerate() {
        for b in &counts[i + 1..] {
            let apart = (a.0 - b.0).abs() >= half(&a.2) + half(&b.2);
            let other_line = (a.1 - b.1).abs() >= 15.0 - 1e-9;
            assert!(apart || other_line, "{a:?} and {b:?} overlap in {counts:?}");
        }
    }
}

#[test]
fn as_many_time_ticks_as_fit() {
    let series = [(s(0), 1), (s(7190), 0)];
    let phone = queue(
        &series,
        s(7190),
        &[],
        Size {
            width: 340.0,
            font: 15.0,
        },
    );
    assert_eq!(
        texts(&phone.svg, "tick")[2..],
        ["0 min", "30 min", "60 min", "90 min"]
    );
    let wide = queue(&series, s(7190), &[], LAPTOP);
    let ticks = texts(&wide.svg, "tick");
    // More on a laptop, but never more than ten.
    assert_eq!(
        ticks[2..],
        ["0 min", "15 min", "30 min", "45 min", "60 min", "75 min", "90 min", "105 min"]
    );
    // Side by side, none overlapping.
    for svg in [&phone.svg, &wide.svg] {
        let x: Vec<(f64, f64, String)> = placed(svg, "tick").into_iter().skip(2).collect();
        for w in x.windows(2) {
            let room = char_width(15.0) * (w[0].2.len() + w[1].2.len()) as f64 / 2.0;
            assert!(w[1].0 - w[0].0 >= room, "{w:?}");
        }
    }
}
