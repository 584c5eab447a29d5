//! `cargo xtask bench`: every benchmark of the workspace, then one table.
//!
//! Criterion writes `target/criterion/<group>/<bench>/new/{benchmark,estimates}.json`;
//! this reads them back and prints the mean time, the throughput, and the
//! ratio to the group's reference (the bench whose id contains
//! `reference`), measured in the same run. Then the bundle sizes of a fresh
//! release build, and the browser figures of `tests/e2e/frames.mjs` in
//! Debian's Chromium: time to first render, and frame times with 50 hosts
//! and 200 sessions animating against the same page idle, and the long
//! tasks (over 50 ms) while the page computes a heavy run; and
//! `tests/e2e/engine.mjs`: the engine in wasm32 in Chromium against the
//! same scenario natively.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::dist::{self, kib};
use crate::{cargo, root, run, step, tools, Result};

struct Row {
    group: String,
    bench: String,
    mean_ns: f64,
    stddev_ns: f64,
    throughput: Option<(String, f64)>,
}

/// Runs the benchmarks and prints the table.
pub fn bench() -> Result {
    let env = tools::ensure_web_tools()?;
    let browser = tools::ensure_browser()?;
    // Criterion writes under the cargo target directory, wherever it is.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root().join(p) })
        .unwrap_or_else(|| root().join("target"));
    let criterion = target.join("criterion");
    // Stale results of benches that no longer exist must not be reported.
    if criterion.exists() {
        std::fs::remove_dir_all(&criterion)?;
    }
    step("criterion benchmarks (cargo bench --workspace)");
    run("cargo bench", cargo().args(["bench", "--workspace"]))?;
    let rows = read_rows(&criterion)?;

    let site = root().join("target").join("bench-site");
    let sizes = dist::build(&env, &site)?;
    let wasm = dist::wasm_sizes(&sizes)?;

    step("browser: first render and frame times (tests/e2e/frames.mjs, Chromium)");
    let frames = node_probe(&browser, &sizes, "frames.mjs")?;

    step("browser: the engine in wasm32, no UI (tests/e2e/engine.mjs, Chromium)");
    let engine = node_probe(&browser, &sizes, "engine.mjs")?;

    step("results (ratios are against the group's reference, same run)");
    println!(
        "| group | bench | mean | ± stddev | throughput | vs reference |\n| --- | --- | ---: | ---: | ---: | ---: |"
    );
    for row in &rows {
        let reference = rows
            .iter()
            .find(|r| r.group == row.group && r.bench.contains("reference"));
        let ratio = match reference {
            Some(r) if r.mean_ns > 0.0 => format!("{:.2}× the time", row.mean_ns / r.mean_ns),
            _ => "—".to_string(),
        };
        let throughput = row
            .throughput
            .as_ref()
            .map(|(unit, per_iter)| rate(unit, per_iter * 1e9 / row.mean_ns))
            .unwrap_or_else(|| "—".to_string());
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            row.group,
            row.bench,
            duration(row.mean_ns),
            duration(row.stddev_ns),
            throughput,
            ratio
        );
    }
    if rows.is_empty() {
        println!("| (no criterion benchmarks ran) | | | | | |");
    }
    println!("\n| bundle | raw | gzip |\n| --- | ---: | ---: |");
    let (parts, modules): (Vec<_>, Vec<_>) = wasm.into_iter().partition(|w| {
        w.path
            .file_name()
            .is_some_and(|n| dist::is_part(&n.to_string_lossy()))
    });
    for w in modules {
        let name = w
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!("| {name} | {} | {} |", kib(w.raw), kib(w.gzip));
    }
    println!(
        "| the app's parts, fetched when first shown ({} files) | {} | {} |",
        parts.len(),
        kib(parts.iter().map(|p| p.raw).sum()),
        kib(parts.iter().map(|p| p.gzip).sum())
    );
    print_frames(&frames);
    print_engine(&engine, &rows);
    Ok(())
}

