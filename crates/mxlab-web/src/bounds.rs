//! What the app accepts, and how much of it it keeps: the largest scenario
//! text (pasted, typed, imported or in a link), the longest lesson, the
//! longest console line and how many console lines are kept, and how
//! many of a scenario's problems (and warnings) are listed.
//!
//! Text is measured before it is copied into the app: the browser
//! counts a string's length in UTF-16 code units, which is never more
//! than its length in UTF-8 bytes, so a text refused by its JavaScript
//! length is certainly over the limit in bytes; a text that passes is
//! checked again in bytes once it is here ([`check_text`]).

use std::collections::VecDeque;

use mxlab_sim::budget::{bytes, grouped};
use mxlab_sim::scenario::lines_of_paths;
use mxlab_sim::{Problem, Scenario};

use crate::share;

/// The largest scenario text the app takes in, in bytes: what a share
/// link may inflate to, so every scenario the app holds can be shared.
pub const MAX_TEXT: usize = share::MAX_INFLATED;

/// The longest scenario text the JSON editor is filled with unasked, in
/// bytes. A browser lays out a text field's whole text at once: a
/// megabyte of pretty JSON (tens of thousands of lines) takes about a
/// second, fifteen take many; larger texts are shown when asked for.
pub const EDITOR_FILLS_AT_MOST: usize = 1024 * 1024;

/// The longest lesson text shown beside the stage, in bytes.
pub const MAX_LESSON: usize = 64 * 1024;

/// The longest line the console sends, in characters: well above
/// RFC 5321's limits (512 for a command, 1000 for a text line), so an
/// over-long line can still be typed to see the host refuse it.
pub const MAX_CONSOLE_LINE: usize = 4096;

/// Console lines kept in its log (the oldest go first).
pub const CONSOLE_LOG_LINES: usize = 500;

/// Problems of a scenario listed in the Scenario panel; the rest are
/// counted.
pub const MAX_PROBLEMS_LISTED: usize = 100;

/// Why a text is refused when it is `len` long (bytes or UTF-16 units):
/// `what` names it ("the pasted text", "the file scenario.json").
pub fn text_too_large(what: &str, len: usize) -> Option<String> {
    (len > MAX_TEXT).then(|| {
        format!(
            "{what} is {}; MX Lab takes scenarios of at most {} (what a share link can carry), \
             so it was not loaded and nothing was changed",
            bytes(len as u64),
            bytes(MAX_TEXT as u64)
        )
    })
}

/// Why an edit of the scenario text was refused: it would have made the
/// text `len` characters (UTF-16 code units, as the page counts them).
pub fn edit_refused(len: usize) -> String {
    format!(
        "that would make the scenario text {} characters; MX Lab takes scenarios of at most {} \
         (what a share link can carry), so it was not pasted or typed: the text is as it was",
        grouped(len as u64),
        bytes(MAX_TEXT as u64)
    )
}

/// `text` if it is within [`MAX_TEXT`] bytes, else why not.
pub fn check_text(what: &str, text: String) -> Result<String, String> {
    match text_too_large(what, text.len()) {
        Some(e) => Err(e),
        None => Ok(text),
    }
}

/// What the app cannot show of a scenario that is otherwise valid (a
/// lesson of megabytes), as a message; `None` when it can show it all.
pub fn scenario_too_large(scenario: &Scenario) -> Option<String> {
    (scenario.lesson.len() > MAX_LESSON).then(|| {
        format!(
            "the scenario's lesson is {}; MX Lab shows lessons of at most {}: shorten the lesson",
            bytes(scenario.lesson.len() as u64),
            bytes(MAX_LESSON as u64)
        )
    })
}

/// Why a console line `len` characters long is refused, if it is.
pub fn console_line_too_long(len: usize) -> Option<String> {
    (len > MAX_CONSOLE_LINE).then(|| {
        format!(
            "that line is {} characters; the console sends lines of at most {} \
             (SMTP itself allows 512 for a command and 1000 for a line of text): nothing was sent",
            grouped(len as u64),
            grouped(MAX_CONSOLE_LINE as u64)
        )
    })
}

/// A console's log: the last [`CONSOLE_LOG_LINES`] lines, each marked
/// `C` (typed), `S` (the host's reply), `#` (a note) or `!` (a problem).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConsoleLog {
    lines: VecDeque<(char, String)>,
    dropped: usize,
}

