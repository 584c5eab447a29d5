use super::*;
use crate::presets;
use crate::Sim;

fn trace_of(name: &str) -> Trace {
    let s = presets::preset(name).unwrap();
    let seed = s.seed;
    let mut sim = Sim::new(s, seed);
    sim.run_to_quiescence();
    sim.take_trace()
}

/// The SMTP lines (commands and replies) of connection `conn`.
fn lines_of(trace: &Trace, conn: u64) -> usize {
    trace
        .iter()
        .filter(|e| {
            matches!(&e.kind,
                EventKind::Command { conn: c, .. } | EventKind::Reply { conn: c, .. } if *c == conn)
        })
        .count()
}

/// The connections whose events name message `id`.
fn conns_of(trace: &Trace, id: &str) -> BTreeSet<u64> {
    trace
        .iter()
        .filter(|e| e.message.as_deref() == Some(id))
        .filter_map(|e| match e.kind {
            EventKind::Connect { conn, .. } => Some(conn),
            _ => None,
        })
        .collect()
}

fn hosts(l: &Ladder) -> Vec<&str> {
    l.columns.iter().map(|c| c.host.as_str()).collect()
}

/// Whether `xml` is one balanced element tree with quoted attributes and
/// only escaped `<` and `&` in text; the first problem otherwise.
fn well_formed(xml: &str) -> Result<(), String> {
    let mut open: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = xml;
    while let Some(lt) = rest.find('<') {
        check_text(&rest[..lt])?;
        let after = &rest[lt..];
        let end = if after.starts_with("<!--") {
            after.find("-->").map(|i| i + 3)
        } else {
            after.find('>').map(|i| i + 1)
        }
        .ok_or("unclosed tag")?;
        let tag = &after[..end];
        rest = &after[end..];
        if tag.starts_with("<?") || tag.starts_with("<!") {
            continue;
        }
        if tag.matches('"').count() % 2 != 0 {
            return Err(format!("unbalanced quotes in {tag}"));
        }
        let name: String = tag
            .trim_start_matches(['<', '/'])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if tag.starts_with("</") {
            if open.pop().as_deref() != Some(name.as_str()) {
                return Err(format!("{tag} closes nothing open"));
            }
        } else if !tag.ends_with("/>") {
            if open.is_empty() {
                roots += 1;
            }
            open.push(name);
        } else if open.is_empty() {
            roots += 1;
        }
    }
    check_text(rest)?;
    match (open.is_empty(), roots) {
        (true, 1) => Ok(()),
        _ => Err(format!("{roots} roots, still open: {open:?}")),
    }
}

