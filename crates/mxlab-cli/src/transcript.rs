//! `mxlab transcript FILE`: every SMTP session as `C:`/`S:` lines, as in
//! the RFCs' examples, exactly as on the wire; or, `--format markdown`,
//! the same for a documentation page: a heading per session, its lines in
//! a fenced `smtp` block, and what came of it.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{bail, Result};
use mxlab_sim::inspect::{port_purpose, session_heading, visible};
use mxlab_sim::{Budget, Connection, EventKind, SimTime, Trace, TraceEvent};

use crate::run::{simulate_shown, stop_warning};
use crate::{source, Outcome};

/// How the transcript is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `# conn N: client -> server:port at T` and the lines.
    Plain,
    /// Markdown: headings, fenced `smtp` blocks, outcomes.
    Markdown,
}

/// The options of `mxlab transcript`.
pub struct Options<'a> {
    /// Only the sessions this host takes part in.
    pub host: Option<&'a str>,
    /// World seed; the scenario's own when `None`.
    pub seed: Option<u64>,
    /// Stop the run here.
    pub until: Option<SimTime>,
    /// The run's budget.
    pub budget: Budget,
    /// Plain or Markdown.
    pub format: Format,
}

pub fn transcript(spec: &str, o: &Options<'_>, out: &mut dyn Write) -> Result<Outcome> {
    let (source, scenario) = source::load(spec)?;
    if let Some(h) = o.host {
        if !scenario
            .nodes
            .iter()
            .any(|n| n.name.eq_ignore_ascii_case(h))
        {
            bail!("{}: no host named `{h}` in the scenario", source.label);
        }
    }
    let seed = o.seed.unwrap_or(scenario.seed);
    let title = if scenario.name.is_empty() {
        source.label.clone()
    } else {
        scenario.name.clone()
    };
    let sim = simulate_shown(scenario, seed, o.until, o.budget);
    match o.format {
        Format::Plain => write_transcript(sim.trace(), o.host, out)?,
        Format::Markdown => {
            writeln!(out, "# {}\n", md(&title))?;
            writeln!(out, "Scenario {}, seed {seed}.", code(&source.label))?;
            write_markdown(sim.trace(), o.host, out)?;
        }
    }
    Ok(match sim.stopped() {
        Some(stop) => Outcome::Stopped(stop_warning(stop)),
        None => Outcome::Success,
    })
}

/// The positions of the lines (and cut markers) of each connection. Only
/// positions are kept between the two passes over the trace, not text: a
/// long trace is not copied.
fn line_positions(trace: &Trace) -> BTreeMap<u64, Vec<usize>> {
    let mut lines: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for i in (0..trace.len()).filter(|&i| trace.is_line(i) || trace.is_abort(i)) {
        if let Some((conn, _, _)) = trace.get(i).as_ref().and_then(side_and_line) {
            lines.entry(conn).or_default().push(i);
        }
    }
    lines
}

/// The connections `host` takes part in (all without one).
fn sessions<'a>(trace: &'a Trace, host: Option<&'a str>) -> impl Iterator<Item = Connection> + 'a {
    let involves = move |name: &str| host.is_none_or(|h| name.eq_ignore_ascii_case(h));
    trace
        .connections()
        .into_iter()
        .filter(move |c| involves(&c.client) || involves(&c.server))
}

/// The `C: …`/`S: …`/`-- …` lines of a connection, as written.
fn written_lines(trace: &Trace, positions: &[usize]) -> Vec<String> {
    positions
        .iter()
        .filter_map(|&i| match trace.get(i).as_ref().and_then(side_and_line) {
            // A cut connection's marker line, as in the trace's transcript.
            Some((_, "--", line)) => Some(format!("-- {}", visible(&line))),
            Some((_, side, line)) => Some(format!("{side}: {}", visible(&line))),
            None => None,
        })
        .collect()
}

