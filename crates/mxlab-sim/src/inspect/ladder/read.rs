//! Reading a ladder's content from the trace in one pass: the arrows,
//! crosses and notes of a session or of a message's journey, with the
//! sessions' spans, in trace order, before anything is placed.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

/// Where an arrow ends.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum End {
    /// On the receiver's line.
    Line,
    /// On the receiver's line, with a cross: refused there.
    Refused(CrossCause, String),
    /// Half-way: lost or unanswered on the way.
    Halfway(CrossCause, String),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct ArrowDraft {
    pub(super) kind: ArrowKind,
    pub(super) from: String,
    pub(super) to: String,
    pub(super) sent: SimTime,
    pub(super) arrived: SimTime,
    pub(super) label: String,
    pub(super) text: String,
    pub(super) explanation: String,
    pub(super) conn: Option<u64>,
    pub(super) lines: usize,
    pub(super) code: Option<u16>,
    pub(super) encrypted: bool,
    pub(super) end: End,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Shape {
    Arrow(ArrowDraft),
    Cross {
        host: String,
        at: SimTime,
        cause: CrossCause,
        reason: String,
        conn: Option<u64>,
    },
    Note {
        host: String,
        at: SimTime,
        kind: NoteKind,
        text: String,
    },
}

/// One thing to draw, with the trace position of its event.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Draft {
    pub(super) seq: usize,
    pub(super) shape: Shape,
}

/// A session's span as read.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct BandDraft {
    pub(super) conn: u64,
    pub(super) client: String,
    pub(super) server: String,
    pub(super) port: u16,
    pub(super) opened: SimTime,
}

/// The data lines of a transaction being read.
#[derive(Debug, Clone, Default)]
pub(super) struct DataGroup {
    seq: Option<usize>,
    sent: SimTime,
    arrived: SimTime,
    from: String,
    to: String,
    lines: usize,
    octets: usize,
    first: Vec<String>,
    encrypted: bool,
}

impl DataGroup {
    fn add(&mut self, seq: usize, e: &TraceEvent, sent: SimTime, octets: usize, tls: bool) {
        if self.seq.is_none() {
            let (from, to) = pair(e);
            *self = DataGroup {
                seq: Some(seq),
                sent,
                from,
                to,
                encrypted: tls,
                ..DataGroup::default()
            };
        }
        self.arrived = e.at;
        self.lines += 1;
        self.octets += octets;
        if self.first.len() < 8 {
            self.first.push(text_of(e));
        }
    }

    fn draft(self, conn: u64) -> Option<Draft> {
        let seq = self.seq?;
        let label = format!(
            "message content ({} line{}, {} bytes)",
            self.lines,
            if self.lines == 1 { "" } else { "s" },
            self.octets
        );
        let mut text = self.first.join("\n");
        if self.lines > self.first.len() {
            text.push_str("\n…");
        }
        Some(Draft {
            seq,
            shape: Shape::Arrow(ArrowDraft {
                kind: ArrowKind::Data,
                from: self.from,
                to: self.to,
                sent: self.sent,
                arrived: self.arrived,
                label,
                text,
                explanation: "the mail data: header section, empty line, body, sent after the \
                              354 reply and ended by a line with a single dot (RFC 5321 §4.1.1.4)"
                    .to_string(),
                conn: Some(conn),
                lines: self.lines,
                code: None,
                encrypted: self.encrypted,
                end: End::Line,
            }),
        })
    }
}

/// What the trace holds for `scope`, in trace order, with the sessions.
pub(super) struct Collected {
    pub(super) drafts: Vec<Draft>,
    pub(super) bands: Vec<BandDraft>,
    pub(super) tls: BTreeMap<u64, SimTime>,
}