/// Runs `tests/e2e/<script>` against the site in `site` and reads the JSON
/// object it prints.
fn node_probe(browser: &tools::Browser, site: &Path, script: &str) -> Result<Value> {
    let mut cmd = std::process::Command::new("node");
    cmd.arg(root().join("tests").join("e2e").join(script));
    cmd.env("MXLAB_SITE", site);
    cmd.current_dir(root());
    browser.apply_playwright(&mut cmd);
    eprintln!("$ {}", crate::describe(&cmd));
    let out = cmd
        .output()
        .map_err(|e| crate::Failure(format!("cannot run node: {e}")))?;
    if !out.status.success() {
        return Err(crate::Failure(format!(
            "{script} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| crate::Failure(format!("{script} printed no JSON: {e}")))
}

/// The engine in Chromium (wasm32) against the same scenario natively.
fn print_engine(e: &Value, rows: &[Row]) {
    let num = |k: &str| e.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
    let native = rows
        .iter()
        .find(|r| r.bench.contains("engine_20k_messages"))
        .map_or(f64::NAN, |r| r.mean_ns / 1e6);
    let wasm = num("median_ms");
    println!(
        "\n| engine, {} messages through {} hosts ({} events) | time | ratio |\n| --- | ---: | ---: |",
        num("messages"),
        num("domains"),
        num("events")
    );
    println!("| native (criterion mean, reference) | {native:.0} ms | 1.00× |");
    println!(
        "| wasm32 in Chromium, no UI (median of 5) | {wasm:.0} ms | {:.2}× (goal ≤ 1.5×) |",
        wasm / native
    );
}

fn read_rows(criterion: &Path) -> Result<Vec<Row>> {
    let mut files = Vec::new();
    collect(criterion, &mut files);
    files.sort();
    let mut rows = Vec::new();
    for bench_json in files {
        let Some(dir) = bench_json.parent() else {
            continue;
        };
        let (Ok(bench), Ok(estimates)) = (
            read_json(&bench_json),
            read_json(&dir.join("estimates.json")),
        ) else {
            continue;
        };
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let point = |key: &str| {
            estimates
                .get(key)
                .and_then(|e| e.get("point_estimate"))
                .and_then(Value::as_f64)
                .unwrap_or(f64::NAN)
        };
        let throughput = bench
            .get("throughput")
            .and_then(Value::as_object)
            .and_then(|t| t.iter().next())
            .and_then(|(unit, n)| n.as_f64().map(|n| (unit.clone(), n)));
        let group = text(&bench, "group_id").unwrap_or_default();
        let function = text(&bench, "function_id").unwrap_or_default();
        let value = text(&bench, "value_str");
        rows.push(Row {
            group,
            bench: match value {
                Some(v) if !function.is_empty() => format!("{function}/{v}"),
                Some(v) => v,
                None => function,
            },
            mean_ns: point("mean"),
            stddev_ns: point("std_dev"),
            throughput,
        });
    }
    Ok(rows)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.ends_with("new/benchmark.json") {
            out.push(path);
        }
    }
}

/// The frame probe's figures, with the idle page as the reference.
fn print_frames(f: &Value) {
    let num = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
    let (anim, idle) = (&f["animating"], &f["reference"]);
    println!(
        "\n| browser ({} hosts, {} lines in flight) | value | idle page (reference) | ratio |\n| --- | ---: | ---: | ---: |",
        num(f, "hosts"),
        num(f, "packets_on_stage")
    );
    println!(
        "| time to first render | {:.0} ms | — | — |",
        num(f, "first_render_ms")
    );
    for (label, key) in [
        ("frame time p50", "p50_ms"),
        ("frame time p95 (budget 16.7 ms)", "p95_ms"),
        ("frame time max", "max_ms"),
    ] {
        let (a, r) = (num(anim, key), num(idle, key));
        println!("| {label} | {a:.1} ms | {r:.1} ms | {:.2}× |", a / r);
    }
    let events = &f["with_event_list"];
    let (a, r) = (num(events, "p95_ms"), num(idle, "p95_ms"));
    println!(
        "| frame time p95, event list open | {a:.1} ms | {r:.1} ms | {:.2}× |",
        a / r
    );
    println!(
        "| frames in 3 s | {} | {} | — |",
        num(anim, "frames"),
        num(idle, "frames")
    );
    println!(
        "| main thread per frame (script / style+layout) | {:.1} ms ({:.1} / {:.1}) | — | — |",
        num(anim, "main_thread_ms_per_frame"),
        num(anim, "script_ms_per_frame"),
        num(anim, "layout_and_style_ms_per_frame")
    );
    println!(
        "\n| computing a run in the page | computed in | long tasks (> 50 ms) while computing | longest | reading the file (one task) |\n| --- | ---: | ---: | ---: | ---: |"
    );
    for (label, key) in [
        ("relay loop, 8 MB body, to its budget", "relay_loop_8mb"),
        ("20,000 messages at t = 0", "burst_20k_at_t0"),
    ] {
        let c = &f["computing"][key];
        println!(
            "| {label} | {:.0} ms | {} | {:.0} ms | {:.0} ms |",
            num(c, "compute_ms"),
            num(c, "long_tasks_computing"),
            num(c, "longest_task_computing_ms"),
            num(c, "longest_task_loading_ms")
        );
    }
    let pasted = &f["computing"]["relay_loop_8mb_pasted"];
    let tasks = |k: &str| {
        pasted[k]
            .as_array()
            .map(|a| {
                let ms: Vec<String> = a.iter().map(|v| format!("{v} ms")).collect();
                if ms.is_empty() {
                    "none".to_string()
                } else {
                    ms.join(", ")
                }
            })
            .unwrap_or_else(|| "—".to_string())
    };
    println!(
        "\n| relay loop pasted into the JSON editor, from the click on | long tasks (> 50 ms) of the app | of the browser itself |\n| --- | --- | --- |\n| Validate and run to the run shown | {} | {} |",
        tasks("long_tasks_app"),
        tasks("long_tasks_browser")
    );
}

fn read_json(path: &Path) -> Result<Value> {
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

fn duration(ns: f64) -> String {
    match ns {
        n if n.is_nan() => "—".to_string(),
        n if n < 1e3 => format!("{n:.1} ns"),
        n if n < 1e6 => format!("{:.2} µs", n / 1e3),
        n if n < 1e9 => format!("{:.2} ms", n / 1e6),
        n => format!("{:.2} s", n / 1e9),
    }
}

fn rate(unit: &str, per_second: f64) -> String {
    match unit {
        "Bytes" | "BytesDecimal" => format!("{:.1} MiB/s", per_second / (1024.0 * 1024.0)),
        _ => format!("{:.0} {}/s", per_second, unit.to_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, group: &str, bench: &str, mean: f64, bytes: u64) {
        let new = dir.join(group).join(bench).join("new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            format!(
                r#"{{"group_id":"{group}","function_id":"{bench}","value_str":null,"throughput":{{"Bytes":{bytes}}}}}"#
            ),
        )
        .unwrap();
        std::fs::write(
            new.join("estimates.json"),
            format!(r#"{{"mean":{{"point_estimate":{mean}}},"std_dev":{{"point_estimate":1.5}}}}"#),
        )
        .unwrap();
    }

    #[test]
    fn reads_criterion_results_back() {
        let dir = std::env::temp_dir().join(format!("mxlab-xtask-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        write(&dir, "parse", "mxlab", 2000.0, 4096);
        write(&dir, "parse", "reference smtp-proto", 1000.0, 4096);
        let rows = read_rows(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(rows.len(), 2);
        let ours = rows.iter().find(|r| r.bench == "mxlab").unwrap();
        assert_eq!(ours.group, "parse");
        assert_eq!(ours.mean_ns, 2000.0);
        assert_eq!(ours.stddev_ns, 1.5);
        assert_eq!(ours.throughput, Some(("Bytes".to_string(), 4096.0)));
    }

    #[test]
    fn formats_durations_and_rates() {
        assert_eq!(duration(12.34), "12.3 ns");
        assert_eq!(duration(12_345.0), "12.35 µs");
        assert_eq!(duration(2.5e6), "2.50 ms");
        assert_eq!(duration(3e9), "3.00 s");
        assert_eq!(duration(f64::NAN), "—");
        assert_eq!(rate("Bytes", 2.0 * 1024.0 * 1024.0), "2.0 MiB/s");
        assert_eq!(rate("Elements", 1500.0), "1500 elements/s");
    }
}
