//! The statistics of a run as CSV files (RFC 4180: a header line, comma
//! separated, CRLF line ends, a field quoted when it holds a comma, a
//! quote or a line break): the queues over time ([`queue_csv`]), each
//! delivery's latency ([`latency_csv`]) and the attempts per hop and end
//! to end ([`attempts_csv`]). Times are seconds since the start of the
//! run, exact to the microsecond.
//!
//! A text field that a spreadsheet would take for a formula (it starts
//! with `=`, `+`, `-`, `@`, a tab or a carriage return: a message id of a
//! shared scenario can) is written after a `'`, so that opening the file
//! never runs it.

use std::collections::BTreeMap;

use super::attempts::{Attempts, HopAttempts};
use super::series::{value_at, QueueSeries};
use crate::summary::Delivery;
use crate::time::SimTime;

/// Seconds since the start, exact: `2400.000125`.
fn secs(t: SimTime) -> String {
    let us = t.as_micros();
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

/// A text field, quoted or defused as the module says.
fn text(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// One line of fields.
fn line(out: &mut String, fields: &[String]) {
    out.push_str(&fields.join(","));
    out.push_str("\r\n");
}

/// Recipients queued over time: `time_s,all_hosts,<each host>`, one row
/// at each moment any queue changed (and one at time zero), each column
/// the queue's size from that moment on (a moment that changed a queue
/// and changed it back has its row, equal to the one before).
pub fn queue_csv(series: &QueueSeries) -> String {
    let mut out = String::new();
    let mut header = vec!["time_s".to_string(), "all_hosts".to_string()];
    header.extend(series.hosts.iter().map(|h| text(h)));
    line(&mut out, &header);
    for &t in &series.times {
        let mut row = vec![secs(t), value_at(&series.total, t).to_string()];
        row.extend(series.by_host.iter().map(|s| value_at(s, t).to_string()));
        line(&mut out, &row);
    }
    out
}

/// Each delivery to a mailbox:
/// `message,mailbox,host,submitted_s,delivered_s,latency_s`.
pub fn latency_csv(deliveries: &[Delivery]) -> String {
    let mut out = String::new();
    line(
        &mut out,
        &[
            "message",
            "mailbox",
            "host",
            "submitted_s",
            "delivered_s",
            "latency_s",
        ]
        .map(String::from),
    );
    for d in deliveries {
        let latency = SimTime::from_micros(
            d.delivered
                .as_micros()
                .saturating_sub(d.submitted.as_micros()),
        );
        line(
            &mut out,
            &[
                text(&d.message),
                text(&d.mailbox),
                text(&d.host),
                secs(d.submitted),
                secs(d.delivered),
                secs(latency),
            ],
        );
    }
    out
}

/// The attempts, one row per hop that tried to hand a message on, with
/// its message's end-to-end figures:
/// `message,dsn,hop,host,arrived_s,hop_attempts,hop_connections,message_hops,message_connections,message_delivered`.
/// A message no hop tried to hand on (delivered where it was submitted,
/// or refused on arrival) has one row with the hop's fields empty.
pub fn attempts_csv(attempts: &Attempts) -> String {
    let mut out = String::new();
    line(
        &mut out,
        &[
            "message",
            "dsn",
            "hop",
            "host",
            "arrived_s",
            "hop_attempts",
            "hop_connections",
            "message_hops",
            "message_connections",
            "message_delivered",
        ]
        .map(String::from),
    );
    let mut by_message: BTreeMap<&str, Vec<&HopAttempts>> = BTreeMap::new();
    for h in &attempts.hops {
        by_message.entry(h.message.as_str()).or_default().push(h);
    }
    for m in &attempts.messages {
        let message = [text(&m.message), m.dsn.to_string()];
        let tail = [
            m.hops.to_string(),
            m.connections.to_string(),
            m.delivered.to_string(),
        ];
        let hops = by_message
            .get(m.message.as_str())
            .map_or(&[][..], Vec::as_slice);
        for (n, h) in hops.iter().enumerate() {
            let hop = [
                (n + 1).to_string(),
                text(&h.host),
                secs(h.arrived),
                h.attempts.to_string(),
                h.connections.to_string(),
            ];
            line(&mut out, &[&message[..], &hop, &tail].concat());
        }
        if hops.is_empty() {
            let hop: [String; 5] = Default::default();
            line(&mut out, &[&message[..], &hop, &tail].concat());
        }
    }
    out
}
