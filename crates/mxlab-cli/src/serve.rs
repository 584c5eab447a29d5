//! `mxlab serve`: the protocol core's server session on a real TCP port.
//!
//! Each connection drives one `mxlab_proto::server::ServerSession`: bytes
//! read from the socket go in, its output goes out, and its policy
//! questions are answered here, from a scenario host's policy
//! (`--scenario F --host H`) or, without one, by accepting every sender and
//! recipient (a sink). Message data is taken from the session as it
//! arrives (`ServerSession::take_data`) and written to a spool file in the
//! store; after the final dot the message is stored (Maildir or mbox) and
//! synced before the 250 goes out, and printed as a trace line. A DATA
//! phase that ends without a message (552, 550, 500, the peer gone) leaves
//! nothing behind. With `--implicit-tls` (RFC 8314 §3) the TLS handshake
//! comes first, before the greeting, and the session starts as one in TLS
//! already (`ServerSession::new_implicit_tls`); a client that does not
//! start TLS is closed without a word.
//!
//! Limits: connections (`--max-connections`, and as many as
//! `--max-memory` holds at [`CONNECTION_MEMORY`] each; then 421 4.3.2 at
//! once), message size (advertised with SIZE, RFC 1870; the session stops
//! handing out data past it and answers 552 5.3.4), command and text line
//! lengths (RFC 5321 §4.5.3.1, in the session), and one idle timeout
//! (§4.5.3.2.7, 5 minutes by default): a silent client, or one that sends
//! bytes but no whole line, gets 421 4.4.2 from the session; one that stops
//! reading is dropped when a write has waited that long. The session is
//! read from only while it wants input, so a client cannot make it buffer
//! without bound.
//! Ctrl-C or SIGTERM stops accepting, then every open session gets 421
//! 4.3.2 at its next step (a message whose final dot was already read is
//! stored and answered first); sessions still open after the grace period
//! are dropped.
//!
//! A scenario host that verifies (`policy.auth.verify`) checks SPF, DKIM
//! and DMARC on each message from a client that did not log in, as in a
//! run ([`auth`]).

mod auth;

use std::io::{self, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use mxlab_proto::message::{with_protocol, Received};
use mxlab_proto::reply::Reply;
use mxlab_proto::server::{Decision, ServerConfig, ServerEvent, ServerSession};
use mxlab_proto::{Input, Instant, Output, ServerState};
use mxlab_sim::auth::{Action, Verifier};
use mxlab_sim::engine::{PeerState, ServerPolicy};
use mxlab_sim::scenario::Node;
use mxlab_sim::SimTime;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Mutex, Semaphore};
use tokio::task::JoinSet;

use crate::queue_id::QueueIds;
use crate::store::{Spool, Store};
use crate::tls;

/// Everything `mxlab serve` is told on the command line.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The scenario host whose policy to apply, if any.
    pub node: Option<Node>,
    /// The scenario's zone and keys, when that host verifies SPF, DKIM
    /// and DMARC (`policy.auth.verify`).
    pub verifier: Option<Arc<Verifier>>,
    /// The name in the greeting and in `Received:`.
    pub hostname: String,
    /// Where to store mail.
    pub maildir: Option<PathBuf>,
    /// Or an mbox file.
    pub mbox: Option<PathBuf>,
    /// Open connections at most.
    pub max_connections: usize,
    /// Largest message, in octets.
    pub max_message_size: u64,
    /// Memory for every connection together, in octets: connections
    /// beyond what it holds at [`CONNECTION_MEMORY`] each get 421 at once.
    pub max_memory: u64,
    /// The idle timeout.
    pub timeout: Duration,
    /// How long open sessions get after Ctrl-C.
    pub grace: Duration,
    /// Offer STARTTLS with a certificate generated at start.
    pub starttls: bool,
    /// TLS from the first byte (Implicit TLS, RFC 8314 §3), with a
    /// certificate generated at start: the handshake comes before the
    /// greeting, and STARTTLS is not offered.
    pub implicit_tls: bool,
    /// Print only accepted messages, not connections.
    pub quiet: bool,
}

/// The most `--max-connections` allows.
pub const MAX_CONNECTIONS: u64 = 1_000_000;

/// Octets read from a connection at a time.
const READ_CHUNK: usize = 16 * 1024;