/// Writes `# conn N: client -> server:port at T` and the session's lines for
/// every connection (only those `host` takes part in, if given), a blank
/// line between sessions.
pub fn write_transcript(
    trace: &Trace,
    host: Option<&str>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let lines = line_positions(trace);
    for (k, c) in sessions(trace, host).enumerate() {
        if k > 0 {
            writeln!(out)?;
        }
        let heading = session_heading(c.conn, &c.client, &c.server, c.port, c.at);
        writeln!(out, "{heading}")?;
        for line in written_lines(trace, lines.get(&c.conn).map_or(&[], Vec::as_slice)) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// Writes each session (only those `host` takes part in, if given) as
/// Markdown: `## Session N: client → server:port, at T`, what the port is
/// for, the lines in a fenced `smtp` block (a fence longer than any run of
/// backticks in them), then how the session ended and what came of each
/// recipient it carried.
pub fn write_markdown(
    trace: &Trace,
    host: Option<&str>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let lines = line_positions(trace);
    // Where each connection closed or was cut, in one pass without lines.
    let mut ends: BTreeMap<u64, usize> = BTreeMap::new();
    for (i, e) in trace.without_lines() {
        if let EventKind::Close { conn } | EventKind::Abort { conn, .. } = e.kind {
            ends.entry(conn).or_insert(i);
        }
    }
    for c in sessions(trace, host) {
        let positions = lines.get(&c.conn).map_or(&[][..], Vec::as_slice);
        let text = written_lines(trace, positions);
        writeln!(
            out,
            "\n## Session {}: {} → {}:{}, at {}\n",
            c.conn,
            md(&c.client),
            md(&c.server),
            c.port,
            c.at
        )?;
        if let Some(purpose) = port_purpose(c.port) {
            writeln!(out, "{}.\n", md(&capitalised(purpose)))?;
        }
        let longest = text.iter().map(|l| backtick_run(l)).max().unwrap_or(0);
        let fence = "`".repeat(longest.max(2) + 1);
        writeln!(out, "{fence}smtp")?;
        for line in &text {
            writeln!(out, "{line}")?;
        }
        writeln!(out, "{fence}\n")?;
        for outcome in outcomes(trace, &c, positions, ends.get(&c.conn).copied()) {
            writeln!(out, "- {outcome}")?;
        }
    }
    Ok(())
}

/// Text for Markdown: the characters that could start markup or HTML
/// escaped with a backslash (CommonMark), so a scenario's text stays text.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A Markdown code span holding `text` as it is, whatever backticks it
/// contains.
fn code(text: &str) -> String {
    let ticks = "`".repeat(backtick_run(text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// `Port 25: …` from `port 25: …`.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The longest run of backticks in a line.
fn backtick_run(line: &str) -> usize {
    line.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// How session `c` ended (closed, or cut and why), then what its client
/// recorded for each recipient when it ended: delivered or relayed,
/// deferred, bounced (the events the client's host writes as the session
/// closes).
fn outcomes(trace: &Trace, c: &Connection, positions: &[usize], end: Option<usize>) -> Vec<String> {
    let mut out = Vec::new();
    let messages: Vec<String> = positions
        .iter()
        .filter_map(|&i| trace.get(i)?.message.map(|m| m.to_string()))
        .fold(Vec::new(), |mut v, m| {
            if !v.contains(&m) {
                v.push(m);
            }
            v
        });
    let Some((at, end)) = end.and_then(|i| Some((i, trace.get(i)?))) else {
        out.push("Still open when the run stopped.".to_string());
        return out;
    };
    match &end.kind {
        EventKind::Abort { detail, .. } => out.push(format!("Cut at {}: {}.", end.at, md(detail))),
        _ => out.push(format!("Closed at {}.", end.at)),
    }
    // The client's verdicts follow the end at the same moment.
    for e in trace.range(at + 1..trace.len()) {
        if e.at != end.at {
            break;
        }
        let ours = e.hosts.first().is_some_and(|h| *h == c.client)
            && e.message
                .as_ref()
                .is_some_and(|m| messages.iter().any(|x| x == m));
        if !ours {
            continue;
        }
        let who = e
            .recipient
            .as_deref()
            .map_or_else(|| "the message".to_string(), code);
        match &e.kind {
            EventKind::Deliver { to, .. } => out.push(format!("{who}: accepted by {}.", md(to))),
            EventKind::Defer {
                diagnostic,
                next_attempt,
            } => out.push(format!(
                "{who}: deferred until {next_attempt}: {} {} {}.",
                diagnostic.code,
                diagnostic.enhanced,
                md(&diagnostic.text)
            )),
            EventKind::Bounce { diagnostic } => out.push(format!(
                "{who}: bounced: {} {} {}.",
                diagnostic.code,
                diagnostic.enhanced,
                md(&diagnostic.text)
            )),
            _ => {}
        }
    }
    out
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
