//! Properties that hold for every input: printing then parsing gives the
//! same tree, and no input — however malformed — makes the engine panic.

use proptest::prelude::*;
use provisio_engine::expr::ast::{CompareMode, CompareOp, Expr, ExprKind, Name};
use provisio_engine::expr::{self, EvalContext, FUNCTIONS};
use provisio_engine::object::SourceObject;
use provisio_engine::span::Span;
use provisio_engine::value::Value;

fn node(kind: ExprKind) -> Expr {
    Expr::new(kind, Span::default())
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        "[A-Za-z][A-Za-z0-9_.:-]{0,12}".prop_map(|n| node(ExprKind::Attribute(n))),
        any::<String>().prop_map(|s| node(ExprKind::String(s))),
        any::<i64>().prop_map(|value| node(ExprKind::Integer { value, hex: false })),
        (0i64..=i64::MAX).prop_map(|value| node(ExprKind::Integer { value, hex: true })),
        prop_oneof![Just(CompareMode::Binary), Just(CompareMode::Text)].prop_map(|m| node(ExprKind::Constant(m))),
    ]
}

fn function_name() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(FUNCTIONS.iter().map(|f| f.name.to_owned()).collect::<Vec<_>>()),
        "[A-Za-z_][A-Za-z0-9_]{0,8}",
    ]
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    proptest::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Gt,
        CompareOp::Ge,
    ])
}

/// Any expression the grammar can produce. Comparisons appear only as
/// arguments, and a call never has a single omitted argument (`F()` means none).
fn expression() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(6, 48, 5, |inner| {
        let argument = prop_oneof![
            4 => inner.clone(),
            1 => (compare_op(), inner.clone(), inner.clone()).prop_map(|(op, l, r)| {
                let plain = |e: Expr| if matches!(e.kind, ExprKind::Compare { .. }) { node(ExprKind::String("x".into())) } else { e };
                node(ExprKind::Compare { op, left: Box::new(plain(l)), right: Box::new(plain(r)) })
            }),
        ];
        (function_name(), prop::collection::vec(prop::option::weighted(0.8, argument), 0..5)).prop_map(|(name, mut args)| {
            if args.len() == 1 && args[0].is_none() {
                args.clear();
            }
            node(ExprKind::Call { name: Name { text: name, span: Span::default() }, args })
        })
    })
}

fn value() -> impl Strategy<Value = Value> {
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<String>().prop_map(Value::Str),
        "[0-9]{1,4}-[0-9]{2}-[0-9]{2}".prop_map(Value::Str),
    ];
    prop_oneof![4 => scalar.clone(), 1 => prop::collection::vec(scalar, 0..4).prop_map(Value::Multi)]
}

fn object() -> impl Strategy<Value = SourceObject> {
    prop::collection::btree_map("[a-c]", value(), 0..4).prop_map(SourceObject::from_iter)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printing_then_parsing_gives_the_same_tree(e in expression().prop_filter("top level is not a comparison", |e| !matches!(e.kind, ExprKind::Compare { .. }))) {
        let printed = expr::print(&e);
        prop_assert_eq!(expr::parse(&printed).map_err(|d| d[0].message.clone()), Ok(e.clone()), "{}", printed);
        let pretty = expr::pretty(&e, 40);
        prop_assert_eq!(expr::parse(&pretty).map_err(|d| d[0].message.clone()), Ok(e), "{}", pretty);
    }

    #[test]
    fn evaluating_any_expression_never_panics(e in expression(), source in object()) {
        let text = expr::print(&e);
        if let Ok(program) = expr::compile(&text) {
            let _ = program.evaluate(&source, &mut EvalContext::default());
        }
    }

    #[test]
    fn any_text_gets_a_result_or_diagnostics(text in any::<String>()) {
        if let Err(diagnostics) = expr::compile(&text) {
            prop_assert!(!diagnostics.is_empty());
            for d in &diagnostics {
                prop_assert!(d.span.start <= d.span.end && d.span.end <= text.len());
                let _ = d.render(&text);
            }
        }
    }

    #[test]
    fn expression_like_text_never_panics(text in r#"[A-Za-z\[\]()",=<>&H0-9 \\-]{0,60}"#, source in object()) {
        if let Ok(program) = expr::compile(&text) {
            let _ = program.evaluate(&source, &mut EvalContext::default());
        }
    }
}