fn check_text(text: &str) -> Result<(), String> {
    for (i, _) in text.match_indices('&') {
        let entity = &text[i..];
        if !["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
            .iter()
            .any(|e| entity.starts_with(e))
        {
            return Err(format!("unescaped & in {text:?}"));
        }
    }
    if text.contains('>') {
        return Err(format!("unescaped > in {text:?}"));
    }
    Ok(())
}

#[test]
fn a_session_has_a_column_per_host_and_an_arrow_per_line() {
    let trace = trace_of("hello-smtp");
    let c = trace.connections().into_iter().next().unwrap();
    let l = Ladder::session(&trace, c.conn).unwrap();
    assert_eq!(hosts(&l), [c.client.as_str(), c.server.as_str()]);
    // Each command and reply line is one arrow, the mail data one more.
    let lines = lines_of(&trace, c.conn);
    assert_eq!(l.smtp_lines(), lines);
    let data: Vec<&Arrow> = l
        .arrows
        .iter()
        .filter(|a| a.kind == ArrowKind::Data)
        .collect();
    assert_eq!(data.len(), 1, "{:?}", l.arrows);
    let single = l
        .arrows
        .iter()
        .filter(|a| matches!(a.kind, ArrowKind::Command | ArrowKind::Reply))
        .count();
    assert_eq!(single + data[0].lines, lines);
    assert!(data[0].label.lines[0].starts_with("message content ("));
    for a in &l.arrows {
        // Client to server for commands, back for replies; sloped down.
        match a.kind {
            ArrowKind::Command | ArrowKind::Data | ArrowKind::Connect => {
                assert_eq!((a.from, a.to), (0, 1), "{a:?}")
            }
            ArrowKind::Reply => assert_eq!((a.from, a.to), (1, 0), "{a:?}"),
            _ => panic!("{a:?}"),
        }
        assert!(a.y2 > a.y1, "{a:?}");
        assert!(a.sent <= a.arrived);
    }
    let replies = l.arrows.iter().filter(|a| a.kind == ArrowKind::Reply);
    assert!(replies.clone().all(|a| a.code.is_some()));
    assert!(replies
        .clone()
        .any(|a| a.label.lines[0].starts_with("250 2.0.0 Ok")));
    assert!(l.title.contains(&*c.client) && l.title.contains("port 587"));
}

#[test]
fn a_journey_has_a_column_per_host_it_crossed_the_client_first() {
    let trace = trace_of("mx-fallback");
    let l = Ladder::message(&trace, "m1").unwrap();
    assert_eq!(
        hosts(&l),
        [
            "alice-laptop.example.com",
            "smtp.example.com",
            "mx2.example.org",
            "mx1.example.org",
            "resolver.example.net"
        ]
    );
    assert!(l.columns.last().unwrap().resolver);
    assert!(l.columns.windows(2).all(|w| w[0].x < w[1].x));
    let conns = conns_of(&trace, "m1");
    assert_eq!(conns.len(), 3);
    let lines: usize = conns.iter().map(|c| lines_of(&trace, *c)).sum();
    assert_eq!(l.smtp_lines(), lines);
    assert_eq!(l.bands.len(), 3);
    // Every DNS question asked for it, and its answer.
    let asked = trace
        .iter()
        .filter(|e| e.message.as_deref() == Some("m1"))
        .filter(|e| matches!(e.kind, EventKind::DnsQuery { .. }))
        .count();
    let questions: Vec<&Arrow> = l
        .arrows
        .iter()
        .filter(|a| a.kind == ArrowKind::DnsQuery)
        .collect();
    assert_eq!(questions.len(), asked);
    assert!(questions
        .iter()
        .all(|a| a.label.lines[0] == "MX example.org?" && l.columns[a.to].resolver));
    let answers = l.arrows.iter().filter(|a| a.kind == ArrowKind::DnsAnswer);
    assert_eq!(answers.clone().count(), asked);
    assert!(answers
        .clone()
        .all(|a| a.label.lines[0] == "10 mx1.example.org · 20 mx2.example.org"));
    // Delivered at last, on mx1.
    assert!(l
        .notes
        .iter()
        .any(|n| n.kind == NoteKind::Delivered && l.columns[n.column].host == "mx1.example.org"));
}

#[test]
fn a_refused_connection_is_crossed_on_the_host_that_refused_it() {
    let trace = trace_of("mx-fallback");
    let l = Ladder::message(&trace, "m1").unwrap();
    let refused = trace
        .iter()
        .filter(|e| e.message.as_deref() == Some("m1"))
        .filter(|e| matches!(e.kind, EventKind::ConnectFailed { .. }))
        .count();
    assert!(refused >= 2);
    let mx1 = l
        .columns
        .iter()
        .position(|c| c.host == "mx1.example.org")
        .unwrap();
    let crosses: Vec<&Cross> = l
        .crosses
        .iter()
        .filter(|x| x.cause == CrossCause::Connect(ConnectFailure::Refused))
        .collect();
    assert_eq!(crosses.len(), refused);
    for x in crosses {
        assert_eq!(x.column, mx1);
        assert_eq!(x.x, l.columns[mx1].x);
        assert_eq!(x.label.lines, ["connection refused"]);
        // At the tip of its connection's arrow.
        assert!(l
            .arrows
            .iter()
            .any(|a| a.kind == ArrowKind::Connect && a.y2 == x.y && a.event == x.event));
    }
}

#[test]
fn a_session_cut_by_a_crash_is_crossed_with_the_reason() {
    let trace = trace_of("rfc1047-duplicate");
    let aborted = trace
        .iter()
        .find_map(|e| match e.kind {
            EventKind::Abort { conn, .. } => Some(conn),
            _ => None,
        })
        .unwrap();
    let l = Ladder::session(&trace, aborted).unwrap();
    assert_eq!(l.crosses.len(), 1);
    let x = &l.crosses[0];
    assert_eq!(x.cause, CrossCause::Cut(AbortCause::Reset));
    assert_eq!(x.column, 1, "on the server, which crashed");
    assert!(x.reason.contains("RFC 1047"), "{}", x.reason);
    // Below every line of the session, and the band ends there.
    assert!(l.arrows.iter().all(|a| a.y2 < x.y));
    assert_eq!(l.bands[0].y2, x.y + 4.0);
}

#[test]
fn a_long_idle_gap_is_compressed_into_a_break() {
    let trace = trace_of("greylisting");
    let l = Ladder::message(&trace, "m1").unwrap();
    let retry = l
        .breaks
        .iter()
        .find(|b| b.to.as_micros() - b.from.as_micros() >= 9 * 60 * 1_000_000)
        .expect("a break for the greylisting retry");
    assert!(retry.label.ends_with(" later") && retry.label.contains("min"));
    assert!(retry.y2 - retry.y1 <= 60.0, "{retry:?}");
    // Nothing is drawn inside it.
    assert!(l
        .arrows
        .iter()
        .all(|a| a.y2 <= retry.y1 || a.y1 >= retry.y2));
    // The 450 of the first attempt, and the deferral.
    assert!(l
        .arrows
        .iter()
        .any(|a| a.code == Some(450) && a.y2 < retry.y1));
    assert!(l
        .notes
        .iter()
        .any(|n| n.kind == NoteKind::Deferred && n.y < retry.y1));
    assert!(l.height < 4_000.0, "{}", l.height);
}

#[test]
fn time_maps_to_y_and_back() {
    let trace = trace_of("greylisting");
    let l = Ladder::message(&trace, "m1").unwrap();
    let (first, last) = l.span().unwrap();
    let mut y = f64::NEG_INFINITY;
    let step = (last.as_micros() - first.as_micros()) / 997;
    for i in 0..=997u64 {
        let t = SimTime::from_micros(first.as_micros() + i * step);
        let ty = l.y_at(t);
        assert!(ty >= y, "{t}: {ty} < {y}");
        y = ty;
        let back = l.time_at(ty);
        assert!(
            back.as_micros().abs_diff(t.as_micros()) <= 1,
            "{t} -> {ty} -> {back}"
        );
    }
    // Everything sent by a moment is above its line, the rest below.
    for a in &l.arrows {
        assert!(a.y1 < l.y_at(a.sent), "{a:?}");
        assert!(a.y2 < l.y_at(a.arrived), "{a:?}");
        assert!(a.y2 > l.y_at(SimTime::from_micros(a.arrived.as_micros() - 1)));
    }
    assert!(l.y_at(SimTime::ZERO) <= l.y_at(first));
    assert!(l.y_at(SimTime::MAX) < l.height);
}

#[test]
fn the_svg_is_a_well_formed_standalone_document_with_escaped_text() {
    let trace = trace_of("hello-smtp");
    let l = Ladder::session(&trace, 1).unwrap();
    let svg = l.to_svg(&SvgOptions::default());
    well_formed(&svg).unwrap();
    assert!(svg.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\""));
    assert!(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\""));
    assert!(svg.contains("monospace") && svg.contains("sans-serif"));
    assert_eq!(svg.matches("<g class=\"arrow ").count(), l.arrows.len());
    // The 354 reply's <CR><LF>, escaped.
    assert!(svg.contains("&lt;CR&gt;&lt;LF&gt;.&lt;CR&gt;&lt;LF&gt;"));
    assert!(!svg.contains("class=\"now\""));
    let now = l.to_svg(&SvgOptions {
        now: Some(SimTime::from_millis(1_100)),
        legend: false,
    });
    well_formed(&now).unwrap();
    assert_eq!(now.matches("class=\"now\"").count(), 1);
    assert!(!now.contains("class=\"legend\""));
    // Hostile text from a scenario stays text.
    let mut odd = l.clone();
    odd.title = "<script>&\"'</script>\u{1}".into();
    let svg = odd.to_svg(&SvgOptions::default());
    well_formed(&svg).unwrap();
    assert!(svg.contains("&lt;script&gt;&amp;&quot;&apos;&lt;/script&gt;\u{FFFD}"));
}

