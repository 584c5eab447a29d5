//! Sessions on the clock: every SMTP conversation is played line by line,
//! so a fault applied at any instant strikes what is in flight.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use common::*;
use mxlab_sim::scenario::{DownMode, Fault, FaultSpec};
use mxlab_sim::trace::EventKind;
use mxlab_sim::{AbortCause, Scenario, Sim, SimTime, Trace};

const MSA: &str = "smtp.example.com";
const MX: &str = "mx.example.org";

/// The connection from the MSA to the MX in the first run of Hello SMTP.
const RELAY_CONN: u64 = 2;

/// When the line of connection `conn` that starts with `prefix` arrived.
fn arrival(trace: &Trace, conn: u64, prefix: &str) -> SimTime {
    trace
        .iter()
        .find(|e| match &e.kind {
            EventKind::Command { conn: c, line, .. } | EventKind::Reply { conn: c, line, .. } => {
                *c == conn && line.to_bytes().starts_with(prefix.as_bytes())
            }
            _ => false,
        })
        .unwrap_or_else(|| panic!("no {prefix:?} on conn {conn}"))
        .at
}

/// Hello SMTP with `fault` from `at` to `until`.
fn hello_with(fault: Fault, at: SimTime, until: SimTime) -> Sim {
    let mut scenario = preset("hello-smtp");
    scenario.horizon_secs = 86_400;
    let seed = scenario.seed;
    let mut sim = Sim::new(scenario, seed);
    sim.inject(fault, at, Some(until)).unwrap();
    sim.run_to_quiescence();
    check_invariants(&sim);
    sim
}

fn plain_hello() -> Sim {
    run(preset("hello-smtp"))
}

fn bob(sim: &Sim) -> Vec<String> {
    sim.host(MX).unwrap().mailboxes["bob@example.org"].clone()
}

fn aborts(trace: &Trace) -> Vec<(u64, AbortCause, String)> {
    trace
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Abort {
                conn,
                cause,
                detail,
            } => Some((conn, cause, detail.to_string())),
            _ => None,
        })
        .collect()
}

fn defers(trace: &Trace) -> Vec<(SimTime, String)> {
    trace
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Defer { diagnostic, .. } => Some((
                e.at,
                format!(
                    "{} {} {}",
                    diagnostic.code, diagnostic.enhanced, diagnostic.text
                ),
            )),
            _ => None,
        })
        .collect()
}

fn delivered_at(trace: &Trace, mailbox: &str) -> Vec<SimTime> {
    trace
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::Deliver { to, .. } if to == mailbox))
        .map(|e| e.at)
        .collect()
}

#[test]
fn a_host_taken_down_mid_data_cuts_the_session_and_the_message_is_delivered_later() {
    let plain = plain_hello();
    // The MX has just answered DATA with 354 when it goes down.
    let data = arrival(plain.trace(), RELAY_CONN, "DATA");
    let down = data.plus_micros(10_000);
    let up = down.plus_secs(600);
    let sim = hello_with(
        Fault::HostDown {
            host: MX.into(),
            mode: DownMode::Refused,
        },
        down,
        up,
    );
    let t = sim.trace().transcript(RELAY_CONN);
    // The session ends with the reset: no message content, no 250, no 221.
    let [.., last_reply, cut] = t.as_slice() else {
        panic!("{t:#?}")
    };
    assert!(last_reply.starts_with("S: 354"), "{t:#?}");
    // The client had sent the content on the 354 and waits for the reply
    // to the final dot: from where it stands, the message may have been
    // delivered (it was not: the MX never read the dot).
    assert!(
        cut.starts_with(
            "-- connection reset (mx.example.org went down after the client sent the final dot"
        ),
        "{cut}"
    );
    assert!(!t.iter().any(|l| l.starts_with("S: 250 2.0.0")), "{t:#?}");
    let aborted = aborts(sim.trace());
    assert_eq!(aborted.len(), 1, "{aborted:?}");
    assert_eq!(
        (aborted[0].0, aborted[0].1),
        (RELAY_CONN, AbortCause::Reset)
    );
    // The MSA deferred with the connection lost, and delivered once the MX
    // was back, exactly once.
    let deferred = defers(sim.trace());
    assert!(deferred[0].1.starts_with("421 4.4.2"), "{deferred:?}");
    assert_eq!(deferred[0].0, down.plus_micros(20_000), "{deferred:?}");
    let delivered = delivered_at(sim.trace(), "bob@example.org");
    assert_eq!(delivered.len(), 1);
    assert!(delivered[0] > up, "{delivered:?} vs {up}");
    assert_eq!(bob(&sim), ["m1"]);
}

