//! The engine's JavaScript API (feature `wasm`): `evaluate`, `check`,
//! `format`, `functions` and `plan`, for any web page or Node program. Results are
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
use crate::job::{self, JobProblem, SourceKind};
use crate::object::SourceObject;
use crate::plan::{CompiledJob, CycleOptions, CyclePlan, Decision, SourceRecord, TargetState, decide, plan_cycle};
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

/// The evaluation inputs the options describe.
fn context(options: Options) -> Result<EvalContext<'static>, JsError> {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // any 64 bits make a seed
    let seed = options
        .seed
        .unwrap_or_else(|| (js_sys::Math::random() * u64::MAX as f64) as u64);
    let mut ctx = EvalContext::new(now(options.now)?)
        .with_random(SeededRandom::new(seed))
        .with_existing(options.existing.into_iter().collect::<BTreeSet<String>>());
    ctx.default_domain = options.default_domain;
    Ok(ctx)
}

fn from_js<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("{what}: {e}")))
}

/// Like [`from_js`], with `undefined` and `null` meaning the default.
fn from_js_or_default<T: serde::de::DeserializeOwned + Default>(value: JsValue, what: &str) -> Result<T, JsError> {
    if value.is_undefined() || value.is_null() {
        Ok(T::default())
    } else {
        from_js(value, what)
    }
}

/// Options of `plan`: those of `evaluate`, the kind of source object and
/// whether deletions beyond the threshold are allowed.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct PlanOptions {
    #[serde(flatten)]
    eval: Options,
    /// `"user"` (the default) or `"group"`.
    kind: Option<SourceKind>,
    allow_deletes: bool,
}

/// What `plan` returns: a decision, a cycle plan, or the job's problems.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Planned {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<Decision>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<CyclePlan>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    problems: Vec<JobProblem>,
}

/// Decides what `job` (a definition object, or its JSON or YAML text) would
/// do for `source` (an object of directory attributes), or plans a cycle
/// when `source` is an array. `target` is the linked target object (a SCIM
/// resource, or flat path → value), an array of them in the same order, or
/// null. Returns `{ ok: true, decision }`, `{ ok: true, plan }` or
/// `{ ok: false, problems }`.
#[wasm_bindgen]
pub fn plan(job: JsValue, source: JsValue, target: JsValue, options: JsValue) -> Result<JsValue, JsError> {
    let loaded = match job.as_string() {
        Some(text) => job::load(&text),
        None => job::load_json(&from_js::<serde_json::Value>(job, "job")?.to_string()),
    };
    let compiled = loaded.and_then(CompiledJob::compile);
    let job = match compiled {
        Ok(job) => job,
        Err(problems) => {
            return to_js(&Planned {
                ok: false,
                decision: None,
                plan: None,
                problems,
            });
        }
    };
    let options: PlanOptions = from_js_or_default(options, "options")?;
    let kind = options.kind.unwrap_or(SourceKind::User);
    let object = job
        .object(kind)
        .ok_or_else(|| JsError::new(&format!("the job has no object mapping for {kind:?} objects")))?;
    let source: serde_json::Value = from_js(source, "source")?;
    let target: serde_json::Value = from_js_or_default(target, "target")?;
    let mut ctx = context(options.eval)?;
    let record = |json: serde_json::Value| SourceRecord::from_json(kind, json).map_err(|e| JsError::new(&e));
    let planned = match source {
        serde_json::Value::Array(sources) => {
            let targets = match target {
                serde_json::Value::Array(targets) if targets.len() == sources.len() => targets,
                serde_json::Value::Null => vec![serde_json::Value::Null; sources.len()],
                _ => return Err(JsError::new("target must be an array as long as source, or null")),
            };
            let objects = sources
                .into_iter()
                .zip(targets)
                .map(|(s, t)| Ok((record(s)?, TargetState::from_resource(&t, object))))
                .collect::<Result<Vec<_>, JsError>>()?;
            let options = CycleOptions {
                allow_deletes: options.allow_deletes,
            };
            Planned {
                ok: true,
                decision: None,
                plan: Some(plan_cycle(&job, &objects, options, &mut ctx)),
                problems: Vec::new(),
            }
        }
        single => Planned {
            ok: true,
            decision: Some(decide(
                &job,
                &record(single)?,
                &TargetState::from_resource(&target, object),
                &mut ctx,
            )),
            plan: None,
            problems: Vec::new(),
        },
    };
    to_js(&planned)
}

/// Evaluates `expression` against `source` (an object of attribute name →
/// value). Returns `{ ok: true, value, redacted, ignoreFlow, kind }` or
/// `{ ok: false, diagnostics }`; throws only for unusable arguments.
#[wasm_bindgen]
pub fn evaluate(expression: &str, source: JsValue, options: JsValue) -> Result<JsValue, JsError> {
    let source: SourceObject = from_js_or_default(source, "source")?;
    let options: Options = from_js_or_default(options, "options")?;
    let program = match expr::compile(expression) {
        Ok(program) => program,
        Err(diagnostics) => {
            return to_js(&Outcome {
                diagnostics: js_diagnostics(diagnostics, expression),
                ..Outcome::default()
            });
        }
    };
    let mut ctx = context(options)?;
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
