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
use clap::{Args, Parser, Subcommand};
use mxlab_sim::{Budget, SimTime};

/// MX Lab on the command line: run, inspect and sweep SMTP network scenarios.
#[derive(Debug, Parser)]
#[command(
    name = "mxlab",
    version,
    after_help = "FILE is a scenario JSON file, `-` for standard input, or `preset:NAME` \
                  for a compiled-in preset (`mxlab presets` lists them).\n\
                  Errors are one line starting with `mxlab: error: `; exit code 1, 2 for usage.\n\
                  A run that stops on its budget prints what it computed and a \
                  `mxlab: warning: ` line; exit code 3."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What one run may write before it stops (the same budget as in the
/// app, raised here for long experiments).
#[derive(Debug, Clone, Copy, Args)]
struct BudgetArgs {
    /// Stop a run after this many trace events (default 20,000,000); the
    /// output covers the run up to its stop, and the exit code is 3.
    #[arg(long, value_name = "N", default_value = "20000000", allow_negative_numbers = true,
          value_parser = parse_count)]
    max_events: u64,
    /// Stop a run when its trace holds this much, in octets or with a
    /// unit (`512MiB`, `1GiB`, the default, `4GiB`).
    #[arg(long, value_name = "SIZE", default_value = "1GiB", allow_negative_numbers = true,
          value_parser = size::octets_in(1, u64::MAX))]
    max_trace_bytes: u64,
}

impl BudgetArgs {
    fn budget(self) -> Budget {
        Budget {
            max_events: self.max_events,
            max_trace_bytes: self.max_trace_bytes,
        }
    }
}