#[test]
fn a_partition_mid_session_ends_in_the_client_timeout_for_the_final_dot() {
    let plain = plain_hello();
    // The client sends the content as the 354 arrives; the link is cut
    // while it travels.
    let sent = arrival(plain.trace(), RELAY_CONN, "354");
    let cut = sent.plus_micros(10_000);
    let sim = hello_with(
        Fault::LinkPartition {
            a: MSA.into(),
            b: MX.into(),
        },
        cut,
        cut.plus_secs(3_600),
    );
    let aborted = aborts(sim.trace());
    assert_eq!(aborted.len(), 1, "{aborted:?}");
    let (conn, cause, detail) = &aborted[0];
    assert_eq!((*conn, *cause), (RELAY_CONN, AbortCause::Timeout));
    // RFC 5321 §4.5.3.2.6 and Postfix's smtp_data_done_timeout: 600 s.
    assert!(
        detail.starts_with("no reply to the final dot within 600 s"),
        "{detail}"
    );
    let abort_at = sim
        .trace()
        .iter()
        .find(|e| matches!(e.kind, EventKind::Abort { .. }))
        .unwrap()
        .at;
    assert_eq!(abort_at, sent.plus_secs(600));
    // The server never saw the end of the data: no duplicate when the
    // retry after the partition delivers the message.
    assert_eq!(bob(&sim), ["m1"]);
    assert!(delivered_at(sim.trace(), "bob@example.org")[0] > cut.plus_secs(3_600));
}

#[test]
fn a_partition_before_the_greeting_ends_in_the_greeting_timeout() {
    let plain = plain_hello();
    let connected = plain
        .trace()
        .iter()
        .find(|e| matches!(e.kind, EventKind::Connect { conn, .. } if conn == RELAY_CONN))
        .unwrap()
        .at;
    let sim = hello_with(
        Fault::LinkPartition {
            a: MSA.into(),
            b: MX.into(),
        },
        connected,
        connected.plus_secs(1_000),
    );
    let aborted = aborts(sim.trace());
    assert_eq!(
        aborted,
        [(
            RELAY_CONN,
            AbortCause::Timeout,
            "no greeting within 300 s".into()
        )]
    );
    assert_eq!(bob(&sim), ["m1"]);
}

#[test]
fn a_reply_lost_after_the_final_dot_gives_exactly_one_rfc1047_duplicate() {
    let plain = plain_hello();
    // The dot arrives and the MX stores the message and answers 250; the
    // link is cut while the 250 travels back.
    let dot = arrival(plain.trace(), RELAY_CONN, ".\r\n");
    let cut = dot.plus_micros(10_000);
    let sim = hello_with(
        Fault::LinkPartition {
            a: MSA.into(),
            b: MX.into(),
        },
        cut,
        cut.plus_secs(1_200),
    );
    let (_, cause, detail) = aborts(sim.trace()).remove(0);
    assert_eq!(cause, AbortCause::Timeout);
    assert!(detail.contains("RFC 1047"), "{detail}");
    assert_eq!(bob(&sim), ["m1", "m1"]);
    let duplicates: Vec<bool> = sim
        .trace()
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Deliver { to, duplicate } if to == "bob@example.org" => Some(duplicate),
            _ => None,
        })
        .collect();
    assert_eq!(duplicates, [false, true]);
}

#[test]
fn a_host_taken_down_before_the_dns_lookup_defers_the_message() {
    let plain = plain_hello();
    // The moment the MSA takes the message into its queue, before it asks
    // the resolver for example.org's MX.
    let queued = plain
        .trace()
        .iter()
        .find(|e| {
            matches!(e.kind, EventKind::Enqueue { .. })
                && e.hosts.first().map(|h| h.as_str()) == Some(MSA)
        })
        .unwrap()
        .at;
    let up = queued.plus_secs(600);
    let sim = hello_with(
        Fault::HostDown {
            host: MX.into(),
            mode: DownMode::Refused,
        },
        queued,
        up,
    );
    let refused = sim.trace().iter().find(|e| {
        matches!(
            e.kind,
            EventKind::ConnectFailed {
                reason: mxlab_sim::trace::ConnectFailure::Refused
            }
        )
    });
    assert!(refused.is_some());
    let deferred = defers(sim.trace());
    assert!(deferred[0].1.contains("connection refused"), "{deferred:?}");
    let delivered = delivered_at(sim.trace(), "bob@example.org");
    assert_eq!(delivered.len(), 1);
    assert!(delivered[0] > up);
}

