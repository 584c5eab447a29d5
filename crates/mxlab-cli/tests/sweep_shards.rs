//! `mxlab sweep --csv`, `mxlab sweep --shard K/N` and `mxlab merge`: a
//! sweep cut into shards and merged prints exactly what the unsharded
//! sweep prints; shards of different sweeps, a shard twice or a shard
//! missing are clear errors.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;
use common::*;

use serde_json::Value;

const SCENARIO: &str = "preset:unknown-user-bounce";
const SEEDS: &str = "13";

/// Runs shard K/N of `scenario` with `seeds` seeds into `dir/K.json`.
fn shard(dir: &std::path::Path, scenario: &str, seeds: &str, k: u64, n: u64) -> String {
    let file = dir.join(format!("{k}-of-{n}-{seeds}.json"));
    let file = file.to_str().unwrap().to_owned();
    ok(&[
        "sweep",
        scenario,
        "--seeds",
        seeds,
        "--shard",
        &format!("{k}/{n}"),
        "-o",
        &file,
    ]);
    file
}

#[test]
fn four_shards_merged_print_exactly_the_unsharded_sweep() {
    let dir = scratch("shards", "four");
    let whole = ok(&["sweep", SCENARIO, "--seeds", SEEDS]);
    let whole_json = ok(&["sweep", SCENARIO, "--seeds", SEEDS, "--json"]);
    let mut files: Vec<String> = (1..=4)
        .map(|k| shard(&dir, SCENARIO, SEEDS, k, 4))
        .collect();
    // In any order.
    files.reverse();
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    assert_eq!(ok(&args), whole);
    args.push("--json");
    assert_eq!(ok(&args), whole_json);
    // A partial goes to standard output without -o, the same JSON.
    let stdout = ok(&["sweep", SCENARIO, "--seeds", SEEDS, "--shard", "2/4"]);
    let file = std::fs::read_to_string(dir.join(format!("2-of-4-{SEEDS}.json"))).unwrap();
    assert_eq!(stdout, file);
    let partial: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(partial["seeds"], 13);
    assert_eq!(partial["runs"], 3, "seeds 1, 5, 9: i % 4 == 1");
    assert!(partial["scenario_hash"].as_str().unwrap().len() == 16);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn more_shards_than_seeds_merge_too() {
    let dir = scratch("shards", "more");
    let whole = ok(&["sweep", SCENARIO, "--seeds", "2"]);
    let files: Vec<String> = (1..=3).map(|k| shard(&dir, SCENARIO, "2", k, 3)).collect();
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    assert_eq!(ok(&args), whole);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shards_that_do_not_make_one_sweep_are_refused() {
    let dir = scratch("shards", "refused");
    let a: Vec<String> = (1..=3)
        .map(|k| shard(&dir, SCENARIO, SEEDS, k, 3))
        .collect();
    let twice = error(&["merge", &a[0], &a[1], &a[2], &a[1]], 1);
    assert!(twice.contains("shard 2/3 is given twice"), "{twice}");
    let missing = error(&["merge", &a[0], &a[2]], 1);
    assert!(missing.contains("1 of 3 shards missing: 2/3"), "{missing}");
    let other_seeds = shard(&dir, SCENARIO, "20", 2, 3);
    let e = error(&["merge", &a[0], &other_seeds, &a[2]], 1);
    assert!(e.contains("different sweeps: seeds 0..13 and 0..20"), "{e}");
    let other_scenario = shard(&dir, "preset:hello-smtp", SEEDS, 2, 3);
    let e = error(&["merge", &a[0], &other_scenario, &a[2]], 1);
    assert!(e.contains("different sweeps: scenario hash"), "{e}");
    let other_count = shard(&dir, SCENARIO, SEEDS, 2, 4);
    let e = error(&["merge", &a[0], &other_count, &a[2]], 1);
    assert!(e.contains("cut into 3 shards and 4 shards"), "{e}");
    let not_json = dir.join("not.json");
    std::fs::write(&not_json, "scenario x").unwrap();
    let e = error(&["merge", not_json.to_str().unwrap()], 1);
    assert!(e.contains("not a shard's partial result"), "{e}");
    std::fs::write(&not_json, "{\"format\": \"mxlab-sweep-shard/1\"}").unwrap();
    let e = error(&["merge", not_json.to_str().unwrap()], 1);
    assert!(e.contains("damaged"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn csv_has_a_header_and_a_row_per_seed_that_add_up_to_the_sweep() {
    let csv = ok(&["sweep", SCENARIO, "--seeds", SEEDS, "--csv"]);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header,
        [
            "seed",
            "delivered",
            "bounced",
            "queued",
            "duplicates",
            "attempts",
            "latency_count",
            "latency_p50_secs",
            "latency_p90_secs",
            "latency_p99_secs",
            "latency_max_secs",
            "stopped_on_budget"
        ]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 13);
    let json: Value =
        serde_json::from_str(&ok(&["sweep", SCENARIO, "--seeds", SEEDS, "--json"])).unwrap();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), header.len(), "{row:?}");
        assert_eq!(row[0], i.to_string());
        assert_eq!(row[11], "false");
    }
    for (col, key) in [(1, "delivered"), (2, "bounced"), (5, "attempts")] {
        let sum: u64 = rows.iter().map(|r| r[col].parse::<u64>().unwrap()).sum();
        assert_eq!(sum, json[key]["total"].as_u64().unwrap(), "{key}");
    }
}

#[test]
fn shards_of_a_sweep_with_deliveries_merge_to_its_latency_percentiles() {
    let dir = scratch("shards", "latencies");
    let scenario = "preset:greylisting";
    let whole = ok(&["sweep", scenario, "--seeds", SEEDS, "--json"]);
    let json: Value = serde_json::from_str(&whole).unwrap();
    assert!(json["latency_secs"]["count"].as_u64().unwrap() > 0);
    let files: Vec<String> = (1..=4)
        .map(|k| shard(&dir, scenario, SEEDS, k, 4))
        .collect();
    let mut args = vec!["merge", "--json"];
    args.extend(files.iter().map(String::as_str));
    assert_eq!(ok(&args), whole);
    let _ = std::fs::remove_dir_all(&dir);
}
