//! Measures evaluation speed inside WebAssembly (Node), to compare with the
//! native criterion benchmark. Run by `cargo xtask bench`; prints figures and
//! asserts nothing about speed.
#![cfg(all(target_arch = "wasm32", feature = "wasm-bench"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // test code: a panic is a failure

use js_sys::{Function, Reflect};
use provisio_engine::expr::{self, EvalContext};
use provisio_engine::object::SourceObject;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

const REFERENCE: &str =
    r#"ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".", [givenName], [surname]))), "contoso.com"))"#;

/// `performance.now()` in milliseconds, with sub-millisecond resolution in Node.
fn now_ms() -> f64 {
    let global = js_sys::global();
    let performance = Reflect::get(&global, &JsValue::from_str("performance")).unwrap();
    let now: Function = Reflect::get(&performance, &JsValue::from_str("now"))
        .unwrap()
        .unchecked_into();
    now.call0(&performance).unwrap().as_f64().unwrap()
}

fn user() -> SourceObject {
    SourceObject::from_json(include_str!("../benches/user.json")).unwrap()
}

fn measure(name: &str, iterations: u32, mut f: impl FnMut()) {
    for _ in 0..iterations / 10 {
        f();
    }
    let best = (0..5)
        .map(|_| {
            let start = now_ms();
            for _ in 0..iterations {
                f();
            }
            now_ms() - start
        })
        .fold(f64::INFINITY, f64::min);
    let per_second = f64::from(iterations) / (best / 1000.0);
    let ns = best * 1.0e6 / f64::from(iterations);
    console_log!("wasm-bench {name}: {ns:.0} ns per evaluation, {per_second:.0} evaluations/s");
}

#[wasm_bindgen_test]
fn reference_expression() {
    let program = expr::compile(REFERENCE).unwrap();
    let user = user();
    let mut ctx = EvalContext::default();
    assert_eq!(
        program.evaluate(&user, &mut ctx).unwrap().value.to_string(),
        "zoe.vanderberg@contoso.com"
    );
    measure("evaluate (20-attribute user)", 200_000, || {
        std::hint::black_box(program.evaluate(std::hint::black_box(&user), &mut ctx).ok());
    });
    let ascii = SourceObject::new().with("givenName", "John").with("surname", "Smith");
    measure("evaluate (ASCII names)", 200_000, || {
        std::hint::black_box(program.evaluate(std::hint::black_box(&ascii), &mut ctx).ok());
    });
    measure("compile", 20_000, || {
        std::hint::black_box(expr::compile(std::hint::black_box(REFERENCE)).ok());
    });
}
