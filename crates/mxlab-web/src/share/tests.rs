//! Share links: round trips, damaged and hostile links, pinned links of
//! earlier versions, and each kind of change made by hand.

use super::*;
use crate::injection::{Injected, Injection};
use mxlab_sim::console::Accepted;

/// What the browser does, with miniz_oxide: the same raw deflate.
fn encode(shared: &Shared) -> String {
    wrap(&miniz_oxide::deflate::compress_to_vec(
        &payload(shared, &shared.scenario.to_json()),
        9,
    ))
}

fn decode(hash: &str) -> Result<Shared, LinkError> {
    let deflated = unwrap(hash)?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&deflated, MAX_INFLATED)
        .map_err(|e| LinkError::Damaged(format!("cannot inflate: {:?}", e.status)))?;
    read(&json)
}

fn sample() -> Shared {
    Shared {
        scenario: mxlab_sim::presets::preset("mx-fallback").unwrap(),
        seed: Some(7),
        t: SimTime::from_millis(1234),
        host: Some("mx2.example.org".into()),
        speed: Some(100.0),
        pace: None,
        injections: vec![Injection::fault(
            SimTime::from_millis(900),
            Fault::Greylisting {
                host: "mx2.example.org".into(),
            },
        )],
    }
}

#[test]
fn a_link_round_trips() {
    let s = sample();
    let hash = encode(&s);
    assert!(hash.starts_with("v1."));
    assert!(hash.len() < MAX_LINK, "{} characters", hash.len());
    assert!(hash
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'));
    assert_eq!(decode(&hash).unwrap(), s);
    assert_eq!(decode(&format!("#{hash}")).unwrap(), s);
}

#[test]
fn every_preset_fits_in_a_link() {
    for (name, _) in mxlab_sim::presets::PRESETS {
        let s = Shared {
            scenario: mxlab_sim::presets::preset(name).unwrap(),
            seed: None,
            t: SimTime::ZERO,
            host: None,
            speed: None,
            pace: None,
            injections: Vec::new(),
        };
        let hash = encode(&s);
        assert!(hash.len() < MAX_LINK, "{name}: {}", hash.len());
        assert_eq!(decode(&hash).unwrap(), s, "{name}");
    }
}

#[test]
fn damaged_links_are_errors_not_panics() {
    let hash = encode(&sample());
    for cut in [4, hash.len() / 3, hash.len() / 2, hash.len() - 3] {
        let e = decode(&hash[..cut]).unwrap_err();
        assert!(matches!(e, LinkError::Damaged(_)), "cut at {cut}: {e}");
    }
    let mut flipped = hash.clone().into_bytes();
    let mid = flipped.len() / 2;
    flipped[mid] = if flipped[mid] == b'A' { b'B' } else { b'A' };
    assert!(decode(std::str::from_utf8(&flipped).unwrap()).is_err());
    assert_eq!(decode("hello"), Err(LinkError::NotALink));
    assert_eq!(decode(""), Err(LinkError::NotALink));
    assert_eq!(decode("v9.AAAA"), Err(LinkError::TooNew(9)));
    assert!(matches!(decode("v1.!!!"), Err(LinkError::Damaged(_))));
    // Valid JSON, invalid scenario: the problem and its path.
    let json = br#"{"v":1,"scenario":{"horizon_secs":1,"nodes":[{"name":"x","role":"router"}]}}"#;
    let hash = format!(
        "v1.{}",
        URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(json, 9))
    );
    match decode(&hash) {
        Err(LinkError::Invalid(m)) => assert!(m.contains("nodes[0].role"), "{m}"),
        other => panic!("{other:?}"),
    }
}

/// A link of the raw payload `json`.
fn link_of(json: &[u8]) -> String {
    wrap(&miniz_oxide::deflate::compress_to_vec(json, 9))
}

