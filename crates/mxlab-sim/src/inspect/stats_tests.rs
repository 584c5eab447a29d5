//! The statistics read from traces: queues per host and in total, fault
//! windows, attempts per hop and end to end, deliveries and their CSV.

use super::csv::{attempts_csv, latency_csv, queue_csv};
use super::*;
use crate::presets;
use crate::scenario::{DownMode, Fault};
use crate::summary::deliveries;
use crate::trace::{EventKind, Subject};
use crate::{Sim, SimTime, Trace};

fn run(name: &str) -> Sim {
    let s = presets::preset(name).unwrap();
    let seed = s.seed;
    let mut sim = Sim::new(s, seed);
    sim.run_to_quiescence();
    sim
}

fn at(host: &str, message: &str, recipient: Option<&str>) -> Subject {
    Subject {
        hosts: [host.into()].into_iter().collect(),
        message: Some(message.into()),
        recipient: recipient.map(Into::into),
    }
}

fn enqueue(trace: &mut Trace, t: u64, host: &str, message: &str, rcpts: &[&str]) {
    trace.record(
        SimTime::from_secs(t),
        at(host, message, None),
        EventKind::Enqueue {
            queue_id: "1".into(),
            recipients: rcpts.iter().map(|r| (*r).into()).collect(),
        },
    );
}

fn deliver(trace: &mut Trace, t: u64, host: &str, message: &str, rcpt: &str, to: &str) {
    trace.record(
        SimTime::from_secs(t),
        at(host, message, Some(rcpt)),
        EventKind::Deliver {
            to: to.into(),
            duplicate: false,
        },
    );
}

fn attempt(trace: &mut Trace, t: u64, host: &str, message: &str, number: u32) {
    trace.record(
        SimTime::from_secs(t),
        at(host, message, None),
        EventKind::Attempt {
            target: "next.example".into(),
            port: 25,
            attempt: number,
            recipients: Vec::new(),
        },
    );
}

fn s(secs: u64) -> SimTime {
    SimTime::from_secs(secs)
}

#[test]
fn queues_are_counted_per_host_and_together_one_point_per_moment() {
    let mut t = Trace::new();
    enqueue(&mut t, 0, "a", "m1", &["x@d", "y@d"]);
    // At 5 s, a hands one recipient on to b: a's queue shrinks as b's
    // grows, so the total does not change at that moment.
    enqueue(&mut t, 5, "b", "m1", &["x@d"]);
    deliver(&mut t, 5, "a", "m1", "x@d", "b");
    deliver(&mut t, 9, "b", "m1", "x@d", "x@d");
    deliver(&mut t, 12, "a", "m1", "y@d", "y@d");
    let q = QueueSeries::read(&t);
    assert_eq!(q.hosts, ["a", "b"]);
    assert_eq!(q.of(Some("a")), [(s(0), 2), (s(5), 1), (s(12), 0)]);
    assert_eq!(q.of(Some("b")), [(s(0), 0), (s(5), 1), (s(9), 0)]);
    assert_eq!(q.of(None), [(s(0), 2), (s(9), 1), (s(12), 0)]);
    assert_eq!(q.of(Some("nowhere")), []);
    assert_eq!(peak(q.of(None)), Some((s(0), 2)));
    assert_eq!(q.largest(s(20)), Some(("a", s(0), 2)));
    assert_eq!(value_at(q.of(None), s(8)), 2);
    assert_eq!(value_at(q.of(None), s(9)), 1);
    assert_eq!(value_at(q.of(Some("b")), s(4)), 0);
    assert_eq!(QueueSeries::read(&Trace::new()).largest(s(20)), None);
    assert_eq!(peak(&[(s(0), 0)]), None);
}

#[test]
fn the_largest_queue_is_one_host_s_not_the_sum() {
    let mut t = Trace::new();
    enqueue(&mut t, 0, "a", "m1", &["x@d"]);
    enqueue(&mut t, 1, "b", "m2", &["x@d"]);
    let q = QueueSeries::read(&t);
    assert_eq!(peak(q.of(None)), Some((s(1), 2)));
    assert_eq!(q.largest(s(9)), Some(("a", s(0), 1)));
    // As large, but held longer: b's.
    deliver(&mut t, 2, "a", "m1", "x@d", "x@d");
    let q = QueueSeries::read(&t);
    assert_eq!(q.largest(s(9)), Some(("b", s(1), 1)));
}