#[test]
fn every_preset_draws_well_formed_ladders() {
    for (name, _) in presets::PRESETS {
        let trace = trace_of(name);
        for c in trace.connections() {
            let l = Ladder::session(&trace, c.conn).unwrap();
            assert_eq!(
                l.smtp_lines(),
                lines_of(&trace, c.conn),
                "{name} {}",
                c.conn
            );
            well_formed(&l.to_svg(&SvgOptions::default())).unwrap();
        }
        for id in known_messages(&trace) {
            let l = Ladder::message(&trace, &id).unwrap();
            let svg = l.to_svg(&SvgOptions::default());
            well_formed(&svg)
                .map_err(|e| format!("{name} {id}: {e}"))
                .unwrap();
            assert!(l.arrows.iter().all(|a| a.y1 < a.y2 && a.y2 < l.height));
            assert!(l
                .arrows
                .iter()
                .all(|a| a.x1.max(a.x2) < l.width && a.label.lines.len() == 1));
        }
    }
}

#[test]
fn the_same_trace_draws_the_same_bytes() {
    let a = Ladder::message(&trace_of("mx-fallback"), "m1").unwrap();
    let b = Ladder::message(&trace_of("mx-fallback"), "m1").unwrap();
    assert_eq!(a, b);
    let options = SvgOptions {
        now: Some(SimTime::from_secs(600)),
        legend: true,
    };
    assert_eq!(a.to_svg(&options), b.to_svg(&options));
}

