//! Property test: random presets, seeds and fault schedules always satisfy
//! the invariants (delivered or bounced at most once, nothing lost, no
//! bounce of a bounce, trace in order) and replay to the same hash.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use common::*;
use mxlab_sim::scenario::{DnsStatus, DownMode, Fault, FaultSpec, FaultStage};
use mxlab_sim::{Sim, SimTime};
use proptest::prelude::*;

const PRESETS: [&str; 9] = [
    "hello-smtp",
    "submission-ports",
    "mx-fallback",
    "retry-until-mx-returns",
    "greylisting",
    "null-mx",
    "unknown-user-bounce",
    "mail-loop",
    "rfc1047-duplicate",
];

fn fault_strategy() -> impl Strategy<Value = (u8, usize, u64, u64, u16, f64)> {
    (
        0u8..9,
        0usize..8,
        0u64..20_000,
        1u64..200_000,
        0u16..7,
        0.0f64..=1.0,
    )
}

fn build_fault(
    names: &[String],
    (kind, host, at, len, code, p): (u8, usize, u64, u64, u16, f64),
) -> FaultSpec {
    let h = names[host % names.len()].clone();
    let other = names[(host + 1) % names.len()].clone();
    let codes = mxlab_sim::scenario::FORCEABLE_CODES;
    let fault = match kind {
        0 => Fault::HostDown {
            host: h,
            mode: if code % 2 == 0 {
                DownMode::Refused
            } else {
                DownMode::Silent
            },
        },
        1 => Fault::ForcedReply {
            host: h,
            stage: [
                FaultStage::Connect,
                FaultStage::Mail,
                FaultStage::Rcpt,
                FaultStage::Data,
            ][usize::from(code) % 4],
            code: codes[usize::from(code) % 7],
            probability: p,
        },
        2 => Fault::LinkPartition { a: h, b: other },
        3 => Fault::LinkLoss {
            a: h,
            b: other,
            loss: p,
        },
        4 => Fault::DnsFailure {
            domain: None,
            status: if code % 2 == 0 {
                DnsStatus::Servfail
            } else {
                DnsStatus::Timeout
            },
        },
        5 => Fault::DiskFull { host: h },
        7 => Fault::OutboundPortBlocked {
            host: h,
            port: [25, 587, 465][usize::from(code) % 3],
            mode: if code % 2 == 0 {
                DownMode::Refused
            } else {
                DownMode::Silent
            },
        },
        8 => Fault::TlsFailure { host: h },
        _ => Fault::HostCrash {
            host: h,
            stage: FaultStage::ALL[usize::from(code) % FaultStage::ALL.len()],
        },
    };
    FaultSpec {
        at_secs: at,
        until_secs: Some(at + len),
        probability: if code == 6 { Some(p) } else { None },
        fault,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_under_random_faults(
        preset_index in 0usize..PRESETS.len(),
        seed in any::<u64>(),
        faults in proptest::collection::vec(fault_strategy(), 0..5),
        // Faults at any microsecond of the first minute, inside sessions.
        live in proptest::collection::vec((fault_strategy(), 0u64..60_000_000, 1u64..3_600_000_000), 0..4),
        horizon_days in 1u64..7,
    ) {
        let mut s = preset(PRESETS[preset_index]);
        s.horizon_secs = horizon_days * 86_400;
        let names: Vec<String> = s.nodes.iter().map(|n| n.name.clone()).collect();
        for f in faults {
            s.faults.push(build_fault(&names, f));
        }
        prop_assert!(s.validate().is_empty(), "{:?}", s.validate());
        let live: Vec<(FaultSpec, SimTime, SimTime)> = live
            .into_iter()
            .map(|(f, at, len)| {
                let spec = build_fault(&names, f);
                let at = SimTime::from_micros(at);
                (spec, at, at.plus_micros(len))
            })
            .collect();
        let start = |s: &mxlab_sim::Scenario| {
            let mut sim = Sim::new(s.clone(), seed);
            for (spec, at, until) in &live {
                sim.inject(spec.fault.clone(), *at, Some(*until)).unwrap();
            }
            sim.run_to_quiescence();
            sim
        };
        let sim = start(&s);
        check_invariants(&sim);
        check_conservation(&sim);
        let again = start(&s);
        prop_assert_eq!(sim.trace().hash(), again.trace().hash(), "seed {}", seed);
    }
}
