//! Fuzzes the lexer, parser, checker and printer with arbitrary text: any
//! input must give a program or diagnostics with in-bounds spans, and a
//! program's printed form must parse back to the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provisio_engine::expr;

fuzz_target!(|text: &str| {
    match expr::compile(text) {
        Ok(program) => {
            let printed = expr::print(program.expr());
            let reparsed = expr::parse(&printed).expect("printed form parses");
            assert_eq!(&reparsed, program.expr(), "{printed}");
        }
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty());
            for d in &diagnostics {
                assert!(d.span.start <= d.span.end && d.span.end <= text.len());
                let _ = d.render(text);
            }
        }
    }
});
