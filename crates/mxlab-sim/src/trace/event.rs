//! What a trace records: the kinds of events, the octets of a line, and
//! one event as read back ([`TraceEvent`]) with its JSON form.

use std::borrow::Cow;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use super::explain::explain;
use crate::diagnostic::Diagnostic;
use crate::scenario::Fault;
use crate::time::SimTime;

/// Raw octets as a string of one char per byte (U+0000..=U+00FF), so a
/// line survives JSON exactly, bare CR and bare LF included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Octets(CompactString);

impl Octets {
    /// Wraps bytes.
    pub fn new(bytes: &[u8]) -> Self {
        if let Ok(text) = core::str::from_utf8(bytes) {
            if text.is_ascii() {
                // One char per byte already: a copy.
                return Octets(text.into());
            }
        }
        Octets(bytes.iter().map(|b| char::from(*b)).collect())
    }

    /// The bytes back.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
            .collect()
    }

    /// How many octets.
    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The line for display: CR and LF made visible.
    pub fn display(&self) -> String {
        self.0.replace('\r', "<CR>").replace('\n', "<LF>")
    }
}

/// An authentication check a receiving host makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthCheck {
    /// SPF (RFC 7208): may the client's address send for MAIL FROM's domain?
    Spf,
    /// DKIM (RFC 6376): does a signature check against its domain's key?
    Dkim,
    /// DMARC (RFC 7489): does SPF or DKIM pass for the `From:` domain?
    Dmarc,
}

impl AuthCheck {
    /// Its name as people write it: `SPF`, `DKIM`, `DMARC`.
    pub fn label(self) -> &'static str {
        match self {
            AuthCheck::Spf => "SPF",
            AuthCheck::Dkim => "DKIM",
            AuthCheck::Dmarc => "DMARC",
        }
    }
}

/// Which record type a DNS query asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum QueryType {
    /// MX.
    Mx,
    /// A and AAAA.
    A,
    /// TXT: SPF policies, DKIM keys, DMARC policies.
    Txt,
}

impl QueryType {
    /// The type as DNS writes it: `MX`, `A`.
    pub fn as_str(self) -> &'static str {
        match self {
            QueryType::Mx => "MX",
            QueryType::A => "A",
            QueryType::Txt => "TXT",
        }
    }
}

/// Why a connection could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectFailure {
    /// Refused at once (host down, refusing).
    Refused,
    /// No answer before the client's connect timeout.
    Timeout,
    /// The link dropped it (loss or partition).
    Lost,
    /// No address for the exchange.
    NoAddress,
}

/// Why a connection was cut before the client's QUIT was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbortCause {
    /// The server's host reset it: it went down or crashed.
    Reset,
    /// No reply came in time, and the client gave up (RFC 5321 §4.5.3.2).
    Timeout,
}