impl ConsoleLog {
    /// Adds a line, forgetting the oldest beyond the limit.
    pub fn push(&mut self, who: char, text: String) {
        if self.lines.len() >= CONSOLE_LOG_LINES {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back((who, text));
    }

    /// The lines kept, oldest first.
    pub fn lines(&self) -> impl Iterator<Item = &(char, String)> {
        self.lines.iter()
    }

    /// How many older lines were forgotten.
    pub fn dropped(&self) -> usize {
        self.dropped
    }
}

/// A scenario's problems as the Scenario panel lists them: the first
/// [`MAX_PROBLEMS_LISTED`], each with the line of the text its path
/// begins on, and how many more there are; and its warnings (legal, but
/// probably not meant: [`Scenario::warnings`]) the same way, listed after
/// them. Computed once per text and list of problems (never per redraw).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProblemList {
    /// Listed problems, each with its line (1-based) if the path is in
    /// the text.
    pub listed: Vec<(Problem, Option<usize>)>,
    /// Problems not listed.
    pub more: usize,
    /// Listed warnings, each with its line as problems have theirs.
    pub warnings: Vec<(Problem, Option<usize>)>,
    /// Warnings not listed.
    pub more_warnings: usize,
}

impl ProblemList {
    /// Lists `problems` of `text`, locating each listed one's line in one
    /// pass over the text.
    pub fn new(text: &str, problems: Vec<Problem>) -> Self {
        Self::checked(Some(text), problems, Vec::new())
    }

    /// Problems without a text to locate them in (the form editor).
    pub fn unlocated(problems: Vec<Problem>) -> Self {
        Self::checked(None, problems, Vec::new())
    }

    /// Lists `problems` and `warnings`, locating the listed ones' lines in
    /// one pass over `text` when there is one.
    pub fn checked(text: Option<&str>, problems: Vec<Problem>, warnings: Vec<Problem>) -> Self {
        let more = problems.len().saturating_sub(MAX_PROBLEMS_LISTED);
        let more_warnings = warnings.len().saturating_sub(MAX_PROBLEMS_LISTED);
        let problems: Vec<Problem> = problems.into_iter().take(MAX_PROBLEMS_LISTED).collect();
        let warnings: Vec<Problem> = warnings.into_iter().take(MAX_PROBLEMS_LISTED).collect();
        let mut lines = match text {
            Some(text) => lines_of_paths(
                text,
                problems.iter().chain(&warnings).map(|p| p.path.as_str()),
            ),
            None => Vec::new(),
        }
        .into_iter();
        let mut located = |list: Vec<Problem>| -> Vec<(Problem, Option<usize>)> {
            list.into_iter()
                .map(|p| (p, lines.next().flatten()))
                .collect()
        };
        let listed = located(problems);
        let warnings = located(warnings);
        ProblemList {
            listed,
            more,
            warnings,
            more_warnings,
        }
    }

    /// How many problems there are in all (warnings apart).
    pub fn len(&self) -> usize {
        self.listed.len() + self.more
    }

    /// Whether there are no problems (there may be warnings).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many warnings there are in all.
    pub fn warning_count(&self) -> usize {
        self.warnings.len() + self.more_warnings
    }

