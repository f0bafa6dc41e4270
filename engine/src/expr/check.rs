//! Checks a syntax tree and lowers it to the evaluable form: functions
//! resolved, argument counts and literal arguments validated, literal regular
//! expressions compiled once, and special functions kept in their place.

use std::sync::Arc;

use crate::diagnostic::{Code, Diagnostic};
use crate::expr::ast::{CompareMode, CompareOp, Expr, ExprKind};
use crate::expr::functions::{self, Arity, Culture, Func, FunctionInfo, Interval, Param, ParamType, ReplaceMode};
use crate::pattern::Pattern;
use crate::span::Span;
use crate::value::Value;

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub(crate) enum NodeKind {
    Attribute(String),
    Literal(Value),
    Compare {
        op: CompareOp,
        left: Box<Node>,
        right: Box<Node>,
    },
    Call {
        func: Func,
        args: Vec<Option<Node>>,
        /// Replace's mode, fixed by which arguments are present.
        replace_mode: Option<ReplaceMode>,
        /// A regular expression given as a literal, compiled once here.
        regex: Option<Arc<Pattern>>,
    },
}

pub(crate) fn check(expr: &Expr) -> Result<Node, Vec<Diagnostic>> {
    let mut checker = Checker { errors: Vec::new() };
    let node = checker.expr(expr, None, true);
    if checker.errors.is_empty() {
        Ok(node)
    } else {
        Err(checker.errors)
    }
}

struct Checker {
    errors: Vec<Diagnostic>,
}

impl Checker {
    fn expr(&mut self, expr: &Expr, param: Option<&Param>, outermost: bool) -> Node {
        let kind = match &expr.kind {
            ExprKind::Attribute(name) => NodeKind::Attribute(name.clone()),
            ExprKind::String(text) => {
                if let Some(param) = param {
                    self.literal_string(text, param, expr.span);
                }
                NodeKind::Literal(Value::Str(text.clone()))
            }
            ExprKind::Integer { value, .. } => NodeKind::Literal(Value::Int(*value)),
            ExprKind::Constant(mode) => {
                if param.map(|p| p.ty) != Some(ParamType::CompareMode) {
                    self.errors.push(
                        Diagnostic::error(
                            Code::MisplacedConstant,
                            expr.span,
                            format!("`{}` can only be InStr's compareType argument", mode.keyword()),
                        )
                        .with_help("use it as the fourth argument of InStr"),
                    );
                }
                NodeKind::Literal(Value::Int(match mode {
                    CompareMode::Binary => 0,
                    CompareMode::Text => 1,
                }))
            }
            ExprKind::Compare { op, left, right } => NodeKind::Compare {
                op: *op,
                left: Box::new(self.expr(left, None, false)),
                right: Box::new(self.expr(right, None, false)),
            },
            ExprKind::Call { name, args } => return self.call(expr, &name.text, name.span, args, outermost),
        };
        Node { kind, span: expr.span }
    }

    fn call(&mut self, expr: &Expr, name: &str, name_span: Span, args: &[Option<Expr>], outermost: bool) -> Node {
        let Some(info) = functions::lookup(name) else {
            let mut d = Diagnostic::error(Code::UnknownFunction, name_span, format!("unknown function `{name}`"));
            d.help = Some(match functions::closest(name) {
                Some(close) => format!("did you mean `{close}`?"),
                None => "see the function reference for the functions that exist".into(),
            });
            self.errors.push(d);
            for arg in args.iter().flatten() {
                self.expr(arg, None, false);
            }
            return Node {
                kind: NodeKind::Literal(Value::Null),
                span: expr.span,
            };
        };
        self.arity(info, args.len(), expr.span);
        if info.func == Func::SelectUniqueValue && !outermost {
            self.errors.push(
                Diagnostic::error(
                    Code::MustBeOutermost,
                    name_span,
                    "SelectUniqueValue must be the whole expression, not part of another call",
                )
                .with_help("move it outside; put the other functions inside each of its rules"),
            );
        }
        let mut nodes = Vec::with_capacity(args.len());
        for (i, arg) in args.iter().enumerate() {
            let param = param_for(info, i);
            match arg {
                Some(arg) => nodes.push(Some(self.expr(arg, param, false))),
                None => {
                    if let Some(p) = param.filter(|p| p.arity != Arity::Optional)
                        && !repeating_may_be_empty(info, p)
                    {
                        self.errors.push(
                            Diagnostic::error(
                                Code::MissingArgument,
                                Span::new(expr.span.start, expr.span.end),
                                format!(
                                    "argument {} (`{}`) of {} is required but was left empty",
                                    i + 1,
                                    p.name,
                                    info.name
                                ),
                            )
                            .with_help(format!("signature: {}", info.signature())),
                        );
                    }
                    nodes.push(None);
                }
            }
        }
        let replace_mode = (info.func == Func::Replace)
            .then(|| self.replace_mode(args, expr.span))
            .flatten();
        let regex = match info.func {
            Func::Replace => literal_string(args, 2).and_then(|(p, span)| self.regex(p, span)),
            _ => None,
        };
        Node {
            kind: NodeKind::Call {
                func: info.func,
                args: nodes,
                replace_mode,
                regex,
            },
            span: expr.span,
        }
    }

