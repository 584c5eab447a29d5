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
//! | `serve` | a real SMTP server on a TCP port, with a host's policy |
//! | `deliver` | send one message to a real SMTP server, print the transcript |
//!
//! A failure is one line on standard error starting with `mxlab: error: `
//! and exit code 1 (2 for a usage error). The CLI only reads what the
//! simulation reports; it makes no protocol or simulation decisions.
#![forbid(unsafe_code)]

mod conn;
mod deliver;
mod duration;
mod presets;
mod run;
mod serve;
mod source;
mod store;
mod sweep;
mod tls;
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
    /// Listen for SMTP on a real TCP port: the protocol core's server
    /// session, with a scenario host's policy or accepting everything.
    /// Accepted mail goes to a Maildir (or mbox) and is printed as a line.
    Serve {
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:2525")]
        listen: std::net::SocketAddr,
        /// Scenario whose host policy to apply (with --host).
        #[arg(long, requires = "host")]
        scenario: Option<String>,
        /// The scenario host to be: its destination domains, mailboxes,
        /// relay rules, size limit, TLS and AUTH requirements, accounts,
        /// greylisting and bare-LF policy.
        #[arg(long, requires = "scenario")]
        host: Option<String>,
        /// Name in the greeting and in Received: (default: the host's
        /// name, or mxlab.localhost).
        #[arg(long)]
        hostname: Option<String>,
        /// Store mail in this Maildir (default: ./mxlab-maildir).
        #[arg(long, value_name = "DIR", conflicts_with = "mbox")]
        maildir: Option<std::path::PathBuf>,
        /// Store mail in this mbox file (mboxrd) instead.
        #[arg(long, value_name = "FILE")]
        mbox: Option<std::path::PathBuf>,
        /// Open connections at most; more get 421 at once.
        #[arg(long, default_value_t = 1000)]
        max_connections: usize,
        /// Largest message in octets (advertised with SIZE, RFC 1870).
        #[arg(long, default_value_t = 36_700_160)]
        max_message_size: u64,
        /// Idle timeout in seconds, for a silent client and for one that
        /// stops reading (RFC 5321 §4.5.3.2.7: at least 5 minutes).
        #[arg(long, default_value_t = 300)]
        timeout: u64,
        /// Seconds open sessions get to finish after Ctrl-C or SIGTERM.
        #[arg(long, default_value_t = 10)]
        grace: u64,
        /// Offer STARTTLS, with a self-signed certificate made at start.
        #[arg(long)]
        starttls: bool,
        /// Print accepted messages only, not every connection.
        #[arg(long)]
        quiet: bool,
    },
    /// Send one message to a real SMTP server with the protocol core's
    /// client session; print the C:/S: transcript and each recipient's
    /// outcome (exit 1 unless every recipient was accepted).
    Deliver {
        /// The server, HOST:PORT.
        #[arg(long)]
        to: String,
        /// Envelope sender (empty for the null reverse-path <>).
        #[arg(long, allow_hyphen_values = true)]
        from: String,
        /// Envelope recipient (repeat for several).
        #[arg(long, required = true)]
        rcpt: Vec<String>,
        /// The message (headers and body); standard input if absent or `-`.
        #[arg(long)]
        file: Option<std::path::PathBuf>,
        /// Name to give in EHLO.
        #[arg(long, default_value = "mxlab.localhost")]
        helo: String,
        /// STARTTLS: never, opportunistic (when offered) or required.
        #[arg(long, default_value = "opportunistic", value_parser = ["never", "opportunistic", "required"])]
        tls: String,
        /// Log in with AUTH as this user (with --password).
        #[arg(long, requires = "password")]
        user: Option<String>,
        /// The password for --user.
        #[arg(long, requires = "user")]
        password: Option<String>,
        /// Message lines to show before summarising the rest.
        #[arg(long, default_value_t = 5)]
        show_lines: usize,
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
        Command::Serve { .. } | Command::Deliver { .. } => network(command),
    }
    .and_then(|outcome| {
        out.flush()?;
        Ok(outcome)
    })
}

/// `serve` and `deliver`: they print as they go, from several threads.
fn network(command: Command) -> anyhow::Result<Outcome> {
    match command {
        Command::Serve {
            listen,
            scenario,
            host,
            hostname,
            maildir,
            mbox,
            max_connections,
            max_message_size,
            timeout,
            grace,
            starttls,
            quiet,
        } => {
            let node = match (scenario, host) {
                (Some(file), Some(name)) => {
                    let (_, s) = source::load(&file)?;
                    let node = s
                        .nodes
                        .iter()
                        .find(|n| n.name.eq_ignore_ascii_case(&name))
                        .cloned();
                    Some(node.ok_or_else(|| {
                        anyhow::anyhow!(
                            "no host {name:?} in {file} (hosts: {})",
                            s.nodes
                                .iter()
                                .map(|n| n.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })?)
                }
                _ => None,
            };
            let hostname = hostname
                .or_else(|| node.as_ref().map(|n| n.name.clone()))
                .unwrap_or_else(|| "mxlab.localhost".into());
            let starttls = starttls || node.as_ref().is_some_and(|n| n.policy.starttls);
            serve::serve(serve::ServeOptions {
                listen,
                node,
                hostname,
                maildir,
                mbox,
                max_connections: max_connections.max(1),
                max_message_size,
                timeout: std::time::Duration::from_secs(timeout.max(1)),
                grace: std::time::Duration::from_secs(grace),
                starttls,
                quiet,
            })?;
            Ok(Outcome::Success)
        }
        Command::Deliver {
            to,
            from,
            rcpt,
            file,
            helo,
            tls,
            user,
            password,
            show_lines,
        } => {
            let tls = match tls.as_str() {
                "never" => mxlab_proto::client::TlsPolicy::Never,
                "required" => mxlab_proto::client::TlsPolicy::Required,
                _ => mxlab_proto::client::TlsPolicy::Opportunistic,
            };
            let all = deliver::deliver(deliver::DeliverOptions {
                to,
                from,
                rcpts: rcpt,
                file,
                helo,
                tls,
                login: user.zip(password),
                connect_timeout: std::time::Duration::from_secs(30),
                show_lines,
            })?;
            Ok(if all {
                Outcome::Success
            } else {
                Outcome::Failure
            })
        }
        _ => Ok(Outcome::Failure),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Serve { .. } | Command::Deliver { .. }) {
        // Not behind the buffered standard output below: these print
        // from several threads as they go.
        return match network(cli.command) {
            Ok(Outcome::Success) => ExitCode::SUCCESS,
            Ok(Outcome::Failure) => ExitCode::FAILURE,
            Err(e) => {
                eprintln!("mxlab: error: {}", one_line(&format!("{e:#}")));
                ExitCode::FAILURE
            }
        };
    }
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