    /// The problems listed, without their lines.
    pub fn problems(&self) -> Vec<Problem> {
        self.listed.iter().map(|(p, _)| p.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxlab_sim::scenario::line_of_path;

    /// Every path of a JSON value, as problems name them.
    fn paths(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    let p = if at.is_empty() {
                        k.clone()
                    } else {
                        format!("{at}.{k}")
                    };
                    paths(v, p, out);
                }
            }
            serde_json::Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    paths(v, format!("{at}[{i}]"), out);
                }
            }
            _ => {}
        }
        out.push(at);
    }

    #[test]
    fn one_pass_finds_the_lines_each_path_finds_alone() {
        for (name, _) in mxlab_sim::presets::PRESETS {
            let s = mxlab_sim::presets::preset(name).unwrap();
            let text = s.to_json();
            let mut all = Vec::new();
            paths(
                &serde_json::from_str(&text).unwrap(),
                String::new(),
                &mut all,
            );
            all.push("nodes[999].name".into());
            all.push("$.horizon_secs".into());
            let lines = lines_of_paths(&text, all.iter().map(String::as_str));
            for (p, line) in all.iter().zip(&lines) {
                assert_eq!(*line, line_of_path(&text, p), "{name}: {p}");
            }
            assert!(lines.iter().filter(|l| l.is_some()).count() > 10, "{name}");
        }
    }

    #[test]
    fn cut_and_escaped_text_gives_the_same_lines_and_never_panics() {
        let t = "{\"é\\\"k\": [1, {\"ü\": \"a\\\\\"}],\n \"n\": [[], {}, \"x\"],\n \"m\": {\"a\": 1,\n \"b\": [2,\n 3]}}";
        let wanted = ["n[2]", "é\"k[1].ü", "m.b[1]", "m.b", "m", "n[0]", "zz"];
        for cut in 0..=t.len() {
            let Some(prefix) = t.get(..cut) else { continue };
            let lines = lines_of_paths(prefix, wanted.iter().copied());
            for (p, line) in wanted.iter().zip(lines) {
                assert_eq!(line, line_of_path(prefix, p), "cut {cut}: {p}");
            }
        }
        assert_eq!(
            lines_of_paths(t, ["m.b[1]"].into_iter()),
            vec![Some(5)],
            "the element after the comma"
        );
    }

    #[test]
    fn at_most_a_hundred_problems_are_listed_and_the_rest_counted() {
        let text = format!(
            "{{\"nodes\": [\n{}\n]}}",
            vec!["{\"name\": \"x\"}"; 5000].join(",\n")
        );
        let problems: Vec<Problem> = (0..5000)
            .map(|i| Problem::new(format!("nodes[{i}].name"), "duplicate"))
            .collect();
        let start = std::time::Instant::now();
        let list = ProblemList::new(&text, problems);
        assert_eq!(list.listed.len(), MAX_PROBLEMS_LISTED);
        assert_eq!(list.more, 4900);
        assert_eq!(list.len(), 5000);
        assert_eq!(list.listed[0].1, Some(2));
        assert_eq!(list.listed[99].1, Some(101));
        // One pass over the text, stopping once every listed path is found.
        assert!(start.elapsed().as_millis() < 500, "{:?}", start.elapsed());
    }

    #[test]
    fn locating_problems_in_a_large_text_is_one_pass() {
        // 100 problems whose paths are not there: the whole text is read
        // once, not once per problem.
        let text = format!("[{}0]", "0,".repeat(2_000_000));
        let problems: Vec<Problem> = (0..100)
            .map(|i| Problem::new(format!("nodes[{i}]"), "x"))
            .collect();
        let start = std::time::Instant::now();
        let list = ProblemList::new(&text, problems);
        assert!(list.listed.iter().all(|(_, l)| l.is_none()));
        let once = start.elapsed();
        let start = std::time::Instant::now();
        let _ = line_of_path(&text, "nodes[0]");
        let alone = start.elapsed();
        // 100 paths in one pass cost about what one path alone costs.
        assert!(
            once < alone * 10 + std::time::Duration::from_millis(50),
            "{once:?} vs {alone:?}"
        );
    }

    #[test]
    fn warnings_are_listed_after_the_problems_each_on_its_line() {
        let text = "{\n \"horizon_secs\": 0,\n \"nodes\": [\n  {\"name\": \"x\"}\n ]\n}";
        let list = ProblemList::checked(
            Some(text),
            vec![Problem::new("horizon_secs", "expected")],
            vec![
                Problem::new("nodes[0].name", "probably not meant"),
                Problem::new("dns", "not there"),
            ],
        );
        assert_eq!(list.len(), 1);
        assert_eq!(list.listed[0].1, Some(2));
        assert_eq!(list.warning_count(), 2);
        assert_eq!(list.warnings[0].1, Some(4));
        assert_eq!(list.warnings[1].1, None);
        let only = ProblemList::checked(None, Vec::new(), vec![Problem::new("dns", "w")]);
        assert!(only.is_empty(), "warnings are not problems");
        assert_eq!(only.warnings[0].1, None);
        let many: Vec<Problem> = (0..150)
            .map(|i| Problem::new(format!("n{i}"), "w"))
            .collect();
        let list = ProblemList::checked(Some("{}"), Vec::new(), many);
        assert_eq!(list.warnings.len(), MAX_PROBLEMS_LISTED);
        assert_eq!(list.more_warnings, 50);
    }

    #[test]
    fn texts_over_the_limit_are_refused_with_their_size() {
        assert!(text_too_large("the pasted text", MAX_TEXT).is_none());
        let e = text_too_large("the pasted text", MAX_TEXT + 1).unwrap();
        assert!(e.starts_with("the pasted text is 16.0 MiB"), "{e}");
        assert!(e.contains("at most 16.0 MiB"), "{e}");
        assert!(check_text("x", "{}".into()).is_ok());
        let e = edit_refused(20 << 20);
        assert!(e.contains("20,971,520 characters"), "{e}");
        assert!(e.contains("the text is as it was"), "{e}");
        assert!(check_text("x", " ".repeat(MAX_TEXT + 1)).is_err());
    }

    #[test]
    fn a_huge_lesson_is_refused_and_a_preset_lesson_is_not() {
        let mut s = mxlab_sim::presets::preset("hello-smtp").unwrap();
        assert!(scenario_too_large(&s).is_none());
        s.lesson = "x".repeat(15 << 20);
        let e = scenario_too_large(&s).unwrap();
        assert!(e.contains("lesson is 15.0 MiB"), "{e}");
    }

    #[test]
    fn the_console_log_keeps_the_last_lines() {
        let mut log = ConsoleLog::default();
        for i in 0..CONSOLE_LOG_LINES + 10 {
            log.push('C', i.to_string());
        }
        assert_eq!(log.lines().count(), CONSOLE_LOG_LINES);
        assert_eq!(log.dropped(), 10);
        assert_eq!(log.lines().next().map(|l| l.1.as_str()), Some("10"));
        assert!(console_line_too_long(MAX_CONSOLE_LINE).is_none());
        assert!(console_line_too_long(10 << 20)
            .unwrap()
            .contains("10,485,760 characters"));
    }
}