    fn arity(&mut self, info: &FunctionInfo, count: usize, span: Span) {
        let (min, max) = info.arg_range();
        let pairs_ok = !info.pairs || (count >= min && (count - 2).is_multiple_of(2));
        if count >= min && max.is_none_or(|max| count <= max) && pairs_ok {
            return;
        }
        let expected = match max {
            Some(max) if max == min => format!("{min}"),
            Some(max) => format!("{min} to {max}"),
            None if info.pairs => format!("{min} or more (a source, a default, then key/value pairs)"),
            None => format!("{min} or more"),
        };
        let message = if !pairs_ok && count >= min {
            format!(
                "{} takes its keys and values in pairs, but a key has no value",
                info.name
            )
        } else {
            format!("{} takes {expected} arguments but was given {count}", info.name)
        };
        self.errors.push(
            Diagnostic::error(Code::WrongArgumentCount, span, message)
                .with_help(format!("signature: {}", info.signature())),
        );
    }

    fn literal_string(&mut self, text: &str, param: &Param, span: Span) {
        let problem = match param.ty {
            ParamType::Integer if text.trim().parse::<i64>().is_err() => {
                Some((format!("`{}` expects a whole number, not \"{text}\"", param.name), None))
            }
            ParamType::Interval => Interval::parse(text)
                .err()
                .map(|e| (e, Some(Interval::HELP.to_owned()))),
            ParamType::Culture => Culture::parse(text).err().map(|e| (e, None)),
            ParamType::DateFormat => functions::validate_format(text).err().map(|e| (e, None)),
            ParamType::CompareMode => Some((
                format!(
                    "`{}` expects vbTextCompare or vbBinaryCompare, not a string",
                    param.name
                ),
                Some("write the constant without quotes: vbTextCompare".to_owned()),
            )),
            _ => None,
        };
        if let Some((message, help)) = problem {
            let mut d = Diagnostic::error(Code::InvalidLiteral, span, message);
            d.help = help;
            self.errors.push(d);
        }
    }

    fn regex(&mut self, pattern: &str, span: Span) -> Option<Arc<Pattern>> {
        match Pattern::new(pattern) {
            Ok(regex) => Some(Arc::new(regex)),
            Err(e) => {
                self.errors.push(
                    Diagnostic::error(Code::InvalidRegex, span, format!("invalid regular expression: {e}"))
                        .with_help("backslashes must be doubled inside strings: the regex \\d is written \"\\\\d\""),
                );
                None
            }
        }
    }

    fn replace_mode(&mut self, args: &[Option<Expr>], span: Span) -> Option<ReplaceMode> {
        let present: [bool; 7] = std::array::from_fn(|i| args.get(i).is_some_and(Option::is_some));
        let mode = functions::replace_mode(present);
        if mode.is_none() {
            self.errors.push(
                Diagnostic::error(
                    Code::InvalidReplaceMode,
                    span,
                    "these Replace arguments select none of its five modes",
                )
                .with_help(
                    "give oldValue with replacementValue or template; or regexPattern with replacementValue; \
                         or regexPattern and regexGroupName with replacementValue or replacementAttributeName",
                ),
            );
        }
        mode
    }
}

/// The parameter an argument position fills.
fn param_for(info: &FunctionInfo, i: usize) -> Option<&'static Param> {
    let params: &'static [Param] = info.params;
    if info.pairs {
        let fixed = 2;
        return if i < fixed {
            params.get(i)
        } else {
            params.get(fixed + (i - fixed) % 2)
        };
    }
    params
        .get(i)
        .or_else(|| params.iter().rfind(|p| p.arity == Arity::Repeating))
}

