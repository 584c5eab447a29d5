//! `mxlab`: MX Lab on the command line.
//!
//! The same scenarios and traces as the web app, without a browser, for
//! scripts, documentation and CI. Every command takes a scenario as a JSON
//! file, `-` for standard input, or `preset:NAME` for a compiled-in preset.
//!
//! | command | what |
//! | --- | --- |
//! | `validate FILE` | every problem with its JSON path, or `ok` |
//! | `run FILE` | one seed to quiescence (or `--until T`): the summary (`--export DIR`: trace, transcripts, mailboxes as files) |
//! | `transcript FILE` | the `C:`/`S:` lines of every SMTP session (`--format markdown` for docs) |
//! | `ladder FILE --message ID` | a message's journey (or `--session N`) as an SVG ladder diagram |
//! | `sweep FILE --seeds N` | seeds `0..N` on every core: distributions (`--csv`: a row per seed; `--shard K/N`: one shard's partial result) |
//! | `merge FILES…` | shards' partial results together, as the unsharded sweep prints them |
//! | `presets` | the compiled-in presets and their lessons |
//! | `serve` | a real SMTP server on a TCP port, with a host's policy |
//! | `deliver` | send one message to a real SMTP server, print the transcript |
//!
//! A failure is one line on standard error starting with `mxlab: error: `
//! and exit code 1 (2 for a usage error, such as a number out of range);
//! an internal error (a bug) is reported the same way, never as a crash.
//! A run that spends its budget (`--max-events`, `--max-trace-bytes`)
//! prints what it computed up to its stop, then one `mxlab: warning: `
//! line saying where it stopped, and exits with code 3.
//! The CLI only reads what the simulation reports; it makes no protocol or
//! simulation decisions.
#![forbid(unsafe_code)]

mod args;
mod conn;
mod deliver;
mod duration;
mod export;
mod ladder;
mod presets;
mod queue_id;
mod run;
mod serve;
mod shard;
mod size;
mod source;
mod store;
mod sweep;
mod tls;
mod transcript;
mod validate;

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser;

use args::{Cli, Command};

/// What a command ended with, besides an error.
enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1, the reason already printed (validate found problems).
    Failure,
    /// Exit 3: the run stopped on its budget; what it computed is printed,
    /// and this warning follows it.
    Stopped(String),
}

