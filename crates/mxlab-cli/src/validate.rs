//! `mxlab validate FILE`: `ok: …` or every problem as `FILE: $.path: message`;
//! and, for a valid scenario that will obviously spend a run's budget,
//! `FILE: warning: …` (still exit 0).

use std::io::Write;

use anyhow::Result;
use mxlab_sim::budget::forecast;
use mxlab_sim::{Budget, Scenario};

use crate::duration::format_secs;
use crate::{plural, source, Outcome};

pub fn validate(spec: &str, budget: &Budget, out: &mut dyn Write) -> Result<Outcome> {
    let source = source::read(spec)?;
    match Scenario::from_json(&source.text) {
        Ok(s) => {
            writeln!(
                out,
                "ok: {}, {}, {}, horizon {}",
                plural(s.nodes.len(), "host"),
                plural(s.messages.len(), "message"),
                plural(s.faults.len(), "fault"),
                format_secs(s.horizon_secs)
            )?;
            if let Some(warning) = forecast(&s, budget) {
                writeln!(out, "{}: warning: {warning}", source.label)?;
            }
            Ok(Outcome::Success)
        }
        Err(e) => {
            for problem in source::describe(&e) {
                writeln!(out, "{}: {problem}", source.label)?;
            }
            Ok(Outcome::Failure)
        }
    }
}