/// What a DSN reports of its recipients: the `Action` of RFC 3464
/// §2.3.3 (`failed` for a bounce, `delayed` for a delay warning), the
/// protocol core's type.
pub use mxlab_proto::message::DsnAction;

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// A TCP connection opened.
    Connect {
        /// Connection id.
        conn: u64,
        /// The server's port: 25, 587, 465 (TLS from the first byte) or
        /// any other its host listens on.
        port: u16,
    },
    /// A connection could not be opened.
    ConnectFailed {
        /// Why.
        reason: ConnectFailure,
    },
    /// A connection closed.
    Close {
        /// Connection id.
        conn: u64,
    },
    /// A connection was cut before the client's QUIT was answered: the
    /// client learns it here, and nothing after the last complete reply
    /// counts.
    Abort {
        /// Connection id.
        conn: u64,
        /// Reset by the server's host, or given up after a timeout.
        cause: AbortCause,
        /// What happened, for people: `mx.example.org went down`, `no
        /// reply to DATA within 120 s`.
        detail: CompactString,
    },
    /// The client sent one line (command or data line).
    Command {
        /// Connection id.
        conn: u64,
        /// The octets, CRLF included.
        line: Octets,
        /// When the client sent it (the event's time is its arrival).
        sent_at: SimTime,
    },
    /// The server sent one reply line.
    Reply {
        /// Connection id.
        conn: u64,
        /// The octets, CRLF included.
        line: Octets,
        /// When the server sent it (the event's time is its arrival).
        sent_at: SimTime,
    },
    /// STARTTLS handshake finished.
    TlsUpgrade {
        /// Connection id.
        conn: u64,
        /// Whether it succeeded.
        ok: bool,
    },
    /// A host asked the resolver.
    DnsQuery {
        /// The name asked about.
        name: CompactString,
        /// The record type.
        qtype: QueryType,
    },
    /// The resolver answered.
    DnsAnswer {
        /// The name asked about.
        name: CompactString,
        /// The record type.
        qtype: QueryType,
        /// The answer in zone-file style, e.g. `10 mx1.example.org`.
        answer: Vec<CompactString>,
    },
    /// A message entered a host's queue.
    Enqueue {
        /// Its queue id on that host.
        queue_id: CompactString,
        /// Its recipients.
        recipients: Vec<CompactString>,
    },
    /// A delivery attempt started: a connection to one host is tried.
    Attempt {
        /// The host being tried.
        target: CompactString,
        /// The port it is tried on.
        port: u16,
        /// Which attempt this is (1 for the first).
        attempt: u32,
        /// The recipients tried in this transaction.
        recipients: Vec<CompactString>,
    },
    /// A recipient stays queued.
    Defer {
        /// Why.
        diagnostic: Box<Diagnostic>,
        /// When it will be tried again.
        next_attempt: SimTime,
    },
    /// A recipient was delivered (to a mailbox or to the next hop).
    Deliver {
        /// The mailbox, or the next hop's name.
        to: CompactString,
        /// True for the RFC 1047 duplicate: a second copy after a lost reply.
        duplicate: bool,
    },
    /// A recipient failed permanently.
    Bounce {
        /// Why.
        diagnostic: Box<Diagnostic>,
    },
    /// A DSN was queued for the envelope sender.
    DsnSent {
        /// Bounce or delay warning.
        action: DsnAction,
        /// Its recipient (the original envelope sender).
        to: CompactString,
        /// The DSN's own message id.
        dsn_message: CompactString,
    },
    /// A receiving host took an authentication verdict on a message at
    /// the end of its DATA: SPF, one DKIM signature, or DMARC. The event's
    /// explanation says why, in words.
    Auth {
        /// Which check.
        check: AuthCheck,
        /// Its result as `Authentication-Results:` writes it: `pass`,
        /// `fail`, `softfail`, `none`, `temperror`, ...
        result: CompactString,
        /// The domain checked: MAIL FROM's (SPF), the signature's `d=`
        /// (DKIM), the `From:` domain (DMARC).
        domain: CompactString,
        /// What the host does about it (DMARC): `none`, `quarantine`,
        /// `reject`; empty otherwise.
        action: CompactString,
        /// On the DMARC verdict, the last of a message's: the
        /// `Authentication-Results:` and `Received-SPF:` fields the host
        /// writes (on top of the message unless it refuses it); empty
        /// otherwise.
        #[serde(default, skip_serializing_if = "CompactString::is_empty")]
        headers: CompactString,
    },
    /// A fault started.
    FaultOn {
        /// The fault.
        fault: Box<Fault>,
    },
    /// A fault ended.
    FaultOff {
        /// The fault.
        fault: Box<Fault>,
    },
}

/// The hosts of an event: one or two names, kept inline. Names (and the
/// message ids and recipients of events) are [`CompactString`]s, so the
/// short ones take no allocation per event.
pub type Hosts = SmallVec<[CompactString; 2]>;

/// One event of a run.
///
/// Its explanation and RFC section are those of its kind ([`explain`])
/// unless the event was recorded with its own ([`super::Trace::record_explained`]):
/// a trace of millions of events stores only the exceptions. The JSON form
/// carries both fields on every event.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceEvent {
    /// Position in the trace.
    pub seq: u64,
    /// When.
    pub at: SimTime,
    /// The hosts involved: the acting host first (client, or queue owner),
    /// then its peer, if any.
    pub hosts: Hosts,
    /// The message involved, if any.
    pub message: Option<CompactString>,
    /// The recipient involved, if any.
    pub recipient: Option<CompactString>,
    /// What happened.
    pub kind: EventKind,
    /// An explanation other than the kind's own.
    pub(super) note: Option<Box<Note>>,
}