#[test]
fn an_unknown_session_or_message_lists_those_there_are() {
    let trace = trace_of("greylisting");
    let e = Ladder::session(&trace, 99).unwrap_err();
    assert_eq!(
        e.to_string(),
        "no session 99 in this run (sessions: 1, 2, 3)"
    );
    let e = Ladder::message(&trace, "m9").unwrap_err();
    assert_eq!(
        e.to_string(),
        "no message \"m9\" in this run (messages: m1)"
    );
}

#[test]
fn long_lines_are_shortened_to_fit_their_arrow() {
    assert_eq!(shorten("RCPT TO:<bob@example.org>", 12), "RCPT TO:<bo…");
    assert_eq!(shorten("QUIT", 12), "QUIT");
    assert_eq!(
        wrap(
            "bob@example.org deferred until 00:10:00.000: 450 4.2.0 greylisted",
            20,
            3
        ),
        ["bob@example.org", "deferred until", "00:10:00.000: 450…"]
    );
    assert_eq!(scale::duration_words(40_000), "40 ms");
    assert_eq!(scale::duration_words(1_500_000), "1.5 s");
    assert_eq!(scale::duration_words(598_600_000), "9 min 58 s");
    assert_eq!(scale::duration_words(4_800_000_000), "1 h 20 min");
    assert_eq!(
        scale::duration_words(2 * 86_400_000_000 + 3_600_000_000),
        "2 d 1 h"
    );
}
