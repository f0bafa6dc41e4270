//! The function registry is the documentation: every function's example
//! evaluates to the result it states, and docs/expressions.md covers every
//! function.

use provisio_engine::expr::FUNCTIONS;

use crate::support::*;

#[test]
fn every_example_gives_its_stated_result() {
    for info in FUNCTIONS {
        let out = evaluate(info.example, info.example_source);
        if let Some(expected) = info.example_result {
            let expected: serde_json::Value = serde_json::from_str(expected).unwrap();
            assert_eq!(out.value.to_json(), expected, "{}: {}", info.name, info.example);
        }
        assert!(
            info.example.contains(info.name),
            "{}'s example does not call it",
            info.name
        );
    }
}

#[test]
fn every_function_is_documented_for_administrators() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/expressions.md")).unwrap();
    for info in FUNCTIONS {
        assert!(
            docs.contains(&format!("### {}\n", info.name)),
            "docs/expressions.md lacks a section for {}",
            info.name
        );
        assert!(
            docs.contains(&info.signature()),
            "docs/expressions.md lacks the signature {}",
            info.signature()
        );
    }
}
