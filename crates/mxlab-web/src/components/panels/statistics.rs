//! The statistics panel: queued recipients over time, delivery latency
//! and attempts per message. A component of the run alone, so it is
//! drawn once per run, not once per frame (its series read the whole
//! trace).

use std::collections::BTreeMap;

use yew::prelude::*;

use crate::components::RunRef;

/// Properties of [`Statistics`].
#[derive(Properties, PartialEq)]
pub struct StatisticsProps {
    /// The run.
    pub run: RunRef,
}

/// The statistics panel of a run.
#[function_component(Statistics)]
pub fn statistics(props: &StatisticsProps) -> Html {
    let run = &props.run;
    let s = &run.summary;
    let series = run.queue_series();
    let end = run.end().as_micros().max(1) as f64;
    let peak = series.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let mut d = String::new();
    let mut last_y = 100.0;
    for (i, (at, n)) in series.iter().enumerate() {
        let x = at.as_micros() as f64 / end * 400.0;
        let y = 100.0 - *n as f64 / peak * 90.0;
        if i == 0 {
            d.push_str(&format!("M{x:.1},{y:.1}"));
        } else {
            d.push_str(&format!(" L{x:.1},{last_y:.1} L{x:.1},{y:.1}"));
        }
        last_y = y;
    }
    d.push_str(&format!(" L400,{last_y:.1}"));
    let attempts = run.attempts_per_message();
    let mut hist: BTreeMap<usize, usize> = BTreeMap::new();
    for a in attempts.values() {
        *hist.entry(*a).or_default() += 1;
    }
    let bars = bar_chart(
        "Attempts per message",
        hist.iter()
            .map(|(a, c)| {
                (
                    a.to_string(),
                    *c,
                    format!("{c} message(s) needed {a} attempt(s)"),
                )
            })
            .collect(),
    );
    let p = |q: f64| {
        s.latency_percentile(q)
            .map_or("–".to_string(), |v| format!("{v:.1} s"))
    };
    // Delivery latency in buckets that double: 1 s, 2 s, 4 s … so a
    // direct delivery and one after hours of retries share the axis.
    let mut lat: BTreeMap<u32, usize> = BTreeMap::new();
    for l in &s.latencies_secs {
        let bucket = if *l <= 1.0 { 0 } else { l.log2().ceil() as u32 };
        *lat.entry(bucket).or_default() += 1;
    }
    let label = |b: u32| {
        let secs = 2f64.powi(i32::try_from(b).unwrap_or(i32::MAX));
        if secs < 60.0 {
            format!("≤{secs:.0}s")
        } else if secs < 3600.0 {
            format!("≤{:.0}m", secs / 60.0)
        } else {
            format!("≤{:.0}h", secs / 3600.0)
        }
    };
    let lat_bars = bar_chart(
        "Delivery latency",
        lat.iter()
            .map(|(b, c)| (label(*b), *c, format!("{c} delivered in {}", label(*b))))
            .collect(),
    );
    html! {
        <div class="statistics">
            <dl class="summary">
                <dt>{ "delivered" }</dt><dd data-stat="delivered">{ s.delivered.to_string() }</dd>
                <dt>{ "bounced" }</dt><dd data-stat="bounced">{ s.bounced.to_string() }</dd>
                <dt>{ "still queued" }</dt><dd data-stat="queued">{ s.queued.to_string() }</dd>
                <dt>{ "attempts" }</dt><dd data-stat="attempts">{ s.attempts.to_string() }</dd>
                <dt>{ "latency p50 / p95" }</dt><dd>{ format!("{} / {}", p(50.0), p(95.0)) }</dd>
            </dl>
            <figure>
                <svg viewBox="0 0 400 110" role="img" aria-label="Queued recipients over time">
                    <path class="series" d={d} />
                </svg>
                <figcaption>{ format!("Queued recipients over time (peak {peak:.0}, end {})", run.end()) }</figcaption>
            </figure>
            <figure>
                { lat_bars }
                <figcaption>{ "Delivery latency (submission to mailbox)" }</figcaption>
            </figure>
            <figure>
                { bars }
                <figcaption>{ "Delivery attempts per message" }</figcaption>
            </figure>
        </div>
    }
}

/// A bar chart: one bar per `(label, count, hover text)`, scaled to the
/// largest count.
fn bar_chart(name: &str, bars: Vec<(String, usize, String)>) -> Html {
    let top = bars.iter().map(|b| b.1).max().unwrap_or(1).max(1) as f64;
    html! {
        <svg viewBox="0 0 400 110" role="img" aria-label={name.to_string()}>
            { for bars.into_iter().enumerate().map(|(i, (label, count, hover))| {
                let h = count as f64 / top * 80.0;
                let x = 10.0 + i as f64 * 40.0;
                html! {
                    <g>
                        <rect x={x.to_string()} y={(90.0 - h).to_string()} width="30" height={h.to_string()}><title>{ hover }</title></rect>
                        <text x={(x + 15.0).to_string()} y="104" text-anchor="middle">{ label }</text>
                    </g>
                }
            }) }
        </svg>
    }
}
