//! The command line's grammar: the `mxlab` commands, their arguments and
//! the parsers of their values (counts, servers, sizes), as clap reads
//! them. What each command does is in `main.rs` and the command's module.

use clap::{Args, Parser, Subcommand};
use mxlab_sim::{Budget, SimTime};

use crate::{duration, serve, shard, size, sweep, transcript};

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
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// What one run may write before it stops (the same budget as in the
/// app, raised here for long experiments).
#[derive(Debug, Clone, Copy, Args)]
pub(crate) struct BudgetArgs {
    /// Stop a run after this many trace events (default 20,000,000); the
    /// output covers the run up to its stop, and the exit code is 3.
    #[arg(long, value_name = "N", default_value = "20000000", allow_negative_numbers = true,
          value_parser = parse_count)]
    pub(crate) max_events: u64,
    /// Stop a run when its trace holds this much, in octets or with a
    /// unit (`512MiB`, `1GiB`, the default, `4GiB`).
    #[arg(long, value_name = "SIZE", default_value = "1GiB", allow_negative_numbers = true,
          value_parser = size::octets_in(1, u64::MAX))]
    pub(crate) max_trace_bytes: u64,
}

impl BudgetArgs {
    pub(crate) fn budget(self) -> Budget {
        Budget {
            max_events: self.max_events,
            max_trace_bytes: self.max_trace_bytes,
        }
    }
}

/// A count of at least 1, written `20000000`, `20_000_000` or
/// `20,000,000`.
pub(crate) fn parse_count(text: &str) -> Result<u64, String> {
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
pub(crate) enum Command {
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
        /// prints it), `dns.txt` (the zone as a zone file, with the DKIM
        /// keys its hosts sign with) and every stored message, DSNs
        /// included, as `mailboxes/HOST/ADDRESS/NNNN-ID.eml` (CRLF line
        /// ends).
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
        /// greylisting and bare-LF policy; and, when it verifies
        /// (`policy.auth.verify`), SPF, DKIM and DMARC on mail from clients
        /// that did not log in, against the scenario's zone.
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
        /// Scenario whose host signs the message (with --dkim-sign-as).
        #[arg(long, requires = "dkim_sign_as")]
        scenario: Option<String>,
        /// DKIM-sign the message as this scenario host does before sending
        /// it (RFC 6376): with its `policy.auth.dkim_sign` key for the
        /// From: domain (or a parent of it), derived from the scenario as
        /// in a run when the scenario gives none. `mxlab run --export`
        /// writes the matching key records to `dns.txt`.
        #[arg(long, value_name = "HOST", requires = "scenario")]
        dkim_sign_as: Option<String>,
    },
}

/// `--to`: HOST:PORT, the host a name or an address (IPv6 in brackets),
/// the port 1 to 65535.
pub(crate) fn parse_server(text: &str) -> Result<String, String> {
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
pub(crate) fn parse_message_size(text: &str) -> Result<u64, String> {
    match size::parse_octets(text)? {
        0 => Err(
            "0 is not a size limit (there is no unlimited size): give the largest \
                  message in octets, e.g. 36700160 or 35MiB (the default)"
                .to_owned(),
        ),
        n => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
