//! Golden transcripts: SMTP dialogues written the way the RFCs write them,
//! replayed against the server session and compared byte for byte.
//!
//! Every `tests/golden/*.txt` is one connection to a [`ServerSession`]. The
//! file starts with comments (`#`) and directives (`! key value`), then the
//! dialogue:
//!
//! ```text
//! # RFC 5321 §3.1 (session initiation), §4.1.1.1 (HELO)
//! ! hostname poolp.org
//! S: 220 poolp.org ESMTP MX Lab
//! C: HELO localhost
//! S: 250 poolp.org
//! ```
//!
//! | Line | Meaning |
//! |---|---|
//! | `C: text` | the client sends `text` exactly as written, then CRLF |
//! | `C+: text` | the client sends `text` with escapes and **no** CRLF added |
//! | `S: text` | one line the server sends (without its CRLF; escapes allowed) |
//! | `S: <tls>` | the server asks for the TLS handshake; the harness completes it |
//! | `S: <close>` | the server closes the connection |
//! | `S: <nothing>` | the server sends nothing (ends a batch of `C:` lines) |
//! | `S: <event ...>` | an optional check of an event (see below) |
//! | `S: <content>` then `\|text` lines | the delivered message, byte exact |
//! | `T: +300s` | the clock moves on; a deadline that has passed is fed as `Input::Timeout` |
//!
//! Consecutive `C:`/`C+:` lines are one batch: they are fed together (as a
//! pipelining client sends them), then everything the server answers must
//! equal the `S:` lines that follow. Each golden runs twice, with every batch
//! fed in one piece and fed one byte at a time; both runs must match the
//! file and each other. After `<tls>` the rest of the batch is plaintext the
//! client sent before the handshake: it was fed already (one piece), or is
//! not fed (one byte at a time), as a TLS layer would not pass it on.
//!
//! Escapes (in `C+:`, `S:` and `|` lines): `\r`, `\n`, `\t`, `\\`, `\xHH`,
//! and `\{text*N}` for `text` repeated `N` times. A space at the end of a
//! line is written `\x20`, as editors strip trailing blanks.
//!
//! Events are checked only where the file names them; the others are
//! skipped. Their forms: `<hello ehlo=DOMAIN>`, `<tls-established>`,
//! `<auth MECH user=U pass=P>`, `<mail from=PATH[ PARAMS]>`,
//! `<rcpt to=PATH[ PARAMS]>`, `<message from=PATH rcpts=PATH,PATH bytes=N[
//! end=TERMINATOR][ tls][ auth=USER]>`, `<content>`, `<reset>`,
//! `<closed REASON>`. `end=` appears only when the data did not end with
//! CRLF.CRLF (the lenient policy). Content lines are `|` followed by one
//! CRLF-terminated line without its CRLF; a last line without CRLF is
//! followed by `\ no CRLF at end`.
//!
//! Directives configure the server (`hostname`, `banner`, `refuse`,
//! `starttls`, `auth`, `auth_requires_tls off`, `require_auth`,
//! `require_tls`, `size N|off`, `no_pipelining`, `no_enhanced`,
//! `no_8bitmime`, `no_dsn`, `no_smtputf8`, `max_recipients N`,
//! `max_errors N`, `timeout Ns`, `bare_line_policy strict|preserve|lenient`,
//! `allow_unqualified`, `allow_missing_brackets`) and the host's policy,
//! which accepts everything unless told otherwise:
//! `reject mail|rcpt PATH CODE [ENHANCED] text`, `reject message CODE
//! [ENHANCED] text`, `credentials USER PASSWORD` (then other credentials get
//! 535 5.7.8), `queue_id ID` (messages get `250 2.0.0 Ok: queued as ID`).
//!
//! Goldens are written by hand and checked against the RFCs; there is no
//! mode that rewrites them from the output.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use core::time::Duration;
use std::fmt::Write as _;
use std::path::Path;

use mxlab_proto::command::Command;
use mxlab_proto::reply::{EnhancedCode, Reply};
use mxlab_proto::server::{Decision, ServerConfig, ServerEvent, ServerSession};
use mxlab_proto::wire::BareLinePolicy;
use mxlab_proto::{Input, Instant, Output};

/// Written after a content or reply line that did not end with CRLF.
const NO_CRLF: &[u8] = b"\\ no CRLF at end";

