//! `mxlab ladder FILE --message ID` (or `--session N`): a ladder
//! (time-sequence) diagram of one message's journey or one SMTP session,
//! as a standalone SVG file, for documentation, slides and READMEs where
//! scripts cannot run. The drawing is `mxlab_sim::inspect::ladder`'s; this
//! only runs the scenario and writes it.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use mxlab_sim::inspect::ladder::{Ladder, Layout, Scope, SvgOptions};
use mxlab_sim::{Budget, SimTime};

use crate::run::{simulate_shown, stop_warning};
use crate::{source, Outcome};

/// What `mxlab ladder` was asked for.
pub struct Options<'a> {
    /// A message's journey, or one session.
    pub scope: Scope,
    /// World seed; the scenario's own when `None`.
    pub seed: Option<u64>,
    /// Stop the run here.
    pub until: Option<SimTime>,
    /// The run's budget.
    pub budget: Budget,
    /// Draw the current moment across the diagram.
    pub now: Option<SimTime>,
    /// Write here instead of standard output.
    pub output: Option<&'a Path>,
}

pub fn ladder(spec: &str, o: &Options<'_>, out: &mut dyn Write) -> Result<Outcome> {
    let (source, scenario) = source::load(spec)?;
    let seed = o.seed.unwrap_or(scenario.seed);
    let name = scenario.name.clone();
    let sim = simulate_shown(scenario, seed, o.until, o.budget);
    let mut ladder = Ladder::new(sim.trace(), &o.scope, &Layout::default())
        .map_err(|e| anyhow::anyhow!("{}: {e}", source.label))?;
    if !name.is_empty() {
        ladder.title = format!("{name} — {}", ladder.title);
    }
    let svg = ladder.to_svg(&SvgOptions {
        now: o.now,
        ..SvgOptions::default()
    });
    match o.output {
        Some(path) => std::fs::write(path, svg.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => out.write_all(svg.as_bytes())?,
    }
    Ok(match sim.stopped() {
        Some(stop) => Outcome::Stopped(stop_warning(stop)),
        None => Outcome::Success,
    })
}