/// The connections a message's events name.
pub(super) fn conns_of(trace: &Trace, id: &str) -> (BTreeSet<u64>, bool) {
    let mut conns = BTreeSet::new();
    let mut any = false;
    for e in trace.iter() {
        if e.message.as_deref() != Some(id) {
            continue;
        }
        any = true;
        match &e.kind {
            EventKind::Connect { conn, .. }
            | EventKind::Command { conn, .. }
            | EventKind::Reply { conn, .. }
            | EventKind::Abort { conn, .. } => {
                conns.insert(*conn);
            }
            _ => {}
        }
    }
    (conns, any)
}

pub(super) fn collect(trace: &Trace, scope: &Scope) -> Result<Collected, LadderError> {
    let (conns, message) = match scope {
        Scope::Session(conn) => {
            if !trace.connections().iter().any(|c| c.conn == *conn) {
                return Err(LadderError::NoSession {
                    conn: *conn,
                    known: known_sessions(trace),
                });
            }
            (BTreeSet::from([*conn]), None)
        }
        Scope::Message(id) => {
            let (conns, any) = conns_of(trace, id);
            if !any {
                return Err(LadderError::NoMessage {
                    id: id.clone(),
                    known: known_messages(trace),
                });
            }
            (conns, Some(id.as_str()))
        }
    };
    let ours = |e: &TraceEvent| message.is_some() && e.message.as_deref() == message;
    let mut out = Collected {
        drafts: Vec::new(),
        bands: Vec::new(),
        tls: BTreeMap::new(),
    };
    let mut attempts = Attempts::default();
    let mut data: BTreeMap<u64, DataGroup> = BTreeMap::new();
    let mut asked: BTreeMap<(String, String), (SimTime, usize, String)> = BTreeMap::new();
    let mut faults: Vec<Draft> = Vec::new();
    for (seq, e) in trace.iter().enumerate() {
        let (host, peer) = pair(&e);
        let mut push = |shape: Shape| out.drafts.push(Draft { seq, shape });
        match &e.kind {
            EventKind::Attempt { target, port, .. } => {
                attempts.push(host, target.to_string(), e.at, *port);
            }
            EventKind::Connect { conn, port } => {
                let attempt = attempts.take(&host, &peer);
                if !conns.contains(conn) {
                    continue;
                }
                out.bands.push(BandDraft {
                    conn: *conn,
                    client: host.clone(),
                    server: peer.clone(),
                    port: *port,
                    opened: e.at,
                });
                if let Some((at, _)) = attempt {
                    push(Shape::Arrow(ArrowDraft {
                        kind: ArrowKind::Connect,
                        from: host,
                        to: peer,
                        sent: at,
                        arrived: e.at,
                        label: format!("connect to port {port}"),
                        text: format!("TCP connection {conn} to port {port}"),
                        explanation: explained(&e),
                        conn: Some(*conn),
                        lines: 0,
                        code: None,
                        encrypted: false,
                        end: End::Line,
                    }));
                }
            }
            EventKind::ConnectFailed { reason } => {
                let attempt = attempts.take(&host, &peer);
                if !ours(&e) {
                    continue;
                }
                let why = failure_words(*reason);
                if *reason == ConnectFailure::NoAddress {
                    push(Shape::Cross {
                        host,
                        at: e.at,
                        cause: CrossCause::Connect(*reason),
                        reason: format!("{peer}: {why}"),
                        conn: None,
                    });
                    continue;
                }
                let (sent, port) = attempt.unwrap_or((e.at, 25));
                let cause = CrossCause::Connect(*reason);
                push(Shape::Arrow(ArrowDraft {
                    kind: ArrowKind::Connect,
                    from: host,
                    to: peer,
                    sent,
                    arrived: e.at,
                    label: format!("connect to port {port}"),
                    text: format!("TCP connection to port {port}: {why}"),
                    explanation: explained(&e),
                    conn: None,
                    lines: 0,
                    code: None,
                    encrypted: false,
                    end: if *reason == ConnectFailure::Refused {
                        End::Refused(cause, why.to_string())
                    } else {
                        End::Halfway(cause, why.to_string())
                    },
                }));
            }
            EventKind::Command {
                conn,
                line,
                sent_at,
            } if conns.contains(conn) => {
                let tls = out.tls.contains_key(conn);
                let text = line_text(line);
                if let Some(group) = data.get_mut(conn) {
                    if text != "." {
                        group.add(seq, &e, *sent_at, line.len(), tls);
                        continue;
                    }
                    if let Some(d) = data.remove(conn).and_then(|g| g.draft(*conn)) {
                        out.drafts.push(d);
                    }
                }
                let mut shape = line_arrow(&e, *conn, *sent_at, text, None, tls);
                if let Shape::Arrow(a) = &mut shape {
                    if a.text == "." {
                        a.label = ". (end of data)".to_string();
                    }
                }
                out.drafts.push(Draft { seq, shape });
            }
            EventKind::Reply {
                conn,
                line,
                sent_at,
            } if conns.contains(conn) => {
                let tls = out.tls.contains_key(conn);
                let code = reply_code(&e);
                if let Some(d) = data.remove(conn).and_then(|g| g.draft(*conn)) {
                    out.drafts.push(d);
                }
                if code == Some((354, true)) {
                    data.insert(*conn, DataGroup::default());
                }
                out.drafts.push(Draft {
                    seq,
                    shape: line_arrow(&e, *conn, *sent_at, line_text(line), code, tls),
                });
            }
            EventKind::Abort {
                conn,
                cause,
                detail,
            } if conns.contains(conn) => {
                if let Some(d) = data.remove(conn).and_then(|g| g.draft(*conn)) {
                    out.drafts.push(d);
                }
                let at_server = *cause == AbortCause::Reset;
                out.drafts.push(Draft {
                    seq,
                    shape: Shape::Cross {
                        host: if at_server { peer } else { host },
                        at: e.at,
                        cause: CrossCause::Cut(*cause),
                        reason: detail.to_string(),
                        conn: Some(*conn),
                    },
                });
            }
            EventKind::Close { conn } if conns.contains(conn) => {
                if let Some(d) = data.remove(conn).and_then(|g| g.draft(*conn)) {
                    out.drafts.push(d);
                }
            }
            EventKind::TlsUpgrade { conn, ok } if conns.contains(conn) => {
                if *ok {
                    out.tls.insert(*conn, e.at);
                }
                push(Shape::Note {
                    host,
                    at: e.at,
                    kind: NoteKind::Tls,
                    text: if *ok {
                        "TLS established: what follows is encrypted".to_string()
                    } else {
                        "TLS handshake failed".to_string()
                    },
                });
            }
            EventKind::DnsQuery { name, qtype } if ours(&e) => {
                let key = (host, format!("{} {name}", qtype.as_str()));
                let resolver = if peer.is_empty() {
                    "DNS".to_string()
                } else {
                    peer
                };
                asked.insert(key, (e.at, seq, resolver));
            }
            EventKind::DnsAnswer {
                name,
                qtype,
                answer,
            } if ours(&e) => {
                let question = format!("{} {name}", qtype.as_str());
                let Some((asked_at, asked_seq, resolver)) =
                    asked.remove(&(host.clone(), question.clone()))
                else {
                    continue;
                };
                // A question answered in the same instant (a verifying
                // host's SPF, DKIM and DMARC lookups at the end of DATA)
                // has no height to draw; its verdicts say what it found.
                if asked_at == e.at {
                    continue;
                }
                out.drafts.extend(dns_arrows(
                    &e, seq, asked_at, asked_seq, resolver, &question, answer,
                ));
            }
            EventKind::Defer {
                diagnostic,
                next_attempt,
            } if ours(&e) => push(Shape::Note {
                host,
                at: e.at,
                kind: NoteKind::Deferred,
                text: format!(
                    "{}deferred until {next_attempt}: {} {} {}",
                    who(&e),
                    diagnostic.code,
                    diagnostic.enhanced,
                    diagnostic.text
                ),
            }),
            EventKind::Deliver { to, duplicate } if ours(&e) && to.contains('@') => {
                push(Shape::Note {
                    host,
                    at: e.at,
                    kind: NoteKind::Delivered,
                    text: if *duplicate {
                        format!("delivered to {to} again: the RFC 1047 duplicate")
                    } else {
                        format!("delivered to {to}")
                    },
                })
            }
            EventKind::Bounce { diagnostic } if ours(&e) => push(Shape::Note {
                host,
                at: e.at,
                kind: NoteKind::Bounced,
                text: format!(
                    "{}bounced: {} {} {}",
                    who(&e),
                    diagnostic.code,
                    diagnostic.enhanced,
                    diagnostic.text
                ),
            }),
            EventKind::DsnSent {
                action,
                to,
                dsn_message,
            } if ours(&e) => push(Shape::Note {
                host,
                at: e.at,
                kind: NoteKind::Dsn,
                text: format!("DSN ({}) to {to}: message {dsn_message}", action.as_str()),
            }),
            EventKind::FaultOn { fault } | EventKind::FaultOff { fault } => {
                let on = matches!(e.kind, EventKind::FaultOn { .. });
                faults.push(Draft {
                    seq,
                    shape: Shape::Note {
                        host,
                        at: e.at,
                        kind: NoteKind::Fault,
                        text: format!(
                            "{}: {}",
                            if on { "fault" } else { "fault over" },
                            fault.label()
                        ),
                    },
                });
            }
            _ => {}
        }
    }
    for (conn, group) in data {
        out.drafts.extend(group.draft(conn));
    }
    // Faults on the hosts drawn, while something is drawn.
    let times = out.drafts.iter().flat_map(|d| times_of(&d.shape));
    let (first, last) = (times.clone().min(), times.max());
    if let (Some(first), Some(last)) = (first, last) {
        let hosts: BTreeSet<String> = out.drafts.iter().flat_map(|d| hosts_of(&d.shape)).collect();
        out.drafts
            .extend(faults.into_iter().filter(|d| match &d.shape {
                Shape::Note { host, at, .. } => hosts.contains(host) && first <= *at && *at <= last,
                _ => false,
            }));
    }
    out.drafts.sort_by_key(|d| d.seq);
    Ok(out)
}