// ---------------------------------------------------------------------------
// The script

/// A parsed golden transcript.
struct Script {
    name: String,
    config: ServerConfig,
    policy: Policy,
    steps: Vec<Step>,
}

/// Something the client (or the clock) does, and what the server must answer.
struct Step {
    /// The line of the action in the file (0 for the connection itself).
    line: usize,
    action: Action,
    expect: Vec<Expected>,
    /// Whether an `S:` line was seen (so the next `C:` starts a new batch).
    answered: bool,
}

enum Action {
    /// The connection opens: the greeting.
    Connect,
    /// A batch of client bytes.
    Send(Vec<u8>),
    /// The clock moves on.
    Advance(Duration),
}

/// One expected output line.
struct Expected {
    line: usize,
    bytes: Vec<u8>,
}

/// The host's answers to the session's questions.
#[derive(Default)]
struct Policy {
    reject_mail: Vec<(String, Reply)>,
    reject_rcpt: Vec<(String, Reply)>,
    reject_message: Option<Reply>,
    credentials: Vec<(String, String)>,
    queue_id: Option<String>,
}

impl Policy {
    fn decide(&self, event: &ServerEvent) -> Option<Decision> {
        let reject = |list: &[(String, Reply)], path: String| {
            list.iter()
                .find(|(p, _)| *p == path)
                .map(|(_, r)| Decision::Reject(r.clone()))
                .unwrap_or(Decision::Accept)
        };
        Some(match event {
            ServerEvent::MailFrom { from, .. } => reject(&self.reject_mail, from.to_string()),
            ServerEvent::RcptTo { to, .. } => reject(&self.reject_rcpt, to.to_string()),
            ServerEvent::AuthRequest { credentials, .. } => {
                let good = self.credentials.is_empty()
                    || self
                        .credentials
                        .iter()
                        .any(|(u, p)| *u == credentials.username && *p == credentials.password);
                if good {
                    Decision::Accept
                } else {
                    Decision::bad_credentials()
                }
            }
            ServerEvent::Message { .. } => match (&self.reject_message, &self.queue_id) {
                (Some(r), _) => Decision::Reject(r.clone()),
                (None, Some(id)) => Decision::AcceptWith(Reply::enhanced(
                    250,
                    (2, 0, 0),
                    format!("Ok: queued as {id}"),
                )),
                (None, None) => Decision::Accept,
            },
            _ => return None,
        })
    }
}

