//! Criterion benchmarks of expression evaluation: the issue's reference
//! expression against a 20-attribute user, plus parse+check cost.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // test code: a panic is a failure
#![cfg_attr(target_arch = "wasm32", allow(unused))]

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::hint::black_box;

    use criterion::{Criterion, Throughput, criterion_group};
    use provisio_engine::expr::{self, EvalContext};
    use provisio_engine::object::SourceObject;

    /// The expression named in the performance target.
    pub const REFERENCE: &str =
        r#"ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".", [givenName], [surname]))), "contoso.com"))"#;

    /// The 20-attribute user every benchmark uses.
    fn user() -> SourceObject {
        let json = include_str!("user.json");
        SourceObject::from_json(json).unwrap_or_default()
    }

    fn evaluation(c: &mut Criterion) {
        let Ok(program) = expr::compile(REFERENCE) else {
            return;
        };
        let user = user();
        assert_eq!(user.attributes.len(), 20);
        let mut ctx = EvalContext::default();
        let mut group = c.benchmark_group("evaluate");
        group.throughput(Throughput::Elements(1));
        group.bench_function("reference expression, 20-attribute user", |b| {
            b.iter(|| program.evaluate(black_box(&user), &mut ctx))
        });
        let ascii = SourceObject::new().with("givenName", "John").with("surname", "Smith");
        group.bench_function("reference expression, ASCII names", |b| {
            b.iter(|| program.evaluate(black_box(&ascii), &mut ctx))
        });
        group.finish();
    }

    fn compilation(c: &mut Criterion) {
        c.bench_function("compile reference expression", |b| {
            b.iter(|| expr::compile(black_box(REFERENCE)))
        });
    }

    criterion_group!(benches, evaluation, compilation);
}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::benches);

/// Criterion does not run in WebAssembly; tests/wasm_bench.rs measures there.
#[cfg(target_arch = "wasm32")]
fn main() {}
