//! Reading a job definition from JSON or YAML text: syntax and shape errors
//! with their line and column, then validation.

use super::JobDefinition;
use super::validate::{JobProblem, validate};

/// The text formats a job definition may be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    /// JSON when the text starts with `{` (after whitespace), else YAML.
    pub fn detect(text: &str) -> Format {
        if text.trim_start().starts_with('{') {
            Format::Json
        } else {
            Format::Yaml
        }
    }
}

/// Parses JSON without validating; the error is located by line and column.
/// Unknown fields are errors.
pub fn parse_json(text: &str) -> Result<JobDefinition, JobProblem> {
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        parse_problem(e.line(), e.column(), &message)
    })
}

/// Parses YAML without validating; the error is located by line and column.
pub fn parse_yaml(text: &str) -> Result<JobDefinition, JobProblem> {
    serde_norway::from_str(text).map_err(|e| {
        let message = e.to_string();
        match e.location() {
            Some(at) => parse_problem(at.line(), at.column(), &message),
            None => JobProblem::error("document", message),
        }
    })
}

/// Parses in the given format without validating.
pub fn parse(text: &str, format: Format) -> Result<JobDefinition, JobProblem> {
    match format {
        Format::Json => parse_json(text),
        Format::Yaml => parse_yaml(text),
    }
}

/// A problem at `line L, column C`, without the position serde appends to
/// its message.
fn parse_problem(line: usize, column: usize, message: &str) -> JobProblem {
    let suffix = format!(" at line {line} column {column}");
    let message = message.strip_suffix(&suffix).unwrap_or(message);
    JobProblem::error(format!("line {line}, column {column}"), message)
}

/// Parses JSON and validates. Errors fail; warnings alone do not (call
/// [`validate`] to see them).
pub fn load_json(text: &str) -> Result<JobDefinition, Vec<JobProblem>> {
    checked(parse_json(text))
}

/// Parses YAML and validates, like [`load_json`].
pub fn load_yaml(text: &str) -> Result<JobDefinition, Vec<JobProblem>> {
    checked(parse_yaml(text))
}

/// JSON when the text starts with `{`, else YAML; see [`load_json`].
pub fn load(text: &str) -> Result<JobDefinition, Vec<JobProblem>> {
    checked(parse(text, Format::detect(text)))
}

fn checked(parsed: Result<JobDefinition, JobProblem>) -> Result<JobDefinition, Vec<JobProblem>> {
    let job = parsed.map_err(|problem| vec![problem])?;
    let problems = validate(&job);
    if problems.iter().any(JobProblem::is_error) {
        Err(problems)
    } else {
        Ok(job)
    }
}
