//! One-line helpers: evaluate an expression against a JSON object and
//! compare with expected JSON, or with an expected diagnostic code.

use chrono::{DateTime, Utc};
use provisio_engine::diagnostic::Code;
use provisio_engine::expr::{self, EvalContext, Evaluation};
use provisio_engine::object::SourceObject;

/// The "now" every test evaluates with unless it says otherwise.
pub const NOW: &str = "2021-07-02T15:33:38Z";

pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW).unwrap().with_timezone(&Utc)
}

pub fn source(json: &str) -> SourceObject {
    SourceObject::from_json(json).unwrap_or_else(|e| panic!("bad test source {json}: {e}"))
}

pub fn evaluate_in(src: &str, object: &str, ctx: &mut EvalContext<'_>) -> Evaluation {
    let program = expr::compile(src).unwrap_or_else(|e| panic!("{src} does not compile: {e:#?}"));
    program
        .evaluate(&source(object), ctx)
        .unwrap_or_else(|e| panic!("{src} failed: {}", e.render(src)))
}

pub fn evaluate(src: &str, object: &str) -> Evaluation {
    evaluate_in(
        src,
        object,
        &mut EvalContext::new(now()).with_default_domain("contoso.com"),
    )
}

/// Asserts the value, written as JSON (`"\"text\""`, `"7"`, `"true"`, `"null"`, `"[…]"`).
#[track_caller]
pub fn eval_ok(src: &str, object: &str, expected: &str) {
    let expected: serde_json::Value = serde_json::from_str(expected).unwrap();
    assert_eq!(evaluate(src, object).value.to_json(), expected, "{src} with {object}");
}

/// Shorthand for an expected string value.
#[track_caller]
pub fn eval_str(src: &str, object: &str, expected: &str) {
    assert_eq!(
        evaluate(src, object).value.to_json(),
        serde_json::Value::String(expected.to_owned()),
        "{src} with {object}"
    );
}

/// Asserts evaluation fails with the code.
#[track_caller]
pub fn eval_err(src: &str, object: &str, code: Code) {
    let program = expr::compile(src).unwrap_or_else(|e| panic!("{src} does not compile: {e:#?}"));
    let mut ctx = EvalContext::new(now());
    match program.evaluate(&source(object), &mut ctx) {
        Ok(v) => panic!("{src} evaluated to {:?}, expected {code}", v.value),
        Err(d) => assert_eq!(d.code, code, "{src}: {}", d.render(src)),
    }
}

/// Asserts compiling fails with the code as the first diagnostic.
#[track_caller]
pub fn compile_err(src: &str, code: Code) {
    match expr::compile(src) {
        Ok(_) => panic!("{src} compiled, expected {code}"),
        Err(d) => assert_eq!(d[0].code, code, "{src}: {d:#?}"),
    }
}