#[test]
fn a_tarpit_slower_than_the_client_timeout_trips_it() {
    let mut scenario = preset("hello-smtp");
    scenario.horizon_secs = 86_400;
    scenario.faults.push(FaultSpec {
        at_secs: 0,
        until_secs: Some(3_000),
        probability: None,
        fault: Fault::Tarpit {
            host: MX.into(),
            delay_ms: 301_000,
        },
    });
    let sim = run(scenario);
    let aborted = aborts(sim.trace());
    assert!(
        aborted
            .iter()
            .all(|(_, c, d)| *c == AbortCause::Timeout && d == "no greeting within 300 s"),
        "{aborted:?}"
    );
    assert!(!aborted.is_empty());
    assert_eq!(bob(&sim), ["m1"]);
}

/// Hello SMTP with `n` messages submitted at once.
fn burst(n: usize) -> Scenario {
    let mut s = mxlab_sim::presets::burst(preset("hello-smtp"), n);
    s.horizon_secs = 86_400;
    s
}

/// The most connections open at once from `client` to `server`.
fn most_open(trace: &Trace, client: &str, server: &str) -> usize {
    let mut open = BTreeMap::new();
    let mut most = 0;
    for e in trace {
        let between = e.hosts.first().map(|h| h.as_str()) == Some(client)
            && e.hosts.get(1).map(|h| h.as_str()) == Some(server);
        match e.kind {
            EventKind::Connect { conn, .. } if between => {
                open.insert(conn, ());
                most = most.max(open.len());
            }
            EventKind::Close { conn } | EventKind::Abort { conn, .. } => {
                open.remove(&conn);
            }
            _ => {}
        }
    }
    most
}

#[test]
fn concurrency_never_exceeds_the_profiles_limit() {
    let sim = run(burst(200));
    // Postfix's default_destination_concurrency_limit, and it is reached.
    assert_eq!(most_open(sim.trace(), MSA, MX), 20);
    assert_eq!(bob(&sim).len(), 200);
    // OpenSMTPD's limit is 5 connections per route.
    let mut s = burst(200);
    s.nodes[1].policy.timing = "opensmtpd".into();
    let sim = run(s);
    assert_eq!(most_open(sim.trace(), MSA, MX), 5);
    assert_eq!(bob(&sim).len(), 200);
}

#[test]
fn a_silent_host_lets_the_connection_time_out_and_keeps_nothing() {
    let plain = plain_hello();
    let data = arrival(plain.trace(), RELAY_CONN, "DATA");
    let sim = hello_with(
        Fault::HostDown {
            host: MX.into(),
            mode: DownMode::Silent,
        },
        data.plus_micros(30_000),
        data.plus_secs(1_000),
    );
    let aborted = aborts(sim.trace());
    assert_eq!(aborted.len(), 1, "{aborted:?}");
    assert!(
        aborted[0].2.starts_with("no reply to the final dot"),
        "{aborted:?}"
    );
    assert_eq!(bob(&sim), ["m1"]);
}

#[test]
fn a_long_message_takes_its_transmission_time_on_the_wire() {
    // 8 MB of 80-octet lines: at the links' 100 Mbit/s, about 0.67 s.
    let mut scenario = preset("hello-smtp");
    let line = format!("{}\r\n", "x".repeat(78));
    scenario.messages[0].body = line.repeat(100_000);
    let sim = run(scenario);
    let go = arrival(sim.trace(), RELAY_CONN, "354");
    let dot = arrival(sim.trace(), RELAY_CONN, ".\r\n");
    let on_the_wire = dot.saturating_duration_since(go).as_secs_f64();
    assert!((0.65..0.75).contains(&on_the_wire), "{on_the_wire} s");
    // The lines arrive in segments over that time, not all at once.
    let arrivals: std::collections::BTreeSet<SimTime> = sim
        .trace()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Command { conn, .. } if conn == RELAY_CONN))
        .map(|e| e.at)
        .collect();
    assert!(arrivals.len() > 100, "{} arrival times", arrivals.len());
    assert_eq!(bob(&sim), ["m1"]);
}