impl Script {
    fn parse(name: &str, text: &str) -> Result<Script, String> {
        let mut script = Script {
            name: name.to_string(),
            config: ServerConfig::new("mx.example.org"),
            policy: Policy::default(),
            steps: vec![Step {
                line: 0,
                action: Action::Connect,
                expect: Vec::new(),
                answered: false,
            }],
        };
        let mut in_dialogue = false;
        let mut in_content = false;
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let err = |msg: String| format!("{name}:{n}: {msg}\n    {raw}");
            if raw.trim().is_empty() || raw.starts_with('#') {
                continue;
            }
            if let Some(d) = raw.strip_prefix("! ") {
                if in_dialogue {
                    return Err(err("directives go before the dialogue".into()));
                }
                script.directive(d).map_err(err)?;
                continue;
            }
            in_dialogue = true;
            let content_line = raw.starts_with('|') || raw.as_bytes() == NO_CRLF;
            if content_line && !in_content {
                return Err(err("content lines must follow `S: <content>`".into()));
            }
            in_content &= content_line;
            if let Some(text) = raw.strip_prefix("C+:") {
                let text = text.strip_prefix(' ').unwrap_or(text);
                script.send(n, unescape(text).map_err(err)?);
            } else if let Some(text) = raw.strip_prefix("C:") {
                let text = text.strip_prefix(' ').unwrap_or(text);
                script.send(n, [text.as_bytes(), b"\r\n"].concat());
            } else if let Some(text) = raw.strip_prefix("S:") {
                let text = text.strip_prefix(' ').unwrap_or(text);
                let step = script.steps.last_mut().expect("the connect step");
                if step.expect.is_empty() && step.answered {
                    return Err(err("nothing can follow `S: <nothing>`".into()));
                }
                if text == "<nothing>" {
                    if step.answered {
                        return Err(err("`S: <nothing>` must be alone".into()));
                    }
                } else {
                    in_content = text == "<content>";
                    let bytes = unescape(text).map_err(err)?;
                    step.expect.push(Expected { line: n, bytes });
                }
                step.answered = true;
            } else if let Some(rest) = raw.strip_prefix('|') {
                let mut bytes = b"|".to_vec();
                bytes.extend(unescape(rest).map_err(err)?);
                let step = script.steps.last_mut().expect("the connect step");
                step.expect.push(Expected { line: n, bytes });
            } else if raw.as_bytes() == NO_CRLF {
                let step = script.steps.last_mut().expect("the connect step");
                step.expect.push(Expected {
                    line: n,
                    bytes: NO_CRLF.to_vec(),
                });
            } else if let Some(t) = raw.strip_prefix("T: +") {
                let d = parse_duration(t).ok_or_else(|| err("expected `T: +Ns`".into()))?;
                script.steps.push(Step {
                    line: n,
                    action: Action::Advance(d),
                    expect: Vec::new(),
                    answered: false,
                });
            } else {
                return Err(err(
                    "expected `#`, `!`, `C:`, `C+:`, `S:`, `|` or `T:`".into()
                ));
            }
        }
        Ok(script)
    }

    /// Adds client bytes to the current batch, or starts a new one.
    fn send(&mut self, line: usize, bytes: Vec<u8>) {
        if let Some(Step {
            action: Action::Send(batch),
            answered: false,
            ..
        }) = self.steps.last_mut()
        {
            batch.extend(bytes);
            return;
        }
        self.steps.push(Step {
            line,
            action: Action::Send(bytes),
            expect: Vec::new(),
            answered: false,
        });
    }

    fn directive(&mut self, d: &str) -> Result<(), String> {
        let (key, value) = d.split_once(' ').unwrap_or((d, ""));
        let value = value.trim();
        let c = &mut self.config;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("`{key}` needs a number"))
        };
        match key {
            "hostname" => c.hostname = value.to_string(),
            "banner" => c.banner = value.to_string(),
            "refuse" => c.refuse = true,
            "no_esmtp" => c.esmtp = false,
            "starttls" => c.extensions.starttls = true,
            "auth" => c.extensions.auth = true,
            "auth_requires_tls" => c.auth_requires_tls = value != "off",
            "require_auth" => c.require_auth = true,
            "require_tls" => c.require_tls = true,
            "size" if value == "off" => c.extensions.size = None,
            "size" => c.extensions.size = Some(number()?),
            "no_pipelining" => c.extensions.pipelining = false,
            "no_enhanced" => c.extensions.enhanced_status_codes = false,
            "no_8bitmime" => c.extensions.eight_bit_mime = false,
            "no_dsn" => c.extensions.dsn = false,
            "no_smtputf8" => c.extensions.smtputf8 = false,
            "max_recipients" => c.max_recipients = number()? as usize,
            "max_errors" => c.max_errors = number()? as u32,
            "timeout" => {
                c.timeout = parse_duration(value).ok_or("`timeout` needs a duration like 300s")?
            }
            "bare_line_policy" => {
                c.bare_line_policy = match value {
                    "strict" => BareLinePolicy::Strict,
                    "preserve" => BareLinePolicy::Preserve,
                    "lenient" => BareLinePolicy::Lenient,
                    _ => return Err("bare_line_policy is strict, preserve or lenient".into()),
                }
            }
            "allow_unqualified" => c.paths.allow_unqualified = true,
            "allow_missing_brackets" => c.paths.allow_missing_brackets = true,
            "reject" => {
                let (what, rest) = value.split_once(' ').unwrap_or((value, ""));
                match what {
                    "mail" | "rcpt" => {
                        let (path, reply) = rest.split_once(' ').ok_or("reject needs a reply")?;
                        let list = if what == "mail" {
                            &mut self.policy.reject_mail
                        } else {
                            &mut self.policy.reject_rcpt
                        };
                        list.push((path.to_string(), parse_reply_directive(reply)?));
                    }
                    "message" => self.policy.reject_message = Some(parse_reply_directive(rest)?),
                    _ => return Err("reject mail|rcpt PATH REPLY, or reject message REPLY".into()),
                }
            }
            "credentials" => {
                let (user, pass) = value.split_once(' ').ok_or("credentials USER PASSWORD")?;
                self.policy
                    .credentials
                    .push((user.to_string(), pass.to_string()));
            }
            "queue_id" => self.policy.queue_id = Some(value.to_string()),
            _ => return Err(format!("unknown directive `{key}`")),
        }
        Ok(())
    }
}

