//! The engine's JavaScript API (feature `wasm`): `evaluate`, `check`,
//! `format` and `functions`, for any web page or Node program. Results are
//! plain objects; nothing throws for a bad expression.
//!
//! ```js
//! import { evaluate } from "provisio_engine";
//! evaluate('Left([givenName], 3)', { givenName: "John" }, { now: "2024-01-01T00:00:00Z" });
//! // → { ok: true, value: "Joh", redacted: false, ignoreFlow: false, kind: "expression" }
//! ```

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::expr::{self, EvalContext, FUNCTIONS, FunctionInfo, MappingKind};
use crate::object::SourceObject;
use crate::random::SeededRandom;
use crate::value::Value;

/// Evaluation inputs a caller may set; everything else has a default.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Options {
    /// RFC 3339 text or milliseconds since the Unix epoch; defaults to the current time.
    now: Option<NowInput>,
    default_domain: Option<String>,
    /// Seed for Guid and RandomString; defaults to a random one.
    seed: Option<u64>,
    /// Values SelectUniqueValue must treat as taken.
    existing: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum NowInput {
    Millis(f64),
    Text(String),
}

/// A diagnostic with positions JavaScript can use directly.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct JsDiagnostic {
    #[serde(flatten)]
    diagnostic: Diagnostic,
    line: usize,
    column: usize,
    /// The span as UTF-16 offsets, which is how JavaScript strings index.
    start_utf16: usize,
    end_utf16: usize,
    rendered: String,
}

/// What `evaluate` returns: a value, or the diagnostics that prevented one.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct Outcome {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<Value>,
    redacted: bool,
    ignore_flow: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<MappingKind>,
    diagnostics: Vec<JsDiagnostic>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Checked {
    ok: bool,
    kind: Option<MappingKind>,
    attributes: Vec<String>,
    diagnostics: Vec<JsDiagnostic>,
}

fn js_diagnostics(diagnostics: Vec<Diagnostic>, source: &str) -> Vec<JsDiagnostic> {
    diagnostics
        .into_iter()
        .map(|d| {
            let at = d.span.start_line_column(source);
            let (start_utf16, end_utf16) = d.span.to_utf16(source);
            JsDiagnostic {
                rendered: d.render(source),
                diagnostic: d,
                line: at.line,
                column: at.column,
                start_utf16,
                end_utf16,
            }
        })
        .collect()
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

fn now(input: Option<NowInput>) -> Result<DateTime<Utc>, JsError> {
    let millis = match input {
        Some(NowInput::Text(text)) => {
            return DateTime::parse_from_rfc3339(&text)
                .map(|dt| dt.with_timezone(&Utc))
                .map_err(|e| JsError::new(&format!("options.now: \"{text}\" is not an RFC 3339 date-time: {e}")));
        }
        Some(NowInput::Millis(ms)) => ms,
        None => js_sys::Date::now(),
    };
    #[allow(clippy::cast_possible_truncation)] // milliseconds since 1970 fit easily in i64
    DateTime::from_timestamp_millis(millis as i64).ok_or_else(|| JsError::new("options.now is out of range"))
}

/// Evaluates `expression` against `source` (an object of attribute name →
/// value). Returns `{ ok: true, value, redacted, ignoreFlow, kind }` or
/// `{ ok: false, diagnostics }`; throws only for unusable arguments.
#[wasm_bindgen]
pub fn evaluate(expression: &str, source: JsValue, options: JsValue) -> Result<JsValue, JsError> {
    let source: SourceObject = if source.is_undefined() || source.is_null() {
        SourceObject::new()
    } else {
        serde_wasm_bindgen::from_value(source).map_err(|e| JsError::new(&format!("source: {e}")))?
    };
    let options: Options = if options.is_undefined() || options.is_null() {
        Options::default()
    } else {
        serde_wasm_bindgen::from_value(options).map_err(|e| JsError::new(&format!("options: {e}")))?
    };
    let program = match expr::compile(expression) {
        Ok(program) => program,
        Err(diagnostics) => {
            return to_js(&Outcome {
                diagnostics: js_diagnostics(diagnostics, expression),
                ..Outcome::default()
            });
        }
    };
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // any 64 bits make a seed
    let seed = options
        .seed
        .unwrap_or_else(|| (js_sys::Math::random() * u64::MAX as f64) as u64);
    let mut ctx = EvalContext::new(now(options.now)?)
        .with_random(SeededRandom::new(seed))
        .with_existing(options.existing.into_iter().collect::<BTreeSet<String>>());
    ctx.default_domain = options.default_domain;
    let outcome = match program.evaluate(&source, &mut ctx) {
        Ok(evaluation) => Outcome {
            ok: true,
            value: Some(evaluation.value),
            redacted: evaluation.redacted,
            ignore_flow: evaluation.ignore_flow,
            kind: Some(program.kind()),
            diagnostics: Vec::new(),
        },
        Err(diagnostic) => Outcome {
            kind: Some(program.kind()),
            diagnostics: js_diagnostics(vec![diagnostic], expression),
            ..Outcome::default()
        },
    };
    to_js(&outcome)
}

/// Parses and checks only: `{ ok, kind, attributes, diagnostics }`.
#[wasm_bindgen]
pub fn check(expression: &str) -> Result<JsValue, JsError> {
    let checked = match expr::compile(expression) {
        Ok(program) => Checked {
            ok: true,
            kind: Some(program.kind()),
            attributes: program.attributes().into_iter().map(str::to_owned).collect(),
            diagnostics: Vec::new(),
        },
        Err(diagnostics) => Checked {
            ok: false,
            kind: None,
            attributes: Vec::new(),
            diagnostics: js_diagnostics(diagnostics, expression),
        },
    };
    to_js(&checked)
}

/// The expression pretty-printed to `width` columns, or `undefined` if it
/// does not parse.
#[wasm_bindgen]
pub fn format(expression: &str, width: Option<usize>) -> Option<String> {
    expr::parse(expression)
        .ok()
        .map(|e| expr::pretty(&e, width.unwrap_or(80)))
}

/// Every built-in function with its signature and documentation.
#[wasm_bindgen]
pub fn functions() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Entry {
        signature: String,
        #[serde(flatten)]
        info: &'static FunctionInfo,
    }
    let entries: Vec<Entry> = FUNCTIONS
        .iter()
        .map(|info| Entry {
            signature: info.signature(),
            info,
        })
        .collect();
    to_js(&entries)
}
