//! `mxlab deliver`: the protocol core's client session over real TCP.
//!
//! Connects, runs one transaction (EHLO with HELO fallback, STARTTLS when
//! offered or required, or TLS from the first byte with `--tls implicit`,
//! AUTH when a login is given, PIPELINING and the SIZE
//! pre-check when offered), prints the conversation as `C:`/`S:` lines, as
//! in RFC 5321's examples, and then each recipient's outcome. The message
//! content is shown as its first lines and a count.
//!
//! With `--scenario F --dkim-sign-as HOST` the message is DKIM-signed
//! first, as that scenario host signs mail in a run
//! ([`mxlab_sim::auth::Verifier::sign`]).

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use mxlab_proto::client::{
    ClientConfig, ClientEvent, ClientSession, RecipientOutcome, TlsPolicy, Transaction,
};
use mxlab_proto::path::{ForwardPath, PathOptions, ReversePath};
use mxlab_proto::sasl::Credentials;
use mxlab_proto::wire::normalize_crlf;
use mxlab_proto::{ClientState, Input, Instant, Output};
use tokio::net::TcpStream;

use crate::tls;

/// Everything `mxlab deliver` is told on the command line.
#[derive(Debug, Clone)]
pub struct DeliverOptions {
    /// `HOST:PORT`.
    pub to: String,
    /// The envelope sender (empty for `<>`).
    pub from: String,
    /// The recipients.
    pub rcpts: Vec<String>,
    /// The message file; standard input when `None` or `-`.
    pub file: Option<PathBuf>,
    /// The EHLO name.
    pub helo: String,
    /// When to use STARTTLS, or TLS from the first byte.
    pub tls: TlsPolicy,
    /// A login for AUTH.
    pub login: Option<(String, String)>,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Content lines shown before the count.
    pub show_lines: usize,
    /// Sign the message as a scenario host before sending it.
    pub dkim: Option<DkimSigning>,
}

/// A scenario host to DKIM-sign as.
#[derive(Debug, Clone)]
pub struct DkimSigning {
    /// The scenario's keys.
    pub verifier: mxlab_sim::auth::Verifier,
    /// The host's name.
    pub host: String,
}

impl DkimSigning {
    /// The message with the host's DKIM-Signature on top, or an error
    /// saying which domains the host signs for.
    fn sign(&self, content: Vec<u8>) -> Result<Vec<u8>> {
        let unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let Some(signature) = self.verifier.sign(&self.host, &content, unix) else {
            let domains: Vec<&str> = self
                .verifier
                .signers(&self.host)
                .iter()
                .map(|s| s.domain.as_str())
                .collect();
            let from = mxlab_sim::auth::from_domain(&content).map_or_else(
                || "no From: address".to_owned(),
                |d| format!("From: at {d}"),
            );
            bail!(
                "--dkim-sign-as {}: the message has {from}, and the host signs for {} \
                 (policy.auth.dkim_sign)",
                self.host,
                if domains.is_empty() {
                    "no domain".to_owned()
                } else {
                    domains.join(", ")
                }
            );
        };
        let mut signed = signature.into_bytes();
        signed.extend_from_slice(&content);
        Ok(signed)
    }
}

fn path_options() -> PathOptions {
    PathOptions {
        smtputf8: true,
        allow_unqualified: false,
        allow_missing_brackets: false,
    }
}

fn bracketed(addr: &str) -> String {
    if addr.starts_with('<') {
        addr.to_owned()
    } else {
        format!("<{addr}>")
    }
}

/// Reads the message and checks the envelope before connecting.
fn transaction(opts: &DeliverOptions) -> Result<Transaction> {
    let from = ReversePath::parse(&bracketed(&opts.from), path_options())
        .map_err(|e| anyhow!("--from {:?}: {e}", opts.from))?;
    let mut rcpts = Vec::new();
    for r in &opts.rcpts {
        rcpts.push(
            ForwardPath::parse(&bracketed(r), path_options())
                .map_err(|e| anyhow!("--rcpt {r:?}: {e}"))?,
        );
    }
    if rcpts.is_empty() {
        bail!("give at least one --rcpt");
    }
    let mut content = Vec::new();
    match opts.file.as_deref() {
        Some(p) if p.as_os_str() != "-" => {
            content = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
        }
        _ => {
            io::stdin()
                .read_to_end(&mut content)
                .context("cannot read the message from standard input")?;
        }
    }
    let mut content = normalize_crlf(&content);
    if let Some(dkim) = &opts.dkim {
        content = dkim.sign(content)?;
    }
    Ok(Transaction::new(from, rcpts, content))
}

/// Delivers; returns whether every recipient was accepted.
pub fn deliver(opts: DeliverOptions) -> Result<bool> {
    let tx = transaction(&opts)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the network runtime")?;
    runtime.block_on(run(opts, tx))
}

type Conn = crate::conn::Conn<tokio_rustls::client::TlsStream<TcpStream>>;

/// Prints transcript lines.
struct Transcript {
    out: io::Stdout,
    show_lines: usize,
}

