//! Where a scenario comes from: a file, standard input (`-`), or a
//! compiled-in preset (`preset:NAME`); and its problems, each with a JSON
//! path in `$.a.b[0]` form.

use std::fs::File;
use std::io::{self, Read};

use anyhow::{anyhow, Context, Result};
use mxlab_sim::presets::PRESETS;
use mxlab_sim::scenario::MAX_SCENARIO_BYTES;
use mxlab_sim::{Problem, Scenario, ScenarioError};

/// The prefix that names a compiled-in preset instead of a file.
pub const PRESET_PREFIX: &str = "preset:";

/// A scenario's text and the name to report it by.
#[derive(Debug)]
pub struct Source {
    /// The FILE argument as given (`preset:hello-smtp`, `-`, a path).
    pub label: String,
    /// The JSON text.
    pub text: String,
}

/// Reads the scenario text named by `spec`. Errors (unknown preset,
/// unreadable file, not UTF-8) say which.
pub fn read(spec: &str) -> Result<Source> {
    let text = if let Some(name) = spec.strip_prefix(PRESET_PREFIX) {
        preset_text(name)?.to_owned()
    } else if spec == "-" {
        read_bounded(io::stdin().lock()).context("cannot read standard input")?
    } else {
        let file = File::open(spec).with_context(|| format!("cannot read {spec}"))?;
        read_bounded(file).with_context(|| format!("cannot read {spec}"))?
    };
    Ok(Source {
        label: spec.to_owned(),
        text,
    })
}

/// The JSON text of the preset `name`.
pub fn preset_text(name: &str) -> Result<&'static str> {
    PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, json)| *json)
        .ok_or_else(|| {
            let known: Vec<&str> = PRESETS.iter().map(|(n, _)| *n).collect();
            anyhow!(
                "unknown preset `{name}` (known: {}; `mxlab presets` lists them)",
                known.join(", ")
            )
        })
}

/// Reads at most one byte past the scenario size limit (so `/dev/zero`
/// does not fill memory; the loader reports the size), as UTF-8.
fn read_bounded(reader: impl Read) -> io::Result<String> {
    let limit = u64::try_from(MAX_SCENARIO_BYTES)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut bytes = Vec::new();
    reader.take(limit).read_to_end(&mut bytes)?;
    String::from_utf8(bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// Reads and loads the scenario named by `spec`; any problem is one error
/// line (`mxlab validate` lists them all).
pub fn load(spec: &str) -> Result<(Source, Scenario)> {
    let source = read(spec)?;
    match Scenario::from_json(&source.text) {
        Ok(scenario) => Ok((source, scenario)),
        Err(e) => Err(anyhow!("{}", summarise(&source.label, &e))),
    }
}

/// A scenario error as one line.
fn summarise(label: &str, e: &ScenarioError) -> String {
    let problems = describe(e);
    match problems.as_slice() {
        [] => format!("{label}: {e}"),
        [one] => format!("{label}: {one}"),
        [first, rest @ ..] => format!(
            "{label}: {first} (and {} more {}; `mxlab validate {label}` lists them)",
            rest.len(),
            if rest.len() == 1 {
                "problem"
            } else {
                "problems"
            }
        ),
    }
}

/// Every problem of `e` as `$.path: message`, with the line and column of
/// a syntax error.
pub fn describe(e: &ScenarioError) -> Vec<String> {
    match e {
        ScenarioError::Syntax {
            line,
            column,
            problem,
        } => vec![format!(
            "{} (line {line}, column {column})",
            with_json_path(problem)
        )],
        _ => e.problems().iter().map(with_json_path).collect(),
    }
}

fn with_json_path(p: &Problem) -> String {
    format!("{}: {}", json_path(&p.path), p.message)
}

/// `dns.domains[0].mx[1]` as `$.dns.domains[0].mx[1]`; the empty path
/// (the whole document) as `$`.
pub fn json_path(path: &str) -> String {
    if path.is_empty() || path == "." {
        "$".to_owned()
    } else if path.starts_with('[') || path.starts_with('.') {
        format!("${path}")
    } else {
        format!("$.{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_rooted_at_dollar() {
        assert_eq!(json_path(""), "$");
        assert_eq!(
            json_path("dns.domains[0].mx[1].preference"),
            "$.dns.domains[0].mx[1].preference"
        );
        assert_eq!(json_path("[2]"), "$[2]");
    }

    #[test]
    fn every_preset_can_be_read_by_name() {
        for (name, _) in PRESETS {
            let source = read(&format!("preset:{name}")).map_err(|e| e.to_string());
            assert!(source.is_ok(), "{name}: {source:?}");
        }
        let unknown = read("preset:nope").map(|_| ()).map_err(|e| e.to_string());
        assert!(
            matches!(&unknown, Err(m) if m.contains("unknown preset `nope`") && m.contains("hello-smtp")),
            "{unknown:?}"
        );
    }

    #[test]
    fn several_problems_fold_into_one_line() {
        let e = ScenarioError::Invalid(vec![
            Problem::new("nodes[0].name", "expected a domain"),
            Problem::new("horizon_secs", "too big"),
        ]);
        let line = summarise("x.json", &e);
        assert_eq!(
            line,
            "x.json: $.nodes[0].name: expected a domain (and 1 more problem; `mxlab validate x.json` lists them)"
        );
    }
}