/// `550 5.1.1 No such user` (the enhanced code is optional).
fn parse_reply_directive(s: &str) -> Result<Reply, String> {
    let (code, rest) = s.split_once(' ').unwrap_or((s, ""));
    let code: u16 = code
        .parse()
        .map_err(|_| format!("bad reply code `{code}`"))?;
    let (first, text) = rest.split_once(' ').unwrap_or((rest, ""));
    Ok(match EnhancedCode::parse(first) {
        Some(e) => Reply::enhanced(code, e, text),
        None => Reply::new(code, rest),
    })
}

/// `300s`, `5m`, `250ms`.
fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if let Some(ms) = s.strip_suffix("ms") {
        return ms.parse().ok().map(Duration::from_millis);
    }
    if let Some(secs) = s.strip_suffix('s') {
        return secs.parse().ok().map(Duration::from_secs);
    }
    let mins: u64 = s.strip_suffix('m')?.parse().ok()?;
    Some(Duration::from_secs(mins * 60))
}

/// Resolves the escapes described in the module docs.
fn unescape(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.extend_from_slice(&rest.as_bytes()[..i]);
        let esc = &rest[i + 1..];
        let mut chars = esc.chars();
        let used = match chars.next() {
            Some('r') => {
                out.push(b'\r');
                1
            }
            Some('n') => {
                out.push(b'\n');
                1
            }
            Some('t') => {
                out.push(b'\t');
                1
            }
            Some('\\') => {
                out.push(b'\\');
                1
            }
            Some('x') => {
                let hex = esc.get(1..3).ok_or("`\\x` needs two hex digits")?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| "`\\x` needs two hex digits")?);
                3
            }
            Some('{') => {
                let end = esc.find('}').ok_or("`\\{` needs a closing `}`")?;
                let (text, count) = esc[1..end]
                    .rsplit_once('*')
                    .ok_or("`\\{text*N}` needs a `*`")?;
                let count: usize = count.parse().map_err(|_| "`\\{text*N}` needs a number")?;
                out.extend(text.as_bytes().repeat(count));
                end + 1
            }
            _ => return Err(format!("unknown escape in `{s}`")),
        };
        rest = &esc[used..];
    }
    out.extend_from_slice(rest.as_bytes());
    Ok(out)
}

/// Shows bytes the way a golden writes them: escapes for what is not
/// printable, `\x20` for a trailing space.
fn show(bytes: &[u8]) -> String {
    if bytes == NO_CRLF {
        return String::from_utf8_lossy(NO_CRLF).into_owned();
    }
    let Ok(text) = core::str::from_utf8(bytes) else {
        return show_raw(bytes);
    };
    let mut out = String::new();
    for (i, c) in text.char_indices() {
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            ' ' if i + 1 == text.len() => out.push_str("\\x20"),
            c if c.is_control() => write!(out, "\\x{:02X}", c as u32).unwrap(),
            c => out.push(c),
        }
    }
    out
}

/// Shows bytes that are not UTF-8: printable ASCII as it is, the rest as
/// `\xHH`.
fn show_raw(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => write!(out, "\\x{b:02X}").unwrap(),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Running a script

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Chunking {
    /// Every batch in one `handle_input`.
    Natural,
    /// Every batch one byte at a time.
    OneByte,
}

impl Chunking {
    fn describe(self) -> &'static str {
        match self {
            Chunking::Natural => "each batch in one piece",
            Chunking::OneByte => "one byte at a time",
        }
    }
}

/// Something the server produced, as a golden shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seen {
    /// A line the server sent (or `<tls>`, `<close>`): always compared.
    Line(Vec<u8>),
    /// An event: compared only where the golden names its kind.
    Event { kind: String, lines: Vec<Vec<u8>> },
}

/// What one step produced.
#[derive(Default, Debug, PartialEq, Eq)]
struct StepRun {
    seen: Vec<Seen>,
    /// Every output but `Timeout`, in order (the two chunkings must agree).
    outputs: Vec<Output<ServerEvent>>,
    /// The session's deadline after the step.
    deadline: Option<Instant>,
}

