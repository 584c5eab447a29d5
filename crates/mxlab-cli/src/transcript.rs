//! `mxlab transcript FILE`: every SMTP session as `C:`/`S:` lines, as in
//! the RFCs' examples, exactly as on the wire.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{bail, Result};
use mxlab_sim::inspect::{session_heading, visible};
use mxlab_sim::{Budget, EventKind, SimTime, Trace, TraceEvent};

use crate::run::{simulate_shown, stop_warning};
use crate::{source, Outcome};

pub fn transcript(
    spec: &str,
    host: Option<&str>,
    seed: Option<u64>,
    until: Option<SimTime>,
    budget: Budget,
    out: &mut dyn Write,
) -> Result<Outcome> {
    let (source, scenario) = source::load(spec)?;
    if let Some(h) = host {
        if !scenario
            .nodes
            .iter()
            .any(|n| n.name.eq_ignore_ascii_case(h))
        {
            bail!("{}: no host named `{h}` in the scenario", source.label);
        }
    }
    let seed = seed.unwrap_or(scenario.seed);
    let sim = simulate_shown(scenario, seed, until, budget);
    write_transcript(sim.trace(), host, out)?;
    Ok(match sim.stopped() {
        Some(stop) => Outcome::Stopped(stop_warning(stop)),
        None => Outcome::Success,
    })
}

/// Writes `# conn N: client -> server:port at T` and the session's lines for
/// every connection (only those `host` takes part in, if given), a blank
/// line between sessions. Only the positions of the lines are kept
/// between the two passes over the trace, not their text: a long trace
/// is not copied.
pub fn write_transcript(
    trace: &Trace,
    host: Option<&str>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut lines: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for i in (0..trace.len()).filter(|&i| trace.is_line(i) || trace.is_abort(i)) {
        if let Some((conn, _, _)) = trace.get(i).as_ref().and_then(side_and_line) {
            lines.entry(conn).or_default().push(i);
        }
    }
    let involves = |name: &str| host.is_none_or(|h| name.eq_ignore_ascii_case(h));
    let mut first = true;
    for c in trace.connections() {
        if !(involves(&c.client) || involves(&c.server)) {
            continue;
        }
        if !first {
            writeln!(out)?;
        }
        first = false;
        let (conn, client, server, port, at) = (c.conn, c.client, c.server, c.port, c.at);
        writeln!(out, "{}", session_heading(conn, &client, &server, port, at))?;
        for &i in lines.get(&conn).into_iter().flatten() {
            match trace.get(i).as_ref().and_then(side_and_line) {
                // A cut connection's marker line, as in the trace's transcript.
                Some((_, "--", line)) => writeln!(out, "-- {}", visible(&line))?,
                Some((_, side, line)) => writeln!(out, "{side}: {}", visible(&line))?,
                None => {}
            }
        }
    }
    Ok(())
}

/// The connection, side (`C` or `S`) and octets of a command or reply line.
fn side_and_line(e: &TraceEvent) -> Option<(u64, &'static str, Vec<u8>)> {
    match &e.kind {
        EventKind::Command { conn, line, .. } => Some((*conn, "C", line.to_bytes())),
        EventKind::Reply { conn, line, .. } => Some((*conn, "S", line.to_bytes())),
        // A cut connection ends with a marker line, as it happened.
        EventKind::Abort { conn, .. } => Some((*conn, "--", e.explanation().as_bytes().to_vec())),
        _ => None,
    }
}