/// The most memory one connection uses, counted against `--max-memory`:
/// its read buffer, the session's input buffer and line (at most a read
/// and a line: the session is read from only while it wants input), the
/// message data between a read and its spool file, the spool's buffer,
/// the replies to one read's pipelined commands, and the task and session
/// themselves. A message is written to the store as it arrives, so its
/// size does not count.
pub const CONNECTION_MEMORY: u64 = 256 * 1024;

/// Connections open at once: `--max-connections`, or fewer if the memory
/// budget holds fewer.
pub fn connection_slots(max_connections: usize, max_memory: u64) -> usize {
    let by_memory = usize::try_from(max_memory / CONNECTION_MEMORY).unwrap_or(usize::MAX);
    max_connections.min(by_memory)
}

/// What every connection shares.
struct Shared {
    opts: ServeOptions,
    config: ServerConfig,
    store: Store,
    /// The junk folder, when the host verifies (DMARC quarantine).
    junk: Option<Store>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    /// The scenario policy; one lock so greylisting and quotas see every
    /// session in order.
    policy: Option<Mutex<ServerPolicy>>,
    start: std::time::Instant,
    connections: AtomicU64,
    messages: AtomicU64,
    queue_ids: QueueIds,
}

impl Shared {
    fn now(&self) -> Instant {
        Instant::from_micros(u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX))
    }
}

/// Prints one trace line (standard output, flushed: scripts read it live).
fn trace(line: &str) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The server session's configuration for these options.
fn server_config(opts: &ServeOptions) -> ServerConfig {
    let mut c = match &opts.node {
        // The scenario host's own configuration, as in a run.
        Some(node) => mxlab_sim::engine::server_config(node, &opts.hostname),
        None => ServerConfig::new(opts.hostname.clone()),
    };
    c.timeout = opts.timeout;
    // TLS only with a certificate to offer; under implicit TLS every
    // session is in TLS already, and STARTTLS has no place.
    c.extensions.starttls = opts.starttls && !opts.implicit_tls;
    c.require_tls = c.require_tls && (opts.starttls || opts.implicit_tls);
    // The smaller of --max-message-size and the host's own limit.
    let size = opts.max_message_size;
    let limit = opts.node.as_ref().and_then(|n| n.policy.size_limit);
    c.extensions.size = Some(limit.map_or(size, |limit| limit.min(size)));
    c
}

/// Runs the server until Ctrl-C or SIGTERM.
pub fn serve(opts: ServeOptions) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the network runtime")?;
    runtime.block_on(run(opts))
}

async fn run(opts: ServeOptions) -> Result<()> {
    let store = match (&opts.maildir, &opts.mbox) {
        (Some(_), Some(_)) => bail!("give --maildir or --mbox, not both"),
        (_, Some(path)) => {
            Store::mbox(path).with_context(|| format!("cannot open mbox {}", path.display()))?
        }
        (dir, None) => {
            let dir = dir
                .clone()
                .unwrap_or_else(|| PathBuf::from("mxlab-maildir"));
            Store::maildir(&dir)
                .with_context(|| format!("cannot create Maildir {}", dir.display()))?
        }
    };
    let junk = match &opts.verifier {
        Some(_) => Some(store.junk().context("cannot create the junk folder")?),
        None => None,
    };
    let tls = if opts.starttls || opts.implicit_tls {
        Some(tls::acceptor(&opts.hostname)?)
    } else {
        None
    };
    let listener = TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("cannot listen on {}", opts.listen))?;
    let local = listener.local_addr().context("no local address")?;
    let policy = opts
        .node
        .clone()
        .map(|n| Mutex::new(ServerPolicy::new(n, 0)));
    let shared = Arc::new(Shared {
        config: server_config(&opts),
        opts,
        store,
        junk,
        tls,
        policy,
        start: std::time::Instant::now(),
        connections: AtomicU64::new(0),
        messages: AtomicU64::new(0),
        queue_ids: QueueIds::new(std::process::id()),
    });
    trace(&format!(
        "listening on {local}{} as {}{}",
        if shared.opts.implicit_tls {
            " (implicit TLS)"
        } else {
            ""
        },
        shared.opts.hostname,
        match &shared.opts.node {
            Some(n) if shared.opts.verifier.is_some() => format!(
                " with the policy of {}, checking SPF, DKIM and DMARC",
                n.name
            ),
            Some(n) => format!(" with the policy of {}", n.name),
            None => " (accepting every sender and recipient)".into(),
        }
    ));
    let slots = connection_slots(shared.opts.max_connections, shared.opts.max_memory);
    if !shared.opts.quiet {
        trace(&format!(
            "limits: {slots} connections at once ({} octets of memory each, within --max-memory {}), \
             messages up to {} octets, idle timeout {} s",
            CONNECTION_MEMORY,
            shared.opts.max_memory,
            shared.config.extensions.size.unwrap_or(0),
            shared.opts.timeout.as_secs()
        ));
    }
    let slots = Arc::new(Semaphore::new(slots));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut sessions = JoinSet::new();
    let stop = shutdown_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    // Out of file descriptors and the like: wait, go on.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&shared);
                match Arc::clone(&slots).try_acquire_owned() {
                    Ok(permit) => {
                        let stop = stop_rx.clone();
                        sessions.spawn(async move {
                            session(stream, peer, &shared, stop).await;
                            drop(permit);
                        });
                    }
                    Err(_) => {
                        sessions.spawn(async move { too_many(stream, &shared).await });
                    }
                }
            }
            Some(done) = sessions.join_next(), if !sessions.is_empty() => failed(done),
        }
    }
    trace(&format!(
        "shutting down: {} open session(s) get 421",
        sessions.len()
    ));
    let _ = stop_tx.send(true);
    let grace = tokio::time::sleep(shared.opts.grace);
    tokio::pin!(grace);
    loop {
        tokio::select! {
            _ = &mut grace => {
                sessions.abort_all();
                break;
            }
            next = sessions.join_next() => match next {
                Some(done) => failed(done),
                None => break,
            },
        }
    }
    trace(&format!(
        "stopped: {} connection(s), {} message(s) accepted",
        shared.connections.load(Ordering::Relaxed),
        shared.messages.load(Ordering::Relaxed)
    ));
    Ok(())
}

