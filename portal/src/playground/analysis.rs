//! What the engine makes of an expression: its diagnostics, or its value for one source object.
//! Pure: no DOM, so it is unit-tested natively.

use provisio_engine::diagnostic::Diagnostic;
use provisio_engine::expr;
use provisio_engine::object::SourceObject;
use provisio_engine::span::Span;
use provisio_engine::value::Value;

use super::options::EvalOptions;

/// The checked expression and, when it compiles, the outcome of evaluating it.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Every problem the parser and checker found; empty when the expression compiles.
    pub diagnostics: Vec<Diagnostic>,
    pub outcome: Outcome,
}

/// What the result panel shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The expression has problems (listed in [`Analysis::diagnostics`]).
    NotCompiled,
    /// The expression compiles, but the source object's JSON is unusable.
    InvalidSource,
    /// The expression compiles, but an evaluation input (now, seed) is unusable.
    InvalidOptions,
    /// Evaluation failed at run time, at the span of the failing call.
    Failed(Diagnostic),
    Value(ValueView),
}

/// An evaluated value, ready to display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueView {
    /// The value as plain JSON, pretty-printed.
    pub json: String,
    /// The value's type, e.g. `string` or `multi-valued attribute (2 values)`.
    pub type_name: String,
    /// The string Entra would send for it when that differs from the JSON (`True` for `true`).
    pub text: Option<String>,
    pub is_null: bool,
    pub redacted: bool,
    pub ignore_flow: bool,
}

impl ValueView {
    fn new(evaluation: &expr::Evaluation) -> Self {
        let value = &evaluation.value;
        let json = serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("(cannot show the value: {e})"));
        let type_name = match value {
            Value::Multi(items) if items.len() == 1 => format!("{} (1 value)", value.type_name()),
            Value::Multi(items) => format!("{} ({} values)", value.type_name(), items.len()),
            _ => value.type_name().to_owned(),
        };
        let text = match value {
            Value::Bool(_) | Value::Int(_) => value.as_text().map(|t| t.into_owned()).filter(|t| *t != json),
            _ => None,
        };
        ValueView {
            json,
            type_name,
            text,
            is_null: value.is_null(),
            redacted: evaluation.redacted,
            ignore_flow: evaluation.ignore_flow,
        }
    }
}

impl Analysis {
    /// The spans to underline in the editor: every diagnostic's, and a run-time error's.
    pub fn marked_spans(&self) -> Vec<Span> {
        let mut spans: Vec<Span> = self.diagnostics.iter().map(|d| d.span).collect();
        if let Outcome::Failed(error) = &self.outcome {
            spans.push(error.span);
        }
        spans
    }
}

/// Compiles `expression` and, when it compiles and the inputs are usable, evaluates it against
/// `source`. `None` stands for an input whose text is invalid.
pub fn analyse(expression: &str, source: Option<&SourceObject>, options: Option<&EvalOptions>) -> Analysis {
    let program = match expr::compile(expression) {
        Ok(program) => program,
        Err(diagnostics) => {
            return Analysis {
                diagnostics,
                outcome: Outcome::NotCompiled,
            };
        }
    };
    let outcome = match (source, options) {
        (None, _) => Outcome::InvalidSource,
        (_, None) => Outcome::InvalidOptions,
        (Some(source), Some(options)) => match program.evaluate(source, &mut options.context()) {
            Ok(evaluation) => Outcome::Value(ValueView::new(&evaluation)),
            Err(error) => Outcome::Failed(error),
        },
    };
    Analysis {
        diagnostics: Vec::new(),
        outcome,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // a failing test should stop loudly
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::playground::state::{DEFAULT_EXPRESSION, DEFAULT_SOURCE};

    fn options() -> EvalOptions {
        EvalOptions {
            now: DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
            default_domain: "contoso.com".to_owned(),
            seed: 42,
        }
    }

    fn run(expression: &str, source: &str) -> Analysis {
        let source = SourceObject::from_json(source).unwrap();
        analyse(expression, Some(&source), Some(&options()))
    }

    fn value(expression: &str, source: &str) -> ValueView {
        match run(expression, source).outcome {
            Outcome::Value(view) => view,
            other => panic!("{expression}: expected a value, got {other:?}"),
        }
    }

    #[test]
    fn the_default_expression_gives_the_users_address() {
        let view = value(DEFAULT_EXPRESSION, DEFAULT_SOURCE);
        assert_eq!(view.json, "\"zoe.vanderberg@contoso.com\"");
        assert_eq!(view.type_name, "string");
    }

    #[test]
    fn values_show_their_type_and_entra_text() {
        let view = value("CBool([accountEnabled])", DEFAULT_SOURCE);
        assert_eq!((view.json.as_str(), view.text.as_deref()), ("true", Some("True")));
        assert_eq!(
            value("[proxyAddresses]", DEFAULT_SOURCE).type_name,
            "multi-valued attribute (2 values)"
        );
        assert!(value("[nothing]", "{}").is_null);
    }

    #[test]
    fn redaction_and_ignored_flow_are_reported() {
        assert!(value("Redact([mail])", DEFAULT_SOURCE).redacted);
        assert!(value("IgnoreFlowIfNullOrEmpty([nothing])", "{}").ignore_flow);
    }

    #[test]
    fn a_bad_expression_lists_its_diagnostics_and_marks_them() {
        let analysis = run("Tolower([mail])", "{}");
        assert_eq!(analysis.outcome, Outcome::NotCompiled);
        assert_eq!(analysis.diagnostics[0].code.as_str(), "E0201");
        assert_eq!(analysis.marked_spans(), vec![Span::new(0, 7)]);
    }

    #[test]
    fn invalid_inputs_do_not_hide_diagnostics() {
        assert_eq!(
            analyse("[mail]", None, Some(&options())).outcome,
            Outcome::InvalidSource
        );
        assert_eq!(
            analyse("[mail]", Some(&SourceObject::new()), None).outcome,
            Outcome::InvalidOptions
        );
        assert_eq!(analyse("Left(", None, None).outcome, Outcome::NotCompiled);
    }

    #[test]
    fn a_run_time_error_is_marked_at_its_call() {
        let analysis = run("Left([givenName], [surname])", DEFAULT_SOURCE);
        assert!(matches!(analysis.outcome, Outcome::Failed(_)), "{analysis:?}");
        assert_eq!(analysis.marked_spans().len(), 1);
    }
}
