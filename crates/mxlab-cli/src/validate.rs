//! `mxlab validate FILE`: `ok: …` or every problem as `FILE: $.path: message`;
//! then every warning (legal, but probably not meant) as
//! `FILE: warning: $.path: message`; and, for a valid scenario that will
//! obviously spend a run's budget, `FILE: warning: …`. Warnings alone
//! still exit 0.

use std::io::Write;

use anyhow::Result;
use mxlab_sim::budget::forecast;
use mxlab_sim::{Budget, Scenario};

use crate::duration::format_secs;
use crate::{plural, source, Outcome};

pub fn validate(spec: &str, budget: &Budget, out: &mut dyn Write) -> Result<Outcome> {
    let source = source::read(spec)?;
    let (loaded, warnings) = Scenario::from_json_with_warnings(&source.text);
    let outcome = match &loaded {
        Ok(s) => {
            writeln!(
                out,
                "ok: {}, {}, {}, horizon {}",
                plural(s.nodes.len(), "host"),
                plural(s.messages.len(), "message"),
                plural(s.faults.len(), "fault"),
                format_secs(s.horizon_secs)
            )?;
            Outcome::Success
        }
        Err(e) => {
            for problem in source::describe(e) {
                writeln!(out, "{}: {problem}", source.label)?;
            }
            Outcome::Failure
        }
    };
    for w in &warnings {
        writeln!(
            out,
            "{}: warning: {}: {}",
            source.label,
            source::json_path(&w.path),
            w.message
        )?;
    }
    if let Ok(s) = &loaded {
        if let Some(warning) = forecast(s, budget) {
            writeln!(out, "{}: warning: {warning}", source.label)?;
        }
    }
    Ok(outcome)
}
