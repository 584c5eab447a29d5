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
        if text.len() > MAX_SCENARIO_BYTES {
            return Err(ScenarioError::TooLarge {
                size: text.len(),
                limit: MAX_SCENARIO_BYTES,
            });
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let scenario: Scenario = match serde_path_to_error::deserialize(&mut de) {
            Ok(s) => s,
            Err(e) => {
                let path = e.path().to_string();
                let path = if path == "." { String::new() } else { path };
                let inner = e.into_inner();
                let message = strip_position(&inner.to_string());
                return Err(ScenarioError::Syntax {
                    line: inner.line(),
                    column: inner.column(),
                    problem: Problem::new(path, message),
                });
            }
        };
        if let Err(e) = de.end() {
            return Err(ScenarioError::Syntax {
                line: e.line(),
                column: e.column(),
                problem: Problem::new("", strip_position(&e.to_string())),
            });
        }
        let problems = scenario.validate();
        if problems.is_empty() {
            Ok(scenario)
        } else {
            Err(ScenarioError::Invalid(problems))
        }
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
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_owned(),
        None => message.to_owned(),
    }
}
