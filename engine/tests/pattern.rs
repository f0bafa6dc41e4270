//! Regular expressions behave the same natively (fancy-regex) and in a
//! JavaScript host (the host's RegExp): the same tests run with `cargo test`
//! and in Node with `--target wasm32-unknown-unknown --features wasm`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // test code: a panic is a failure

use provisio_engine::expr::{self, EvalContext};
use provisio_engine::object::SourceObject;
use provisio_engine::pattern::Pattern;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn eval(expression: &str, source: &str) -> String {
    let program = expr::compile(expression).unwrap_or_else(|e| panic!("{expression}: {e:?}"));
    let user = SourceObject::from_json(source).unwrap();
    program
        .evaluate(&user, &mut EvalContext::default())
        .unwrap()
        .value
        .to_string()
}

#[test]
fn replace_with_a_regex_follows_entras_examples() {
    let phone = r#"{"telephoneNumber": "+91 9998887777"}"#;
    assert_eq!(
        eval(
            r#"Replace([telephoneNumber], , "\\+(?<isdCode>\\d* )(?<phoneNumber>\\d{10})", , "${phoneNumber}", , )"#,
            phone
        ),
        "9998887777"
    );
    assert_eq!(
        eval(
            r#"Replace([telephoneNumber], , "[()\\s-]+", , "", , )"#,
            r#"{"telephoneNumber": "+1 (999) 888-7777"}"#
        ),
        "+19998887777"
    );
    assert_eq!(
        eval(
            r#"Replace([street], , "(?<streetNumber>^\\d*)", "streetNumber", "888", , )"#,
            r#"{"street": "545 Tremont Street"}"#
        ),
        "888 Tremont Street"
    );
    assert_eq!(
        eval(
            r#"Replace([mobile], , "\\+(?<isdCode>\\d* )(?<phoneNumber>\\d{10})", "phoneNumber", , [telephoneNumber], )"#,
            r#"{"mobile": "", "telephoneNumber": "+91 8887779999"}"#
        ),
        "8887779999"
    );
}

#[test]
fn substitutions_backreferences_and_lookaround() {
    let ab = r#"{"s": "ab"}"#;
    assert_eq!(eval(r#"Replace([s], , "(a)(b)", , "$2$1", , )"#, ab), "ba");
    assert_eq!(eval(r#"Replace([s], , "b", , "[$&]$$", , )"#, ab), "a[b]$");
    assert_eq!(eval(r#"Replace([s], , "b", , "${nope}$9", , )"#, ab), "a${nope}$9");
    assert_eq!(
        eval(r#"Replace([s], , "(\\w)\\1", , "X", , )"#, r#"{"s": "aa-bb-cd"}"#),
        "X-X-cd"
    );
    assert_eq!(
        eval(r#"Replace([s], , "\\d(?=b)", , "_", , )"#, r#"{"s": "a1b2"}"#),
        "a_b2"
    );
    assert_eq!(
        eval(r#"Replace([s], , "(?<=a)1", , "_", , )"#, r#"{"s": "a1b1"}"#),
        "a_b1"
    );
}

#[test]
fn offsets_are_right_beyond_ascii() {
    // "é" is two bytes, "😀" four bytes and two UTF-16 units.
    assert_eq!(
        eval(r#"Replace([s], , "x", , "-", , )"#, r#"{"s": "é😀x😀x"}"#),
        "é😀-😀-"
    );
    let pattern = Pattern::new(r"(?<first>\w)(\w)?-").unwrap();
    let all = pattern.captures_iter("ä-bc-").unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].get(0), Some(0..3));
    assert_eq!(all[0].name("first"), Some(Some(0..2)));
    assert_eq!(all[0].get(2), None);
    assert_eq!(all[0].name("nope"), None);
    assert_eq!(all[1].get(2), Some(4..5));
    assert_eq!(pattern.captures("xyz").unwrap(), None);
}

#[test]
fn empty_matches_advance_by_whole_characters() {
    assert_eq!(eval(r#"Replace([s], , "", , "|", , )"#, r#"{"s": "a😀"}"#), "|a|😀|");
}

#[test]
fn inline_case_option_unicode_classes_and_lenient_escapes() {
    assert!(Pattern::new("(?i)^ADMIN").unwrap().is_match("admin-1").unwrap());
    assert!(!Pattern::new("^ADMIN").unwrap().is_match("admin-1").unwrap());
    assert!(Pattern::new(r"^\p{L}+$").unwrap().is_match("Zoë").unwrap());
    assert!(Pattern::new(r"a\-b").unwrap().is_match("a-b").unwrap());
    assert!(Pattern::new(r"^\w+ \d$").unwrap().is_match("Zoë ٣").unwrap());
    assert!(
        Pattern::new(r".*\@domain.com")
            .unwrap()
            .is_match("a@domain.com")
            .unwrap()
    );
}

#[test]
fn dotnet_anchors() {
    let whole = Pattern::new(r"\Aab\z").unwrap();
    assert!(whole.is_match("ab").unwrap());
    assert!(!whole.is_match("ab\n").unwrap());
    assert!(!whole.is_match("xab").unwrap());
    assert!(Pattern::new(r"ab\Z").unwrap().is_match("ab\n").unwrap());
    assert!(!Pattern::new(r"(?m)\Ab").unwrap().is_match("a\nb").unwrap());
}

#[test]
fn a_bad_pattern_is_an_error_not_a_panic() {
    assert!(!Pattern::new("(").unwrap_err().is_empty());
    assert!(!Pattern::new("[z-a]").unwrap_err().is_empty());
    let diagnostics = expr::compile(r#"Replace([s], , "(", , "x", , )"#).unwrap_err();
    assert!(format!("{diagnostics:?}").contains("invalid regular expression"));
}