/// A server session under test, with what the harness knows about it.
struct Driver<'a> {
    session: ServerSession,
    policy: &'a Policy,
    now: Instant,
    deadline: Option<Instant>,
    closed: bool,
    tls_requested: bool,
}

impl Driver<'_> {
    fn input(&mut self, input: Input<'_>, run: &mut StepRun) {
        self.session.handle_input(self.now, input);
        self.drain(run);
    }

    /// Drains the outputs, answering the session's questions as they come.
    fn drain(&mut self, run: &mut StepRun) {
        while let Some(out) = self.session.poll_output() {
            let mut decision = None;
            match &out {
                Output::Transmit(bytes) => {
                    run.seen.extend(lines_of(bytes).into_iter().map(Seen::Line));
                }
                Output::Event(e) => {
                    run.seen.extend(render_event(e));
                    decision = self.policy.decide(e);
                }
                Output::StartTls => {
                    run.seen.push(Seen::Line(b"<tls>".to_vec()));
                    self.tls_requested = true;
                }
                Output::Close => {
                    run.seen.push(Seen::Line(b"<close>".to_vec()));
                    self.closed = true;
                    self.deadline = None;
                }
                Output::Timeout(at) => self.deadline = Some(*at),
            }
            if !matches!(out, Output::Timeout(_)) {
                run.outputs.push(out);
            }
            if let Some(d) = decision {
                self.session.decide(self.now, d);
            }
        }
    }
}

/// Drives a server session through a script; one [`StepRun`] per step.
fn run_server_script(script: &Script, chunking: Chunking) -> Vec<StepRun> {
    let now = Instant::ZERO;
    let mut d = Driver {
        session: ServerSession::new(script.config.clone(), now),
        policy: &script.policy,
        now,
        deadline: None,
        closed: false,
        tls_requested: false,
    };
    let mut runs = Vec::with_capacity(script.steps.len());
    for step in &script.steps {
        let mut run = StepRun::default();
        match &step.action {
            Action::Connect => d.drain(&mut run),
            Action::Send(bytes) => match chunking {
                Chunking::Natural => d.input(Input::Bytes(bytes), &mut run),
                Chunking::OneByte => {
                    for b in bytes {
                        // After STARTTLS or a close, the rest of the batch
                        // never reaches the session.
                        if d.tls_requested || d.closed {
                            break;
                        }
                        d.input(Input::Bytes(core::slice::from_ref(b)), &mut run);
                    }
                }
            },
            Action::Advance(by) => {
                d.now = d.now.saturating_add(*by);
                if d.deadline.is_some_and(|at| d.now >= at) {
                    d.input(Input::Timeout, &mut run);
                }
            }
        }
        if core::mem::take(&mut d.tls_requested) {
            d.input(Input::TlsEstablished, &mut run);
        }
        run.deadline = d.deadline;
        runs.push(run);
    }
    runs
}

/// Splits transmitted bytes into CRLF-terminated lines.
fn lines_of(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let mut rest = bytes;
    while let Some(i) = rest.windows(2).position(|w| w == b"\r\n") {
        lines.push(rest[..i].to_vec());
        rest = &rest[i + 2..];
    }
    if !rest.is_empty() {
        lines.push(rest.to_vec());
        lines.push(NO_CRLF.to_vec());
    }
    lines
}