/// An explanation and its RFC section.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Note {
    explanation: Cow<'static, str>,
    rfc: Cow<'static, str>,
}

impl Note {
    /// `None` when the explanation is the kind's own, so that an event
    /// compares equal however it was made (recorded or read back).
    pub(crate) fn unless_default(
        kind: &EventKind,
        explanation: Cow<'static, str>,
        rfc: Cow<'static, str>,
    ) -> Option<Box<Note>> {
        let (own, own_rfc) = explain(kind);
        (own != explanation || own_rfc != rfc).then(|| Box::new(Note { explanation, rfc }))
    }
}

impl TraceEvent {
    /// The explanation and its RFC section: the event's own, or its kind's.
    fn explained(&self) -> (Cow<'static, str>, Cow<'static, str>) {
        match &self.note {
            Some(n) => (n.explanation.clone(), n.rfc.clone()),
            None => {
                let (explanation, rfc) = explain(&self.kind);
                (explanation, rfc.into())
            }
        }
    }

    /// A plain-English explanation.
    pub fn explanation(&self) -> Cow<'static, str> {
        self.explained().0
    }

    /// The RFC section behind it.
    pub fn rfc(&self) -> Cow<'static, str> {
        self.explained().1
    }
}

impl Serialize for TraceEvent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let (explanation, rfc) = self.explained();
        let mut s = serializer.serialize_struct("TraceEvent", 8)?;
        s.serialize_field("seq", &self.seq)?;
        s.serialize_field("at", &self.at)?;
        s.serialize_field("hosts", &self.hosts)?;
        match &self.message {
            Some(m) => s.serialize_field("message", m)?,
            None => s.skip_field("message")?,
        }
        match &self.recipient {
            Some(r) => s.serialize_field("recipient", r)?,
            None => s.skip_field("recipient")?,
        }
        s.serialize_field("kind", &self.kind)?;
        s.serialize_field("explanation", &explanation)?;
        s.serialize_field("rfc", &rfc)?;
        s.end()
    }
}

/// The JSON form of an event.
#[derive(Deserialize)]
#[serde(rename = "TraceEvent")]
struct EventJson {
    seq: u64,
    at: SimTime,
    hosts: Hosts,
    #[serde(default)]
    message: Option<CompactString>,
    #[serde(default)]
    recipient: Option<CompactString>,
    kind: EventKind,
    explanation: String,
    rfc: String,
}

impl<'de> Deserialize<'de> for TraceEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let e = EventJson::deserialize(deserializer)?;
        let note = Note::unless_default(&e.kind, e.explanation.into(), e.rfc.into());
        Ok(TraceEvent {
            seq: e.seq,
            at: e.at,
            hosts: e.hosts,
            message: e.message,
            recipient: e.recipient,
            kind: e.kind,
            note,
        })
    }
}

impl EventKind {
    /// A command line (`command`) or a reply line.
    pub fn line(command: bool, conn: u64, line: Octets, sent_at: SimTime) -> Self {
        if command {
            EventKind::Command {
                conn,
                line,
                sent_at,
            }
        } else {
            EventKind::Reply {
                conn,
                line,
                sent_at,
            }
        }
    }
}

impl TraceEvent {
    /// The hover text of this event: for a command line, what its verb
    /// does; for a reply line, what its code (and enhanced status code)
    /// means; otherwise the event's own explanation. With the RFC section.
    pub fn describe(&self) -> (String, String) {
        let own = || {
            let (explanation, rfc) = self.explained();
            (explanation.into_owned(), rfc.into_owned())
        };
        match &self.kind {
            EventKind::Command { line, .. } => {
                crate::inspect::explain_line('C', &line.to_bytes()).unwrap_or_else(own)
            }
            EventKind::Reply { line, .. } => {
                crate::inspect::explain_line('S', &line.to_bytes()).unwrap_or_else(own)
            }
            _ => own(),
        }
    }
}
