//! How problems are reported: every error has a code, a span and a message,
//! rendered in compiler style; the snapshots show exactly what admins see.

use provisio_engine::diagnostic::{Code, render_all};
use provisio_engine::expr::{self, EvalContext};
use provisio_engine::object::SourceObject;

use crate::support::compile_err;

fn rendered(src: &str) -> String {
    match expr::compile(src) {
        Ok(program) => match program.evaluate(&SourceObject::new(), &mut EvalContext::default()) {
            Ok(v) => panic!("{src} evaluated to {:?}", v.value),
            Err(d) => d.render(src),
        },
        Err(diagnostics) => render_all(&diagnostics, src),
    }
}

#[test]
fn unknown_function() {
    insta::assert_snapshot!(rendered("ToLower(Tolower([mail]))"));
}

#[test]
fn wrong_argument_count() {
    insta::assert_snapshot!(rendered("Join(\"@\", Left([givenName]), \"contoso.com\")"));
}

#[test]
fn unclosed_call_on_a_later_line() {
    insta::assert_snapshot!(rendered("Switch([state],\n  \"default\",\n  \"NSW\", \"Sydney\""));
}

#[test]
fn several_errors_at_once() {
    insta::assert_snapshot!(rendered("Join(Tolower([a]), Lft([b], 1), Left(, 2))"));
}

#[test]
fn lexer_errors() {
    insta::assert_snapshot!(rendered("Replace([mail], , \"\\d+\", , \"\", , ) ; [x"));
}

#[test]
fn evaluation_error_names_the_argument() {
    insta::assert_snapshot!(rendered("Join(\".\", Mid(\"John\", 0, 3), \"x\")"));
}

#[test]
fn every_syntax_error_code() {
    for (src, code) in [
        ("\"abc", Code::UnterminatedString),
        ("\"a\\qb\"", Code::InvalidEscape),
        ("[mail", Code::UnterminatedAttribute),
        ("[]", Code::InvalidAttributeName),
        ("99999999999999999999", Code::IntegerOutOfRange),
        ("&HZZ", Code::InvalidHexLiteral),
        ("Left([a], 1) ;", Code::UnexpectedCharacter),
        ("", Code::EmptyExpression),
        ("Left(\"a\", 1", Code::UnclosedCall),
        ("[a] [b]", Code::TrailingInput),
        ("[a] = \"x\"", Code::ComparisonNotAllowed),
        ("IIF([a] = [b] = [c], 1, 2)", Code::ChainedComparison),
        ("ToLower(mail)", Code::UnknownIdentifier),
        ("Tolower([mail])", Code::UnknownFunction),
        ("Left(\"abc\")", Code::WrongArgumentCount),
        ("Left(, 3)", Code::MissingArgument),
        ("ToLower(SelectUniqueValue([a], [b]))", Code::MustBeOutermost),
        ("Replace([a], , \"(\", , \"\", , )", Code::InvalidRegex),
        ("Left(\"abc\", \"x\")", Code::InvalidLiteral),
        ("Replace([a], , , , \"x\", , )", Code::InvalidReplaceMode),
        ("Left(vbTextCompare, 1)", Code::MisplacedConstant),
    ] {
        compile_err(src, code);
    }
}

#[test]
fn diagnostics_serialise_with_stable_codes() {
    let errors = expr::compile("Tolower([mail])").unwrap_err();
    let json = serde_json::to_value(&errors[0]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "code": "E0201", "severity": "error", "message": "unknown function `Tolower`",
            "span": {"start": 0, "end": 7}, "help": "did you mean `ToLower`?"
        })
    );
}

#[test]
fn limits_are_errors_not_crashes() {
    compile_err(&format!("\"{}\"", "x".repeat(10_001)), Code::ExpressionTooLong);
    compile_err(&"Left(".repeat(1_900), Code::NestingTooDeep);
    compile_err(
        &format!("{}[a]{}", "ToLower(".repeat(65), ")".repeat(65)),
        Code::NestingTooDeep,
    );
    assert!(expr::compile(&format!("{}[a]{}", "ToLower(".repeat(64), ")".repeat(64))).is_ok());
}