impl Transcript {
    fn lines(&mut self, who: &str, bytes: &[u8]) {
        let mut out = self.out.lock();
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            let text = line.strip_suffix(b"\n").unwrap_or(line);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            let _ = writeln!(out, "{who}: {}", String::from_utf8_lossy(text));
        }
        let _ = out.flush();
    }

    /// The message content: its first lines, then how much follows.
    fn content(&mut self, bytes: &[u8]) {
        let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
        if lines.len() <= self.show_lines + 2 {
            return self.lines("C", bytes);
        }
        let head: usize = lines.iter().take(self.show_lines).map(|l| l.len()).sum();
        self.lines("C", bytes.get(..head).unwrap_or_default());
        let rest = lines.len() - self.show_lines - 1;
        {
            let mut out = self.out.lock();
            let _ = writeln!(
                out,
                "C: [… {rest} more lines, {} octets in all …]",
                bytes.len()
            );
        }
        self.lines("C", lines.last().copied().unwrap_or_default());
    }
}

async fn run(opts: DeliverOptions, tx: Transaction) -> Result<bool> {
    // Outcomes are printed in the order the recipients were given.
    let order: Vec<ForwardPath> = tx.rcpts.iter().map(|(r, _)| r.clone()).collect();
    let stream = tokio::time::timeout(opts.connect_timeout, TcpStream::connect(&opts.to))
        .await
        .map_err(|_| anyhow!("cannot connect to {}: timed out", opts.to))?
        .with_context(|| format!("cannot connect to {}", opts.to))?;
    let _ = stream.set_nodelay(true);
    let server_name = opts
        .to
        .rsplit_once(':')
        .map_or(opts.to.as_str(), |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let start = std::time::Instant::now();
    let now =
        || Instant::from_micros(u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX));
    let mut config = ClientConfig::new(opts.helo.clone());
    config.tls = opts.tls;
    config.credentials = opts.login.clone().map(|(username, password)| Credentials {
        authzid: String::new(),
        username,
        password,
    });
    let mut c = ClientSession::new(config, vec![tx], now());
    let mut conn = Conn::Plain(stream);
    let mut transcript = Transcript {
        out: io::stdout(),
        show_lines: opts.show_lines,
    };
    let mut outcomes: Vec<RecipientOutcome> = Vec::new();
    let mut deadline: Option<Instant> = None;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        while let Some(out) = c.poll_output() {
            match out {
                Output::Transmit(bytes) => {
                    if c.state() == ClientState::DataDone {
                        transcript.content(&bytes);
                    } else {
                        transcript.lines("C", &bytes);
                    }
                    if conn.write_all(&bytes).await.is_err() {
                        c.handle_input(now(), Input::PeerClosed);
                    }
                }
                Output::Event(ClientEvent::TransactionDone(t)) => outcomes.extend(t.rcpts),
                Output::Event(ClientEvent::TlsEstablished) => {
                    let _ = writeln!(io::stdout(), "-- TLS established --");
                }
                Output::Event(_) => {}
                Output::StartTls => {
                    let ok = match conn.take_plain() {
                        Some(tcp) => {
                            let name = rustls::pki_types::ServerName::try_from(server_name.clone())
                                .unwrap_or_else(|_| {
                                    rustls::pki_types::ServerName::try_from("localhost").unwrap_or(
                                        rustls::pki_types::ServerName::IpAddress(
                                            std::net::Ipv4Addr::LOCALHOST.into(),
                                        ),
                                    )
                                });
                            match tls::connector()?.connect(name, tcp).await {
                                Ok(t) => {
                                    conn = Conn::Tls(Box::new(t));
                                    true
                                }
                                Err(_) => false,
                            }
                        }
                        _ => false,
                    };
                    let input = if ok {
                        Input::TlsEstablished
                    } else {
                        Input::TlsFailed
                    };
                    c.handle_input(now(), input);
                }
                Output::Close => {
                    outcomes.sort_by_key(|o| order.iter().position(|r| *r == o.rcpt));
                    return report(&outcomes, c.outcome().error.as_deref());
                }
                Output::Timeout(at) => deadline = Some(at),
            }
        }
        let sleep = async {
            match deadline {
                Some(at) => tokio::time::sleep(at.saturating_duration_since(now())).await,
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            read = conn.read(&mut buf) => match read {
                Ok(0) | Err(_) => c.handle_input(now(), Input::PeerClosed),
                Ok(n) => {
                    let bytes = buf.get(..n).unwrap_or_default();
                    transcript.lines("S", bytes);
                    c.handle_input(now(), Input::Bytes(bytes));
                }
            },
            _ = sleep => {
                deadline = None;
                c.handle_input(now(), Input::Timeout);
            }
        }
    }
}

/// Prints each recipient's outcome; `true` when all were accepted.
fn report(outcomes: &[RecipientOutcome], error: Option<&str>) -> Result<bool> {
    let mut out = io::stdout().lock();
    if let Some(e) = error {
        let _ = writeln!(out, "-- connection: {e} --");
    }
    for o in outcomes {
        let verdict = if o.is_delivered() {
            "delivered"
        } else if o.is_permanent() {
            "failed"
        } else {
            "deferred"
        };
        let _ = writeln!(out, "{}: {verdict}: {}", o.rcpt, o.reply.summary());
    }
    let _ = out.flush();
    Ok(!outcomes.is_empty() && outcomes.iter().all(RecipientOutcome::is_delivered))
}