#[test]
fn the_sender_s_queue_holds_the_message_until_the_mx_returns() {
    let sim = run("retry-until-mx-returns");
    let q = QueueSeries::read(sim.trace());
    let smtp = q.of(Some("smtp.example.com"));
    // Queued at once, delivered to the MX on the try after it returns at
    // 2400 s.
    assert_eq!(value_at(smtp, s(1)), 1);
    assert_eq!(value_at(smtp, s(2399)), 1);
    let (left, _) = *smtp.last().unwrap();
    assert!(left >= s(2400) && left < s(2460), "{smtp:?}");
    assert_eq!(smtp.last().unwrap().1, 0);
    assert_eq!(q.of(None).last().unwrap().1, 0);
    assert!(q.hosts.contains(&"mx.example.org".to_string()));
    // Alice's laptop held it a moment, the submission server 40 minutes.
    assert_eq!(
        q.largest(sim.trace().end().unwrap()).map(|l| (l.0, l.2)),
        Some(("smtp.example.com", 1))
    );
    for series in q.by_host.iter().chain([&q.total]) {
        assert!(series
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].1 != w[1].1));
    }
}

#[test]
fn a_scheduled_fault_is_a_window_from_its_start_to_its_end() {
    let sim = run("retry-until-mx-returns");
    let w = fault_windows(sim.trace());
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].from, SimTime::ZERO);
    assert_eq!(w[0].until, Some(s(2400)));
    assert_eq!(w[0].hosts, ["mx.example.org"]);
    assert_eq!(w[0].fault.label(), "mx.example.org down");
}

#[test]
fn an_injected_fault_is_a_window_and_one_never_ended_lasts_to_the_end() {
    let s0 = presets::preset("hello-smtp").unwrap();
    let mut sim = Sim::new(s0, 1);
    let down = Fault::HostDown {
        host: "mx.example.org".into(),
        mode: DownMode::Refused,
    };
    sim.inject(down.clone(), s(100), Some(s(700))).unwrap();
    sim.inject(
        Fault::Greylisting {
            host: "mx.example.org".into(),
        },
        s(50),
        None,
    )
    .unwrap();
    sim.run_to_quiescence();
    let w = fault_windows(sim.trace());
    assert_eq!(w.len(), 2, "{w:?}");
    assert_eq!((w[0].from, w[0].until), (s(50), None));
    assert_eq!((w[1].from, w[1].until), (s(100), Some(s(700))));
    assert_eq!(w[1].fault, down);
}

#[test]
fn equal_faults_end_in_the_order_they_started() {
    let mut t = Trace::new();
    let f = || Box::new(Fault::DiskFull { host: "a".into() });
    let on = |t: &mut Trace, secs| {
        t.record(
            s(secs),
            Subject::default(),
            EventKind::FaultOn { fault: f() },
        )
    };
    on(&mut t, 1);
    on(&mut t, 2);
    t.record(s(3), Subject::default(), EventKind::FaultOff { fault: f() });
    let w = fault_windows(&t);
    assert_eq!(
        w.iter().map(|w| (w.from, w.until)).collect::<Vec<_>>(),
        [(s(1), Some(s(3))), (s(2), None)]
    );
}

#[test]
fn a_first_try_delivery_is_one_attempt_per_hop() {
    let sim = run("hello-smtp");
    let a = Attempts::read(sim.trace());
    // Alice's laptop → the submission server → the MX, which delivers to
    // its own mailbox (no connection, no hop counted).
    let hosts: Vec<_> = a
        .hops
        .iter()
        .map(|h| (h.host.as_str(), h.attempts, h.connections))
        .collect();
    assert_eq!(
        hosts,
        [
            ("alice-laptop.example.com", 1, 1),
            ("smtp.example.com", 1, 1)
        ]
    );
    assert_eq!(a.per_hop(), [(1, 2)].into());
    assert_eq!(a.end_to_end(), [(2, 1)].into());
    assert_eq!(a.messages.len(), 1);
    assert!(a.messages[0].delivered && !a.messages[0].dsn);
    assert_eq!((a.messages[0].hops, a.messages[0].attempts), (2, 2));
}

/// The hop of `a` from `host`.
fn hop<'a>(a: &'a Attempts, host: &str) -> &'a HopAttempts {
    a.hops.iter().find(|h| h.host == host).unwrap()
}

#[test]
fn retries_count_on_their_hop() {
    let sim = run("retry-until-mx-returns");
    let a = Attempts::read(sim.trace());
    let smtp = hop(&a, "smtp.example.com");
    // Tries at 0, 600, 1200 and 2400 s (the lesson's).
    assert_eq!((smtp.attempts, smtp.connections), (4, 4));
    assert_eq!(a.per_hop(), [(1, 1), (4, 1)].into());
    assert_eq!(a.end_to_end(), [(5, 1)].into());
    assert_eq!(sim.summary().attempts, 5);
}

#[test]
fn the_next_mx_is_another_connection_of_the_same_try() {
    let sim = run("mx-fallback");
    let a = Attempts::read(sim.trace());
    let smtp = hop(&a, "smtp.example.com");
    assert_eq!((smtp.attempts, smtp.connections), (1, 2), "{a:?}");
    let m = &a.messages[0];
    assert_eq!(
        m.connections,
        a.hops.iter().map(|h| h.connections).sum::<u32>()
    );
    assert!(m.delivered);
}

