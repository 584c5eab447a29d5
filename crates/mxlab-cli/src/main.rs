//! `mxlab`: MX Lab on the command line.
//!
//! The same scenarios and traces as the web app, without a browser, for
//! scripts, documentation and CI. Every command takes a scenario as a JSON
//! file, `-` for standard input, or `preset:NAME` for a compiled-in preset.
//!
//! | command | what |
//! | --- | --- |
//! | `validate FILE` | every problem with its JSON path, or `ok` |
//! | `run FILE` | one seed to quiescence (or `--until T`): the summary |
//! | `transcript FILE` | the `C:`/`S:` lines of every SMTP session |
//! | `sweep FILE --seeds N` | seeds `0..N` on every core: distributions |
//! | `presets` | the compiled-in presets and their lessons |
//!
//! A failure is one line on standard error starting with `mxlab: error: `
//! and exit code 1 (2 for a usage error). The CLI only reads what the
//! simulation reports; it makes no protocol or simulation decisions.
#![forbid(unsafe_code)]

mod duration;
mod presets;
mod run;
mod source;
mod sweep;
mod transcript;
mod validate;

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mxlab_sim::SimTime;

/// MX Lab on the command line: run, inspect and sweep SMTP network scenarios.
#[derive(Debug, Parser)]
#[command(
    name = "mxlab",
    version,
    after_help = "FILE is a scenario JSON file, `-` for standard input, or `preset:NAME` \
                  for a compiled-in preset (`mxlab presets` lists them).\n\
                  Errors are one line starting with `mxlab: error: `; exit code 1, 2 for usage."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a scenario: `ok: …`, or every problem with its JSON path (exit 1).
    Validate {
        /// Scenario file, `-` (standard input) or `preset:NAME`.
        file: String,
    },
    /// Run one seed and print the summary: delivered, bounced, queued,
    /// attempts, latency percentiles.
    Run {
        /// Scenario file, `-` (standard input) or `preset:NAME`.
        file: String,
        /// World seed (default: the scenario's own `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Stop at this simulated time instead of running to quiescence:
        /// seconds, or a duration such as `90s`, `5m`, `2h`, `5d`, `1h30m`.
        #[arg(long, value_parser = duration::parse_sim_time)]
        until: Option<SimTime>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
        /// Also print the trace hash (same scenario and seed, same hash).
        #[arg(long)]
        trace_hash: bool,
    },
    /// Print the C:/S: lines of every SMTP session, as in the RFCs.
    Transcript {
        /// Scenario file, `-` (standard input) or `preset:NAME`.
        file: String,
        /// Only the sessions this host takes part in (as client or server).
        #[arg(long)]
        host: Option<String>,
        /// World seed (default: the scenario's own `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Stop at this simulated time (seconds or `90s`, `5m`, `2h`, `5d`).
        #[arg(long, value_parser = duration::parse_sim_time)]
        until: Option<SimTime>,
    },
    /// Run seeds 0..N on every core and print distributions.
    Sweep {
        /// Scenario file, `-` (standard input) or `preset:NAME`.
        file: String,
        /// How many seeds: 0, 1, …, N-1.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        seeds: u64,
        /// Stop each run at this simulated time (seconds or `90s`, `5m`, …).
        #[arg(long, value_parser = duration::parse_sim_time)]
        until: Option<SimTime>,
        /// Print the distributions as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the compiled-in presets with their titles.
    Presets {
        /// Also print each preset's lesson.
        #[arg(long)]
        long: bool,
        /// Write every preset as DIR/NAME.json instead of listing them.
        #[arg(long, value_name = "DIR")]
        export: Option<std::path::PathBuf>,
    },
}

/// What a command ended with, besides an error.
enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1, the reason already printed (validate found problems).
    Failure,
}

fn dispatch(command: Command, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    match command {
        Command::Validate { file } => validate::validate(&file, out),
        Command::Run {
            file,
            seed,
            until,
            json,
            trace_hash,
        } => run::run(
            &file,
            &run::Options {
                seed,
                until,
                json,
                trace_hash,
            },
            out,
        ),
        Command::Transcript {
            file,
            host,
            seed,
            until,
        } => transcript::transcript(&file, host.as_deref(), seed, until, out),
        Command::Sweep {
            file,
            seeds,
            until,
            json,
        } => sweep::sweep(&file, seeds, until, json, out),
        Command::Presets { long, export } => match export {
            Some(dir) => presets::export(&dir, out),
            None => presets::list(long, out),
        },
    }
    .and_then(|outcome| {
        out.flush()?;
        Ok(outcome)
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match dispatch(cli.command, &mut out) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failure) => ExitCode::FAILURE,
        Err(e) if is_broken_pipe(&e) => ExitCode::FAILURE,
        Err(e) => {
            drop(out);
            eprintln!("mxlab: error: {}", one_line(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

/// Whether the reader of standard output went away (`mxlab … | head`).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// `1 message`, `2 messages`.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// An error message on one line, whatever the causes contain.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn errors_are_folded_onto_one_line() {
        assert_eq!(one_line("a\n  b\n\nc"), "a; b; c");
    }
}