/// Reports a session that ended in a panic (a bug): the others go on.
fn failed(done: Result<(), tokio::task::JoinError>) {
    let Err(e) = done else { return };
    if !e.is_panic() {
        return;
    }
    let payload = e.into_panic();
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    trace(&format!(
        "a session failed with an internal error and was dropped: {}",
        crate::one_line(&what)
    ));
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Over the connection limit: 421 at once (RFC 5321 §3.8), after the
/// handshake under implicit TLS.
async fn too_many(stream: TcpStream, shared: &Shared) {
    let line = format!(
        "421 4.3.2 {} Too many connections, try again later\r\n",
        shared.opts.hostname
    );
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        let mut conn = match implicit_tls(stream, shared).await {
            Ok(conn) => conn,
            Err(_) => return,
        };
        let _ = conn.write_all(line.as_bytes()).await;
        conn.shutdown().await;
    })
    .await;
}

/// The connection as the session starts on it: plain, or under TLS after
/// a handshake (within the idle timeout) when TLS comes from the first
/// byte. A client that does not speak TLS there gets no greeting.
async fn implicit_tls(stream: TcpStream, shared: &Shared) -> Result<Conn, String> {
    let acceptor = match &shared.tls {
        Some(acceptor) if shared.opts.implicit_tls => acceptor,
        _ => return Ok(Conn::Plain(stream)),
    };
    match tokio::time::timeout(shared.opts.timeout, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => Ok(Conn::Tls(Box::new(tls))),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timed out".into()),
    }
}

type Conn = crate::conn::Conn<tokio_rustls::server::TlsStream<TcpStream>>;

/// What one session keeps besides the protocol state.
struct Peer {
    addr: SocketAddr,
    state: PeerState,
}