/// A count of at least 1, written `20000000`, `20_000_000` or
/// `20,000,000`.
fn parse_count(text: &str) -> Result<u64, String> {
    let digits: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, '_' | ','))
        .collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "invalid count `{text}`: expected a whole number, e.g. 20000000"
        ));
    }
    match digits.parse::<u64>() {
        Ok(0) => Err("0 events would stop a run before it starts: at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "count `{text}` is too large (at most {})",
            u64::MAX
        )),
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a scenario: `ok: …`, or every problem with its JSON path (exit 1);
    /// and a warning when a run will obviously spend its budget.
    Validate {
        /// Scenario file, `-` (standard input) or `preset:NAME`.
        file: String,
        #[command(flatten)]
        budget: BudgetArgs,
    },
    /// Run one seed and print the summary: delivered, bounced, queued,
    /// attempts, latency percentiles.
    Run {
        /// Scenario file, `-` (standard input) or `preset:NAME`.
        file: String,
        /// World seed (default: the scenario's own `seed`).
        #[arg(long, allow_negative_numbers = true)]
        seed: Option<u64>,
        /// Stop at this simulated time instead of running to quiescence:
        /// seconds, or a duration such as `90s`, `5m`, `2h`, `5d`, `1h30m`.
        #[arg(long, allow_hyphen_values = true, value_parser = duration::parse_sim_time)]
        until: Option<SimTime>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
        /// Also print the trace hash (same scenario and seed, same hash).
        #[arg(long)]
        trace_hash: bool,
        /// Also write the run's files under DIR: `trace.json` (as the
        /// app exports it), `transcripts.txt` (as `mxlab transcript`
        /// prints it) and every stored message, DSNs included, as
        /// `mailboxes/HOST/ADDRESS/NNNN-ID.eml` (CRLF line ends).
        #[arg(long, value_name = "DIR")]
        export: Option<std::path::PathBuf>,
        #[command(flatten)]
        budget: BudgetArgs,
    },
    /// Print the C:/S: lines of every SMTP session, as in the RFCs.
    Transcript {
        /// Scenario file, `-` (standard input) or `preset:NAME`.
        file: String,
        /// Only the sessions this host takes part in (as client or server).
        #[arg(long)]
        host: Option<String>,
        /// World seed (default: the scenario's own `seed`).
        #[arg(long, allow_negative_numbers = true)]
        seed: Option<u64>,
        /// Stop at this simulated time (seconds or `90s`, `5m`, `2h`, `5d`).
        #[arg(long, allow_hyphen_values = true, value_parser = duration::parse_sim_time)]
        until: Option<SimTime>,
        /// `plain`: `# conn` headings and the lines; `markdown`: a heading
        /// per session, its lines in a fenced `smtp` block, its outcome.
        #[arg(long, value_enum, default_value = "plain")]
        format: transcript::Format,
        #[command(flatten)]
        budget: BudgetArgs,
    },
    /// Draw a ladder (time-sequence) diagram as SVG: one message's journey
    /// (every host it crossed, every session, its DNS questions) or one
    /// session; one column per host, one arrow per line sent.
    Ladder {
        /// Scenario file, `-` (standard input) or `preset:NAME`.
        file: String,
        /// The message whose journey to draw (its id, e.g. `m1`).
        #[arg(
            long,
            value_name = "ID",
            required_unless_present = "session",
            conflicts_with = "session"
        )]
        message: Option<String>,
        /// The session to draw, by its number in `mxlab transcript`
        /// (`# conn N`).
        #[arg(long, value_name = "N")]
        session: Option<u64>,
        /// Write the SVG to this file instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
        /// Draw a line across the diagram at this simulated time.
        #[arg(long, allow_hyphen_values = true, value_parser = duration::parse_sim_time)]
        now: Option<SimTime>,
        /// World seed (default: the scenario's own `seed`).
        #[arg(long, allow_negative_numbers = true)]
        seed: Option<u64>,
        /// Stop at this simulated time (seconds or `90s`, `5m`, `2h`, `5d`).
        #[arg(long, allow_hyphen_values = true, value_parser = duration::parse_sim_time)]
        until: Option<SimTime>,
        #[command(flatten)]
        budget: BudgetArgs,
    },
    /// Run seeds 0..N on every core and print distributions.
    Sweep {
        /// Scenario file, `-` (standard input) or `preset:NAME`.
        file: String,
        /// How many seeds: 0, 1, …, N-1 (at most 1,000,000).
        #[arg(long, allow_negative_numbers = true,
              value_parser = clap::value_parser!(u64).range(1..=sweep::MAX_SEEDS))]
        seeds: u64,
        /// Stop each run at this simulated time (seconds or `90s`, `5m`, …).
        #[arg(long, allow_hyphen_values = true, value_parser = duration::parse_sim_time)]
        until: Option<SimTime>,
        /// Print the distributions as JSON.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print one CSV row per seed instead (a header row, then seed,
        /// delivered, bounced, queued, duplicates, attempts, latency
        /// count and p50/p90/p99/max in seconds, stopped on budget).
        #[arg(long)]
        csv: bool,
        /// Run only shard K of N (1 ≤ K ≤ N): the seeds i with
        /// i % N = K-1; print its partial result as JSON for `mxlab merge`.
        #[arg(long, value_name = "K/N", value_parser = shard::parse_shard,
              conflicts_with_all = ["json", "csv"])]
        shard: Option<shard::Shard>,
        /// With --shard: write the partial result to FILE instead of
        /// standard output.
        #[arg(short, long, value_name = "FILE", requires = "shard")]
        output: Option<std::path::PathBuf>,
        /// Each run's budget.
        #[command(flatten)]
        budget: BudgetArgs,
    },
    /// Put the partial results of `mxlab sweep --shard K/N` together and
    /// print exactly what the unsharded sweep prints; every shard 1..N of
    /// one sweep, each once, or an error saying what is wrong.
    Merge {
        /// The shards' partial results (JSON files), in any order.
        #[arg(required = true, value_name = "FILES")]
        files: Vec<std::path::PathBuf>,
        /// Print the distributions as JSON (as `mxlab sweep --json`).
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
        /// Open connections at most (1 to 1,000,000); more get 421 at once.
        #[arg(long, default_value_t = 1000, allow_negative_numbers = true,
              value_parser = clap::value_parser!(u64).range(1..=serve::MAX_CONNECTIONS))]
        max_connections: u64,
        /// Largest message in octets, or with a unit (`35MiB`, `1GiB`),
        /// advertised with SIZE (RFC 1870). At least 1: there is no
        /// unlimited size, and 0 is refused as a usage error.
        #[arg(long, default_value = "36700160", allow_negative_numbers = true,
              value_parser = parse_message_size)]
        max_message_size: u64,
        /// Memory for every connection together (`256MiB`, `1GiB`): each
        /// connection counts 256 KiB whatever it sends, since messages go
        /// to the store as they arrive; connections beyond the budget get
        /// 421 at once, as beyond --max-connections.
        #[arg(long, default_value = "256MiB", allow_negative_numbers = true,
              value_parser = size::octets_in(serve::CONNECTION_MEMORY, u64::MAX))]
        max_memory: u64,
        /// Idle timeout in seconds (1 to 86400), for a silent client, for
        /// one that sends a line a byte at a time, and for one that stops
        /// reading (RFC 5321 §4.5.3.2.7: at least 5 minutes).
        #[arg(long, default_value_t = 300, allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        timeout: u64,
        /// Seconds open sessions get to finish after Ctrl-C or SIGTERM
        /// (0 to 3600).
        #[arg(long, default_value_t = 10, allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(0..=3_600))]
        grace: u64,
        /// Offer STARTTLS, with a self-signed certificate made at start.
        #[arg(long)]
        starttls: bool,
        /// TLS from the first byte, as on the submissions port 465 (RFC
        /// 8314 §3), with a self-signed certificate made at start: the
        /// handshake comes before the greeting, STARTTLS is not offered
        /// (not even for a --host whose policy offers it), and Received:
        /// says ESMTPS. A client that does not start TLS gets no greeting.
        #[arg(long, conflicts_with = "starttls")]
        implicit_tls: bool,
        /// Print accepted messages only, not every connection.
        #[arg(long)]
        quiet: bool,
    },
    /// Send one message to a real SMTP server with the protocol core's
    /// client session; print the C:/S: transcript and each recipient's
    /// outcome (exit 1 unless every recipient was accepted).
    Deliver {
        /// The server, HOST:PORT (a port from 1 to 65535).
        #[arg(long, value_parser = parse_server)]
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
        /// STARTTLS: never, opportunistic (when offered) or required; or
        /// implicit: TLS from the first byte, as on the submissions port
        /// 465 (RFC 8314 §3.3), and no STARTTLS.
        #[arg(long, default_value = "opportunistic", value_parser = ["never", "opportunistic", "required", "implicit"])]
        tls: String,
        /// Log in with AUTH as this user (with --password).
        #[arg(long, requires = "password")]
        user: Option<String>,
        /// The password for --user.
        #[arg(long, requires = "user")]
        password: Option<String>,
        /// Message lines to show before summarising the rest (0 to
        /// 1,000,000).
        #[arg(long, default_value_t = 5, allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
        show_lines: u64,
    },
}

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
            let starttls =
                !implicit_tls && (starttls || node.as_ref().is_some_and(|n| n.policy.starttls));
            serve::serve(serve::ServeOptions {
                listen,
                node,
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
        } => {
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

/// `--to`: HOST:PORT, the host a name or an address (IPv6 in brackets),
/// the port 1 to 65535.
fn parse_server(text: &str) -> Result<String, String> {
    let bad = |why: &str| {
        format!(
            "invalid server `{text}`: {why}; expected HOST:PORT, e.g. 127.0.0.1:2525 or [::1]:25"
        )
    };
    let (host, port) = text.rsplit_once(':').ok_or_else(|| bad("no port"))?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(bad("no host"));
    }
    if host.contains(':') && !text.starts_with('[') {
        return Err(bad("an IPv6 address goes in brackets"));
    }
    match port.parse::<u16>() {
        Ok(0) | Err(_) => Err(bad("the port is not 1 to 65535")),
        Ok(_) => Ok(text.to_owned()),
    }
}

/// `--max-message-size`: at least one octet; 0 is not "unlimited".
fn parse_message_size(text: &str) -> Result<u64, String> {
    match size::parse_octets(text)? {
        0 => Err(
            "0 is not a size limit (there is no unlimited size): give the largest \
                  message in octets, e.g. 36700160 or 35MiB (the default)"
                .to_owned(),
        ),
        n => Ok(n),
    }
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
    fn servers_are_host_and_port() {
        for good in ["127.0.0.1:2525", "[::1]:25", "mx.example.org:587"] {
            assert_eq!(parse_server(good), Ok(good.to_owned()));
        }
        for bad in [
            "127.0.0.1",
            "127.0.0.1:0",
            "127.0.0.1:99999",
            ":25",
            "::1:25",
            "a:-1",
        ] {
            let e = parse_server(bad);
            assert!(
                matches!(&e, Err(m) if m.contains("HOST:PORT")),
                "{bad}: {e:?}"
            );
        }
    }

    #[test]
    fn counts_read_as_people_write_them() {
        assert_eq!(parse_count("20000000"), Ok(20_000_000));
        assert_eq!(parse_count("20_000_000"), Ok(20_000_000));
        assert_eq!(parse_count("20,000,000"), Ok(20_000_000));
        assert!(parse_count("0").is_err());
        assert!(parse_count("-1").is_err());
        assert!(parse_count("1e9").is_err());
        assert!(parse_count("18446744073709551616").is_err());
    }

    #[test]
    fn errors_are_folded_onto_one_line() {
        assert_eq!(one_line("a\n  b\n\nc"), "a; b; c");
    }
}