fn render_event(e: &ServerEvent) -> Vec<Seen> {
    let one = |kind: &str, text: String| Seen::Event {
        kind: kind.to_string(),
        lines: vec![text.into_bytes()],
    };
    match e {
        ServerEvent::Hello { esmtp, domain } => {
            let verb = if *esmtp { "ehlo" } else { "helo" };
            vec![one("hello", format!("<hello {verb}={domain}>"))]
        }
        ServerEvent::TlsEstablished => vec![one("tls-established", "<tls-established>".into())],
        ServerEvent::AuthRequest {
            mechanism,
            credentials,
        } => {
            let authzid = if credentials.authzid.is_empty() {
                String::new()
            } else {
                format!(" authzid={}", credentials.authzid)
            };
            vec![one(
                "auth",
                format!(
                    "<auth {mechanism}{authzid} user={} pass={}>",
                    credentials.username, credentials.password
                ),
            )]
        }
        ServerEvent::MailFrom { from, params } => {
            let line = Command::Mail {
                from: from.clone(),
                params: params.clone(),
            }
            .to_string();
            let params = line
                .strip_prefix(&format!("MAIL FROM:{from}"))
                .unwrap_or(&line);
            vec![one("mail", format!("<mail from={from}{params}>"))]
        }
        ServerEvent::RcptTo { to, params, .. } => {
            let line = Command::Rcpt {
                to: to.clone(),
                params: params.clone(),
            }
            .to_string();
            let params = line.strip_prefix(&format!("RCPT TO:{to}")).unwrap_or(&line);
            vec![one("rcpt", format!("<rcpt to={to}{params}>"))]
        }
        ServerEvent::Message {
            envelope,
            content,
            terminator,
        } => {
            let rcpts: Vec<String> = envelope.rcpts.iter().map(|(r, _)| r.to_string()).collect();
            let mut head = format!(
                "<message from={} rcpts={} bytes={}",
                envelope.from,
                rcpts.join(","),
                content.len()
            );
            if *terminator != "\\r\\n.\\r\\n" {
                let end = terminator.replace("\\r", "\r").replace("\\n", "\n");
                write!(head, " end={end}").unwrap();
            }
            if envelope.tls {
                head.push_str(" tls");
            }
            if let Some(user) = &envelope.auth {
                write!(head, " auth={user}").unwrap();
            }
            head.push('>');
            let mut lines = vec![b"<content>".to_vec()];
            let mut rest = &content[..];
            while let Some(i) = rest.windows(2).position(|w| w == b"\r\n") {
                lines.push([b"|", &rest[..i]].concat());
                rest = &rest[i + 2..];
            }
            if !rest.is_empty() {
                lines.push([b"|", rest].concat());
                lines.push(NO_CRLF.to_vec());
            }
            vec![
                one("message", head),
                Seen::Event {
                    kind: "content".into(),
                    lines,
                },
            ]
        }
        ServerEvent::Reset => vec![one("reset", "<reset>".into())],
        ServerEvent::Closed(reason) => vec![one("closed", format!("<closed {reason:?}>"))],
    }
}

/// The kind of event an expected line checks (`<message ...>` → `message`).
fn event_kind(line: &[u8]) -> Option<&[u8]> {
    let inner = line.strip_prefix(b"<")?.strip_suffix(b">")?;
    let end = inner.iter().position(|&b| b == b' ').unwrap_or(inner.len());
    Some(&inner[..end])
}