#[test]
fn a_bounced_message_counts_per_hop_but_not_end_to_end_and_its_dsn_aside() {
    let sim = run("unknown-user-bounce");
    let a = Attempts::read(sim.trace());
    // The DSN reaches Alice's mailbox, and is counted in neither plot.
    let dsn = a.messages.iter().find(|m| m.dsn).unwrap();
    assert!(dsn.delivered, "{a:?}");
    let originals: usize = a.per_hop().values().sum();
    assert_eq!(originals, a.hops.iter().filter(|h| !h.dsn).count());
    assert!(a.end_to_end().is_empty(), "{:?}", a.end_to_end());
}

#[test]
fn a_message_re_entering_a_queue_is_a_new_hop() {
    let mut t = Trace::new();
    enqueue(&mut t, 0, "a", "m1", &["x@d"]);
    attempt(&mut t, 0, "a", "m1", 1);
    attempt(&mut t, 300, "a", "m1", 2);
    deliver(&mut t, 300, "a", "m1", "x@d", "b");
    enqueue(&mut t, 300, "b", "m1", &["x@d"]);
    attempt(&mut t, 300, "b", "m1", 1);
    deliver(&mut t, 301, "b", "m1", "x@d", "a");
    enqueue(&mut t, 301, "a", "m1", &["x@d"]);
    attempt(&mut t, 301, "a", "m1", 1);
    let a = Attempts::read(&t);
    let hops: Vec<_> = a
        .hops
        .iter()
        .map(|h| (h.host.as_str(), h.attempts))
        .collect();
    assert_eq!(hops, [("a", 2), ("b", 1), ("a", 1)]);
    assert_eq!(a.per_hop(), [(1, 2), (2, 1)].into());
    assert!(a.end_to_end().is_empty(), "never reached a mailbox");
}

#[test]
fn each_delivery_s_latency_is_one_of_the_summary_s() {
    for (name, _) in presets::PRESETS {
        let sim = run(name);
        let d = deliveries(sim.scenario(), sim.trace());
        let mut mine: Vec<f64> = d.iter().map(|d| d.latency_secs).collect();
        mine.sort_by(f64::total_cmp);
        assert_eq!(mine, sim.summary().latencies_secs, "{name}");
        assert!(d
            .iter()
            .all(|d| d.delivered >= d.submitted && d.mailbox.contains('@')));
    }
}

#[test]
fn the_csv_files_have_a_header_and_a_row_per_fact() {
    let sim = run("retry-until-mx-returns");
    let trace = sim.trace();
    let q = QueueSeries::read(trace);
    let csv = queue_csv(&q);
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(lines[0], format!("time_s,all_hosts,{}", q.hosts.join(",")));
    assert!(lines[1].starts_with("0.000000,"), "{csv}");
    assert!(lines
        .iter()
        .skip(1)
        .all(|l| l.split(',').count() == q.hosts.len() + 2));
    assert!(
        lines.last().unwrap().split(',').skip(1).all(|n| n == "0"),
        "{csv}"
    );
    let smtp = 2 + q
        .hosts
        .iter()
        .position(|h| h == "smtp.example.com")
        .unwrap();
    let held: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(smtp).unwrap())
        .collect();
    assert!(held.contains(&"1"));

    let csv = latency_csv(&deliveries(sim.scenario(), trace));
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(
        lines[0],
        "message,mailbox,host,submitted_s,delivered_s,latency_s"
    );
    assert_eq!(lines.len(), 2);
    let f: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(
        &f[..4],
        ["m1", "bob@example.org", "mx.example.org", "0.000000"]
    );
    assert_eq!(
        f[4], f[5],
        "submitted at zero: the latency is the delivery time"
    );
    assert!(f[5].parse::<f64>().unwrap() >= 2400.0);

    let csv = attempts_csv(&Attempts::read(trace));
    assert_eq!(
        csv,
        format!(
            "message,dsn,hop,host,arrived_s,hop_attempts,hop_connections,message_hops,message_connections,message_delivered\r\n\
             m1,false,1,alice-laptop.example.com,0.000000,1,1,2,5,true\r\n\
             m1,false,2,smtp.example.com,{},4,4,2,5,true\r\n",
            csv.split("\r\n").nth(2).unwrap().split(',').nth(4).unwrap()
        )
    );
}

#[test]
fn a_csv_field_is_quoted_and_never_a_formula() {
    let mut t = Trace::new();
    enqueue(&mut t, 0, "a", "=HYPERLINK(\"x\"),1", &["x@d"]);
    attempt(&mut t, 0, "a", "=HYPERLINK(\"x\"),1", 1);
    let csv = attempts_csv(&Attempts::read(&t));
    let row = csv.split("\r\n").nth(1).unwrap();
    assert!(
        row.starts_with("\"'=HYPERLINK(\"\"x\"\"),1\",false,1,a,"),
        "{row}"
    );
    let q = queue_csv(&QueueSeries::read(&t));
    assert_eq!(q, "time_s,all_hosts,a\r\n0.000000,1,1\r\n");
}