/// `bob@example.org ` for an event about one recipient.
pub(super) fn who(e: &TraceEvent) -> String {
    e.recipient
        .as_ref()
        .map(|r| format!("{r} "))
        .unwrap_or_default()
}

pub(super) fn failure_words(reason: ConnectFailure) -> &'static str {
    match reason {
        ConnectFailure::Refused => "connection refused",
        ConnectFailure::Timeout => "no answer: connect timeout",
        ConnectFailure::Lost => "connection attempt lost",
        ConnectFailure::NoAddress => "no address",
    }
}

/// The arrow of one command or reply line.
pub(super) fn line_arrow(
    e: &TraceEvent,
    conn: u64,
    sent: SimTime,
    text: String,
    code: Option<(u16, bool)>,
    encrypted: bool,
) -> Shape {
    let (from, to) = pair(e);
    Shape::Arrow(ArrowDraft {
        kind: if code.is_some() || matches!(e.kind, EventKind::Reply { .. }) {
            ArrowKind::Reply
        } else {
            ArrowKind::Command
        },
        from,
        to,
        sent,
        arrived: e.at,
        label: label_text(&text),
        text,
        explanation: explained(e),
        conn: Some(conn),
        lines: 1,
        code: code.map(|(c, _)| c),
        encrypted,
        end: End::Line,
    })
}

