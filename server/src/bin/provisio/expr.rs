//! `provisio expr eval | check | print`: the expression engine on the
//! command line. Values go to stdout as one line of JSON; diagnostics go to
//! stderr in compiler style, with exit code 2.

// clap makes the doc comments below the `--help` text, where `[mail]` is an
// expression's attribute reference, not a link to an item.
#![allow(rustdoc::broken_intra_doc_links)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use provisio_engine::diagnostic::render_all;
use provisio_engine::expr;

use crate::inputs::{EvalInputs, fail};
use provisio_engine::object::SourceObject;
use provisio_engine::value::Value;

#[derive(Debug, Subcommand)]
pub enum ExprCommand {
    /// Evaluate an expression against one source object; print the value as JSON.
    Eval(EvalArgs),
    /// Parse and check an expression without evaluating it; print `ok`.
    Check {
        /// The expression, e.g. 'ToLower([mail])'.
        expression: String,
    },
    /// Print an expression in its canonical layout.
    Print {
        /// The expression, e.g. 'ToLower([mail])'.
        expression: String,
    },
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The expression, e.g. 'Join("@", [mailNickname], "contoso.com")'.
    expression: String,
    /// A JSON object of attribute name → value to evaluate against.
    #[arg(long, value_name = "FILE.json")]
    source: Option<PathBuf>,
    #[command(flatten)]
    inputs: EvalInputs,
}

/// What `eval` prints: the JSON line on stdout and notes on stderr.
#[derive(Debug, PartialEq)]
struct Printed {
    json: String,
    notes: Vec<&'static str>,
}

pub fn run(command: ExprCommand) -> ExitCode {
    let result = match command {
        ExprCommand::Eval(args) => eval(&args).map(|printed| {
            println!("{}", printed.json);
            for note in printed.notes {
                eprintln!("note: {note}");
            }
        }),
        ExprCommand::Check { expression } => expr::compile(&expression)
            .map(|_| println!("ok"))
            .map_err(|diagnostics| render_all(&diagnostics, &expression)),
        ExprCommand::Print { expression } => expr::parse(&expression)
            .map(|parsed| println!("{}", expr::pretty(&parsed, 80)))
            .map_err(|diagnostics| render_all(&diagnostics, &expression)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

/// Evaluates, or returns the text to print on stderr.
fn eval(args: &EvalArgs) -> Result<Printed, String> {
    let src = &args.expression;
    let program = expr::compile(src).map_err(|diagnostics| render_all(&diagnostics, src))?;
    let source = match &args.source {
        Some(path) => read_source(path)?,
        None => SourceObject::new(),
    };
    let mut ctx = args.inputs.context()?;
    let evaluation = program
        .evaluate(&source, &mut ctx)
        .map_err(|diagnostic| diagnostic.render(src))?;
    let json = serde_json::to_string(&evaluation.value).map_err(|e| format!("error: cannot print the value: {e}"))?;
    let mut notes = Vec::new();
    if evaluation.ignore_flow {
        notes.push("IgnoreFlowIfNullOrEmpty found no value: the attribute would be left out of the flow");
    }
    if evaluation.redacted {
        notes.push("Redact applies: provisioning logs would show [Redact] instead of the value");
    }
    Ok(Printed { json, notes })
}

/// Reads `--source`: a JSON object of attribute name → value.
fn read_source(path: &Path) -> Result<SourceObject, String> {
    let shown = path.display();
    let text = fs::read_to_string(path).map_err(|e| format!("error: cannot read --source {shown}: {e}"))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("error: --source {shown} is not valid JSON: {e}"))?;
    let serde_json::Value::Object(attributes) = json else {
        return Err(format!(
            "error: --source {shown} must hold a JSON object of attribute name → value, not {}",
            json_kind(&json)
        ));
    };
    let mut source = SourceObject::new();
    for (name, value) in attributes {
        source.insert(name, Value::from_json(value));
    }
    Ok(source)
}

fn json_kind(json: &serde_json::Value) -> &'static str {
    match json {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(expression: &str) -> EvalArgs {
        EvalArgs {
            expression: expression.to_owned(),
            source: None,
            inputs: EvalInputs {
                now: None,
                default_domain: None,
                seed: Some(1),
                existing: Vec::new(),
            },
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_random_string() {
        let a = eval(&args("RandomString(12, 1, 1, 1, 1)")).unwrap();
        assert_eq!(a, eval(&args("RandomString(12, 1, 1, 1, 1)")).unwrap());
    }

    #[test]
    fn a_source_that_is_not_an_object_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("user.json");
        fs::write(&file, "[1, 2]").unwrap();
        assert!(read_source(&file).unwrap_err().contains("not an array"));
    }
}
