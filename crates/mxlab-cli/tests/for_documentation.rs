//! What a documentation author takes from the command line: `mxlab
//! ladder` (an SVG ladder diagram of a session or a message's journey,
//! parsed here with a real XML parser) and `mxlab transcript --format
//! markdown`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::path::PathBuf;

mod common;
use common::*;

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("mxlab-docs-{}-{name}", std::process::id()))
}

/// The `class` attributes of the `<g>` elements of a parsed SVG.
fn classes<'a>(doc: &'a roxmltree::Document<'a>) -> Vec<&'a str> {
    doc.descendants()
        .filter(|n| n.has_tag_name("g"))
        .filter_map(|n| n.attribute("class"))
        .collect()
}

/// The text of the first `<text>` inside a node.
fn label<'a>(node: roxmltree::Node<'a, 'a>) -> String {
    node.descendants()
        .find(|n| n.has_tag_name("text"))
        .map(|t| {
            t.descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect()
        })
        .unwrap_or_default()
}

/// The SMTP lines of session `conn` in `mxlab transcript`'s output:
/// those sent as commands or replies, and the mail data lines.
fn transcript_lines(preset: &str, conn: u64) -> (usize, usize) {
    let text = ok(&["transcript", preset]);
    let heading = format!("# conn {conn}: ");
    let mut lines = text
        .lines()
        .skip_while(|l| !l.starts_with(&heading))
        .skip(1)
        .take_while(|l| !l.starts_with("# conn "));
    let (mut single, mut data, mut in_data) = (0, 0, false);
    for l in lines.by_ref() {
        if in_data && l.starts_with("C: ") && l != "C: ." {
            data += 1;
            continue;
        }
        in_data = l.starts_with("S: 354 ");
        if l.starts_with("C: ") || l.starts_with("S: ") {
            single += 1;
        }
    }
    (single, data)
}

#[test]
fn ladder_of_a_session_is_well_formed_svg_with_an_arrow_per_line() {
    let svg = ok(&["ladder", "preset:hello-smtp", "--session", "1"]);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let root = doc.root_element();
    assert!(root.has_tag_name(("http://www.w3.org/2000/svg", "svg")));
    assert_eq!(root.attribute("version"), Some("1.1"));
    assert!(root.attribute("viewBox").is_some());
    // Two hosts: two headings.
    let hosts = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("hosts"))
        .unwrap();
    let names: Vec<String> = hosts
        .children()
        .filter(|n| n.has_tag_name("text"))
        .map(label)
        .collect();
    assert_eq!(names, ["alice-laptop.example.com", "smtp.example.com"]);
    // One arrow per command and reply line, one for the mail data.
    let (single, data) = transcript_lines("preset:hello-smtp", 1);
    let arrows: Vec<roxmltree::Node<'_, '_>> = doc
        .descendants()
        .filter(|n| {
            n.attribute("class")
                .is_some_and(|c| c.starts_with("arrow "))
        })
        .collect();
    let lines = |kind: &str| {
        arrows
            .iter()
            .filter(|n| n.attribute("class").unwrap().split(' ').any(|c| c == kind))
            .count()
    };
    assert_eq!(lines("command") + lines("reply"), single);
    let body: Vec<String> = arrows
        .iter()
        .filter(|n| n.attribute("class") == Some("arrow data"))
        .map(|n| label(*n))
        .collect();
    assert_eq!(body.len(), 1);
    assert!(
        body[0].starts_with(&format!("message content ({data} lines, ")),
        "{body:?}"
    );
    // Each arrow says in full what it carries, on hover.
    assert!(arrows
        .iter()
        .all(|n| n.children().any(|c| c.has_tag_name("title"))));
}

