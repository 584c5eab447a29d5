//! Loading a scenario: size bounds, JSON syntax with line, column and
//! path, then every semantic problem at once.

use core::fmt;

use serde::Serialize;

use super::Scenario;

/// Largest scenario text accepted, in bytes.
pub const MAX_SCENARIO_BYTES: usize = 64 * 1024 * 1024;
/// Most hosts in one scenario.
pub const MAX_HOSTS: usize = 1_000;
/// Most messages in one scenario.
pub const MAX_MESSAGES: usize = 1_000_000;
/// Largest body of one message, in bytes.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// One problem found in a scenario, at a JSON path such as
/// `dns.domains[0].mx[1].preference`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where: a JSON path, empty for the whole document.
    pub path: String,
    /// What is wrong, and what was expected.
    pub message: String,
}

impl Problem {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Why a scenario could not be loaded. Never a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// The text is larger than [`MAX_SCENARIO_BYTES`].
    #[error("the scenario is {size} bytes; at most {limit} bytes are accepted")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The JSON is malformed, or a value has the wrong type or an unknown
    /// field. Serde stops at the first such problem.
    #[error("line {line}, column {column}: {problem}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The path and the message.
        problem: Problem,
    },
    /// The JSON is well-formed but the scenario is not: every problem found.
    #[error("{}", list(.0))]
    Invalid(Vec<Problem>),
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl ScenarioError {
    /// Every problem, each with its path (one for a size or syntax error).
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            ScenarioError::TooLarge { .. } => vec![Problem::new("", self.to_string())],
            ScenarioError::Syntax { problem, .. } => vec![problem.clone()],
            ScenarioError::Invalid(problems) => problems.clone(),
        }
    }
}

impl Scenario {
    /// Parses and validates a scenario.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let scenario = Scenario::parse(text)?;
        let problems = scenario.validate();
        if problems.is_empty() {
            Ok(scenario)
        } else {
            Err(ScenarioError::Invalid(problems))
        }
    }

    /// Parses and validates a scenario as [`Scenario::from_json`] does,
    /// and lists its [`Scenario::warnings`]: those of whatever parsed,
    /// even when it is not valid (none when the JSON is malformed).
    pub fn from_json_with_warnings(text: &str) -> (Result<Scenario, ScenarioError>, Vec<Problem>) {
        let scenario = match Scenario::parse(text) {
            Ok(s) => s,
            Err(e) => return (Err(e), Vec::new()),
        };
        let warnings = scenario.warnings();
        let problems = scenario.validate();
        if problems.is_empty() {
            (Ok(scenario), warnings)
        } else {
            (Err(ScenarioError::Invalid(problems)), warnings)
        }
    }

    /// The scenario in `text`, checked for its size and syntax only.
    fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        if text.len() > MAX_SCENARIO_BYTES {
            return Err(ScenarioError::TooLarge {
                size: text.len(),
                limit: MAX_SCENARIO_BYTES,
            });
        }
        // The error's line and column give its JSON path: the path of the
        // value (or key) the parser was reading there.
        serde_json::from_str(text).map_err(|e| {
            let path = path_at(text, e.line(), e.column());
            ScenarioError::Syntax {
                line: e.line(),
                column: e.column(),
                problem: Problem::new(path, strip_position(&e.to_string())),
            }
        })
    }

    /// The scenario as pretty JSON (the inverse of [`Scenario::from_json`]).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The JSON Schema of the scenario format, pretty-printed.
    pub fn json_schema() -> String {
        let schema = schemars::schema_for!(Scenario);
        serde_json::to_string_pretty(&schema).unwrap_or_default()
    }
}

/// serde_json appends " at line L column C"; the error carries those apart.
/// One step of a JSON path.
enum Step {
    /// In an object; the key read last, if any.
    Key(Option<String>),
    /// In an array; the index of the current element.
    Index(usize),
}