/// A DNS question and its answer (or the question lost, for a timeout):
/// the resolver's moment half-way between.
pub(super) fn dns_arrows(
    e: &TraceEvent,
    seq: usize,
    asked: SimTime,
    asked_seq: usize,
    resolver: String,
    question: &str,
    answer: &[crate::CompactString],
) -> Vec<Draft> {
    let host = e.hosts.first().map(ToString::to_string).unwrap_or_default();
    let mid = SimTime::from_micros(
        asked.as_micros() + e.at.as_micros().saturating_sub(asked.as_micros()) / 2,
    );
    let timeout = answer.len() == 1 && answer.first().is_some_and(|a| a == "Timeout");
    let query = ArrowDraft {
        kind: ArrowKind::DnsQuery,
        from: host.clone(),
        to: resolver.clone(),
        sent: asked,
        arrived: if timeout { e.at } else { mid },
        label: format!("{question}?"),
        text: format!("{question}?"),
        explanation: "a DNS question for the domain's mail exchangers (RFC 5321 §5.1)".into(),
        conn: None,
        lines: 0,
        code: None,
        encrypted: false,
        end: if timeout {
            End::Halfway(CrossCause::DnsTimeout, "no answer from the resolver".into())
        } else {
            End::Line
        },
    };
    let mut out = vec![Draft {
        seq: asked_seq,
        shape: Shape::Arrow(query),
    }];
    if !timeout {
        let records = match answer_text(answer).as_str() {
            "NxDomain" => "NXDOMAIN: no such domain".to_string(),
            "ServFail" => "SERVFAIL".to_string(),
            "NoRecords" => "no MX records".to_string(),
            "0 ." => "0 . (null MX: no mail)".to_string(),
            other => other.to_string(),
        };
        out.push(Draft {
            seq,
            shape: Shape::Arrow(ArrowDraft {
                kind: ArrowKind::DnsAnswer,
                from: resolver,
                to: host,
                sent: mid,
                arrived: e.at,
                label: records.clone(),
                text: format!("{question}: {records}"),
                explanation: explained(e),
                conn: None,
                lines: 0,
                code: None,
                encrypted: false,
                end: End::Line,
            }),
        });
    }
    out
}