#[test]
fn a_link_with_duplicate_keys_is_refused_as_the_editor_refuses_it() {
    let mut text = mxlab_sim::presets::preset("hello-smtp").unwrap().to_json();
    // The same key twice in the scenario: the editor's reading says so.
    text = text.replacen("{", "{\n  \"horizon_secs\": 5,", 1);
    let editor = Scenario::from_json(&text).unwrap_err().to_string();
    assert!(editor.contains("duplicate field"), "{editor}");
    let json = format!("{{\"v\":1,\"scenario\":{text}}}");
    match decode(&link_of(json.as_bytes())) {
        Err(LinkError::Invalid(m)) => {
            assert!(m.contains("duplicate field `horizon_secs`"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    // Twice in the payload itself, too.
    let ok = String::from_utf8(payload(&sample(), &sample().scenario.to_json())).unwrap();
    let twice = ok.replacen("{", "{\"t_us\":5,", 1);
    assert!(matches!(
        decode(&link_of(twice.as_bytes())),
        Err(LinkError::Damaged(_))
    ));
}

#[test]
fn a_link_with_a_huge_lesson_is_refused_with_its_size() {
    let mut s = sample();
    s.scenario.lesson = "Read this. ".repeat(1_400_000);
    let hash = encode(&s);
    assert!(hash.len() < 64 * 1024, "{}", hash.len());
    match decode(&hash) {
        Err(LinkError::Invalid(m)) => assert!(m.contains("lesson is 14.7 MiB"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_link_longer_than_any_link_is_refused_unread() {
    let long = format!("v1.{}", "A".repeat(MAX_HASH));
    assert_eq!(unwrap(&long), Err(LinkError::TooLong(long.len())));
    let e = LinkError::TooLong(long.len()).to_string();
    assert!(e.contains("at most 4194320"), "{e}");
}

/// Prints lines for `tests/share_links.txt` (run with --ignored --nocapture).
#[test]
#[ignore]
fn print_links_to_pin() {
    for name in ["hello-smtp", "mx-fallback"] {
        let s = Shared {
            scenario: mxlab_sim::presets::preset(name).unwrap(),
            seed: None,
            t: SimTime::from_millis(500),
            host: None,
            speed: Some(10.0),
            pace: None,
            injections: Vec::new(),
        };
        println!(
            "{} {} {}",
            s.scenario.nodes.len(),
            s.t.as_micros(),
            encode(&s)
        );
    }
}

/// Links made by earlier versions of MX Lab keep opening.
#[test]
fn pinned_links_keep_opening() {
    let pinned = include_str!("../../tests/share_links.txt");
    let mut n = 0;
    for line in pinned
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        // `<hosts> <t_us> <link>`
        let f: Vec<&str> = line.split(' ').collect();
        let s = decode(f[2]).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(s.scenario.nodes.len().to_string(), f[0], "{line}");
        assert_eq!(s.t.as_micros().to_string(), f[1], "{line}");
        n += 1;
    }
    assert!(n >= 2);
}

/// One change of each kind made by hand.
fn every_kind() -> Vec<Injection> {
    let at = SimTime::from_millis(20_500);
    vec![
        Injection {
            at,
            what: Injected::Fault {
                fault: Fault::HostDown {
                    host: "mx.example.org".into(),
                    mode: mxlab_sim::scenario::DownMode::Refused,
                },
                until: Some(SimTime::from_secs(900)),
            },
        },
        Injection {
            at: SimTime::from_secs(60),
            what: Injected::BringUp {
                host: "mx.example.org".into(),
            },
        },
        Injection {
            at: SimTime::from_secs(61),
            what: Injected::Heal {
                a: "smtp.example.com".into(),
                b: "mx.example.org".into(),
            },
        },
        Injection {
            at: SimTime::from_secs(62),
            what: Injected::Message {
                host: "mx.example.org".into(),
                id: "console-1".into(),
                message: Accepted {
                    helo: "student.example".into(),
                    mail_from: String::new(),
                    rcpts: vec!["bob@example.org".into()],
                    content: "Received: by mx.example.org\r\nSubject: é\r\n\r\nHi\r\n".into(),
                    queue_id: "C000001".into(),
                },
            },
        },
    ]
}

#[test]
fn every_kind_of_change_made_by_hand_round_trips() {
    let s = Shared {
        scenario: mxlab_sim::presets::preset("hello-smtp").unwrap(),
        seed: None,
        t: SimTime::from_secs(70),
        host: None,
        speed: None,
        pace: None,
        injections: every_kind(),
    };
    let hash = encode(&s);
    assert_eq!(decode(&hash).unwrap(), s);
    let json = String::from_utf8(payload(&s, &s.scenario.to_json())).unwrap();
    assert!(json.contains(r#""bring_up":"mx.example.org""#), "{json}");
    assert!(
        json.contains(r#""heal":["smtp.example.com","mx.example.org"]"#),
        "{json}"
    );
}

/// A link of `scenario` (hello-smtp) whose `faults` list is `faults`.
fn link_with(faults: &str) -> String {
    let scenario = mxlab_sim::presets::preset("hello-smtp").unwrap().to_json();
    let json = format!(r#"{{"v":1,"scenario":{scenario},"t_us":5,"faults":{faults}}}"#);
    link_of(json.as_bytes())
}

#[test]
fn a_link_made_when_links_carried_faults_only_reads_as_then() {
    // The payload's shape before bring_up, heal and message existed.
    let hash = link_with(
        r#"[{"at_us":900000,"fault":{"kind":"greylisting","host":"mx.example.org"}},
            {"at_us":5,"until_us":10,"fault":{"kind":"host_down","host":"mx.example.org"}}]"#,
    );
    let s = decode(&hash).unwrap();
    assert_eq!(
        s.injections,
        [
            Injection::fault(
                SimTime::from_millis(900),
                Fault::Greylisting {
                    host: "mx.example.org".into()
                }
            ),
            Injection {
                at: SimTime::from_micros(5),
                what: Injected::Fault {
                    fault: Fault::HostDown {
                        host: "mx.example.org".into(),
                        mode: Default::default()
                    },
                    until: Some(SimTime::from_micros(10)),
                },
            },
        ]
    );
}

#[test]
fn a_malformed_change_made_by_hand_is_refused_with_where_and_why() {
    let injection = |faults: &str| match decode(&link_with(faults)) {
        Err(LinkError::Injection(m)) => m,
        other => panic!("{faults}: {other:?}"),
    };
    let m = injection(r#"[{"at_us":1}]"#);
    assert!(
        m.starts_with("faults[0]: each change names exactly one of"),
        "{m}"
    );
    let m = injection(
        r#"[{"at_us":1,"bring_up":"mx.example.org"},
            {"at_us":2,"bring_up":"mx.example.org","heal":["a","b"]}]"#,
    );
    assert!(
        m.starts_with("faults[1]: each change names exactly one"),
        "{m}"
    );
    let m = injection(r#"[{"at_us":1,"until_us":5,"bring_up":"mx.example.org"}]"#);
    assert_eq!(m, "faults[0]: until_us goes only with a fault");
    let m = injection(r#"[{"at_us":1,"bring_up":"nowhere.example"}]"#);
    assert_eq!(
        m,
        r#"faults[0]: the scenario has no host named "nowhere.example""#
    );
    let m = injection(r#"[{"at_us":1,"heal":["smtp.example.com","mx.example.net"]}]"#);
    assert!(m.contains(r#"no host named "mx.example.net""#), "{m}");
    let e = LinkError::Injection(m).to_string();
    assert!(
        e.starts_with("a change made by hand in the link cannot be made (faults[0]: "),
        "{e}"
    );
    // Not the expected shape at all: damaged.
    for faults in [
        r#"[{"at_us":1,"bring_down":"mx.example.org"}]"#,
        r#"[{"at_us":1,"heal":["smtp.example.com","mx.example.org","x"]}]"#,
        r#"[{"at_us":1,"message":{"host":"mx.example.org"}}]"#,
        r#"[{"at_us":-1,"bring_up":"mx.example.org"}]"#,
        r#"{"at_us":1}"#,
    ] {
        match decode(&link_with(faults)) {
            Err(LinkError::Damaged(m)) => assert!(m.contains("not the expected JSON"), "{m}"),
            other => panic!("{faults}: {other:?}"),
        }
    }
}