/// Walks JSON `text` character by character, keeping the path (the stack
/// of keys and indexes) up to date, and calls `visit(offset, stack)` after
/// each character (a string counts as one, at its closing quote) until it
/// returns true. Returns the stack where it stopped. Malformed text is
/// followed as far as it goes.
fn walk(text: &str, mut visit: impl FnMut(usize, &[Step]) -> bool) -> Vec<Step> {
    let bytes = text.as_bytes();
    let mut stack: Vec<Step> = Vec::new();
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'{' => stack.push(Step::Key(None)),
            b'[' => stack.push(Step::Index(0)),
            // Closed here: the path is the container's own.
            b'}' | b']' => {
                stack.pop();
            }
            b',' => {
                if let Some(Step::Index(n)) = stack.last_mut() {
                    *n += 1;
                }
            }
            b'"' => {
                // A string: a key if an object expects one here.
                let begin = i + 1;
                let mut j = begin;
                while let Some(&c) = bytes.get(j) {
                    match c {
                        b'\\' => j += 2,
                        b'"' => break,
                        _ => j += 1,
                    }
                }
                let mut k = j + 1;
                while bytes.get(k).is_some_and(u8::is_ascii_whitespace) {
                    k += 1;
                }
                if bytes.get(k) == Some(&b':') {
                    if let Some(Step::Key(key)) = stack.last_mut() {
                        let raw = text.get(begin..j.min(text.len())).unwrap_or_default();
                        *key = Some(
                            serde_json::from_str(&format!("\"{raw}\""))
                                .unwrap_or_else(|_| raw.to_string()),
                        );
                    }
                }
                i = j;
            }
            _ => {}
        }
        if visit(i, &stack) {
            break;
        }
        i += 1;
    }
    stack
}

/// A path as text: `dns.domains[0].mx[1]`.
fn render(stack: &[Step]) -> String {
    let mut path = String::new();
    for step in stack {
        match step {
            Step::Key(Some(k)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
            Step::Key(None) => {}
            Step::Index(n) => path.push_str(&format!("[{n}]")),
        }
    }
    path
}

/// The JSON path (`nodes[0].role`) of what `text` holds at `line`,
/// `column` (1-based, as serde_json reports errors: the character being
/// read when the error was found). A key just read counts as part of the
/// path; a container closed there is its own path.
fn path_at(text: &str, line: usize, column: usize) -> String {
    let start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let at = start + column.saturating_sub(1);
    render(&walk(text, |i, _| i >= at))
}

/// The line (1-based) where each of `paths` begins in the JSON `text`, as
/// [`line_of_path`] gives it for each alone, found in one pass over the
/// text: an editor listing thousands of problems of a large text locates
/// them all for the cost of one.
pub fn lines_of_paths<'a>(
    text: &str,
    paths: impl IntoIterator<Item = &'a str>,
) -> Vec<Option<usize>> {
    let wanted: Vec<&str> = paths
        .into_iter()
        .map(|p| p.trim_start_matches('$').trim_start_matches('.'))
        .collect();
    // Inserted one by one rather than collected: collecting sorts first,
    // one more copy of the sort in the wasm for nothing.
    let mut found: std::collections::BTreeMap<&str, Option<usize>> =
        std::collections::BTreeMap::new();
    for p in &wanted {
        found.insert(p, None);
    }
    let mut left = found.len();
    let bytes = text.as_bytes();
    // The newlines before `counted`, kept as the walk moves on.
    let (mut counted, mut newlines) = (0usize, 0usize);
    let count = |from: usize, to: usize| {
        bytes
            .get(from..to)
            .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
    };
    if left > 0 {
        walk(text, |i, stack| {
            let c = bytes.get(i).copied();
            if !matches!(c, Some(b'"' | b',' | b'[' | b'{')) {
                return false;
            }
            let path = render(stack);
            let Some(slot) = found.get_mut(path.as_str()) else {
                return false;
            };
            if slot.is_some() {
                return false;
            }
            let mut at = i;
            if matches!(c, Some(b',' | b'[')) {
                at += 1;
                while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
                    at += 1;
                }
            }
            if at >= counted {
                newlines += count(counted, at);
            } else {
                newlines -= count(at, counted);
            }
            counted = at;
            *slot = Some(newlines + 1);
            left -= 1;
            left == 0
        });
    }
    wanted
        .iter()
        .map(|p| found.get(p).copied().flatten())
        .collect()
}