async fn session(
    stream: TcpStream,
    addr: SocketAddr,
    shared: &Shared,
    mut stop: watch::Receiver<bool>,
) {
    let id = shared.connections.fetch_add(1, Ordering::Relaxed) + 1;
    if !shared.opts.quiet {
        trace(&format!("connection {id} from {addr}"));
    }
    let mut conn = match implicit_tls(stream, shared).await {
        Ok(conn) => conn,
        Err(e) => {
            if !shared.opts.quiet {
                trace(&format!(
                    "connection {id} closed: TLS handshake failed ({})",
                    crate::one_line(&e)
                ));
            }
            return;
        }
    };
    let mut s = if matches!(conn, Conn::Tls(_)) {
        ServerSession::new_implicit_tls(shared.config.clone(), shared.now())
    } else {
        ServerSession::new(shared.config.clone(), shared.now())
    };
    let mut peer = Peer {
        addr,
        state: PeerState::default(),
    };
    let mut deadline: Option<Instant> = None;
    let mut buf = vec![0u8; READ_CHUNK];
    let mut spool = Spooling::default();
    let mut stopping = false;
    loop {
        spool.take(&mut s, shared);
        while let Some(out) = s.poll_output() {
            match out {
                Output::Transmit(bytes) => {
                    // A client that stops reading blocks this write: the
                    // same timeout as for a silent one, then drop it.
                    let write = tokio::time::timeout(shared.opts.timeout, conn.write_all(&bytes));
                    if !matches!(write.await, Ok(Ok(()))) {
                        s.handle_input(shared.now(), Input::PeerClosed);
                        conn = Conn::Gone;
                    }
                    s.give_back(bytes);
                }
                Output::Event(e) => {
                    // Data handed out before an event that is not the
                    // message was a refused message's: it goes.
                    let spooled = std::mem::take(&mut spool);
                    let decision = if matches!(e, ServerEvent::Message { .. }) {
                        store_message(shared, &peer, id, e, spooled)
                    } else {
                        drop(spooled);
                        answer(shared, &mut peer, e).await
                    };
                    if let Some(d) = decision {
                        s.decide(shared.now(), d);
                        spool.take(&mut s, shared);
                    }
                }
                Output::StartTls => {
                    let ok = match (conn.take_plain(), &shared.tls) {
                        (Some(tcp), Some(acceptor)) => {
                            let handshake =
                                tokio::time::timeout(shared.opts.timeout, acceptor.accept(tcp));
                            match handshake.await {
                                Ok(Ok(tls)) => {
                                    conn = Conn::Tls(Box::new(tls));
                                    true
                                }
                                _ => false,
                            }
                        }
                        _ => false,
                    };
                    let input = if ok {
                        Input::TlsEstablished
                    } else {
                        Input::TlsFailed
                    };
                    s.handle_input(shared.now(), input);
                }
                Output::Close => {
                    conn.shutdown().await;
                    if !shared.opts.quiet {
                        trace(&format!("connection {id} closed"));
                    }
                    return;
                }
                Output::Timeout(at) => deadline = Some(at),
            }
        }
        if s.state() != ServerState::Data {
            // The DATA phase ended without a message (552, 500, 550, the
            // peer gone): what was written of it goes.
            spool = Spooling::None;
        }
        if stopping || s.state() == ServerState::Closed {
            // The 421 went out (or could not), or the peer went away:
            // nothing more to say.
            conn.shutdown().await;
            if !shared.opts.quiet {
                trace(&format!("connection {id} closed"));
            }
            return;
        }
        let sleep = async {
            match deadline {
                Some(at) => {
                    let wait = at.saturating_duration_since(shared.now());
                    tokio::time::sleep(wait).await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            read = conn.read(&mut buf), if s.wants_input() => match read {
                Ok(0) | Err(_) => s.handle_input(shared.now(), Input::PeerClosed),
                Ok(n) => s.handle_input(shared.now(), Input::Bytes(buf.get(..n).unwrap_or_default())),
            },
            // The session answers a deadline that has passed; bytes that
            // came without a whole line do not move it.
            _ = sleep => s.handle_input(shared.now(), Input::Timeout),
            _ = stop.changed() => {
                stopping = true;
                s.shutdown(shared.now());
            }
        }
    }
}

/// Where the data of the message being received goes.
#[derive(Default)]
enum Spooling {
    /// No data yet.
    #[default]
    None,
    /// Written to a spool file in the store as it arrives.
    Open(Spool),
    /// The store failed; the message will get 451.
    Failed(String),
}

impl Spooling {
    /// Writes the data the session has received since last time.
    fn take(&mut self, s: &mut ServerSession, shared: &Shared) {
        let mut data = Vec::new();
        s.take_data(&mut data);
        if !data.is_empty() {
            self.write(&data, shared);
        }
    }

    fn write(&mut self, data: &[u8], shared: &Shared) {
        if let Spooling::None = self {
            *self = match shared.store.spool() {
                Ok(spool) => Spooling::Open(spool),
                Err(e) => Spooling::Failed(e.to_string()),
            };
        }
        if let Spooling::Open(spool) = self {
            if let Err(e) = spool.write(data) {
                *self = Spooling::Failed(e.to_string());
            }
        }
    }
}

/// Stores the message of a `Message` event: the data spooled so far, then
/// the event's content; the answer is 250 with its queue id once it is
/// synced to disk, or 451.
fn store_message(
    shared: &Shared,
    peer: &Peer,
    id: u64,
    e: ServerEvent,
    mut spool: Spooling,
) -> Option<Decision> {
    let ServerEvent::Message {
        envelope, content, ..
    } = e
    else {
        return None;
    };
    spool.write(&content, shared);
    drop(content);
    let (sender, rcpts) = (envelope.sender(), envelope.recipients());
    let unix = unix_now();
    // A verifying host checks mail from clients that did not log in.
    let verdicts = match &shared.opts.verifier {
        Some(v) if envelope.auth.is_none() && !peer.state.authenticated => {
            let m = auth::Message {
                id,
                ip: peer.addr.ip(),
                helo: &envelope.helo,
                sender: &sender,
                unix,
            };
            tokio::task::block_in_place(|| auth::check(v, &shared.opts.hostname, &m, &mut spool))
        }
        _ => None,
    };
    if let Some(Action::Reject(d)) = verdicts.as_ref().map(|v| &v.action) {
        return Some(Decision::Reject(d.reply()));
    }
    let store = match verdicts.as_ref().map(|v| &v.action) {
        Some(Action::Junk) => shared.junk.as_ref().unwrap_or(&shared.store),
        _ => &shared.store,
    };
    shared.messages.fetch_add(1, Ordering::Relaxed);
    let queue_id = shared.queue_ids.next(SystemTime::now());
    let received = Received {
        from_helo: envelope.helo.clone(),
        from_ip: Some(peer.addr.ip().to_string()),
        by: shared.opts.hostname.clone(),
        with: with_protocol(envelope.esmtp, envelope.tls, envelope.auth.is_some()).into(),
        id: Some(queue_id.clone()),
        for_rcpt: match rcpts.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        },
        unix_secs: unix,
    };
    let mut head = format!("Return-Path: <{sender}>\r\n").into_bytes();
    if let Some(v) = &verdicts {
        head.extend_from_slice(v.headers.as_bytes());
    }
    head.extend_from_slice(received.to_header().as_bytes());
    // Storing syncs to disk: off the runtime's event loop.
    let (size, result) = match spool {
        Spooling::Open(spool) => (
            spool.size(),
            tokio::task::block_in_place(|| store.deliver_spooled(&sender, unix, &head, spool))
                .map_err(|e| e.to_string()),
        ),
        // An empty message writes nothing to the spool.
        Spooling::None => (
            0,
            tokio::task::block_in_place(|| store.deliver(&sender, unix, &head))
                .map_err(|e| e.to_string()),
        ),
        Spooling::Failed(e) => (0, Err(e)),
    };
    Some(match result {
        Ok(path) => {
            trace(&format!(
                "accepted {queue_id} on connection {id} from <{sender}> to {} ({size} octets) -> {}",
                rcpts
                    .iter()
                    .map(|r| format!("<{r}>"))
                    .collect::<Vec<_>>()
                    .join(", "),
                path.display()
            ));
            Decision::AcceptWith(Reply::enhanced(
                250,
                (2, 0, 0),
                format!("Ok: queued as {queue_id}"),
            ))
        }
        Err(err) => {
            shared.messages.fetch_sub(1, Ordering::Relaxed);
            trace(&format!("cannot store a message on connection {id}: {err}"));
            Decision::Reject(Reply::enhanced(
                451,
                (4, 3, 0),
                "Local error in processing: cannot store the message",
            ))
        }
    })
}

/// The host's answer to a session event other than the message, if it
/// asks a question.
async fn answer(shared: &Shared, peer: &mut Peer, e: ServerEvent) -> Option<Decision> {
    let now = SimTime::from_micros(shared.now().as_micros());
    match &shared.policy {
        Some(p) => p.lock().await.answer(&mut peer.state, &e, now),
        // No host's policy: every sender and recipient is welcome, and
        // there is no account to log in to.
        None => match e {
            ServerEvent::Hello { domain, .. } => {
                peer.state.helo = domain;
                None
            }
            ServerEvent::TlsEstablished => {
                peer.state = PeerState::default();
                None
            }
            ServerEvent::AuthRequest { .. } => Some(Decision::bad_credentials()),
            ServerEvent::MailFrom { .. } | ServerEvent::RcptTo { .. } => Some(Decision::Accept),
            _ => None,
        },
    }
}