fn dispatch(command: Command, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    match command {
        Command::Validate { file, budget } => validate::validate(&file, &budget.budget(), out),
        Command::Run {
            file,
            seed,
            until,
            json,
            trace_hash,
            export,
            budget,
        } => run::run(
            &file,
            &run::Options {
                seed,
                until,
                json,
                trace_hash,
                budget: budget.budget(),
                export: export.as_deref(),
            },
            out,
        ),
        Command::Transcript {
            file,
            host,
            seed,
            until,
            format,
            budget,
        } => transcript::transcript(
            &file,
            &transcript::Options {
                host: host.as_deref(),
                seed,
                until,
                budget: budget.budget(),
                format,
            },
            out,
        ),
        Command::Ladder {
            file,
            message,
            session,
            output,
            now,
            seed,
            until,
            budget,
        } => ladder::ladder(
            &file,
            &ladder::Options {
                scope: match (message, session) {
                    (Some(id), _) => mxlab_sim::inspect::Scope::Message(id),
                    (None, n) => mxlab_sim::inspect::Scope::Session(n.unwrap_or_default()),
                },
                seed,
                until,
                budget: budget.budget(),
                now,
                output: output.as_deref(),
            },
            out,
        ),
        Command::Sweep {
            file,
            seeds,
            until,
            json,
            csv,
            shard,
            output,
            budget,
        } => {
            let mode = match (shard, json, csv) {
                (Some(shard), _, _) => sweep::Mode::Shard(shard, output.as_deref()),
                (None, true, _) => sweep::Mode::Json,
                (None, _, true) => sweep::Mode::Csv,
                (None, false, false) => sweep::Mode::Text,
            };
            sweep::sweep(&file, seeds, until, budget.budget(), mode, out)
        }
        Command::Merge { files, json } => shard::merge(
            &files,
            if json {
                shard::MergeFormat::Json
            } else {
                shard::MergeFormat::Text
            },
            out,
        ),
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
            max_memory,
            timeout,
            grace,
            starttls,
            implicit_tls,
            quiet,
        } => {
            let (node, verifier) = match (scenario, host) {
                (Some(file), Some(name)) => {
                    let (s, node) = scenario_host(&file, &name)?;
                    // A host that verifies checks mail against the
                    // scenario's zone, as in a run.
                    let verifier = node
                        .policy
                        .auth
                        .as_ref()
                        .is_some_and(|a| a.verify)
                        .then(|| std::sync::Arc::new(mxlab_sim::auth::Verifier::new(&s)));
                    (Some(node), verifier)
                }
                _ => (None, None),
            };
            let hostname = hostname
                .or_else(|| node.as_ref().map(|n| n.name.clone()))
                .unwrap_or_else(|| "mxlab.localhost".into());
            let starttls =
                !implicit_tls && (starttls || node.as_ref().is_some_and(|n| n.policy.starttls));
            serve::serve(serve::ServeOptions {
                listen,
                node,
                verifier,
                hostname,
                maildir,
                mbox,
                max_connections: usize::try_from(max_connections).unwrap_or(usize::MAX),
                max_message_size,
                max_memory,
                timeout: std::time::Duration::from_secs(timeout),
                grace: std::time::Duration::from_secs(grace),
                starttls,
                implicit_tls,
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
            scenario,
            dkim_sign_as,
        } => {
            let signer = match (scenario, dkim_sign_as) {
                (Some(file), Some(name)) => {
                    let (s, node) = scenario_host(&file, &name)?;
                    Some(deliver::DkimSigning {
                        verifier: mxlab_sim::auth::Verifier::new(&s),
                        host: node.name,
                    })
                }
                _ => None,
            };
            let tls = match tls.as_str() {
                "never" => mxlab_proto::client::TlsPolicy::Never,
                "required" => mxlab_proto::client::TlsPolicy::Required,
                "implicit" => mxlab_proto::client::TlsPolicy::Implicit,
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
                show_lines: usize::try_from(show_lines).unwrap_or(usize::MAX),
                dkim: signer,
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

/// A scenario and its host named `name` (any case), or an error listing
/// its hosts.
fn scenario_host(
    file: &str,
    name: &str,
) -> anyhow::Result<(mxlab_sim::Scenario, mxlab_sim::scenario::Node)> {
    let (_, s) = source::load(file)?;
    let node = s
        .nodes
        .iter()
        .find(|n| n.name.eq_ignore_ascii_case(name))
        .cloned();
    let node = node.ok_or_else(|| {
        anyhow::anyhow!(
            "no host {name:?} in {file} (hosts: {})",
            s.nodes
                .iter()
                .map(|n| n.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    Ok((s, node))
}

/// The command line, or a usage error as one `mxlab: error:` line and
/// exit code 2 (help and version are printed as asked).
fn parse_command_line() -> Result<Cli, ExitCode> {
    Cli::try_parse().map_err(|e| match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(2)
        }
        _ => {
            let args: Vec<String> = std::env::args().skip(1).collect();
            eprintln!(
                "mxlab: error: {}",
                usage_error(&e.render().to_string(), subcommand(&args))
            );
            ExitCode::from(2)
        }
    })
}

/// The subcommand named on the command line, if any.
fn subcommand(args: &[String]) -> Option<&str> {
    let cli = <Cli as clap::CommandFactory>::command();
    let name = args.iter().find(|a| !a.starts_with('-'))?;
    let known = cli.get_subcommands().any(|c| c.get_name() == name);
    known.then_some(name.as_str())
}

/// clap's message on one line, without its own `error: ` prefix, its
/// usage and its hint, and where to read more.
fn usage_error(rendered: &str, subcommand: Option<&str>) -> String {
    let message: Vec<&str> = rendered
        .lines()
        .take_while(|l| !l.trim_start().starts_with("Usage:"))
        .filter(|l| !l.trim_start().starts_with("For more information"))
        .collect();
    let message = one_line(&message.join("\n"));
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    let message = message.replace(":; ", ": ");
    match subcommand {
        Some(command) => format!("{message} (see `mxlab {command} --help`)"),
        None => format!("{message} (see `mxlab --help`)"),
    }
}

/// The panic of a bug, kept by the hook for one `mxlab: error:` line.
static PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// A panic anywhere (a bug) prints nothing by itself: the command reports
/// it as one error line. `MXLAB_BACKTRACE=1` prints the usual report too.
fn install_panic_hook() {
    let verbose = std::env::var_os("MXLAB_BACKTRACE").is_some();
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_owned());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if verbose {
            default(info);
        }
        if cfg!(panic = "abort") {
            // Built to abort on a panic: nothing can catch it, so say it
            // here, once, and end as any other error does.
            eprintln!(
                "mxlab: error: internal error: {} (a bug in MX Lab; MXLAB_BACKTRACE=1 shows where)",
                one_line(&format!("{message}{place}"))
            );
            std::process::exit(1);
        }
        if let Ok(mut slot) = PANIC.lock() {
            slot.get_or_insert(format!("{message}{place}"));
        }
    }));
}

/// The error line of a command that panicked.
fn internal_error() -> String {
    let what = PANIC
        .lock()
        .ok()
        .and_then(|mut p| p.take())
        .unwrap_or_else(|| "a panic".to_owned());
    format!(
        "internal error: {} (a bug in MX Lab; MXLAB_BACKTRACE=1 shows where)",
        one_line(&what)
    )
}

fn main() -> ExitCode {
    let cli = match parse_command_line() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    install_panic_hook();
    if matches!(cli.command, Command::Serve { .. } | Command::Deliver { .. }) {
        // Not behind the buffered standard output below: these print
        // from several threads as they go.
        let result = std::panic::catch_unwind(|| network(cli.command));
        return match result {
            Ok(Ok(Outcome::Success)) => ExitCode::SUCCESS,
            Ok(Ok(Outcome::Failure | Outcome::Stopped(_))) => ExitCode::FAILURE,
            Ok(Err(e)) => {
                eprintln!("mxlab: error: {}", one_line(&format!("{e:#}")));
                ExitCode::FAILURE
            }
            Err(_) => {
                eprintln!("mxlab: error: {}", internal_error());
                ExitCode::FAILURE
            }
        };
    }
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        dispatch(cli.command, &mut out)
    }));
    match result {
        Ok(Ok(Outcome::Success)) => ExitCode::SUCCESS,
        Ok(Ok(Outcome::Failure)) => ExitCode::FAILURE,
        Ok(Ok(Outcome::Stopped(warning))) => {
            let _ = out.flush();
            drop(out);
            eprintln!("mxlab: warning: {}", one_line(&warning));
            ExitCode::from(3)
        }
        Ok(Err(e)) if is_broken_pipe(&e) => ExitCode::FAILURE,
        Ok(Err(e)) => {
            drop(out);
            eprintln!("mxlab: error: {}", one_line(&format!("{e:#}")));
            ExitCode::FAILURE
        }
        Err(_) => {
            // What was printed before the panic is kept.
            let _ = out.flush();
            drop(out);
            eprintln!("mxlab: error: {}", internal_error());
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
    fn usage_errors_are_one_line_with_where_to_read_more() {
        let rendered = "error: the following required arguments were not provided:\n  \
                        --seeds <SEEDS>\n\nUsage: mxlab sweep --seeds <SEEDS> <FILE>\n\n\
                        For more information, try '--help'.\n";
        assert_eq!(
            usage_error(rendered, Some("sweep")),
            "the following required arguments were not provided: --seeds <SEEDS> \
             (see `mxlab sweep --help`)"
        );
        let args = ["run".to_owned(), "x.json".to_owned()];
        assert_eq!(subcommand(&args), Some("run"));
        assert_eq!(subcommand(&["--fly".to_owned()]), None);
    }

    #[test]
    fn a_panic_becomes_an_internal_error_line() {
        install_panic_hook();
        let caught = std::panic::catch_unwind(|| panic!("capacity overflow\nsecond line"));
        assert!(caught.is_err());
        let line = internal_error();
        assert!(
            line.starts_with("internal error: capacity overflow; second line at "),
            "{line}"
        );
        assert!(line.contains("a bug in MX Lab"), "{line}");
        let _ = std::panic::take_hook();
    }

    #[test]
    fn errors_are_folded_onto_one_line() {
        assert_eq!(one_line("a\n  b\n\nc"), "a; b; c");
    }
}