/// The line (1-based) where `path` (as a [`Problem`] gives it, e.g.
/// `nodes[1].role`) begins in the JSON `text`, if it is there: for an
/// editor to show a problem beside its text.
pub fn line_of_path(text: &str, path: &str) -> Option<usize> {
    lines_of_paths(text, [path]).into_iter().next().flatten()
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod path_tests {
    use super::path_at;

    /// The path at the first occurrence of `needle` (its last character).
    fn at(text: &str, needle: &str) -> String {
        let offset = text.find(needle).unwrap() + needle.len() - 1;
        let line = text[..offset].matches('\n').count() + 1;
        let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1) + 1;
        path_at(text, line, column)
    }

    #[test]
    fn paths_of_keys_values_and_containers() {
        let t = r#"{"horizon_secs": -5, "nodes": [{"name": "a"}, {"name": "b", "role": "router", "colour": 1}],
  "dns": {"domains": [{"name": "x", "mx": [{"preference": 1}, {"preference": "ten"}]}]}}"#;
        assert_eq!(at(t, "-5"), "horizon_secs");
        assert_eq!(at(t, r#""router""#), "nodes[1].role");
        assert_eq!(at(t, r#""colour""#), "nodes[1].colour");
        assert_eq!(at(t, r#""colour": 1}"#), "nodes[1]");
        assert_eq!(at(t, r#""ten""#), "dns.domains[0].mx[1].preference");
        assert_eq!(at(t, r#"{"name": "a"}"#), "nodes[0]");
        assert_eq!(at(t, "{"), "");
    }

    #[test]
    fn escaped_keys_and_strings_do_not_confuse_it() {
        let t = r#"{"a\"b": {"x": "},]{["}, "q": [1, 2, "3"]}"#;
        assert_eq!(at(t, r#""3""#), "q[2]");
        assert_eq!(at(t, r#""},]{[""#), "a\"b.x");
        // Past the end, or in malformed text: no panic.
        assert_eq!(path_at("", 9, 9), "");
        assert_eq!(path_at("{\"a\": [", 1, 99), "a[0]");
    }

    #[test]
    fn any_prefix_and_position_is_safe() {
        // Cut anywhere (inside escapes and multi-byte characters too), asked
        // at any position: a path, never a panic.
        let t = "{\"é\\\"k\": [1, {\"ü\": \"a\\\\\"}],\n \"n\": [[], {}, \"x\"]}";
        for cut in 0..=t.len() {
            let Some(prefix) = t.get(..cut) else { continue };
            for line in 0..4 {
                for column in 0..=prefix.len() + 2 {
                    let _ = path_at(prefix, line, column);
                }
            }
            let _ = super::line_of_path(prefix, "n[2]");
            let _ = super::line_of_path(prefix, "é\"k[1].ü");
        }
        assert_eq!(super::line_of_path(t, "n[2]"), Some(2));
    }

    #[test]
    fn the_line_of_a_path() {
        let t = "{\n  \"horizon_secs\": 1,\n  \"nodes\": [\n    {\"name\": \"a\"},\n    {\"name\": \"b\",\n     \"role\": \"x\"}\n  ]\n}";
        assert_eq!(super::line_of_path(t, "horizon_secs"), Some(2));
        assert_eq!(super::line_of_path(t, "$.nodes[1].role"), Some(6));
        assert_eq!(super::line_of_path(t, "nodes[1]"), Some(5));
        assert_eq!(super::line_of_path(t, "nodes[0].name"), Some(4));
        assert_eq!(super::line_of_path(t, "messages[0]"), None);
        // Many at once, in any order, repeated or absent: each as alone.
        let paths = [
            "nodes[0].name",
            "messages[0]",
            "$.nodes[1].role",
            "horizon_secs",
            "nodes[1]",
            "nodes[0].name",
        ];
        assert_eq!(
            super::lines_of_paths(t, paths),
            [Some(4), None, Some(6), Some(2), Some(5), Some(4)]
        );
        assert_eq!(super::lines_of_paths(t, []), Vec::<Option<usize>>::new());
        assert_eq!(super::line_of_path("", "a"), None);
    }
}