/// Empty slots among repeating sources (Join, Coalesce) are simply skipped.
fn repeating_may_be_empty(info: &FunctionInfo, param: &Param) -> bool {
    param.arity == Arity::Repeating && matches!(info.func, Func::Join | Func::Coalesce)
}

fn literal_string(args: &[Option<Expr>], i: usize) -> Option<(&str, Span)> {
    match args.get(i) {
        Some(Some(Expr {
            kind: ExprKind::String(s),
            span,
        })) => Some((s, *span)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;
    use crate::expr::compile;

    fn err(src: &str) -> Code {
        compile(src).expect_err(src)[0].code
    }

    fn ok(src: &str) {
        if let Err(e) = compile(src) {
            panic!("{src}: {e:?}");
        }
    }

    #[test]
    fn unknown_functions_suggest_the_closest_name() {
        let d = &compile("Tolower([mail])").unwrap_err()[0];
        assert_eq!(d.code, Code::UnknownFunction);
        assert_eq!(d.help.as_deref(), Some("did you mean `ToLower`?"));
        assert_eq!(d.span, crate::span::Span::new(0, 7));
    }

    #[test]
    fn function_names_are_case_sensitive() {
        assert_eq!(err("toLower([mail])"), Code::UnknownFunction);
    }

    #[test]
    fn argument_counts() {
        assert_eq!(err("Left(\"abc\")"), Code::WrongArgumentCount);
        assert_eq!(err("Now(1)"), Code::WrongArgumentCount);
        assert_eq!(err("Switch([a], \"d\", \"k\")"), Code::WrongArgumentCount);
        assert_eq!(
            err("Switch([a], \"d\", \"k\", \"v\", \"k2\")"),
            Code::WrongArgumentCount
        );
        ok("Switch([a], , \"k\", \"v\")");
        ok("Join(\",\", [a])");
        assert_eq!(err("Join(\",\")"), Code::WrongArgumentCount);
        ok("Coalesce([a])");
        assert_eq!(err("SelectUniqueValue([a])"), Code::WrongArgumentCount);
    }

    #[test]
    fn wrong_count_help_shows_the_signature() {
        let d = &compile("Left(\"abc\")").unwrap_err()[0];
        assert_eq!(d.help.as_deref(), Some("signature: Left(string, numChars)"));
    }

    #[test]
    fn required_arguments_cannot_be_left_empty() {
        assert_eq!(err("Left(, 3)"), Code::MissingArgument);
        assert_eq!(err("FormatDateTime([a], , , \"yyyy\")"), Code::MissingArgument);
        ok("FormatDateTime([a], , \"yyyy\", \"yy\")");
        ok("Join(\",\", , [a])");
    }

    #[test]
    fn literal_arguments_are_checked() {
        assert_eq!(err("Left(\"abc\", \"x\")"), Code::InvalidLiteral);
        ok("Left(\"abc\", \"2\")");
        assert_eq!(err("DateAdd(\"days\", 1, Now())"), Code::InvalidLiteral);
        assert_eq!(err("ToLower([a], \"not a culture!\")"), Code::InvalidLiteral);
        assert_eq!(err("InStr([a], \"b\", 1, \"vbTextCompare\")"), Code::InvalidLiteral);
    }

    #[test]
    fn regexes_are_compiled_when_checked() {
        assert_eq!(err("Replace([a], , \"(\", , \"\", , )"), Code::InvalidRegex);
        ok(r#"Replace([a], , "\\+(?<isdCode>\\d* )(?<phoneNumber>\\d{10})", , "${phoneNumber}", , )"#);
    }

    #[test]
    fn replace_modes() {
        assert_eq!(err("Replace([a], , , , \"x\", , )"), Code::InvalidReplaceMode);
        assert_eq!(err("Replace([a])"), Code::InvalidReplaceMode);
        ok("Replace([a], \"x\", , , \"y\", , )");
    }

    #[test]
    fn select_unique_value_must_be_outermost() {
        assert_eq!(err("ToLower(SelectUniqueValue([a], [b]))"), Code::MustBeOutermost);
        ok("SelectUniqueValue(ToLower([a]), [b])");
    }

    #[test]
    fn vb_constants_belong_to_instr() {
        assert_eq!(err("Left(vbTextCompare, 1)"), Code::MisplacedConstant);
        ok("InStr([a], \"b\", 1, vbTextCompare)");
    }

    #[test]
    fn every_error_is_reported_not_just_the_first() {
        let errors = compile("Join(Tolower([a]), Lft([b], 1))").unwrap_err();
        assert_eq!(errors.len(), 2);
    }
}
