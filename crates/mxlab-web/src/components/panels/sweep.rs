//! The Sweep panel: seeds `0..N` of the scenario open, run in the
//! background by the sweep worker, shown as distributions as they come in
//! (outcomes per run, delivery latency percentiles, a histogram of
//! attempts per run), with the table `mxlab sweep` prints and the figures
//! as CSV and JSON downloads. The numbers are computed by
//! `mxlab_sim::sweep`; this panel only draws them.

use mxlab_sim::sweep::format_latency;
use mxlab_sweep_worker::MAX_SEEDS;
use serde_json::Value;
use yew::prelude::*;

use crate::components::{ByPtr, Export};
use crate::form::target_value;
use crate::state::{Action, Note, SweepMsg, SweepShown};

/// Properties of [`SweepPane`].
#[derive(Properties, PartialEq, Clone)]
pub struct SweepPaneProps {
    /// The seeds field, as typed.
    pub seeds: AttrValue,
    /// `idle`, `running`, `done`, `cancelled` or `failed`.
    pub status: AttrValue,
    /// The last sweep's report so far.
    #[prop_or_default]
    pub report: Option<ByPtr<SweepShown>>,
    /// Seeds the last sweep ran so far.
    #[prop_or_default]
    pub done: u64,
    /// Seeds the last sweep asked for (0: no sweep yet).
    #[prop_or_default]
    pub asked: u64,
    /// Whether the last sweep's scenario is not the one open.
    #[prop_or_default]
    pub other_scenario: bool,
    /// What the scenario open is called on `mxlab sweep`'s command line.
    pub label: AttrValue,
    /// The scenario open's title.
    #[prop_or_default]
    pub title: AttrValue,
    /// Whether the Scenario panel holds a text with problems (not
    /// loaded: a sweep runs the scenario last loaded).
    #[prop_or_default]
    pub editor_problems: bool,
    /// What happened to the last sweep.
    #[prop_or_default]
    pub note: Option<Note>,
    /// The seeds field's element id.
    pub seeds_id: AttrValue,
    /// Downloads.
    pub on_export: Callback<Export>,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// The Sweep panel.
#[function_component(SweepPane)]
pub fn sweep_pane(props: &SweepPaneProps) -> Html {
    let d = &props.dispatch;
    let running = props.status == "running";
    let on_seeds = d.reform(|e: InputEvent| Action::Sweep(SweepMsg::Seeds(target_value(&e))));
    let on_submit = d.reform(|e: SubmitEvent| {
        e.prevent_default();
        Action::Sweep(SweepMsg::Start)
    });
    let done = props.done;
    let n = props.seeds.trim();
    let n = if n.is_empty() { "N" } else { n };
    let mut notes: Vec<(&'static str, String)> = Vec::new();
    if props.editor_problems {
        notes.push(("note warning editor-problems", format!(
            "The Scenario panel's text has problems and is not loaded: a sweep runs the scenario last loaded, “{}”.",
            props.title)));
    }
    if let Some(note) = &props.note {
        notes.push((
            if note.error { "note error" } else { "note" },
            note.text.clone(),
        ));
    }
    let report = props.report.as_ref().filter(|_| done > 0);
    if let Some(r) = report {
        if props.other_scenario {
            notes.push(("note other-scenario", format!(
                "These figures are of “{}”, swept before the scenario open now was loaded; Run sweep sweeps the scenario open now.",
                r.value["title"].as_str().unwrap_or_default())));
        }
        if let Some(w) = &r.warning {
            notes.push((
                "note warning",
                format!("Stopped on the browser's budget: {w}"),
            ));
        }
    }
    html! {
        <div class="sweep" data-state={props.status.clone()} data-done={done.to_string()} data-asked={props.asked.to_string()}>
            <form class="sweep-controls" onsubmit={on_submit} novalidate=true>
                <label for={props.seeds_id.clone()}>{ "Seeds 0 to N − 1, N =" }</label>
                <input type="number" class="seeds" id={props.seeds_id.clone()} min="1" max={MAX_SEEDS.to_string()} step="1"
                    inputmode="numeric" value={props.seeds.clone()} oninput={on_seeds} />
                <button type="submit" class="run-sweep" disabled={running}>{ "Run sweep" }</button>
                if running {
                    <button type="button" class="cancel-sweep" onclick={d.reform(|_| Action::Sweep(SweepMsg::Cancel))}>{ "Cancel" }</button>
                }
                if report.is_some() {
                    <span class="downloads">
                        <button type="button" class="download-csv" onclick={props.on_export.reform(|_| Export::SweepCsv)}>{ "Download CSV" }</button>
                        <button type="button" class="download-json" onclick={props.on_export.reform(|_| Export::SweepJson)}>{ "Download JSON" }</button>
                    </span>
                }
            </form>
            if props.asked > 0 {
                <div class="sweep-progress">
                    <progress max={props.asked.to_string()} value={done.to_string()} aria-label="Seeds run"></progress>
                    <span class="count">{ format!("{done} of {} seeds", props.asked) }</span>
                </div>
            }
            <p class="hint">
                { "Runs the scenario open once per seed, each to quiescence, in the background: the page stays usable meanwhile. \
                   The figures are those of " }
                <code>{ format!("mxlab sweep {} --seeds {n}", props.label) }</code>
                { if props.label == "scenario.json" { " (the scenario exported from the Scenario panel)." } else { "." } }
            </p>
            { for notes.into_iter().map(|(class, text)| html! {
                <p class={class} role={if class.contains("error") { "alert" } else { "status" }}>{ text }</p>
            }) }
            if let Some(r) = report {
                { results(r) }
            }
        </div>
    }
}

/// A count of the report.
fn count(v: &Value) -> u64 {
    v.as_u64().unwrap_or_default()
}

/// The names of the counts per run, in the table's order.
const COUNTS: [&str; 5] = ["delivered", "bounced", "queued", "duplicates", "attempts"];

/// The percentiles shown, in order.
const PERCENTILES: [&str; 4] = ["p50", "p90", "p99", "max"];

/// The distributions of a report with at least one run.
fn results(r: &SweepShown) -> Html {
    let v = &r.value;
    let latency = &v["latency_secs"];
    html! {
        <>
            <div class="sweep-results">
                <section class="sweep-outcomes" aria-label="Outcomes per run">
                    <h3>{ "Outcomes per run" }</h3>
                    <p class="headline">{ format!(
                        "{} of {} delivered every recipient", count(&v["all_delivered_runs"]), plural(count(&v["seeds"]), "run")) }</p>
                    <table>
                        <thead><tr><th></th><th>{ "total" }</th><th>{ "min" }</th><th>{ "mean" }</th><th>{ "max" }</th></tr></thead>
                        <tbody>
                            { for COUNTS.iter().map(|name| {
                                let s = &v[*name];
                                html! {
                                    <tr class={*name}>
                                        <th scope="row">{ *name }</th>
                                        <td>{ count(&s["total"]) }</td><td>{ count(&s["min"]) }</td>
                                        <td>{ format!("{:.2}", s["mean"].as_f64().unwrap_or_default()) }</td><td>{ count(&s["max"]) }</td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                </section>
                <section class="sweep-latency" aria-label="Delivery latency">
                    <h3>{ "Delivery latency" }</h3>
                    <p class="headline">{ format!("over {} delivered, all runs", plural(count(&latency["count"]), "recipient")) }</p>
                    if count(&latency["count"]) == 0 {
                        <p class="empty">{ "Nothing was delivered in these runs." }</p>
                    } else {
                        <dl class="percentiles">
                            { for PERCENTILES.iter().filter_map(|name| latency[*name].as_f64().map(|secs| html! {
                                <><dt>{ *name }</dt><dd data-secs={secs.to_string()}>{ format_latency(secs) }</dd></>
                            })) }
                        </dl>
                        { latency_strip(latency) }
                    }
                </section>
                <section class="sweep-attempts" aria-label="Attempts per run">
                    <h3>{ "Attempts per run" }</h3>
                    <p class="headline">{ "runs by connections tried, all hosts" }</p>
                    { histogram(&v["attempts_histogram"]) }
                </section>
            </div>
            <details class="sweep-cli">
                <summary>{ "As mxlab sweep prints it" }</summary>
                <pre class="sweep-text">{ r.text.clone() }</pre>
            </details>
        </>
    }
}

/// `1 run`, `2 runs`.
fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The histogram of attempts per run (`[{from, to, runs}]`), one bar per
/// row.
fn histogram(buckets: &Value) -> Html {
    let buckets = buckets.as_array().map(Vec::as_slice).unwrap_or_default();
    let most = buckets
        .iter()
        .map(|b| count(&b["runs"]))
        .max()
        .unwrap_or(0)
        .max(1);
    html! {
        <ol class="histogram">
            { for buckets.iter().map(|b| {
                let (from, to, runs) = (count(&b["from"]), count(&b["to"]), count(&b["runs"]));
                let label = if from == to { from.to_string() } else { format!("{from}..={to}") };
                let what = format!("{} made {label} attempts", plural(runs, "run"));
                html! {
                    <li title={what.clone()} aria-label={what}>
                        <span class="value">{ label }</span>
                        <span class="bar"><span style={format!("width: {:.1}%", runs as f64 / most as f64 * 100.0)}></span></span>
                        <span class="runs">{ runs }</span>
                    </li>
                }
            }) }
        </ol>
    }
}

/// Times on the latency strip's axis, and their labels.
const TICKS: [(f64, &str); 13] = [
    (0.001, "1 ms"),
    (0.01, "10 ms"),
    (0.1, "100 ms"),
    (1.0, "1 s"),
    (10.0, "10 s"),
    (60.0, "1 min"),
    (600.0, "10 min"),
    (3600.0, "1 h"),
    (36_000.0, "10 h"),
    (86_400.0, "1 d"),
    (864_000.0, "10 d"),
    (8_640_000.0, "100 d"),
    (86_400_000.0, "1000 d"),
];

/// The strip's width, in its own units (it is 72 high).
const STRIP_W: f64 = 360.0;
/// Left and right margins (room for a label centred on the axis's ends).
const MARGIN: f64 = 28.0;

/// The latency distribution (`{min, p50, p90, p99, max}` in seconds) on
/// a logarithmic time axis: the whisker from the fastest to the slowest
/// delivery, the box from p50 to p90, a mark at each of p50, p90, p99.
fn latency_strip(l: &Value) -> Html {
    let secs = |k: &str| l[k].as_f64();
    let (Some(min), Some(p50), Some(p90), Some(p99), Some(max)) = (
        secs("min"),
        secs("p50"),
        secs("p90"),
        secs("p99"),
        secs("max"),
    ) else {
        return html! {};
    };
    // From a tick below half the fastest to a tick above twice the
    // slowest, so that no mark or label sits on the axis's end.
    let floor = TICKS[0].0;
    let lo = TICKS
        .iter()
        .rev()
        .find(|(t, _)| *t <= (min / 2.0).max(floor))
        .map_or(floor, |(t, _)| *t);
    let hi = TICKS
        .iter()
        .find(|(t, _)| *t >= max * 2.0 && *t > lo)
        .map_or((max * 2.0).max(lo * 10.0), |(t, _)| *t);
    let (llo, lhi) = (lo.log10(), hi.log10());
    let x = |v: f64| MARGIN + (v.max(lo).log10() - llo) / (lhi - llo) * (STRIP_W - 2.0 * MARGIN);
    let ticks: Vec<(f64, &str)> = TICKS
        .iter()
        .filter(|(t, _)| *t >= lo && *t <= hi)
        .map(|(t, label)| (x(*t), *label))
        .collect();
    let mut axis = format!("M{MARGIN},52H{}", STRIP_W - MARGIN);
    for (at, _) in &ticks {
        axis.push_str(&format!("M{at:.1},52v4"));
    }
    // Marks closer than a label's width share one label (`p50/p90`);
    // labels alternate between two rows.
    let mut marks: Vec<(f64, String, u8)> = Vec::new();
    let mut mark_path = String::new();
    for (name, v) in [("p50", p50), ("p90", p90), ("p99", p99)] {
        mark_path.push_str(&format!("M{:.1},28v16", x(v)));
        match marks.last_mut() {
            Some((at, label, _)) if x(v) - *at < 20.0 => {
                label.push('/');
                label.push_str(name);
            }
            _ => {
                let row = if marks.len() % 2 == 0 { 12 } else { 24 };
                marks.push((x(v), name.to_owned(), row));
            }
        }
    }
    let labels = ticks
        .iter()
        .map(|(at, label)| (*at, label.to_string(), 68))
        .chain(marks);
    html! {
        <svg class="latency-strip" viewBox={format!("0 0 {STRIP_W} 72")} role="img"
            aria-label={format!("Latency: fastest {}, p50 {}, p90 {}, p99 {}, slowest {}",
                format_latency(min), format_latency(p50), format_latency(p90), format_latency(p99), format_latency(max))}>
            <path class="axis" d={axis} />
            <path class="whisker" d={format!("M{:.1},36H{:.1}M{:.1},31v10", x(min), x(max), x(max))} />
            <rect class="box" x={format!("{:.1}", x(p50))} width={format!("{:.1}", (x(p90) - x(p50)).max(2.0))} y="30" height="12" />
            <path class="marks" d={mark_path} />
            { for labels.map(|(at, label, y)| html! {
                <text class={if y < 60 { "mark" } else { "tick" }} x={format!("{at:.1}")} y={y.to_string()} text-anchor="middle">{ label }</text>
            }) }
        </svg>
    }
}