pub(super) fn times_of(shape: &Shape) -> Vec<SimTime> {
    match shape {
        Shape::Arrow(a) => vec![a.sent, a.arrived],
        Shape::Cross { at, .. } | Shape::Note { at, .. } => vec![*at],
    }
}

pub(super) fn hosts_of(shape: &Shape) -> Vec<String> {
    match shape {
        Shape::Arrow(a) => vec![a.from.clone(), a.to.clone()],
        Shape::Cross { host, .. } | Shape::Note { host, .. } => vec![host.clone()],
    }
}

/// The columns, left to right: the hosts of the sessions in the order
/// they opened (client, then server), then the others in the order they
/// appear, then the resolvers.
pub(super) fn columns(c: &Collected) -> Vec<(String, bool)> {
    let resolvers: BTreeSet<String> = c
        .drafts
        .iter()
        .filter_map(|d| match &d.shape {
            Shape::Arrow(a) if a.kind == ArrowKind::DnsQuery => Some(a.to.clone()),
            _ => None,
        })
        .collect();
    let mut order: Vec<String> = Vec::new();
    let mut add = |h: &str| {
        if !h.is_empty() && !resolvers.contains(h) && !order.iter().any(|o| o == h) {
            order.push(h.to_string());
        }
    };
    for b in &c.bands {
        add(&b.client);
        add(&b.server);
    }
    for d in &c.drafts {
        for h in hosts_of(&d.shape) {
            add(&h);
        }
    }
    let mut cols: Vec<(String, bool)> = order.into_iter().map(|h| (h, false)).collect();
    // Resolvers in the order they were first asked.
    for d in &c.drafts {
        if let Shape::Arrow(a) = &d.shape {
            if a.kind == ArrowKind::DnsQuery && !cols.iter().any(|(h, _)| *h == a.to) {
                cols.push((a.to.clone(), true));
            }
        }
    }
    cols
}