/// The lines of `seen` a golden compares: every server line, and the events
/// at the places the golden checks one of their kind.
fn shown(seen: &[Seen], expect: &[Expected]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for item in seen {
        match item {
            Seen::Line(l) => out.push(l.clone()),
            Seen::Event { kind, lines } => {
                let wanted = expect
                    .get(out.len())
                    .and_then(|e| event_kind(&e.bytes))
                    .is_some_and(|k| k == kind.as_bytes());
                if wanted {
                    out.extend(lines.iter().cloned());
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Checking and reporting

/// Runs a script both ways; one report per difference.
fn check_script(script: &Script) -> Vec<String> {
    let natural = run_server_script(script, Chunking::Natural);
    let one_byte = run_server_script(script, Chunking::OneByte);
    let mut failures = Vec::new();
    for (i, step) in script.steps.iter().enumerate() {
        let want: Vec<&[u8]> = step.expect.iter().map(|e| &e.bytes[..]).collect();
        let mut step_failed = false;
        for (chunking, runs) in [
            (Chunking::Natural, &natural),
            (Chunking::OneByte, &one_byte),
        ] {
            let got = shown(&runs[i].seen, &step.expect);
            if got.iter().map(Vec::as_slice).ne(want.iter().copied()) {
                failures.push(report(script, step, chunking, &want, &got));
                step_failed = true;
                break;
            }
        }
        if !step_failed && natural[i] != one_byte[i] {
            failures.push(format!(
                "{}: the two chunkings differ after {}\n  each batch in one piece: {:?}\n  one byte at a time:      {:?}",
                location(script, step),
                describe_action(&step.action),
                natural[i],
                one_byte[i],
            ));
        }
    }
    failures
}

fn location(script: &Script, step: &Step) -> String {
    let line = step.expect.first().map_or(step.line, |e| e.line);
    format!("tests/golden/{}:{line}", script.name)
}

fn describe_action(a: &Action) -> String {
    match a {
        Action::Connect => "the connection opened".into(),
        Action::Send(bytes) if bytes.len() > 160 => {
            format!("C+: {}… ({} octets)", show(&bytes[..120]), bytes.len())
        }
        Action::Send(bytes) => format!("C+: {}", show(bytes)),
        Action::Advance(d) => format!("T: +{}s", d.as_secs()),
    }
}

fn report(
    script: &Script,
    step: &Step,
    chunking: Chunking,
    want: &[&[u8]],
    got: &[Vec<u8>],
) -> String {
    let mut out = format!(
        "{}: server output differs ({}) after {}\n--- expected\n+++ actual\n",
        location(script, step),
        chunking.describe(),
        describe_action(&step.action)
    );
    let as_line = |b: &[u8]| {
        if b.starts_with(b"|") || b == NO_CRLF {
            show(b)
        } else {
            format!("S: {}", show(b))
        }
    };
    let got: Vec<&[u8]> = got.iter().map(Vec::as_slice).collect();
    for (sign, line) in diff(want, &got) {
        writeln!(out, "{sign}{}", as_line(line)).unwrap();
    }
    out
}

/// A line diff (longest common subsequence): `' '`, `'-'` and `'+'` lines.
fn diff<'a>(a: &[&'a [u8]], b: &[&'a [u8]]) -> Vec<(char, &'a [u8])> {
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(('-', a[i]));
            i += 1;
        } else {
            out.push(('+', b[j]));
            j += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Tests

#[test]
fn golden_transcripts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no goldens in {}", dir.display());
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        match Script::parse(&name, &text) {
            Ok(script) => failures.extend(check_script(&script)),
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s) in {} golden transcript(s):\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

#[test]
fn a_wrong_reply_is_reported_with_a_diff() {
    let text = "! hostname mx.test\nS: 220 mx.test ESMTP MX Lab\nC: NOOP\nS: 250 2.0.0 Fine\n";
    let script = Script::parse("inline.txt", text).unwrap();
    let failures = check_script(&script);
    assert_eq!(failures.len(), 1, "{failures:?}");
    let f = &failures[0];
    assert!(
        f.starts_with("tests/golden/inline.txt:4: server output differs"),
        "{f}"
    );
    assert!(f.contains("-S: 250 2.0.0 Fine\n+S: 250 2.0.0 Ok\n"), "{f}");
}

#[test]
fn unchecked_events_are_skipped_and_checked_ones_compared() {
    let text = "S: 220 mx.example.org ESMTP MX Lab\nC: HELO a.example\nS: <hello helo=b.example>\nS: 250 mx.example.org\n";
    let failures = check_script(&Script::parse("inline.txt", text).unwrap());
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].contains("-S: <hello helo=b.example>\n+S: <hello helo=a.example>"));
    let text = "S: 220 mx.example.org ESMTP MX Lab\nC: HELO a.example\nS: 250 mx.example.org\n";
    assert!(check_script(&Script::parse("inline.txt", text).unwrap()).is_empty());
}

#[test]
fn escapes_and_batches() {
    assert_eq!(
        unescape(r"a\r\n\\\t\x00\{ab*3}.").unwrap(),
        b"a\r\n\\\t\0ababab."
    );
    assert!(unescape(r"\q").is_err());
    assert_eq!(show(b"334 "), r"334\x20");
    assert_eq!(show(b"a\nb\\"), r"a\nb\\");
    assert_eq!(show("jösé\x01".as_bytes()), r"jösé\x01");
    assert_eq!(show(b"\xff\\ "), r"\xFF\\ ");
    let s = Script::parse(
        "x.txt",
        "S: 220 x\nC: A\nC+: B\\n\n# note\nC: C\nS: 250 ok\nC: D\n",
    )
    .unwrap();
    assert_eq!(s.steps.len(), 3);
    assert!(matches!(&s.steps[1].action, Action::Send(b) if b == b"A\r\nB\nC\r\n"));
    assert!(Script::parse("x.txt", "! bogus\n").is_err());
    assert!(Script::parse("x.txt", "S: 220 x\n! hostname y\n").is_err());
    assert!(Script::parse("x.txt", "S: 220 x\n|stray\n").is_err());
}