#[test]
fn ladder_of_a_journey_has_a_column_per_host_and_crosses_refused_connections() {
    let path = temp_path("mx-fallback.svg");
    let out = ok(&[
        "ladder",
        "preset:mx-fallback",
        "--message",
        "m1",
        "-o",
        path.to_str().unwrap(),
        "--now",
        "10m",
    ]);
    assert!(out.is_empty(), "{out}");
    let svg = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let title = doc
        .descendants()
        .find(|n| n.has_tag_name("title"))
        .and_then(|n| n.text())
        .unwrap();
    assert!(
        title.starts_with("MX fallback to a backup MX — Message m1"),
        "{title}"
    );
    let hosts = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("hosts"))
        .unwrap();
    assert_eq!(
        hosts.children().filter(|n| n.has_tag_name("text")).count(),
        5,
        "alice, smtp, mx2, mx1, the resolver"
    );
    let classes = classes(&doc);
    let refused = classes.iter().filter(|c| **c == "cross failed").count();
    assert!(refused >= 2, "{classes:?}");
    assert!(classes.contains(&"breaks"));
    assert!(classes.contains(&"arrow dns-query"));
    assert_eq!(classes.iter().filter(|c| **c == "now").count(), 1);
}

#[test]
fn ladder_is_the_same_bytes_every_time() {
    let args = ["ladder", "preset:greylisting", "--message", "m1"];
    assert_eq!(ok(&args), ok(&args));
}

#[test]
fn ladder_of_what_is_not_there_lists_what_is() {
    let e = error(&["ladder", "preset:greylisting", "--message", "m9"], 1);
    assert!(
        e.contains("no message \"m9\"") && e.contains("(messages: m1)"),
        "{e}"
    );
    let e = error(&["ladder", "preset:greylisting", "--session", "99"], 1);
    assert!(
        e.contains("no session 99") && e.contains("(sessions: 1, 2, 3)"),
        "{e}"
    );
    let e = error(&["ladder", "preset:greylisting"], 2);
    assert!(e.contains("--message"), "{e}");
    error(
        &[
            "ladder",
            "preset:greylisting",
            "--message",
            "m1",
            "--session",
            "1",
        ],
        2,
    );
    let e = error(
        &[
            "ladder",
            "preset:greylisting",
            "--message",
            "m1",
            "-o",
            "/nonexistent/dir/x.svg",
        ],
        1,
    );
    assert!(e.contains("cannot write /nonexistent/dir/x.svg"), "{e}");
}

#[test]
fn transcript_in_markdown_has_a_heading_a_fenced_block_and_outcomes_per_session() {
    let md = ok(&["transcript", "preset:greylisting", "--format", "markdown"]);
    assert!(md.starts_with("# Greylisting\n"), "{md}");
    assert_eq!(md.matches("\n## Session ").count(), 3, "{md}");
    assert!(md.contains("\n## Session 2: smtp.example.com → mx.example.org:25, at 00:00:01.240\n"));
    assert_eq!(md.matches("\n```smtp\n").count(), 3);
    // Inside each block, only the session's lines, as in the plain
    // transcript.
    let plain = ok(&["transcript", "preset:greylisting"]);
    let mut inside = false;
    let mut block_lines = Vec::new();
    for l in md.lines() {
        match (inside, l) {
            (false, "```smtp") => inside = true,
            (true, "```") => inside = false,
            (true, l) => block_lines.push(l),
            _ => {}
        }
    }
    assert!(!inside, "a block is left open");
    let plain_lines: Vec<&str> = plain
        .lines()
        .filter(|l| !l.starts_with("# conn ") && !l.is_empty())
        .collect();
    assert_eq!(block_lines, plain_lines);
    // What came of the greylisted attempt, with markup escaped.
    assert!(md.contains(
        "- `bob@example.org`: deferred until 00:10:00.000: 450 4.2.0 \\<bob@example.org\\>: \
         greylisted, try again later."
    ));
    assert!(md.contains("- `bob@example.org`: accepted by mx.example.org."));
}

#[test]
fn transcript_stays_plain_by_default() {
    let plain = ok(&["transcript", "preset:hello-smtp"]);
    assert_eq!(
        plain,
        ok(&["transcript", "preset:hello-smtp", "--format", "plain"])
    );
    assert!(plain.starts_with("# conn 1: "));
    let e = error(&["transcript", "preset:hello-smtp", "--format", "html"], 2);
    assert!(e.contains("plain") && e.contains("markdown"), "{e}");
}

#[test]
fn a_cut_session_ends_its_markdown_block_with_the_cut() {
    let md = ok(&[
        "transcript",
        "preset:rfc1047-duplicate",
        "--format",
        "markdown",
    ]);
    assert!(md.contains("\n-- connection reset ("), "{md}");
    assert!(
        md.contains("\n- Cut at 00:00:01.380: mx.example.org crashed"),
        "{md}"
    );
}
