//! Fuzzes evaluation: an arbitrary expression built from a small alphabet of
//! function names and tokens, against an arbitrary source object. Evaluation
//! must return a value or a diagnostic, never panic.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use provisio_engine::expr::{self, EvalContext, FUNCTIONS};
use provisio_engine::object::SourceObject;
use provisio_engine::value::Value;

#[derive(Debug, Arbitrary)]
enum Token {
    Function(u8),
    Open,
    Close,
    Comma,
    Attribute(u8),
    Text(String),
    Number(i64),
    Compare(u8),
}

#[derive(Debug, Arbitrary)]
struct Input {
    tokens: Vec<Token>,
    values: Vec<(u8, Option<String>, Option<i64>, bool)>,
}

const ATTRIBUTES: [&str; 4] = ["a", "b", "c", "d"];
const COMPARISONS: [&str; 6] = ["=", "<>", "<", "<=", ">", ">="];

fn text(input: &Input) -> String {
    let mut out = String::new();
    for token in &input.tokens {
        match token {
            Token::Function(i) => out.push_str(FUNCTIONS[usize::from(*i) % FUNCTIONS.len()].name),
            Token::Open => out.push('('),
            Token::Close => out.push(')'),
            Token::Comma => out.push(','),
            Token::Attribute(i) => out.push_str(&format!("[{}]", ATTRIBUTES[usize::from(*i) % 4])),
            Token::Text(s) => out.push_str(&format!("{s:?}")),
            Token::Number(n) => out.push_str(&n.to_string()),
            Token::Compare(i) => out.push_str(COMPARISONS[usize::from(*i) % 6]),
        }
    }
    out
}

fuzz_target!(|input: Input| {
    let text = text(&input);
    let Ok(program) = expr::compile(&text) else { return };
    let mut source = SourceObject::new();
    for (i, s, n, multi) in &input.values {
        let value = match (s, n) {
            (Some(s), _) => Value::Str(s.clone()),
            (None, Some(n)) => Value::Int(*n),
            (None, None) => Value::Null,
        };
        let value = if *multi {
            Value::Multi(vec![value.clone(), value])
        } else {
            value
        };
        source.insert(ATTRIBUTES[usize::from(*i) % 4], value);
    }
    let _ = program.evaluate(&source, &mut EvalContext::default());
});
